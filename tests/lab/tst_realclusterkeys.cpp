// The lab keys real clusters need (issue 11): the three example labs parse, and user, group,
// once, run_dir, reset and steady waits are read as written or rejected with file:line:col.
#include "labparser.h"

#include <QTest>

class TestRealClusterKeys : public QObject
{
    Q_OBJECT

private:
    static QStringList problems(const LabParser::Result &r)
    {
        QStringList out;
        for (const LabDiagnostic &d : r.errors)
            out << d.toString();
        return out;
    }

private Q_SLOTS:
    void exampleLabsAreValid_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("checks");
        QTest::newRow("patroni") << QStringLiteral("patroni") << 5;
        QTest::newRow("sentinel") << QStringLiteral("sentinel") << 4;
        QTest::newRow("etcd-raft") << QStringLiteral("etcd-raft") << 3;
    }

    void exampleLabsAreValid()
    {
        QFETCH(QString, file);
        QFETCH(int, checks);
        const LabParser::Result r = LabParser::parseFile(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/examples/") + file
                                                         + QStringLiteral(".halab.yaml"));
        QVERIFY2(r.ok(), qPrintable(problems(r).join(QLatin1Char('\n'))));
        QCOMPARE(r.lab.checks.size(), checks);
        QVERIFY(r.lab.stack.runDir.wipeOnUp);
        QVERIFY(!r.lab.reset.isEmpty());
    }

    void keysAreRead()
    {
        const QByteArray yaml = "halab: 1\n"
                                "name: keys\n"
                                "variables: { RUN_BASE: /tmp/x }\n"
                                "stack:\n"
                                "  backend: processes\n"
                                "  run_dir: { path: \"${RUN_BASE}/lab\", wipe: on_up }\n"
                                "  services:\n"
                                "    prep: { once: true, command: [sh, -c, 'echo hi'] }\n"
                                "    db:\n"
                                "      command: [postgres]\n"
                                "      user: postgres\n"
                                "      group: ssl-cert\n"
                                "      depends_on: [prep]\n"
                                "      role: { http: \"http://127.0.0.1:1/primary\", leader_if_status: 200 }\n"
                                "reset:\n"
                                "  - { title: wipe, command: [rm, -rf, \"${RUN_DIR}/db\"], timeout: 5s }\n"
                                "checks:\n"
                                "  - id: c\n"
                                "    title: t\n"
                                "    steps:\n"
                                "      - wait: { until: { steady: leader, for: 10s } }\n"
                                "      - wait: { until: { steady: leader, for: 2s }, timeout: 3s }\n";
        const LabParser::Result r = LabParser::parseText(yaml, QStringLiteral("keys.halab.yaml"));
        QVERIFY2(r.ok(), qPrintable(problems(r).join(QLatin1Char('\n'))));
        QCOMPARE(r.lab.stack.runDir.path, QStringLiteral("${RUN_BASE}/lab"));
        QVERIFY(r.lab.stack.runDir.wipeOnUp);
        QVERIFY(r.lab.stack.service(QStringLiteral("prep"))->once);
        QVERIFY(!r.lab.stack.service(QStringLiteral("db"))->once);
        QCOMPARE(r.lab.stack.service(QStringLiteral("db"))->user, QStringLiteral("postgres"));
        QCOMPARE(r.lab.stack.service(QStringLiteral("db"))->group, QStringLiteral("ssl-cert"));
        QCOMPARE(r.lab.reset.size(), 1);
        QCOMPARE(r.lab.reset.first().kind, StepSpec::Kind::Command);
        QCOMPARE(r.lab.reset.first().timeoutMs, 5000);
        const StepSpec &steady = r.lab.checks.first().steps.at(0);
        QCOMPARE(steady.until.kind, WaitConditionSpec::Kind::Steady);
        QCOMPARE(steady.until.steady, QStringLiteral("leader"));
        QCOMPARE(steady.until.steadyForMs, 10000);
        QCOMPARE(steady.timeoutMs, 10000);
        QCOMPARE(r.lab.checks.first().steps.at(1).timeoutMs, 3000);
    }

    void mistakesAreNamed_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("error");
        const QByteArray head = "halab: 1\nname: bad\nstack:\n  backend: processes\n";
        QTest::newRow("once not bool") << head + "  services:\n    p: { once: yes, command: [x] }\n"
                                       << QStringLiteral("bad.halab.yaml:6:16: 'once' of service 'p' must be true or false, got 'yes'");
        QTest::newRow("once with ready") << head + "  services:\n    p: { once: true, command: [x], ready: { tcp: \"127.0.0.1:1\" } }\n"
                                         << QStringLiteral("bad.halab.yaml:6:43: service 'p' runs once: it is ready when it exits with code 0, so it takes no 'ready' probe");
        QTest::newRow("wipe") << head + "  run_dir: { wipe: always }\n  services:\n    p: { command: [x] }\n"
                              << QStringLiteral("bad.halab.yaml:5:20: unknown 'wipe' 'always' in 'run_dir' of the stack: use on_up or never");
        QTest::newRow("relative path") << head + "  run_dir: { path: run }\n  services:\n    p: { command: [x] }\n"
                                       << QStringLiteral("bad.halab.yaml:5:20: 'path' in 'run_dir' of the stack must be absolute (or start with ${NAME}), got 'run'");
        QTest::newRow("reset wait") << head + "  services:\n    p: { command: [x] }\nreset:\n  - wait: 1s\n"
                                    << QStringLiteral("bad.halab.yaml:8:5: a step of 'reset' must be a 'command' step (it runs without a check: no faults, waits or prompts)");
        QTest::newRow("steady without for")
            << head + "  services:\n    p: { command: [x], role: { http: \"http://127.0.0.1:1/\", leader_if_status: 200 } }\n"
                      "checks:\n  - id: c\n    title: t\n    steps:\n      - wait: { until: { steady: leader } }\n"
            << QStringLiteral("bad.halab.yaml:11:24: 'until' of a 'wait' step of check 'c' needs 'for: DURATION': how long nothing may change");
        QTest::newRow("steady without roles")
            << head + "  services:\n    p: { command: [x] }\n"
                      "checks:\n  - id: c\n    title: t\n    steps:\n      - wait: { until: { steady: leader, for: 1s } }\n"
            << QStringLiteral("bad.halab.yaml:11:34: 'steady: leader' needs a service with a 'role' probe in the stack (else there is never a leader to watch)");
    }

    void mistakesAreNamed()
    {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, error);
        const LabParser::Result r = LabParser::parseText(yaml, QStringLiteral("bad.halab.yaml"));
        QVERIFY2(problems(r).contains(error), qPrintable(problems(r).join(QLatin1Char('\n'))));
    }
};

QTEST_GUILESS_MAIN(TestRealClusterKeys)
#include "tst_realclusterkeys.moc"
