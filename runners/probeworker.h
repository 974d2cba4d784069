#pragma once

#include "probesample.h"
#include "probespec.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QLoggingCategory>
#include <QMutex>
#include <QNetworkRequest>
#include <QObject>
#include <QString>

#include <functional>
#include <queue>
#include <utility>
#include <vector>

class QNetworkAccessManager;
class QSocketNotifier;
class QTimer;

Q_DECLARE_LOGGING_CATEGORY(lcProbe)

// The probing machinery of ProbeEngine; it lives in the engine's own thread. Attempt k of a
// probe is due at t0 + k * interval on MonoClock and starts then even while earlier attempts
// are still in flight, so each due slot yields exactly one sample. Nothing here blocks.
// Samples are buffered and moved to a locked outbox every ProbeEngine::FlushMs.
class ProbeWorker : public QObject
{
    Q_OBJECT

public:
    // QNetworkAccessManager opens at most this many connections per host (Qt 6.4, not settable).
    static constexpr int ChannelsPerLane = 6;

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

    // Attempts of one probe allowed in flight at once: enough for a full timeout at the full rate.
    static int maxInFlight(qint64 intervalMs, qint64 timeoutMs);

Q_SIGNALS:
    // The outbox went from empty to non-empty.
    void samplesReady();

private:
    struct Probe
    {
        ProbeSpec spec;
        qint64 intervalNs = 0;
        qint64 timeoutMs = 0;
        qint64 firstDueNs = 0;
        qint64 slot = 0;          // index of the next attempt
        int inFlight = 0;
        int maxInFlight = 1;
        QString setupError;       // a spec that cannot run: every slot fails with this
        // http
        QNetworkRequest request;
        QByteArray verb;
        QByteArray body;
        bool useLanes = false;
        std::vector<int> laneLoad;      // requests in flight per connection lane
        std::vector<QString> laneNames; // their connection-cache keys
        // tcp
        QString host;
        quint16 port = 0;

        qint64 dueNs() const { return firstDueNs + slot * intervalNs; }
    };

    struct Result
    {
        bool ok = false;
        int status = 0;
        QString value;
        QString error;
    };

    void ensureSetup();
    Probe prepare(const ProbeSpec &spec, int index, int count, qint64 startNs) const;
    void onTimer();
    void tick();
    void pollSchedule();
    // Calls onTimeout after timeoutMs unless clearDeadline() came first; returns the attempt id.
    quint64 addDeadline(qint64 timeoutMs, std::function<void()> onTimeout);
    void clearDeadline(quint64 attempt) { m_onTimeout.remove(attempt); }
    void arm(qint64 dueNs);
    void disarm();
    void launch(int index, qint64 dueNs);
    void runHttp(int index, qint64 dueNs, qint64 startNs);
    void runTcp(int index, qint64 dueNs, qint64 startNs);
    void runCommand(int index, qint64 dueNs, qint64 startNs);
    void finish(int index, qint64 dueNs, qint64 startNs, qint64 endNs, const Result &result);
    void record(const Probe &probe, qint64 dueNs, qint64 startNs, double latencyMs, const Result &result);
    void abandonInFlight();
    void flush();

    int m_flushMs = 50;
    QNetworkAccessManager *m_nam = nullptr;
    QTimer *m_flushTimer = nullptr;
    QTimer *m_fallbackTimer = nullptr;  // where timerfd is not available
    QSocketNotifier *m_timerNotifier = nullptr;
    int m_timerFd = -1;
    bool m_running = false;
    bool m_inTick = false;
    qint64 m_nextWakeNs = 0;  // earliest due slot or attempt deadline
    // Attempt timeouts run on the same timerfd as the schedule: no QTimer per attempt.
    std::priority_queue<std::pair<qint64, quint64>, std::vector<std::pair<qint64, quint64>>,
                        std::greater<>> m_deadlines;
    QHash<quint64, std::function<void()>> m_onTimeout; // attempts still in flight
    quint64 m_lastAttempt = 0;
    quint64 m_generation = 0; // bumped by stop(): answers to abandoned attempts are ignored
    std::vector<Probe> m_probes;
    ProbeSampleBatch m_buffer;

    QMutex m_outboxMutex;
    ProbeSampleBatch m_outbox;
};
