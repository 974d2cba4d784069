#include "quantilehistogram.h"

#include <algorithm>
#include <cmath>

namespace {

const double LogGrowth = std::log(QuantileHistogram::Growth);

} // namespace

int QuantileHistogram::indexOf(double ms)
{
    return int(std::floor(std::log(std::min(ms, MaxMs)) / LogGrowth));
}

QuantileHistogram::Bucket &QuantileHistogram::bucketAt(int index)
{
    if (m_buckets.empty()) {
        m_firstIndex = index;
        m_buckets.resize(1);
    } else if (index < m_firstIndex) {
        m_buckets.insert(m_buckets.begin(), size_t(m_firstIndex - index), Bucket());
        m_firstIndex = index;
    } else if (index >= m_firstIndex + int(m_buckets.size())) {
        m_buckets.resize(size_t(index - m_firstIndex + 1));
    }
    return m_buckets[size_t(index - m_firstIndex)];
}

void QuantileHistogram::add(double ms)
{
    if (std::isnan(ms))
        return; // no order: a NaN latency says nothing
    Bucket &b = ms <= MinPositiveMs ? m_low : bucketAt(indexOf(ms));
    ++b.count;
    b.sum += ms;
    m_min = m_count == 0 ? ms : std::min(m_min, ms);
    m_max = m_count == 0 ? ms : std::max(m_max, ms);
    ++m_count;
}

void QuantileHistogram::merge(const QuantileHistogram &other)
{
    if (other.m_count == 0)
        return;
    m_low.count += other.m_low.count;
    m_low.sum += other.m_low.sum;
    for (size_t i = 0; i < other.m_buckets.size(); ++i) {
        const Bucket &o = other.m_buckets[i];
        if (o.count == 0)
            continue;
        Bucket &b = bucketAt(other.m_firstIndex + int(i));
        b.count += o.count;
        b.sum += o.sum;
    }
    m_min = m_count == 0 ? other.m_min : std::min(m_min, other.m_min);
    m_max = m_count == 0 ? other.m_max : std::max(m_max, other.m_max);
    m_count += other.m_count;
}

double QuantileHistogram::valueAt(qint64 rank) const
{
    qint64 seen = m_low.count;
    if (rank < seen)
        return std::clamp(m_low.sum / double(m_low.count), m_min, m_max);
    for (const Bucket &b : m_buckets) {
        seen += b.count;
        if (rank < seen)
            return std::clamp(b.sum / double(b.count), m_min, m_max);
    }
    return m_max;
}

double QuantileHistogram::percentile(double p) const
{
    if (m_count == 0)
        return 0;
    const double rank = p / 100.0 * double(m_count - 1);
    const qint64 lo = qint64(std::floor(rank));
    const qint64 hi = std::min(m_count - 1, lo + 1);
    const double a = valueAt(lo);
    const double b = hi == lo ? a : valueAt(hi);
    return a + (b - a) * (rank - double(lo));
}
