#pragma once

#include "checkapplicability.h"
#include "lab.h"
#include "labcontext.h"
#include "run.h"
#include "loglinebatch.h"
#include "runsitting.h"

#include <QHash>
#include <QMap>
#include <QObject>
#include <QPointer>

#include <functional>

class RunStore;
class ScenarioRunner;
class StackSession;

// The run workflow, once, for the window and the CLI: the open lab and its overrides, the stack
// session, the sitting's run in the store, the runner of the check in progress, the proposals the
// runner makes, and the verdicts recorded without running (N/A, DEFERRED) or by the engineer.
// Front ends only present it: they connect to its signals and call these functions. Core only.
class RunSession : public QObject
{
    Q_OBJECT

public:
    explicit RunSession(RunStore *store, QObject *parent = nullptr);
    ~RunSession() override;

    // Another lab file ends the sitting's run and drops a stopped stack; the same file keeps both.
    void setLab(const Lab &lab, const QMap<QString, QString> &overrides = {});
    const Lab &lab() const { return m_lab; }
    QMap<QString, QString> overrides() const { return m_overrides; }
    // The lab as runners resolve it (built-ins, variables, --set overrides); no secrets.
    const LabContext &context() const { return m_context; }

    // Whether a check runs: the one rule for the window's check list, the CLI and the recorder.
    CheckApplicability applicability(const CheckSpec &check) const;

    // --- stack ---
    StackSession *stack() const { return m_stack; }
    bool isStackPrepared() const;
    bool isStackUp() const;
    bool isStackBusy() const { return m_stackBusy; }
    // True when the running stack was started for another lab file than the open one.
    bool stackIsOfAnotherLab() const;
    // Loads the secrets and creates the backend (once); done(ok) afterwards. stackPrepared() tells why.
    void prepareStack(const std::function<void(bool)> &done);
    void startStack();
    void stopStack();

    // --- the sitting's run ---
    RunSitting *sitting() const { return m_sitting; }
    // Creates the sitting's run if needed (asking each service its version first).
    void ensureRun(const QString &operatorName, const std::function<void(RunSitting::Outcome)> &ready);
    void endSitting(Run::State state = Run::State::Finished);

    // --- checks ---
    struct CheckOptions
    {
        bool manual = false;       // steps run one by one at the engineer's request
        bool unattended = false;   // prompts fail instead of asking (CLI)
        bool confirmFaults = false;
        QString faultLedgerDir;    // empty: the default
    };
    // Creates the runner (recorded into the sitting's run), emits checkStarted() so front ends connect
    // to it, then starts it. Null when a check is already running or the stack is not prepared.
    ScenarioRunner *startCheck(const CheckSpec &check, const CheckOptions &options);
    ScenarioRunner *runner() const;
    QString runningCheckId() const { return m_runnerCheck; }
    // Known from checkStarted() on, before the runner itself starts.
    bool isManualCheck() const { return m_runnerManual; }
    bool isCheckRunning() const;
    void abortCheck();
    // Records N/A or DEFERRED for a check that does not run (with the reason) and returns true;
    // false when the check runs.
    bool recordIfNotRunning(const CheckSpec &check);
    // The engineer's verdict over the runner's proposal (metrics, failures, times) if there is one.
    CheckResult recordVerdict(const QString &checkId, Verdict verdict, const QString &note, const QString &overrideReason);
    bool hasProposal(const QString &checkId) const { return m_proposals.contains(checkId); }
    CheckResult proposal(const QString &checkId) const { return m_proposals.value(checkId); }

    // Run All (the game day): the checks in order. N/A and DEFERRED are recorded, automated ones run,
    // and at a manual or mixed one the queue waits: manualCheckReached(), then continueQueue().
    void startQueue(const QStringList &checkIds, const CheckOptions &options);
    void continueQueue();
    void stopQueue();
    bool isQueueRunning() const { return m_queueIndex >= 0; }
    int queueIndex() const { return m_queueIndex; }
    int queueSize() const { return int(m_queue.size()); }

    // The run a short id (the first characters, as every view shows it) names; empty with *error otherwise.
    static QString resolveRunId(const RunStore &store, const QString &idOrPrefix, QString *error);

Q_SIGNALS:
    void stackPrepared(bool ok, const QString &error, const QString &warning);
    void stackStateChanged();
    void checkStarted(ScenarioRunner *runner, const QString &checkId);
    // The runner's result with its intervals and failures: the proposal the engineer judges.
    void checkFinished(const CheckResult &proposal, bool manual);
    void resultRecorded(const CheckResult &result);
    void runStarted(const QString &runId);
    void queueProgress(int index, int total, const QString &checkId);
    void manualCheckReached(const QString &checkId);
    void queueFinished(bool stopped);
    void runEnded(const QString &runId);
    // The run's results so far are in the store: views that read it refresh.
    void runStored(const QString &runId);

private:
    void onStackPrepared(bool ok, const QString &error, const QString &warning);
    void onRunnerFinished(const CheckResult &result);
    // Every service's lines go into the sitting's run, redacted, tagged with the check in progress.
    void onServiceLogLines(const QList<LogLine> &lines);

    RunStore *m_store;
    RunSitting *m_sitting;
    Lab m_lab;
    QMap<QString, QString> m_overrides;
    LabContext m_context;
    StackSession *m_stack = nullptr;
    QList<std::function<void(bool)>> m_stackWaiters;
    bool m_stackBusy = false;
    QPointer<ScenarioRunner> m_runner;
    QString m_runnerCheck;
    bool m_runnerManual = false;
    QHash<QString, CheckResult> m_proposals;
    void nextInQueue();
    QStringList m_queue;
    int m_queueIndex = -1; // -1: no Run All in progress
    CheckOptions m_queueOptions;
};
