// The etcd Raft example lab, from nothing, with `halab-cli run`: every check passes, and for
// the leader kill and the leader pause the console's failover interval holds etcd's own
// "became leader at term N" time (zap "ts", milliseconds).
#include "clusterlabrun.h"

#include <QtTest>

class TestEtcdRaftLab : public QObject
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
    void failoverHoldsEtcdsOwnTime_data();
    void failoverHoldsEtcdsOwnTime();
    void quorumLossIsInTheRunLog();

private:
    QTemporaryDir m_dir;
    ClusterLab::Result m_result;
};

void TestEtcdRaftLab::initTestCase()
{
    const QString missing = ClusterLab::missingPrograms({QStringLiteral("etcd"), QStringLiteral("etcdctl")});
    if (!missing.isEmpty())
        QSKIP(qPrintable(QStringLiteral("not installed: %1 (scripts/dev installs etcd-server and etcd-client)").arg(missing)));
    QVERIFY(m_dir.isValid());
    const QStringList ports = ClusterLab::freePorts(6);
    QCOMPARE(ports.size(), 6);
    const QMap<QString, QString> sets{{QStringLiteral("E1_CLIENT"), ports[0]}, {QStringLiteral("E2_CLIENT"), ports[1]},
                                      {QStringLiteral("E3_CLIENT"), ports[2]}, {QStringLiteral("E1_PEER"), ports[3]},
                                      {QStringLiteral("E2_PEER"), ports[4]},   {QStringLiteral("E3_PEER"), ports[5]}};
    m_result = ClusterLab::run(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/examples/etcd-raft.halab.yaml"), sets,
                               m_dir.path(), 240000);
    qInfo().noquote() << m_result.output;
    qInfo() << "etcd-raft lab took" << m_result.elapsedMs << "ms";
    QVERIFY2(!m_result.run.isEmpty(), "halab-cli wrote no run JSON");
}

void TestEtcdRaftLab::verdicts_data()
{
    QTest::addColumn<QString>("check");
    QTest::newRow("leader-kill") << QStringLiteral("leader-kill");
    QTest::newRow("leader-pause") << QStringLiteral("leader-pause");
    QTest::newRow("quorum-loss") << QStringLiteral("quorum-loss");
}

void TestEtcdRaftLab::verdicts()
{
    QFETCH(QString, check);
    const QJsonObject c = ClusterLab::check(m_result.run, check);
    QVERIFY2(!c.isEmpty(), qPrintable(check + QStringLiteral(" is not in the run")));
    QVERIFY2(c.value(QStringLiteral("verdict")).toString() == QLatin1String("PASS"),
             qPrintable(check + QStringLiteral(": ") + ClusterLab::whyNotPassed(c)));
}

void TestEtcdRaftLab::failoverHoldsEtcdsOwnTime_data()
{
    QTest::addColumn<QString>("check");
    QTest::newRow("leader-kill") << QStringLiteral("leader-kill");
    QTest::newRow("leader-pause") << QStringLiteral("leader-pause");
}

void TestEtcdRaftLab::failoverHoldsEtcdsOwnTime()
{
    QFETCH(QString, check);
    const QJsonObject c = ClusterLab::check(m_result.run, check);
    const QDateTime fault = ClusterLab::faultTime(c);
    QVERIFY2(fault.isValid(), "no fault event in the run");
    const auto interval = ClusterLab::failoverInterval(c);
    QVERIFY2(interval, "the console measured no failover_ms");
    const std::optional<QDateTime> elected = ClusterLab::earliestRecord(c, &ClusterLab::etcdLeader);
    QVERIFY2(elected, "no 'became leader at term' line among the log_scan evidence");
    const double truth = double(fault.msecsTo(*elected));
    qInfo("%s: etcd elected after %.0f ms; console failover interval %.0f–%.0f ms", qPrintable(check), truth,
          interval->first, interval->second);
    QVERIFY2(interval->first <= truth && truth <= interval->second,
             qPrintable(QStringLiteral("etcd's own time %1 ms is outside the console's interval %2–%3 ms")
                            .arg(truth).arg(interval->first).arg(interval->second)));
}

void TestEtcdRaftLab::quorumLossIsInTheRunLog()
{
    QVERIFY2(m_result.markdown.contains(QLatin1String("Lose quorum (2 of 3 down); writes are refused")),
             "the Markdown run log does not say the quorum was lost");
    QVERIFY(m_result.markdown.contains(QString::fromUtf8("put lab/quorum lost → exit 1")));
}

QTEST_GUILESS_MAIN(TestEtcdRaftLab)
#include "tst_etcdraftlab.moc"
