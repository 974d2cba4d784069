// The demo lab on a real swarm (issue 14's done-when): a private dockerd in a network namespace
// this test makes (its own loopback: the stack's ports collide with nobody), `docker swarm
// init`, the demo images imported, then `halab-cli run resources/labs/demo-swarm.halab.yaml`
// inside that namespace: one API task killed keeps >= 99 % availability with reschedule_ms in
// the run's JSON, the leader's service scaled to 0 fails over within 5 s with no record lost,
// and afterwards `docker stack ls` and `docker ps -a` show nothing of the test.
// Skips with the reason when dockerd, root or a demo binary is missing.
#include "testswarm.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace TestSwarm;

namespace {
QJsonObject checkOf(const QJsonObject &run, const QString &id)
{
    const QJsonArray checks = run.value(QStringLiteral("checks")).toArray();
    for (const QJsonValue &c : checks)
        if (c.toObject().value(QStringLiteral("id")).toString() == id)
            return c.toObject();
    return {};
}
} // namespace

class TestSwarmDemo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void notASwarmIsNamed();
    void demoLabOnSwarm();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Netns> m_netns;
    std::unique_ptr<Dockerd> m_dockerd;
    QElapsedTimer m_clock;
};

void TestSwarmDemo::initTestCase()
{
    m_clock.start();
    const QString missing = missingPrerequisites();
    if (!missing.isEmpty())
        QSKIP(qPrintable(missing));
    m_dir = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/hsd-XXXXXX")); // short: sockets live under it
    QVERIFY(m_dir->isValid());
    m_netns = std::make_unique<Netns>(QStringLiteral("halab-swd-%1").arg(::getpid()));
    QString error;
    QVERIFY2(m_netns->create(&error), qPrintable(error));
    m_dockerd = std::make_unique<Dockerd>(m_dir->path() + QStringLiteral("/mgr"), m_netns->path(), QStringLiteral("halab-mgr"));
    QVERIFY2(m_dockerd->start(&error), qPrintable(error));
    qInfo("dockerd pid %lld ready after %lld ms", m_dockerd->pid(), m_clock.elapsed());
    const ToolResult images = makeImages(*m_dockerd);
    QVERIFY2(images.ok, qPrintable(images.out));
    qInfo("images made after %lld ms", m_clock.elapsed());
}

void TestSwarmDemo::notASwarmIsNamed()
{
    // Before `swarm init`: the run stops at stack up and says what to do.
    const ToolResult r = m_netns->exec({QStringLiteral("env"), QStringLiteral("DOCKER_HOST=") + m_dockerd->host(),
                                        QStringLiteral("XDG_DATA_HOME=") + m_dir->path() + QStringLiteral("/cli0"),
                                        QStringLiteral(HALAB_BIN_DIR "/halab-cli"), QStringLiteral("run"),
                                        QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo-swarm.halab.yaml"),
                                        QStringLiteral("--store"), m_dir->path() + QStringLiteral("/cli0.db")},
                                       120000);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.out.contains(QStringLiteral("not part of a swarm")) && r.out.contains(QStringLiteral("docker swarm init")), qPrintable(r.out));
}

void TestSwarmDemo::demoLabOnSwarm()
{
    const ToolResult init = m_dockerd->docker({QStringLiteral("swarm"), QStringLiteral("init"), QStringLiteral("--advertise-addr"),
                                               QStringLiteral("127.0.0.1"), QStringLiteral("--listen-addr"), QStringLiteral("127.0.0.1:2377")});
    QVERIFY2(init.ok, qPrintable(init.out));

    const QString data = m_dir->path() + QStringLiteral("/cli");
    QDir().mkpath(data);
    QElapsedTimer run;
    run.start();
    const ToolResult r = m_netns->exec({QStringLiteral("env"), QStringLiteral("DOCKER_HOST=") + m_dockerd->host(),
                                        QStringLiteral("XDG_DATA_HOME=") + data, QStringLiteral(HALAB_BIN_DIR "/halab-cli"),
                                        QStringLiteral("run"), QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo-swarm.halab.yaml"),
                                        QStringLiteral("--store"), data + QStringLiteral("/runs.db"),
                                        QStringLiteral("--json"), data + QStringLiteral("/run.json")},
                                       240000);
    qInfo("halab-cli run took %lld ms", run.elapsed());
    if (r.exitCode != 0) {
        // The samples stay in the run store: keep it for whoever looks into the failure.
        const QString kept = QStringLiteral("/tmp/tst_swarmdemo-failed-%1.db").arg(QDateTime::currentSecsSinceEpoch());
        QFile::copy(data + QStringLiteral("/runs.db"), kept);
        qWarning("run store kept as %s", qPrintable(kept));
    }
    QVERIFY2(r.exitCode == 0, qPrintable(r.out));

    QFile jsonFile(data + QStringLiteral("/run.json"));
    QVERIFY(jsonFile.open(QIODevice::ReadOnly));
    const QJsonObject json = QJsonDocument::fromJson(jsonFile.readAll()).object();
    const QJsonObject outage = checkOf(json, QStringLiteral("7"));
    QCOMPARE(outage.value(QStringLiteral("verdict")).toString(), QStringLiteral("PASS"));
    const QJsonObject m = outage.value(QStringLiteral("metrics")).toObject();
    QVERIFY2(m.value(QStringLiteral("lb.availability_pct")).toDouble() >= 99.0, QJsonDocument(m).toJson().constData());
    QVERIFY2(m.contains(QStringLiteral("reschedule_ms")), QJsonDocument(m).toJson().constData());
    const double reschedule = m.value(QStringLiteral("reschedule_ms")).toDouble();
    const QJsonObject interval = outage.value(QStringLiteral("intervals_ms")).toObject().value(QStringLiteral("reschedule_ms")).toObject();
    QVERIFY(interval.value(QStringLiteral("lo")).toDouble() <= reschedule && reschedule <= interval.value(QStringLiteral("hi")).toDouble());
    // The kill is an event on the timeline, naming the service and that a task was picked.
    bool killSeen = false;
    for (const QJsonValue &v : outage.value(QStringLiteral("events")).toArray()) {
        const QJsonObject e = v.toObject();
        killSeen = killSeen || (e.value(QStringLiteral("kind")).toString() == QLatin1String("fault")
                                && e.value(QStringLiteral("action")).toString() == QLatin1String("kill"));
    }
    QVERIFY(killSeen);
    // The swarm noticed (a new task) before the service ran its replica again.
    QVERIFY2(m.contains(QStringLiteral("notice_ms")), QJsonDocument(m).toJson().constData());
    const double notice = m.value(QStringLiteral("notice_ms")).toDouble();
    QVERIFY(notice <= reschedule);
    qInfo("check 7: availability %.1f %%, notice_ms %.0f, reschedule_ms %.0f (%.0f–%.0f)", m.value(QStringLiteral("lb.availability_pct")).toDouble(),
          notice, reschedule, interval.value(QStringLiteral("lo")).toDouble(), interval.value(QStringLiteral("hi")).toDouble());

    const QJsonObject failover = checkOf(json, QStringLiteral("leader-failover"));
    QCOMPARE(failover.value(QStringLiteral("verdict")).toString(), QStringLiteral("PASS"));
    const QJsonObject fm = failover.value(QStringLiteral("metrics")).toObject();
    QVERIFY(fm.value(QStringLiteral("failover_ms")).toDouble() > 0);
    QCOMPARE(fm.value(QStringLiteral("lost_records")).toDouble(), 0.0);
    qInfo("leader-failover: failover_ms %.0f", fm.value(QStringLiteral("failover_ms")).toDouble());

    // Nothing of the test is left in the swarm.
    const ToolResult stacks = m_dockerd->docker({QStringLiteral("stack"), QStringLiteral("ls"), QStringLiteral("--format"), QStringLiteral("{{.Name}}")});
    QVERIFY(stacks.ok);
    QVERIFY2(stacks.out.trimmed().isEmpty(), qPrintable(stacks.out));
    const ToolResult containers = m_dockerd->docker({QStringLiteral("ps"), QStringLiteral("-aq")});
    QVERIFY(containers.ok);
    QVERIFY2(containers.out.trimmed().isEmpty(), qPrintable(containers.out));
    const ToolResult volumes = m_dockerd->docker({QStringLiteral("volume"), QStringLiteral("ls"), QStringLiteral("-q")});
    QVERIFY2(volumes.ok && volumes.out.trimmed().isEmpty(), qPrintable(volumes.out));
    const ToolResult networks = m_dockerd->docker({QStringLiteral("network"), QStringLiteral("ls"), QStringLiteral("-q"), QStringLiteral("--filter"),
                                                   QStringLiteral("label=com.docker.stack.namespace=halab-demo")});
    QVERIFY2(networks.ok && networks.out.trimmed().isEmpty(), qPrintable(networks.out));
    // No file with the stack's secrets stays in the run directory.
    QDirIterator files(data, {QStringLiteral("swarm-env-*")}, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    QVERIFY2(!files.hasNext(), qPrintable(files.hasNext() ? files.next() : QString()));
}

void TestSwarmDemo::cleanupTestCase()
{
    if (!m_dir)
        return;
    if (m_dockerd) {
        m_dockerd->docker({QStringLiteral("swarm"), QStringLiteral("leave"), QStringLiteral("--force")}, 30000);
        m_dockerd->stop();
        QVERIFY2(m_dockerd->leftNothing(), "a process of the test's dockerd is still running");
    }
    if (m_netns) {
        m_netns->remove();
        QVERIFY(!m_netns->exists());
    }
    QVERIFY2(m_dir->remove(), qPrintable(QStringLiteral("cannot remove ") + m_dir->path()));
    qInfo("whole test %lld ms", m_clock.elapsed());
}

QTEST_GUILESS_MAIN(TestSwarmDemo)
#include "tst_swarmdemo.moc"
