#pragma once

#include "lab.h"
#include "run.h"
#include "servicelogline.h"

#include <QObject>

#include <functional>

class RunStore;
class RunStoreWriter;
class ScenarioRunner;

// Writes a run into the store as it happens: header first, then every sample batch, step, event
// and verdict the runners produce, each committed on arrival by a RunStoreWriter (its own thread:
// the caller never waits on the disk). Every store call is checked: lost evidence is reported
// (storeFailed) and the run ends as Run::State::Incomplete.
class RunRecorder : public QObject
{
    Q_OBJECT

public:
    RunRecorder(RunStore *store, QObject *parent = nullptr);
    ~RunRecorder() override;

    // Creates the run (one write, on the caller's thread: its id is needed at once); false with
    // lastError() when the store refuses.
    bool begin(const Lab &lab, const QString &operatorName, const QMap<QString, QString> &stackVersions, const QString &appVersion);
    void attach(ScenarioRunner *runner);
    // A result decided without running (N/A, DEFERRED) or set by the engineer.
    void record(const CheckResult &result);
    // Service log lines, already redacted; the store keeps them up to its caps and counts the rest.
    void recordServiceLogs(const QList<ServiceLogLine> &lines);
    // The run's state while it lasts (Running while a check runs, Finished between checks).
    void setState(Run::State state);
    // Emits stored() once everything recorded so far is in the store.
    void flush();
    // Ends the run: Incomplete instead of `state` once any write was lost. ended() follows when the
    // store has it; destroying the recorder before that still writes it.
    void end(Run::State state);

    QString runId() const { return m_runId; }
    QString lastError() const { return m_error; }
    // Store writes that failed so far (as reported back by the writer); the first one's text.
    int failedWrites() const { return m_failedWrites; }
    QString firstFailure() const { return m_firstFailure; }
    bool isComplete() const { return !m_runId.isEmpty() && m_failedWrites == 0; }

Q_SIGNALS:
    // The first lost write of the run, once (later ones are counted in failedWrites()).
    void storeFailed(const QString &error);
    // Everything recorded before the flush() that asked is in the store (or reported lost).
    void stored();
    // The run's end is in the store; complete is false when any of its evidence was lost.
    void ended(bool complete);

private:
    void post(const QString &what, const std::function<bool(RunStore &)> &write);
    void writeFailed(const QString &error);

    RunStore *m_store;
    RunStoreWriter *m_writer = nullptr;
    QString m_runId;
    QString m_error;
    int m_failedWrites = 0;
    QString m_firstFailure;
};
