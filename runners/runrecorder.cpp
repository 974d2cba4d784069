#include "runrecorder.h"

#include "runstore.h"
#include "scenariorunner.h"

#include <QSysInfo>

RunRecorder::RunRecorder(RunStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{
}

bool RunRecorder::begin(const Lab &lab, const QString &operatorName, const QMap<QString, QString> &stackVersions, const QString &appVersion)
{
    Run run;
    run.labName = lab.name;
    run.labPath = lab.filePath;
    run.started = QDateTime::currentDateTimeUtc();
    run.operatorName = operatorName;
    run.appVersion = appVersion;
    run.hostOs = QSysInfo::prettyProductName() + QStringLiteral(" (") + QSysInfo::currentCpuArchitecture() + QLatin1Char(')');
    run.stackVersions = stackVersions;
    run.state = Run::State::Running;
    m_failedWrites = 0;
    m_firstFailure.clear();
    m_runId = m_store->createRun(run);
    if (m_runId.isEmpty())
        m_error = m_store->lastError();
    return !m_runId.isEmpty();
}

void RunRecorder::check(bool ok, const QString &what)
{
    if (ok)
        return;
    ++m_failedWrites;
    m_error = QStringLiteral("%1: %2").arg(what, m_store->lastError());
    if (m_failedWrites > 1)
        return;
    m_firstFailure = m_error;
    Q_EMIT storeFailed(m_error);
}

void RunRecorder::attach(ScenarioRunner *runner)
{
    if (m_runId.isEmpty())
        return;
    const QString check = runner->result().checkId;
    connect(runner, &ScenarioRunner::samplesArrived, this, [this, check](const ProbeSampleBatch &batch) {
        this->check(m_store->appendSamples(m_runId, check, batch), QStringLiteral("samples of check %1 not stored").arg(check));
    });
    connect(runner, &ScenarioRunner::stepFinished, this, [this, check](const StepOutcome &step) {
        this->check(m_store->appendStep(m_runId, check, step), QStringLiteral("step %1 of check %2 not stored").arg(step.index + 1).arg(check));
    });
    connect(runner, &ScenarioRunner::eventOccurred, this, [this, check](const RunEvent &event) {
        this->check(m_store->appendEvent(m_runId, check, event), QStringLiteral("an event of check %1 not stored").arg(check));
    });
    connect(runner, &ScenarioRunner::finished, this, [this, runner](const CheckResult &r) {
        CheckResult result = r;
        result.intervals = runner->intervals();
        result.failures = runner->failures();
        this->check(m_store->setCheckResult(m_runId, result), QStringLiteral("the result of check %1 not stored").arg(r.checkId));
    });
}

void RunRecorder::record(const CheckResult &result)
{
    if (!m_runId.isEmpty())
        check(m_store->setCheckResult(m_runId, result), QStringLiteral("the result of check %1 not stored").arg(result.checkId));
}

void RunRecorder::recordServiceLogs(const QList<ServiceLogLine> &lines)
{
    if (!m_runId.isEmpty())
        check(m_store->appendServiceLogs(m_runId, lines), QStringLiteral("%1 service log line(s) not stored").arg(lines.size()));
}

bool RunRecorder::end(Run::State state)
{
    if (m_runId.isEmpty())
        return false;
    if (m_failedWrites > 0) {
        // Say in the run itself what is missing, if the store still takes that much.
        m_store->setNotes(m_runId, QStringLiteral("Incomplete: %1 store write(s) failed; the first: %2").arg(m_failedWrites).arg(m_firstFailure));
        state = Run::State::Incomplete;
    }
    const bool ok = m_store->finishRun(m_runId, state);
    check(ok, QStringLiteral("the run's end not stored"));
    return ok;
}
