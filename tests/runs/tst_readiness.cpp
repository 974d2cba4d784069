// ReadinessEvaluator, table-driven over fabricated runs: missing, stale, failed, deferred, N/A,
// ready, latest-wins, metric out of bound or absent, no window.
#include "readinessevaluator.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTest>

Q_DECLARE_METATYPE(Run)

namespace {

const QDateTime kNow(QDate(2026, 4, 21), QTime(12, 0), Qt::UTC);
constexpr qint64 kHour = 3600 * 1000;

// A run `hoursAgo` before now holding one result per (check, verdict, failover_ms or -1).
struct R
{
    QString check;
    Verdict verdict;
    double failoverMs = -1;
};

Run runAt(double hoursAgo, const QList<R> &results)
{
    Run run;
    static int counter = 0;
    run.id = QStringLiteral("run%1-0000-0000").arg(++counter, 3, 10, QLatin1Char('0'));
    run.labName = QStringLiteral("Lab");
    run.started = kNow.addMSecs(-qint64(hoursAgo * kHour));
    run.finished = run.started.addSecs(60);
    run.state = Run::State::Finished;
    for (const R &r : results) {
        CheckResult c;
        c.checkId = r.check;
        c.verdict = r.verdict;
        c.finished = run.started.addSecs(30);
        if (r.failoverMs >= 0) {
            c.metrics.insert(QStringLiteral("failover_ms"), r.failoverMs);
            c.intervals.insert(QStringLiteral("failover_ms"), {c.metrics.value(QStringLiteral("failover_ms")) - 26, c.metrics.value(QStringLiteral("failover_ms")) + 26});
        }
        if (r.verdict == Verdict::Fail)
            c.failures = {QStringLiteral("step 2: GET /x → 500")};
        if (r.verdict == Verdict::Deferred)
            c.note = QStringLiteral("driver not ready");
        if (r.verdict == Verdict::NotApplicable)
            c.note = QStringLiteral("single-tenant stack");
        run.results.append(c);
    }
    return run;
}

Lab lab(qint64 windowMs = 6 * kHour)
{
    Lab lab;
    lab.name = QStringLiteral("Lab");
    for (const char *id : {"a", "b"}) {
        CheckSpec c;
        c.id = QLatin1String(id);
        c.title = QStringLiteral("Check ") + QLatin1String(id).toString().toUpper();
        lab.checks.append(c);
    }
    ReadinessLevelSpec level;
    level.id = QStringLiteral("partner");
    level.name = QStringLiteral("HA design partner");
    level.windowMs = windowMs;
    level.checksPass = {QStringLiteral("a"), QStringLiteral("b")};
    Expectation e;
    e.metric = QStringLiteral("failover_ms");
    e.op = Expectation::Op::LessEqual;
    e.bound = 5000;
    e.text = QStringLiteral("failover_ms <= 5s");
    level.metrics = {{QStringLiteral("a"), e}};
    lab.readiness = {level};
    return lab;
}

// "a:OK b:MISSING metric:OK window:OK"
QString statuses(const ReadinessResult &r)
{
    QStringList out;
    for (const ReadinessResult::Criterion &c : r.criteria) {
        const QString who = c.kind == ReadinessResult::Criterion::Kind::CheckPasses ? c.checkId
                            : c.kind == ReadinessResult::Criterion::Kind::Metric  ? QStringLiteral("metric")
                                                                                  : QStringLiteral("window");
        out << who + QLatin1Char(':') + ReadinessResult::statusText(c.status);
    }
    return out.join(QLatin1Char(' '));
}

} // namespace

class TestReadiness : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void levels_data()
    {
        QTest::addColumn<QList<Run>>("runs");
        QTest::addColumn<qint64>("windowMs");
        QTest::addColumn<bool>("ready");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("reasonContains");

        const R aPass{QStringLiteral("a"), Verdict::Pass, 412};
        const R bPass{QStringLiteral("b"), Verdict::Pass};
        QTest::newRow("ready") << QList<Run>{runAt(1, {aPass, bPass})} << 6 * kHour << true
                               << QStringLiteral("a:OK b:OK metric:OK window:OK") << QStringLiteral("failover_ms = 412 ms (386–438)");
        QTest::newRow("ready across runs in the window")
            << QList<Run>{runAt(5, {aPass}), runAt(1, {bPass})} << 6 * kHour << true << QStringLiteral("a:OK b:OK metric:OK window:OK")
            << QStringLiteral("PASS in run");
        QTest::newRow("missing: never run") << QList<Run>{runAt(1, {aPass})} << 6 * kHour << false
                                            << QStringLiteral("a:OK b:MISSING metric:OK window:OK") << QStringLiteral("never run");
        QTest::newRow("missing: not run counts as never")
            << QList<Run>{runAt(1, {aPass, {QStringLiteral("b"), Verdict::NotRun}})} << 6 * kHour << false
            << QStringLiteral("a:OK b:MISSING metric:OK window:OK") << QStringLiteral("never run");
        QTest::newRow("missing: no runs at all") << QList<Run>{} << 6 * kHour << false
                                                 << QStringLiteral("a:MISSING b:MISSING metric:MISSING window:MISSING") << QStringLiteral("never run");
        QTest::newRow("stale: older than the window ending now")
            << QList<Run>{runAt(7, {aPass, bPass})} << 6 * kHour << false << QStringLiteral("a:STALE b:STALE metric:STALE window:STALE")
            << QStringLiteral("window ending now");
        QTest::newRow("stale: one check outside the window")
            << QList<Run>{runAt(10, {aPass}), runAt(1, {bPass})} << 6 * kHour << false
            << QStringLiteral("a:STALE b:OK metric:STALE window:STALE") << QStringLiteral("older than the 6 h window");
        QTest::newRow("failed: latest is FAIL")
            << QList<Run>{runAt(3, {aPass, bPass}), runAt(1, {{QStringLiteral("b"), Verdict::Fail}})} << 6 * kHour << false
            << QStringLiteral("a:OK b:FAIL metric:OK window:OK") << QStringLiteral("GET /x → 500");
        QTest::newRow("failed: ERROR counts as failed")
            << QList<Run>{runAt(1, {aPass, {QStringLiteral("b"), Verdict::Error}})} << 6 * kHour << false
            << QStringLiteral("a:OK b:FAIL metric:OK window:OK") << QStringLiteral("latest result is ERROR");
        QTest::newRow("failed: INCONCLUSIVE is no PASS")
            << QList<Run>{runAt(1, {aPass, {QStringLiteral("b"), Verdict::Inconclusive}})} << 6 * kHour << false
            << QStringLiteral("a:OK b:FAIL metric:OK window:OK") << QStringLiteral("latest result is INCONCLUSIVE");
        QTest::newRow("latest wins: FAIL then PASS")
            << QList<Run>{runAt(1, {aPass, bPass}), runAt(3, {{QStringLiteral("b"), Verdict::Fail}})} << 6 * kHour << true
            << QStringLiteral("a:OK b:OK metric:OK window:OK") << QString();
        QTest::newRow("deferred") << QList<Run>{runAt(1, {aPass, {QStringLiteral("b"), Verdict::Deferred}})} << 6 * kHour << false
                                  << QStringLiteral("a:OK b:DEFERRED metric:OK window:OK") << QStringLiteral("driver not ready");
        QTest::newRow("N/A is no PASS") << QList<Run>{runAt(1, {aPass, {QStringLiteral("b"), Verdict::NotApplicable}})} << 6 * kHour
                                        << false << QStringLiteral("a:OK b:MISSING metric:OK window:OK") << QStringLiteral("single-tenant");
        QTest::newRow("metric out of bound") << QList<Run>{runAt(1, {{QStringLiteral("a"), Verdict::Pass, 6100}, bPass})} << 6 * kHour
                                             << false << QStringLiteral("a:OK b:OK metric:FAIL window:OK")
                                             << QStringLiteral("measured failover_ms = 6100 ms (6074–6126), bound <= 5000");
        QTest::newRow("metric absent") << QList<Run>{runAt(1, {{QStringLiteral("a"), Verdict::Pass}, bPass})} << 6 * kHour << false
                                       << QStringLiteral("a:OK b:OK metric:MISSING window:OK") << QStringLiteral("not measured");
        QTest::newRow("no window: old evidence is fine")
            << QList<Run>{runAt(24 * 40, {aPass}), runAt(1, {bPass})} << qint64(0) << true << QStringLiteral("a:OK b:OK metric:OK")
            << QString();
    }

    void levels()
    {
        QFETCH(QList<Run>, runs);
        QFETCH(qint64, windowMs);
        QFETCH(bool, ready);
        QFETCH(QString, expected);
        QFETCH(QString, reasonContains);

        const QList<ReadinessResult> results = ReadinessEvaluator::evaluate(lab(windowMs), runs, kNow);
        QCOMPARE(results.size(), 1);
        const ReadinessResult &r = results.at(0);
        QCOMPARE(r.levelId, QStringLiteral("partner"));
        QCOMPARE(statuses(r), expected);
        QCOMPARE(r.ready, ready);
        for (const ReadinessResult::Criterion &c : r.criteria)
            QVERIFY2(!c.reason.isEmpty(), qPrintable(c.text));
        if (!reasonContains.isEmpty()) {
            const QString text = ReadinessEvaluator::text(results);
            QVERIFY2(text.contains(reasonContains), qPrintable(text));
        }
    }

    void metricCriterionOverSavedText()
    {
        // A readiness metric may compare saved text: "master_after == master_before".
        Lab l = lab();
        Expectation same;
        same.metric = QStringLiteral("master_after");
        same.op = Expectation::Op::Equal;
        same.right = Expectation::Operand::Name;
        same.rightText = QStringLiteral("master_before");
        same.text = QStringLiteral("master_after == master_before");
        l.readiness[0].metrics = {{QStringLiteral("b"), same}};
        Run run = runAt(1, {{QStringLiteral("a"), Verdict::Pass}, {QStringLiteral("b"), Verdict::Pass}});
        run.results[1].saved = {{QStringLiteral("master_before"), QStringLiteral("10.0.0.1 6379")},
                                {QStringLiteral("master_after"), QStringLiteral("10.0.0.1 6379")}};
        QCOMPARE(statuses(ReadinessEvaluator::evaluate(l, {run}, kNow).first()), QStringLiteral("a:OK b:OK metric:OK window:OK"));
        run.results[1].saved[QStringLiteral("master_after")] = QStringLiteral("10.0.0.2 6379");
        const ReadinessResult r = ReadinessEvaluator::evaluate(l, {run}, kNow).first();
        QCOMPARE(statuses(r), QStringLiteral("a:OK b:OK metric:FAIL window:OK"));
        QVERIFY2(r.criteria.at(2).reason.contains(QStringLiteral("measured master_after = \"10.0.0.2 6379\", bound == master_before \"10.0.0.1 6379\"")),
                 qPrintable(r.criteria.at(2).reason));
    }

    void textAndJson()
    {
        const QList<Run> runs{runAt(1, {{QStringLiteral("a"), Verdict::Pass, 412}, {QStringLiteral("b"), Verdict::Pass}})};
        QList<ReadinessResult> results = ReadinessEvaluator::evaluate(lab(), runs, kNow);
        Lab ga = lab();
        ga.readiness[0].id = QStringLiteral("ga");
        ga.readiness[0].name = QStringLiteral("HA GA");
        ga.readiness[0].checksPass << QStringLiteral("soak");
        results += ReadinessEvaluator::evaluate(ga, runs, kNow);

        const QStringList lines = ReadinessEvaluator::text(results).split(QLatin1Char('\n'));
        QCOMPARE(lines.at(0), QStringLiteral("HA design partner — READY ✓"));
        QVERIFY(lines.at(1).startsWith(QStringLiteral("  [OK] Check A (a) passes — PASS in run run")));
        QVERIFY(lines.contains(QStringLiteral("HA GA — NOT YET ✗")));
        QVERIFY(lines.contains(QStringLiteral("  [MISSING] soak passes — never run")));
        QVERIFY(lines.contains(QStringLiteral("Verdict: HA design partner — READY")));
        QCOMPARE(ReadinessEvaluator::verdict(results), QStringLiteral("HA design partner"));

        const QJsonArray json = ReadinessEvaluator::json(results);
        QCOMPARE(json.size(), 2);
        const QJsonObject partner = json.at(0).toObject();
        QCOMPARE(partner.value(QStringLiteral("level")).toString(), QStringLiteral("partner"));
        QCOMPARE(partner.value(QStringLiteral("ready")).toBool(), true);
        QCOMPARE(partner.value(QStringLiteral("window_ms")).toDouble(), double(6 * kHour));
        const QJsonObject first = partner.value(QStringLiteral("criteria")).toArray().at(0).toObject();
        QCOMPARE(first.value(QStringLiteral("kind")).toString(), QStringLiteral("check_passes"));
        QCOMPARE(first.value(QStringLiteral("status")).toString(), QStringLiteral("OK"));
        QCOMPARE(first.value(QStringLiteral("check")).toString(), QStringLiteral("a"));
        QCOMPARE(first.value(QStringLiteral("run_id")).toString(), runs.at(0).id);
        QVERIFY(!first.value(QStringLiteral("evidence_at")).toString().isEmpty());
        QCOMPARE(json.at(1).toObject().value(QStringLiteral("status")).toString(), QStringLiteral("NOT YET"));
    }
};

QTEST_GUILESS_MAIN(TestReadiness)
#include "tst_readiness.moc"
