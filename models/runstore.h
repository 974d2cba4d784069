#pragma once

#include "expectation.h"
#include "probesample.h"
#include "run.h"
#include "servicelogcaps.h"
#include "servicelogline.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

// Every run on disk, crash-safe: one SQLite file in WAL mode, each write its own transaction,
// committed before the call returns. One instance per thread (a QSqlDatabase connection is per thread);
// several processes may open the same file (WAL readers do not block the writer).
class RunStore
{
public:
    // Which runs runs() lists; empty members match everything.
    struct Filter
    {
        QString lab;                   // lab name or lab file path
        QString checkId;               // runs holding a result for this check
        std::optional<Verdict> verdict; // ... with this verdict (any check's when checkId is empty)
    };

    // One verdict a result had: setCheckResult, an override, rejudge or an interruption wrote it.
    struct VerdictChange
    {
        QDateTime at;
        Verdict verdict = Verdict::NotRun;
        QString source; // "runner", "override", "rejudge", "interrupted"
        QStringList failures;
        QString note;
        QString overrideReason;
    };

    RunStore();
    ~RunStore();
    RunStore(const RunStore &) = delete;
    RunStore &operator=(const RunStore &) = delete;

    // AppDataLocation/runs.sqlite
    static QString defaultPath();
    static int latestSchemaVersion();

    // Opens (creating the file and its folder) and migrates to the latest schema. Refuses a newer schema.
    bool open(const QString &path, QString *error = nullptr);
    bool open(QString *error = nullptr) { return open(defaultPath(), error); }
    void close();
    bool isOpen() const;
    QString path() const { return m_path; }
    int schemaVersion() const;
    QString lastError() const { return m_lastError; }

    // Stores the header (and any results, steps, events and samples it already holds); records this
    // process as the writer. Uses header.id when set, else a new UUID. Returns the id, empty on failure.
    QString createRun(const Run &header);
    // One transaction per batch. Evidence for a check without a result row creates it (RUNNING).
    bool appendSamples(const QString &runId, const QString &checkId, const ProbeSampleBatch &batch);
    bool appendEvent(const QString &runId, const QString &checkId, const RunEvent &event);
    bool appendStep(const QString &runId, const QString &checkId, const StepOutcome &step);
    // Verdict, title, note, metrics, intervals, saved values, anomalies, where it stopped, failures, times
    // and override reason (steps, events and
    // samples in `result` are ignored: append them). A changed verdict or override is kept in the history.
    bool setCheckResult(const QString &runId, const CheckResult &result);
    bool finishRun(const QString &runId, Run::State state);
    bool setNotes(const QString &runId, const QString &notes);

    // Service log lines of a run, redacted by the caller; lines past the caps are only counted (one
    // transaction per batch). Lines need no check row: between checks checkId is empty.
    bool appendServiceLogs(const QString &runId, const QList<ServiceLogLine> &lines, const ServiceLogCaps &caps = {});
    // In the order they arrived; one service's when `service` is set.
    QList<ServiceLogLine> serviceLogs(const QString &runId, const QString &service = {}) const;
    // Stored and dropped lines per service, by service name (also in run(id).serviceLogs).
    QList<ServiceLogTally> serviceLogTallies(const QString &runId) const;

    // Newest first: headers and results (verdicts, metrics, failures), without steps, events or samples.
    QList<Run> runs() const { return runs(Filter()); }
    QList<Run> runs(const Filter &filter) const;
    // One run with its steps and events; samples too when asked.
    std::optional<Run> run(const QString &runId, bool withSamples = false) const;
    ProbeSampleBatch samples(const QString &runId, const QString &checkId) const;
    // The same samples in the order they were stored, handed over `batchSize` at a time, so a long
    // run is read in bounded memory (an hour at 2,000/s is ~1 GB as one list). `consume` returns
    // false to stop early. False on a read error (lastError() says which).
    bool forEachSampleBatch(const QString &runId, const QString &checkId, qsizetype batchSize,
                            const std::function<bool(const ProbeSampleBatch &)> &consume) const;
    QList<VerdictChange> verdictHistory(const QString &runId, const QString &checkId) const;

    // Runs still 'running' whose writer process (on this host) is gone become 'interrupted'; their
    // RUNNING results become ERROR. Returns how many runs were marked, -1 on error.
    int markInterruptedRuns();
    // Judges the stored metrics of a PASS/FAIL result against new bounds: failures that are not
    // expectation failures (failed steps, aborts) stay; the old verdict stays in the history.
    bool rejudge(const QString &runId, const QString &checkId, const QList<Expectation> &expectations);

private:
    struct Statements;

    bool fail(const QString &what) const;
    bool migrate(int from);
    bool prepareStatements();
    bool begin();
    bool inTransaction(const std::function<bool()> &write);
    bool commit();
    void rollback();
    bool ensureCheck(const QString &runId, const QString &checkId);
    bool writeResult(const QString &runId, const CheckResult &result, const QString &source);
    bool writeSamples(const QString &runId, const QString &checkId, const ProbeSampleBatch &batch);
    bool writeEvent(const QString &runId, const QString &checkId, const RunEvent &event);
    bool writeStep(const QString &runId, const QString &checkId, const StepOutcome &step);
    bool writeHistory(const QString &runId, const QString &checkId, Verdict verdict, const QString &source,
                      const QStringList &failures, const QString &note, const QString &overrideReason);
    QList<CheckResult> loadResults(const QString &runId) const;

    QString m_connection;
    QString m_path;
    mutable QString m_lastError;
    std::unique_ptr<Statements> m_statements;
};
