#pragma once

#include "probesample.h"
#include "run.h"
#include "runevent.h"

#include <QHash>

#include <QImage>
#include <QList>

// A static chart for reports, painted with QPainter (no Widgets, no Qt Charts): per probe an
// availability strip and the latency envelope, fault markers and the leader timeline.
class ReportChart
{
public:
    // size is in layout pixels (CSS px in reports); the image has twice the pixels (devicePixelRatio 2).
    static QImage render(const ProbeSampleBatch &samples, const QList<RunEvent> &events, const QSize &size = DefaultSize);
    // One chart per check that has samples: what the window, the HTML and the PDF reports show.
    static QHash<QString, QImage> images(const Run &run, const QSize &size = DefaultSize);
    // The width between the PDF's A4 margins at 96 dpi: a chart fills the page's width.
    static constexpr QSize DefaultSize{640, 290};
};
