#pragma once

#include "latenesshistogram.h"
#include "probesample.h"
#include "probespec.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <QThread>

class ProbeWorker;

// Runs probes (http, tcp, command, sql, redis) many times a second and hands their samples over
// in batches. Attempt k of a probe is due at t0 + k * interval on MonoClock; every due slot yields
// exactly one sample (monoNs = due time, lateNs = actual start - due). Attempts per probe are
// bounded (ProbeExecutor::parallelLimit); a slot that finds them all still running within their
// timeout, or that the console could not start before the next one was due, yields a *skipped*
// sample: the console's limit, never the target's failure.
//
// The probing runs in a thread of its own (with its own QNetworkAccessManager), so a busy GUI
// thread neither delays nor thins out the samples; the public API and the samples signal live
// in the thread the engine belongs to.
class ProbeEngine : public QObject
{
    Q_OBJECT

public:
    // How often buffered samples are handed over (one samples() signal per flush at most).
    static constexpr int FlushMs = 50;

    explicit ProbeEngine(QObject *parent = nullptr);
    ~ProbeEngine() override;

    // Specs are already ${}-resolved. Intervals below 10 ms are raised to 10 ms. While running,
    // the engine restarts with the new set.
    void setProbes(const QList<ProbeSpec> &probes);
    QList<ProbeSpec> probes() const { return m_probes; }

    // Starts scheduling from now; clears the jitter statistics.
    void start();
    // Stops scheduling and abandons in-flight attempts (they produce no sample). Every sample of
    // the run has been emitted when stop() returns.
    void stop();
    bool isRunning() const { return m_running; }

    // Scheduling jitter of the samples delivered so far in this run, to state precision.
    QHash<QString, qint64> maxLateNs() const;
    // p99 of lateNs in ms for one probe (-1 when it has no samples yet).
    double schedulingJitterP99Ms(const QString &probeId) const;
    // p99 of lateNs in ms over every probe (-1 when there are no samples yet).
    double schedulingJitterP99Ms() const;
    // Skipped samples of one probe / of every probe in this run.
    qint64 skippedCount(const QString &probeId) const { return m_skipped.value(probeId); }
    qint64 skippedCount() const { return m_allSkipped; }

Q_SIGNALS:
    // Samples in the order they completed, emitted from this object's thread.
    void samples(const ProbeSampleBatch &batch);

private:
    void drain();

    QList<ProbeSpec> m_probes;
    bool m_running = false;
    QThread m_thread;
    ProbeWorker *m_worker = nullptr; // lives in m_thread; deleted there when it finishes
    QHash<QString, LatenessHistogram> m_lateness;
    LatenessHistogram m_allLateness;
    QHash<QString, qint64> m_skipped;
    qint64 m_allSkipped = 0;
};
