#include "scheduler.h"

#include "jsonlog.h"
#include "leaderlease.h"
#include "redisclient.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

namespace {
constexpr int kTickMs = 100;
constexpr int kMaxCatchUpTicks = 50;

QString settleKey(const QString &id, qint64 t)
{
    return id + QLatin1Char('|') + QString::number(t);
}
} // namespace

Scheduler::Scheduler(RedisClient *redis, LeaderLease *lease, const QString &nodeId, QObject *parent)
    : QObject(parent), m_redis(redis), m_lease(lease), m_nodeId(nodeId)
{
    m_timer.setInterval(kTickMs);
    // Poll often so a tick fires within ~100 ms of its time.
    connect(&m_timer, &QTimer::timeout, this, &Scheduler::tick);
}

void Scheduler::start()
{
    m_timer.start();
}

void Scheduler::stop()
{
    m_timer.stop();
}

QByteArray Scheduler::executionsKey(const QString &id)
{
    return QByteArrayLiteral("halab:sched:") + id.toUtf8() + QByteArrayLiteral(":executions");
}

QByteArray Scheduler::claimKey(const QString &id, qint64 fireTime)
{
    return QByteArrayLiteral("halab:sched:") + id.toUtf8() + ':' + QByteArray::number(fireTime);
}

void Scheduler::tick()
{
    if (m_inFlight || !m_redis->isUp() || !m_lease->isLeader())
        return;
    m_inFlight = true;
    m_redis->command({"HGETALL", kSchedulesKey}, [this](const RedisReply &r) {
        m_inFlight = false;
        if (r.type != RedisReply::Type::Array || !m_lease->isLeader())
            return;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (qsizetype i = 0; i + 1 < r.elements.size(); i += 2)
            evaluate(QString::fromUtf8(r.elements.at(i).str), r.elements.at(i + 1).str, now);
        // Forget settled ticks that are far behind any catch-up window.
        for (auto it = m_settled.begin(); it != m_settled.end();) {
            if (it.value() < now - 600000)
                it = m_settled.erase(it);
            else
                ++it;
        }
    });
}

void Scheduler::evaluate(const QString &id, const QByteArray &definition, qint64 now)
{
    const QJsonObject def = QJsonDocument::fromJson(definition).object();
    const qint64 every = def.value(QStringLiteral("every_ms")).toInteger();
    const qint64 created = def.value(QStringLiteral("created_ms")).toInteger();
    if (every < kMinEveryMs)
        return;
    // Catch up on ticks missed during a failover (up to one lease TTL plus slack), never more.
    const qint64 catchUp = qMax<qint64>(2 * every, m_lease->ttlMs() + 2000);
    const qint64 guardTtl = qMax<qint64>(3 * catchUp, 60000);
    const qint64 from = qMax(created, now - catchUp);
    qint64 first = ((from + every - 1) / every) * every;
    const qint64 last = (now / every) * every;
    first = qMax(first, last - (kMaxCatchUpTicks - 1) * every);
    for (qint64 t = first; t <= last; t += every) {
        const QString k = settleKey(id, t);
        if (!m_settled.contains(k) && !m_claiming.contains(k))
            claim(id, t, guardTtl);
    }
}

void Scheduler::claim(const QString &id, qint64 fireTime, qint64 guardTtlMs)
{
    // Claim and record in one script so a claimed tick always has its execution row.
    static const QByteArray kClaimScript = QByteArrayLiteral(
        "if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then "
        "redis.call('rpush', KEYS[2], ARGV[3]) return 1 else return 0 end");
    const QString k = settleKey(id, fireTime);
    m_claiming.insert(k);
    const qint64 firedAt = QDateTime::currentMSecsSinceEpoch();
    const QJsonObject execution{{QStringLiteral("fire_time"), double(fireTime)},
                                {QStringLiteral("node_id"), m_nodeId},
                                {QStringLiteral("fired_at"), double(firedAt)}};
    m_redis->command({"EVAL", kClaimScript, "2", claimKey(id, fireTime), executionsKey(id),
                      m_nodeId.toUtf8(), QByteArray::number(guardTtlMs),
                      QJsonDocument(execution).toJson(QJsonDocument::Compact)},
                     [this, id, fireTime, firedAt, k](const RedisReply &r) {
                         m_claiming.remove(k);
                         if (r.type != RedisReply::Type::Integer)
                             return; // not answered: retried on a later tick
                         m_settled.insert(k, fireTime);
                         if (r.integer != 1)
                             return; // another node (or an earlier leader) fired it
                         JsonLog::info(QStringLiteral("schedule fired"),
                                       {{QStringLiteral("schedule"), id},
                                        {QStringLiteral("fire_time"), double(fireTime)},
                                        {QStringLiteral("lag_ms"), double(firedAt - fireTime)}});
                     });
}
