// Leader lease in Redis: SET NX PX to acquire, compare-and-pexpire to renew,
// compare-and-delete to release; INCR of the epoch key on every acquisition.
#pragma once

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>

class RedisClient;

class LeaderLease : public QObject
{
    Q_OBJECT
public:
    static constexpr const char *kLeaderKey = "halab:leader";
    static constexpr const char *kEpochKey = "halab:epoch";

    LeaderLease(RedisClient *redis, const QString &nodeId, int ttlMs, int renewMs,
                QObject *parent = nullptr);

    void start();
    // Stops contending and deletes the key if it still holds our id; done runs once after.
    void release(std::function<void()> done);

    // Leader only while the last successful renewal (timed from when it was sent) is within TTL.
    bool isLeader() const;
    // Admin fault: a former leader overwrites the key with its own id and rewinds the epoch to the
    // one it last held, discarding the interim leader's term. done(ok, error) after the writes.
    void takeBack(std::function<void(bool ok, const QString &error)> done);
    qint64 lastOwnEpoch() const { return m_ownEpoch; }
    QString holderId() const { return m_holder; }
    qint64 epoch() const { return m_epoch; }
    int ttlMs() const { return m_ttlMs; }

Q_SIGNALS:
    void leadershipChanged(bool leader);

private:
    void tick();
    void setLeader(bool leader, const QString &reason);
    void setLeaderLogged(bool leader, const QString &reason, const QJsonObject &extra);
    void onAcquired(const QElapsedTimer &sentAt, const QString &reason);
    void onRedisUpChanged(bool up);

    RedisClient *m_redis;
    QString m_nodeId;
    int m_ttlMs;
    QTimer m_timer;
    QElapsedTimer m_validSince; // send time of the last successful acquire/renew
    bool m_leader = false;
    bool m_inFlight = false;
    bool m_acquiring = false; // between winning the key and the epoch INCR reply
    bool m_released = false;
    bool m_started = false; // no contention before start() (LEASE_START_DELAY_MS)
    QString m_holder;
    qint64 m_epoch = 0;
    qint64 m_ownEpoch = 0;    // the epoch of this node's latest term as leader
    qint64 m_acquiredUs = 0;  // wall µs when the key became ours (the SET NX / take-back reply)
};
