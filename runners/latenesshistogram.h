#pragma once

#include <QtGlobal>

#include <vector>

// Fixed-memory distribution of scheduling lateness (ns): 10 µs buckets up to 20 ms, 1 ms buckets
// up to 2 s, one overflow bucket. An hour at 100 Hz costs the same 16 KB as a second.
class LatenessHistogram
{
public:
    LatenessHistogram();

    void add(qint64 ns);
    void clear();

    qint64 count() const { return m_count; }
    qint64 maxNs() const { return m_maxNs; }
    // The q-quantile (0..1), rounded up to its bucket's upper edge (never above maxNs), 0 when empty.
    qint64 quantileNs(double q) const;

private:
    static constexpr qint64 FineStepNs = 10'000;
    static constexpr int FineBuckets = 2000; // 0 .. 20 ms
    static constexpr qint64 CoarseStepNs = 1'000'000;
    static constexpr int CoarseBuckets = 1980; // 20 ms .. 2 s

    static qint64 upperEdgeNs(int bucket);

    std::vector<quint32> m_buckets;
    qint64 m_count = 0;
    qint64 m_maxNs = 0;
};
