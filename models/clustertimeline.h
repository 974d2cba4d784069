#pragma once

#include "clusteranomaly.h"
#include "metricinterval.h"
#include "rolesample.h"
#include "runevent.h"

#include <QList>
#include <QStringList>

// The cluster's roles over a check, derived from role rounds in time order: leader spans,
// no-leader spans, split brain (two or more leaders in one round) and leader regressions.
//
// Rounds: the stack's role source ("cluster") when the check has any of its rounds, else the
// per-service role probes ("members"); rounds with an error say nothing and are left out.
// Leader regression: at a change of leader from Y to X,
//   - when both rounds carry a numeric term: the term did not increase (X's term <= Y's);
//   - otherwise: X led earlier in the check (A -> B -> A) and Y was not faulted (isFaultAction)
//     while it led.
// A no-leader span is an anomaly unless the leader before it was faulted during its term and a
// leader came back before the check ended (the gap of a healthy failover).
class ClusterTimeline
{
public:
    struct Span
    {
        qint64 fromNs = 0;
        qint64 toNs = 0;
        QStringList leaders; // empty: no leader; two or more: split brain
        bool open = false;   // still going when the rounds ended
    };

    // Events: the check's faults (for the regression rule and to explain no-leader gaps).
    static ClusterTimeline derive(const RoleSampleBatch &rounds, const QList<RunEvent> &events, qint64 checkStartNs);

    bool isEmpty() const { return m_rounds.isEmpty(); }
    // The rounds used, in time order (see the class comment for which).
    const RoleSampleBatch &rounds() const { return m_rounds; }
    // Those of them that say who leads: not the rounds that left out the leader (its earlier
    // answer still out) and heard no other claim. Spans, anomalies and leaderAt() use these.
    const RoleSampleBatch &leaderRounds() const { return m_leaderRounds; }
    const QList<Span> &spans() const { return m_spans; }
    const QList<ClusterAnomaly> &anomalies() const { return m_anomalies; }

    double leaderlessMs() const { return m_leaderlessMs; }
    MetricInterval leaderlessInterval() const { return m_leaderlessInterval; }
    int leaderChanges() const { return m_leaderChanges; }
    int splitBrainSamples() const { return m_splitBrainSamples; }
    int leaderRegressions() const { return m_leaderRegressions; }

    // A leader whose role probe got no answer while nobody else claimed the role still leads, as
    // far as anyone knows, for this long (a slow answer is not a lost leader).
    static constexpr int LeaderSilenceGraceMs = 1500;

    // The member the last round answered by `ns` named as its only leader ("" when it named none,
    // or several of which `among` is not one). When `among` led and then did not answer the rounds
    // since (nobody else leading) for less than LeaderSilenceGraceMs, it is still `among`.
    QString leaderAt(qint64 ns, const QString &among = {}) const;

    static bool isFaultAction(const QString &action);

private:
    RoleSampleBatch m_rounds;
    RoleSampleBatch m_leaderRounds;
    QList<Span> m_spans;
    QList<ClusterAnomaly> m_anomalies;
    double m_leaderlessMs = 0;
    MetricInterval m_leaderlessInterval;
    int m_leaderChanges = 0;
    int m_splitBrainSamples = 0;
    int m_leaderRegressions = 0;
};
