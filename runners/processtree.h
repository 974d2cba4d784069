#pragma once

#include <QList>
#include <QtGlobal>

#include <optional>
#include <utility>

// Reads /proc to find and signal a service's whole process tree (Linux only).
namespace ProcessTree {
struct Info
{
    qint64 pid = 0;
    qint64 ppid = 0;
    qint64 pgid = 0;
    qint64 sid = 0;        // session id
    quint64 startTime = 0; // /proc/<pid>/stat field 22, clock ticks since boot
    char state = '?';      // R, S, D, T, Z, ...
};

// One process from /proc/<pid>/stat, or nullopt when it is gone.
std::optional<Info> info(qint64 pid);
// Every process visible in /proc.
QList<Info> all();
// Start time of a live (non-zombie) process, 0 when it is gone or a zombie.
quint64 startTime(qint64 pid);
// True when pid is a live, non-zombie process that started at startTime (so not a recycled pid).
bool isAlive(qint64 pid, quint64 startTime);
// Live members of a process group.
QList<qint64> groupMembers(qint64 pgid);
// Signals the group pgid and every live descendant of pid or of a group member that left the
// group (setsid children such as database servers). Returns how many targets were signalled.
// Refuses (returns 0) to signal the console's own group or pids <= 1.
int signalTree(qint64 pid, qint64 pgid, int signal);
// The live processes reachable from roots (pid and start time; a root whose start time no longer
// matches is skipped) and from the group pgid: their descendants by parent pid, the members of
// any group or session one of them leads. Never the console itself or pids <= 1.
QList<Info> tree(const QList<std::pair<qint64, quint64>> &roots, qint64 pgid);
} // namespace ProcessTree
