// CheckMetrics: every metric from samples in time order, whatever order they complete in; the
// interval that holds the truth of each timing; failover from role rounds (and without them);
// skipped samples and the console-overload rule. Synthetic samples: the computation is under test.
#include "checkmetrics.h"

#include <QRandomGenerator>
#include <QTest>

#include <algorithm>

namespace {

constexpr qint64 Ms = 1'000'000;

ProbeSample sample(qint64 dueMs, bool ok, double latencyMs = 2, bool skipped = false)
{
    ProbeSample s;
    s.probeId = QStringLiteral("lb");
    s.monoNs = dueMs * Ms;
    s.lateNs = 1 * Ms;
    s.ok = ok && !skipped;
    s.latencyMs = latencyMs;
    s.skipped = skipped;
    s.status = s.ok ? 200 : 0;
    return s;
}

RunEvent runEvent(RunEvent::Kind kind, qint64 atMs, const QString &service = {}, const QString &action = {})
{
    RunEvent e;
    e.kind = kind;
    e.monoNs = atMs * Ms;
    e.service = service;
    e.action = action;
    return e;
}

RoleSample round(qint64 startMs, const QStringList &leaders, qint64 durationMs = 5)
{
    RoleSample r;
    r.startNs = startMs * Ms;
    r.endNs = (startMs + durationMs) * Ms;
    r.source = QStringLiteral("cluster");
    for (const QString &l : leaders)
        r.roles.insert(l, QStringLiteral("leader"));
    return r;
}

// 50 ms probe over 4 s: a sample due at 500 ms times out after 3 s (it completes after every later
// success), a real outage from 1000 to 1200 ms, a skipped slot at 1500 ms. The leader api1 is
// killed at 980 ms, no leader from 1110 ms, api2 leads from 1310 ms; api1 is started at 1600 ms.
ProbeSampleBatch scenarioSamples()
{
    ProbeSampleBatch out;
    for (qint64 t = 0; t < 4000; t += 50) {
        if (t == 500)
            out.append(sample(t, false, 3000));
        else if (t == 1500)
            out.append(sample(t, false, 0, true));
        else
            out.append(sample(t, !(t >= 1000 && t <= 1200)));
    }
    return out;
}

RoleSampleBatch scenarioRounds()
{
    RoleSampleBatch out;
    for (qint64 t = 10; t < 4000; t += 100)
        out.append(round(t, t < 1100 ? QStringList{QStringLiteral("api1")} : t < 1300 ? QStringList{} : QStringList{QStringLiteral("api2")}));
    return out;
}

QList<RunEvent> scenarioEvents()
{
    return {runEvent(RunEvent::Kind::CheckStarted, 0), runEvent(RunEvent::Kind::Fault, 980, QStringLiteral("api1"), QStringLiteral("kill")),
            runEvent(RunEvent::Kind::Fault, 1600, QStringLiteral("api1"), QStringLiteral("start"))};
}

// In the order they complete: due + lateness + latency.
ProbeSampleBatch byCompletion(ProbeSampleBatch samples)
{
    std::stable_sort(samples.begin(), samples.end(), [](const ProbeSample &a, const ProbeSample &b) {
        return a.monoNs + a.lateNs + qint64(a.latencyMs * 1e6) < b.monoNs + b.lateNs + qint64(b.latencyMs * 1e6);
    });
    return samples;
}

CheckMetrics metricsFrom(const QList<ProbeSampleBatch> &batches, const QList<RoleSampleBatch> &rounds, const QList<RunEvent> &events)
{
    CheckMetrics m;
    m.addProbe({QStringLiteral("lb"), 50, 0});
    for (const RunEvent &e : events)
        m.addEvent(e);
    for (const ProbeSampleBatch &b : batches)
        m.addSamples(b);
    for (const RoleSampleBatch &r : rounds)
        m.addRoleSamples(r);
    return m;
}

void compareInterval(const MetricIntervals &intervals, const QString &name, double lo, double hi)
{
    QVERIFY2(intervals.contains(name), qPrintable(name));
    QCOMPARE(intervals.value(name).lo, lo);
    QCOMPARE(intervals.value(name).hi, hi);
}

} // namespace

class TestCheckMetrics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyMetricFromTimeOrder_data()
    {
        QTest::addColumn<int>("arrival");
        QTest::newRow("time order") << 0;
        QTest::newRow("completion order, one batch") << 1;
        QTest::newRow("completion order, in 7-sample batches") << 2;
        QTest::newRow("shuffled, one sample per batch") << 3;
        QTest::newRow("reversed") << 4;
    }

    void everyMetricFromTimeOrder()
    {
        QFETCH(int, arrival);
        const ProbeSampleBatch inOrder = scenarioSamples();
        QList<ProbeSampleBatch> batches;
        RoleSampleBatch rounds = scenarioRounds();
        switch (arrival) {
        case 0: batches = {inOrder}; break;
        case 1: batches = {byCompletion(inOrder)}; break;
        case 2: {
            const ProbeSampleBatch done = byCompletion(inOrder);
            for (qsizetype i = 0; i < done.size(); i += 7)
                batches.append(done.mid(i, 7));
            break;
        }
        case 3: {
            ProbeSampleBatch shuffled = inOrder;
            QRandomGenerator rng(1234);
            std::shuffle(shuffled.begin(), shuffled.end(), rng);
            for (const ProbeSample &s : shuffled)
                batches.append({s});
            std::shuffle(rounds.begin(), rounds.end(), rng);
            break;
        }
        case 4:
            batches = {ProbeSampleBatch(inOrder.crbegin(), inOrder.crend())};
            std::reverse(rounds.begin(), rounds.end());
            break;
        }
        // The completion order really is out of time order: the 3 s timeout comes after later successes.
        if (arrival == 1) {
            const ProbeSampleBatch done = byCompletion(inOrder);
            const auto position = [&done](qint64 dueMs) {
                return std::find_if(done.cbegin(), done.cend(), [dueMs](const ProbeSample &x) { return x.monoNs == dueMs * Ms; }) - done.cbegin();
            };
            QVERIFY(position(500) > position(3000));
        }

        const CheckMetrics metrics = metricsFrom(batches, {rounds}, scenarioEvents());
        QCOMPARE(metrics.sampleCount(QStringLiteral("lb")), inOrder.size());
        const CheckMetrics::Summary s = metrics.summarize();
        const QMap<QString, double> &m = s.values;

        QCOMPARE(m.value(QStringLiteral("probes_total")), 79.0);
        QCOMPARE(m.value(QStringLiteral("probes_ok")), 73.0);
        QCOMPARE(m.value(QStringLiteral("skipped_samples")), 1.0);
        QCOMPARE(m.value(QStringLiteral("lb.skipped_samples")), 1.0);
        QCOMPARE(m.value(QStringLiteral("availability_pct")), 100.0 * 73 / 79);
        QCOMPARE(m.value(QStringLiteral("lb.availability_pct")), 100.0 * 73 / 79);
        // The real outage (1000-1200 ms, back at 1250): 250 ms, truth in [1201-1003, 1253-951].
        // In completion order the old code saw the 3 s timeout as a 3 s outage.
        QCOMPARE(m.value(QStringLiteral("longest_outage_ms")), 250.0);
        compareInterval(s.intervals, QStringLiteral("longest_outage_ms"), 198, 302);
        compareInterval(s.intervals, QStringLiteral("lb.longest_outage_ms"), 198, 302);
        QCOMPARE(m.value(QStringLiteral("latency_p50_ms")), 2.0);
        QCOMPARE(m.value(QStringLiteral("latency_p99_ms")), 2.0);
        QCOMPARE(m.value(QStringLiteral("console_late_p99_ms")), 1.0);
        // Fault 980 -> first failure started 1001 (ended 1003), no success seen after the fault before it.
        QCOMPARE(m.value(QStringLiteral("detection_ms")), 21.0);
        compareInterval(s.intervals, QStringLiteral("detection_ms"), 0, 23);
        // start at 1600 -> the sample due 1600 (started 1601, answered 1603) succeeded.
        QCOMPARE(m.value(QStringLiteral("recovery_ms")), 1.0);
        compareInterval(s.intervals, QStringLiteral("recovery_ms"), 0, 3);
        // api2 first leads in the round started 1310 (answered 1315), the round before it started 1210;
        // service back at 1251 (the last failure started 1201): the later of the two.
        QCOMPARE(m.value(QStringLiteral("failover_ms")), 330.0);
        compareInterval(s.intervals, QStringLiteral("failover_ms"), 230, 335);
        QCOMPARE(m.value(QStringLiteral("failover_count")), 1.0);
        QCOMPARE(m.value(QStringLiteral("failover_missing")), 0.0);
        // No leader in the rounds of 1110 and 1210; api1 last seen 1010, api2 first seen 1310 (to 1315).
        QCOMPARE(m.value(QStringLiteral("leaderless_ms")), 200.0);
        compareInterval(s.intervals, QStringLiteral("leaderless_ms"), 95, 305);
        QCOMPARE(m.value(QStringLiteral("leader_changes")), 1.0);
        QCOMPARE(m.value(QStringLiteral("split_brain_samples")), 0.0);
        QCOMPARE(m.value(QStringLiteral("leader_regressions")), 0.0);
        QVERIFY(s.anomalies.isEmpty()); // the leaderless gap follows the leader's kill: a healthy failover
        QVERIFY2(s.overload.isEmpty(), qPrintable(s.overload));

        // Every timing value lies in its interval.
        for (auto it = s.intervals.cbegin(); it != s.intervals.cend(); ++it)
            QVERIFY2(it.value().contains(m.value(it.key())), qPrintable(it.key()));
    }

    void aLateTimeoutIsOneSlotNotAnOutage()
    {
        // Only one failure: a 3 s timeout due at 500 ms, completing after every later success.
        ProbeSampleBatch b;
        for (qint64 t = 0; t <= 2000; t += 50)
            b.append(t == 500 ? sample(t, false, 3000) : sample(t, true));
        CheckMetrics m;
        m.addSamples(byCompletion(b));
        const CheckMetrics::Summary s = m.summarize();
        QCOMPARE(s.values.value(QStringLiteral("probes_ok")), 40.0);
        // One slot: from its start (501) to the next success's start (551); truth in [0, 553 - 451].
        QCOMPARE(s.values.value(QStringLiteral("longest_outage_ms")), 50.0);
        compareInterval(s.intervals, QStringLiteral("longest_outage_ms"), 0, 102);
    }

    void noOutageStillSaysWhatCouldHide()
    {
        ProbeSampleBatch b;
        for (qint64 t = 0; t < 1000; t += 100)
            b.append(sample(t, true));
        CheckMetrics m;
        m.addSamples(b);
        const CheckMetrics::Summary s = m.summarize();
        QCOMPARE(s.values.value(QStringLiteral("longest_outage_ms")), 0.0);
        // An outage shorter than two successes apart (started 1 ms late, answered in 2 ms) can hide between them.
        compareInterval(s.intervals, QStringLiteral("longest_outage_ms"), 0, 102);
    }

    void failoverWaitsForServiceBack()
    {
        // The new leader is seen at once, but the service answers only at 2000 ms: failover is the later.
        ProbeSampleBatch b;
        for (qint64 t = 0; t < 3000; t += 100)
            b.append(sample(t, t < 1000 || t >= 2000));
        RoleSampleBatch rounds = {round(0, {QStringLiteral("a")}), round(500, {QStringLiteral("a")}), round(1100, {QStringLiteral("b")})};
        const CheckMetrics::Summary s =
            metricsFrom({b}, {rounds}, {runEvent(RunEvent::Kind::Fault, 950, QStringLiteral("a"), QStringLiteral("stop"))}).summarize();
        QCOMPARE(s.values.value(QStringLiteral("failover_ms")), 1051.0);    // 2001 - 950
        compareInterval(s.intervals, QStringLiteral("failover_ms"), 951, 1053); // last failure 1901, success answered 2003
    }

    void anOutageAfterTheNewLeaderServedIsAnotherStory()
    {
        // A client that fails over within one attempt never loses the service: a succeeds until the
        // fault at 950, b leads from 1100 and serves. An attempt starting at 2900, just before the
        // heal at 2950, fails in the heal's own disruption: not this failover's outage.
        ProbeSampleBatch b;
        for (qint64 t = 0; t < 4000; t += 100)
            b.append(sample(t, t < 2900 || t >= 3500));
        RoleSampleBatch rounds = {round(0, {QStringLiteral("a")}), round(500, {QStringLiteral("a")}), round(1100, {QStringLiteral("b")}),
                                  round(3000, {}), round(3400, {QStringLiteral("b")})};
        const CheckMetrics::Summary s = metricsFrom({b}, {rounds},
                                                    {runEvent(RunEvent::Kind::Fault, 950, QStringLiteral("a"), QStringLiteral("isolate")),
                                                     runEvent(RunEvent::Kind::Fault, 2950, {}, QStringLiteral("heal"))})
                                            .summarize();
        QCOMPARE(s.values.value(QStringLiteral("failover_ms")), 150.0); // the round at 1100
        compareInterval(s.intervals, QStringLiteral("failover_ms"), 0, 155);
        QCOMPARE(s.values.value(QStringLiteral("longest_outage_ms")), 600.0); // still counted where it belongs

        // The same outage with no success after the new leader was seen is the failover's.
        ProbeSampleBatch down;
        for (qint64 t = 0; t < 4000; t += 100)
            down.append(sample(t, t < 1000 || t >= 3500));
        const CheckMetrics::Summary d = metricsFrom({down}, {rounds},
                                                    {runEvent(RunEvent::Kind::Fault, 950, QStringLiteral("a"), QStringLiteral("isolate")),
                                                     runEvent(RunEvent::Kind::Fault, 2950, {}, QStringLiteral("heal"))})
                                            .summarize();
        QCOMPARE(d.values.value(QStringLiteral("failover_ms")), 2551.0); // back at 3501
    }

    void aStillWaitingSlotIsNoAttempt()
    {
        // A blocking SQL probe (250 ms, timeout 1 s): the connect at 1250 hangs 2 s. Slots due while
        // it hangs are skipped, then failed as "still waiting" until the probe is free at 3250. They
        // are no attempts: the service may have been back at any time after the last real one.
        ProbeSampleBatch b;
        for (qint64 t = 0; t < 5000; t += 250) {
            if (t < 1000 || t >= 3250) {
                b.append(sample(t, true));
            } else if (t == 1000) {
                b.append(sample(t, false, 0)); // the old primary terminates the connection
            } else if (t == 1250) {
                b.append(sample(t, false, 1000)); // timed out
            } else if (t < 2250) {
                ProbeSample s = sample(t, false, 0, true);
                s.error = QString::fromLatin1(ProbeSample::SkippedStillRunning);
                b.append(s);
            } else {
                ProbeSample s = sample(t, false, 0);
                s.lateNs = 0;
                s.error = QString::fromLatin1(ProbeSample::StillWaiting);
                QVERIFY(s.stillWaiting());
                b.append(s);
            }
        }
        RoleSampleBatch rounds = {round(0, {QStringLiteral("a")}), round(500, {QStringLiteral("a")}), round(1600, {QStringLiteral("b")})};
        const CheckMetrics::Summary s =
            metricsFrom({b}, {rounds}, {runEvent(RunEvent::Kind::Fault, 950, QStringLiteral("a"), QStringLiteral("stop"))}).summarize();
        QCOMPARE(s.values.value(QStringLiteral("failover_ms")), 2301.0); // first success 3251
        // From the last real attempt (1251), not the last still-waiting slot (3000), to 3253.
        compareInterval(s.intervals, QStringLiteral("failover_ms"), 301, 2303);
        // The failures still count: the service did not answer the probe.
        QCOMPARE(s.values.value(QStringLiteral("longest_outage_ms")), 2250.0); // 3251 - 1001
    }

    void faultOnAReplicaIsNoFailover()
    {
        RoleSampleBatch rounds = {round(0, {QStringLiteral("a")}), round(1000, {QStringLiteral("a")})};
        const CheckMetrics::Summary s =
            metricsFrom({}, {rounds}, {runEvent(RunEvent::Kind::Fault, 500, QStringLiteral("b"), QStringLiteral("pause"))}).summarize();
        QVERIFY(!s.values.contains(QStringLiteral("failover_ms")));
        QCOMPARE(s.values.value(QStringLiteral("failover_count")), 0.0);
        QVERIFY(!s.values.contains(QStringLiteral("failover_missing")));
        QCOMPARE(s.values.value(QStringLiteral("leader_changes")), 0.0);
    }

    void failoverNeverSeenLeavesItUnmeasured()
    {
        // Two leader faults: the first fails over, the second never does. The worst of one would hide the other.
        RoleSampleBatch rounds = {round(0, {QStringLiteral("a")}), round(1000, {QStringLiteral("b")}), round(2000, {QStringLiteral("b")}),
                                  round(3000, {}), round(4000, {})};
        const CheckMetrics::Summary s = metricsFrom({}, {rounds},
                                                    {runEvent(RunEvent::Kind::Fault, 500, QStringLiteral("a"), QStringLiteral("kill")),
                                                     runEvent(RunEvent::Kind::Fault, 2500, QStringLiteral("b"), QStringLiteral("kill"))})
                                            .summarize();
        QVERIFY(!s.values.contains(QStringLiteral("failover_ms")));
        QCOMPARE(s.values.value(QStringLiteral("failover_count")), 1.0);
        QCOMPARE(s.values.value(QStringLiteral("failover_missing")), 1.0);
        QCOMPARE(s.anomalies.size(), 1); // no leader until the end
        QCOMPARE(s.anomalies.at(0).kind, ClusterAnomaly::Kind::Leaderless);
        QVERIFY(!s.anomalies.at(0).untilMs);
    }

    void failoverFromRoleChangeEventsWithoutRoleSamples()
    {
        CheckMetrics m;
        m.setRoleResolutionMs(100);
        m.addEvent(runEvent(RunEvent::Kind::RoleChange, 0, QStringLiteral("a"), QStringLiteral("leader")));
        m.addEvent(runEvent(RunEvent::Kind::Fault, 1000, QStringLiteral("a"), QStringLiteral("kill")));
        m.addEvent(runEvent(RunEvent::Kind::RoleChange, 1700, QStringLiteral("b"), QStringLiteral("leader")));
        const CheckMetrics::Summary s = m.summarize();
        // The status that reported b came from a role probe at most one interval (100 ms) earlier.
        QCOMPARE(s.values.value(QStringLiteral("failover_ms")), 700.0);
        compareInterval(s.intervals, QStringLiteral("failover_ms"), 600, 700);
        QCOMPARE(s.values.value(QStringLiteral("leader_changes")), 1.0);
    }

    void failoverFromProbesAloneWithoutRoles()
    {
        ProbeSampleBatch b;
        for (qint64 t = 0; t < 2000; t += 100)
            b.append(sample(t, t < 600 || t >= 900));
        const CheckMetrics::Summary s =
            metricsFrom({byCompletion(b)}, {}, {runEvent(RunEvent::Kind::Fault, 550, QStringLiteral("x"), QStringLiteral("kill"))}).summarize();
        QCOMPARE(s.values.value(QStringLiteral("failover_ms")), 351.0); // back at 901
        compareInterval(s.intervals, QStringLiteral("failover_ms"), 251, 353);
        QVERIFY(!s.values.contains(QStringLiteral("leaderless_ms"))); // no roles, no cluster timeline
    }

    void lateProbesMakeTheConsoleOverloaded()
    {
        ProbeSampleBatch late;
        for (qint64 t = 0; t < 2000; t += 10) {
            ProbeSample s = sample(t, true);
            s.lateNs = (t % 100 == 0 ? 30 : 1) * Ms; // 10 % of the samples start 30 ms late at a 10 ms interval
            late.append(s);
        }
        CheckMetrics m;
        m.addProbe({QStringLiteral("lb"), 10, 0});
        m.addSamples(late);
        CheckMetrics::Summary s = m.summarize();
        QCOMPARE(s.values.value(QStringLiteral("console_late_p99_ms")), 30.0);
        QVERIFY2(s.overload.contains(QStringLiteral("probe lb started p99 30.0 ms late")), qPrintable(s.overload));

        // Skipped samples beyond 1 %: overloaded even when every taken sample was on time.
        ProbeSampleBatch skipping;
        for (qint64 t = 0; t < 1000; t += 10)
            skipping.append(sample(t, true, 2, t % 200 == 0)); // 5 of 100
        CheckMetrics k;
        k.addProbe({QStringLiteral("lb"), 10, 0});
        k.addSamples(skipping);
        s = k.summarize();
        QCOMPARE(s.values.value(QStringLiteral("skipped_samples")), 5.0);
        QCOMPARE(s.values.value(QStringLiteral("probes_total")), 95.0);
        QCOMPARE(s.values.value(QStringLiteral("availability_pct")), 100.0); // skipped slots are no outage
        QVERIFY2(s.overload.contains(QStringLiteral("5 of 100 samples skipped with no attempt in flight")), qPrintable(s.overload));

        // Slots skipped while a slow attempt still waited for the target: the target is slow, not the console.
        ProbeSampleBatch slow;
        for (qint64 t = 0; t < 1000; t += 10) {
            const bool hanging = t % 200 == 0;         // this attempt takes 45 ms...
            const bool skippedSlot = t % 200 > 0 && t % 200 < 50; // ... so the next four slots find it in flight
            slow.append(sample(t, true, hanging ? 45 : 2, skippedSlot));
        }
        CheckMetrics w;
        w.addProbe({QStringLiteral("lb"), 10, 0});
        w.addSamples(slow);
        s = w.summarize();
        QCOMPARE(s.values.value(QStringLiteral("skipped_samples")), 20.0);
        QVERIFY2(s.overload.isEmpty(), qPrintable(s.overload));

        // An attempt still waiting for the target when the check ended leaves no sample; the slots
        // the executor refused meanwhile are the target's slowness all the same.
        ProbeSampleBatch cutOff;
        for (qint64 t = 0; t < 2000; t += 100) {
            if (t == 1000)
                continue; // started, never answered before the end
            ProbeSample p = sample(t, true, 2, t > 1000);
            if (p.skipped)
                p.error = QString::fromLatin1(ProbeSample::SkippedStillRunning);
            cutOff.append(p);
        }
        CheckMetrics c;
        c.addProbe({QStringLiteral("writes"), 100, 0});
        c.addSamples(cutOff);
        s = c.summarize();
        QCOMPARE(s.values.value(QStringLiteral("skipped_samples")), 9.0);
        QVERIFY2(s.overload.isEmpty(), qPrintable(s.overload));

        // On time and nothing skipped: not overloaded.
        ProbeSampleBatch fine;
        for (qint64 t = 0; t < 1000; t += 10)
            fine.append(sample(t, true));
        CheckMetrics f;
        f.addProbe({QStringLiteral("lb"), 10, 0});
        f.addSamples(fine);
        QVERIFY(f.summarize().overload.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCheckMetrics)
#include "tst_checkmetrics.moc"
