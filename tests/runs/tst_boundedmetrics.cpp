// CheckMetrics in bounded memory: 2 million random samples (three probes, outages, timeouts that
// complete long after later successes, skipped slots), faults, repairs and role rounds, fed in
// completion order in 50 ms batches. The retained elements stay bounded (counted, not timed), and
// every figure equals a straightforward reference over the full sample list sorted by due time
// (percentiles within the documented 1 % histogram bound); the cluster figures equal
// ClusterTimeline over every round.
#include "checkmetrics.h"
#include "clustertimeline.h"

#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

namespace {

constexpr qint64 Ms = 1'000'000;
constexpr qint64 IntervalMs = 10;
constexpr int SamplesPerProbe = 666'667;
const QStringList Probes = {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};

// --- the reference: the straightforward computation over every sample, in due order ---

qint64 startNs(const ProbeSample &s)
{
    return s.monoNs + s.lateNs;
}

qint64 endNs(const ProbeSample &s)
{
    return startNs(s) + qint64(std::llround(s.latencyMs * 1e6));
}

double ms(qint64 ns)
{
    return double(ns) / 1e6;
}

struct Timing
{
    double value = 0;
    double lo = 0;
    double hi = 0;
};

Timing timing(double value, double lo, double hi)
{
    lo = std::max(0.0, lo);
    hi = std::max(lo, hi);
    return {std::clamp(value, lo, hi), lo, hi};
}

void keepWorst(std::optional<Timing> &worst, const Timing &t)
{
    worst = worst ? Timing{std::max(worst->value, t.value), std::max(worst->lo, t.lo), std::max(worst->hi, t.hi)} : t;
}

void keepEarliest(std::optional<Timing> &earliest, const Timing &t)
{
    earliest = earliest ? Timing{std::min(earliest->value, t.value), std::min(earliest->lo, t.lo), std::min(earliest->hi, t.hi)} : t;
}

// Longest run of failures, with the last success before and the first after.
Timing longestOutage(const QList<ProbeSample> &s)
{
    std::optional<Timing> worst;
    double unseen = 0;
    for (qsizetype i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size() && s.at(i).ok && s.at(i + 1).ok)
            unseen = std::max(unseen, ms(endNs(s.at(i + 1)) - startNs(s.at(i))));
        if (s.at(i).ok || (i > 0 && !s.at(i - 1).ok))
            continue;
        qsizetype j = i;
        while (j + 1 < s.size() && !s.at(j + 1).ok)
            ++j;
        const qint64 began = i > 0 ? startNs(s.at(i - 1)) : startNs(s.at(i));
        if (j + 1 >= s.size())
            keepWorst(worst, timing(ms(startNs(s.at(j)) - startNs(s.at(i))), ms(startNs(s.at(j)) - endNs(s.at(i))), ms(endNs(s.at(j)) - began)));
        else
            keepWorst(worst, timing(ms(startNs(s.at(j + 1)) - startNs(s.at(i))), ms(startNs(s.at(j)) - endNs(s.at(i))),
                                    ms(endNs(s.at(j + 1)) - began)));
    }
    Timing t = worst.value_or(Timing{});
    t.hi = std::max(t.hi, unseen);
    return t;
}

qsizetype firstWith(const QList<ProbeSample> &s, qint64 fromNs, bool ok, qint64 beforeNs = std::numeric_limits<qint64>::max())
{
    for (qsizetype i = 0; i < s.size(); ++i) {
        const qint64 t = startNs(s.at(i));
        if (t < fromNs)
            continue;
        if (t >= beforeNs)
            return -1;
        if (s.at(i).ok == ok)
            return i;
    }
    return -1;
}

std::optional<Timing> firstChange(const QList<ProbeSample> &s, qint64 atNs, bool wanted)
{
    const qsizetype i = firstWith(s, atNs, wanted);
    if (i < 0)
        return std::nullopt;
    qsizetype prev = -1;
    for (qsizetype k = i - 1; k >= 0 && startNs(s.at(k)) >= atNs && prev < 0; --k)
        if (s.at(k).ok != wanted)
            prev = k;
    return timing(ms(startNs(s.at(i)) - atNs), prev >= 0 ? ms(startNs(s.at(prev)) - atNs) : 0.0, ms(endNs(s.at(i)) - atNs));
}

// 0 = not lost, 1 = back (t set), 2 = never back.
int serviceBack(const QList<ProbeSample> &s, qint64 atNs, qint64 nextFaultNs, Timing *t)
{
    const qsizetype down = firstWith(s, atNs, false, nextFaultNs);
    if (down < 0)
        return 0;
    qsizetype up = down + 1;
    while (up < s.size() && !s.at(up).ok)
        ++up;
    if (up >= s.size())
        return 2;
    *t = timing(ms(startNs(s.at(up)) - atNs), ms(startNs(s.at(up - 1)) - atNs), ms(endNs(s.at(up)) - atNs));
    return 1;
}

// --- the input ---

struct Input
{
    ProbeSampleBatch samples; // in due order per probe, probes interleaved
    QList<RunEvent> events;
    RoleSampleBatch rounds;
    qsizetype outcomeRuns = 0; // runs of equal outcome over the taken samples, all probes
};

RunEvent event(RunEvent::Kind kind, qint64 atNs, const QString &service = {}, const QString &action = {})
{
    RunEvent e;
    e.kind = kind;
    e.monoNs = atNs;
    e.service = service;
    e.action = action;
    return e;
}

Input generate(quint32 seed)
{
    QRandomGenerator rng(seed);
    Input in;
    in.events.append(event(RunEvent::Kind::CheckStarted, 0));
    const qint64 endNs = SamplesPerProbe * IntervalMs * Ms;
    // A kill of the leader every ~10 min, its repair 30 s later; the other member leads after 2 s.
    QList<qint64> kills;
    for (qint64 t = 300'000 * Ms; t + 60'000 * Ms < endNs; t += qint64(500'000 + rng.bounded(200'000)) * Ms)
        kills.append(t + qint64(rng.bounded(1'000'000)));
    QString leader = QStringLiteral("api1");
    for (qint64 k : std::as_const(kills)) {
        in.events.append(event(RunEvent::Kind::Fault, k, leader, QStringLiteral("kill")));
        in.events.append(event(RunEvent::Kind::Fault, k + 30'000 * Ms, leader, QStringLiteral("start")));
        leader = leader == QLatin1String("api1") ? QStringLiteral("api2") : QStringLiteral("api1");
    }
    for (int p = 0; p < Probes.size(); ++p) {
        bool down = false;
        bool lastTakenOk = true;
        bool anyTaken = false;
        qsizetype killIndex = 0;
        for (int i = 0; i < SamplesPerProbe; ++i) {
            ProbeSample s;
            s.probeId = Probes.at(p);
            s.monoNs = (qint64(i) * IntervalMs + p) * Ms;
            // An outage begins now and then, always right after a kill; it lasts ~50 samples.
            while (killIndex < kills.size() && kills.at(killIndex) < s.monoNs) {
                down = true;
                ++killIndex;
            }
            if (down ? rng.bounded(50) == 0 : rng.bounded(4000) == 0)
                down = !down;
            s.lateNs = qint64(rng.bounded(3'000'000)); // under the interval: attempts start in due order
            if (rng.bounded(1000) == 0) {
                s.skipped = true;
            } else if (down || rng.bounded(3000) == 0) {
                const bool timeout = rng.bounded(3) == 0;
                s.latencyMs = timeout ? 1000.0 : 0.2 + rng.generateDouble();
                s.error = timeout ? QStringLiteral("timeout") : QStringLiteral("refused");
            } else {
                s.ok = true;
                s.status = 200;
                s.latencyMs = std::exp(std::log(0.3) + rng.generateDouble() * (std::log(40.0) - std::log(0.3)));
            }
            if (!s.skipped) {
                if (!anyTaken || s.ok != lastTakenOk)
                    ++in.outcomeRuns;
                anyTaken = true;
                lastTakenOk = s.ok;
            }
            in.samples.append(s);
        }
    }
    // Role rounds every 100 ms, taking 1-150 ms (so they complete out of order); no leader for 2 s
    // after each kill; now and then a round with two leaders.
    leader = QStringLiteral("api1");
    qsizetype k = 0;
    for (qint64 t = 5 * Ms; t < endNs; t += 100 * Ms) {
        QStringList leaders;
        while (k < kills.size() && kills.at(k) <= t) {
            leader = leader == QLatin1String("api1") ? QStringLiteral("api2") : QStringLiteral("api1");
            ++k;
        }
        if (k > 0 && t < kills.at(k - 1) + 2'000 * Ms)
            leaders = {};
        else
            leaders = {leader};
        if (rng.bounded(5000) == 0)
            leaders = {QStringLiteral("api1"), QStringLiteral("api2")};
        RoleSample r;
        r.startNs = t;
        r.endNs = t + qint64(1 + rng.bounded(150)) * Ms;
        r.source = QStringLiteral("cluster");
        for (const QString &l : std::as_const(leaders))
            r.roles.insert(l, QStringLiteral("leader"));
        in.rounds.append(r);
    }
    return in;
}

qint64 completionNs(const ProbeSample &s)
{
    return s.skipped ? s.monoNs : endNs(s);
}

} // namespace

class TestBoundedMetrics : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void twoMillionSamplesInBoundedMemory_data()
    {
        QTest::addColumn<quint32>("seed");
        QTest::newRow("seed 1") << 1u;
    }

    void twoMillionSamplesInBoundedMemory()
    {
        QFETCH(quint32, seed);
        const Input in = generate(seed);
        QVERIFY(in.samples.size() >= 2'000'000);

        // Fed as the console gets them: in completion order, in 50 ms batches, events and rounds
        // when they happen / complete.
        std::multimap<qint64, int> arrivals; // completion -> index (samples >= 0, rounds < 0)
        for (int i = 0; i < in.samples.size(); ++i)
            arrivals.emplace(completionNs(in.samples.at(i)), i);
        for (int i = 0; i < in.rounds.size(); ++i)
            arrivals.emplace(in.rounds.at(i).endNs, -1 - i);
        CheckMetrics metrics;
        for (const QString &p : Probes)
            metrics.addProbe({p, IntervalMs, 0});
        qsizetype nextEvent = 0;
        ProbeSampleBatch batch;
        RoleSampleBatch rounds;
        qint64 flushAt = 50 * Ms;
        CheckMetrics::Footprint most;
        const auto flush = [&] {
            metrics.addSamples(batch);
            metrics.addRoleSamples(rounds);
            batch.clear();
            rounds.clear();
            const CheckMetrics::Footprint f = metrics.footprint();
            most.pendingSamples = std::max(most.pendingSamples, f.pendingSamples);
            most.roleRounds = std::max(most.roleRounds, f.roleRounds);
        };
        bool outOfOrder = false;
        qint64 lastDue[3] = {-1, -1, -1};
        for (auto it = arrivals.cbegin(); it != arrivals.cend(); ++it) {
            while (it->first >= flushAt) {
                flush();
                flushAt += 50 * Ms;
            }
            while (nextEvent < in.events.size() && in.events.at(nextEvent).monoNs <= it->first)
                metrics.addEvent(in.events.at(nextEvent++));
            if (it->second >= 0) {
                const ProbeSample &s = in.samples.at(it->second);
                const int p = int(Probes.indexOf(s.probeId));
                outOfOrder = outOfOrder || s.monoNs < lastDue[p];
                lastDue[p] = std::max(lastDue[p], s.monoNs);
                batch.append(s);
            } else {
                rounds.append(in.rounds.at(-1 - it->second));
            }
        }
        flush();
        QVERIFY(outOfOrder); // the timeouts really complete after later samples
        const CheckMetrics::Summary got = metrics.summarize();

        // Bounded: the reorder window holds at most its 60 s of due time per probe (plus the
        // batch in flight); outcome runs are the input's outcome changes, not its samples; the
        // histograms have a fixed ceiling; role rounds are two per stretch plus their window.
        const CheckMetrics::Footprint f = metrics.footprint();
        const qsizetype windowSamples = qsizetype(CheckMetrics::DefaultReorderWindowNs / (IntervalMs * Ms));
        QVERIFY2(most.pendingSamples <= Probes.size() * (windowSamples + 200), qPrintable(QString::number(most.pendingSamples)));
        // (the last minute of each probe is still in its window, not yet folded into runs)
        QVERIFY2(f.outcomeRuns <= in.outcomeRuns && f.outcomeRuns >= in.outcomeRuns - 200,
                 qPrintable(QStringLiteral("%1 runs kept, %2 in the input").arg(f.outcomeRuns).arg(in.outcomeRuns)));
        QVERIFY2(f.outcomeRuns < in.samples.size() / 50, qPrintable(QString::number(f.outcomeRuns)));
        QVERIFY(f.histogramBuckets <= Probes.size() * 2 * 3200);
        QVERIFY2(most.roleRounds < in.rounds.size() / 10, qPrintable(QStringLiteral("%1 of %2").arg(most.roleRounds).arg(in.rounds.size())));
        QCOMPARE(f.events, in.events.size());
        QCOMPARE(metrics.samplesPastWindow(), 0);

        // The reference over every sample, in due order.
        QHash<QString, QList<ProbeSample>> taken;
        QVector<double> latAll, lateAll;
        int okAll = 0, totalAll = 0, skippedAll = 0;
        std::optional<Timing> longestAll;
        const QMap<QString, double> &m = got.values;
        for (const QString &p : Probes) {
            QList<ProbeSample> s;
            int skipped = 0;
            for (const ProbeSample &x : in.samples)
                if (x.probeId == p) {
                    if (x.skipped)
                        ++skipped;
                    else
                        s.append(x);
                }
            std::stable_sort(s.begin(), s.end(), [](const ProbeSample &a, const ProbeSample &b) { return a.monoNs < b.monoNs; });
            QVector<double> lat, late;
            int ok = 0;
            for (const ProbeSample &x : std::as_const(s)) {
                late.append(ms(x.lateNs));
                if (x.ok) {
                    ++ok;
                    lat.append(x.latencyMs);
                }
            }
            const Timing longest = longestOutage(s);
            const QString pre = p + QLatin1Char('.');
            QCOMPARE(m.value(pre + QStringLiteral("probes_ok")), double(ok));
            QCOMPARE(m.value(pre + QStringLiteral("probes_total")), double(s.size()));
            QCOMPARE(m.value(pre + QStringLiteral("skipped_samples")), double(skipped));
            QCOMPARE(m.value(pre + QStringLiteral("availability_pct")), 100.0 * ok / double(s.size()));
            QCOMPARE(m.value(pre + QStringLiteral("longest_outage_ms")), longest.value);
            QCOMPARE(got.intervals.value(pre + QStringLiteral("longest_outage_ms")).lo, longest.lo);
            QCOMPARE(got.intervals.value(pre + QStringLiteral("longest_outage_ms")).hi, longest.hi);
            comparePercentile(m.value(pre + QStringLiteral("latency_p50_ms")), CheckMetrics::percentile(lat, 50));
            comparePercentile(m.value(pre + QStringLiteral("latency_p99_ms")), CheckMetrics::percentile(lat, 99));
            comparePercentile(m.value(pre + QStringLiteral("late_p99_ms")), CheckMetrics::percentile(late, 99));
            okAll += ok;
            totalAll += int(s.size());
            skippedAll += skipped;
            latAll += lat;
            lateAll += late;
            if (!s.isEmpty())
                keepWorst(longestAll, longest);
            taken.insert(p, s);
        }
        QCOMPARE(m.value(QStringLiteral("probes_ok")), double(okAll));
        QCOMPARE(m.value(QStringLiteral("probes_total")), double(totalAll));
        QCOMPARE(m.value(QStringLiteral("skipped_samples")), double(skippedAll));
        QCOMPARE(m.value(QStringLiteral("longest_outage_ms")), longestAll->value);
        QCOMPARE(got.intervals.value(QStringLiteral("longest_outage_ms")).lo, longestAll->lo);
        QCOMPARE(got.intervals.value(QStringLiteral("longest_outage_ms")).hi, longestAll->hi);
        comparePercentile(m.value(QStringLiteral("latency_p50_ms")), CheckMetrics::percentile(latAll, 50));
        comparePercentile(m.value(QStringLiteral("latency_p99_ms")), CheckMetrics::percentile(latAll, 99));
        comparePercentile(m.value(QStringLiteral("console_late_p99_ms")), CheckMetrics::percentile(lateAll, 99));

        // Detection (first kill -> first failure) and recovery (last start -> first success).
        QList<RunEvent> kills, starts;
        for (const RunEvent &e : in.events)
            (e.action == QLatin1String("kill") ? kills : starts).append(e);
        starts.removeIf([](const RunEvent &e) { return e.kind != RunEvent::Kind::Fault; });
        QVERIFY(kills.size() >= 5);
        std::optional<Timing> detection, recovery;
        for (const QList<ProbeSample> &s : std::as_const(taken)) {
            if (const auto t = firstChange(s, kills.first().monoNs, false))
                keepEarliest(detection, *t);
            if (const auto t = firstChange(s, starts.last().monoNs, true))
                keepEarliest(recovery, *t);
        }
        QVERIFY(detection && recovery);
        compareTiming(got, QStringLiteral("detection_ms"), *detection);
        compareTiming(got, QStringLiteral("recovery_ms"), *recovery);

        // The cluster timeline over every round, and failover: each kill -> the first round with the
        // other leader and service back on every probe, the later of the two.
        const ClusterTimeline all = ClusterTimeline::derive(in.rounds, in.events, 0);
        QCOMPARE(m.value(QStringLiteral("leaderless_ms")), all.leaderlessMs());
        QCOMPARE(got.intervals.value(QStringLiteral("leaderless_ms")), all.leaderlessInterval());
        QCOMPARE(m.value(QStringLiteral("leader_changes")), double(all.leaderChanges()));
        QCOMPARE(m.value(QStringLiteral("split_brain_samples")), double(all.splitBrainSamples()));
        QVERIFY(all.splitBrainSamples() > 0);
        QCOMPARE(m.value(QStringLiteral("leader_regressions")), double(all.leaderRegressions()));
        QCOMPARE(got.anomalies.size(), all.anomalies().size());
        for (qsizetype i = 0; i < got.anomalies.size(); ++i)
            QCOMPARE(got.anomalies.at(i).detail, all.anomalies().at(i).detail);
        std::optional<Timing> failover;
        int failovers = 0;
        for (qsizetype i = 0; i < kills.size(); ++i) {
            const qint64 at = kills.at(i).monoNs;
            const qint64 next = i + 1 < kills.size() ? kills.at(i + 1).monoNs : std::numeric_limits<qint64>::max();
            std::optional<Timing> back;
            for (const QList<ProbeSample> &s : std::as_const(taken)) {
                Timing t;
                if (serviceBack(s, at, next, &t) == 1)
                    keepWorst(back, t);
            }
            const RoleSample *lastOld = nullptr;
            for (const RoleSample &r : in.rounds) {
                if (r.startNs < at)
                    continue;
                const QStringList leaders = r.leaders();
                if (std::any_of(leaders.cbegin(), leaders.cend(), [&](const QString &l) { return l != kills.at(i).service; })) {
                    Timing t = timing(ms(r.startNs - at), lastOld ? ms(lastOld->startNs - at) : 0.0, ms(r.endNs - at));
                    if (back)
                        t = Timing{std::max(t.value, back->value), std::max(t.lo, back->lo), std::max(t.hi, back->hi)};
                    keepWorst(failover, t);
                    ++failovers;
                    break;
                }
                lastOld = &r;
            }
        }
        QCOMPARE(m.value(QStringLiteral("failover_count")), double(failovers));
        QCOMPARE(m.value(QStringLiteral("failover_missing")), 0.0);
        compareTiming(got, QStringLiteral("failover_ms"), *failover);
    }

    void aSampleLaterThanTheWindowStillCounts()
    {
        CheckMetrics m;
        m.setReorderWindowNs(1'000 * Ms);
        ProbeSampleBatch b;
        for (qint64 t = 0; t < 10'000; t += 100) {
            ProbeSample s;
            s.probeId = QStringLiteral("lb");
            s.monoNs = t * Ms;
            s.ok = t != 2'000;
            s.latencyMs = 1;
            if (t != 2'000)
                b.append(s);
        }
        m.addSamples(b);
        QCOMPARE(m.footprint().pendingSamples, 11); // due 8,900 .. 9,900 ms: within 1 s of the newest
        QCOMPARE(m.samplesPastWindow(), 0);
        ProbeSample late;
        late.probeId = QStringLiteral("lb");
        late.monoNs = 2'000 * Ms;
        late.latencyMs = 8'000;
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("probe lb: a sample due 7900 ms before the newest")));
        m.addSamples({late});
        QCOMPARE(m.samplesPastWindow(), 1);
        const CheckMetrics::Summary s = m.summarize();
        QCOMPARE(s.values.value(QStringLiteral("probes_total")), 100.0);
        QCOMPARE(s.values.value(QStringLiteral("probes_ok")), 99.0);
    }

    void histogramPercentilesWithinOnePercent()
    {
        // Values spread evenly through a few buckets: a low percentile sits at a bucket's edge, where a
        // coarser histogram's bucket mean would be off by more than 1 %.
        QuantileHistogram h;
        QVector<double> values;
        for (int i = 0; i <= 100; ++i)
            values.append(1.0 + 0.0004 * i);
        // ... and a wide spread of magnitudes, merged from a second histogram.
        QuantileHistogram wide;
        for (int i = 0; i < 20'000; ++i)
            values.append(std::exp(-6.0 + 0.001 * i)); // 0.0025 .. 1.2e6 ms
        for (qsizetype i = 0; i < values.size(); ++i)
            (i <= 100 ? h : wide).add(values.at(i));
        h.merge(wide);
        QCOMPARE(h.count(), values.size());
        QVERIFY2(h.bucketCount() <= 3200, qPrintable(QString::number(h.bucketCount())));
        for (const double p : {0.0, 0.3, 0.5, 1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 100.0})
            comparePercentile(h.percentile(p), CheckMetrics::percentile(values, p));
        QuantileHistogram edge;
        QVector<double> evenly;
        for (int i = 0; i <= 100; ++i) {
            evenly.append(1.0 + 0.0004 * i);
            edge.add(evenly.last());
        }
        comparePercentile(edge.percentile(10), CheckMetrics::percentile(evenly, 10));
        // Equal values are exact, zero included.
        QuantileHistogram same;
        for (int i = 0; i < 1000; ++i)
            same.add(i % 2 ? 0.0 : 2.5);
        QCOMPARE(same.percentile(25), 0.0);
        QCOMPARE(same.percentile(75), 2.5);
        QCOMPARE(QuantileHistogram().percentile(99), 0.0);
    }

private:
    static void comparePercentile(double got, double exact)
    {
        QVERIFY2(std::abs(got - exact) <= QuantileHistogram::MaxRelativeError * std::abs(exact) + 1e-12,
                 qPrintable(QStringLiteral("%1 vs exact %2").arg(got, 0, 'g', 10).arg(exact, 0, 'g', 10)));
    }

    static void compareTiming(const CheckMetrics::Summary &got, const QString &name, const Timing &want)
    {
        QVERIFY2(got.values.contains(name), qPrintable(name));
        QCOMPARE(got.values.value(name), want.value);
        QCOMPARE(got.intervals.value(name).lo, want.lo);
        QCOMPARE(got.intervals.value(name).hi, want.hi);
    }
};

QTEST_GUILESS_MAIN(TestBoundedMetrics)
#include "tst_boundedmetrics.moc"
