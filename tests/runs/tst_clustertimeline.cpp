// ClusterTimeline: leader spans, no-leader spans, split brain rounds and leader regressions (with
// and without terms) derived from role rounds in time order. Synthetic rounds: the derivation is
// under test.
#include "clustertimeline.h"

#include <QTest>

#include <algorithm>

namespace {

constexpr qint64 Ms = 1'000'000;

RoleSample round(qint64 startMs, const QStringList &leaders, const QString &term = {}, const QString &source = QStringLiteral("cluster"))
{
    RoleSample r;
    r.startNs = startMs * Ms;
    r.endNs = (startMs + 4) * Ms;
    r.source = source;
    r.term = term;
    for (const QString &l : leaders)
        r.roles.insert(l, QStringLiteral("leader"));
    r.roles.insert(QStringLiteral("witness"), QStringLiteral("replica"));
    return r;
}

RunEvent fault(qint64 atMs, const QString &service, const QString &action = QStringLiteral("kill"))
{
    RunEvent e;
    e.kind = RunEvent::Kind::Fault;
    e.monoNs = atMs * Ms;
    e.service = service;
    e.action = action;
    return e;
}

const QString A = QStringLiteral("a");
const QString B = QStringLiteral("b");

} // namespace

class TestClusterTimeline : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void healthyFailoverHasNoAnomaly()
    {
        const ClusterTimeline t = ClusterTimeline::derive({round(0, {A}), round(100, {A}), round(200, {}), round(300, {B}), round(400, {B})},
                                                          {fault(150, A)}, 0);
        QCOMPARE(t.leaderChanges(), 1);
        QCOMPARE(t.leaderlessMs(), 100.0);                // 200 -> 300
        QCOMPARE(t.leaderlessInterval().lo, 0.0);         // the gap may have been a single instant...
        QCOMPARE(t.leaderlessInterval().hi, 204.0);       // ... or from a's last round (100) to b's first answer (304)
        QVERIFY(t.anomalies().isEmpty());
        QCOMPARE(t.spans().size(), 3);
        QCOMPARE(t.spans().at(0).leaders, QStringList{A});
        QCOMPARE(t.spans().at(1).leaders, QStringList{});
        QCOMPARE(t.spans().at(1).fromNs, 200 * Ms);
        QCOMPARE(t.spans().at(1).toNs, 300 * Ms);
        QVERIFY(t.spans().at(2).open);
        QCOMPARE(t.leaderAt(250 * Ms), QString());
        QCOMPARE(t.leaderAt(350 * Ms), B);
    }

    void networkFaultOnTheLeaderExplainsTheGap_data()
    {
        QTest::addColumn<QString>("action");
        QTest::addColumn<QString>("service");
        QTest::addColumn<bool>("anomaly");
        QTest::newRow("isolate the leader") << "isolate" << A << false;
        QTest::newRow("partition, the leader on the smaller side") << "partition" << A << false;
        QTest::newRow("lossy link of the leader") << "link" << A << false;
        QTest::newRow("partition that cut another member") << "partition" << B << true;
        QTest::newRow("heal") << "heal" << QString() << true;
    }

    void networkFaultOnTheLeaderExplainsTheGap()
    {
        QFETCH(QString, action);
        QFETCH(QString, service);
        QFETCH(bool, anomaly);
        const ClusterTimeline t = ClusterTimeline::derive({round(0, {A}), round(100, {A}), round(200, {}), round(300, {B})},
                                                          {fault(150, service, action)}, 0);
        QCOMPARE(t.anomalies().size(), anomaly ? 1 : 0);
        QCOMPARE(t.leaderlessMs(), 100.0); // counted either way
    }

    void leaderlessSpanWithoutFaultIsAnAnomaly()
    {
        // Quorum lost: nobody leads from 1000 to 1600 ms and no fault touched the leader.
        RoleSampleBatch rounds;
        for (qint64 t = 0; t <= 2000; t += 200)
            rounds.append(round(t, t >= 1000 && t < 1600 ? QStringList{} : QStringList{A}));
        const ClusterTimeline t = ClusterTimeline::derive(rounds, {fault(500, B)}, 0);
        QCOMPARE(t.leaderChanges(), 0);
        QCOMPARE(t.leaderlessMs(), 600.0);
        QCOMPARE(t.leaderlessInterval().lo, 400.0 - 4); // 1400 (last no-leader round) - 1004 (first one answered)
        QCOMPARE(t.leaderlessInterval().hi, 1604.0 - 800);
        QCOMPARE(t.anomalies().size(), 1);
        const ClusterAnomaly &a = t.anomalies().first();
        QCOMPARE(a.kind, ClusterAnomaly::Kind::Leaderless);
        QCOMPARE(a.atMs, 1000.0);
        QCOMPARE(a.untilMs.value_or(-1), 1600.0);
        QCOMPARE(a.services, QStringList{A});
        QCOMPARE(a.toJson().value(QStringLiteral("kind")).toString(), QStringLiteral("leaderless"));
    }

    void leaderlessUntilTheEndIsOpen()
    {
        const ClusterTimeline t = ClusterTimeline::derive({round(0, {A}), round(100, {}), round(200, {})}, {fault(50, A)}, 0);
        QCOMPARE(t.anomalies().size(), 1);
        QVERIFY(!t.anomalies().first().untilMs);
        QVERIFY(t.anomalies().first().toJson().value(QStringLiteral("until_ms")).isNull());
        QVERIFY(t.spans().last().open);
    }

    void splitBrainRounds()
    {
        // Times are relative to the check start (10 s on the clock).
        const qint64 start = 10'000;
        const ClusterTimeline t = ClusterTimeline::derive({round(start, {A}), round(start + 100, {A, B}), round(start + 200, {A, B}),
                                                           round(start + 300, {B}), round(start + 400, {A, B})},
                                                          {fault(start + 50, A, QStringLiteral("pause"))}, start * Ms);
        QCOMPARE(t.splitBrainSamples(), 3);
        QCOMPARE(t.anomalies().size(), 2);
        const ClusterAnomaly &first = t.anomalies().at(0);
        QCOMPARE(first.kind, ClusterAnomaly::Kind::SplitBrain);
        QCOMPARE(first.atMs, 100.0);
        QCOMPARE(first.untilMs.value_or(-1), 300.0);
        QCOMPARE(first.services, (QStringList{A, B}));
        QVERIFY2(first.detail.contains(QStringLiteral("2 role round")), qPrintable(first.detail));
        QCOMPARE(t.anomalies().at(1).atMs, 400.0);
        QVERIFY(!t.anomalies().at(1).untilMs);
        QCOMPARE(t.leaderChanges(), 1); // a -> b; split rounds name no single leader
        QCOMPARE(t.leaderAt((start + 150) * Ms, A), A); // a split round still names the faulted member
        QCOMPARE(t.leaderAt((start + 150) * Ms), QString());
    }

    void regressionWithTerms_data()
    {
        QTest::addColumn<QStringList>("terms");
        QTest::addColumn<int>("regressions");
        QTest::newRow("a's old term comes back") << QStringList{QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("1")} << 1;
        QTest::newRow("same term, other leader") << QStringList{QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("2")} << 1;
        QTest::newRow("a wins a new term") << QStringList{QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("3")} << 0;
        QTest::newRow("numeric, not text, order") << QStringList{QStringLiteral("9"), QStringLiteral("10"), QStringLiteral("11")} << 0;
    }

    void regressionWithTerms()
    {
        QFETCH(QStringList, terms);
        QFETCH(int, regressions);
        // b was killed, so without terms a taking the role back would be a normal failover: the terms decide.
        const ClusterTimeline t = ClusterTimeline::derive({round(0, {A}, terms.at(0)), round(100, {B}, terms.at(1)),
                                                           round(200, {B}, terms.at(1)), round(300, {A}, terms.at(2))},
                                                          {fault(50, A), fault(250, B)}, 0);
        QCOMPARE(t.leaderChanges(), 2);
        QCOMPARE(t.leaderRegressions(), regressions);
        QCOMPARE(t.anomalies().size(), regressions);
        if (regressions) {
            const ClusterAnomaly &r = t.anomalies().first();
            QCOMPARE(r.kind, ClusterAnomaly::Kind::LeaderRegression);
            QCOMPARE(r.atMs, 300.0);
            QVERIFY(!r.untilMs);
            QCOMPARE(r.services, (QStringList{A, B}));
            QVERIFY2(r.detail.contains(QStringLiteral("term %1 → %2").arg(terms.at(1), terms.at(2))), qPrintable(r.detail));
        }
    }

    void regressionWithoutTerms_data()
    {
        QTest::addColumn<bool>("interimFaulted");
        QTest::addColumn<int>("regressions");
        QTest::newRow("b was not faulted: a took the lock back") << false << 1;
        QTest::newRow("b was killed: a leads again by failover") << true << 0;
    }

    void regressionWithoutTerms()
    {
        QFETCH(bool, interimFaulted);
        QFETCH(int, regressions);
        // a paused, b elected, a resumed and took the role back (the Patroni 3.0.2 + etcd3 bug).
        QList<RunEvent> events = {fault(50, A, QStringLiteral("pause"))};
        if (interimFaulted)
            events.append(fault(450, B));
        const ClusterTimeline t =
            ClusterTimeline::derive({round(0, {A}), round(100, {}), round(200, {B}), round(400, {B}), round(600, {A})}, events, 0);
        QCOMPARE(t.leaderChanges(), 2);
        QCOMPARE(t.leaderRegressions(), regressions);
        QCOMPARE(int(std::count_if(t.anomalies().cbegin(), t.anomalies().cend(),
                                   [](const ClusterAnomaly &a) { return a.kind == ClusterAnomaly::Kind::LeaderRegression; })),
                 regressions);
        if (regressions)
            QVERIFY2(t.anomalies().last().detail.contains(QStringLiteral("b was not faulted")), qPrintable(t.anomalies().last().detail));
    }

    void clusterSourceWinsAndErrorsSayNothing()
    {
        RoleSample failed = round(150, {});
        failed.error = QStringLiteral("connection refused");
        // The members' per-service probes disagree (two leaders); the cluster's own view is used.
        const ClusterTimeline t = ClusterTimeline::derive({round(0, {A}), failed, round(200, {A}),
                                                           round(100, {A, B}, {}, QStringLiteral("members"))},
                                                          {}, 0);
        QCOMPARE(t.rounds().size(), 2);
        QCOMPARE(t.splitBrainSamples(), 0);
        QCOMPARE(t.leaderlessMs(), 0.0); // the failed round is no "no leader"
        QVERIFY(t.anomalies().isEmpty());

        const ClusterTimeline members = ClusterTimeline::derive({round(100, {A, B}, {}, QStringLiteral("members"))}, {}, 0);
        QCOMPARE(members.splitBrainSamples(), 1);
    }

    void roundThatDidNotAskTheLeaderSaysNothing()
    {
        // a's answer to the round at 100 is still out at 200 and 300 (a slow role probe): those
        // rounds did not ask a. The round at 500 did ask it and got no answer: that is a gap.
        const auto unaskedA = [](qint64 ms, const QStringList &leaders) {
            RoleSample r = round(ms, leaders, {}, QStringLiteral("members"));
            r.unasked = {A};
            return r;
        };
        const ClusterTimeline t = ClusterTimeline::derive({round(0, {A}, {}, QStringLiteral("members")), round(100, {A}, {}, QStringLiteral("members")),
                                                           unaskedA(200, {}), unaskedA(300, {}), round(400, {A}, {}, QStringLiteral("members")),
                                                           round(500, {}, {}, QStringLiteral("members")), round(600, {A}, {}, QStringLiteral("members"))},
                                                          {}, 0);
        QCOMPARE(t.rounds().size(), 7);       // their other answers still time a failover
        QCOMPARE(t.leaderRounds().size(), 5);
        QCOMPARE(t.leaderlessMs(), 100.0); // 500 -> 600 only
        QCOMPARE(t.anomalies().size(), 1);
        QCOMPARE(t.anomalies().first().atMs, 500.0);
        QCOMPARE(t.leaderChanges(), 0);

        // a did not answer the round at 500 (asked, no answer): a fault at 560 still hit the
        // leader as far as anyone knew; 1.5 s into such silence it no longer did.
        QCOMPARE(t.leaderAt(560 * Ms, A), A);
        QCOMPARE(t.leaderAt(560 * Ms), QString());
        const ClusterTimeline longSilence = ClusterTimeline::derive({round(0, {A}), round(100, {}), round(1700, {})}, {}, 0);
        QCOMPARE(longSilence.leaderAt(1000 * Ms, A), A);
        QCOMPARE(longSilence.leaderAt(1800 * Ms, A), QString());
        RoleSample stepsDown = round(100, {});
        stepsDown.roles.insert(A, QStringLiteral("replica")); // an answer, not silence
        const ClusterTimeline answeredNoLeader = ClusterTimeline::derive({round(0, {A}), stepsDown}, {}, 0);
        QCOMPARE(answeredNoLeader.leaderAt(200 * Ms, A), QString());

        // After a split brain (a and b claim), a round in which b answers replica and a was not
        // asked does not say a stopped leading.
        RoleSample bStepsDown = unaskedA(200, {});
        bStepsDown.roles.insert(B, QStringLiteral("replica"));
        const QString m = QStringLiteral("members");
        const ClusterTimeline split = ClusterTimeline::derive({round(0, {A}, {}, m), round(100, {A, B}, {}, m), bStepsDown, round(300, {A}, {}, m)}, {}, 0);
        QCOMPARE(split.rounds().size(), 4);
        QCOMPARE(split.leaderRounds().size(), 3);
        QCOMPARE(split.leaderlessMs(), 0.0);

        // A round that did not ask a but heard b claim the role is evidence: kept.
        const ClusterTimeline claim = ClusterTimeline::derive({round(0, {A}, {}, QStringLiteral("members")), unaskedA(100, {B})}, {}, 0);
        QCOMPARE(claim.leaderRounds().size(), 2);
        QCOMPARE(claim.leaderChanges(), 1);
    }

    void roundsInAnyOrder()
    {
        RoleSampleBatch rounds = {round(0, {A}), round(100, {}), round(200, {B}), round(300, {A})};
        const ClusterTimeline inOrder = ClusterTimeline::derive(rounds, {}, 0);
        std::reverse(rounds.begin(), rounds.end());
        const ClusterTimeline reversed = ClusterTimeline::derive(rounds, {}, 0);
        QCOMPARE(reversed.leaderChanges(), inOrder.leaderChanges());
        QCOMPARE(reversed.leaderRegressions(), 1);
        QCOMPARE(reversed.leaderlessMs(), inOrder.leaderlessMs());
        QCOMPARE(reversed.anomalies(), inOrder.anomalies());
    }
};

QTEST_GUILESS_MAIN(TestClusterTimeline)
#include "tst_clustertimeline.moc"
