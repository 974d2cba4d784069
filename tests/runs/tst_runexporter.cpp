// RunExporter: one recorded run with every verdict kind in markdown (the seed's run-log lines),
// JSON (schema halab.run/1, parsed back) and JUnit (parsed back with QXmlStreamReader).
#include "metricformat.h"
#include "readinessevaluator.h"
#include "runexporter.h"
#include "samplerun.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QXmlStreamReader>

class TestRunExporter : public QObject
{
    Q_OBJECT

private:
    Run m_run = SampleRun::make();
    Lab m_lab = SampleRun::lab();

    QList<ReadinessResult> readiness() const
    {
        return ReadinessEvaluator::evaluate(m_lab, {m_run}, SampleRun::at(30));
    }

private Q_SLOTS:
    void markdownHasTheRunLogShape()
    {
        const QString md = RunExporter::markdown(m_run, readiness(), &m_lab);
        const QStringList lines = md.split(QLatin1Char('\n'));
        auto indexOf = [&lines](const QString &line) { return lines.indexOf(line); };

        if (!qEnvironmentVariableIsEmpty("HALAB_PRINT_MARKDOWN"))
            qInfo().noquote() << md;
        // Headings from '#', key/values as a list, so any Markdown viewer renders them apart.
        QCOMPARE(lines.first(), QStringLiteral("# Run 2026-04-21 — Demo HA lab"));
        QVERIFY(md.contains(QStringLiteral("\n**2/7 PASS, 1/7 FAIL, 1/7 ERROR, 1/7 DEFERRED")));
        for (const QString &header : {QStringLiteral("- **Date:** 2026-04-21"), QStringLiteral("- **Operator:** Troy Krajancic"),
                                      QStringLiteral("- **HA Lab Console version:** 0.1.0"), QStringLiteral("- **Postgres:** 16-alpine"),
                                      QStringLiteral("- **nginx:** 1.27-alpine"), QStringLiteral("- **halab-demo-api:** 0.1.0"),
                                      QStringLiteral("- **Host OS:** Debian GNU/Linux 12 (bookworm) x86_64")})
            QVERIFY2(indexOf(header) > 0, qPrintable(header));

        // The checks table names each check by its lab id, never by its position.
        const int checks = indexOf(QStringLiteral("## Checks"));
        QVERIFY(checks > indexOf(QStringLiteral("- **Host OS:** Debian GNU/Linux 12 (bookworm) x86_64")));
        QCOMPARE(lines.value(checks + 2), QStringLiteral("| ID | Check | Verdict | Deciding figures |"));
        const QStringList ids = {QStringLiteral("asset"), QStringLiteral("failover"), QStringLiteral("rotation"), QStringLiteral("schedule"),
                                 QStringLiteral("tenant"), QStringLiteral("soak"), QStringLiteral("quorum")};
        for (int i = 0; i < ids.size(); ++i)
            QVERIFY2(lines.value(checks + 4 + i).startsWith(QStringLiteral("| ") + ids.at(i) + QStringLiteral(" | ")), qPrintable(lines.value(checks + 4 + i)));
        QVERIFY2(lines.value(checks + 5).contains(QStringLiteral("failover_ms 412 ms ≤ 5000 ms")), qPrintable(lines.value(checks + 5)));
        QVERIFY(lines.value(checks + 8).contains(QStringLiteral("[N/A] N/A | single-tenant stack |")));

        const int notes = indexOf(QStringLiteral("## Notes and anomalies"));
        const int ready = indexOf(QStringLiteral("## Readiness"));
        const int failoverHead = indexOf(QStringLiteral("## failover. Graceful degradation when one replica is killed — PASS (42 s)"));
        QVERIFY(checks < failoverHead && failoverHead < notes && notes < ready);
        QVERIFY(indexOf(QStringLiteral("- failover_ms = 412 ms (400–438)")) > failoverHead);
        QVERIFY(indexOf(QStringLiteral("- availability_pct = 99.2")) > failoverHead);
        QVERIFY(indexOf(QStringLiteral("- ✓ failover_ms <= 5s — measured 412 ms (400–438)")) > failoverHead);
        QVERIFY(indexOf(QStringLiteral("- ✗ matrix_failures == 0 — measured 1")) > failoverHead);
        // A list needs a blank line before it; so does a heading's paragraph.
        const int metrics = indexOf(QStringLiteral("**Metrics**"));
        QVERIFY(metrics > 0 && lines.value(metrics + 1).isEmpty() && lines.value(metrics - 1).isEmpty());
        QVERIFY(indexOf(QStringLiteral("   | Row | Expected | Actual | Result |")) > failoverHead);
        QVERIFY(indexOf(QStringLiteral("   | 3 | 401 | 200 | ✗ unexpected |")) > failoverHead);
        QVERIFY(indexOf(QStringLiteral("   {\"id\":\"a1\",")) > checks);
        QVERIFY(!md.contains(QStringLiteral("more lines"))); // short bodies are shown whole
        QVERIFY(indexOf(QStringLiteral("2. ✓ log scan api1, api2: 0 line(s) match \"statusCode\":401 — 8 ms")) > failoverHead);
        QVERIFY(indexOf(QStringLiteral("Reason: single-tenant stack")) > failoverHead);
        QVERIFY(indexOf(QStringLiteral("Port 3000 was taken; the LB ran on 3010.")) > notes);
        QVERIFY(indexOf(QStringLiteral("- quorum: ERROR: aborted by the operator")) > notes);
        QVERIFY(indexOf(QStringLiteral("### HA design partner — READY ✓")) > ready);
        QVERIFY(indexOf(QStringLiteral("### HA GA — NOT YET ✗")) > ready);
        QVERIFY(indexOf(QStringLiteral("Verdict: HA design partner — READY")) > ready);

        // Without readiness, no readiness block; without the lab, failed expectations still show.
        const QString bare = RunExporter::markdown(m_run);
        QVERIFY(!bare.contains(QStringLiteral("## Readiness")));
        QVERIFY(bare.contains(QStringLiteral("- ✗ matrix_failures == 0 — measured 1\n")));
        QVERIFY(!bare.contains(QStringLiteral("- ✓ failover_ms <= 5s")));
    }

    void jsonFollowsTheSchema()
    {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(RunExporter::json(m_run, readiness(), &m_lab), &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        const QJsonObject root = doc.object();
        QCOMPARE(root.value(QStringLiteral("schema")).toString(), QStringLiteral("halab.run/2"));
        QVERIFY(!QDateTime::fromString(root.value(QStringLiteral("exported")).toString(), Qt::ISODateWithMs).isNull());

        const QJsonObject run = root.value(QStringLiteral("run")).toObject();
        for (const char *key : {"id", "lab", "lab_path", "started", "finished", "operator", "app_version", "stack_versions", "host_os",
                                "state", "notes"})
            QVERIFY2(run.contains(QLatin1String(key)), key);
        QCOMPARE(run.value(QStringLiteral("id")).toString(), m_run.id);
        QCOMPARE(run.value(QStringLiteral("started")).toString(), QStringLiteral("2026-04-21T10:00:00.000Z"));
        QCOMPARE(run.value(QStringLiteral("state")).toString(), QStringLiteral("finished"));
        QCOMPARE(run.value(QStringLiteral("stack_versions")).toObject().value(QStringLiteral("Postgres")).toString(), QStringLiteral("16-alpine"));

        const QJsonObject summary = root.value(QStringLiteral("summary")).toObject();
        QCOMPARE(summary.value(QStringLiteral("total")).toInt(), 7);
        QCOMPARE(summary.value(QStringLiteral("counts")).toObject().value(QStringLiteral("PASS")).toInt(), 2);

        const QJsonArray checks = root.value(QStringLiteral("checks")).toArray();
        QCOMPARE(checks.size(), 7);
        for (const QJsonValue &v : checks)
            for (const char *key : {"index", "id", "title", "verdict", "reason", "started", "finished", "metrics", "intervals_ms", "saved", "anomalies", "stopped_at_step",
                                    "expectations_source", "expectations", "steps", "events", "failures", "note", "override_reason"})
                QVERIFY2(v.toObject().contains(QLatin1String(key)), key);

        const QJsonObject failover = checks.at(1).toObject();
        QCOMPARE(failover.value(QStringLiteral("verdict")).toString(), QStringLiteral("PASS"));
        QCOMPARE(failover.value(QStringLiteral("metrics")).toObject().value(QStringLiteral("failover_ms")).toDouble(), 412.0);
        const QJsonObject interval = failover.value(QStringLiteral("intervals_ms")).toObject().value(QStringLiteral("failover_ms")).toObject();
        QCOMPARE(interval.value(QStringLiteral("lo")).toDouble(), 400.0);
        QCOMPARE(interval.value(QStringLiteral("hi")).toDouble(), 438.0);
        QVERIFY(failover.value(QStringLiteral("stopped_at_step")).isNull());
        QCOMPARE(failover.value(QStringLiteral("anomalies")).toArray().size(), 0);
        QCOMPARE(failover.value(QStringLiteral("expectations_source")).toString(), QStringLiteral("lab"));
        const QJsonArray exp = failover.value(QStringLiteral("expectations")).toArray();
        QCOMPARE(exp.size(), 3);
        const QJsonObject e0 = exp.at(0).toObject();
        QCOMPARE(e0.value(QStringLiteral("text")).toString(), QStringLiteral("failover_ms <= 5s"));
        QCOMPARE(e0.value(QStringLiteral("metric")).toString(), QStringLiteral("failover_ms"));
        QCOMPARE(e0.value(QStringLiteral("value")).toDouble(), 412.0);
        QCOMPARE(e0.value(QStringLiteral("bound")).toDouble(), 5000.0);
        QCOMPARE(e0.value(QStringLiteral("op")).toString(), QStringLiteral("<="));
        QCOMPARE(e0.value(QStringLiteral("passed")).toBool(), true);
        const QJsonArray events = failover.value(QStringLiteral("events")).toArray();
        QCOMPARE(events.size(), 2);
        QCOMPARE(events.at(0).toObject().value(QStringLiteral("kind")).toString(), QStringLiteral("fault"));
        QCOMPARE(events.at(1).toObject().value(QStringLiteral("kind")).toString(), QStringLiteral("role_change"));

        const QJsonObject rotation = checks.at(2).toObject();
        const QJsonObject step = rotation.value(QStringLiteral("steps")).toArray().at(0).toObject();
        for (const char *key : {"index", "ok", "skipped", "summary", "request", "status", "started", "duration_ms", "headers", "body",
                                "stderr", "matrix"})
            QVERIFY2(step.contains(QLatin1String(key)), key);
        QCOMPARE(step.value(QStringLiteral("ok")).toBool(), false);
        const QJsonArray matrix = step.value(QStringLiteral("matrix")).toArray();
        QCOMPARE(matrix.size(), 4);
        QCOMPARE(matrix.at(2).toObject().value(QStringLiteral("expected")).toInt(), 401);
        QCOMPARE(matrix.at(2).toObject().value(QStringLiteral("actual")).toInt(), 200);
        QCOMPARE(matrix.at(2).toObject().value(QStringLiteral("ok")).toBool(), false);
        QCOMPARE(rotation.value(QStringLiteral("failures")).toArray().size(), 2);

        const QJsonObject tenant = checks.at(4).toObject();
        QCOMPARE(tenant.value(QStringLiteral("verdict")).toString(), QStringLiteral("N/A"));
        QCOMPARE(tenant.value(QStringLiteral("reason")).toString(), QStringLiteral("single-tenant stack"));
        QVERIFY(tenant.value(QStringLiteral("started")).isNull());

        const QJsonArray levels = root.value(QStringLiteral("readiness")).toArray();
        QCOMPARE(levels.size(), 2);
        QCOMPARE(levels.at(0).toObject().value(QStringLiteral("ready")).toBool(), true);
        QCOMPARE(levels.at(1).toObject().value(QStringLiteral("status")).toString(), QStringLiteral("NOT YET"));

        // Without the lab: only failed expectations, read back from the failures.
        const QJsonArray bare = QJsonDocument::fromJson(RunExporter::json(m_run)).object().value(QStringLiteral("checks")).toArray();
        QCOMPARE(bare.at(1).toObject().value(QStringLiteral("expectations")).toArray().size(), 0);
        QCOMPARE(bare.at(2).toObject().value(QStringLiteral("expectations_source")).toString(), QStringLiteral("failures"));
        const QJsonObject failed = bare.at(2).toObject().value(QStringLiteral("expectations")).toArray().at(0).toObject();
        QCOMPARE(failed.value(QStringLiteral("metric")).toString(), QStringLiteral("matrix_failures"));
        QCOMPARE(failed.value(QStringLiteral("value")).toDouble(), 1.0);
        QCOMPARE(failed.value(QStringLiteral("op")).toString(), QStringLiteral("=="));
        QCOMPARE(failed.value(QStringLiteral("passed")).toBool(true), false);
        QVERIFY(QJsonDocument::fromJson(RunExporter::json(m_run)).object().value(QStringLiteral("readiness")).toArray().isEmpty());
    }

    void junitParsesBack()
    {
        QXmlStreamReader xml(RunExporter::junit(m_run, &m_lab));
        int suites = 0, cases = 0, failures = 0, skipped = 0, properties = 0;
        QStringList skippedMessages, failureTypes, names;
        QString systemOut;
        QXmlStreamAttributes suite;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement)
                continue;
            if (xml.name() == QLatin1String("testsuite")) {
                ++suites;
                suite = xml.attributes();
            } else if (xml.name() == QLatin1String("testcase")) {
                ++cases;
                names << xml.attributes().value(QLatin1String("name")).toString();
            } else if (xml.name() == QLatin1String("failure")) {
                ++failures;
                failureTypes << xml.attributes().value(QLatin1String("type")).toString();
            } else if (xml.name() == QLatin1String("skipped")) {
                ++skipped;
                skippedMessages << xml.attributes().value(QLatin1String("message")).toString();
            } else if (xml.name() == QLatin1String("property")) {
                ++properties;
            } else if (xml.name() == QLatin1String("system-out")) {
                systemOut += xml.readElementText();
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QCOMPARE(suites, 1);
        QCOMPARE(cases, 7);
        QCOMPARE(failures, 2);
        QCOMPARE(failureTypes, (QStringList{QStringLiteral("FAIL"), QStringLiteral("ERROR")}));
        QCOMPARE(skipped, 3);
        QCOMPARE(skippedMessages, (QStringList{QStringLiteral("DEFERRED: driver not ready for this stack"),
                                               QStringLiteral("N/A: single-tenant stack"), QStringLiteral("NOT RUN")}));
        QCOMPARE(suite.value(QLatin1String("tests")).toString(), QStringLiteral("7"));
        QCOMPARE(suite.value(QLatin1String("failures")).toString(), QStringLiteral("2"));
        QCOMPARE(suite.value(QLatin1String("skipped")).toString(), QStringLiteral("3"));
        QCOMPARE(names.first(), QStringLiteral("1. Shared asset readability (upload via LB, fetch from both replicas)"));
        QVERIFY(properties > 10);
        QVERIFY(systemOut.contains(QStringLiteral("failover_ms = 412 ms (400–438)")));
    }

    void precisionIsShown()
    {
        QCOMPARE(MetricFormat::metric(QStringLiteral("failover_ms"), 2957.4, {{QStringLiteral("failover_ms"), {2900.2, 3009.1}}}),
                 QStringLiteral("failover_ms = 2957 ms (2900–3010)"));
        QCOMPARE(MetricFormat::metric(QStringLiteral("availability_pct"), 99.873), QStringLiteral("availability_pct = 99.87"));
        QCOMPARE(MetricFormat::number(0.5), QStringLiteral("0.5"));
        QCOMPARE(MetricFormat::span(6LL * 3600 * 1000), QStringLiteral("6 h"));
    }

    void anomaliesInconclusiveAndWhereTheCheckStopped()
    {
        Run run;
        run.id = QStringLiteral("r1");
        run.labName = QStringLiteral("Patroni lab");
        run.state = Run::State::Finished;
        CheckResult c;
        c.checkId = QStringLiteral("regress");
        c.title = QStringLiteral("Leader pause and resume");
        c.verdict = Verdict::Inconclusive;
        c.metrics = {{QStringLiteral("leader_regressions"), 1}, {QStringLiteral("split_brain_samples"), 2},
                     {QStringLiteral("console_late_p99_ms"), 31.5}, {QStringLiteral("skipped_samples"), 12}};
        c.saved = {{QStringLiteral("ckquorum"), QStringLiteral("OK 3 usable Sentinels")}};
        c.failures = {QStringLiteral("console overloaded: 12 of 600 samples skipped (2.0 %), more than 1 %"),
                      QStringLiteral("leader_regressions == 0: leader_regressions 1 != 0"),
                      QStringLiteral("ckquorum == \"NOQUORUM\": ckquorum \"OK 3 usable Sentinels\" != \"NOQUORUM\"")};
        c.note = c.failures.join(QStringLiteral("; "));
        c.stoppedAtStep = 3;
        ClusterAnomaly split;
        split.kind = ClusterAnomaly::Kind::SplitBrain;
        split.atMs = 2100;
        split.untilMs = 2300;
        split.services = {QStringLiteral("pg1"), QStringLiteral("pg2")};
        split.detail = QStringLiteral("pg1, pg2 held the leader role at once in 2 role round(s)");
        ClusterAnomaly regression;
        regression.kind = ClusterAnomaly::Kind::LeaderRegression;
        regression.atMs = 5400;
        regression.services = {QStringLiteral("pg1"), QStringLiteral("pg2")};
        regression.detail = QStringLiteral("pg1 took the leader role back from pg2 (pg2 was not faulted): pg2's term is discarded");
        c.anomalies = {split, regression};
        run.results = {c};

        const QJsonObject root = QJsonDocument::fromJson(RunExporter::json(run)).object();
        QCOMPARE(root.value(QStringLiteral("run")).toObject().value(QStringLiteral("console_late_p99_ms")).toDouble(), 31.5);
        QCOMPARE(root.value(QStringLiteral("run")).toObject().value(QStringLiteral("skipped_samples")).toDouble(), 12.0);
        const QJsonObject check = root.value(QStringLiteral("checks")).toArray().at(0).toObject();
        QCOMPARE(check.value(QStringLiteral("verdict")).toString(), QStringLiteral("INCONCLUSIVE"));
        QCOMPARE(check.value(QStringLiteral("stopped_at_step")).toInt(), 4);
        QCOMPARE(check.value(QStringLiteral("saved")).toObject().value(QStringLiteral("ckquorum")).toString(), QStringLiteral("OK 3 usable Sentinels"));
        const QJsonArray anomalies = check.value(QStringLiteral("anomalies")).toArray();
        QCOMPARE(anomalies.size(), 2);
        const QJsonObject a0 = anomalies.at(0).toObject();
        QCOMPARE(a0.keys(), (QStringList{QStringLiteral("at_ms"), QStringLiteral("detail"), QStringLiteral("kind"), QStringLiteral("services"),
                                        QStringLiteral("until_ms")}));
        QCOMPARE(a0.value(QStringLiteral("kind")).toString(), QStringLiteral("split_brain"));
        QCOMPARE(a0.value(QStringLiteral("at_ms")).toDouble(), 2100.0);
        QCOMPARE(a0.value(QStringLiteral("until_ms")).toDouble(), 2300.0);
        QCOMPARE(a0.value(QStringLiteral("services")).toArray().size(), 2);
        const QJsonObject a1 = anomalies.at(1).toObject();
        QCOMPARE(a1.value(QStringLiteral("kind")).toString(), QStringLiteral("leader_regression"));
        QVERIFY(a1.value(QStringLiteral("until_ms")).isNull());
        // Without the lab, the failed expectations come back from the failure lines, text values as strings.
        const QJsonArray exp = check.value(QStringLiteral("expectations")).toArray();
        QCOMPARE(exp.size(), 2);
        QCOMPARE(exp.at(0).toObject().value(QStringLiteral("value")).toDouble(), 1.0);
        QCOMPARE(exp.at(1).toObject().value(QStringLiteral("value")).toString(), QStringLiteral("OK 3 usable Sentinels"));
        QCOMPARE(exp.at(1).toObject().value(QStringLiteral("bound")).toString(), QStringLiteral("NOQUORUM"));

        const QString md = RunExporter::markdown(run);
        QVERIFY2(md.contains(QStringLiteral("| regress | Leader pause and resume | [?] INCONCLUSIVE |")), qPrintable(md));
        QVERIFY(md.contains(QStringLiteral("- **Console:** probe start lateness p99 31.5 ms, 12 skipped sample(s)")));
        QVERIFY(md.contains(QStringLiteral("\n\nStopped at step 4 (it failed): probes are summarised up to there.")));
        const QString notes = md.mid(md.indexOf(QStringLiteral("## Notes and anomalies")));
        QVERIFY2(notes.contains(QStringLiteral("- regress: INCONCLUSIVE: console overloaded")), qPrintable(notes));
        QVERIFY2(notes.contains(QStringLiteral("- regress: split_brain at 2.1 s until 2.3 s (pg1, pg2): pg1, pg2 held the leader role")), qPrintable(notes));
        QVERIFY(notes.contains(QStringLiteral("- regress: leader_regression at 5.4 s (pg1, pg2): pg1 took the leader role back")));
        QVERIFY(!notes.contains(QStringLiteral("\nnone")));

        const QByteArray xml = RunExporter::junit(run);
        QVERIFY(xml.contains("type=\"INCONCLUSIVE\""));
        QVERIFY(xml.contains("failures=\"1\""));
        QVERIFY(xml.contains("anomaly: leader_regression at 5.4 s"));
    }

    void failureLinesParseBack()
    {
        Expectation e;
        e.metric = QStringLiteral("lb.availability_pct");
        e.op = Expectation::Op::GreaterEqual;
        e.bound = 99.5;
        e.text = QStringLiteral("lb.availability_pct >= 99.5");
        const ExpectationOutcome judged = ExpectationOutcome::judge(e, {{QStringLiteral("lb.availability_pct"), 97.25}});
        QVERIFY(!judged.passed);
        const std::optional<ExpectationOutcome> back = ExpectationOutcome::fromFailure(judged.failureText());
        QVERIFY(back);
        QCOMPARE(back->metric, e.metric);
        QCOMPARE(back->value, 97.25);
        QCOMPARE(judged.failureText(), QStringLiteral("lb.availability_pct >= 99.5: lb.availability_pct 97.25 < 99.5"));
        QCOMPARE(back->bound, 99.5);
        QCOMPARE(back->op, Expectation::Op::GreaterEqual);
        const ExpectationOutcome missing = ExpectationOutcome::judge(e, {});
        QCOMPARE(ExpectationOutcome::fromFailure(missing.failureText())->measured, false);
        QVERIFY(!ExpectationOutcome::fromFailure(QStringLiteral("step 2: GET /x → 500")));
        // Lines stored before intervals still parse.
        const std::optional<ExpectationOutcome> old = ExpectationOutcome::fromFailure(QStringLiteral("failover_ms <= 5s: measured 6100, bound <= 5000"));
        QVERIFY(old);
        QCOMPARE(old->value, 6100.0);
        QCOMPARE(old->op, Expectation::Op::LessEqual);
    }
};

QTEST_GUILESS_MAIN(TestRunExporter)
#include "tst_runexporter.moc"
