#pragma once

#include "probeoutcome.h"
#include "probespec.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QNetworkRequest>
#include <QObject>
#include <QProcessEnvironment>
#include <QString>

#include <functional>

class DeadlineQueue;
class HttpProbeConnection;
class QNetworkAccessManager;
class QProcess;
class RedisConnection;
class SqlProbeConnection;

// Runs probe attempts of every kind (http, tcp, command, sql, redis) for check probes, readiness
// and role probes and one-shot requests; nothing blocks the thread it lives in. A probe is a
// channel: its connections persist between attempts (HTTP keep-alive on connections of its own,
// one Redis connection with pipelining, one PostgreSQL connection in a thread of its own), and
// at most maxParallel attempts run at once. Every attempt ends in exactly one outcome: its answer
// or, at its deadline, "timed out after N ms" (the command's process group is killed then, a
// stuck SQL query cut, an HTTP request aborted).
class ProbeExecutor : public QObject
{
    Q_OBJECT

public:
    using Done = std::function<void(const ProbeOutcome &)>;

    // Why run() did not start an attempt.
    enum class Admission {
        Started,
        Busy,  // maxParallel attempts still within their timeout: the caller records a skipped slot
        Stuck, // every running attempt already timed out and is still being torn down
    };

    struct Options
    {
        qint64 timeoutMs = 0;  // per attempt; 0: the spec's timeout
        int maxParallel = 0;   // 0: parallelLimit(spec, spec.intervalMs, timeout)
        bool keepOutput = false; // HTTP: read the body even without json / regex (role probes)
    };

    static constexpr qsizetype MaxOutputBytes = 1 << 20;
    // HTTP / TCP attempts of one probe at once; QNAM opens at most 6 connections per host key.
    static constexpr int MaxParallelConnections = 6;
    // Redis commands one probe keeps on its pipelined connection.
    static constexpr int MaxPipelined = 64;
    // PostgreSQL connections (each with its thread) of one sql probe.
    static constexpr int MaxSqlConnections = 2;

    explicit ProbeExecutor(QObject *parent = nullptr);
    ~ProbeExecutor() override;

    // A channel for the spec (already ${}-resolved); its setup problems fail every attempt.
    int add(const ProbeSpec &spec, const Options &options);
    int add(const ProbeSpec &spec);
    void remove(int channel);
    // Abandons every attempt (no outcome is reported) and drops every channel.
    void clear();
    // Abandons every attempt; channels and their connections stay.
    void abandonAll();

    Admission run(int channel, Done done);
    // One attempt on a channel of its own, removed after its outcome (for steps and one-off checks).
    void runOnce(const ProbeSpec &spec, const Options &options, Done done);

    QString setupError(int channel) const;
    int inFlight(int channel) const;
    // Command processes not yet reaped (killed ones included).
    int runningProcesses() const;

    // Attempts one probe may have in flight at once, by kind: a command one (the next slot is
    // skipped while it runs), SQL two (two connections: one slow commit does not cost the next
    // slot), HTTP / TCP up to MaxParallelConnections, Redis up to MaxPipelined.
    static int parallelLimit(const ProbeSpec &spec, qint64 intervalMs, qint64 timeoutMs);
    static QString timedOutText(qint64 timeoutMs);

Q_SIGNALS:
    // A command process was reaped.
    void processReaped();

private:
    struct Channel
    {
        ProbeSpec spec;
        qint64 timeoutMs = 1000;
        int maxParallel = 1;
        bool keepOutput = false;
        bool once = false;
        QString setupError;
        int inFlight = 0;
        int stuck = 0; // in flight but already reported as timed out
        // http: plain http on our own keep-alive connections; https through QNAM
        QNetworkRequest request;
        QByteArray verb;
        QByteArray body;
        bool nativeHttp = false;
        QByteArray httpRequest; // the whole request, built once
        QList<HttpProbeConnection *> httpPool;
        // tcp / redis
        QString host;
        quint16 port = 0;
        // command
        QProcessEnvironment env;
        // sql / redis
        QList<SqlProbeConnection *> sqlPool; // a second connection only while the first is busy
        QList<bool> sqlBusy;
        RedisConnection *redis = nullptr;
        QList<QByteArray> redisArgv;
    };

    struct Attempt
    {
        int channel = 0;
        Done done;
        bool reported = false;
        qint64 startNs = 0;
        std::function<void()> cancel; // ends the operation after its deadline
    };

    void prepare(Channel &c, int channelId);
    quint64 begin(int channel, Done done, qint64 startNs);
    void complete(quint64 attempt, ProbeOutcome outcome);
    void onDeadline(quint64 attempt);
    void judge(const Channel &c, ProbeOutcome &o) const;
    void startHttp(quint64 attempt, Channel &c);
    // retry: the reused keep-alive connection had been closed by the server; this is the fresh try.
    void startNativeHttp(quint64 attempt, Channel &c, bool retry);
    void startTcp(quint64 attempt, Channel &c);
    void startCommand(quint64 attempt, Channel &c);
    void startSql(quint64 attempt, Channel &c);
    void startRedis(quint64 attempt, Channel &c);
    void dropAttempt(quint64 attempt);
    void onProcessGone(QProcess *process);

    QNetworkAccessManager *m_nam = nullptr; // created on first HTTP channel
    DeadlineQueue *m_deadlines = nullptr;
    QHash<int, Channel> m_channels;
    QHash<quint64, Attempt> m_attempts;
    int m_lastChannel = 0;
    quint64 m_lastAttempt = 0;
    int m_processes = 0;
};
