#include "processtree.h"

#include <QHash>
#include <QSet>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

namespace ProcessTree {

std::optional<Info> info(qint64 pid)
{
    if (pid <= 0)
        return std::nullopt;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%lld/stat", static_cast<long long>(pid));
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    char buf[1024];
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0)
        return std::nullopt;
    buf[n] = '\0';
    // comm may hold spaces and parentheses: the fields start after the last ')'.
    char *p = std::strrchr(buf, ')');
    if (!p)
        return std::nullopt;
    ++p;
    Info result;
    result.pid = pid;
    int field = 2;
    char *save = nullptr;
    for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(nullptr, " ", &save)) {
        ++field;
        switch (field) {
        case 3: result.state = tok[0]; break;
        case 4: result.ppid = std::strtoll(tok, nullptr, 10); break;
        case 5: result.pgid = std::strtoll(tok, nullptr, 10); break;
        case 6: result.sid = std::strtoll(tok, nullptr, 10); break;
        case 22: result.startTime = std::strtoull(tok, nullptr, 10); return result;
        default: break;
        }
    }
    return std::nullopt;
}

QList<Info> all()
{
    QList<Info> result;
    DIR *dir = ::opendir("/proc");
    if (!dir)
        return result;
    while (const dirent *entry = ::readdir(dir)) {
        char *end = nullptr;
        const long long pid = std::strtoll(entry->d_name, &end, 10);
        if (pid <= 0 || !end || *end != '\0')
            continue;
        if (const auto i = info(pid))
            result.append(*i);
    }
    ::closedir(dir);
    return result;
}

quint64 startTime(qint64 pid)
{
    const auto i = info(pid);
    if (!i || i->state == 'Z' || i->state == 'X')
        return 0;
    return i->startTime;
}

bool isAlive(qint64 pid, quint64 start)
{
    return start != 0 && startTime(pid) == start;
}

QList<qint64> groupMembers(qint64 pgid)
{
    QList<qint64> result;
    if (pgid <= 1)
        return result;
    const QList<Info> procs = all();
    for (const Info &i : procs)
        if (i.pgid == pgid && i.state != 'Z' && i.state != 'X')
            result.append(i.pid);
    return result;
}

int signalTree(qint64 pid, qint64 pgid, int signal)
{
    const qint64 self = ::getpid();
    const qint64 ownGroup = ::getpgrp();
    // A wrong pgid here would signal the console itself or everything it may signal.
    if (pgid <= 1 || pgid == ownGroup || pgid == self)
        pgid = 0;
    if (pid <= 1 || pid == self)
        pid = 0;
    if (pid == 0 && pgid == 0)
        return 0;

    // Collect before signalling: once a parent dies its children are reparented and lost.
    const QList<Info> procs = all();
    QHash<qint64, QList<qint64>> children;
    QSet<qint64> roots;
    if (pid)
        roots.insert(pid);
    for (const Info &i : procs) {
        if (i.state == 'Z' || i.state == 'X')
            continue;
        children[i.ppid].append(i.pid);
        if (pgid && i.pgid == pgid)
            roots.insert(i.pid);
    }
    QSet<qint64> tree;
    QList<qint64> queue(roots.cbegin(), roots.cend());
    while (!queue.isEmpty()) {
        const qint64 p = queue.takeLast();
        if (tree.contains(p))
            continue;
        tree.insert(p);
        queue.append(children.value(p));
    }
    tree.remove(self);

    QHash<qint64, qint64> groupOf;
    for (const Info &i : procs)
        groupOf.insert(i.pid, i.pgid);

    int count = 0;
    if (pgid && ::kill(static_cast<pid_t>(-pgid), signal) == 0)
        ++count;
    for (const qint64 p : std::as_const(tree)) {
        if (pgid && groupOf.value(p) == pgid)
            continue; // covered by the group signal
        if (::kill(static_cast<pid_t>(p), signal) == 0)
            ++count;
    }
    return count;
}

QList<Info> tree(const QList<std::pair<qint64, quint64>> &roots, qint64 pgid)
{
    const qint64 self = ::getpid();
    if (pgid <= 1 || pgid == ::getpgrp() || pgid == self)
        pgid = 0;
    const QList<Info> procs = all();
    QHash<qint64, QList<qint64>> children;
    QHash<qint64, QList<qint64>> groups;
    QHash<qint64, QList<qint64>> sessions;
    QHash<qint64, Info> byPid;
    for (const Info &i : procs) {
        if (i.state == 'Z' || i.state == 'X')
            continue;
        byPid.insert(i.pid, i);
        children[i.ppid].append(i.pid);
        groups[i.pgid].append(i.pid);
        sessions[i.sid].append(i.pid);
    }
    QList<qint64> queue;
    for (const auto &[pid, start] : roots)
        if (pid > 1 && byPid.contains(pid) && (start == 0 || byPid.value(pid).startTime == start))
            queue.append(pid);
    if (pgid)
        queue.append(groups.value(pgid));
    const qint64 ownSession = ::getsid(0);
    QSet<qint64> seen;
    QList<Info> result;
    while (!queue.isEmpty()) {
        const qint64 p = queue.takeLast();
        if (p <= 1 || p == self || seen.contains(p) || !byPid.contains(p))
            continue;
        seen.insert(p);
        const Info &i = byPid[p];
        result.append(i);
        queue.append(children.value(p));
        // A member that leads a group or a session (setsid) brings its members along.
        if (i.pgid == p && p != ::getpgrp())
            queue.append(groups.value(p));
        if (i.sid == p && p != ownSession)
            queue.append(sessions.value(p));
    }
    return result;
}

} // namespace ProcessTree
