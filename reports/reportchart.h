#pragma once

#include "checkchartdata.h"

#include <QHash>

#include <QImage>
#include <QList>

// A static chart for reports, painted with QPainter (no Widgets, no Qt Charts): per probe an
// availability strip and the latency envelope, fault markers and the leader timeline.
class ReportChart
{
public:
    // size is in layout pixels (CSS px in reports); the image has twice the pixels (devicePixelRatio 2).
    static QImage render(const CheckChartData &data, const QSize &size = DefaultSize);
    // One chart per check that has samples: what the HTML and the PDF reports show.
    static QHash<QString, QImage> images(const RunChartData &charts, const QSize &size = DefaultSize);
    // The width between the PDF's A4 margins at 96 dpi: a chart fills the page's width.
    static constexpr QSize DefaultSize{640, 290};
};
