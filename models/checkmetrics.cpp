#include "checkmetrics.h"

#include <algorithm>
#include <cmath>

void CheckMetrics::addSamples(const ProbeSampleBatch &batch)
{
    for (const ProbeSample &s : batch)
        m_samples[s.probeId].append(s);
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

double CheckMetrics::resolutionFor(const QString &probeId) const
{
    // A transition happens somewhere between two samples: ± half an interval, plus how late
    // the samples actually started.
    const ProbeInfo *p = probe(probeId);
    return p ? double(p->intervalMs) / 2.0 + p->jitterP99Ms : 0;
}

CheckMetrics::ProbeStats CheckMetrics::statsFor(const ProbeSampleBatch &samples) const
{
    ProbeStats st;
    QVector<double> latencies;
    qint64 outageStart = -1;
    for (const ProbeSample &s : samples) {
        ++st.total;
        if (s.ok) {
            ++st.ok;
            latencies.append(s.latencyMs);
            if (outageStart >= 0) {
                st.longestOutageMs = std::max(st.longestOutageMs, double(s.monoNs - outageStart) / 1e6);
                outageStart = -1;
            }
        } else if (outageStart < 0) {
            outageStart = s.monoNs;
        }
    }
    if (outageStart >= 0 && !samples.isEmpty()) // still down at the end: count to the last sample
        st.longestOutageMs = std::max(st.longestOutageMs, double(samples.last().monoNs - outageStart) / 1e6);
    st.p50 = percentile(latencies, 50);
    st.p99 = percentile(latencies, 99);
    return st;
}

QMap<QString, double> CheckMetrics::compute() const
{
    QMap<QString, double> m;
    m_resolutions.clear();
    int okAll = 0, totalAll = 0;
    double longestAll = 0, worstRes = 0;
    QVector<double> latAll;
    QStringList ids;
    for (const ProbeInfo &p : m_probes)
        ids.append(p.id);
    for (auto it = m_samples.cbegin(); it != m_samples.cend(); ++it)
        if (!ids.contains(it.key()))
            ids.append(it.key());

    for (const QString &id : std::as_const(ids)) {
        const ProbeSampleBatch samples = m_samples.value(id);
        if (samples.isEmpty())
            continue;
        const ProbeStats st = statsFor(samples);
        const QString pre = id + QLatin1Char('.');
        m.insert(pre + QStringLiteral("probes_ok"), st.ok);
        m.insert(pre + QStringLiteral("probes_total"), st.total);
        m.insert(pre + QStringLiteral("availability_pct"), st.total ? 100.0 * st.ok / st.total : 0);
        m.insert(pre + QStringLiteral("longest_outage_ms"), st.longestOutageMs);
        m.insert(pre + QStringLiteral("latency_p50_ms"), st.p50);
        m.insert(pre + QStringLiteral("latency_p99_ms"), st.p99);
        m_resolutions.insert(pre + QStringLiteral("longest_outage_ms"), resolutionFor(id) * 2); // both edges
        okAll += st.ok;
        totalAll += st.total;
        longestAll = std::max(longestAll, st.longestOutageMs);
        worstRes = std::max(worstRes, resolutionFor(id));
        for (const ProbeSample &s : samples)
            if (s.ok)
                latAll.append(s.latencyMs);
    }
    if (totalAll > 0) {
        m.insert(QStringLiteral("probes_ok"), okAll);
        m.insert(QStringLiteral("probes_total"), totalAll);
        m.insert(QStringLiteral("availability_pct"), 100.0 * okAll / totalAll);
        m.insert(QStringLiteral("longest_outage_ms"), longestAll);
        m.insert(QStringLiteral("latency_p50_ms"), percentile(latAll, 50));
        m.insert(QStringLiteral("latency_p99_ms"), percentile(latAll, 99));
        m_resolutions.insert(QStringLiteral("longest_outage_ms"), worstRes * 2);
    }

    // Faults in time order, and the leader as it changed.
    QList<RunEvent> faults, roles;
    for (const RunEvent &e : m_events) {
        if (e.kind == RunEvent::Kind::Fault)
            faults.append(e);
        else if (e.kind == RunEvent::Kind::RoleChange)
            roles.append(e);
    }
    const auto leaderAt = [&](qint64 ns) {
        QString leader;
        for (const RunEvent &r : roles)
            if (r.monoNs <= ns)
                leader = r.service;
        return leader;
    };
    // First sample after `ns` with the given outcome, over every probe.
    const auto firstSampleAfter = [&](qint64 ns, bool ok, QString *probeId) -> qint64 {
        qint64 best = -1;
        for (auto it = m_samples.cbegin(); it != m_samples.cend(); ++it)
            for (const ProbeSample &s : it.value())
                if (s.monoNs >= ns && s.ok == ok) {
                    if (best < 0 || s.monoNs < best) {
                        best = s.monoNs;
                        *probeId = it.key();
                    }
                    break;
                }
        return best;
    };

    // failover_ms: the worst of the faults that hit the leader (fault → a different member leads);
    // without roles: fault → first success after the outage it caused.
    double failoverWorst = -1;
    int failovers = 0;
    double failoverRes = 0;
    for (const RunEvent &f : std::as_const(faults)) {
        if (isRecoveryAction(f.action))
            continue;
        const QString before = leaderAt(f.monoNs);
        if (!roles.isEmpty() && !before.isEmpty()) {
            if (f.service != before)
                continue; // not a leader fault: no failover to time
            for (const RunEvent &r : std::as_const(roles)) {
                if (r.monoNs > f.monoNs && !r.service.isEmpty() && r.service != before) {
                    failoverWorst = std::max(failoverWorst, double(r.monoNs - f.monoNs) / 1e6);
                    ++failovers;
                    failoverRes = std::max(failoverRes, m_roleResolutionMs);
                    break;
                }
            }
        } else if (roles.isEmpty()) {
            QString pid;
            const qint64 down = firstSampleAfter(f.monoNs, false, &pid);
            if (down < 0)
                continue;
            const qint64 up = firstSampleAfter(down, true, &pid);
            if (up >= 0) {
                failoverWorst = std::max(failoverWorst, double(up - f.monoNs) / 1e6);
                ++failovers;
                failoverRes = std::max(failoverRes, resolutionFor(pid));
            }
        }
    }
    if (failovers > 0) {
        m.insert(QStringLiteral("failover_ms"), failoverWorst);
        m.insert(QStringLiteral("failover_count"), failovers);
        m_resolutions.insert(QStringLiteral("failover_ms"), failoverRes);
    }

    // detection_ms: first fault → first failed sample after it; recovery_ms: last recovery
    // action (start/resume) → first successful sample after it.
    for (const RunEvent &f : std::as_const(faults)) {
        if (isRecoveryAction(f.action))
            continue;
        QString pid;
        const qint64 down = firstSampleAfter(f.monoNs, false, &pid);
        if (down >= 0) {
            m.insert(QStringLiteral("detection_ms"), double(down - f.monoNs) / 1e6);
            m_resolutions.insert(QStringLiteral("detection_ms"), resolutionFor(pid));
        }
        break;
    }
    for (auto it = faults.crbegin(); it != faults.crend(); ++it) {
        if (!isRecoveryAction(it->action))
            continue;
        QString pid;
        const qint64 up = firstSampleAfter(it->monoNs, true, &pid);
        if (up >= 0) {
            m.insert(QStringLiteral("recovery_ms"), double(up - it->monoNs) / 1e6);
            m_resolutions.insert(QStringLiteral("recovery_ms"), resolutionFor(pid));
        }
        break;
    }
    return m;
}

QMap<QString, double> CheckMetrics::resolutions() const
{
    compute();
    return m_resolutions;
}
