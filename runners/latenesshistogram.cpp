#include "latenesshistogram.h"

#include <algorithm>
#include <cmath>

LatenessHistogram::LatenessHistogram()
    : m_buckets(FineBuckets + CoarseBuckets + 1, 0)
{
}

void LatenessHistogram::add(qint64 ns)
{
    ns = std::max<qint64>(ns, 0); // a timer that fires a hair early is on time, not "negative jitter"
    int bucket = 0;
    if (ns < FineBuckets * FineStepNs)
        bucket = int(ns / FineStepNs);
    else if (ns < FineBuckets * FineStepNs + CoarseBuckets * CoarseStepNs)
        bucket = FineBuckets + int((ns - FineBuckets * FineStepNs) / CoarseStepNs);
    else
        bucket = FineBuckets + CoarseBuckets;
    ++m_buckets[size_t(bucket)];
    ++m_count;
    m_maxNs = std::max(m_maxNs, ns);
}

void LatenessHistogram::clear()
{
    std::fill(m_buckets.begin(), m_buckets.end(), 0);
    m_count = 0;
    m_maxNs = 0;
}

qint64 LatenessHistogram::upperEdgeNs(int bucket)
{
    if (bucket < FineBuckets)
        return (bucket + 1) * FineStepNs;
    return FineBuckets * FineStepNs + (bucket - FineBuckets + 1) * CoarseStepNs;
}

qint64 LatenessHistogram::quantileNs(double q) const
{
    if (m_count == 0)
        return 0;
    // Nearest-rank: the smallest value with at least ceil(q * n) samples at or below it.
    const qint64 rank = std::max<qint64>(1, qint64(std::ceil(std::clamp(q, 0.0, 1.0) * double(m_count))));
    qint64 seen = 0;
    for (int b = 0; b < int(m_buckets.size()); ++b) {
        seen += m_buckets[size_t(b)];
        if (seen >= rank)
            return b == int(m_buckets.size()) - 1 ? m_maxNs : std::min(upperEdgeNs(b), m_maxNs);
    }
    return m_maxNs;
}
