#pragma once

#include <QtGlobal>

#include <vector>

// A distribution of values (ms) in bounded memory: logarithmic buckets 1 % wide, each holding its
// count and sum. A percentile is taken like CheckMetrics::percentile (linear between the order
// statistics around rank p/100·(n−1)) with each order statistic replaced by the mean of its bucket:
// within 1 % (relative) of the exact figure, and exact when a bucket holds one distinct value.
// Values at or below MinPositiveMs share one bucket (also exact when they are all equal, e.g. 0).
// At most ~3,100 buckets (1 ns .. 10⁷ ms), whatever the number of values.
class QuantileHistogram
{
public:
    static constexpr double Growth = 1.01;        // bucket k holds [Growth^k, Growth^(k+1))
    static constexpr double MaxRelativeError = Growth - 1.0;
    static constexpr double MinPositiveMs = 1e-6; // 1 ns
    static constexpr double MaxMs = 1e7;          // larger values share the top bucket

    void add(double ms);
    void merge(const QuantileHistogram &other);

    qint64 count() const { return m_count; }
    // 0 when empty.
    double percentile(double p) const;
    // Exact extremes; 0 when empty.
    double min() const { return m_min; }
    double max() const { return m_max; }
    // Buckets held (the memory is this × 16 bytes).
    qsizetype bucketCount() const { return qsizetype(m_buckets.size()) + 1; }

private:
    struct Bucket
    {
        qint64 count = 0;
        double sum = 0;
    };

    static int indexOf(double ms);
    Bucket &bucketAt(int index);
    // The value standing for the order statistic `rank` (0-based), clamped to [min, max].
    double valueAt(qint64 rank) const;

    std::vector<Bucket> m_buckets; // m_buckets[i] is bucket m_firstIndex + i
    int m_firstIndex = 0;
    Bucket m_low;                  // values <= MinPositiveMs
    qint64 m_count = 0;
    double m_min = 0;
    double m_max = 0;
};
