#include "consolewatchdog.h"

#include <QFile>
#include <QMutex>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace ConsoleWatchdog {
namespace {
constexpr int Slots = 1024;
constexpr int PathMax = 4096;

// Shared with the watchdog (MAP_SHARED before fork): the console writes, the watchdog reads
// only after the console is gone.
struct Table
{
    std::atomic<long long> pid[Slots];
    std::atomic<unsigned long long> start[Slots];
    char cgroupRoot[PathMax];
};
static_assert(std::atomic<long long>::is_always_lock_free, "the table is shared across processes");

Table *g_table = nullptr;
qint64 g_watchdogPid = 0;
QMutex g_mutex;

// --- watchdog side: after fork, async-signal-safe calls only (no malloc, no Qt) ---

// Start time (field 22 of /proc/<pid>/stat) and state; 0 when the process is gone.
unsigned long long rawStartTime(long long pid, char *state)
{
    char path[64];
    char buf[1024];
    // snprintf is not on the async-signal-safe list: build the path by hand.
    char digits[24];
    int n = 0;
    for (long long v = pid; v > 0 && n < 23; v /= 10)
        digits[n++] = char('0' + v % 10);
    int len = 0;
    for (const char *p = "/proc/"; *p; ++p)
        path[len++] = *p;
    while (n > 0)
        path[len++] = digits[--n];
    for (const char *p = "/stat"; *p; ++p)
        path[len++] = *p;
    path[len] = '\0';
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    const ssize_t got = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (got <= 0)
        return 0;
    buf[got] = '\0';
    const char *p = nullptr;
    for (const char *q = buf; *q; ++q)
        if (*q == ')')
            p = q;
    if (!p)
        return 0;
    int field = 2;
    ++p;
    while (*p) {
        while (*p == ' ')
            ++p;
        ++field;
        if (field == 3 && state)
            *state = *p;
        if (field == 22) {
            unsigned long long v = 0;
            while (*p >= '0' && *p <= '9')
                v = v * 10 + static_cast<unsigned long long>(*p++ - '0');
            return v;
        }
        while (*p && *p != ' ')
            ++p;
    }
    return 0;
}

void writeAll(const char *dir, const char *file, const char *value)
{
    char path[PathMax + 32];
    size_t len = std::strlen(dir);
    if (len + std::strlen(file) + 2 >= sizeof path)
        return;
    std::memcpy(path, dir, len);
    path[len++] = '/';
    std::strcpy(path + len, file);
    const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    [[maybe_unused]] const ssize_t w = ::write(fd, value, std::strlen(value));
    ::close(fd);
}

bool populated(const char *dir)
{
    char path[PathMax + 32];
    const size_t len = std::strlen(dir);
    std::memcpy(path, dir, len);
    std::strcpy(path + len, "/cgroup.events");
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char buf[256];
    const ssize_t got = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (got <= 0)
        return false;
    buf[got] = '\0';
    const char *p = std::strstr(buf, "populated ");
    return p && p[10] == '1';
}

// rmdir of dir after its subdirectories (cgroups hold no files that rmdir minds).
void removeTree(char *dir, int depth)
{
    const size_t len = std::strlen(dir);
    const int fd = ::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0 && depth < 8) {
        alignas(8) char buf[4096];
        for (;;) {
            const long got = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
            if (got <= 0)
                break;
            for (long off = 0; off < got;) {
                struct Entry { unsigned long long ino; long long off; unsigned short reclen; unsigned char type; char name[1]; };
                const auto *e = reinterpret_cast<const Entry *>(buf + off);
                off += e->reclen;
                if (e->type != DT_DIR || std::strcmp(e->name, ".") == 0 || std::strcmp(e->name, "..") == 0)
                    continue;
                if (len + std::strlen(e->name) + 2 >= PathMax)
                    continue;
                dir[len] = '/';
                std::strcpy(dir + len + 1, e->name);
                removeTree(dir, depth + 1);
                dir[len] = '\0';
            }
        }
    }
    if (fd >= 0)
        ::close(fd);
    ::rmdir(dir);
}

[[noreturn]] void watch(int readFd)
{
    // Out of the console's session and process group: Ctrl-C and a killed group spare it.
    ::setsid();
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr); // the forking thread's mask is not ours
    ::prctl(PR_SET_PDEATHSIG, 0);
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGHUP, SIG_IGN);
    ::signal(SIGPIPE, SIG_IGN);
    // Holding the console's sockets or pipes open would keep ports and peers busy.
    if (readFd != 3) {
        ::dup2(readFd, 3);
        readFd = 3;
    }
    if (::syscall(SYS_close_range, 4u, ~0u, 0u) != 0)
        for (int fd = 4; fd < 65536; ++fd)
            ::close(fd);
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        ::dup2(devnull, 0);
        ::dup2(devnull, 1);
        ::dup2(devnull, 2);
        if (devnull > 3)
            ::close(devnull);
    }
    ::prctl(PR_SET_NAME, "halab-watchdog");

    char byte = 0;
    for (;;) {
        const ssize_t r = ::read(readFd, &byte, 1);
        if (r == 0)
            break; // every write end closed: the console is gone
        if (r < 0 && errno != EINTR)
            break;
    }

    char root[PathMax];
    std::memcpy(root, g_table->cgroupRoot, PathMax);
    root[PathMax - 1] = '\0';
    if (root[0]) {
        writeAll(root, "cgroup.kill", "1");
        // cgroup.kill is asynchronous; rmdir only succeeds once the last member is gone.
        for (int i = 0; i < 500 && populated(root); ++i) {
            const timespec tick{0, 10'000'000};
            ::nanosleep(&tick, nullptr);
        }
        removeTree(root, 0);
    }
    for (int i = 0; i < Slots; ++i) {
        const long long pid = g_table->pid[i].load();
        if (pid <= 1)
            continue;
        const unsigned long long start = g_table->start[i].load();
        char state = '?';
        const unsigned long long now = rawStartTime(pid, &state);
        if (now != 0 && now != start)
            continue; // the pid belongs to someone else now
        // The group it led may outlive it (nginx workers); a pid is not reused while its group lives.
        ::kill(static_cast<pid_t>(-pid), SIGKILL);
        if (now == start)
            ::kill(static_cast<pid_t>(pid), SIGKILL);
    }
    ::_exit(0);
}

qint64 start()
{
    void *mem = ::mmap(nullptr, sizeof(Table), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return 0;
    g_table = new (mem) Table();
    int fds[2];
    // O_CLOEXEC: a service inheriting the write end would keep the watchdog waiting forever.
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return 0;
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return 0;
    }
    if (pid == 0) {
        ::close(fds[1]);
        watch(fds[0]);
    }
    ::close(fds[0]);
    // Deliberately leaked: the write end closes when the console's process ends.
    return pid;
}
} // namespace

qint64 ensureStarted()
{
    QMutexLocker lock(&g_mutex);
    static bool tried = false;
    if (!tried) {
        tried = true;
        // Tests of the next start's clean-up (the pid ledger) need a console without one.
        if (qEnvironmentVariableIntValue("HALAB_NO_WATCHDOG") == 1)
            return 0;
        g_watchdogPid = start();
    }
    return g_watchdogPid;
}

void setCgroupRoot(const QString &path)
{
    QMutexLocker lock(&g_mutex);
    if (!g_table)
        return;
    const QByteArray bytes = QFile::encodeName(path);
    if (bytes.size() >= PathMax)
        return;
    std::memcpy(g_table->cgroupRoot, bytes.constData(), size_t(bytes.size()) + 1);
}

void track(qint64 pid, quint64 startTime)
{
    QMutexLocker lock(&g_mutex);
    if (!g_table || pid <= 1)
        return;
    for (int i = 0; i < Slots; ++i)
        if (g_table->pid[i].load() == pid) {
            g_table->start[i].store(startTime);
            return;
        }
    for (int i = 0; i < Slots; ++i)
        if (g_table->pid[i].load() == 0) {
            // Start time first: the watchdog never sees a pid without it.
            g_table->start[i].store(startTime);
            g_table->pid[i].store(pid);
            return;
        }
}

void untrack(qint64 pid)
{
    QMutexLocker lock(&g_mutex);
    if (!g_table)
        return;
    for (int i = 0; i < Slots; ++i)
        if (g_table->pid[i].load() == pid)
            g_table->pid[i].store(0);
}

int trackedCount()
{
    QMutexLocker lock(&g_mutex);
    int n = 0;
    for (int i = 0; g_table && i < Slots; ++i)
        n += g_table->pid[i].load() != 0;
    return n;
}

} // namespace ConsoleWatchdog
