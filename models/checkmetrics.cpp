#include "checkmetrics.h"

#include "logging.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace {

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

using Run = ProbeSequence::Run;

// Outages: the runs of failed samples. From the last success before and the first after: the
// outage began in [last success's start, first failure's end] and ended in [last failure's start,
// first success's end].
Timing outageTiming(const QList<Run> &runs, qsizetype k)
{
    const ProbeSequence::Point first = runs.at(k).first;
    const ProbeSequence::Point last = runs.at(k).last;
    const qint64 beganAtLeast = k > 0 ? runs.at(k - 1).last.startNs : first.startNs;
    if (k + 1 >= runs.size()) // still down when the probe stopped: counted to its last failure
        return timing(ms(last.startNs - first.startNs), ms(last.startNs - first.endNs), ms(last.endNs - beganAtLeast));
    const ProbeSequence::Point back = runs.at(k + 1).first;
    return timing(ms(back.startNs - first.startNs), ms(last.startNs - first.endNs), ms(back.endNs - beganAtLeast));
}

// An outage shorter than the spacing of two successes can hide between them.
double longestUnseenMs(const QList<Run> &runs)
{
    qint64 longest = 0;
    for (const Run &r : runs)
        if (r.ok)
            longest = std::max(longest, r.maxOkGapNs);
    return ms(longest);
}

// From `atNs` until a sample of the outcome `wanted` shows up: value = its start, truth in
// [last sample still showing the other outcome, its end], relative to atNs.
std::optional<Timing> firstChange(const ProbeSequence &s, qint64 atNs, bool wanted)
{
    const ProbeSequence::Anchor *a = s.anchor(atNs);
    if (!a || !a->found)
        return std::nullopt;
    if (a->ok == wanted) // the first sample after atNs already shows it: nothing before it since atNs
        return timing(ms(a->sample.startNs - atNs), 0.0, ms(a->sample.endNs - atNs));
    const QList<Run> &runs = s.runs();
    if (a->run + 1 >= runs.size())
        return std::nullopt;
    const ProbeSequence::Point change = runs.at(a->run + 1).first;
    return timing(ms(change.startNs - atNs), ms(runs.at(a->run).last.startNs - atNs), ms(change.endNs - atNs));
}

enum class ServiceBack { NotLost, Back, NeverBack };

// After a fault at atNs (and before the next fault): when the probe's service came back from the
// first outage that began after the fault. A success that started once the new leader was seen
// (settledNs) ends the failover unharmed: an outage after it has another cause.
ServiceBack serviceBack(const ProbeSequence &s, qint64 atNs, qint64 nextFaultNs, qint64 settledNs, Timing *out)
{
    const ProbeSequence::Anchor *a = s.anchor(atNs);
    if (!a || !a->found || a->sample.startNs >= nextFaultNs)
        return ServiceBack::NotLost;
    const QList<Run> &runs = s.runs();
    qsizetype down = a->run; // the run of failures the first failure after the fault belongs to
    if (a->ok) {
        if (runs.at(a->run).last.startNs >= settledNs)
            return ServiceBack::NotLost;
        down = a->run + 1;
        if (down >= runs.size() || runs.at(down).first.startNs >= nextFaultNs)
            return ServiceBack::NotLost;
    }
    if (down + 1 >= runs.size())
        return ServiceBack::NeverBack;
    const ProbeSequence::Point up = runs.at(down + 1).first;
    *out = timing(ms(up.startNs - atNs), ms(runs.at(down).last.startNs - atNs), ms(up.endNs - atNs));
    return ServiceBack::Back;
}

// Rounds that said the same thing: only the first and last of such a stretch are kept.
bool sameRound(const RoleSample &a, const RoleSample &b)
{
    return a.source == b.source && a.roles == b.roles && a.term == b.term && a.error == b.error && a.unasked == b.unasked;
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

CheckMetrics::ProbeState &CheckMetrics::stateOf(const QString &probeId)
{
    auto it = m_states.find(probeId);
    if (it == m_states.end()) {
        it = m_states.insert(probeId, ProbeState());
        for (qint64 at : std::as_const(m_anchors))
            it->done.addAnchor(at);
    }
    return it.value();
}

void CheckMetrics::foldFinal(ProbeState &state) const
{
    while (!state.pending.empty() && state.pending.front().monoNs < state.newestDueNs - m_reorderWindowNs) {
        state.finalDueNs = state.pending.front().monoNs;
        state.done.append(state.pending.front());
        state.pending.pop_front();
    }
}

void CheckMetrics::addSamples(const ProbeSampleBatch &batch)
{
    // Batches usually carry one probe: cache the lookup across consecutive samples.
    const QString *lastId = nullptr;
    ProbeState *state = nullptr;
    QList<ProbeState *> touched;
    for (const ProbeSample &s : batch) {
        if (!lastId || *lastId != s.probeId) {
            state = &stateOf(s.probeId);
            lastId = &s.probeId;
            if (!touched.contains(state))
                touched.append(state);
        }
        ++state->received;
        state->firstDueNs = std::min(state->firstDueNs, s.monoNs);
        state->newestDueNs = std::max(state->newestDueNs, s.monoNs);
        if (s.monoNs < state->finalDueNs && m_samplesPastWindow++ == 0) // its successors are folded already
            qCWarning(lcMetrics, "probe %s: a sample due %lld ms before the newest arrived after the %lld ms reorder window; "
                                 "it is counted out of time order",
                      qPrintable(s.probeId), (state->newestDueNs - s.monoNs) / 1'000'000, m_reorderWindowNs / 1'000'000);
        // Completions arrive out of order (a 3 s timeout after later successes): insert by due
        // time. Late arrivals are near the end, so the search from the back is short.
        auto at = state->pending.end();
        while (at != state->pending.begin() && std::prev(at)->monoNs > s.monoNs)
            --at;
        const ProbeSequence::Sample compact = ProbeSequence::Sample::from(s);
        state->done.count(compact);
        state->pending.insert(at, compact);
    }
    for (ProbeState *t : std::as_const(touched))
        foldFinal(*t);
}

ProbeSequence CheckMetrics::sequenceOf(const ProbeState &state) const
{
    ProbeSequence s = state.done;
    for (const ProbeSequence::Sample &p : state.pending)
        s.append(p);
    return s;
}

void CheckMetrics::addEvent(const RunEvent &event)
{
    m_events.append(event);
    if (event.kind != RunEvent::Kind::Fault || m_anchors.contains(event.monoNs))
        return;
    m_anchors.append(event.monoNs);
    for (ProbeState &state : m_states)
        state.done.addAnchor(event.monoNs);
}

void CheckMetrics::addRoleSamples(const RoleSampleBatch &batch)
{
    for (const RoleSample &r : batch) {
        qsizetype at = m_pendingRounds.size();
        while (at > 0 && m_pendingRounds.at(at - 1).startNs > r.startNs)
            --at;
        m_pendingRounds.insert(at, r);
        m_newestRoundNs = std::max(m_newestRoundNs, r.startNs);
    }
    foldFinalRounds();
}

void CheckMetrics::foldFinalRounds()
{
    qsizetype n = 0;
    while (n < m_pendingRounds.size() && m_pendingRounds.at(n).startNs < m_newestRoundNs - m_reorderWindowNs)
        keepRound(m_pendingRounds.at(n++));
    m_pendingRounds.remove(0, n);
}

void CheckMetrics::keepRound(const RoleSample &round)
{
    RoleSampleBatch &kept = m_finalRounds[round.source];
    const qsizetype n = kept.size();
    if (n >= 2 && sameRound(kept.at(n - 1), round) && sameRound(kept.at(n - 2), round)) {
        // The last kept round was inside the stretch: this one takes its place as the stretch's last.
        RoleSample last = round;
        last.repeats += kept.at(n - 1).repeats;
        kept[n - 1] = last;
        return;
    }
    kept.append(round);
}

RoleSampleBatch CheckMetrics::roleSamples() const
{
    RoleSampleBatch out;
    for (const RoleSampleBatch &kept : m_finalRounds)
        out += kept;
    std::stable_sort(out.begin(), out.end(), [](const RoleSample &a, const RoleSample &b) { return a.startNs < b.startNs; });
    out += m_pendingRounds; // all later than every folded round
    return out;
}

qint64 CheckMetrics::sampleCount(const QString &probeId) const
{
    const auto it = m_states.constFind(probeId);
    return it == m_states.cend() ? 0 : it->received;
}

CheckMetrics::Footprint CheckMetrics::footprint() const
{
    Footprint f;
    for (const ProbeState &s : m_states) {
        f.pendingSamples += qsizetype(s.pending.size());
        f.outcomeRuns += s.done.runs().size();
        f.histogramBuckets += s.done.latency().bucketCount() + s.done.lateness().bucketCount();
        f.anchors += s.done.anchorCount();
    }
    f.roleRounds = m_pendingRounds.size();
    for (const RoleSampleBatch &kept : m_finalRounds)
        f.roleRounds += kept.size();
    f.events = m_events.size();
    return f;
}

bool CheckMetrics::isRecoveryAction(const QString &action)
{
    return action == QLatin1String("start") || action == QLatin1String("resume") || action == QLatin1String("activate");
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
    for (const ProbeState &state : m_states)
        first = std::min(first, state.firstDueNs);
    for (const RoleSampleBatch &kept : m_finalRounds)
        if (!kept.isEmpty())
            first = std::min(first, kept.first().startNs);
    if (!m_pendingRounds.isEmpty())
        first = std::min(first, m_pendingRounds.first().startNs);
    return first == std::numeric_limits<qint64>::max() ? 0 : first;
}

ClusterTimeline CheckMetrics::timeline() const
{
    if (hasRoleSamples())
        return ClusterTimeline::derive(roleSamples(), m_events, checkStartNs());
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
    QStringList extra = m_states.keys();
    extra.sort();
    for (const QString &id : std::as_const(extra))
        if (!ids.contains(id))
            ids.append(id);

    QHash<QString, ProbeSequence> seq; // per probe, every sample folded in time order
    int okAll = 0, totalAll = 0, skippedAll = 0, consoleSkippedAll = 0;
    std::optional<Timing> longestAll;
    QuantileHistogram latAll, lateAll;
    QStringList overloads;
    for (const QString &id : std::as_const(ids)) {
        const auto state = m_states.constFind(id);
        if (state == m_states.cend() || state->received == 0)
            continue;
        const ProbeSequence &s = *seq.insert(id, sequenceOf(*state));
        const int skipped = int(s.skipped());
        // A slot skipped while the probe's previous attempt was still waiting for the target says the
        // target is slow; one skipped with nothing in flight says the console could not start it.
        const int consoleSkipped = int(s.consoleSkipped());
        const int ok = int(s.ok());
        std::optional<Timing> longest;
        for (qsizetype k = 0; k < s.runs().size(); ++k)
            if (!s.runs().at(k).ok)
                keepWorst(longest, outageTiming(s.runs(), k));
        if (!longest)
            longest = Timing{0, {0, 0}};
        longest->interval.hi = std::max(longest->interval.hi, longestUnseenMs(s.runs()));

        const QString pre = id + QLatin1Char('.');
        const int total = int(s.taken());
        m.insert(pre + QStringLiteral("probes_ok"), ok);
        m.insert(pre + QStringLiteral("probes_total"), total);
        m.insert(pre + QStringLiteral("skipped_samples"), skipped);
        if (total > 0) {
            m.insert(pre + QStringLiteral("availability_pct"), 100.0 * ok / total);
            m.insert(pre + QStringLiteral("longest_outage_ms"), longest->value);
            iv.insert(pre + QStringLiteral("longest_outage_ms"), longest->interval);
            m.insert(pre + QStringLiteral("latency_p50_ms"), s.latency().percentile(50));
            m.insert(pre + QStringLiteral("latency_p99_ms"), s.latency().percentile(99));
            const double lateP99 = s.lateness().percentile(99);
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
        latAll.merge(s.latency());
        lateAll.merge(s.lateness());
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
        m.insert(QStringLiteral("latency_p50_ms"), latAll.percentile(50));
        m.insert(QStringLiteral("latency_p99_ms"), latAll.percentile(99));
        m.insert(QStringLiteral("console_late_p99_ms"), lateAll.percentile(99));
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
    const bool haveRounds = hasRoleSamples() && !cluster.isEmpty();
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

        // Service back on every probe that lost it after this fault (and before the new leader,
        // seen at settledNs, had served a success).
        std::optional<Timing> back;
        bool neverBack = false;
        const auto findServiceBack = [&](qint64 settledNs) {
            for (auto it = seq.cbegin(); it != seq.cend(); ++it) {
                Timing t;
                switch (serviceBack(it.value(), at, nextFault, settledNs, &t)) {
                case ServiceBack::NotLost: break;
                case ServiceBack::Back: keepWorst(back, t); break;
                case ServiceBack::NeverBack: neverBack = true; break;
                }
            }
        };

        if (!haveRoles) {
            findServiceBack(std::numeric_limits<qint64>::max());
            if (back && !neverBack) {
                ++failovers;
                keepWorst(failoverWorst, *back);
            }
            continue;
        }

        std::optional<Timing> newLeader;
        qint64 newLeaderSeenNs = std::numeric_limits<qint64>::max();
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
                    newLeaderSeenNs = r.endNs;
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
                    newLeaderSeenNs = r.monoNs;
                    break;
                }
        }
        findServiceBack(newLeaderSeenNs);
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
