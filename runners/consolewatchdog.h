#pragma once

#include <QString>
#include <QtGlobal>

// A tiny process forked once per console that outlives it: when the console dies, however it
// dies (SIGKILL included), it kills the console's cgroup directory (or, without cgroups, the
// processes the console told it about, each checked by pid and start time) and exits.
// PR_SET_PDEATHSIG only reaches a service's first process; the watchdog reaches the rest
// (nginx workers, daemonized children, what a command step left running) within milliseconds.
namespace ConsoleWatchdog {
// Forks the watchdog on the first call; later calls return its pid (0 when it could not start,
// or HALAB_NO_WATCHDOG=1 asked for none: then only the next start's ledger clean-up remains).
qint64 ensureStarted();
// The cgroup directory the watchdog kills and removes when the console dies.
void setCgroupRoot(const QString &path);
// Fallback without cgroups: processes (and the groups they lead) to kill when the console dies.
void track(qint64 pid, quint64 startTime);
void untrack(qint64 pid);
// Processes currently tracked (for tests).
int trackedCount();
} // namespace ConsoleWatchdog
