#pragma once

#include <QtGlobal>

#include <time.h>

// The one monotonic clock every sample and event is stamped with (ns since boot), so probe
// samples, faults and role changes line up exactly across threads.
namespace MonoClock {
inline qint64 nowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
} // namespace MonoClock
