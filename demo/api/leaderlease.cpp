#include "leaderlease.h"

#include "jsonlog.h"
#include "redisclient.h"

#include <QJsonObject>

namespace {
const QByteArray kRenewScript = QByteArrayLiteral(
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end");
const QByteArray kReleaseScript = QByteArrayLiteral(
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) else return 0 end");
} // namespace

LeaderLease::LeaderLease(RedisClient *redis, const QString &nodeId, int ttlMs, int renewMs,
                         QObject *parent)
    : QObject(parent), m_redis(redis), m_nodeId(nodeId), m_ttlMs(ttlMs)
{
    m_timer.setInterval(renewMs);
    // Renew (or try to acquire) every LEASE_RENEW_MS.
    connect(&m_timer, &QTimer::timeout, this, &LeaderLease::tick);
    // Contend immediately when Redis comes back; step down at once when it goes away.
    connect(m_redis, &RedisClient::upChanged, this, &LeaderLease::onRedisUpChanged);
}

void LeaderLease::start()
{
    m_started = true;
    m_timer.start();
    tick();
}

bool LeaderLease::isLeader() const
{
    return m_leader && m_validSince.isValid() && m_validSince.elapsed() < m_ttlMs;
}

void LeaderLease::onRedisUpChanged(bool up)
{
    if (up) {
        tick();
        return;
    }
    m_holder.clear(); // unknown while the store is unreachable
    setLeader(false, QStringLiteral("redis down"));
}

void LeaderLease::setLeader(bool leader, const QString &reason)
{
    setLeaderLogged(leader, reason, {});
}

void LeaderLease::setLeaderLogged(bool leader, const QString &reason, const QJsonObject &extra)
{
    if (m_leader == leader)
        return;
    m_leader = leader;
    QJsonObject fields = extra;
    fields.insert(QStringLiteral("epoch"), double(m_epoch));
    fields.insert(QStringLiteral("reason"), reason);
    // The instant the role changed hands as this node can know it: when the key became ours.
    fields.insert(QStringLiteral("wall_us"), double(leader && m_acquiredUs ? m_acquiredUs : JsonLog::wallUs()));
    if (leader)
        JsonLog::info(QStringLiteral("lease acquired"), fields);
    else
        JsonLog::warn(QStringLiteral("lease lost"), fields);
    emit leadershipChanged(leader);
}

void LeaderLease::tick()
{
    if (!m_started || m_released || !m_redis->isUp() || m_inFlight || m_acquiring)
        return;
    if (m_leader && !isLeader())
        setLeader(false, QStringLiteral("renewal overdue"));

    const QByteArray key(kLeaderKey);
    const QByteArray node = m_nodeId.toUtf8();
    const QByteArray ttl = QByteArray::number(m_ttlMs);
    m_inFlight = true;
    QElapsedTimer sentAt;
    sentAt.start();
    if (m_leader) {
        m_redis->command({"EVAL", kRenewScript, "1", key, node, ttl},
                         [this, sentAt](const RedisReply &r) {
                             if (r.type == RedisReply::Type::Integer && r.integer == 1)
                                 m_validSince = sentAt;
                             else if (r.type == RedisReply::Type::Integer)
                                 setLeader(false, QStringLiteral("lease held by another node"));
                         });
    } else if (m_holder == m_nodeId) {
        // The key still names us although we stepped down (e.g. a renewal queued in a stalled
        // Redis ran after we gave up): re-adopt it instead of waiting for it to expire.
        m_redis->command({"EVAL", kRenewScript, "1", key, node, ttl},
                         [this, sentAt](const RedisReply &r) {
                             if (r.type == RedisReply::Type::Integer && r.integer == 1)
                                 onAcquired(sentAt, QStringLiteral("re-adopted own lease key"));
                         });
    } else {
        m_redis->command({"SET", key, node, "NX", "PX", ttl}, [this, sentAt](const RedisReply &r) {
            if (r.type == RedisReply::Type::Status && r.str == "OK")
                onAcquired(sentAt, QStringLiteral("SET NX succeeded"));
        });
    }
    // holder_id / epoch are read back every tick so followers report them too.
    m_redis->command({"MGET", key, kEpochKey}, [this](const RedisReply &r) {
        m_inFlight = false;
        if (r.type != RedisReply::Type::Array || r.elements.size() != 2)
            return;
        m_holder = r.elements.at(0).isNil() ? QString() : QString::fromUtf8(r.elements.at(0).str);
        // The store's epoch as it is (an admin take-back may have rewound it).
        if (r.elements.at(1).type == RedisReply::Type::Bulk && !m_acquiring)
            m_epoch = r.elements.at(1).str.toLongLong();
    });
}

void LeaderLease::onAcquired(const QElapsedTimer &sentAt, const QString &reason)
{
    if (m_released)
        return;
    m_validSince = sentAt;
    m_holder = m_nodeId;
    m_acquiredUs = JsonLog::wallUs();
    m_acquiring = true;
    // Every new term gets a new epoch.
    m_redis->command({"INCR", kEpochKey}, [this, reason](const RedisReply &inc) {
        m_acquiring = false;
        if (inc.type == RedisReply::Type::Integer) {
            m_epoch = inc.integer;
            m_ownEpoch = inc.integer;
        }
        if (!m_released && m_validSince.isValid() && m_validSince.elapsed() < m_ttlMs)
            setLeader(true, reason);
    });
}

void LeaderLease::release(std::function<void()> done)
{
    m_released = true;
    m_timer.stop();
    const bool wasLeader = m_leader;
    setLeader(false, QStringLiteral("shutting down"));
    if (!wasLeader || !m_redis->isUp()) {
        done();
        return;
    }
    m_redis->command({"EVAL", kReleaseScript, "1", kLeaderKey, m_nodeId.toUtf8()},
                     [done = std::move(done)](const RedisReply &r) {
                         JsonLog::info(QStringLiteral("lease released"),
                                       {{QStringLiteral("deleted"), r.type == RedisReply::Type::Integer
                                                                        && r.integer == 1}});
                         done();
                     });
}

void LeaderLease::takeBack(std::function<void(bool ok, const QString &error)> done)
{
    if (m_released || !m_redis->isUp()) {
        done(false, QStringLiteral("the shared store is unreachable"));
        return;
    }
    if (m_leader) {
        done(false, QStringLiteral("this node leads already: call it on a former leader"));
        return;
    }
    if (m_ownEpoch == 0) {
        done(false, QStringLiteral("this node never led: it has no term to take back"));
        return;
    }
    const QByteArray node = m_nodeId.toUtf8();
    const QByteArray ttl = QByteArray::number(m_ttlMs);
    const qint64 discarded = m_epoch;
    QElapsedTimer sentAt;
    sentAt.start();
    m_acquiring = true; // no tick may interleave its own acquire with ours
    // Overwrite (no NX): the stale leader wins the key back whoever holds it.
    m_redis->command({"SET", kLeaderKey, node, "PX", ttl}, [this, sentAt, discarded, done](const RedisReply &r) {
        if (r.type != RedisReply::Type::Status || r.str != "OK") {
            m_acquiring = false;
            done(false, QStringLiteral("SET failed"));
            return;
        }
        m_acquiredUs = JsonLog::wallUs();
        m_validSince = sentAt;
        m_holder = m_nodeId;
        m_redis->command({"SET", kEpochKey, QByteArray::number(m_ownEpoch)}, [this, discarded, done](const RedisReply &) {
            m_acquiring = false;
            m_epoch = m_ownEpoch;
            setLeaderLogged(true, QStringLiteral("took the lease back (leader regression injected)"),
                            {{QStringLiteral("discarded_epoch"), double(discarded)}});
            done(true, {});
        });
    });
}
