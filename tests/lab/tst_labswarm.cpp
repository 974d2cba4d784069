// The swarm backend in the lab format: a valid swarm lab parses to the right specs (task, scale,
// drain / activate), the bundled demo-swarm lab is valid, and each mistake gets its
// file:line:column error.
#include "labparser.h"

#include <QTest>

namespace {
QByteArray swarmLab(const QByteArray &steps, const QByteArray &backend = "swarm")
{
    return "halab: 1\n"
           "name: swarm\n"
           "stack:\n"
           "  backend: " + backend + "\n"
           "  project: shop\n"
           "  files: [stack.yml]\n"
           "  services:\n"
           "    web: {role: {http: 'http://127.0.0.1:8080/role', leader_if_status: 200}}\n"
           "    db:\n"
           "checks:\n"
           "  - id: c\n"
           "    title: t\n"
           "    steps:\n"
           + steps;
}

QString errorsOf(const LabParser::Result &r)
{
    QStringList out;
    for (const LabDiagnostic &d : r.errors)
        out << d.toString();
    return out.join(QLatin1Char('\n'));
}
} // namespace

class TestLabSwarm : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validLab()
    {
        const LabParser::Result r = LabParser::parseText(swarmLab("      - fault: {action: kill, service: web, task: any}\n"
                                                                  "      - fault: {action: stop, service: web, task: 2}\n"
                                                                  "      - fault: {action: pause, role: leader}\n"
                                                                  "      - fault: {action: scale, service: db, replicas: 3}\n"
                                                                  "      - fault: {action: drain, node: node-b}\n"
                                                                  "      - fault: {action: activate, node: node-b}\n"
                                                                  "      - fault: {action: kill, task: any}\n"),
                                                         QStringLiteral("swarm.yaml"));
        QVERIFY2(r.ok(), qPrintable(errorsOf(r)));
        QCOMPARE(r.lab.stack.backend, StackSpec::Backend::Swarm);
        QVERIFY(r.lab.stack.containerized());
        QCOMPARE(r.lab.stack.project, QStringLiteral("shop"));
        const QList<StepSpec> &s = r.lab.checks.first().steps;
        QCOMPARE(s.at(0).task, QStringLiteral("any"));
        QCOMPARE(s.at(0).service, QStringLiteral("web"));
        QCOMPARE(s.at(1).task, QStringLiteral("2"));
        QCOMPARE(s.at(2).role, StepSpec::Role::Leader);
        QCOMPARE(s.at(3).action, StepSpec::FaultAction::Scale);
        QCOMPARE(s.at(3).replicas, 3);
        QCOMPARE(StepSpec::actionText(s.at(3).action), QStringLiteral("scale"));
        QCOMPARE(s.at(4).action, StepSpec::FaultAction::Drain);
        QCOMPARE(s.at(4).node, QStringLiteral("node-b"));
        QCOMPARE(s.at(5).action, StepSpec::FaultAction::Activate);
        QCOMPARE(s.at(6).role, StepSpec::Role::Any); // any task of any service
        QCOMPARE(s.at(6).task, QStringLiteral("any"));
        QVERIFY(LabParser::knownMetrics().contains(QStringLiteral("reschedule_ms")));
    }

    void remoteSwarmEngine()
    {
        // The lab's `docker:` names the swarm's manager as it names a compose stack's engine.
        QByteArray yaml = swarmLab("      - wait: 1s\n");
        yaml.replace("stack:\n", "docker: {host: 'ssh://ops@manager1'}\nstack:\n");
        const LabParser::Result r = LabParser::parseText(yaml, QStringLiteral("swarm.yaml"));
        QVERIFY2(r.ok(), qPrintable(errorsOf(r)));
        QCOMPARE(r.lab.stack.docker.host, QStringLiteral("ssh://ops@manager1"));
    }

    void bundledLabs_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("demo-swarm") << QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo-swarm.halab.yaml");
        QTest::newRow("two-node test lab") << QStringLiteral(HALAB_TEST_DATA_DIR "/swarm-nodes.halab.yaml");
    }

    void bundledLabs()
    {
        QFETCH(QString, file);
        const LabParser::Result r = LabParser::parseFile(file);
        QVERIFY2(r.ok(), qPrintable(errorsOf(r)));
        QCOMPARE(r.lab.stack.backend, StackSpec::Backend::Swarm);
    }

    void mistakes_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("error");
        QTest::newRow("unknown backend names swarm")
            << swarmLab("      - wait: 1s\n", "swarn") << QStringLiteral("swarm.yaml:4:12: unknown stack backend 'swarn': use 'processes', 'compose' or 'swarm' (did you mean 'swarm'?)");
        QTest::newRow("drain on compose")
            << swarmLab("      - fault: {action: drain, node: b}\n", "compose") << QStringLiteral("swarm.yaml:14:25: 'action: drain' in a 'fault' step of check 'c' needs 'backend: swarm' in the stack");
        QTest::newRow("task on compose")
            << swarmLab("      - fault: {action: kill, service: web, task: any}\n", "compose") << QStringLiteral("'task' in a 'fault' step of check 'c' picks a task of a swarm service");
        QTest::newRow("task not a slot")
            << swarmLab("      - fault: {action: kill, service: web, task: first}\n") << QStringLiteral("swarm.yaml:14:51: 'task' in a 'fault' step of check 'c' must be 'any' or a slot number (1, 2, ...), got 'first'");
        QTest::newRow("task slot 0")
            << swarmLab("      - fault: {action: kill, service: web, task: 0}\n") << QStringLiteral("must be 'any' or a slot number");
        QTest::newRow("task on start")
            << swarmLab("      - fault: {action: start, service: web, task: 1}\n") << QStringLiteral("'task' in a 'fault' step of check 'c' applies to kill, stop and pause");
        QTest::newRow("scale without replicas")
            << swarmLab("      - fault: {action: scale, service: web}\n") << QStringLiteral("swarm.yaml:14:16: 'action: scale' in a 'fault' step of check 'c' needs 'replicas: N'");
        QTest::newRow("replicas not a number")
            << swarmLab("      - fault: {action: scale, service: web, replicas: two}\n") << QStringLiteral("'replicas' in a 'fault' step of check 'c' must be a whole number >= 0, got 'two'");
        QTest::newRow("replicas on kill")
            << swarmLab("      - fault: {action: kill, service: web, replicas: 2}\n") << QStringLiteral("'replicas' in a 'fault' step of check 'c' only applies to 'action: scale'");
        QTest::newRow("drain without node")
            << swarmLab("      - fault: {action: drain}\n") << QStringLiteral("'action: drain' in a 'fault' step of check 'c' needs 'node: NAME'");
        QTest::newRow("drain with a service")
            << swarmLab("      - fault: {action: drain, node: b, service: web}\n") << QStringLiteral("acts on a node: name it with 'node', not 'service' or 'role'");
        QTest::newRow("node on kill")
            << swarmLab("      - fault: {action: kill, service: web, node: b}\n") << QStringLiteral("'node' in a 'fault' step of check 'c' only applies to 'action: drain' and 'action: activate'");
        QTest::newRow("scale unknown service")
            << swarmLab("      - fault: {action: scale, service: wbe, replicas: 1}\n") << QStringLiteral("wbe");
        QTest::newRow("swarm without files")
            << QByteArray("halab: 1\nname: x\nstack: {backend: swarm, services: {a: }}\n")
            << QStringLiteral("x.yaml:3:8: a swarm stack needs 'files': the compose file(s) 'docker stack deploy' reads");
        QTest::newRow("swarm stack name")
            << QByteArray("halab: 1\nname: x\nstack: {backend: swarm, project: 'my shop', files: [s.yml], services: {a: }}\n")
            << QStringLiteral("x.yaml:3:34: 'project' of a swarm stack is its stack name");
        QTest::newRow("command on swarm")
            << QByteArray("halab: 1\nname: x\nstack: {backend: swarm, files: [s.yml], services: {a: {command: [x]}}}\n")
            << QStringLiteral("'command' is for the processes backend");
    }

    void mistakes()
    {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, error);
        const LabParser::Result r = LabParser::parseText(yaml, yaml.contains("name: swarm") ? QStringLiteral("swarm.yaml") : QStringLiteral("x.yaml"));
        QVERIFY(!r.ok());
        QVERIFY2(errorsOf(r).contains(error), qPrintable(errorsOf(r)));
    }
};

QTEST_GUILESS_MAIN(TestLabSwarm)
#include "tst_labswarm.moc"
