#pragma once

#include <QMap>
#include <QString>

#include <algorithm>

// Where the truth of a timing metric lies, in ms: [lo, hi]. Derived from the sampling (the last
// sample before the event and the first sample after it), so it is one-sided where sampling is.
struct MetricInterval
{
    double lo = 0;
    double hi = 0;

    double width() const { return hi - lo; }
    bool contains(double ms) const { return ms >= lo && ms <= hi; }
    // Bounds of max(a, b) when a lies in this interval and b in other.
    MetricInterval maxWith(const MetricInterval &other) const { return {std::max(lo, other.lo), std::max(hi, other.hi)}; }
    // Bounds of min(a, b).
    MetricInterval minWith(const MetricInterval &other) const { return {std::min(lo, other.lo), std::min(hi, other.hi)}; }
    // Bounds of a + b.
    MetricInterval plus(const MetricInterval &other) const { return {lo + other.lo, hi + other.hi}; }
    bool operator==(const MetricInterval &o) const { return lo == o.lo && hi == o.hi; }
    bool operator!=(const MetricInterval &o) const { return !(*this == o); }
};

using MetricIntervals = QMap<QString, MetricInterval>;
