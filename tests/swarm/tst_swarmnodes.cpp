// A real two-node swarm: two dockerds, each in a network namespace this test makes (manager
// halab-mgr, worker halab-wkr), joined by a veth pair between those namespaces only (no traffic
// leaves them). halab-cli drains the worker (tests/data/swarm-nodes.halab.yaml): its task runs
// on the manager again, reschedule_ms in the run JSON. Then the worker's dockerd is SIGKILLed
// and the test measures the swarm's reaction: when the manager marks the node down, and when
// both replicas run on the manager. Everything is removed after: daemons by pid, the
// containers a killed daemon left, mounts, namespaces, directories.
#include "testswarm.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace TestSwarm;

namespace {
const QString ManagerAddress = QStringLiteral("10.213.0.1");
const QString WorkerAddress = QStringLiteral("10.213.0.2");

QJsonObject checkOf(const QJsonObject &run, const QString &id)
{
    const QJsonArray checks = run.value(QStringLiteral("checks")).toArray();
    for (const QJsonValue &c : checks)
        if (c.toObject().value(QStringLiteral("id")).toString() == id)
            return c.toObject();
    return {};
}
} // namespace

class TestSwarmNodes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void drainMovesTasksToManager();
    void workerDaemonKilled();

private:
    QStringList runningNodes(const QString &service) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Netns> m_managerNs;
    std::unique_ptr<Netns> m_workerNs;
    std::unique_ptr<Dockerd> m_manager;
    std::unique_ptr<Dockerd> m_worker;
    QElapsedTimer m_clock;
};

void TestSwarmNodes::initTestCase()
{
    m_clock.start();
    const QString missing = missingPrerequisites();
    if (!missing.isEmpty())
        QSKIP(qPrintable(missing));
    m_dir = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/hsn-XXXXXX"));
    QVERIFY(m_dir->isValid());
    const qint64 pid = ::getpid();
    m_managerNs = std::make_unique<Netns>(QStringLiteral("halab-swm-%1").arg(pid));
    m_workerNs = std::make_unique<Netns>(QStringLiteral("halab-sww-%1").arg(pid));
    QString error;
    QVERIFY2(m_managerNs->create(&error), qPrintable(error));
    QVERIFY2(m_workerNs->create(&error), qPrintable(error));
    // One veth pair, one end in each namespace: the nodes reach each other and nothing else.
    const QString m = QStringLiteral("hsm%1").arg(pid), w = QStringLiteral("hsw%1").arg(pid);
    ToolResult r = runTool(QStringLiteral("ip"), {QStringLiteral("link"), QStringLiteral("add"), m, QStringLiteral("netns"), m_managerNs->name(),
                                                  QStringLiteral("type"), QStringLiteral("veth"), QStringLiteral("peer"), QStringLiteral("name"), w,
                                                  QStringLiteral("netns"), m_workerNs->name()});
    QVERIFY2(r.ok, qPrintable(r.out));
    for (const auto &[ns, dev, addr] : {std::make_tuple(m_managerNs.get(), m, ManagerAddress), std::make_tuple(m_workerNs.get(), w, WorkerAddress)}) {
        r = ns->exec({QStringLiteral("ip"), QStringLiteral("addr"), QStringLiteral("add"), addr + QStringLiteral("/30"), QStringLiteral("dev"), dev});
        QVERIFY2(r.ok, qPrintable(r.out));
        r = ns->exec({QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("set"), dev, QStringLiteral("up")});
        QVERIFY2(r.ok, qPrintable(r.out));
    }
    m_manager = std::make_unique<Dockerd>(m_dir->path() + QStringLiteral("/mgr"), m_managerNs->path(), QStringLiteral("halab-mgr"));
    m_worker = std::make_unique<Dockerd>(m_dir->path() + QStringLiteral("/wkr"), m_workerNs->path(), QStringLiteral("halab-wkr"));
    QVERIFY2(m_manager->start(&error), qPrintable(error));
    QVERIFY2(m_worker->start(&error), qPrintable(error));
    qInfo("both dockerds ready after %lld ms (pids %lld, %lld)", m_clock.elapsed(), m_manager->pid(), m_worker->pid());

    r = m_manager->docker({QStringLiteral("swarm"), QStringLiteral("init"), QStringLiteral("--advertise-addr"), ManagerAddress,
                           QStringLiteral("--listen-addr"), ManagerAddress + QStringLiteral(":2377")});
    QVERIFY2(r.ok, qPrintable(r.out));
    r = m_manager->docker({QStringLiteral("swarm"), QStringLiteral("join-token"), QStringLiteral("-q"), QStringLiteral("worker")});
    QVERIFY2(r.ok, qPrintable(r.out));
    const QString token = r.out.trimmed();
    r = m_worker->docker({QStringLiteral("swarm"), QStringLiteral("join"), QStringLiteral("--token"), token, QStringLiteral("--advertise-addr"),
                          WorkerAddress, QStringLiteral("--listen-addr"), WorkerAddress + QStringLiteral(":2377"),
                          ManagerAddress + QStringLiteral(":2377")});
    QVERIFY2(r.ok, qPrintable(r.out));
    QTRY_VERIFY_WITH_TIMEOUT(m_manager->docker({QStringLiteral("node"), QStringLiteral("ls"), QStringLiteral("--format"), QStringLiteral("{{.Hostname}} {{.Status}}")})
                                 .out.count(QStringLiteral(" Ready")) == 2, 60000);
    qInfo("worker joined after %lld ms", m_clock.elapsed());
    for (const Dockerd *d : {m_manager.get(), m_worker.get()}) {
        const ToolResult images = makeImages(*d); // nothing is pulled: every node imports its own
        QVERIFY2(images.ok, qPrintable(images.out));
    }
    qInfo("images on both nodes after %lld ms", m_clock.elapsed());
}

QStringList TestSwarmNodes::runningNodes(const QString &service) const
{
    const ToolResult r = m_manager->docker({QStringLiteral("service"), QStringLiteral("ps"), QStringLiteral("--filter"), QStringLiteral("desired-state=running"),
                                            QStringLiteral("--format"), QStringLiteral("{{.Node}} {{.CurrentState}}"), service}, 15000);
    QStringList nodes;
    for (const QString &line : r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (line.section(QLatin1Char(' '), 1, 1) == QLatin1String("Running"))
            nodes.append(line.section(QLatin1Char(' '), 0, 0));
    nodes.sort();
    return nodes;
}

void TestSwarmNodes::drainMovesTasksToManager()
{
    const QString data = m_dir->path() + QStringLiteral("/cli");
    QDir().mkpath(data);
    QProcessEnvironment env = m_manager->environment();
    env.insert(QStringLiteral("XDG_DATA_HOME"), data);
    QElapsedTimer run;
    run.start();
    const ToolResult r = runTool(QStringLiteral(HALAB_BIN_DIR "/halab-cli"),
                                 {QStringLiteral("run"), QStringLiteral(HALAB_TEST_DATA_DIR "/swarm-nodes.halab.yaml"),
                                  QStringLiteral("--store"), data + QStringLiteral("/runs.db"), QStringLiteral("--json"), data + QStringLiteral("/run.json")},
                                 240000, env);
    qInfo("halab-cli run took %lld ms", run.elapsed());
    QFile jsonFile(data + QStringLiteral("/run.json"));
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QJsonObject check = checkOf(QJsonDocument::fromJson(jsonFile.readAll()).object(), QStringLiteral("drain-worker"));
    if (r.exitCode != 0) {
        const QString kept = QStringLiteral("/tmp/tst_swarmnodes-failed-%1").arg(QDateTime::currentSecsSinceEpoch());
        QFile::copy(data + QStringLiteral("/run.json"), kept + QStringLiteral(".json"));
        QFile out(kept + QStringLiteral(".log"));
        if (out.open(QIODevice::WriteOnly))
            out.write(r.out.toUtf8());
        qWarning("run JSON and output kept as %s.*", qPrintable(kept));
    }
    QVERIFY2(r.exitCode == 0, qPrintable(r.out));
    QCOMPARE(check.value(QStringLiteral("verdict")).toString(), QStringLiteral("PASS"));
    const QJsonObject metrics = check.value(QStringLiteral("metrics")).toObject();
    QVERIFY2(metrics.value(QStringLiteral("reschedule_ms")).toDouble() > 0, QJsonDocument(metrics).toJson().constData());
    QVERIFY(metrics.contains(QStringLiteral("notice_ms")));
    QVERIFY(metrics.value(QStringLiteral("notice_ms")).toDouble() <= metrics.value(QStringLiteral("reschedule_ms")).toDouble());
    qInfo("drain: a new task after notice_ms %.0f, running on the manager after reschedule_ms %.0f",
          metrics.value(QStringLiteral("notice_ms")).toDouble(), metrics.value(QStringLiteral("reschedule_ms")).toDouble());
    // The check's rollback and its own activate leave the worker taking tasks again; the stack is gone.
    const ToolResult nodes = m_manager->docker({QStringLiteral("node"), QStringLiteral("ls"), QStringLiteral("--format"), QStringLiteral("{{.Hostname}} {{.Availability}}")});
    QVERIFY2(nodes.out.contains(QStringLiteral("halab-wkr Active")), qPrintable(nodes.out));
    QCOMPARE(m_manager->docker({QStringLiteral("stack"), QStringLiteral("ls"), QStringLiteral("--format"), QStringLiteral("{{.Name}}")}).out.trimmed(), QString());
    QTRY_COMPARE_WITH_TIMEOUT(m_worker->docker({QStringLiteral("ps"), QStringLiteral("-aq")}).out.trimmed(), QString(), 30000);
    QCOMPARE(m_manager->docker({QStringLiteral("ps"), QStringLiteral("-aq")}).out.trimmed(), QString());
}

void TestSwarmNodes::workerDaemonKilled()
{
    const QString service = QStringLiteral("halab-idle");
    ToolResult r = m_manager->docker({QStringLiteral("service"), QStringLiteral("create"), QStringLiteral("--detach"), QStringLiteral("--name"), service,
                                      QStringLiteral("--replicas"), QStringLiteral("2"), QStringLiteral("--network"), QStringLiteral("host"),
                                      QStringLiteral("--restart-delay"), QStringLiteral("0s"), QStringLiteral("halab/redis:local"),
                                      QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--unixsocket"),
                                      QStringLiteral("/tmp/idle.sock"), QStringLiteral("--save"), QString()});
    QVERIFY2(r.ok, qPrintable(r.out));
    QTRY_VERIFY2_WITH_TIMEOUT(runningNodes(service) == (QStringList{QStringLiteral("halab-mgr"), QStringLiteral("halab-wkr")}),
                              qPrintable(m_manager->docker({QStringLiteral("service"), QStringLiteral("ps"), QStringLiteral("--no-trunc"), service}).out), 60000);

    QElapsedTimer since;
    m_worker->killDaemon(); // the node dies; its containers keep running, unreachable
    since.start();
    QTRY_VERIFY_WITH_TIMEOUT(m_manager->docker({QStringLiteral("node"), QStringLiteral("ls"), QStringLiteral("--format"), QStringLiteral("{{.Hostname}} {{.Status}}")})
                                 .out.contains(QStringLiteral("halab-wkr Down")), 90000);
    const qint64 downMs = since.elapsed();
    QTRY_VERIFY2_WITH_TIMEOUT(runningNodes(service) == (QStringList{QStringLiteral("halab-mgr"), QStringLiteral("halab-mgr")}),
                              qPrintable(m_manager->docker({QStringLiteral("service"), QStringLiteral("ps"), service}).out), 90000);
    const qint64 backMs = since.elapsed();
    qInfo("worker dockerd SIGKILLed: the manager marked it down after %lld ms, both replicas ran on the manager after %lld ms", downMs, backMs);

    r = m_manager->docker({QStringLiteral("service"), QStringLiteral("rm"), service});
    QVERIFY2(r.ok, qPrintable(r.out));
    QTRY_COMPARE_WITH_TIMEOUT(m_manager->docker({QStringLiteral("ps"), QStringLiteral("-aq")}).out.trimmed(), QString(), 30000);
}

void TestSwarmNodes::cleanupTestCase()
{
    if (!m_dir)
        return;
    for (Dockerd *d : {m_worker.get(), m_manager.get()}) {
        if (!d)
            continue;
        d->docker({QStringLiteral("swarm"), QStringLiteral("leave"), QStringLiteral("--force")}, 20000);
        d->stop();
    }
    for (Netns *ns : {m_workerNs.get(), m_managerNs.get()})
        if (ns)
            ns->remove(); // also what the killed worker's containers left running in it
    for (Dockerd *d : {m_worker.get(), m_manager.get()})
        if (d)
            QVERIFY2(d->leftNothing(), qPrintable(QStringLiteral("a process of %1 is still running").arg(d->dir())));
    for (Netns *ns : {m_workerNs.get(), m_managerNs.get()})
        if (ns)
            QVERIFY2(!ns->exists(), qPrintable(ns->path()));
    QVERIFY2(m_dir->remove(), qPrintable(QStringLiteral("cannot remove ") + m_dir->path()));
    qInfo("whole test %lld ms", m_clock.elapsed());
}

QTEST_GUILESS_MAIN(TestSwarmNodes)
#include "tst_swarmnodes.moc"
