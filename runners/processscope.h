#pragma once

#include "childprocesssetup.h"
#include "processtree.h"

#include <QList>
#include <QLoggingCategory>
#include <QObject>
#include <QSet>
#include <QString>

#include <utility>

class QProcess;
class QTimer;

Q_DECLARE_LOGGING_CATEGORY(lcScope)

// Everything one command starts, as a whole: a service with its workers and daemonized
// children, or a command step's `sh -c` with what it forked. With a writable cgroup v2 the
// scope is a cgroup the first process joins before exec (kill = cgroup.kill, pause =
// cgroup.freeze); otherwise its own process group whose tree (by parent pid, group and
// session, with the first process as subreaper) is walked at signal time and remembered every
// TrackIntervalMs; an orphan whose subreaper already exited is still found by the HALAB_SCOPE
// token its environment inherited. Either way a watchdog ends the scope if the console dies.
class ProcessScope : public QObject
{
    Q_OBJECT

public:
    enum class Method { Cgroup, TreeWalk };
    static constexpr int TrackIntervalMs = 200;
    static constexpr int EndPollMs = 10;
    static constexpr int EndTimeoutMs = 5000;

    // name: a readable label for the cgroup directory (made unique), e.g. "svc-redis".
    explicit ProcessScope(const QString &name, QObject *parent = nullptr);
    // Kills whatever is left and removes the cgroup (without waiting for the dying).
    ~ProcessScope() override;

    // What every scope of this console uses, for the run log: "cgroup v2 (<dir>)" or
    // "process tree walk (<why not cgroup v2>)".
    static Method consoleMethod();
    static QString methodDescription();

    // Before QProcess::start(): the process will start inside this scope. False with *error when
    // the scope cannot hold it (the process must then not be started).
    // base: what else the child must do (run as another user); the scope adds its own part.
    bool prepare(QProcess *process, QString *error = nullptr, const ChildProcessSetup::Options &base = {});
    // Once QProcess::started: the scope's main process (signalMain's target).
    void setMainProcess(qint64 pid);

    Method method() const { return m_method; }
    QString cgroupPath() const { return m_cgroup; }
    qint64 mainPid() const { return m_mainPid; }

    // SIGTERM etc. to the main process only (a supervisor's graceful stop).
    bool signalMain(int signal);
    // SIGKILL to every process of the scope at once.
    void kill();
    // Stops / continues every process of the scope (cgroup.freeze, or SIGSTOP / SIGCONT).
    void freeze();
    void thaw();
    bool isFrozen() const;
    // No live process is left in the scope.
    bool isEmpty() const;
    QList<qint64> pids() const;

    // kill(), then ended() once every process is gone (or after EndTimeoutMs, with a warning),
    // the cgroup removed. Asynchronous: never waits on the caller's thread.
    void end();
    bool isEnding() const { return m_ending; }

Q_SIGNALS:
    void ended();

private:
    QList<ProcessTree::Info> members() const;
    void track();
    void stopAll();
    void pollEnd();
    void release();
    void closeProcsFd();

    QString m_name;
    Method m_method = Method::TreeWalk;
    QString m_cgroup;
    int m_procsFd = -1;
    qint64 m_mainPid = 0;
    quint64 m_mainStart = 0;
    qint64 m_pgid = 0;
    QSet<std::pair<qint64, quint64>> m_known; // tree-walk members seen so far (pid, start time)
    QByteArray m_token; // tree walk: HALAB_SCOPE=<token> in the environment of everything it starts
    mutable QSet<std::pair<qint64, quint64>> m_foreign; // processes whose environment is not ours
    quint64 m_preparedTicks = 0; // clock ticks since boot when the last process was prepared
    QTimer *m_trackTimer = nullptr;
    QTimer *m_endTimer = nullptr;
    int m_endPolls = 0;
    bool m_ending = false;
};
