// The Patroni example lab (3 x Patroni + PostgreSQL 15, 3 x etcd, HAProxy), from nothing, with
// `halab-cli run`: every check passes; for the leader kill and stop (Patroni's own "promoted
// self to leader" kept as evidence) the console's failover interval (writes through HAProxy
// succeed again) holds the daemons' own time of that: the later of HAProxy's "primary/... is UP"
// and PostgreSQL's "ready to accept connections"; DCS quorum loss is named as such in the run
// log and measured as no failover.
#include "clusterlabrun.h"

#include <QtTest>

#include <algorithm>

#include <pwd.h>
#include <unistd.h>

class TestPatroniLab : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup()
    {
        if (QTest::currentTestFailed())
            ClusterLab::keepForALook(m_dir);
    }
    void initTestCase();
    void verdicts_data();
    void verdicts();
    void failoverHoldsPatronisOwnTime_data();
    void failoverHoldsPatronisOwnTime();
    void dcsQuorumLossIsNotAFailover();

private:
    QTemporaryDir m_dir;
    QTemporaryDir m_runBase{QStringLiteral("/tmp/halab-patroni-test-XXXXXX")};
    ClusterLab::Result m_result;
};

void TestPatroniLab::initTestCase()
{
    const QString missing = ClusterLab::missingPrograms({QStringLiteral("patroni"), QStringLiteral("etcd"), QStringLiteral("etcdctl"),
                                                         QStringLiteral("haproxy"), QStringLiteral("psql"),
                                                         QStringLiteral("/usr/lib/postgresql/15/bin/postgres")});
    if (!missing.isEmpty())
        QSKIP(qPrintable(QStringLiteral("not installed: %1 (scripts/dev installs patroni, postgresql-15, etcd-server, etcd-client, haproxy)").arg(missing)));
    if (::geteuid() != 0)
        QSKIP("the lab starts Patroni and PostgreSQL as 'postgres': run this test as root (sudo ctest -L cluster)");
    if (!::getpwnam("postgres"))
        QSKIP("no 'postgres' user: install postgresql-15 (scripts/dev)");
    QVERIFY(m_dir.isValid());
    QVERIFY(m_runBase.isValid());
    // postgres must enter the run base (QTemporaryDir makes it 0700).
    QVERIFY(QFile::setPermissions(m_runBase.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner
                                                        | QFileDevice::ReadGroup | QFileDevice::ExeGroup
                                                        | QFileDevice::ReadOther | QFileDevice::ExeOther));
    const QStringList ports = ClusterLab::freePorts(15);
    QCOMPARE(ports.size(), 15);
    const QStringList names{QStringLiteral("E1_CLIENT"), QStringLiteral("E2_CLIENT"), QStringLiteral("E3_CLIENT"),
                            QStringLiteral("E1_PEER"),   QStringLiteral("E2_PEER"),   QStringLiteral("E3_PEER"),
                            QStringLiteral("PG1_PORT"),  QStringLiteral("PG2_PORT"),  QStringLiteral("PG3_PORT"),
                            QStringLiteral("API1_PORT"), QStringLiteral("API2_PORT"), QStringLiteral("API3_PORT"),
                            QStringLiteral("PRIMARY_PORT"), QStringLiteral("REPLICA_PORT"), QStringLiteral("STATS_PORT")};
    QMap<QString, QString> sets{{QStringLiteral("RUN_BASE"), m_runBase.path()}};
    for (int i = 0; i < names.size(); ++i)
        sets.insert(names[i], ports[i]);
    m_result = ClusterLab::run(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/examples/patroni.halab.yaml"), sets,
                               m_dir.path(), 480000);
    qInfo().noquote() << m_result.output;
    qInfo() << "patroni lab took" << m_result.elapsedMs << "ms";
    QVERIFY2(!m_result.run.isEmpty(), "halab-cli wrote no run JSON");
}

void TestPatroniLab::verdicts_data()
{
    QTest::addColumn<QString>("check");
    for (const char *id : {"leader-node-kill", "leader-stop", "replica-kill", "etcd-one-down", "dcs-quorum-lost"})
        QTest::newRow(id) << QString::fromLatin1(id);
}

void TestPatroniLab::verdicts()
{
    QFETCH(QString, check);
    const QJsonObject c = ClusterLab::check(m_result.run, check);
    QVERIFY2(!c.isEmpty(), qPrintable(check + QStringLiteral(" is not in the run")));
    QVERIFY2(c.value(QStringLiteral("verdict")).toString() == QLatin1String("PASS"),
             qPrintable(check + QStringLiteral(": ") + ClusterLab::whyNotPassed(c)));
}

void TestPatroniLab::failoverHoldsPatronisOwnTime_data()
{
    QTest::addColumn<QString>("check");
    QTest::newRow("leader-node-kill") << QStringLiteral("leader-node-kill");
    QTest::newRow("leader-stop") << QStringLiteral("leader-stop");
}

void TestPatroniLab::failoverHoldsPatronisOwnTime()
{
    QFETCH(QString, check);
    const QJsonObject c = ClusterLab::check(m_result.run, check);
    const QDateTime fault = ClusterLab::faultTime(c);
    QVERIFY2(fault.isValid(), "no fault event in the run");
    const auto interval = ClusterLab::failoverInterval(c);
    QVERIFY2(interval, "the console measured no failover_ms");
    const std::optional<QDateTime> promoted = ClusterLab::earliestRecord(c, &ClusterLab::patroniPromotion);
    QVERIFY2(promoted, "no 'promoted self to leader' line among the log_scan evidence");
    const std::optional<QDateTime> routed = ClusterLab::earliestRecord(c, &ClusterLab::haproxyPrimaryUp);
    QVERIFY2(routed, "no HAProxy 'Server primary/... is UP' line among the log_scan evidence");
    const std::optional<QDateTime> ready = ClusterLab::earliestRecord(c, &ClusterLab::postgresReady);
    QVERIFY2(ready, "no PostgreSQL 'ready to accept connections' line among the log_scan evidence");
    const std::optional<QDateTime> oldOut = ClusterLab::earliestRecord(c, &ClusterLab::haproxyPrimaryDown);
    QVERIFY2(oldOut, "no HAProxy 'Server primary/... is DOWN' line (the old primary leaving) among the log_scan evidence");
    const double promotedMs = double(fault.msecsTo(*promoted));
    const double routedMs = double(fault.msecsTo(*routed));
    const double readyMs = double(fault.msecsTo(*ready));
    const double oldOutMs = double(fault.msecsTo(*oldOut));
    // failover_ms ends when writes through HAProxy succeed again: HAProxy routes to the new
    // primary, no longer to the old one (round-robin sends every other connection there until
    // its checks fail twice), and PostgreSQL has finished its promotion, whichever comes last.
    // PostgreSQL takes writes once its startup process ends recovery; the postmaster logs "ready
    // to accept connections" only after it reaped that process (a write committed 35 ms before
    // the line in one run), and Patroni logs "promoted self" before it promotes. So the daemons'
    // own records bound the truth: after the later of (routed, old primary out, promoted), by the
    // later of (routed, old primary out, ready). The console's interval must meet that range.
    const double writesBackFromMs = std::max({routedMs, oldOutMs, promotedMs});
    const double writesBackByMs = std::max({routedMs, oldOutMs, readyMs});
    qInfo("%s: Patroni promoted after %.0f ms, PostgreSQL took writes after %.0f ms, HAProxy routed after %.0f ms "
          "and dropped the old primary after %.0f ms; console failover interval %.0f–%.0f ms",
          qPrintable(check), promotedMs, readyMs, routedMs, oldOutMs, interval->first, interval->second);
    QVERIFY2(interval->first <= writesBackByMs && writesBackFromMs <= interval->second,
             qPrintable(QStringLiteral("the daemons' own records (writes back %1–%2 ms) miss the console's interval %3–%4 ms")
                            .arg(writesBackFromMs).arg(writesBackByMs).arg(interval->first).arg(interval->second)));
}

void TestPatroniLab::dcsQuorumLossIsNotAFailover()
{
    QVERIFY2(m_result.markdown.contains(QLatin1String("DCS quorum lost")), "the Markdown run log does not say the DCS quorum was lost");
    const QJsonObject c = ClusterLab::check(m_result.run, QStringLiteral("dcs-quorum-lost"));
    const QJsonObject metrics = c.value(QStringLiteral("metrics")).toObject();
    QVERIFY2(!metrics.contains(QStringLiteral("failover_ms")), "a DCS quorum loss was measured as a failover");
    QVERIFY2(metrics.value(QStringLiteral("failover_count")).toDouble() == 0.0, "a DCS quorum loss counted a failover");
    QVERIFY(metrics.value(QStringLiteral("log_count")).toDouble() >= 1.0); // Patroni's "DCS is not accessible"
}

QTEST_GUILESS_MAIN(TestPatroniLab)
#include "tst_patronilab.moc"
