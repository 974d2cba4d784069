// Lab hosts as real network namespaces: addresses, reachability, partitions, one-way cuts,
// random loss, heal, teardown and the clean-up after a console crash. No mock of the network:
// real namespaces, veth pairs, a bridge and iptables; traffic stays inside the namespaces this
// test made (10.213.0.0/16). Needs root or CAP_NET_ADMIN + CAP_SYS_ADMIN; skips with the reason.
#include "childprocesssetup.h"
#include "hostnetwork.h"
#include "namespacelaunch.h"
#include "namespacesockets.h"
#include "networkcleaner.h"
#include "networkfaultresolver.h"
#include "networkledger.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include <sys/stat.h>

using namespace NamespaceSockets;

namespace {
constexpr int CommandTimeoutMs = 30000;

QStringList namespacesWithPrefix(const QString &prefix)
{
    QStringList out;
    const QStringList names = QDir(HostNetwork::NamespaceDir).entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot);
    for (const QString &n : names)
        if (n.startsWith(prefix + QLatin1Char('-')) || n.startsWith(prefix + QLatin1Char('.')))
            out.append(n);
    return out;
}

bool linkExists(const QString &name)
{
    return QFileInfo::exists(QStringLiteral("/sys/class/net/") + name);
}

// The console's own rules in a host namespace (iptables -S lines of its chains minus the -N lines).
int ruleCount(const QString &ns)
{
    int count = 0;
    for (const QString &chain : {HostNetwork::InputChain, HostNetwork::OutputChain}) {
        QProcess p;
        p.start(QStringLiteral("ip"), {QStringLiteral("netns"), QStringLiteral("exec"), ns, QStringLiteral("iptables"),
                                       QStringLiteral("-w"), QStringLiteral("-S"), chain});
        if (!p.waitForFinished(CommandTimeoutMs) || p.exitCode() != 0)
            return -1;
        const QList<QByteArray> lines = p.readAllStandardOutput().split('\n');
        for (const QByteArray &l : lines)
            if (l.startsWith("-A "))
                ++count;
    }
    return count;
}
} // namespace

class TestHostNetwork : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void rulesOfEachFault();
    void stepsResolveToHosts();
    void hostsReachEachOther();
    void processStartsInsideItsHost();
    void partitionCutsExactlyTheCutPairs();
    void oneWayCutsOneDirection();
    void lossDropsAFraction();
    void hostLinkLossCutsTheConsoleToo();
    void delayNamesWhatIsMissing();
    void healRestoresEverything();
    void teardownLeavesNothing();
    void crashedConsoleIsCleanedAtNextStart();
    void withoutPrivilegeSaysWhatIsMissing();
    void cleanupTestCase();

private:
    bool bringUp();
    bool applyAndWait(const NetworkFault &fault, QString *error = nullptr);
    bool healAndWait();
    QString ns(const QString &host) const { return m_network->namespacePath(host); }
    QString addr(const QString &host) const { return m_network->address(host); }

    QString m_privilegeMissing;
    QTemporaryDir m_ledgerDir;
    std::unique_ptr<HostNetwork> m_network;
    QMap<QString, int> m_listeners; // host -> TCP listener in its namespace
    quint16 m_port = 0;
};

void TestHostNetwork::initTestCase()
{
    QVERIFY(m_ledgerDir.isValid());
    m_privilegeMissing = HostNetwork::missingRequirements();
}

void TestHostNetwork::rulesOfEachFault()
{
    const QMap<QString, QString> a{{QStringLiteral("n1"), QStringLiteral("10.213.9.11")},
                                   {QStringLiteral("n2"), QStringLiteral("10.213.9.12")},
                                   {QStringLiteral("n3"), QStringLiteral("10.213.9.13")}};
    NetworkFault partition;
    partition.groups = {{QStringLiteral("n1")}, {QStringLiteral("n2"), QStringLiteral("n3")}};
    QString error;
    const QList<NetworkRule> cut = partition.rules(a, &error);
    QVERIFY(error.isEmpty());
    // n1 drops n2 and n3; n2 and n3 each drop n1; n2 and n3 keep talking.
    QCOMPARE(cut.size(), 4);
    QVERIFY(cut.contains(NetworkRule{QStringLiteral("n1"), HostNetwork::InputChain,
                                     {QStringLiteral("-s"), QStringLiteral("10.213.9.13"), QStringLiteral("-j"), QStringLiteral("DROP")}}));
    QVERIFY(cut.contains(NetworkRule{QStringLiteral("n3"), HostNetwork::InputChain,
                                     {QStringLiteral("-s"), QStringLiteral("10.213.9.11"), QStringLiteral("-j"), QStringLiteral("DROP")}}));
    QCOMPARE(partition.describe(), QStringLiteral("partition [n1] | [n2 n3]"));

    NetworkFault oneWay;
    oneWay.kind = NetworkFault::Kind::OneWay;
    oneWay.from = {QStringLiteral("n1")};
    oneWay.to = {QStringLiteral("n2"), QStringLiteral("n3")};
    const QList<NetworkRule> oneWayRules = oneWay.rules(a);
    QCOMPARE(oneWayRules.size(), 2);
    for (const NetworkRule &r : oneWayRules)
        QCOMPARE(r.match.value(1), QStringLiteral("10.213.9.11"));

    NetworkFault loss;
    loss.kind = NetworkFault::Kind::Link;
    loss.between = {QStringLiteral("n1"), QStringLiteral("n2")};
    loss.loss = 0.3;
    const QList<NetworkRule> lossRules = loss.rules(a);
    QCOMPARE(lossRules.size(), 2);
    QVERIFY(lossRules.first().match.contains(QStringLiteral("statistic")));
    QVERIFY(lossRules.first().match.contains(QStringLiteral("0.300")));
    QCOMPARE(loss.describe(), QStringLiteral("link between n1 and n2 loss 30%"));

    NetworkFault unknown;
    unknown.groups = {{QStringLiteral("n1")}, {QStringLiteral("n9")}};
    unknown.rules(a, &error);
    QCOMPARE(error, QStringLiteral("unknown host(s): n9"));
}

void TestHostNetwork::stepsResolveToHosts()
{
    StackSpec stack;
    for (int i = 1; i <= 3; ++i) {
        ServiceSpec s;
        s.name = QStringLiteral("e%1").arg(i);
        s.host = QStringLiteral("n%1").arg(i);
        stack.services.append(s);
    }
    ServiceSpec console;
    console.name = QStringLiteral("tool");
    stack.services.append(console);
    const QStringList hosts{QStringLiteral("n1"), QStringLiteral("n2"), QStringLiteral("n3")};
    const auto leaderIsE2 = [](const QString &role) { return role == QLatin1String("leader") ? QStringLiteral("e2") : QString(); };
    QString error;

    NetworkStepSpec isolate;
    isolate.kind = NetworkStepSpec::Kind::Isolate;
    isolate.role = QStringLiteral("leader");
    std::optional<NetworkFault> f = NetworkFaultResolver::resolve(isolate, stack, hosts, leaderIsE2, &error);
    QVERIFY2(f, qPrintable(error));
    QCOMPARE(f->kind, NetworkFault::Kind::Partition);
    QCOMPARE(f->groups, (QList<QStringList>{{QStringLiteral("n2")}, {QStringLiteral("n1"), QStringLiteral("n3")}}));

    isolate.role = QStringLiteral("replica");
    QVERIFY(!NetworkFaultResolver::resolve(isolate, stack, hosts, leaderIsE2, &error));
    QCOMPARE(error, QStringLiteral("no service holds the role 'replica' now"));

    NetworkStepSpec partition;
    partition.kind = NetworkStepSpec::Kind::Partition;
    partition.groups = {{QStringLiteral("e1")}, {QStringLiteral("n2"), QStringLiteral("e3")}};
    f = NetworkFaultResolver::resolve(partition, stack, hosts, leaderIsE2, &error);
    QVERIFY(f);
    QCOMPARE(f->groups, (QList<QStringList>{{QStringLiteral("n1")}, {QStringLiteral("n2"), QStringLiteral("n3")}}));
    partition.groups = {{QStringLiteral("e1")}, {QStringLiteral("n1")}};
    QVERIFY(!NetworkFaultResolver::resolve(partition, stack, hosts, leaderIsE2, &error));
    QCOMPARE(error, QStringLiteral("host 'n1' is in two groups (through its services)"));
    partition.groups = {{QStringLiteral("tool")}, {QStringLiteral("n1")}};
    QVERIFY(!NetworkFaultResolver::resolve(partition, stack, hosts, leaderIsE2, &error));
    QCOMPARE(error, QStringLiteral("'tool' is neither a lab host nor a service on one"));

    NetworkStepSpec link;
    link.kind = NetworkStepSpec::Kind::Link;
    link.role = QStringLiteral("leader");
    link.loss = 0.3;
    f = NetworkFaultResolver::resolve(link, stack, hosts, leaderIsE2, &error);
    QVERIFY(f);
    QCOMPARE(f->hosts, QStringList{QStringLiteral("n2")});
    QCOMPARE(f->loss, 0.3);
    link.role.clear();
    link.between = {QStringLiteral("e1"), QStringLiteral("n3")};
    f = NetworkFaultResolver::resolve(link, stack, hosts, leaderIsE2, &error);
    QVERIFY(f);
    QCOMPARE(f->between, (QStringList{QStringLiteral("n1"), QStringLiteral("n3")}));

    NetworkStepSpec oneWay;
    oneWay.kind = NetworkStepSpec::Kind::OneWay;
    oneWay.from = {QStringLiteral("e3")};
    oneWay.to = {QStringLiteral("n1"), QStringLiteral("e1")};
    f = NetworkFaultResolver::resolve(oneWay, stack, hosts, leaderIsE2, &error);
    QVERIFY(f);
    QCOMPARE(f->from, QStringList{QStringLiteral("n3")});
    QCOMPARE(f->to, QStringList{QStringLiteral("n1")});
}

bool TestHostNetwork::bringUp()
{
    if (m_network && m_network->isUp())
        return true;
    m_network = std::make_unique<HostNetwork>(m_ledgerDir.path());
    QSignalSpy up(m_network.get(), &HostNetwork::upFinished);
    m_network->up({QStringLiteral("n1"), QStringLiteral("n2"), QStringLiteral("n3")});
    if (!up.wait(CommandTimeoutMs) || !up.first().at(0).toBool()) {
        qWarning() << "up failed:" << (up.isEmpty() ? QStringLiteral("timeout") : up.first().at(1).toString());
        return false;
    }
    // The same port on every host: each host is a machine of its own.
    m_port = 0;
    for (const QString &h : m_network->hosts()) {
        const int fd = bound(ns(h), SOCK_STREAM, addr(h), m_port);
        if (fd < 0)
            return false;
        m_port = portOf(fd);
        m_listeners.insert(h, fd);
    }
    return true;
}

bool TestHostNetwork::applyAndWait(const NetworkFault &fault, QString *error)
{
    QSignalSpy applied(m_network.get(), &HostNetwork::faultApplied);
    m_network->apply(fault);
    if (!applied.wait(CommandTimeoutMs))
        return false;
    if (error)
        *error = applied.first().at(2).toString();
    return applied.first().at(1).toBool();
}

bool TestHostNetwork::healAndWait()
{
    QSignalSpy healed(m_network.get(), &HostNetwork::healed);
    m_network->heal();
    return healed.wait(CommandTimeoutMs) && healed.first().at(0).toBool();
}

void TestHostNetwork::hostsReachEachOther()
{
    if (!m_privilegeMissing.isEmpty())
        QSKIP(qPrintable(m_privilegeMissing));
    QVERIFY(bringUp());
    const QStringList hosts = m_network->hosts();
    QCOMPARE(namespacesWithPrefix(m_network->prefix()).size(), 4); // 3 hosts + the switch
    QVERIFY(linkExists(m_network->rootLink()));
    QCOMPARE(QSet<QString>(m_network->addresses().cbegin(), m_network->addresses().cend()).size(), 3);
    QVERIFY(m_network->subnet().startsWith(QStringLiteral("10.213.")));

    // Every namespace and link is in the ledger.
    const QList<NetworkLedger::Entry> ledger = NetworkLedger(m_ledgerDir.path()).entries();
    int namespaces = 0, links = 0;
    for (const NetworkLedger::Entry &e : ledger) {
        namespaces += e.kind == NetworkLedger::Namespace;
        links += e.kind == NetworkLedger::Link;
    }
    QCOMPARE(namespaces, 4);
    QCOMPARE(links, 1);

    for (const QString &to : hosts) {
        QVERIFY2(tcpConnects(QString(), addr(to), m_port), qPrintable(QStringLiteral("console -> %1").arg(to)));
        for (const QString &from : hosts)
            QVERIFY2(tcpConnects(ns(from), addr(to), m_port), qPrintable(QStringLiteral("%1 -> %2").arg(from, to)));
    }
    // Each host's loopback is its own: n1's 127.0.0.1 is not the console's.
    const int local = bound(ns(QStringLiteral("n1")), SOCK_STREAM, QStringLiteral("127.0.0.1"), 0);
    QVERIFY(local >= 0);
    QVERIFY(tcpConnects(ns(QStringLiteral("n1")), QStringLiteral("127.0.0.1"), portOf(local)));
    QVERIFY(!tcpConnects(ns(QStringLiteral("n2")), QStringLiteral("127.0.0.1"), portOf(local), 300));
    ::close(local);
}

void TestHostNetwork::processStartsInsideItsHost()
{
    if (!m_privilegeMissing.isEmpty())
        QSKIP(qPrintable(m_privilegeMissing));
    QVERIFY(bringUp());
    struct stat n2{};
    QCOMPARE(::stat(qPrintable(ns(QStringLiteral("n2"))), &n2), 0);
    QProcess p;
    ChildProcessSetup::apply(&p); // the namespace joins the console's usual child setup
    NamespaceLaunch launch;
    QString error;
    QVERIFY2(launch.prepare(&p, ns(QStringLiteral("n2")), &error), qPrintable(error));
    p.start(QStringLiteral("readlink"), {QStringLiteral("/proc/self/ns/net")});
    launch.release();
    QVERIFY(p.waitForFinished(CommandTimeoutMs));
    QCOMPARE(p.exitCode(), 0);
    QCOMPARE(QString::fromLatin1(p.readAllStandardOutput()).trimmed(), QStringLiteral("net:[%1]").arg(n2.st_ino));

    // A host that is gone is an error before anything starts, not a process in the wrong network.
    QProcess q;
    QVERIFY(!launch.prepare(&q, HostNetwork::NamespaceDir + QStringLiteral("/halab-nonexistent"), &error));
    QVERIFY2(error.contains(QLatin1String("cannot open network namespace")), qPrintable(error));
}

void TestHostNetwork::partitionCutsExactlyTheCutPairs()
{
    if (!m_privilegeMissing.isEmpty())
        QSKIP(qPrintable(m_privilegeMissing));
    QVERIFY(bringUp());
    NetworkFault partition;
    partition.id = QStringLiteral("p1");
    partition.groups = {{QStringLiteral("n1")}, {QStringLiteral("n2"), QStringLiteral("n3")}};
    QString error;
    QVERIFY2(applyAndWait(partition, &error), qPrintable(error));
    QCOMPARE(m_network->activeFaults().size(), 1);

    const QSet<QPair<QString, QString>> cut{{QStringLiteral("n1"), QStringLiteral("n2")}, {QStringLiteral("n2"), QStringLiteral("n1")},
                                            {QStringLiteral("n1"), QStringLiteral("n3")}, {QStringLiteral("n3"), QStringLiteral("n1")}};
    for (const QString &from : m_network->hosts())
        for (const QString &to : m_network->hosts()) {
            if (from == to)
                continue;
            const bool blocked = cut.contains({from, to});
            QCOMPARE(tcpConnects(ns(from), addr(to), m_port), !blocked);
        }
    // The console still sees every side: it observes, it is not part of the cluster.
    for (const QString &h : m_network->hosts())
        QVERIFY(tcpConnects(QString(), addr(h), m_port));

    // The rules are in the ledger with their fault, before heal removes them.
    int rules = 0;
    const QList<NetworkLedger::Entry> ledger = NetworkLedger(m_ledgerDir.path()).entries();
    for (const NetworkLedger::Entry &e : ledger)
        rules += e.kind == NetworkLedger::Rule && e.fault == QLatin1String("p1");
    QCOMPARE(rules, 4);
    QCOMPARE(ruleCount(m_network->namespaceName(QStringLiteral("n1"))), 2);

    QSignalSpy undone(m_network.get(), &HostNetwork::faultUndone);
    m_network->undo(QStringLiteral("p1"));
    QVERIFY(undone.wait(CommandTimeoutMs));
    QVERIFY2(undone.first().at(1).toBool(), qPrintable(undone.first().at(2).toString()));
    QVERIFY(m_network->activeFaults().isEmpty());
    QVERIFY(tcpConnects(ns(QStringLiteral("n1")), addr(QStringLiteral("n2")), m_port));
    QVERIFY(tcpConnects(ns(QStringLiteral("n3")), addr(QStringLiteral("n1")), m_port));
    for (const QString &h : m_network->hosts())
        QCOMPARE(ruleCount(m_network->namespaceName(h)), 0);
}

void TestHostNetwork::oneWayCutsOneDirection()
{
    if (!m_privilegeMissing.isEmpty())
        QSKIP(qPrintable(m_privilegeMissing));
    QVERIFY(bringUp());
    const int atN1 = bound(ns(QStringLiteral("n1")), SOCK_DGRAM, addr(QStringLiteral("n1")), 0);
    const int atN2 = bound(ns(QStringLiteral("n2")), SOCK_DGRAM, addr(QStringLiteral("n2")), 0);
    QVERIFY(atN1 >= 0 && atN2 >= 0);

    NetworkFault oneWay;
    oneWay.id = QStringLiteral("ow");
    oneWay.kind = NetworkFault::Kind::OneWay;
    oneWay.from = {QStringLiteral("n1")};
    oneWay.to = {QStringLiteral("n2")};
    QString error;
    QVERIFY2(applyAndWait(oneWay, &error), qPrintable(error));

    QCOMPARE(udpDelivered(ns(QStringLiteral("n1")), atN2, addr(QStringLiteral("n2")), 20), 0);
    QCOMPARE(udpDelivered(ns(QStringLiteral("n2")), atN1, addr(QStringLiteral("n1")), 20), 20);
    // n3 is not part of the cut.
    QCOMPARE(udpDelivered(ns(QStringLiteral("n3")), atN2, addr(QStringLiteral("n2")), 20), 20);

    QVERIFY(healAndWait());
    QCOMPARE(udpDelivered(ns(QStringLiteral("n1")), atN2, addr(QStringLiteral("n2")), 20), 20);
    ::close(atN1);
    ::close(atN2);
}

void TestHostNetwork::lossDropsAFraction()
{
    if (!m_privilegeMissing.isEmpty())
        QSKIP(qPrintable(m_privilegeMissing));
    QVERIFY(bringUp());
    const int atN2 = bound(ns(QStringLiteral("n2")), SOCK_DGRAM, addr(QStringLiteral("n2")), 0);
    const int atN1 = bound(ns(QStringLiteral("n1")), SOCK_DGRAM, addr(QStringLiteral("n1")), 0);
    QVERIFY(atN1 >= 0 && atN2 >= 0);

    NetworkFault loss;
    loss.id = QStringLiteral("loss");
    loss.kind = NetworkFault::Kind::Link;
    loss.between = {QStringLiteral("n1"), QStringLiteral("n2")};
    loss.loss = 0.3;
    QString error;
    QVERIFY2(applyAndWait(loss, &error), qPrintable(error));

    // 400 datagrams at 30 % loss: 280 expected, standard deviation ~9; the bounds are > 8 sigma.
    constexpr int Sent = 400;
    const int there = udpDelivered(ns(QStringLiteral("n1")), atN2, addr(QStringLiteral("n2")), Sent);
    const int back = udpDelivered(ns(QStringLiteral("n2")), atN1, addr(QStringLiteral("n1")), Sent);
    qInfo("30%% loss: %d/%d and %d/%d delivered", there, Sent, back, Sent);
    QVERIFY2(there >= 200 && there <= 355, qPrintable(QString::number(there)));
    QVERIFY2(back >= 200 && back <= 355, qPrintable(QString::number(back)));
    // Only that link is lossy.
    QCOMPARE(udpDelivered(ns(QStringLiteral("n3")), atN2, addr(QStringLiteral("n2")), Sent), Sent);

    QVERIFY(healAndWait());
    QCOMPARE(udpDelivered(ns(QStringLiteral("n1")), atN2, addr(QStringLiteral("n2")), Sent), Sent);
    ::close(atN1);
    ::close(atN2);
}

void TestHostNetwork::hostLinkLossCutsTheConsoleToo()
{
    if (!m_privilegeMissing.isEmpty())
        QSKIP(qPrintable(m_privilegeMissing));
    QVERIFY(bringUp());
    NetworkFault dead;
    dead.id = QStringLiteral("deadlink");
    dead.kind = NetworkFault::Kind::Link;
    dead.hosts = {QStringLiteral("n3")};
    dead.loss = 1.0;
    QString error;
    QVERIFY2(applyAndWait(dead, &error), qPrintable(error));
    QVERIFY(!tcpConnects(QString(), addr(QStringLiteral("n3")), m_port, 500));
    QVERIFY(!tcpConnects(ns(QStringLiteral("n1")), addr(QStringLiteral("n3")), m_port, 500));
    QVERIFY(tcpConnects(ns(QStringLiteral("n1")), addr(QStringLiteral("n2")), m_port));
    // n3's own loopback is not its link.
    QVERIFY(tcpConnects(ns(QStringLiteral("n3")), addr(QStringLiteral("n3")), m_port));
    QVERIFY(healAndWait());
    QVERIFY(tcpConnects(QString(), addr(QStringLiteral("n3")), m_port));
}

void TestHostNetwork::delayNamesWhatIsMissing()
{
    if (!m_privilegeMissing.isEmpty())
        QSKIP(qPrintable(m_privilegeMissing));
    QVERIFY(bringUp());
    NetworkFault delay;
    delay.id = QStringLiteral("delay");
    delay.kind = NetworkFault::Kind::Link;
    delay.hosts = {QStringLiteral("n1")};
    delay.delayMs = 100;
    QString error;
    const bool applied = applyAndWait(delay, &error);
    if (applied) {
        // A kernel with netem: the qdisc is in place and in the ledger until heal.
        QVERIFY(healAndWait());
    } else {
        QVERIFY2(error.contains(QLatin1String("netem")), qPrintable(error));
        QVERIFY2(error.contains(QLatin1String("sch_netem")), qPrintable(error));
        QVERIFY(m_network->activeFaults().isEmpty());
    }
    const QList<NetworkLedger::Entry> ledger = NetworkLedger(m_ledgerDir.path()).entries();
    for (const NetworkLedger::Entry &e : ledger)
        QVERIFY(e.kind != NetworkLedger::Qdisc);
}

void TestHostNetwork::healRestoresEverything()
{
    if (!m_privilegeMissing.isEmpty())
        QSKIP(qPrintable(m_privilegeMissing));
    QVERIFY(bringUp());
    NetworkFault a;
    a.id = QStringLiteral("a");
    a.groups = {{QStringLiteral("n1"), QStringLiteral("n2")}, {QStringLiteral("n3")}};
    NetworkFault b;
    b.id = QStringLiteral("b");
    b.kind = NetworkFault::Kind::OneWay;
    b.from = {QStringLiteral("n2")};
    b.to = {QStringLiteral("n1")};
    QVERIFY(applyAndWait(a));
    QVERIFY(applyAndWait(b));
    QCOMPARE(m_network->activeFaults().size(), 2);
    QVERIFY(!tcpConnects(ns(QStringLiteral("n3")), addr(QStringLiteral("n1")), m_port, 500));
    QVERIFY(!tcpConnects(ns(QStringLiteral("n2")), addr(QStringLiteral("n1")), m_port, 500));

    QVERIFY(healAndWait());
    QVERIFY(m_network->activeFaults().isEmpty());
    for (const QString &from : m_network->hosts())
        for (const QString &to : m_network->hosts())
            QVERIFY2(tcpConnects(ns(from), addr(to), m_port), qPrintable(QStringLiteral("%1 -> %2").arg(from, to)));
    for (const QString &h : m_network->hosts())
        QCOMPARE(ruleCount(m_network->namespaceName(h)), 0);
    const QList<NetworkLedger::Entry> ledger = NetworkLedger(m_ledgerDir.path()).entries();
    for (const NetworkLedger::Entry &e : ledger)
        QVERIFY(e.kind != NetworkLedger::Rule);
}

void TestHostNetwork::teardownLeavesNothing()
{
    if (!m_privilegeMissing.isEmpty())
        QSKIP(qPrintable(m_privilegeMissing));
    QVERIFY(bringUp());
    NetworkFault partition;
    partition.id = QStringLiteral("left-in-place");
    partition.groups = {{QStringLiteral("n1")}, {QStringLiteral("n2")}};
    QVERIFY(applyAndWait(partition));
    for (const int fd : std::as_const(m_listeners))
        ::close(fd);
    m_listeners.clear();

    const QString prefix = m_network->prefix();
    const QString link = m_network->rootLink();
    QSignalSpy down(m_network.get(), &HostNetwork::downFinished);
    m_network->down();
    QVERIFY(down.wait(CommandTimeoutMs));
    QVERIFY2(down.first().at(0).toBool(), qPrintable(down.first().at(1).toString()));
    QVERIFY(!m_network->isUp());
    QCOMPARE(namespacesWithPrefix(prefix), QStringList());
    QVERIFY(!linkExists(link));
    // Only the subnet stays reserved (the stack's ${host} addresses were resolved with it) ...
    const QList<NetworkLedger::Entry> left = NetworkLedger(m_ledgerDir.path()).entries();
    QCOMPARE(left.size(), 1);
    QCOMPARE(left.first().kind, NetworkLedger::Subnet);
    // ... until the network object goes.
    m_network.reset();
    QCOMPARE(NetworkLedger(m_ledgerDir.path()).entries().size(), 0);
}

void TestHostNetwork::crashedConsoleIsCleanedAtNextStart()
{
    if (!m_privilegeMissing.isEmpty())
        QSKIP(qPrintable(m_privilegeMissing));
    QTemporaryDir ledgerDir;
    QProcess holder;
    holder.start(QStringLiteral(HALAB_BIN_DIR "/network_holder"),
                 {ledgerDir.path(), QStringLiteral("n1"), QStringLiteral("n2"), QStringLiteral("n3")});
    QVERIFY(holder.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(holder.canReadLine() || holder.state() == QProcess::NotRunning, CommandTimeoutMs);
    const QString line = QString::fromUtf8(holder.readLine()).trimmed();
    QVERIFY2(line.startsWith(QLatin1String("READY ")), qPrintable(line + QString::fromUtf8(holder.readAllStandardError())));
    const QString prefix = line.section(QLatin1Char(' '), 1, 1);
    const QString link = line.section(QLatin1Char(' '), 2, 2);
    QCOMPARE(namespacesWithPrefix(prefix).size(), 4);
    QVERIFY(linkExists(link));
    QCOMPARE(ruleCount(prefix + QStringLiteral("-n1")), 2);

    ::kill(pid_t(holder.processId()), SIGKILL);
    QVERIFY(holder.waitForFinished(CommandTimeoutMs));
    // Nothing removes them but the next start: the kernel keeps namespaces with bind mounts.
    QCOMPARE(namespacesWithPrefix(prefix).size(), 4);
    QVERIFY(!NetworkLedger::leftovers(ledgerDir.path()).isEmpty());

    NetworkCleaner cleaner(ledgerDir.path());
    const QStringList plan = cleaner.plan();
    QVERIFY2(plan.contains(QStringLiteral("namespace %1-n1").arg(prefix)), qPrintable(plan.join(QLatin1Char('\n'))));
    QVERIFY2(plan.contains(QStringLiteral("link %1").arg(link)), qPrintable(plan.join(QLatin1Char('\n'))));
    QSignalSpy finished(&cleaner, &NetworkCleaner::finished);
    cleaner.start();
    QVERIFY(finished.wait(CommandTimeoutMs));
    QVERIFY2(finished.first().at(1).toString().isEmpty(), qPrintable(finished.first().at(1).toString()));
    QVERIFY(finished.first().at(0).toInt() >= 5); // 4 namespaces + the link (+ rules)
    QCOMPARE(namespacesWithPrefix(prefix), QStringList());
    QVERIFY(!linkExists(link));
    QCOMPARE(NetworkLedger::read(ledgerDir.path()).size(), 0);
    QCOMPARE(NetworkCleaner(ledgerDir.path()).plan(), QStringList());
}

void TestHostNetwork::withoutPrivilegeSaysWhatIsMissing()
{
    if (::geteuid() != 0)
        QSKIP("dropping privilege for this case needs root");
    const QString setpriv = QStandardPaths::findExecutable(QStringLiteral("setpriv"));
    if (setpriv.isEmpty())
        QSKIP("setpriv (util-linux) is not installed");
    QTemporaryDir ledgerDir;
    QFile::setPermissions(ledgerDir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner
                                                | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther);
    QProcess holder;
    // Same program, as nobody with no capabilities: it must refuse with the reason, make nothing.
    holder.start(setpriv, {QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"), QStringLiteral("--clear-groups"),
                           QStringLiteral("--inh-caps=-all"), QStringLiteral(HALAB_BIN_DIR "/network_holder"), ledgerDir.path(),
                           QStringLiteral("n1"), QStringLiteral("n2")});
    QVERIFY(holder.waitForFinished(CommandTimeoutMs));
    const QString out = QString::fromUtf8(holder.readAllStandardOutput());
    if (holder.exitCode() == 126 || holder.exitCode() == 127)
        QSKIP(qPrintable(QStringLiteral("nobody cannot run the test binary here: ") + QString::fromUtf8(holder.readAllStandardError())));
    QCOMPARE(holder.exitCode(), 1);
    QVERIFY2(out.contains(QLatin1String("FAILED: lab hosts are network namespaces: run the console as root")), qPrintable(out));
    QVERIFY2(out.contains(QLatin1String("CAP_NET_ADMIN")), qPrintable(out));
    QCOMPARE(NetworkLedger::read(ledgerDir.path()).size(), 0);
}

void TestHostNetwork::cleanupTestCase()
{
    for (const int fd : std::as_const(m_listeners))
        ::close(fd);
    if (m_network && m_network->isUp()) {
        QSignalSpy down(m_network.get(), &HostNetwork::downFinished);
        m_network->down();
        down.wait(CommandTimeoutMs);
    }
}

QTEST_GUILESS_MAIN(TestHostNetwork)
#include "tst_hostnetwork.moc"
