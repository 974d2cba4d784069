#pragma once

#include "probesample.h"
#include "probespec.h"

#include <QHash>
#include <QList>
#include <QLoggingCategory>
#include <QMutex>
#include <QObject>
#include <QString>

#include <vector>

class ProbeExecutor;
struct ProbeOutcome;
class QSocketNotifier;
class QTimer;

Q_DECLARE_LOGGING_CATEGORY(lcProbe)

// The probing machinery of ProbeEngine; it lives in the engine's own thread. Attempt k of a
// probe is due at t0 + k * interval on MonoClock, and each due slot yields exactly one sample:
// the attempt's answer; or *skipped* when the probe's earlier attempts still run within their
// timeout (ProbeExecutor bounds them per probe) or when the console woke up more than 50 ms (or
// two intervals) late and a later slot of the same probe was already due (no burst of stale
// attempts after a stall). A skipped sample is the console's problem, never the target's. Nothing here blocks.
// Samples are buffered and moved to a locked outbox every ProbeEngine::FlushMs.
class ProbeWorker : public QObject
{
    Q_OBJECT

public:
    explicit ProbeWorker(int flushMs, QObject *parent = nullptr);
    ~ProbeWorker() override;

    // Worker thread only (the engine calls them through QMetaObject::invokeMethod).
    void start(const QList<ProbeSpec> &probes);
    // Stops scheduling, abandons in-flight attempts (they produce no sample) and moves every
    // buffered sample to the outbox.
    void stop();
    // stop(), then quits this thread once the killed commands are reaped.
    void shutdown();

    // Any thread: the samples flushed since the last call, in the order they were taken.
    ProbeSampleBatch takeSamples();

Q_SIGNALS:
    // The outbox went from empty to non-empty.
    void samplesReady();

private:
    struct Probe
    {
        QString id;
        qint64 intervalNs = 0;
        qint64 firstDueNs = 0;
        qint64 slot = 0; // index of the next attempt
        int channel = 0; // in the executor

        qint64 dueNs() const { return firstDueNs + slot * intervalNs; }
    };

    void ensureSetup();
    void onTimer();
    void tick();
    void pollSchedule();
    void arm(qint64 dueNs);
    void disarm();
    void launch(int index, qint64 dueNs);
    void record(const QString &id, qint64 dueNs, qint64 startNs, const ProbeOutcome &outcome);
    void recordSkipped(const QString &id, qint64 dueNs, qint64 nowNs, const QString &why);
    void flush();

    int m_flushMs = 50;
    ProbeExecutor *m_executor = nullptr;
    QTimer *m_flushTimer = nullptr;
    QTimer *m_fallbackTimer = nullptr; // where timerfd is not available
    QSocketNotifier *m_timerNotifier = nullptr;
    int m_timerFd = -1;
    bool m_running = false;
    bool m_inTick = false;
    qint64 m_nextWakeNs = 0; // earliest due slot
    quint64 m_generation = 0; // bumped by stop(): answers to abandoned attempts are ignored
    std::vector<Probe> m_probes;
    ProbeSampleBatch m_buffer;

    QMutex m_outboxMutex;
    ProbeSampleBatch m_outbox;
};
