// Fires stored schedules on the lease holder only; each (schedule, tick) is claimed with
// SET halab:sched:<id>:<t> NX so a tick never fires twice, even across a leader change.
#pragma once

#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>
#include <QTimer>

class LeaderLease;
class RedisClient;

class Scheduler : public QObject
{
    Q_OBJECT
public:
    static constexpr const char *kSchedulesKey = "halab:schedules";
    static constexpr int kMinEveryMs = 100;

    Scheduler(RedisClient *redis, LeaderLease *lease, const QString &nodeId, QObject *parent = nullptr);

    void start();
    void stop();

    static QByteArray executionsKey(const QString &id);
    static QByteArray claimKey(const QString &id, qint64 fireTime);

private:
    void tick();
    void evaluate(const QString &id, const QByteArray &definition, qint64 now);
    void claim(const QString &id, qint64 fireTime, qint64 guardTtlMs);

    RedisClient *m_redis;
    LeaderLease *m_lease;
    QString m_nodeId;
    QTimer m_timer;
    bool m_inFlight = false;
    QHash<QString, qint64> m_settled; // "id|t" -> t, ticks already fired or claimed elsewhere
    QSet<QString> m_claiming;         // claims sent but not answered yet
};
