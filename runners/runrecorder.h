#pragma once

#include "lab.h"
#include "run.h"

#include <QObject>

class RunStore;
class ScenarioRunner;

// Writes a run into the store as it happens: header first, then every sample batch, step,
// event and verdict the runners produce, each committed on arrival.
class RunRecorder : public QObject
{
    Q_OBJECT

public:
    RunRecorder(RunStore *store, QObject *parent = nullptr);

    // Creates the run; false with lastError() when the store refuses.
    bool begin(const Lab &lab, const QString &operatorName, const QMap<QString, QString> &stackVersions, const QString &appVersion);
    void attach(ScenarioRunner *runner);
    // A result decided without running (N/A, DEFERRED) or set by the engineer.
    void record(const CheckResult &result);
    void end(Run::State state);

    QString runId() const { return m_runId; }
    QString lastError() const { return m_error; }

private:
    RunStore *m_store;
    QString m_runId;
    QString m_error;
};
