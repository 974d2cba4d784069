#pragma once

#include "lab.h"
#include "run.h"
#include "servicelogline.h"

#include <QObject>
#include <QPointer>

#include <functional>

class RunRecorder;
class RunStore;
class ScenarioRunner;
class StackVersions;

// One console sitting = one run in the store. The run is created lazily, at the first check run
// (after asking each service its version), and ended when the lab changes or the window closes.
class RunSitting : public QObject
{
    Q_OBJECT

public:
    explicit RunSitting(RunStore *store, QObject *parent = nullptr);
    ~RunSitting() override;

    enum class Outcome {
        Ready,       // the run exists: attach() and record() store into it
        NotRecorded, // the store refused (lastError() says why): work can go on, unrecorded
        Cancelled,   // the sitting ended before the run was created: do nothing
    };

    // Calls ready(Ready) once the sitting's run exists, creating it first if needed (asynchronous:
    // the stack versions are collected, bounded by StackVersions::TimeoutMs).
    void ensureRun(const Lab &lab, const StackSpec &resolvedStack, const QString &operatorName,
                   const std::function<void(Outcome)> &ready);
    bool hasRun() const { return !m_runId.isEmpty(); }
    bool isStarting() const { return m_starting; }
    QString runId() const { return m_runId; }
    QString operatorName() const { return m_operator; }
    QString lastError() const { return m_error; }

    // Records everything the runner produces into the run (which must exist); the run is running again.
    void attach(ScenarioRunner *runner);
    // No check is in progress: the run reads finished (with this time) until the next check attaches.
    // The sitting keeps it, so later checks and verdicts of the sitting still land in it.
    void settle();
    // A verdict set by the engineer, or decided without running (N/A, DEFERRED).
    void record(const CheckResult &result);
    // Service log lines (redacted) while the run exists; dropped when there is none yet.
    void recordServiceLogs(const QList<ServiceLogLine> &lines);
    // Ends the run (if any); the next ensureRun() starts a new one. runEnded() follows once the
    // store has the run's end.
    void end(Run::State state = Run::State::Finished);

Q_SIGNALS:
    void runStarted(const QString &runId);
    void runEnded(const QString &runId);
    // What the run recorded so far is in the store (after a check settled or a verdict was recorded).
    void runStored(const QString &runId);
    // Evidence of the run could not be stored: the run will end as incomplete.
    void storeFailed(const QString &error);

private:
    RunStore *m_store;
    RunRecorder *m_recorder = nullptr;
    QPointer<StackVersions> m_versions;
    QString m_runId;
    QString m_operator;
    QString m_error;
    bool m_starting = false;
    QList<std::function<void(Outcome)>> m_waiting;
};
