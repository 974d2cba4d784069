#pragma once

#include "probesample.h"
#include "runevent.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QString>

// Computes a check's metrics from its samples and events, with each timing's resolution.
// Names are fixed (they appear in expectations and exports): probes_ok, probes_total,
// availability_pct, longest_outage_ms, failover_ms, detection_ms, recovery_ms, latency_p50_ms,
// latency_p99_ms; per probe also "<probe>.<metric>".
class CheckMetrics
{
public:
    struct ProbeInfo
    {
        QString id;
        qint64 intervalMs = 0;
        double jitterP99Ms = 0; // measured scheduling lateness
    };

    void addProbe(const ProbeInfo &info) { m_probes.append(info); }
    void addSamples(const ProbeSampleBatch &batch);
    void addEvent(const RunEvent &event) { m_events.append(event); }
    // The role probe's interval: how finely a leader change can be seen.
    void setRoleResolutionMs(double ms) { m_roleResolutionMs = ms; }
    double roleResolutionMs() const { return m_roleResolutionMs; }

    // Computes everything that has data; absent metrics are simply not in the map.
    QMap<QString, double> compute() const;
    // ± half-width in ms for each timing metric in compute().
    QMap<QString, double> resolutions() const;

    const QList<RunEvent> &events() const { return m_events; }
    const QHash<QString, ProbeSampleBatch> &samples() const { return m_samples; }

    static bool isRecoveryAction(const QString &action);
    static double percentile(QVector<double> values, double p);

private:
    struct ProbeStats
    {
        int ok = 0;
        int total = 0;
        double longestOutageMs = 0;
        double p50 = 0;
        double p99 = 0;
    };
    ProbeStats statsFor(const ProbeSampleBatch &samples) const;
    double resolutionFor(const QString &probeId) const;
    const ProbeInfo *probe(const QString &id) const;

    QList<ProbeInfo> m_probes;
    QHash<QString, ProbeSampleBatch> m_samples;
    QList<RunEvent> m_events;
    double m_roleResolutionMs = 0;
    mutable QMap<QString, double> m_resolutions;
};
