// The "done when": halab-cli runs the example lab's isolate-leader check on three real
// etcd members in three real namespaces; the run's JSON shows a new leader in the majority within
// the lab's bound, the isolated member failing writes, convergence after the heal with 0 keys
// lost, and nothing (namespaces, links, rules) left after the run — also when the CLI is
// SIGKILLed mid-partition and started again. Needs root and etcd; skips with the reason.
#include "hostnetwork.h"
#include "labparser.h"
#include "networkledger.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

namespace {
const QString kLab = QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/examples/etcd-partition.halab.yaml");
const QString kCli = QStringLiteral(HALAB_BIN_DIR "/halab-cli");
constexpr int RunTimeoutMs = 240000;

QStringList namespacesOf(qint64 pid)
{
    QStringList out;
    const QString prefix = QStringLiteral("halab-%1").arg(pid);
    const QStringList names = QDir(HostNetwork::NamespaceDir).entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot);
    for (const QString &n : names)
        if (n.startsWith(prefix + QLatin1Char('-')) || n.startsWith(prefix + QLatin1Char('.')) || n.startsWith(prefix + QLatin1Char('x')))
            out.append(n);
    return out;
}

bool linkOf(qint64 pid)
{
    return QFileInfo::exists(QStringLiteral("/sys/class/net/halab%1").arg(pid));
}

int consoleRules(const QString &ns)
{
    QProcess p;
    p.start(QStringLiteral("ip"), {QStringLiteral("netns"), QStringLiteral("exec"), ns, QStringLiteral("iptables"), QStringLiteral("-w"),
                                   QStringLiteral("-S"), HostNetwork::InputChain});
    if (!p.waitForFinished(20000) || p.exitCode() != 0)
        return 0;
    int rules = 0;
    const QList<QByteArray> lines = p.readAllStandardOutput().split('\n');
    for (const QByteArray &l : lines)
        rules += l.startsWith("-A ") ? 1 : 0;
    return rules;
}

QJsonObject step(const QJsonObject &check, int index)
{
    return check.value(QStringLiteral("steps")).toArray().at(index).toObject();
}
} // namespace

class TestEtcdPartition : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void isolatedLeaderShowsInTheRunJson();
    void killedMidPartitionIsCleanedAtNextStart();

private:
    QProcessEnvironment environment() const;
    QTemporaryDir m_data;
};

void TestEtcdPartition::initTestCase()
{
    if (const QString missing = HostNetwork::missingRequirements(); !missing.isEmpty())
        QSKIP(qPrintable(missing));
    if (QStandardPaths::findExecutable(QStringLiteral("etcd")).isEmpty() || QStandardPaths::findExecutable(QStringLiteral("etcdctl")).isEmpty())
        QSKIP("etcd and etcdctl are not installed (sudo apt-get install etcd-server etcd-client)");
    QVERIFY(QFileInfo(kCli).isExecutable());
    QVERIFY(m_data.isValid());
}

QProcessEnvironment TestEtcdPartition::environment() const
{
    // The console's ledgers, run store and etcd data dirs live in this test's own directory.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_DATA_HOME"), m_data.path() + QStringLiteral("/data"));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    return env;
}

void TestEtcdPartition::isolatedLeaderShowsInTheRunJson()
{
    const QString json = m_data.path() + QStringLiteral("/run.json");
    QProcess cli;
    cli.setProcessEnvironment(environment());
    cli.start(kCli, {QStringLiteral("run"), kLab, QStringLiteral("--check"), QStringLiteral("isolate-leader"), QStringLiteral("--json"), json,
                     QStringLiteral("--store"), m_data.path() + QStringLiteral("/runs.db")});
    QVERIFY(cli.waitForFinished(RunTimeoutMs));
    const QString out = QString::fromUtf8(cli.readAllStandardOutput() + cli.readAllStandardError());
    if (cli.exitStatus() != QProcess::NormalExit || cli.exitCode() != 0)
        for (const QString &line : out.split(QLatin1Char('\n'))) // QTest cuts one long message at ~1 KB: a line each
            qInfo("cli: %s", qPrintable(line.left(900)));
    QVERIFY2(cli.exitStatus() == QProcess::NormalExit && cli.exitCode() == 0, "halab-cli run failed: its output is above");

    QFile file(json);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject check = QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("checks")).toArray().at(0).toObject();
    QCOMPARE(check.value(QStringLiteral("verdict")).toString(), QStringLiteral("PASS"));
    const QJsonObject metrics = check.value(QStringLiteral("metrics")).toObject();

    // A new leader in the majority within the lab's own bound.
    const LabParser::Result lab = LabParser::parseFile(kLab);
    QVERIFY(lab.ok());
    double bound = -1;
    for (const Expectation &e : lab.lab.check(QStringLiteral("isolate-leader"))->expectations)
        if (e.metric == QLatin1String("failover_ms"))
            bound = e.bound;
    QVERIFY(bound > 0);
    QVERIFY2(metrics.contains(QStringLiteral("new_leader_ms")), qPrintable(out));
    QVERIFY(metrics.value(QStringLiteral("new_leader_ms")).toDouble() <= bound);
    QVERIFY(metrics.value(QStringLiteral("failover_ms")).toDouble() <= bound);
    QVERIFY(metrics.value(QStringLiteral("partition_ms")).toDouble() > 0);
    QVERIFY(metrics.contains(QStringLiteral("step_down_ms")));
    QVERIFY(metrics.contains(QStringLiteral("converge_ms")));

    // The isolate fault hit the leader of that moment, and the leader changed after it.
    const QJsonArray events = check.value(QStringLiteral("events")).toArray();
    QString leaderBefore, isolated, leaderAfter;
    bool isolatedSeen = false;
    for (const QJsonValue &v : events) {
        const QJsonObject e = v.toObject();
        const QString kind = e.value(QStringLiteral("kind")).toString();
        if (kind == QLatin1String("role_change")) {
            (isolatedSeen ? leaderAfter : leaderBefore) = e.value(QStringLiteral("service")).toString();
            if (isolatedSeen && !leaderAfter.isEmpty())
                break;
        } else if (kind == QLatin1String("fault") && e.value(QStringLiteral("action")).toString() == QLatin1String("isolate")) {
            isolated = e.value(QStringLiteral("service")).toString();
            isolatedSeen = true;
            QVERIFY(e.value(QStringLiteral("detail")).toString().startsWith(QLatin1String("partition [")));
        }
    }
    QCOMPARE(isolated, leaderBefore);
    QVERIFY(!leaderAfter.isEmpty() && leaderAfter != isolated);

    // The isolated member failed the write and the read (steps 5 and 6 expect exit 1), the
    // majority took every write, and after the heal the former leader serves all of them.
    QVERIFY(step(check, 4).value(QStringLiteral("ok")).toBool());
    QCOMPARE(step(check, 4).value(QStringLiteral("status")).toInt(), 1);
    QVERIFY(step(check, 5).value(QStringLiteral("ok")).toBool());
    QCOMPARE(metrics.value(QStringLiteral("written")).toDouble(), 20.0);
    QCOMPARE(metrics.value(QStringLiteral("readback")).toDouble(), 20.0);
    QCOMPARE(metrics.value(QStringLiteral("lost_records")).toDouble(), 0.0);

    // Nothing left: namespaces, the root link, the ledger (rules lived in the namespaces).
    QCOMPARE(namespacesOf(cli.processId()), QStringList());
    QVERIFY(!linkOf(cli.processId()));
    QCOMPARE(NetworkLedger::read(m_data.path() + QStringLiteral("/data/halab/halab/ledger")).size(), 0);
}

void TestEtcdPartition::killedMidPartitionIsCleanedAtNextStart()
{
    QProcess cli;
    cli.setProcessEnvironment(environment());
    cli.start(kCli, {QStringLiteral("run"), kLab, QStringLiteral("--check"), QStringLiteral("isolate-leader"), QStringLiteral("--store"),
                     m_data.path() + QStringLiteral("/runs.db")});
    QVERIFY(cli.waitForStarted());
    const qint64 pid = cli.processId();
    // Mid-partition: the isolate rules are in place in some host's chain.
    const auto partitioned = [pid] {
        for (const QString &ns : namespacesOf(pid))
            if (!ns.endsWith(QLatin1String(".switch")) && consoleRules(ns) > 0)
                return true;
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(partitioned() || cli.state() == QProcess::NotRunning, RunTimeoutMs);
    QVERIFY2(cli.state() == QProcess::Running, qPrintable(QString::fromUtf8(cli.readAll())));
    ::kill(pid_t(pid), SIGKILL);
    QVERIFY(cli.waitForFinished(30000));
    QCOMPARE(namespacesOf(pid).size(), 4); // the kernel keeps them: only the next start removes them
    QVERIFY(linkOf(pid));

    QProcess next;
    next.setProcessEnvironment(environment());
    next.start(kCli, {QStringLiteral("validate"), kLab});
    QVERIFY(next.waitForFinished(60000));
    const QString err = QString::fromUtf8(next.readAllStandardError());
    QCOMPARE(next.exitCode(), 0);
    QVERIFY2(err.contains(QLatin1String("left behind by a console that did not exit cleanly")), qPrintable(err));
    QCOMPARE(namespacesOf(pid), QStringList());
    QVERIFY(!linkOf(pid));
    QCOMPARE(NetworkLedger::read(m_data.path() + QStringLiteral("/data/halab/halab/ledger")).size(), 0);
}

QTEST_GUILESS_MAIN(TestEtcdPartition)
#include "tst_etcdpartition.moc"
