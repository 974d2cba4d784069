#pragma once

#include "probesample.h"
#include "runevent.h"

#include <QImage>
#include <QList>

// A static chart for reports, painted with QPainter (no Widgets, no Qt Charts): per probe an
// availability strip and the latency envelope, fault markers and the leader timeline.
class ReportChart
{
public:
    static QImage render(const ProbeSampleBatch &samples, const QList<RunEvent> &events, const QSize &size = QSize(1000, 360));
};
