// Fixed-window rate limit counted in ONE Redis bucket shared by every replica.
#pragma once

#include <QtGlobal>

#include <functional>

class RedisClient;

class RateLimiter
{
public:
    struct Result
    {
        bool storeOk = false;  // false: Redis unreachable, nothing was counted
        bool allowed = false;
        qint64 count = 0;
        int remaining = 0;
        qint64 resetInMs = 0;
    };

    RateLimiter(RedisClient *redis, int max, int windowMs);

    // Counts one hit in the current window (INCR halab:rl:<window index> + PEXPIRE).
    void hit(std::function<void(const Result &)> done);
    int max() const { return m_max; }

private:
    RedisClient *m_redis;
    int m_max;
    int m_windowMs;
};
