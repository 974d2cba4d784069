// The lab parser: the bundled demo lab is valid, and a table of broken labs each gets the
// right file:line:column error instead of a crash.
#include "labparser.h"

#include <QFile>
#include <QRegularExpression>
#include <QTest>

class TestLabParser : public QObject
{
    Q_OBJECT

private:
    static QByteArray minimalLab()
    {
        return "halab: 1\n"
               "name: minimal\n"
               "stack:\n"
               "  backend: processes\n"
               "  services:\n"
               "    web:\n"
               "      command: [nginx]\n"
               "      role: { http: http://127.0.0.1:1/status, json: /holder, leader_if_equals: web }\n"
               "checks:\n"
               "  - id: one\n"
               "    title: the only check\n"
               "    steps:\n"
               "      - prompt: look at it\n";
    }

private Q_SLOTS:
    void demoLabIsValid()
    {
        const LabParser::Result r = LabParser::parseFile(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml"));
        QStringList problems;
        for (const LabDiagnostic &d : r.errors)
            problems << d.toString();
        QVERIFY2(r.ok(), qPrintable(problems.join(QLatin1Char('\n'))));
        QCOMPARE(r.lab.checks.size(), 11);
        QStringList ids;
        for (const CheckSpec &c : r.lab.checks)
            ids << c.id;
        QCOMPARE(ids, (QStringList{QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("3"), QStringLiteral("4"),
                                   QStringLiteral("5"), QStringLiteral("6"), QStringLiteral("7"), QStringLiteral("8"),
                                   QStringLiteral("9"), QStringLiteral("leader-failover"), QStringLiteral("quorum-loss")}));
        QCOMPARE(r.lab.check(QStringLiteral("5"))->appliesWhen.value(QStringLiteral("MULTI_TENANT_ENABLED")), QStringLiteral("true"));
        QVERIFY(!r.lab.check(QStringLiteral("9"))->deferredReason.isEmpty());
        QCOMPARE(r.lab.stack.services.size(), 4);
        QVERIFY(r.lab.stack.service(QStringLiteral("api1"))->role.has_value());
        QCOMPARE(r.lab.readiness.size(), 2);
    }

    void demoLabDetails()
    {
        const LabParser::Result r = LabParser::parseFile(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml"));
        QVERIFY(r.ok());
        const CheckSpec *rotation = r.lab.check(QStringLiteral("6"));
        QVERIFY(rotation);
        bool sawMatrix = false, sawLogScan = false, sawRestart = false;
        for (const StepSpec &s : rotation->steps) {
            if (s.kind == StepSpec::Kind::Matrix) {
                sawMatrix = true;
                QCOMPARE(s.rows.size(), 4);
                QCOMPARE(s.rows.at(0).expectStatus, 200);
                QCOMPARE(s.rows.at(3).expectStatus, 401);
                QCOMPARE(s.rows.at(3).method, QStringLiteral("POST"));
            }
            if (s.kind == StepSpec::Kind::LogScan) {
                sawLogScan = true;
                QCOMPARE(s.since, QStringLiteral("T0"));
                QCOMPARE(s.expectCount, 0);
            }
            if (s.kind == StepSpec::Kind::Fault && s.action == StepSpec::FaultAction::Restart && !s.overrides.isEmpty())
                sawRestart = true;
        }
        QVERIFY(sawMatrix && sawLogScan && sawRestart);
        const CheckSpec *failover = r.lab.check(QStringLiteral("leader-failover"));
        QCOMPARE(failover->lostRecordsBefore, QStringLiteral("records_before"));
        QCOMPARE(failover->expectations.size(), 2);
        QCOMPARE(failover->expectations.at(0).metric, QStringLiteral("failover_ms"));
        QCOMPARE(failover->expectations.at(0).bound, 5000.0);
        const CheckSpec *outage = r.lab.check(QStringLiteral("7"));
        QCOMPARE(outage->probes.at(0).intervalMs, 50);
        QVERIFY(outage->expectations.at(0).holds(99.5));
        QVERIFY(!outage->expectations.at(0).holds(95.2));
    }

    void minimalLabIsValid()
    {
        const LabParser::Result r = LabParser::parseText(minimalLab(), QStringLiteral("min.halab.yaml"));
        QVERIFY2(r.ok(), r.errors.isEmpty() ? "" : qPrintable(r.errors.first().toString()));
        QCOMPARE(r.lab.id, QStringLiteral("minimal"));
        QCOMPARE(r.lab.checks.first().steps.first().kind, StepSpec::Kind::Prompt);
    }

    void brokenLabs_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("location"); // "line:column" of the first error
        QTest::addColumn<QString>("message");  // a regular expression the first error must match

        const QByteArray base = minimalLab();
        const auto replaced = [&](const char *from, const char *to) {
            QByteArray copy = base;
            Q_ASSERT(copy.contains(from));
            return copy.replace(from, to);
        };
        QTest::newRow("typo'd top-level key") << replaced("checks:", "chekcs:") << "9:1"
                                              << "unknown key 'chekcs' in the lab file \\(did you mean 'checks'\\?\\)";
        QTest::newRow("typo'd step kind") << replaced("- prompt: look", "- promt: look") << "13:9"
                                          << "needs one of .*\\(did you mean 'prompt'\\?\\)";
        QTest::newRow("missing name") << replaced("name: minimal\n", "") << "1:1" << "missing required key 'name'";
        QTest::newRow("missing stack") << QByteArray("halab: 1\nname: x\n") << "1:1" << "missing required key 'stack'";
        QTest::newRow("missing check title") << replaced("    title: the only check\n", "") << "10:5"
                                             << "check 'one' is missing required key 'title'";
        QTest::newRow("wrong type: steps") << replaced("    steps:\n      - prompt: look at it\n", "    steps: 3\n") << "12:12"
                                           << "'steps' in check 'one' must be a list";
        QTest::newRow("wrong type: command") << replaced("command: [nginx]", "command: {a: b}") << "7:16"
                                             << "must be a list, got a mapping";
        QTest::newRow("wrong format version") << replaced("halab: 1", "halab: 2") << "1:8" << "unsupported lab format version 2";
        QTest::newRow("bad duration 5x") << replaced("      - prompt: look at it\n", "      - wait: 5x\n") << "13:15"
                                         << "bad duration '5x'";
        QTest::newRow("duration without unit") << replaced("      - prompt: look at it\n", "      - wait: 5\n") << "13:15"
                                               << "duration '5' has no unit";
        QTest::newRow("unknown service") << replaced("      - prompt: look at it\n", "      - fault: { action: kill, service: wbe }\n")
                                         << "13:41" << "unknown service 'wbe' \\(did you mean 'web'\\?\\)";
        QTest::newRow("unknown fault action") << replaced("      - prompt: look at it\n", "      - fault: { action: kil, service: web }\n")
                                              << "13:26" << "unknown fault action 'kil'.*did you mean 'kill'";
        QTest::newRow("two targets") << replaced("      - prompt: look at it\n", "      - fault: { action: kill, service: web, role: leader }\n")
                                     << "13:16" << "needs exactly one target";
        QTest::newRow("duplicate check id") << QByteArray(base + "  - id: one\n    title: again\n") << "14:9"
                                            << "duplicate check id 'one' \\(first used at .*:10:5\\)";
        QTest::newRow("duplicate key") << replaced("name: minimal\n", "name: minimal\nname: again\n") << "3:1"
                                       << "duplicate key 'name'";
        QTest::newRow("unknown reference") << replaced("      - prompt: look at it\n", "      - http: \"${lbb}/health\"\n")
                                           << "13:15" << "unknown name '\\$\\{lbb\\}'";
        QTest::newRow("secret on argv") << QByteArray(replaced("      - prompt: look at it\n", "      - command: [curl, \"${KEY}\"]\n") + "secrets: [KEY]\n")
                                        << "13:25" << "secret '\\$\\{KEY\\}' must not appear in a command line";
        QTest::newRow("unknown metric") << QByteArray(base + "    expect: [\"availabilty_pct >= 99\"]\n") << "14:14"
                                        << "unknown metric 'availabilty_pct'.*did you mean 'availability_pct'";
        QTest::newRow("bad expectation") << QByteArray(base + "    expect: [\"availability_pct is high\"]\n") << "14:14"
                                         << "must read 'metric op number'";
        QTest::newRow("unknown check in readiness") << QByteArray(base + "readiness:\n  - { id: r, name: R, checks_pass: [onee] }\n")
                                                    << "15:37" << "unknown check 'onee' \\(did you mean 'one'\\?\\)";
        QTest::newRow("unknown probe in wait") << replaced("      - prompt: look at it\n", "      - wait: { until: { probe_ok: lb }, timeout: 5s }\n")
                                               << "13:36" << "unknown probe 'lb'";
        QTest::newRow("until without timeout") << replaced("      - prompt: look at it\n", "      - wait: { until: leader_changed }\n")
                                               << "13:15" << "needs a 'timeout'";
        QTest::newRow("unset mark") << replaced("      - prompt: look at it\n", "      - log_scan: { services: [web], pattern: x, since: T0 }\n")
                                    << "13:57" << "'since: T0' .* names no mark";
        QTest::newRow("dependency cycle") << replaced("      command: [nginx]\n", "      command: [nginx]\n      depends_on: [web]\n")
                                          << "6:5" << "depends on 'web', which depends back on it";
        QTest::newRow("unknown backend") << replaced("backend: processes", "backend: processs") << "4:12"
                                         << "unknown stack backend 'processs'.*did you mean 'processes'";
        QTest::newRow("compose without files") << replaced("backend: processes", "backend: compose") << "4:3"
                                               << "a compose stack needs 'files'";
        QTest::newRow("invalid regex") << replaced("json: /holder", "regex: '(unclosed'") << "8:55" << "not a valid regular expression";
        QTest::newRow("role without decision") << replaced(", json: /holder, leader_if_equals: web", "") << "8:13"
                                               << "must say how to tell the leader";
        QTest::newRow("matrix row without expect_status")
            << replaced("      - prompt: look at it\n", "      - matrix:\n          - { url: \"http://127.0.0.1:1/\" }\n") << "14:13"
            << "missing required key 'expect_status'";
        QTest::newRow("not YAML") << QByteArray("halab: 1\nname: [unclosed\n") << "3:1" << "not valid YAML";
        QTest::newRow("empty file") << QByteArray("") << "1:1" << "the lab file is empty";
        QTest::newRow("scalar root") << QByteArray("just words") << "1:1" << "the lab file must be a mapping";
    }

    void brokenLabs()
    {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, location);
        QFETCH(QString, message);
        const LabParser::Result r = LabParser::parseText(yaml, QStringLiteral("broken.halab.yaml"));
        QVERIFY2(!r.ok(), "a broken lab parsed without errors");
        QStringList all;
        for (const LabDiagnostic &d : r.errors)
            all << d.toString();
        const QRegularExpression re(QStringLiteral("^broken\\.halab\\.yaml:") + location + QStringLiteral(": .*") + message);
        bool found = false;
        for (const QString &line : std::as_const(all))
            found = found || re.match(line).hasMatch();
        QVERIFY2(found, qPrintable(QStringLiteral("expected %1: /%2/, got:\n").arg(location, message) + all.join(QLatin1Char('\n'))));
    }

    void missingFileSaysSo()
    {
        const LabParser::Result r = LabParser::parseFile(QStringLiteral("/nonexistent/lab.halab.yaml"));
        QCOMPARE(r.errors.size(), 1);
        QVERIFY(r.errors.first().message.contains(QLatin1String("cannot read the lab file")));
    }
};

QTEST_GUILESS_MAIN(TestLabParser)
#include "tst_labparser.moc"
