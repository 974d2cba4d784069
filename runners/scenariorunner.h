#pragma once

#include "checkmetrics.h"
#include "checkspec.h"
#include "faultledger.h"
#include "labcontext.h"
#include "loglinebatch.h"
#include "run.h"
#include "secretredactor.h"
#include "stackbackend.h"
#include "stepoutcome.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>

class NetworkFaultDriver;
class ProbeEngine;
class QNetworkAccessManager;
class QNetworkReply;
class ProcessScope;
class QProcess;
class QTimer;


// Runs one check: its probes across the whole check, its steps in order on a timeline, then
// the metrics and the verdict. Everything is asynchronous; abort() rolls back every fault.
class ScenarioRunner : public QObject
{
    Q_OBJECT

public:
    static constexpr int BodyCap = 64 * 1024;
    // How long a log scan lets in-flight service log lines arrive before it counts.
    static constexpr int LogSettleMs = 250;
    // How long a `steady` wait waits for its first fresh role round before it gives up.
    static constexpr int SteadyFreshRoundMs = 10000;
    // How long a leader whose role probe gets no answer while no other member claims the role
    // still counts for a `steady` wait and a `role: leader` fault target: a slow role API on a
    // busy host (or a probe still in flight at a 10 ms cycle) is not a failover.
    static constexpr int LeaderSilenceGraceMs = ClusterTimeline::LeaderSilenceGraceMs;

    ScenarioRunner(const CheckSpec &check, LabContext *context, StackBackend *backend, QObject *parent = nullptr);
    ~ScenarioRunner() override;

    void setLabPath(const QString &path) { m_labPath = path; }
    void setFaultLedgerDir(const QString &dir) { m_ledger = FaultLedger(dir); }
    // Without an operator (CLI, CI), prompts are recorded as skipped instead of waiting.
    void setUnattended(bool unattended) { m_unattended = unattended; }
    // For people driving a shared stack: every fault waits for confirmFault() before it is applied.
    void setConfirmFaults(bool confirm) { m_confirmFaults = confirm; }
    void confirmFault(bool apply);
    // Every captured output passes through it before it is kept or emitted.
    void setRedactor(const SecretRedactor &redactor) { m_redactor = redactor; }

    void start();
    // By hand: probes run, but steps run only when runStep() asks; finishManual() judges.
    void startManual();
    void runStep(int index);
    void finishManual();
    bool isStepRunning() const { return m_stepInProgress; }
    bool isManual() const { return m_manual; }
    // Stops probes and the current step and rolls back every injected fault; finished() follows.
    void abort();
    // The operator's answer to promptRequested().
    void answerPrompt(bool ok, const QString &note);

    const CheckResult &result() const { return m_result; }
    const CheckMetrics &metrics() const { return m_metrics; }
    // [lo, hi] ms of each timing metric of the finished check.
    MetricIntervals intervals() const { return m_intervals; }
    const QList<StepOutcome> &steps() const { return m_outcomes; }
    QStringList failures() const { return m_failures; }
    qint64 startNs() const { return m_startNs; }
    // Also while faults are being rolled back: finished() has not come yet.
    bool isRunning() const { return m_running || m_rollingBack; }

Q_SIGNALS:
    void stepStarted(int index);
    void stepFinished(const StepOutcome &outcome);
    void samplesArrived(const ProbeSampleBatch &batch);
    void eventOccurred(const RunEvent &event);
    void promptRequested(int index, const QString &text);
    void faultConfirmationRequested(int index, const QString &service, const QString &action);
    void finished(const CheckResult &result);
    // A leader fault resolved: fault at fromNs, a different member led at toNs.
    void failoverMeasured(qint64 fromNs, qint64 toNs, double resolutionMs);
    // The stack's role rounds while the check runs (the cluster timeline's input).
    void roleSamplesArrived(const RoleSampleBatch &batch);

private:
    void nextStep();
    void executeStep(int index);
    void finishStep(bool ok, const QString &summary);
    void finishCheck();
    void runHttp(const StepSpec &step);
    void runCommand(const StepSpec &step);
    void runFault(const StepSpec &step);
    void runNetwork(const StepSpec &step);
    void applyFault(const StepSpec &step, const QString &service);
    void runWait(const StepSpec &step);
    void runLogScan(const StepSpec &step);
    void countLogLines(const StepSpec &step);
    void runMatrix(const StepSpec &step, int row);
    void evaluateWait();
    void runSteadyWait(const StepSpec &step);
    void armSteadyWait();
    bool evaluateSteady(const WaitConditionSpec &c);
    void onStatuses(const QHash<QString, ServiceStatus> &changed);
    void onLogLines(const QList<LogLine> &lines);
    void onSamples(const ProbeSampleBatch &batch);
    void onActionFinished(const QString &service, const QString &action, bool ok, const QString &error);
    void onRoleSamples(const RoleSampleBatch &batch);
    void noteStateChanges(const QHash<QString, ServiceStatus> &changed);
    void armReschedule(const StepSpec &step, const QString &service, qint64 faultNs);
    void checkReschedule();
    void rollback();
    void rollbackNext();
    void confirmRollback();
    void finishRollbackStep(bool ok, const QString &why);
    void judge();
    void emitEvent(RunEvent::Kind kind, const QString &service, const QString &action, const QString &detail = {},
                   qint64 monoNs = 0);
    QString currentLeader() const;
    QString newestLeaderClaim() const;
    QString silentLeaderInGrace() const;
    qint64 silentForMs() const; // since the last leader's first unanswered round
    QString leaderOrSilentLeader() const;
    QString resolveTarget(const StepSpec &step, QString *error) const;
    void saveValue(const StepSpec &step, const QByteArray &text);
    void endStepScopes();
    QNetworkReply *send(const QString &method, const QString &url, const QMap<QString, QString> &headers,
                        const QString &body, qint64 timeoutMs);

    CheckSpec m_check;
    LabContext *m_context;
    QPointer<StackBackend> m_backend;
    QString m_labPath;
    FaultLedger m_ledger;
    bool m_unattended = true;
    bool m_confirmFaults = false;
    QString m_awaitingConfirmation; // the resolved target of the fault waiting for the operator
    SecretRedactor m_redactor;

    ProbeEngine *m_probes = nullptr;
    NetworkFaultDriver *m_network = nullptr; // the lab's hosts: network faults, healed at the end
    QNetworkAccessManager *m_nam = nullptr;
    QTimer *m_waitTimer = nullptr;     // polls wait conditions
    QTimer *m_deadline = nullptr;      // current step's timeout
    QPointer<QNetworkReply> m_reply;
    QPointer<QProcess> m_process;
    QList<QPointer<ProcessScope>> m_stepScopes; // what command steps started, ended with the check

    CheckMetrics m_metrics;
    CheckResult m_result;
    MetricIntervals m_intervals;
    QList<StepOutcome> m_outcomes;
    StepOutcome m_current;
    QStringList m_failures;
    int m_step = -1;
    bool m_running = false;
    bool m_manual = false;
    bool m_stepInProgress = false;
    bool m_aborted = false;
    qint64 m_startNs = 0;
    QElapsedTimer m_stepClock;

    QString m_leader;
    QString m_leaderBeforeFault;
    QString m_steadyLeader; // the leader a `steady: leader` wait started with
    qint64 m_steadyFromNs = 0; // when that wait began: its clock starts at the first round after it
    bool m_steadyArmed = false;
    qint64 m_leaderFaultNs = 0; // when the current leader was faulted; 0 once a new leader is seen
    QString m_lastFaulted;
    // Swarm: fault -> the faulted services run their desired replicas again on new tasks, ready.
    qint64 m_rescheduleFaultNs = 0;             // 0: nothing pending
    QHash<QString, QStringList> m_rescheduleTasks; // service -> its task ids at the fault
    bool m_rescheduleNoticed = false;          // a new task of a faulted service was seen
    double m_noticeMs = -1;                    // fault -> the first new task (the swarm noticed); the longest
    MetricInterval m_noticeInterval;
    double m_rescheduleMs = -1;                // the longest over the check's faults
    MetricInterval m_rescheduleInterval;
    QString m_pendingService; // fault step waiting to hear that its action was applied
    QString m_pendingAction;
    bool m_pendingWaitsForFinish = false; // start / resume: the step ends when the stack says so
    QHash<QString, ServiceStatus::State> m_states; // last state seen per service
    QHash<QString, int> m_exitCodes;
    // Leader tracking from the role rounds of the preferred source.
    QString m_roleSource;
    bool m_haveRoleRound = false;
    qint64 m_lastRoleRoundNs = 0;
    QStringList m_roundLeaders;
    QHash<QString, qint64> m_claimSinceNs; // when each current leader first claimed the role
    QString m_silentLeader;     // the last leader, while its role probe gets no answer and nobody leads
    qint64 m_silentSinceNs = 0; // start of the first round it did not answer
    int m_stoppedAtStep = -1; // 0-based step after which the steps stopped (a failure)
    QHash<QString, int> m_okStreak, m_failStreak;
    QHash<QString, QDateTime> m_marks;
    QList<LogLine> m_logs; // lines since the check started (bounded)
    int m_logCount = 0;
    int m_matrixFailures = 0;
    int m_stepsFailed = 0;
    struct AppliedFault
    {
        QString ledgerId;
        QString service;
        QString action;
    };
    QList<AppliedFault> m_applied;
    // Rollback: newest fault first, one at a time; marked rolled back only once the undo action
    // finished and a fresh status confirms it.
    static constexpr int RollbackConfirmMs = 30'000;
    bool m_rollingBack = false;
    AppliedFault m_rollbackCurrent;
    QString m_rollbackAction; // the undo action we wait for ("" while only confirming)
    QTimer *m_rollbackTimer = nullptr; // runs exactly while m_rollbackCurrent awaits confirmation
    QStringList m_rollbackProblems;
};
