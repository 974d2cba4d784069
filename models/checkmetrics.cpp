#include "checkmetrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace {

// When the attempt really started, and when its answer (or timeout) came: the target's state
// was observed somewhere in between.
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

// A timing and where its truth lies.
struct Timing
{
    double value = 0;
    MetricInterval interval;
};

Timing timing(double value, double lo, double hi)
{
    lo = std::max(0.0, lo);
    hi = std::max(lo, hi);
    return {std::clamp(value, lo, hi), {lo, hi}};
}

// The probe's samples that were taken (skipped ones say nothing about the target), in time order.
QList<ProbeSample> taken(const ProbeSampleBatch &samples)
{
    // The usual case skips nothing: share the list instead of copying it (live metrics run every second).
    if (std::none_of(samples.cbegin(), samples.cend(), [](const ProbeSample &s) { return s.skipped; }))
        return samples;
    QList<ProbeSample> out;
    out.reserve(samples.size());
    for (const ProbeSample &s : samples)
        if (!s.skipped)
            out.append(s);
    return out;
}

// Outages: maximal runs of failed samples. From the last success before (lastOk) and the first
// after (firstOk): the outage began in [lastOk start, first failure's end] and ended in
// [last failure's start, firstOk end].
struct Outage
{
    qsizetype firstFail = -1;
    qsizetype lastFail = -1;
    qsizetype lastOkBefore = -1;
    qsizetype firstOkAfter = -1;
};

QList<Outage> outagesOf(const QList<ProbeSample> &s)
{
    QList<Outage> out;
    for (qsizetype i = 0; i < s.size(); ++i) {
        if (s.at(i).ok)
            continue;
        Outage o;
        o.firstFail = i;
        o.lastOkBefore = i - 1; // -1 when the probe failed from its first sample
        qsizetype j = i;
        while (j + 1 < s.size() && !s.at(j + 1).ok)
            ++j;
        o.lastFail = j;
        o.firstOkAfter = j + 1 < s.size() ? j + 1 : -1;
        out.append(o);
        i = j;
    }
    return out;
}

Timing outageTiming(const QList<ProbeSample> &s, const Outage &o)
{
    const ProbeSample &first = s.at(o.firstFail);
    const ProbeSample &last = s.at(o.lastFail);
    const qint64 beganAtLeast = o.lastOkBefore >= 0 ? startNs(s.at(o.lastOkBefore)) : startNs(first);
    if (o.firstOkAfter < 0) // still down when the probe stopped: counted to its last failure
        return timing(ms(startNs(last) - startNs(first)), ms(startNs(last) - endNs(first)), ms(endNs(last) - beganAtLeast));
    const ProbeSample &back = s.at(o.firstOkAfter);
    return timing(ms(startNs(back) - startNs(first)), ms(startNs(last) - endNs(first)), ms(endNs(back) - beganAtLeast));
}

// An outage shorter than the spacing of two successes can hide between them.
double longestUnseenMs(const QList<ProbeSample> &s)
{
    double longest = 0;
    for (qsizetype i = 0; i + 1 < s.size(); ++i)
        if (s.at(i).ok && s.at(i + 1).ok)
            longest = std::max(longest, ms(endNs(s.at(i + 1)) - startNs(s.at(i))));
    return longest;
}

// First sample at or after `fromNs` (by real start) with the given outcome, before `beforeNs`.
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

// Last sample in [fromNs, index) with the given outcome.
qsizetype lastWithBefore(const QList<ProbeSample> &s, qint64 fromNs, qsizetype index, bool ok)
{
    for (qsizetype i = index - 1; i >= 0 && startNs(s.at(i)) >= fromNs; --i)
        if (s.at(i).ok == ok)
            return i;
    return -1;
}

// From `atNs` until a sample of the other outcome `wanted` shows up: value = its start, truth in
// [last sample still showing the old outcome, its end], relative to atNs.
std::optional<Timing> firstChange(const QList<ProbeSample> &s, qint64 atNs, bool wanted, qint64 beforeNs = std::numeric_limits<qint64>::max())
{
    const qsizetype i = firstWith(s, atNs, wanted, beforeNs);
    if (i < 0)
        return std::nullopt;
    const qsizetype prev = lastWithBefore(s, atNs, i, !wanted);
    return timing(ms(startNs(s.at(i)) - atNs), prev >= 0 ? ms(startNs(s.at(prev)) - atNs) : 0.0, ms(endNs(s.at(i)) - atNs));
}

enum class ServiceBack { NotLost, Back, NeverBack };

// After a fault at atNs (and before the next fault): when the probe's service came back from the
// first outage that began after the fault.
ServiceBack serviceBack(const QList<ProbeSample> &s, qint64 atNs, qint64 nextFaultNs, Timing *out)
{
    const qsizetype down = firstWith(s, atNs, false, nextFaultNs);
    if (down < 0)
        return ServiceBack::NotLost;
    qsizetype up = down + 1;
    while (up < s.size() && !s.at(up).ok)
        ++up;
    if (up >= s.size())
        return ServiceBack::NeverBack;
    const qsizetype lastFail = up - 1; // in time order, every sample from `down` to here failed
    *out = timing(ms(startNs(s.at(up)) - atNs), ms(startNs(s.at(lastFail)) - atNs), ms(endNs(s.at(up)) - atNs));
    return ServiceBack::Back;
}

void keepWorst(std::optional<Timing> &worst, const Timing &t)
{
    if (!worst)
        worst = t;
    else
        worst = Timing{std::max(worst->value, t.value), worst->interval.maxWith(t.interval)};
}

void keepEarliest(std::optional<Timing> &earliest, const Timing &t)
{
    if (!earliest)
        earliest = t;
    else
        earliest = Timing{std::min(earliest->value, t.value), earliest->interval.minWith(t.interval)};
}

} // namespace

void CheckMetrics::addProbe(const ProbeInfo &info)
{
    for (ProbeInfo &p : m_probes)
        if (p.id == info.id) {
            p = info;
            return;
        }
    m_probes.append(info);
}

void CheckMetrics::addSamples(const ProbeSampleBatch &batch)
{
    for (const ProbeSample &s : batch) {
        ProbeSampleBatch &list = m_samples[s.probeId];
        // Completions arrive out of order (a 3 s timeout after later successes): insert by due
        // time. Late arrivals are near the end, so the search from the back is short.
        qsizetype at = list.size();
        while (at > 0 && list.at(at - 1).monoNs > s.monoNs)
            --at;
        list.insert(at, s);
    }
}

void CheckMetrics::addRoleSamples(const RoleSampleBatch &batch)
{
    for (const RoleSample &r : batch) {
        qsizetype at = m_roleSamples.size();
        while (at > 0 && m_roleSamples.at(at - 1).startNs > r.startNs)
            --at;
        m_roleSamples.insert(at, r);
    }
}

bool CheckMetrics::isRecoveryAction(const QString &action)
{
    return action == QLatin1String("start") || action == QLatin1String("resume");
}

double CheckMetrics::percentile(QVector<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const double rank = p / 100.0 * double(values.size() - 1);
    const int lo = int(std::floor(rank));
    const int hi = std::min(int(values.size()) - 1, lo + 1);
    return values[lo] + (values[hi] - values[lo]) * (rank - lo);
}

const CheckMetrics::ProbeInfo *CheckMetrics::probe(const QString &id) const
{
    for (const ProbeInfo &p : m_probes)
        if (p.id == id)
            return &p;
    return nullptr;
}

qint64 CheckMetrics::checkStartNs() const
{
    if (m_checkStartNs >= 0)
        return m_checkStartNs;
    for (const RunEvent &e : m_events)
        if (e.kind == RunEvent::Kind::CheckStarted)
            return e.monoNs;
    qint64 first = std::numeric_limits<qint64>::max();
    for (auto it = m_samples.cbegin(); it != m_samples.cend(); ++it)
        if (!it.value().isEmpty())
            first = std::min(first, it.value().first().monoNs);
    for (const RoleSample &r : m_roleSamples)
        first = std::min(first, r.startNs);
    return first == std::numeric_limits<qint64>::max() ? 0 : first;
}

ClusterTimeline CheckMetrics::timeline() const
{
    if (!m_roleSamples.isEmpty())
        return ClusterTimeline::derive(m_roleSamples, m_events, checkStartNs());
    // Without role samples, each RoleChange event is a round; the state before it was last seen
    // one role interval earlier (the status that reported it came from a role probe that often).
    RoleSampleBatch rounds;
    const qint64 intervalNs = qint64(m_roleResolutionMs * 1e6);
    QString leader;
    bool any = false;
    for (const RunEvent &e : m_events) {
        if (e.kind != RunEvent::Kind::RoleChange)
            continue;
        if (any && intervalNs > 0 && (rounds.isEmpty() || rounds.last().startNs < e.monoNs - intervalNs)) {
            RoleSample before;
            before.startNs = before.endNs = e.monoNs - intervalNs;
            before.source = QStringLiteral("events");
            if (!leader.isEmpty())
                before.roles.insert(leader, QStringLiteral("leader"));
            rounds.append(before);
        }
        RoleSample now;
        now.startNs = now.endNs = e.monoNs;
        now.source = QStringLiteral("events");
        if (!e.service.isEmpty())
            now.roles.insert(e.service, QStringLiteral("leader"));
        rounds.append(now);
        leader = e.service;
        any = true;
    }
    return ClusterTimeline::derive(rounds, m_events, checkStartNs());
}

CheckMetrics::Summary CheckMetrics::summarize() const
{
    Summary out;
    QMap<QString, double> &m = out.values;
    MetricIntervals &iv = out.intervals;

    QStringList ids;
    for (const ProbeInfo &p : m_probes)
        ids.append(p.id);
    QStringList extra = m_samples.keys();
    extra.sort();
    for (const QString &id : std::as_const(extra))
        if (!ids.contains(id))
            ids.append(id);

    QHash<QString, QList<ProbeSample>> seq; // taken samples per probe, in time order
    int okAll = 0, totalAll = 0, skippedAll = 0, consoleSkippedAll = 0;
    std::optional<Timing> longestAll;
    QVector<double> latAll, lateAll;
    QStringList overloads;
    for (const QString &id : std::as_const(ids)) {
        const ProbeSampleBatch all = m_samples.value(id);
        if (all.isEmpty())
            continue;
        const QList<ProbeSample> s = taken(all);
        seq.insert(id, s);
        const int skipped = int(all.size() - s.size());
        // A slot skipped while the probe's previous attempt was still waiting for the target says the
        // target is slow; one skipped with nothing in flight says the console could not start it.
        int consoleSkipped = 0;
        qint64 inFlightUntil = std::numeric_limits<qint64>::min();
        for (const ProbeSample &x : all) {
            if (!x.skipped)
                inFlightUntil = std::max(inFlightUntil, endNs(x));
            else if (x.monoNs >= inFlightUntil)
                ++consoleSkipped;
        }
        int ok = 0;
        QVector<double> latencies, lateness;
        for (const ProbeSample &x : s) {
            lateness.append(ms(x.lateNs));
            if (x.ok) {
                ++ok;
                latencies.append(x.latencyMs);
            }
        }
        std::optional<Timing> longest;
        for (const Outage &o : outagesOf(s))
            keepWorst(longest, outageTiming(s, o));
        if (!longest)
            longest = Timing{0, {0, 0}};
        longest->interval.hi = std::max(longest->interval.hi, longestUnseenMs(s));

        const QString pre = id + QLatin1Char('.');
        const int total = int(s.size());
        m.insert(pre + QStringLiteral("probes_ok"), ok);
        m.insert(pre + QStringLiteral("probes_total"), total);
        m.insert(pre + QStringLiteral("skipped_samples"), skipped);
        if (total > 0) {
            m.insert(pre + QStringLiteral("availability_pct"), 100.0 * ok / total);
            m.insert(pre + QStringLiteral("longest_outage_ms"), longest->value);
            iv.insert(pre + QStringLiteral("longest_outage_ms"), longest->interval);
            m.insert(pre + QStringLiteral("latency_p50_ms"), percentile(latencies, 50));
            m.insert(pre + QStringLiteral("latency_p99_ms"), percentile(latencies, 99));
            const double lateP99 = percentile(lateness, 99);
            m.insert(pre + QStringLiteral("late_p99_ms"), lateP99);
            const ProbeInfo *info = probe(id);
            if (info && info->intervalMs > 0 && lateP99 > MaxLatenessShareOfInterval * double(info->intervalMs))
                overloads << QStringLiteral("probe %1 started p99 %2 ms late, more than half its %3 ms interval")
                                 .arg(id)
                                 .arg(lateP99, 0, 'f', 1)
                                 .arg(info->intervalMs);
            keepWorst(longestAll, *longest);
        }
        okAll += ok;
        totalAll += total;
        skippedAll += skipped;
        consoleSkippedAll += consoleSkipped;
        latAll += latencies;
        lateAll += lateness;
    }
    if (totalAll + skippedAll > 0) {
        m.insert(QStringLiteral("skipped_samples"), skippedAll);
        if (consoleSkippedAll >= MinSkippedForOverload && double(consoleSkippedAll) > MaxSkippedShare * double(totalAll + skippedAll))
            overloads << QStringLiteral("%1 of %2 samples skipped with no attempt in flight (%3 %), more than %4 %")
                             .arg(consoleSkippedAll)
                             .arg(totalAll + skippedAll)
                             .arg(100.0 * consoleSkippedAll / double(totalAll + skippedAll), 0, 'f', 1)
                             .arg(MaxSkippedShare * 100.0, 0, 'g', 3);
    }
    if (totalAll > 0) {
        m.insert(QStringLiteral("probes_ok"), okAll);
        m.insert(QStringLiteral("probes_total"), totalAll);
        m.insert(QStringLiteral("availability_pct"), 100.0 * okAll / totalAll);
        m.insert(QStringLiteral("longest_outage_ms"), longestAll->value);
        iv.insert(QStringLiteral("longest_outage_ms"), longestAll->interval);
        m.insert(QStringLiteral("latency_p50_ms"), percentile(latAll, 50));
        m.insert(QStringLiteral("latency_p99_ms"), percentile(latAll, 99));
        m.insert(QStringLiteral("console_late_p99_ms"), percentile(lateAll, 99));
    }
    if (!overloads.isEmpty())
        out.overload = QStringLiteral("console overloaded: ") + overloads.join(QStringLiteral("; "));

    // Faults in time order, and the cluster's roles.
    QList<RunEvent> faults, roleEvents;
    for (const RunEvent &e : m_events) {
        if (e.kind == RunEvent::Kind::Fault && !isRecoveryAction(e.action))
            faults.append(e);
        else if (e.kind == RunEvent::Kind::RoleChange)
            roleEvents.append(e);
    }
    const auto byTime = [](const RunEvent &a, const RunEvent &b) { return a.monoNs < b.monoNs; };
    std::stable_sort(faults.begin(), faults.end(), byTime);
    std::stable_sort(roleEvents.begin(), roleEvents.end(), byTime);
    QList<RunEvent> recoveries;
    for (const RunEvent &e : m_events)
        if (e.kind == RunEvent::Kind::Fault && isRecoveryAction(e.action))
            recoveries.append(e);
    std::stable_sort(recoveries.begin(), recoveries.end(), byTime);

    const ClusterTimeline cluster = timeline();
    const bool haveRounds = !m_roleSamples.isEmpty() && !cluster.isEmpty();
    const bool haveRoles = haveRounds || !roleEvents.isEmpty();

    // failover_ms: for each fault on the leader, fault -> the first role round in which a different
    // member holds the leader role and, where the check has probes, service is back (the later).
    // Without any role information: fault -> service back after the outage it caused.
    std::optional<Timing> failoverWorst;
    int failovers = 0, missing = 0, leaderFaults = 0;
    for (qsizetype k = 0; k < faults.size(); ++k) {
        const RunEvent &f = faults.at(k);
        const qint64 at = f.monoNs;
        const qint64 nextFault = k + 1 < faults.size() ? faults.at(k + 1).monoNs : std::numeric_limits<qint64>::max();

        // Service back on every probe that lost it after this fault.
        std::optional<Timing> back;
        bool neverBack = false;
        for (auto it = seq.cbegin(); it != seq.cend(); ++it) {
            Timing t;
            switch (serviceBack(it.value(), at, nextFault, &t)) {
            case ServiceBack::NotLost: break;
            case ServiceBack::Back: keepWorst(back, t); break;
            case ServiceBack::NeverBack: neverBack = true; break;
            }
        }

        if (!haveRoles) {
            if (back && !neverBack) {
                ++failovers;
                keepWorst(failoverWorst, *back);
            }
            continue;
        }

        std::optional<Timing> newLeader;
        if (haveRounds) {
            const QString before = cluster.leaderAt(at, f.service);
            if (before.isEmpty() || before != f.service)
                continue; // not a fault on the leader: no failover to time
            ++leaderFaults;
            QList<const RoleSample *> since;
            for (const RoleSample &r : cluster.rounds()) {
                if (r.startNs < at)
                    continue;
                const QStringList leaders = r.leaders();
                const auto other = std::find_if(leaders.cbegin(), leaders.cend(), [&](const QString &l) { return l != before; });
                if (other != leaders.cend()) {
                    // The truth follows the last round that said the new leader was not leading: a
                    // cluster round is one answer about everyone; in a members round only the new
                    // leader's own answer counts (one left out, its answer still out, says nothing).
                    const RoleSample *lastOld = nullptr;
                    for (auto it = since.crbegin(); it != since.crend() && !lastOld; ++it)
                        if ((*it)->source != QLatin1String("members") || (*it)->roles.contains(*other))
                            lastOld = *it;
                    newLeader = timing(ms(r.startNs - at), lastOld ? ms(lastOld->startNs - at) : 0.0, ms(r.endNs - at));
                    break;
                }
                since.append(&r);
            }
        } else {
            QString before;
            for (const RunEvent &r : std::as_const(roleEvents))
                if (r.monoNs <= at)
                    before = r.service;
            if (before.isEmpty() || before != f.service)
                continue;
            ++leaderFaults;
            for (const RunEvent &r : std::as_const(roleEvents))
                if (r.monoNs > at && !r.service.isEmpty() && r.service != before) {
                    // The status that reported the change came from a role probe at most one interval earlier.
                    const double seen = ms(r.monoNs - at);
                    newLeader = timing(seen, seen - m_roleResolutionMs, seen);
                    break;
                }
        }
        if (!newLeader || neverBack) {
            ++missing;
            continue;
        }
        Timing t = *newLeader;
        if (back)
            t = Timing{std::max(t.value, back->value), t.interval.maxWith(back->interval)};
        ++failovers;
        keepWorst(failoverWorst, t);
    }
    if (haveRoles || !faults.isEmpty())
        m.insert(QStringLiteral("failover_count"), failovers);
    if (leaderFaults > 0)
        m.insert(QStringLiteral("failover_missing"), missing);
    // A leader fault whose failover was never seen leaves failover_ms unmeasured: the worst of the
    // others would hide it.
    if (failoverWorst && missing == 0) {
        m.insert(QStringLiteral("failover_ms"), failoverWorst->value);
        iv.insert(QStringLiteral("failover_ms"), failoverWorst->interval);
    }

    // detection_ms: first fault -> the first failed sample after it (earliest probe);
    // recovery_ms: last repair (start/resume) -> the first success after it (earliest probe).
    if (!faults.isEmpty()) {
        std::optional<Timing> detection;
        for (auto it = seq.cbegin(); it != seq.cend(); ++it)
            if (const std::optional<Timing> t = firstChange(it.value(), faults.first().monoNs, false))
                keepEarliest(detection, *t);
        if (detection) {
            m.insert(QStringLiteral("detection_ms"), detection->value);
            iv.insert(QStringLiteral("detection_ms"), detection->interval);
        }
    }
    if (!recoveries.isEmpty()) {
        std::optional<Timing> recovery;
        for (auto it = seq.cbegin(); it != seq.cend(); ++it)
            if (const std::optional<Timing> t = firstChange(it.value(), recoveries.last().monoNs, true))
                keepEarliest(recovery, *t);
        if (recovery) {
            m.insert(QStringLiteral("recovery_ms"), recovery->value);
            iv.insert(QStringLiteral("recovery_ms"), recovery->interval);
        }
    }

    // The cluster timeline's metrics and anomalies.
    if (!cluster.isEmpty()) {
        m.insert(QStringLiteral("leaderless_ms"), cluster.leaderlessMs());
        iv.insert(QStringLiteral("leaderless_ms"), cluster.leaderlessInterval());
        m.insert(QStringLiteral("leader_changes"), cluster.leaderChanges());
        m.insert(QStringLiteral("split_brain_samples"), cluster.splitBrainSamples());
        m.insert(QStringLiteral("leader_regressions"), cluster.leaderRegressions());
        out.anomalies = cluster.anomalies();
    }
    return out;
}
