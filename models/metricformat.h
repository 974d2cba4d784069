#pragma once

#include "metricinterval.h"

#include <QDateTime>
#include <QMap>
#include <QString>

// How numbers, timings and times read in every export, so markdown, HTML and readiness agree.
class MetricFormat
{
public:
    // 412 / 99.87 / 0.5: integral values without decimals, others with at most 2.
    static QString number(double value);
    // "failover_ms = 2957 ms (2900–3010)": the interval that holds the truth only when the metric has one.
    static QString metric(const QString &name, double value, const MetricIntervals &intervals = {});
    // The value alone: "2957 ms (2900–3010)", or "99.5" for a metric without an interval.
    static QString value(const QString &name, double value, const MetricIntervals &intervals = {});
    // "2900–3010"
    static QString interval(const MetricInterval &interval);
    // "6 h", "30 min", "90 s", "250 ms": the largest unit that divides the span exactly.
    static QString span(qint64 ms);
    // "2026-04-21 10:03:07 UTC"; "—" when invalid.
    static QString utc(const QDateTime &when);
    // "12.3 s" / "840 ms": a measured duration for people.
    static QString duration(double ms);
};
