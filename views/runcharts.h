#pragma once

#include "run.h"

#include <QHash>
#include <QImage>
#include <QSize>

class SampleTimeline;

// Charts of stored runs: the live chart's own rendering, fed from what the store kept.
namespace RunCharts {
// The part of the timeline one check attempt covers, on the MonoClock.
struct Span
{
    qint64 fromNs = 0;
    qint64 toNs = 0;
    bool isValid() const { return toNs > fromNs; }
    qint64 width() const { return toNs - fromNs; }
};

// Whether a result has anything to chart (samples, or faults on the timeline).
bool hasChart(const CheckResult &result);
// Clears the timeline and fills it with the result's samples and events; returns the span of the
// latest attempt (from its CheckStarted to its CheckFinished), with the chart's time zero there.
Span fill(SampleTimeline &timeline, const CheckResult &result);
// One chart per check that has one, drawn by LiveChartView::grabImage at `size` (needs a QApplication).
QHash<QString, QImage> images(const Run &run, const QSize &size = QSize(1000, 360));
} // namespace RunCharts
