#pragma once

#include "lab.h"
#include "run.h"
#include "servicelogline.h"

#include <QObject>

class RunStore;
class ScenarioRunner;

// Writes a run into the store as it happens: header first, then every sample batch, step,
// event and verdict the runners produce, each committed on arrival. Every store call is checked:
// lost evidence is reported (storeFailed) and the run ends as Run::State::Incomplete.
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
    // Service log lines, already redacted; the store keeps them up to its caps and counts the rest.
    void recordServiceLogs(const QList<ServiceLogLine> &lines);
    // Ends the run: Incomplete instead of Finished once any write was lost. False when the store
    // refused to end it.
    bool end(Run::State state);

    QString runId() const { return m_runId; }
    QString lastError() const { return m_error; }
    // Store writes that failed since begin(); the first failure's text is firstFailure().
    int failedWrites() const { return m_failedWrites; }
    QString firstFailure() const { return m_firstFailure; }
    bool isComplete() const { return !m_runId.isEmpty() && m_failedWrites == 0; }

Q_SIGNALS:
    // The first lost write of the run, once (later ones are counted in failedWrites()).
    void storeFailed(const QString &error);

private:
    void check(bool ok, const QString &what);

    RunStore *m_store;
    QString m_runId;
    QString m_error;
    int m_failedWrites = 0;
    QString m_firstFailure;
};
