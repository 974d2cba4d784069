// The Redis Sentinel example lab, from nothing, with `halab-cli run`: every check passes (or,
// for a failover check, FAILs because the Sentinels' own logs show a split vote); for
// the master kill, stop and pause the console's failover interval holds the Sentinels' own
// "+switch-master" time (after the replica's own "MASTER MODE enabled"); with two
// Sentinels down the run log
// says the quorum is lost (NOQUORUM) and no one failed over.
#include "clusterlabrun.h"

#include <QtTest>

class TestSentinelLab : public QObject
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
    void failoverHoldsSentinelsOwnTime_data();
    void failoverHoldsSentinelsOwnTime();
    void quorumLossIsInTheRunLog();

private:
    // The Sentinels' own record of a failover check that did not pass: why, when the daemons
    // say they failed to elect a leader and did not switch the master before the check ended
    // (all three asked for votes at once and each voted for itself: Sentinel retries only after
    // twice failover-timeout). Empty when their record does not explain it.
    QString sentinelsSplitTheirVote(const QJsonObject &check);

    QTemporaryDir m_dir;
    ClusterLab::Result m_result;
    QStringList m_serviceLogs; // `halab-cli logs` of the run: the daemons' lines as stored
};

QString TestSentinelLab::sentinelsSplitTheirVote(const QJsonObject &check)
{
    if (m_serviceLogs.isEmpty()) {
        QProcess logs;
        logs.start(QStringLiteral(HALAB_BIN_DIR "/halab-cli"),
                   {QStringLiteral("logs"), QStringLiteral("--latest"), QStringLiteral("--store"), m_dir.filePath(QStringLiteral("runs.db"))});
        if (!logs.waitForFinished(60000) || logs.exitCode() != 0)
            return {};
        m_serviceLogs = QString::fromUtf8(logs.readAllStandardOutput()).split(QLatin1Char('\n'));
    }
    const QDateTime fault = ClusterLab::faultTime(check);
    const QDateTime finished = QDateTime::fromString(check.value(QStringLiteral("finished")).toString(), Qt::ISODateWithMs);
    if (!fault.isValid() || !finished.isValid())
        return {};
    // Each line: "yyyy-MM-dd HH:mm:ss.zzz SERVICE | text", the time the console read it (UTC).
    int aborted = 0;
    for (const QString &line : std::as_const(m_serviceLogs)) {
        QDateTime at = QDateTime::fromString(line.left(23), QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
        at.setTimeZone(QTimeZone::utc());
        if (!at.isValid() || at < fault || at > finished || !line.mid(24).startsWith(QLatin1String("sentinel")))
            continue;
        if (line.contains(QLatin1String("+switch-master")))
            return {}; // they did fail over within the check: the console had to see it
        if (line.contains(QLatin1String("-failover-abort-not-elected")))
            ++aborted;
    }
    return aborted > 0 ? QStringLiteral("%1 Sentinel(s) logged -failover-abort-not-elected and none +switch-master before the check ended").arg(aborted)
                       : QString();
}

void TestSentinelLab::initTestCase()
{
    const QString missing = ClusterLab::missingPrograms({QStringLiteral("redis-server"), QStringLiteral("redis-sentinel"), QStringLiteral("redis-cli")});
    if (!missing.isEmpty())
        QSKIP(qPrintable(QStringLiteral("not installed: %1 (scripts/dev installs redis-server and redis-sentinel)").arg(missing)));
    QVERIFY(m_dir.isValid());
    const QStringList ports = ClusterLab::freePorts(6);
    QCOMPARE(ports.size(), 6);
    const QMap<QString, QString> sets{{QStringLiteral("R1_PORT"), ports[0]}, {QStringLiteral("R2_PORT"), ports[1]},
                                      {QStringLiteral("R3_PORT"), ports[2]}, {QStringLiteral("S1_PORT"), ports[3]},
                                      {QStringLiteral("S2_PORT"), ports[4]}, {QStringLiteral("S3_PORT"), ports[5]}};
    m_result = ClusterLab::run(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/examples/sentinel.halab.yaml"), sets,
                               m_dir.path(), 400000);
    qInfo().noquote() << m_result.output;
    qInfo() << "sentinel lab took" << m_result.elapsedMs << "ms";
    QVERIFY2(!m_result.run.isEmpty(), "halab-cli wrote no run JSON");
}

void TestSentinelLab::verdicts_data()
{
    QTest::addColumn<QString>("check");
    for (const char *id : {"master-kill", "master-stop", "master-pause", "sentinel-quorum-lost"})
        QTest::newRow(id) << QString::fromLatin1(id);
}

void TestSentinelLab::verdicts()
{
    QFETCH(QString, check);
    const QJsonObject c = ClusterLab::check(m_result.run, check);
    QVERIFY2(!c.isEmpty(), qPrintable(check + QStringLiteral(" is not in the run")));
    if (c.value(QStringLiteral("verdict")).toString() != QLatin1String("PASS") && check != QLatin1String("sentinel-quorum-lost")) {
        // A real split vote: the daemons did not fail over in time, so FAIL is the right verdict,
        // and it must be for that reason (the wait for a new leader ran out).
        const QString split = sentinelsSplitTheirVote(c);
        if (!split.isEmpty() && ClusterLab::whyNotPassed(c).contains(QLatin1String("not met"))) {
            qInfo("%s: FAIL is right: %s", qPrintable(check), qPrintable(split));
            return;
        }
    }
    QVERIFY2(c.value(QStringLiteral("verdict")).toString() == QLatin1String("PASS"),
             qPrintable(check + QStringLiteral(": ") + ClusterLab::whyNotPassed(c)));
}

void TestSentinelLab::failoverHoldsSentinelsOwnTime_data()
{
    QTest::addColumn<QString>("check");
    for (const char *id : {"master-kill", "master-stop", "master-pause"})
        QTest::newRow(id) << QString::fromLatin1(id);
}

void TestSentinelLab::failoverHoldsSentinelsOwnTime()
{
    QFETCH(QString, check);
    const QJsonObject c = ClusterLab::check(m_result.run, check);
    const QDateTime fault = ClusterLab::faultTime(c);
    QVERIFY2(fault.isValid(), "no fault event in the run");
    const auto interval = ClusterLab::failoverInterval(c);
    if (!interval) {
        // No failover measured is right only when the Sentinels record none either.
        const QString split = sentinelsSplitTheirVote(c);
        QVERIFY2(!split.isEmpty(), "the console measured no failover_ms");
        qInfo("%s: no failover_ms, and none happened: %s", qPrintable(check), qPrintable(split));
        return;
    }
    // failover_ms ends when writes through Sentinel's master address succeed again: when the
    // Sentinels publish the new master ("+switch-master"), after Redis promoted the replica.
    const std::optional<QDateTime> promoted = ClusterLab::earliestRecord(c, &ClusterLab::redisPromotion);
    QVERIFY2(promoted, "no 'MASTER MODE enabled' line among the log_scan evidence");
    // The writes probe asks sentinel1: its own record says when it started answering the new
    // master (reconf-slaves when it leads the failover, else +switch-master).
    const std::optional<QDateTime> switched = ClusterLab::earliestRecord(c, [](const QString &line) {
        return line.startsWith(QLatin1String("sentinel1: ")) ? ClusterLab::sentinelAnswersNewMaster(line) : std::nullopt;
    });
    QVERIFY2(switched, "no '+switch-master' / '+failover-state-reconf-slaves' line of sentinel1 among the log_scan evidence");
    const double promotedMs = double(fault.msecsTo(*promoted));
    const double published = double(fault.msecsTo(*switched));
    qInfo("%s: replica promoted after %.0f ms, sentinel1 answers it after %.0f ms; console failover interval %.0f–%.0f ms",
          qPrintable(check), promotedMs, published, interval->first, interval->second);
    QVERIFY2(interval->first <= published && published <= interval->second,
             qPrintable(QStringLiteral("sentinel1's own time %1 ms is outside the console's interval %2–%3 ms")
                            .arg(published).arg(interval->first).arg(interval->second)));
    QVERIFY2(promotedMs <= published, "Sentinel published a master before Redis promoted it");
}

void TestSentinelLab::quorumLossIsInTheRunLog()
{
    QVERIFY2(m_result.markdown.contains(QLatin1String("nobody fails over (Sentinel quorum lost)")),
             "the Markdown run log does not say the Sentinel quorum was lost");
    QVERIFY2(m_result.markdown.contains(QLatin1String("NOQUORUM")), "the run log does not quote Sentinel's NOQUORUM");
    const QJsonObject c = ClusterLab::check(m_result.run, QStringLiteral("sentinel-quorum-lost"));
    QCOMPARE(c.value(QStringLiteral("metrics")).toObject().value(QStringLiteral("log_count")).toDouble(), 0.0);
}

QTEST_GUILESS_MAIN(TestSentinelLab)
#include "tst_sentinellab.moc"
