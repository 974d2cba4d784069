#include "ratelimiter.h"

#include "redisclient.h"

#include <QDateTime>

RateLimiter::RateLimiter(RedisClient *redis, int max, int windowMs)
    : m_redis(redis), m_max(max), m_windowMs(windowMs)
{
}

void RateLimiter::hit(std::function<void(const Result &)> done)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 window = now / m_windowMs;
    const qint64 resetIn = (window + 1) * m_windowMs - now;
    const QByteArray key = QByteArrayLiteral("halab:rl:") + QByteArray::number(window);
    const int max = m_max;
    // Pipelined: the reply to INCR decides; PEXPIRE only bounds the key's lifetime.
    m_redis->command({"INCR", key}, [done, max, resetIn](const RedisReply &r) {
        Result res;
        if (r.type == RedisReply::Type::Integer) {
            res.storeOk = true;
            res.count = r.integer;
            res.allowed = r.integer <= max;
            res.remaining = int(qMax<qint64>(0, max - r.integer));
            res.resetInMs = resetIn;
        }
        done(res);
    });
    m_redis->command({"PEXPIRE", key, QByteArray::number(qint64(m_windowMs) * 2)});
}
