#pragma once

#include <QList>
#include <QString>
#include <QtGlobal>

// The unified (cgroup v2) hierarchy, read and written through its files (Linux only). A console
// keeps every scope it starts under one directory of its own, halab-<pid>-<starttime>, so what a
// dead console left behind can be told apart from what a live one runs.
namespace CgroupV2 {
// The first cgroup2 mount in /proc/mounts, empty when there is none.
QString mountPoint();
// True when HALAB_NO_CGROUPS=1 asks for the process-tree fallback.
bool disabledByEnvironment();
// This console's directory, created on the first call: <mount><own cgroup>/halab-<pid>-<start>.
// Empty when cgroup v2 is missing, not writable, lacks cgroup.kill / cgroup.freeze, or is
// disabled; *why then says which, and how to get it.
QString consoleRoot(QString *why = nullptr);
// A new directory under consoleRoot() named after `name` (made unique), empty with *error on failure.
QString createScope(const QString &name, QString *error = nullptr);

bool kill(const QString &path);                  // cgroup.kill: SIGKILL to every process, nested too
bool setFrozen(const QString &path, bool frozen); // cgroup.freeze
bool isFrozen(const QString &path);               // "frozen 1" in cgroup.events
bool isPopulated(const QString &path);            // "populated 1": some process lives in it or below
QList<qint64> pids(const QString &path);          // cgroup.procs of the directory itself
// rmdir of the directory and any empty directories below it; false while processes remain.
bool remove(const QString &path);
// Kills and removes the directories of consoles that are gone (found beside consoleRoot()'s).
// Returns how many were found.
int reapStaleConsoles();
// "<pid>-<starttime>" of the console owning a halab-<pid>-<start> directory name, or {0, 0}.
std::pair<qint64, quint64> ownerOf(const QString &directoryName);
} // namespace CgroupV2
