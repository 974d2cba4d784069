#pragma once

#include "clusteranomaly.h"
#include "clustertimeline.h"
#include "metricinterval.h"
#include "probesample.h"
#include "probesequence.h"
#include "rolesample.h"
#include "runevent.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QString>

#include <deque>
#include <limits>

// Computes a check's metrics from its samples and events, each timing with the interval that
// holds the truth. Samples are kept in time order (due time, ProbeSample::monoNs) whatever order
// they complete in, so no metric depends on arrival order. Names are fixed (they appear in
// expectations and exports): probes_ok, probes_total, availability_pct, longest_outage_ms,
// skipped_samples, console_late_p99_ms, failover_ms, failover_count, failover_missing,
// detection_ms, recovery_ms, latency_p50_ms, latency_p99_ms, leaderless_ms, leader_changes,
// split_brain_samples, leader_regressions; per probe also "<probe>.<metric>".
//
// Memory is bounded whatever the length of the check (the run store keeps the raw samples): a
// probe's samples wait in a reorder window (ReorderWindowNs of due time) until no earlier one can
// still complete, then fold into a ProbeSequence (counts, runs of equal outcome, histograms).
// Every figure is the one the full sample list gives, except the latency and lateness percentiles,
// which are within QuantileHistogram::MaxRelativeError (1 %) of it. Role rounds are kept the same
// way: the first and last of each stretch of identical rounds (RoleSample::repeats counts them).
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

    // A sample is final once its due time is this much older than the newest due time of its probe
    // (longer than any probe timeout plus the engine's batching). One that arrives later still
    // counts, folded in out of time order (samplesPastWindow()).
    static constexpr qint64 DefaultReorderWindowNs = 60'000'000'000;

    // What the metrics hold in memory, by element count (for tests and benches).
    struct Footprint
    {
        qsizetype pendingSamples = 0;   // in the reorder windows
        qsizetype outcomeRuns = 0;      // runs of equal outcome, all probes
        qsizetype histogramBuckets = 0; // latency and lateness, all probes
        qsizetype anchors = 0;
        qsizetype roleRounds = 0;       // kept rounds (pending and compacted)
        qsizetype events = 0;
    };

    void addProbe(const ProbeInfo &info);
    void addSamples(const ProbeSampleBatch &batch);
    // Rounds of the cluster's view of its roles; with them, failover and the cluster timeline use
    // these instead of RoleChange events.
    void addRoleSamples(const RoleSampleBatch &batch);
    void addEvent(const RunEvent &event);
    void setReorderWindowNs(qint64 ns) { m_reorderWindowNs = ns; }
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
    // Samples received for a probe (taken and skipped).
    qint64 sampleCount(const QString &probeId) const;
    // The role rounds kept, in time order: within a stretch of identical rounds only its first and
    // last (the last's RoleSample::repeats says how many it stands for).
    RoleSampleBatch roleSamples() const;
    Footprint footprint() const;
    qint64 samplesPastWindow() const { return m_samplesPastWindow; }

    static bool isRecoveryAction(const QString &action);
    static double percentile(QVector<double> values, double p);

private:
    struct ProbeState
    {
        ProbeSequence done;                         // final samples, folded in time order
        std::deque<ProbeSequence::Sample> pending;  // not yet final, sorted by due time
        qint64 newestDueNs = std::numeric_limits<qint64>::min();
        qint64 finalDueNs = std::numeric_limits<qint64>::min(); // due time of the last folded sample
        qint64 firstDueNs = std::numeric_limits<qint64>::max();
        qint64 received = 0;
    };

    qint64 checkStartNs() const;
    const ProbeInfo *probe(const QString &id) const;
    ProbeState &stateOf(const QString &probeId);
    bool hasRoleSamples() const { return !m_pendingRounds.isEmpty() || !m_finalRounds.isEmpty(); }
    void foldFinal(ProbeState &state) const;
    // The probe's sequence with its pending samples folded in too (a copy: the window stays open).
    ProbeSequence sequenceOf(const ProbeState &state) const;
    void foldFinalRounds();
    void keepRound(const RoleSample &round);

    QList<ProbeInfo> m_probes;
    QHash<QString, ProbeState> m_states;
    QList<qint64> m_anchors; // fault times: every probe notes its first sample after each
    RoleSampleBatch m_pendingRounds;             // not yet final, sorted by start
    QMap<QString, RoleSampleBatch> m_finalRounds; // per source, compacted
    qint64 m_newestRoundNs = std::numeric_limits<qint64>::min();
    QList<RunEvent> m_events;
    qint64 m_reorderWindowNs = DefaultReorderWindowNs;
    qint64 m_samplesPastWindow = 0;
    double m_roleResolutionMs = 0;
    qint64 m_checkStartNs = -1;
};
