#pragma once

#include "clusteranomaly.h"
#include "clustertimeline.h"
#include "metricinterval.h"
#include "probesample.h"
#include "rolesample.h"
#include "runevent.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QString>

// Computes a check's metrics from its samples and events, each timing with the interval that
// holds the truth. Samples are kept in time order (due time, ProbeSample::monoNs) whatever order
// they complete in, so no metric depends on arrival order. Names are fixed (they appear in
// expectations and exports): probes_ok, probes_total, availability_pct, longest_outage_ms,
// skipped_samples, console_late_p99_ms, failover_ms, failover_count, failover_missing,
// detection_ms, recovery_ms, latency_p50_ms, latency_p99_ms, leaderless_ms, leader_changes,
// split_brain_samples, leader_regressions; per probe also "<probe>.<metric>".
class CheckMetrics
{
public:
    struct ProbeInfo
    {
        QString id;
        qint64 intervalMs = 0;
        double jitterP99Ms = 0; // not used: every sample carries its own lateness
    };

    struct Summary
    {
        QMap<QString, double> values;
        MetricIntervals intervals;      // [lo, hi] ms of each timing metric in values
        QList<ClusterAnomaly> anomalies;
        QString overload;               // non-empty: the console could not keep the probes' schedule (why)
    };

    // A probe whose p99 start lateness exceeds this share of its interval makes the check INCONCLUSIVE...
    static constexpr double MaxLatenessShareOfInterval = 0.5;
    // ... and so does a check with more than this share of its samples skipped while no attempt of
    // that probe was in flight (and at least MinSkippedForOverload of them: one skipped slot in a
    // short check is no overload). Slots skipped while an earlier attempt still waited for the
    // target are the target's slowness, not the console's: they count in skipped_samples only.
    static constexpr double MaxSkippedShare = 0.01;
    static constexpr int MinSkippedForOverload = 2;

    void addProbe(const ProbeInfo &info);
    void addSamples(const ProbeSampleBatch &batch);
    // Rounds of the cluster's view of its roles; with them, failover and the cluster timeline use
    // these instead of RoleChange events.
    void addRoleSamples(const RoleSampleBatch &batch);
    void addEvent(const RunEvent &event) { m_events.append(event); }
    // The role probe's interval: how finely a RoleChange event can be late (used without role samples).
    void setRoleResolutionMs(double ms) { m_roleResolutionMs = ms; }
    double roleResolutionMs() const { return m_roleResolutionMs; }
    // Anomaly times are ms since this instant; default: the CheckStarted event, else the first sample.
    void setCheckStartNs(qint64 ns) { m_checkStartNs = ns; }

    Summary summarize() const;
    // Computes everything that has data; absent metrics are simply not in the map.
    QMap<QString, double> compute() const { return summarize().values; }
    MetricIntervals intervals() const { return summarize().intervals; }
    // The cluster timeline from role samples (or, without them, from RoleChange events).
    ClusterTimeline timeline() const;

    const QList<RunEvent> &events() const { return m_events; }
    // Per probe, in time order.
    const QHash<QString, ProbeSampleBatch> &samples() const { return m_samples; }
    const RoleSampleBatch &roleSamples() const { return m_roleSamples; }

    static bool isRecoveryAction(const QString &action);
    static double percentile(QVector<double> values, double p);

private:
    qint64 checkStartNs() const;
    const ProbeInfo *probe(const QString &id) const;

    QList<ProbeInfo> m_probes;
    QHash<QString, ProbeSampleBatch> m_samples;
    RoleSampleBatch m_roleSamples;
    QList<RunEvent> m_events;
    double m_roleResolutionMs = 0;
    qint64 m_checkStartNs = -1;
};
