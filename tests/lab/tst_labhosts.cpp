// Lab hosts and network-fault steps in the lab format: a valid lab parses to the right specs,
// and each mistake gets its file:line:column error.
#include "labparser.h"

#include <QTest>

namespace {
// Three hosts, one service on each, and every network step; `extra` lands under the steps.
QByteArray hostsLab(const QByteArray &steps = QByteArray(), const QByteArray &serviceExtra = QByteArray())
{
    return "halab: 1\n"
           "name: hosts\n"
           "hosts: {n1: {}, n2: {}, n3: {}}\n"
           "variables:\n"
           "  CLUSTER: \"e1=http://${n1}:2380,e2=http://${n2}:2380\"\n"
           "stack:\n"
           "  backend: processes\n"
           "  services:\n"
           "    e1: {command: [etcd, --listen-client-urls, \"http://${n1}:2379\"], host: n1}\n"
           "    e2: {command: [etcd], host: n2}\n"
           "    e3: {command: [etcd], host: n3, role: {command: [sh, -c, 'echo leader']}}\n"
           "    tool: {command: [sleep, '1000']" + serviceExtra + "}\n"
           "checks:\n"
           "  - id: c\n"
           "    title: cut\n"
           "    probes: [{id: seen, command: [etcdctl, endpoint, health], from: n3}]\n"
           "    steps:\n"
           + (steps.isEmpty() ? QByteArray("      - heal: all\n") : steps);
}

QString errorsOf(const LabParser::Result &r)
{
    QStringList out;
    for (const LabDiagnostic &d : r.errors)
        out << d.toString();
    return out.join(QLatin1Char('\n'));
}
} // namespace

class TestLabHosts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validLab()
    {
        const LabParser::Result r = LabParser::parseText(hostsLab("      - partition: {groups: [[n1], [e2, n3]]}\n"
                                                                  "      - partition: {from: [n1], to: [n2]}\n"
                                                                  "      - isolate: {role: leader}\n"
                                                                  "      - isolate: {service: e2}\n"
                                                                  "      - link: {between: [n1, n2], loss: 30%}\n"
                                                                  "      - link: {host: n3, delay: 100ms, loss: 2.5%}\n"
                                                                  "      - heal:\n"
                                                                  "      - command: [etcdctl, endpoint, health]\n"
                                                                  "        from: n2\n"),
                                                         QStringLiteral("hosts.yaml"));
        QVERIFY2(r.ok(), qPrintable(errorsOf(r)));
        QCOMPARE(r.lab.hosts.size(), 3);
        QCOMPARE(r.lab.hosts.at(1).name, QStringLiteral("n2"));
        QCOMPARE(r.lab.stack.service(QStringLiteral("e1"))->host, QStringLiteral("n1"));
        QVERIFY(r.lab.stack.service(QStringLiteral("tool"))->host.isEmpty());
        QCOMPARE(r.lab.checks.first().probes.first().fromHost, QStringLiteral("n3"));
        const QList<StepSpec> &steps = r.lab.checks.first().steps;
        QCOMPARE(steps.size(), 8);
        for (int i = 0; i < 7; ++i)
            QCOMPARE(steps.at(i).kind, StepSpec::Kind::Network);
        QCOMPARE(steps.at(0).network.kind, NetworkStepSpec::Kind::Partition);
        QCOMPARE(steps.at(0).network.groups, (QList<QStringList>{{QStringLiteral("n1")}, {QStringLiteral("e2"), QStringLiteral("n3")}}));
        QCOMPARE(steps.at(0).network.text(), QStringLiteral("partition [n1] | [e2 n3]"));
        QCOMPARE(steps.at(1).network.kind, NetworkStepSpec::Kind::OneWay);
        QCOMPARE(steps.at(1).network.from, QStringList{QStringLiteral("n1")});
        QCOMPARE(steps.at(1).network.to, QStringList{QStringLiteral("n2")});
        QCOMPARE(steps.at(2).network.kind, NetworkStepSpec::Kind::Isolate);
        QCOMPARE(steps.at(2).network.role, QStringLiteral("leader"));
        QCOMPARE(steps.at(3).network.service, QStringLiteral("e2"));
        QCOMPARE(steps.at(4).network.kind, NetworkStepSpec::Kind::Link);
        QCOMPARE(steps.at(4).network.loss, 0.3);
        QCOMPARE(steps.at(4).network.text(), QStringLiteral("link between n1 and n2: loss 30%"));
        QCOMPARE(steps.at(5).network.host, QStringLiteral("n3"));
        QCOMPARE(steps.at(5).network.delayMs, 100);
        QCOMPARE(steps.at(5).network.loss, 0.025);
        QCOMPARE(steps.at(6).network.kind, NetworkStepSpec::Kind::Heal);
        QCOMPARE(steps.at(7).fromHost, QStringLiteral("n2"));
    }

    void mistakes_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<QString>("error");
        QTest::newRow("unknown host on a service")
            << hostsLab({}, ", host: n9") << QStringLiteral("hosts.yaml:12:");
        QTest::newRow("unknown host on a service says which")
            << hostsLab({}, ", host: n9") << QStringLiteral("names unknown host 'n9'");
        QTest::newRow("partition of one group")
            << hostsLab("      - partition: {groups: [[n1, n2]]}\n") << QStringLiteral("hosts.yaml:18:29: 'groups' in a 'partition' step of check 'c' must be a list of at least two groups");
        QTest::newRow("member in two groups")
            << hostsLab("      - partition: {groups: [[n1], [n1, n2]]}\n") << QStringLiteral("hosts.yaml:18:37: 'n1' is in two groups");
        QTest::newRow("unknown member")
            << hostsLab("      - partition: {groups: [[n1], [n7]]}\n") << QStringLiteral("names 'n7', which is neither a host nor a service (did you mean 'n1'?)");
        QTest::newRow("service on no host")
            << hostsLab("      - partition: {groups: [[n1], [tool]]}\n") << QStringLiteral("service 'tool' runs on no host: give it 'host: NAME'");
        QTest::newRow("groups and from")
            << hostsLab("      - partition: {groups: [[n1], [n2]], from: [n1]}\n") << QStringLiteral("needs either 'groups");
        QTest::newRow("one-way without to")
            << hostsLab("      - partition: {from: [n1]}\n") << QStringLiteral("needs both 'from' and 'to'");
        QTest::newRow("isolate without target")
            << hostsLab("      - isolate: {}\n") << QStringLiteral("needs a target: 'host: NAME', 'service: NAME' or 'role:");
        QTest::newRow("isolate unknown role")
            << hostsLab("      - isolate: {role: leeder}\n") << QStringLiteral("unknown role 'leeder'");
        QTest::newRow("loss without percent")
            << hostsLab("      - link: {between: [n1, n2], loss: 30}\n") << QStringLiteral("hosts.yaml:18:41: 'loss' in a 'link' step of check 'c' must be a percentage above 0 and at most 100, like 30%, got '30'");
        QTest::newRow("loss above 100")
            << hostsLab("      - link: {host: n1, loss: 130%}\n") << QStringLiteral("must be a percentage above 0");
        QTest::newRow("link with nothing to do")
            << hostsLab("      - link: {host: n1}\n") << QStringLiteral("needs 'loss: 30%' and/or 'delay: 100ms'");
        QTest::newRow("between three")
            << hostsLab("      - link: {between: [n1, n2, n3], loss: 5%}\n") << QStringLiteral("names exactly two members");
        QTest::newRow("delay between")
            << hostsLab("      - link: {between: [n1, n2], delay: 10ms}\n") << QStringLiteral("'delay' in a 'link' step of check 'c' applies to one member's own link");
        QTest::newRow("heal with settings")
            << hostsLab("      - heal: {groups: []}\n") << QStringLiteral("takes no settings");
        QTest::newRow("from on an http probe")
            << hostsLab({}, ", ready: {http: 'http://${n1}:2379/health', from: n2}") << QStringLiteral("works with commands only");
        QTest::newRow("from on a role probe")
            << hostsLab({}, ", role: {command: [x], from: n2}") << QStringLiteral("'from' in 'role' of service 'tool': ready and role probes run from the console");
        QTest::newRow("from unknown host")
            << hostsLab("      - command: [true]\n        from: n8\n") << QStringLiteral("'from' in a 'command' step of check 'c' names unknown host 'n8'");
        QTest::newRow("unknown ${host}")
            << hostsLab("      - command: [echo, '${n4}']\n") << QStringLiteral("unknown name '${n4}'");
        QTest::newRow("bad host name")
            << QByteArray("halab: 1\nname: x\nhosts: {N1: {}}\nstack: {services: {a: {command: [x]}}}\n")
            << QStringLiteral("x.yaml:3:9: host name 'N1' must be lower-case");
        QTest::newRow("hosts not a mapping")
            << QByteArray("halab: 1\nname: x\nhosts: [n1, n2]\nstack: {services: {a: {command: [x]}}}\n")
            << QStringLiteral("x.yaml:3:8: 'hosts' must be a mapping of host name to its settings");
        QTest::newRow("host settings unknown")
            << QByteArray("halab: 1\nname: x\nhosts: {n1: {cpu: 2}}\nstack: {services: {a: {command: [x]}}}\n")
            << QStringLiteral("unknown key 'cpu' in host 'n1'");
        QTest::newRow("host named like a variable")
            << QByteArray("halab: 1\nname: x\nvariables: {n1: a}\nhosts: {n1: {}}\nstack: {services: {a: {command: [x]}}}\n")
            << QStringLiteral("host 'n1' has the name of a variable or endpoint");
        QTest::newRow("network step without hosts")
            << QByteArray("halab: 1\nname: x\nstack: {services: {a: {command: [x]}}}\nchecks:\n  - id: c\n    title: t\n    steps:\n      - heal: all\n")
            << QStringLiteral("x.yaml:8:9: a 'heal' step of check 'c' cuts the network between hosts: declare them under 'hosts'");
        QTest::newRow("host on compose")
            << QByteArray("halab: 1\nname: x\nhosts: {n1: {}}\nstack: {backend: compose, files: [c.yml], services: {a: {host: n1}}}\n")
            << QStringLiteral("hosts are for the processes backend");
    }

    void mistakes()
    {
        QFETCH(QByteArray, yaml);
        QFETCH(QString, error);
        const bool isHostsLab = yaml.contains("name: hosts");
        const LabParser::Result r = LabParser::parseText(yaml, isHostsLab ? QStringLiteral("hosts.yaml") : QStringLiteral("x.yaml"));
        QVERIFY(!r.ok());
        QVERIFY2(errorsOf(r).contains(error), qPrintable(errorsOf(r)));
    }
};

QTEST_GUILESS_MAIN(TestLabHosts)
#include "tst_labhosts.moc"
