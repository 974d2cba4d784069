// RunStore: create/append/finish/reopen, schema version and migrations, filters, rejudge, history,
// interrupted runs, batch speed, and a full run surviving the store unchanged (its exports compare equal).
#include "runexporter.h"
#include "runstore.h"
#include "samplerun.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

namespace {

// Raw SQL on the store's file, for what the API deliberately does not expose.
class RawDb
{
public:
    explicit RawDb(const QString &path)
        : m_name(QStringLiteral("raw.") + QUuid::createUuid().toString())
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        db.open();
    }
    ~RawDb()
    {
        QSqlDatabase::database(m_name, false).close();
        QSqlDatabase::removeDatabase(m_name);
    }
    bool exec(const QString &sql)
    {
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        return q.exec(sql);
    }
    QVariant value(const QString &sql)
    {
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        if (!q.exec(sql) || !q.next())
            return {};
        return q.value(0);
    }

private:
    QString m_name;
};

CheckResult planned(const QString &id, const QString &title)
{
    CheckResult r;
    r.checkId = id;
    r.title = title;
    return r;
}

Run header(const QString &lab = QStringLiteral("Lab A"))
{
    Run run;
    run.labName = lab;
    run.labPath = QStringLiteral("/labs/") + lab.toLower().remove(QLatin1Char(' ')) + QStringLiteral(".halab.yaml");
    run.started = QDateTime::currentDateTimeUtc();
    run.operatorName = QStringLiteral("tester");
    run.appVersion = QStringLiteral("0.1.0");
    run.hostOs = QStringLiteral("Debian 12");
    run.stackVersions = {{QStringLiteral("redis"), QStringLiteral("7.0")}};
    run.results = {planned(QStringLiteral("x"), QStringLiteral("Check X")), planned(QStringLiteral("y"), QStringLiteral("Check Y"))};
    return run;
}

CheckResult judged(const QString &id, Verdict v, const QMap<QString, double> &metrics = {}, const QStringList &failures = {})
{
    CheckResult r;
    r.checkId = id;
    r.verdict = v;
    r.metrics = metrics;
    r.failures = failures;
    r.note = failures.join(QStringLiteral("; "));
    r.started = QDateTime::currentDateTimeUtc().addSecs(-5);
    r.finished = QDateTime::currentDateTimeUtc();
    return r;
}

QByteArray withoutExportTime(const QByteArray &json)
{
    QJsonObject o = QJsonDocument::fromJson(json).object();
    o.remove(QStringLiteral("exported"));
    return QJsonDocument(o).toJson();
}

} // namespace

class TestRunStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(QStringLiteral("runs-%1.sqlite").arg(++m_counter));
    }

    void defaultPathIsAppData()
    {
        QVERIFY(RunStore::defaultPath().endsWith(QStringLiteral("/runs.sqlite")));
    }

    void createAppendFinishReopen()
    {
        QString runId;
        ProbeSampleBatch batch = SampleRun::samples(QStringLiteral("lb"), 100, QDateTime::currentMSecsSinceEpoch());
        batch[7].skipped = true;
        {
            RunStore store;
            QString error;
            QVERIFY2(store.open(m_path, &error), qPrintable(error));
            runId = store.createRun(header());
            QVERIFY2(!runId.isEmpty(), qPrintable(store.lastError()));
            QVERIFY(!QUuid::fromString(runId).isNull());

            QVERIFY(store.appendSamples(runId, QStringLiteral("x"), batch));
            RunEvent e;
            e.kind = RunEvent::Kind::Fault;
            e.monoNs = 42;
            e.wallMs = 1000;
            e.service = QStringLiteral("api1");
            e.action = QStringLiteral("kill");
            e.detail = QStringLiteral("leader");
            QVERIFY(store.appendEvent(runId, QStringLiteral("x"), e));
            StepOutcome s;
            s.index = 0;
            s.ok = false;
            s.summary = QStringLiteral("GET /health → 503");
            s.request = QStringLiteral("GET http://x/health");
            s.status = 503;
            s.headers = QStringLiteral("a: b");
            s.body = QStringLiteral("down");
            s.stderrText = QStringLiteral("err");
            s.startedWallMs = 123456;
            s.durationMs = 12.5;
            s.matrix = {{200, 503}};
            QVERIFY(store.appendStep(runId, QStringLiteral("x"), s));

            // Evidence arriving marks a planned check RUNNING.
            std::optional<Run> mid = store.run(runId);
            QVERIFY(mid);
            QCOMPARE(mid->results.at(0).verdict, Verdict::Running);
            QCOMPARE(mid->results.at(1).verdict, Verdict::NotRun);

            CheckResult r = judged(QStringLiteral("x"), Verdict::Fail, {{QStringLiteral("failover_ms"), 412}}, {QStringLiteral("step 1: GET /health → 503")});
            r.intervals = {{QStringLiteral("failover_ms"), {386, 438.5}}};
            r.saved = {{QStringLiteral("ckquorum"), QStringLiteral("NOQUORUM 1 usable Sentinels")}};
            ClusterAnomaly split;
            split.kind = ClusterAnomaly::Kind::SplitBrain;
            split.atMs = 1234.5;
            split.untilMs = 1500;
            split.services = {QStringLiteral("api1"), QStringLiteral("api2")};
            split.detail = QStringLiteral("both");
            ClusterAnomaly regression = split;
            regression.kind = ClusterAnomaly::Kind::LeaderRegression;
            regression.untilMs.reset();
            r.anomalies = {split, regression};
            r.stoppedAtStep = 2;
            QVERIFY(store.setCheckResult(runId, r));
            QVERIFY(store.setNotes(runId, QStringLiteral("all good")));
            QVERIFY(store.finishRun(runId, Run::State::Finished));
        }
        RunStore store;
        QVERIFY(store.open(m_path));
        const std::optional<Run> run = store.run(runId, true);
        QVERIFY(run);
        QCOMPARE(run->state, Run::State::Finished);
        QVERIFY(run->finished.isValid());
        QCOMPARE(run->labName, QStringLiteral("Lab A"));
        QCOMPARE(run->notes, QStringLiteral("all good"));
        QCOMPARE(run->stackVersions.value(QStringLiteral("redis")), QStringLiteral("7.0"));
        QCOMPARE(run->results.size(), 2);
        const CheckResult &x = run->results.at(0);
        QCOMPARE(x.checkId, QStringLiteral("x"));
        QCOMPARE(x.title, QStringLiteral("Check X")); // an empty title in setCheckResult keeps the stored one
        QCOMPARE(x.verdict, Verdict::Fail);
        QCOMPARE(x.metrics.value(QStringLiteral("failover_ms")), 412.0);
        QCOMPARE(x.intervals.value(QStringLiteral("failover_ms")), (MetricInterval{386, 438.5}));
        QCOMPARE(x.saved.value(QStringLiteral("ckquorum")), QStringLiteral("NOQUORUM 1 usable Sentinels"));
        QCOMPARE(x.anomalies.size(), 2);
        QCOMPARE(x.anomalies.at(0).kind, ClusterAnomaly::Kind::SplitBrain);
        QCOMPARE(x.anomalies.at(0).untilMs.value_or(-1), 1500.0);
        QVERIFY(!x.anomalies.at(1).untilMs);
        QCOMPARE(x.anomalies.at(1).services, (QStringList{QStringLiteral("api1"), QStringLiteral("api2")}));
        QCOMPARE(x.stoppedAtStep, 2);
        QCOMPARE(run->results.at(1).stoppedAtStep, -1);
        QVERIFY(x.samples.at(7).skipped);
        QVERIFY(!x.samples.at(8).skipped);
        QCOMPARE(x.failures.size(), 1);
        QCOMPARE(x.steps.size(), 1);
        QCOMPARE(x.steps.at(0).status, 503);
        QCOMPARE(x.steps.at(0).body, QStringLiteral("down"));
        QCOMPARE(x.steps.at(0).durationMs, 12.5);
        QCOMPARE(x.steps.at(0).matrix.at(0).second, 503);
        QCOMPARE(x.events.size(), 1);
        QCOMPARE(x.events.at(0).kind, RunEvent::Kind::Fault);
        QCOMPARE(x.events.at(0).service, QStringLiteral("api1"));
        QCOMPARE(x.samples.size(), 100);
        QCOMPARE(x.samples.at(5).ok, batch.at(5).ok);
        QCOMPARE(x.samples.at(5).error, batch.at(5).error);
        QCOMPARE(x.samples.at(99).wallMs, batch.at(99).wallMs);
        QCOMPARE(x.samples.at(99).lateNs, batch.at(99).lateNs);
        QCOMPARE(store.samples(runId, QStringLiteral("x")).size(), 100);

        // The list has headers and results, not the evidence.
        const QList<Run> all = store.runs();
        QCOMPARE(all.size(), 1);
        QCOMPARE(all.at(0).results.size(), 2);
        QVERIFY(all.at(0).results.at(0).steps.isEmpty());
        QVERIFY(all.at(0).results.at(0).samples.isEmpty());
    }

    void schemaVersion()
    {
        {
            RunStore store;
            QVERIFY(store.open(m_path));
            QCOMPARE(store.schemaVersion(), 3);
            QCOMPARE(RunStore::latestSchemaVersion(), 3);
        }
        RunStore again;
        QVERIFY(again.open(m_path));
        again.close();
        RawDb raw(m_path);
        QCOMPARE(raw.value(QStringLiteral("SELECT COUNT(*) FROM schema_version")).toInt(), 3); // v1 to v3 once each, nothing on reopening
        QCOMPARE(raw.value(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
    }

    void migrationFromEmptyDb()
    {
        // A zero-byte file and a database with someone else's table both migrate to v1.
        {
            QFile f(m_path);
            QVERIFY(f.open(QIODevice::WriteOnly));
        }
        {
            RunStore store;
            QString error;
            QVERIFY2(store.open(m_path, &error), qPrintable(error));
            QCOMPARE(store.schemaVersion(), RunStore::latestSchemaVersion());
            QVERIFY(!store.createRun(header()).isEmpty());
        }
        const QString other = m_dir.filePath(QStringLiteral("other.sqlite"));
        {
            RawDb raw(other);
            QVERIFY(raw.exec(QStringLiteral("CREATE TABLE keep_me (a INTEGER)")));
            QVERIFY(raw.exec(QStringLiteral("INSERT INTO keep_me VALUES (7)")));
        }
        RunStore store;
        QVERIFY(store.open(other));
        QCOMPARE(store.schemaVersion(), RunStore::latestSchemaVersion());
        store.close();
        RawDb raw(other);
        QCOMPARE(raw.value(QStringLiteral("SELECT a FROM keep_me")).toInt(), 7);
    }

    void migrationFromV1KeepsResults()
    {
        // A v1 store (before intervals): its results load, with no interval (the old ± was not a bound).
        {
            RunStore store;
            QVERIFY(store.open(m_path));
            const QString id = store.createRun(header());
            QVERIFY(store.setCheckResult(id, judged(QStringLiteral("x"), Verdict::Pass, {{QStringLiteral("failover_ms"), 412}})));
        }
        {
            RawDb raw(m_path);
            for (const char *column : {"intervals", "saved", "anomalies", "stopped_at_step"})
                QVERIFY(raw.exec(QStringLiteral("ALTER TABLE check_results DROP COLUMN %1").arg(QLatin1String(column))));
            QVERIFY(raw.exec(QStringLiteral("ALTER TABLE samples DROP COLUMN skipped")));
            QVERIFY(raw.exec(QStringLiteral("UPDATE check_results SET resolutions = '{\"failover_ms\":26}'")));
            QVERIFY(raw.exec(QStringLiteral("DROP TABLE service_logs"))); // v3
            QVERIFY(raw.exec(QStringLiteral("DROP TABLE service_log_tallies")));
            QVERIFY(raw.exec(QStringLiteral("DELETE FROM schema_version WHERE version >= 2")));
        }
        RunStore store;
        QString error;
        QVERIFY2(store.open(m_path, &error), qPrintable(error));
        QCOMPARE(store.schemaVersion(), RunStore::latestSchemaVersion());
        const QList<Run> runs = store.runs();
        QCOMPARE(runs.size(), 1);
        const CheckResult &x = runs.at(0).results.at(0);
        QCOMPARE(x.metrics.value(QStringLiteral("failover_ms")), 412.0);
        QVERIFY(x.intervals.isEmpty());
        QCOMPARE(x.stoppedAtStep, -1);
        QVERIFY(x.anomalies.isEmpty());
    }

    void newerSchemaIsRefused()
    {
        {
            RunStore store;
            QVERIFY(store.open(m_path));
        }
        {
            RawDb raw(m_path);
            QVERIFY(raw.exec(QStringLiteral("INSERT INTO schema_version(version, applied_ms) VALUES (99, 0)")));
        }
        RunStore store;
        QString error;
        QVERIFY(!store.open(m_path, &error));
        QVERIFY2(error.contains(QStringLiteral("newer")), qPrintable(error));
        QVERIFY(!store.isOpen());
    }

    void filters()
    {
        RunStore store;
        QVERIFY(store.open(m_path));
        const QString a1 = store.createRun(header(QStringLiteral("Lab A")));
        QVERIFY(store.setCheckResult(a1, judged(QStringLiteral("x"), Verdict::Pass)));
        QVERIFY(store.setCheckResult(a1, judged(QStringLiteral("y"), Verdict::Fail)));
        Run h2 = header(QStringLiteral("Lab A"));
        h2.started = h2.started.addSecs(10);
        const QString a2 = store.createRun(h2);
        QVERIFY(store.setCheckResult(a2, judged(QStringLiteral("x"), Verdict::Fail)));
        Run h3 = header(QStringLiteral("Lab B"));
        h3.started = h3.started.addSecs(20);
        h3.results = {planned(QStringLiteral("x"), QStringLiteral("X"))};
        const QString b1 = store.createRun(h3);
        QVERIFY(store.setCheckResult(b1, judged(QStringLiteral("x"), Verdict::Pass)));

        auto ids = [&store](const RunStore::Filter &f) {
            QStringList out;
            for (const Run &r : store.runs(f))
                out << r.id;
            return out;
        };
        QCOMPARE(ids({}), (QStringList{b1, a2, a1})); // newest first
        QCOMPARE(ids({QStringLiteral("Lab A"), {}, {}}), (QStringList{a2, a1}));
        QCOMPARE(ids({QStringLiteral("/labs/labb.halab.yaml"), {}, {}}), (QStringList{b1}));
        QCOMPARE(ids({{}, QStringLiteral("y"), {}}), (QStringList{a2, a1})); // a2 planned y (NOT RUN)
        QCOMPARE(ids({{}, QStringLiteral("y"), Verdict::Fail}), (QStringList{a1}));
        QCOMPARE(ids({{}, {}, Verdict::Fail}), (QStringList{a2, a1}));
        QCOMPARE(ids({{}, QStringLiteral("x"), Verdict::Pass}), (QStringList{b1, a1}));
        QCOMPARE(ids({QStringLiteral("Lab B"), {}, Verdict::Fail}), QStringList());
        QCOMPARE(store.runs({QStringLiteral("Lab A"), {}, {}}).at(1).results.size(), 2);
    }

    void evidenceForUnknownRunFails()
    {
        RunStore store;
        QVERIFY(store.open(m_path));
        QVERIFY(!store.appendSamples(QStringLiteral("nope"), QStringLiteral("x"), SampleRun::samples(QStringLiteral("p"), 3, 0)));
        QVERIFY(!store.lastError().isEmpty());
        QVERIFY(!store.finishRun(QStringLiteral("nope"), Run::State::Finished));
        QVERIFY(!store.run(QStringLiteral("nope")));
    }

    void rejudgeKeepsHistory()
    {
        RunStore store;
        QVERIFY(store.open(m_path));
        const QString id = store.createRun(header());
        QVERIFY(store.setCheckResult(id, judged(QStringLiteral("x"), Verdict::Pass, {{QStringLiteral("failover_ms"), 412}})));

        Expectation strict;
        strict.metric = QStringLiteral("failover_ms");
        strict.op = Expectation::Op::LessEqual;
        strict.bound = 300;
        strict.text = QStringLiteral("failover_ms <= 300ms");
        QVERIFY2(store.rejudge(id, QStringLiteral("x"), {strict}), qPrintable(store.lastError()));
        CheckResult x = store.run(id)->results.at(0);
        QCOMPARE(x.verdict, Verdict::Fail);
        QCOMPARE(x.failures, QStringList{QStringLiteral("failover_ms <= 300ms: failover_ms 412 > 300")});

        Expectation loose = strict;
        loose.bound = 5000;
        loose.text = QStringLiteral("failover_ms <= 5s");
        Expectation absent = loose;
        absent.metric = QStringLiteral("recovery_ms");
        absent.text = QStringLiteral("recovery_ms <= 5s");
        QVERIFY(store.rejudge(id, QStringLiteral("x"), {loose}));
        QCOMPARE(store.run(id)->results.at(0).verdict, Verdict::Pass);
        QVERIFY(store.rejudge(id, QStringLiteral("x"), {loose, absent}));
        x = store.run(id)->results.at(0);
        QCOMPARE(x.verdict, Verdict::Fail);
        QCOMPARE(x.failures, QStringList{QStringLiteral("recovery_ms <= 5s: recovery_ms was not measured")});

        const QList<RunStore::VerdictChange> history = store.verdictHistory(id, QStringLiteral("x"));
        QCOMPARE(history.size(), 5); // created NOT RUN, runner PASS, rejudge FAIL, PASS, FAIL
        QCOMPARE(history.at(1).verdict, Verdict::Pass);
        QCOMPARE(history.at(1).source, QStringLiteral("runner"));
        QCOMPARE(history.at(2).verdict, Verdict::Fail);
        QCOMPARE(history.at(2).source, QStringLiteral("rejudge"));

        // A failed step is not the metrics' business: loose bounds do not make it PASS.
        QVERIFY(store.setCheckResult(id, judged(QStringLiteral("y"), Verdict::Fail, {{QStringLiteral("failover_ms"), 9000}},
                                                {QStringLiteral("step 2: GET /x → 500"), QStringLiteral("failover_ms <= 5s: measured 9000, bound <= 5000")})));
        loose.bound = 10000;
        QVERIFY(store.rejudge(id, QStringLiteral("y"), {loose}));
        const CheckResult y = store.run(id)->results.at(1);
        QCOMPARE(y.verdict, Verdict::Fail);
        QCOMPARE(y.failures, QStringList{QStringLiteral("step 2: GET /x → 500")});
        QCOMPARE(y.note, QStringLiteral("step 2: GET /x → 500"));

        // Saved text values are judged too, and an old-style failure line is recognised as an expectation's.
        CheckResult q = judged(QStringLiteral("q"), Verdict::Fail, {}, {QStringLiteral("ckquorum == \"OK\": measured 1, bound == 0")});
        q.saved = {{QStringLiteral("ckquorum"), QStringLiteral("NOQUORUM")}};
        QVERIFY(store.setCheckResult(id, q));
        Expectation quorum;
        quorum.metric = QStringLiteral("ckquorum");
        quorum.op = Expectation::Op::Equal;
        quorum.right = Expectation::Operand::Text;
        quorum.rightText = QStringLiteral("NOQUORUM");
        quorum.text = QStringLiteral("ckquorum == \"NOQUORUM\"");
        QVERIFY(store.rejudge(id, QStringLiteral("q"), {quorum}));
        QCOMPARE(store.run(id)->results.at(2).verdict, Verdict::Pass);
        quorum.op = Expectation::Op::NotEqual;
        quorum.text = QStringLiteral("ckquorum != \"NOQUORUM\"");
        QVERIFY(store.rejudge(id, QStringLiteral("q"), {quorum}));
        QCOMPARE(store.run(id)->results.at(2).failures,
                 QStringList{QStringLiteral("ckquorum != \"NOQUORUM\": ckquorum \"NOQUORUM\" == \"NOQUORUM\"")});

        // DEFERRED has no metrics to judge.
        QVERIFY(store.setCheckResult(id, judged(QStringLiteral("z"), Verdict::Deferred)));
        QVERIFY(!store.rejudge(id, QStringLiteral("z"), {loose}));
        QVERIFY(!store.rejudge(id, QStringLiteral("missing"), {loose}));
    }

    void overrideIsInHistory()
    {
        RunStore store;
        QVERIFY(store.open(m_path));
        const QString id = store.createRun(header());
        CheckResult r = judged(QStringLiteral("x"), Verdict::Fail, {}, {QStringLiteral("step 1: flaky")});
        QVERIFY(store.setCheckResult(id, r));
        r.verdict = Verdict::Pass;
        r.overrideReason = QStringLiteral("known flaky probe, rechecked by hand");
        QVERIFY(store.setCheckResult(id, r));
        QVERIFY(store.setCheckResult(id, r)); // unchanged: no new history row
        const QList<RunStore::VerdictChange> history = store.verdictHistory(id, QStringLiteral("x"));
        QCOMPARE(history.size(), 3);
        QCOMPARE(history.last().source, QStringLiteral("override"));
        QCOMPARE(history.last().overrideReason, r.overrideReason);
        QCOMPARE(store.run(id)->results.at(0).overrideReason, r.overrideReason);
    }

    void markInterruptedOnlyDeadWriters()
    {
        RunStore store;
        QVERIFY(store.open(m_path));
        const QString mine = store.createRun(header());
        const QString dead = store.createRun(header());
        QVERIFY(store.appendStep(dead, QStringLiteral("x"), StepOutcome()));

        // A pid that surely ended: a finished (and reaped) child's.
        QProcess child;
        child.start(QStringLiteral("true"), {});
        QVERIFY(child.waitForStarted());
        const qint64 gonePid = child.processId();
        QVERIFY(child.waitForFinished());
        {
            RawDb raw(m_path);
            QVERIFY(raw.exec(QStringLiteral("UPDATE runs SET writer_pid = %1, writer_start = '' WHERE id = '%2'").arg(gonePid).arg(dead)));
        }
        QCOMPARE(store.markInterruptedRuns(), 1);
        QCOMPARE(store.markInterruptedRuns(), 0);
        const std::optional<Run> d = store.run(dead);
        QCOMPARE(d->state, Run::State::Interrupted);
        QVERIFY(d->finished.isValid());
        QCOMPARE(d->results.at(0).verdict, Verdict::Error); // was RUNNING
        QVERIFY(d->results.at(0).failures.last().contains(QStringLiteral("interrupted")));
        QCOMPARE(d->results.at(1).verdict, Verdict::NotRun);
        QCOMPARE(store.run(mine)->state, Run::State::Running); // this process is alive
    }

    void sampleBatchIsFast()
    {
        RunStore store;
        QVERIFY(store.open(m_path));
        const QString id = store.createRun(header());
        const ProbeSampleBatch batch = SampleRun::samples(QStringLiteral("lb"), 100, 0);
        QVERIFY(store.appendSamples(id, QStringLiteral("x"), batch)); // warm-up
        QElapsedTimer t;
        t.start();
        constexpr int batches = 20;
        for (int i = 0; i < batches; ++i)
            QVERIFY(store.appendSamples(id, QStringLiteral("x"), batch));
        const double perBatchMs = double(t.nsecsElapsed()) / 1e6 / batches;
        qInfo("100-sample batch: %.2f ms", perBatchMs);
        QVERIFY2(perBatchMs < 100, qPrintable(QString::number(perBatchMs)));
        QCOMPARE(store.samples(id, QStringLiteral("x")).size(), 100 * (batches + 1));
    }

    void fullRunSurvivesTheStore()
    {
        const Run original = SampleRun::make();
        RunStore store;
        QVERIFY(store.open(m_path));
        const QString id = store.createRun(original);
        QCOMPARE(id, original.id);
        const std::optional<Run> loaded = store.run(id, true);
        QVERIFY(loaded);
        QCOMPARE(loaded->results.at(1).samples.size(), original.results.at(1).samples.size());
        QCOMPARE(loaded->results.at(1).events.size(), 2);
        const Lab lab = SampleRun::lab();
        QCOMPARE(RunExporter::markdown(*loaded, {}, &lab), RunExporter::markdown(original, {}, &lab));
        QCOMPARE(RunExporter::junit(*loaded), RunExporter::junit(original));
        QCOMPARE(withoutExportTime(RunExporter::json(*loaded, {}, &lab)), withoutExportTime(RunExporter::json(original, {}, &lab)));
    }

private:
    QTemporaryDir m_dir;
    QString m_path;
    int m_counter = 0;
};

QTEST_GUILESS_MAIN(TestRunStore)
#include "tst_runstore.moc"
