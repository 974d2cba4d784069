#include "runrecorder.h"

#include "runstore.h"
#include "runstorewriter.h"
#include "scenariorunner.h"

#include <QSysInfo>

RunRecorder::RunRecorder(RunStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{
}

RunRecorder::~RunRecorder() = default; // the writer (a child) runs what is queued before it goes

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
    if (m_runId.isEmpty()) {
        m_error = m_store->lastError();
        return false;
    }
    delete m_writer;
    m_writer = new RunStoreWriter(m_store->path(), this);
    connect(m_writer, &RunStoreWriter::writeFailed, this, &RunRecorder::writeFailed);
    return true;
}

void RunRecorder::writeFailed(const QString &error)
{
    ++m_failedWrites;
    m_error = error;
    if (m_failedWrites > 1)
        return;
    m_firstFailure = m_error;
    Q_EMIT storeFailed(m_error);
}

void RunRecorder::post(const QString &what, const std::function<bool(RunStore &)> &write)
{
    if (m_writer)
        m_writer->post(what, write);
}

void RunRecorder::attach(ScenarioRunner *runner)
{
    if (m_runId.isEmpty())
        return;
    const QString check = runner->result().checkId;
    const QString run = m_runId;
    connect(runner, &ScenarioRunner::samplesArrived, this, [this, run, check](const ProbeSampleBatch &batch) {
        post(QStringLiteral("samples of check %1 not stored").arg(check), [=](RunStore &s) { return s.appendSamples(run, check, batch); });
    });
    connect(runner, &ScenarioRunner::stepFinished, this, [this, run, check](const StepOutcome &step) {
        post(QStringLiteral("step %1 of check %2 not stored").arg(step.index + 1).arg(check), [=](RunStore &s) { return s.appendStep(run, check, step); });
    });
    connect(runner, &ScenarioRunner::eventOccurred, this, [this, run, check](const RunEvent &event) {
        post(QStringLiteral("an event of check %1 not stored").arg(check), [=](RunStore &s) { return s.appendEvent(run, check, event); });
    });
    connect(runner, &ScenarioRunner::finished, this, [this, runner](const CheckResult &r) {
        CheckResult result = r;
        result.intervals = runner->intervals();
        result.failures = runner->failures();
        record(result);
        flush();
    });
}

void RunRecorder::record(const CheckResult &result)
{
    const QString run = m_runId;
    if (!run.isEmpty())
        post(QStringLiteral("the result of check %1 not stored").arg(result.checkId), [=](RunStore &s) { return s.setCheckResult(run, result); });
}

void RunRecorder::recordServiceLogs(const QList<ServiceLogLine> &lines)
{
    const QString run = m_runId;
    if (!run.isEmpty())
        post(QStringLiteral("%1 service log line(s) not stored").arg(lines.size()), [=](RunStore &s) { return s.appendServiceLogs(run, lines); });
}

void RunRecorder::setState(Run::State state)
{
    const QString run = m_runId;
    if (!run.isEmpty())
        post(QStringLiteral("the run's state not stored"), [=](RunStore &s) { return s.finishRun(run, state); });
}

void RunRecorder::flush()
{
    if (!m_writer)
        return;
    m_writer->flush([this](const RunStoreWriter::Tally &) { Q_EMIT stored(); });
}

void RunRecorder::end(Run::State state)
{
    if (!m_writer)
        return;
    m_writer->endRun(m_runId, state);
    m_writer->flush([this](const RunStoreWriter::Tally &t) {
        m_failedWrites = t.failed;
        Q_EMIT ended(t.failed == 0);
    });
}
