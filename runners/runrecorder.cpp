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
    m_runId = m_store->createRun(run);
    if (m_runId.isEmpty())
        m_error = m_store->lastError();
    return !m_runId.isEmpty();
}

void RunRecorder::attach(ScenarioRunner *runner)
{
    if (m_runId.isEmpty())
        return;
    const QString check = runner->result().checkId;
    connect(runner, &ScenarioRunner::samplesArrived, this, [this, check](const ProbeSampleBatch &batch) {
        m_store->appendSamples(m_runId, check, batch);
    });
    connect(runner, &ScenarioRunner::stepFinished, this, [this, check](const StepOutcome &step) {
        m_store->appendStep(m_runId, check, step);
    });
    connect(runner, &ScenarioRunner::eventOccurred, this, [this, check](const RunEvent &event) {
        m_store->appendEvent(m_runId, check, event);
    });
    connect(runner, &ScenarioRunner::finished, this, [this, runner](const CheckResult &r) {
        CheckResult result = r;
        result.intervals = runner->intervals();
        result.failures = runner->failures();
        m_store->setCheckResult(m_runId, result);
    });
}

void RunRecorder::record(const CheckResult &result)
{
    if (!m_runId.isEmpty())
        m_store->setCheckResult(m_runId, result);
}

void RunRecorder::end(Run::State state)
{
    if (!m_runId.isEmpty())
        m_store->finishRun(m_runId, state);
}
