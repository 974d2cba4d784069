#include "runsitting.h"

#include "runrecorder.h"
#include "runstore.h"
#include "scenariorunner.h"
#include "stackversions.h"

#include <QCoreApplication>

RunSitting::RunSitting(RunStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
{
}

RunSitting::~RunSitting() = default;

void RunSitting::ensureRun(const Lab &lab, const StackSpec &resolvedStack, const QString &operatorName,
                           const std::function<void(Outcome)> &ready)
{
    if (!m_runId.isEmpty()) {
        ready(Outcome::Ready);
        return;
    }
    m_waiting.append(ready);
    if (m_starting)
        return;
    m_starting = true;
    m_versions = new StackVersions(this);
    connect(m_versions, &StackVersions::finished, this, [this, lab, operatorName](const QMap<QString, QString> &versions) {
        m_versions->deleteLater();
        m_starting = false;
        if (!m_store || !m_store->isOpen()) {
            m_error = tr("the run store is not open");
        } else {
            delete m_recorder;
            m_recorder = new RunRecorder(m_store, this);
            connect(m_recorder, &RunRecorder::storeFailed, this, &RunSitting::storeFailed);
            if (m_recorder->begin(lab, operatorName, versions, QCoreApplication::applicationVersion())) {
                m_runId = m_recorder->runId();
                connect(m_recorder, &RunRecorder::stored, this, [this, id = m_runId] { Q_EMIT runStored(id); });
                m_operator = operatorName;
                m_error.clear();
            } else {
                m_error = m_recorder->lastError();
            }
        }
        const QList<std::function<void(Outcome)>> waiting = std::exchange(m_waiting, {});
        if (!m_runId.isEmpty())
            Q_EMIT runStarted(m_runId);
        for (const auto &f : waiting)
            f(m_runId.isEmpty() ? Outcome::NotRecorded : Outcome::Ready);
    });
    m_versions->collect(resolvedStack);
}

void RunSitting::attach(ScenarioRunner *runner)
{
    if (m_recorder && !m_runId.isEmpty()) {
        m_recorder->setState(Run::State::Running); // a settled run is running again
        m_recorder->attach(runner);
    }
}

void RunSitting::settle()
{
    if (m_recorder && !m_runId.isEmpty()) {
        m_recorder->setState(Run::State::Finished);
        m_recorder->flush();
    }
}

void RunSitting::record(const CheckResult &result)
{
    if (m_recorder && !m_runId.isEmpty()) {
        m_recorder->record(result);
        m_recorder->flush();
    }
}

void RunSitting::recordServiceLogs(const QList<ServiceLogLine> &lines)
{
    if (m_recorder && !m_runId.isEmpty())
        m_recorder->recordServiceLogs(lines);
}

void RunSitting::end(Run::State state)
{
    if (m_versions) {
        // A run still being created for a lab that is going away: never create it.
        m_versions->disconnect(this);
        m_versions->deleteLater();
        m_starting = false;
        const QList<std::function<void(Outcome)>> waiting = std::exchange(m_waiting, {});
        m_error = tr("the sitting ended");
        for (const auto &f : waiting)
            f(Outcome::Cancelled);
    }
    if (m_runId.isEmpty())
        return;
    // The run's end reaches the store after everything recorded before it; until then the recorder
    // lives on (and, should the sitting go first, writes it on its way out).
    RunRecorder *recorder = std::exchange(m_recorder, nullptr);
    connect(recorder, &RunRecorder::ended, this, [this, recorder, id = m_runId] {
        recorder->deleteLater();
        Q_EMIT runEnded(id);
    });
    recorder->end(state);
    m_runId.clear();
}
