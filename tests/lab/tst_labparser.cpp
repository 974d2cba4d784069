// The lab parser: the bundled demo lab is valid, and a table of broken labs each gets the
// right file:line:column error instead of a crash.
#include "labparser.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
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
        // Ranges, references and sizes (issue 10): each hole a hostile or careless lab could use.
        const auto step = [&](const char *line) { return replaced("      - prompt: look at it\n", line); };
        QTest::newRow("wait overflows: seconds") << step("      - wait: 999999999999999999s\n") << "13:15"
                                                 << "duration '999999999999999999s' is too long: the limit is 168h \\(7 days\\)";
        QTest::newRow("wait overflows: ms") << step("      - wait: 9223372036854775807ms\n") << "13:15"
                                            << "duration '9223372036854775807ms' is too long";
        QTest::newRow("wait just past 7 days") << step("      - wait: 168.001h\n") << "13:15" << "is too long: the limit is 168h";
        QTest::newRow("window overflows") << QByteArray(base + "readiness:\n  - { id: r, name: R, window: 9999999999999999h }\n")
                                          << "15:31" << "'window' in readiness level 'r': duration '9999999999999999h' is too long: the limit is 8784h \\(366 days\\)";
        QTest::newRow("every overflows") << replaced("leader_if_equals: web }", "leader_if_equals: web, every: 99999999999h }")
                                         << "8:93" << "'every' in 'role' of service 'web': duration .* is too long";
        QTest::newRow("timeout of 0") << step("      - { http: \"http://127.0.0.1:1/\", timeout: 0s }\n") << "13:49"
                                      << "'timeout' in a 'http' step of check 'one' must be more than 0";
        QTest::newRow("expect_status -1") << step("      - { http: \"http://127.0.0.1:1/\", expect_status: -1 }\n") << "13:55"
                                          << "'expect_status' in a 'http' step of check 'one' must be an HTTP status from 100 to 599 \\(or 0 for any status\\), got -1";
        QTest::newRow("expect_status 99") << step("      - { http: \"http://127.0.0.1:1/\", expect_status: 99 }\n") << "13:55"
                                          << "must be an HTTP status from 100 to 599.*, got 99";
        QTest::newRow("expect_status too big for an int") << step("      - { http: \"http://127.0.0.1:1/\", expect_status: 99999999999999999999 }\n")
                                                          << "13:55" << "must be a whole number, got '99999999999999999999'";
        QTest::newRow("matrix expect_status 0") << step("      - matrix: [{ url: \"http://127.0.0.1:1/\", expect_status: 0 }]\n") << "13:63"
                                                << "'expect_status' in a row of a 'matrix' step of check 'one' must be an HTTP status from 100 to 599, got 0";
        QTest::newRow("leader_if_status 700") << replaced("json: /holder, leader_if_equals: web", "leader_if_status: 700") << "8:66"
                                              << "'leader_if_status' in 'role' of service 'web' must be an HTTP status from 100 to 599, got 700";
        QTest::newRow("times -5") << replaced("    steps:\n      - prompt: look at it\n",
                                              "    probes: [{ id: p, http: \"http://127.0.0.1:1/\" }]\n    steps:\n      - wait: { until: { probe_ok: p, times: -5 }, timeout: 5s }\n")
                                  << "14:46" << "'times' in 'until' of a 'wait' step of check 'one' must be a count from 1 to 1000000, got -5";
        QTest::newRow("expect_count -5") << step("      - log_scan: { services: [web], pattern: x, expect_count: -5 }\n") << "13:64"
                                         << "'expect_count' in a 'log_scan' step of check 'one' must be a count of 0 or more \\(or -1 for any\\), got -5";
        QTest::newRow("expect_exit 256") << step("      - { command: [\"true\"], expect_exit: 256 }\n") << "13:43"
                                         << "'expect_exit' in a 'command' step of check 'one' must be an exit code from 0 to 255 \\(or -1 for any\\), got 256";
        QTest::newRow("tcp port out of range") << replaced("    steps:\n", "    probes: [{ id: p, tcp: \"127.0.0.1:99999999\" }]\n    steps:\n")
                                               << "12:28" << "port 99999999 in tcp address '127.0.0.1:99999999' is out of range: use 1 to 65535";
        QTest::newRow("URL port 0") << step("      - http: \"http://127.0.0.1:0/\"\n") << "13:15" << "port 0 in URL 'http://127.0.0.1:0/' is out of range";
        QTest::newRow("URL port out of range once substituted")
            << QByteArray(base + "variables:\n  PORT: \"99999999\"\nendpoints:\n  lb: http://127.0.0.1:${PORT}\n") << "17:7"
            << "port 99999999 in URL 'http://127.0.0.1:99999999' is out of range: use 1 to 65535";
        QTest::newRow("tcp port not a number once substituted")
            << QByteArray(replaced("    steps:\n", "    probes: [{ id: p, tcp: \"127.0.0.1:${P}\" }]\n    steps:\n") + "variables: { P: abc }\n")
            << "12:28" << "port 'abc' in tcp address '127.0.0.1:abc' is not a number";
        QTest::newRow("endpoint refers to itself") << QByteArray(base + "endpoints:\n  lb: ${lb}\n") << "15:7"
                                                   << "endpoint 'lb' refers to itself \\(\\$\\{lb\\}\\)";
        QTest::newRow("variables in a cycle") << QByteArray(base + "variables:\n  A: x${B}\n  B: ${C}\n  C: ${A}\n") << "15:6"
                                              << "variables refer to each other in a cycle: A -> B -> C -> A";
        QTest::newRow("unclosed ${") << step("      - http: \"${LB_PORT\"\n") << "13:15" << "unclosed '\\$\\{' in '\\$\\{LB_PORT'";
        {
            QByteArray doubling = base + "variables:\n  A0: " + QByteArray(1000, 'x') + "\n";
            for (int i = 1; i <= 7; ++i)
                doubling += "  A" + QByteArray::number(i) + ": ${A" + QByteArray::number(i - 1) + "}${A" + QByteArray::number(i - 1) + "}\n";
            QTest::newRow("variable grows past 64 KiB") << doubling << "22:7" << "variable 'A7' grows past 64 KiB once its \\$\\{NAME\\} references are replaced";
            QByteArray chain = base + "variables:\n  V0: x\n";
            for (int i = 1; i <= 70; ++i)
                chain += "  V" + QByteArray::number(i) + ": ${V" + QByteArray::number(i - 1) + "}\n";
            QTest::newRow("references nest too deep") << chain << "80:8" << "variable 'V65' nests \\$\\{NAME\\} references more than 64 deep";
        }
        QTest::newRow("file too large") << QByteArray(base + "description: \"" + QByteArray(4 * 1024 * 1024, 'x') + "\"\n") << "1:1"
                                        << "the lab file is too large \\(4.0 MiB\\): a lab file may hold at most 4 MiB";
        QTest::newRow("value too long") << replaced("name: minimal", QByteArray("name: " + QByteArray(70000, 'n')).constData()) << "2:7"
                                        << "a value of 70000 bytes is too long: one value may hold at most 64 KiB";
        {
            QByteArray bomb = base + "description: &a [x, x, x, x, x, x, x, x, x, x]\nx1: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n";
            QByteArray previous = "b";
            for (int i = 2; i <= 9; ++i) {
                const QByteArray name = "c" + QByteArray::number(i);
                bomb += "x" + QByteArray::number(i) + ": &" + name + " [";
                for (int k = 0; k < 10; ++k)
                    bomb += (k ? ", *" : "*") + previous;
                bomb += "]\n";
                previous = name;
            }
            QTest::newRow("alias bomb") << bomb << "19:[0-9]+" << "alias '\\*c4' makes the lab hold more than 500000 values once aliases are expanded";
        }
        QTest::newRow("alias inside its own anchor") << QByteArray(base + "description: &loop [a, *loop]\n") << "14:[0-9]+"
                                                     << "alias '\\*loop' is inside the value it names";
        QTest::newRow("nested too deep") << QByteArray(base + "description: " + QByteArray(1000, '[') + QByteArray(1000, ']') + "\n")
                                         << "14:[0-9]+" << "values are nested hundreds of levels deep";
        QTest::newRow("expectation number overflows") << QByteArray(base + "    expect: [\"steps_failed < 1" + QByteArray(400, '0') + "\"]\n")
                                                      << "14:14" << "the number is too large";
        QTest::newRow("long key quoted short") << replaced("name: minimal\n", QByteArray("name: minimal\n" + QByteArray(1000, 'k') + ": 1\n").constData())
                                               << "3:1" << "unknown key 'k{60}…' \\(1000 characters\\) in the lab file$";
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

    void rangeEdgesAreValid()
    {
        // The limits are inclusive, and documented "no expectation" values (0, -1) stay accepted.
        const QByteArray lab = "halab: 1\n"
                               "name: edges\n"
                               "variables: { LOW: \"1\", HIGH: \"65535\" }\n"
                               "endpoints: { lb: \"http://[::1]:${HIGH}\", user: \"http://u:p@127.0.0.1:${LOW}/x\" }\n"
                               "stack:\n"
                               "  backend: processes\n"
                               "  services:\n"
                               "    web:\n"
                               "      command: [nginx]\n"
                               "      env: &env { A: b }\n"
                               "      ready: { tcp: \"[::1]:${LOW}\", every: 168h, timeout: 168h }\n"
                               "      role: { http: \"${lb}/\", leader_if_status: 599 }\n"
                               "      stop_grace: 0s\n"
                               "    other: { command: [x], env: *env }\n"
                               "checks:\n"
                               "  - id: one\n"
                               "    title: edges\n"
                               "    probes: [{ id: p, http: \"${user}\", expect_status: 0, every: 10ms }]\n"
                               "    steps:\n"
                               "      - wait: 168h\n"
                               "      - wait: { until: { probe_ok: p, times: 1000000 }, timeout: 1ms }\n"
                               "      - { http: \"${lb}/\", expect_status: 100 }\n"
                               "      - { command: [\"true\"], expect_exit: -1 }\n"
                               "      - { command: [\"true\"], expect_exit: 255 }\n"
                               "      - log_scan: { services: [web], pattern: x, expect_count: -1 }\n"
                               "      - log_scan: { services: [web], pattern: x, expect_count: 0 }\n"
                               "      - matrix: [{ url: \"http://127.0.0.1:65535\", expect_status: 599 }]\n"
                               "    expect: [\"failover_ms <= 100000h\"]\n"
                               "readiness:\n"
                               "  - { id: r, name: R, window: 8784h }\n";
        const LabParser::Result r = LabParser::parseText(lab, QStringLiteral("edges.halab.yaml"));
        QStringList problems;
        for (const LabDiagnostic &d : r.errors)
            problems << d.toString();
        QVERIFY2(r.ok(), qPrintable(problems.join(QLatin1Char('\n'))));
        QCOMPARE(r.lab.readiness.first().windowMs, 8784LL * 3600 * 1000);
        QCOMPARE(r.lab.checks.first().steps.first().durationMs, 168LL * 3600 * 1000);
        QCOMPARE(r.lab.checks.first().expectations.first().bound, 100000.0 * 3600 * 1000); // a bound is not a wait: no 7-day limit
        QCOMPARE(r.lab.stack.service(QStringLiteral("other"))->env.value(QStringLiteral("A")), QStringLiteral("b"));
    }

    void overridesAreCheckedLikeTheFile()
    {
        // `--set` values are range-checked where the variable is used, and a name the lab does not
        // declare is an error instead of a silently ignored typo.
        const QByteArray lab = "halab: 1\n"
                               "name: sets\n"
                               "variables: { LB_PORT: \"18080\" }\n"
                               "endpoints: { lb: \"http://127.0.0.1:${LB_PORT}\" }\n"
                               "stack:\n"
                               "  backend: processes\n"
                               "  services:\n"
                               "    web: { command: [nginx] }\n"
                               "checks:\n"
                               "  - { id: one, title: one, steps: [ { http: \"${lb}/\" } ] }\n";
        QVERIFY(LabParser::parseText(lab, QStringLiteral("sets.halab.yaml")).ok());
        const auto problems = [&lab](const QMap<QString, QString> &sets) {
            QStringList all;
            for (const LabDiagnostic &d : LabParser::parseText(lab, QStringLiteral("sets.halab.yaml"), QString(), sets).errors)
                all << d.toString();
            return all;
        };
        QCOMPARE(problems({{QStringLiteral("LB_PORT"), QStringLiteral("18081")}, {QStringLiteral("RUN_DIR"), QStringLiteral("/tmp/x")}}), QStringList());
        QCOMPARE(problems({{QStringLiteral("LB_PORT"), QStringLiteral("99999999")}}),
                 QStringList{QStringLiteral("sets.halab.yaml:4:18: port 99999999 in URL 'http://127.0.0.1:99999999' is out of range: "
                                            "use 1 to 65535 (from --set LB_PORT=99999999)")});
        QCOMPARE(problems({{QStringLiteral("LB_PORT"), QStringLiteral("http")}}).size(), 1);
        QCOMPARE(problems({{QStringLiteral("LB_PROT"), QStringLiteral("1")}}),
                 QStringList{QStringLiteral("--set LB_PROT: the lab declares no variable 'LB_PROT' (did you mean 'LB_PORT'?): "
                                            "--set changes only names under 'variables'")});
    }

    void tooManyProblemsAreSummedUp()
    {
        QByteArray lab = minimalLab();
        for (int i = 0; i < LabParser::kMaxProblems + 50; ++i)
            lab += "unknown" + QByteArray::number(i) + ": 1\n";
        const LabParser::Result r = LabParser::parseText(lab, QStringLiteral("many.halab.yaml"));
        QCOMPARE(r.errors.size(), LabParser::kMaxProblems + 1);
        QCOMPARE(r.errors.last().message, QStringLiteral("50 more problems from here on are not shown: fix these first"));
        QCOMPARE(r.errors.last().where.line, 14 + LabParser::kMaxProblems);
    }

    void hugeFileIsRefusedWithoutReadingIt()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile big(dir.filePath(QStringLiteral("big.halab.yaml")));
        QVERIFY(big.open(QIODevice::WriteOnly));
        QVERIFY(big.write(minimalLab()) > 0);
        QVERIFY(big.resize(50 * 1024 * 1024)); // sparse: the parser must stop at the limit, not read 50 MB
        big.close();
        const LabParser::Result r = LabParser::parseFile(big.fileName());
        QCOMPARE(r.errors.size(), 1);
        QCOMPARE(r.errors.first().toString(), big.fileName() + QStringLiteral(":1:1: the lab file is too large (50.0 MiB): a lab file may hold at most 4 MiB"));
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
