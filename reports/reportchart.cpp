#include "reportchart.h"

#include "checkchartdata.h"

#include <QFont>
#include <QFontMetrics>
#include <QPolygonF>
#include <QHash>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <limits>

QHash<QString, QImage> ReportChart::images(const RunChartData &charts, const QSize &size)
{
    QHash<QString, QImage> images;
    for (auto it = charts.cbegin(); it != charts.cend(); ++it)
        if (it.value() && it.value()->timeline.sampleCount() > 0)
            images.insert(it.key(), render(*it.value(), size));
    return images;
}

QImage ReportChart::render(const CheckChartData &data, const QSize &size)
{
    // Painted at twice the pixels, laid out in `size` units: sharp in a PDF, and 12 px text stays 9 pt on the page.
    constexpr qreal scale = 2.0;
    QImage image(size * scale, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(scale);
    image.fill(Qt::white);
    const SampleTimeline &timeline = data.timeline;
    if (timeline.isEmpty())
        return image;
    const QList<RunEvent> events = timeline.events();
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    QFont font = p.font();
    font.setPixelSize(12);
    p.setFont(font);
    const int textH = QFontMetrics(font).height();

    const qint64 t0 = timeline.firstNs();
    const qint64 t1 = timeline.lastNs() > t0 ? timeline.lastNs() : t0 + 1'000'000'000;
    const QStringList probes = timeline.probeIds();
    const int left = 70, right = size.width() - 16, stripH = 12, roleH = 16;
    // Fault labels stack in lanes above the plot, each beside its line: count the lanes first.
    struct Label
    {
        double x;
        QString text;
        int lane;
        bool onLeft; // near the right edge the label goes left of its line, so it is not cut off
    };
    QList<Label> labels;
    {
        const QFontMetrics fm(font);
        const auto xOf = [&](qint64 ns) { return left + double(ns - t0) / double(t1 - t0) * (right - left); };
        QList<double> laneEnds;
        for (const RunEvent &e : events) {
            if (e.kind != RunEvent::Kind::Fault)
                continue;
            const QString text = e.action + QLatin1Char(' ') + e.service;
            const double lx = xOf(e.monoNs);
            const double w = fm.horizontalAdvance(text) + 6;
            const bool onLeft = lx + w > size.width() && lx - w >= 0;
            const double from = onLeft ? lx - w : lx;
            int lane = 0;
            while (lane < laneEnds.size() && laneEnds.at(lane) > from)
                ++lane;
            if (lane == laneEnds.size())
                laneEnds.append(0);
            laneEnds[lane] = std::max(laneEnds[lane], from + w);
            labels.append({lx, text, lane, onLeft});
        }
    }
    int lanes = 0;
    for (const Label &l : std::as_const(labels))
        lanes = std::max(lanes, l.lane + 1);
    const int top = 8 + textH + 4 + lanes * textH;
    const int latBottom = size.height() - 40 - int(probes.size()) * (stripH + 4) - roleH - 8;
    const QRect plot(left, top, right - left, std::max(40, latBottom - top));
    const auto x = [&](qint64 ns) { return plot.left() + double(ns - t0) / double(t1 - t0) * plot.width(); };
    const int columns = plot.width();

    // A robust latency scale: the 99th percentile of ok samples sets it, spikes above are clipped and marked.
    const QuantileHistogram &latencies = data.okLatencyMs;
    const double p99 = latencies.count() == 0 ? 1.0 : latencies.percentile(99);
    const double wanted = std::max(1.0, p99 * 1.25);
    const double magnitude = std::pow(10.0, std::floor(std::log10(wanted)));
    double yMax = magnitude;
    for (double f : {1.0, 2.0, 5.0, 10.0})
        if (magnitude * f >= wanted) {
            yMax = magnitude * f;
            break;
        }
    const bool clipped = latencies.count() > 0 && latencies.max() > yMax;
    const auto y = [&](double ms) { return plot.bottom() - std::min(1.0, ms / yMax) * plot.height(); };

    p.setPen(QColor(0xcf, 0xd8, 0xdc));
    p.drawRect(plot);
    p.setPen(Qt::black);
    p.drawText(QRect(0, plot.top() - textH / 2, left - 6, textH), Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("%1 ms").arg(yMax, 0, 'g', 4));
    p.drawText(QRect(0, plot.bottom() - textH / 2, left - 6, textH), Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("0"));
    QString caption = QStringLiteral("latency of ok samples (scale from p99), availability per probe, faults, leader");
    if (clipped)
        caption += QStringLiteral(" · ▲ spikes above %1 ms (max %2 ms)").arg(yMax, 0, 'g', 4).arg(latencies.max(), 0, 'f', 0);
    p.drawText(QRect(left, 4, plot.width(), textH), Qt::AlignLeft | Qt::AlignVCenter, caption);

    const QList<QColor> colours = {QColor(0x15, 0x65, 0xc0), QColor(0x6a, 0x1b, 0x9a), QColor(0x00, 0x83, 0x8f), QColor(0xef, 0x6c, 0x00)};
    int row = 0;
    for (const QString &probe : std::as_const(probes)) {
        // Columns over [t0, t1]: the last sample (at t1) falls in the last column. A column's
        // latMin/latMax hold only when it has ok samples.
        const QVector<SampleTimeline::Column> cells = timeline.decimate(probe, t0, t1 + 1, columns);
        const QColor colour = colours.at(row % colours.size());
        p.setPen(QPen(colour, 1));
        for (int c = 0; c < cells.size(); ++c)
            if (cells.at(c).ok > 0)
                p.drawLine(QPointF(plot.left() + c, y(cells.at(c).latMin)), QPointF(plot.left() + c, y(cells.at(c).latMax) - 0.5));
        for (int c = 0; c < cells.size(); ++c)
            if (cells.at(c).ok > 0 && cells.at(c).latMax > yMax) { // a clipped spike: a small triangle on the plot's top edge
                const QPointF tip(plot.left() + c, plot.top() + 1);
                p.setBrush(colour);
                p.drawPolygon(QPolygonF{tip, tip + QPointF(-3, 5), tip + QPointF(3, 5)});
                p.setBrush(Qt::NoBrush);
            }
        const int sy = plot.bottom() + 8 + row * (stripH + 4);
        p.setPen(Qt::black);
        p.drawText(QRect(0, sy - 1, left - 6, stripH + 2), Qt::AlignRight | Qt::AlignVCenter, probe);
        double ratio = -1;
        for (int c = 0; c < cells.size(); ++c) {
            // Between two samples the probe's last outcome holds: fill the column with it.
            if (cells.at(c).total)
                ratio = double(cells.at(c).ok) / cells.at(c).total;
            if (ratio < 0)
                continue;
            p.setPen(ratio >= 0.999 ? QColor(0x43, 0xa0, 0x47) : ratio <= 0.001 ? QColor(0xc6, 0x28, 0x28) : QColor(0xf9, 0xa8, 0x25));
            p.drawLine(plot.left() + c, sy, plot.left() + c, sy + stripH);
        }
        ++row;
    }

    // Leader timeline below the strips.
    const int ry = plot.bottom() + 8 + row * (stripH + 4);
    p.setPen(Qt::black);
    p.drawText(QRect(0, ry, left - 6, roleH), Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("leader"));
    QHash<QString, QColor> memberColour;
    const QList<QColor> roleColours = {QColor(0x42, 0x85, 0xf4), QColor(0xab, 0x47, 0xbc), QColor(0x26, 0xa6, 0x9a), QColor(0xff, 0x70, 0x43)};
    QString leader;
    qint64 since = t0;
    const auto drawSpan = [&](qint64 until) {
        if (leader.isEmpty())
            return;
        if (!memberColour.contains(leader))
            memberColour.insert(leader, roleColours.at(memberColour.size() % roleColours.size()));
        const QRectF r(x(since), ry, std::max(1.0, x(until) - x(since)), roleH);
        p.fillRect(r, memberColour.value(leader));
        p.setPen(Qt::white);
        p.drawText(r, Qt::AlignCenter, leader);
    };
    for (const RunEvent &e : events) {
        if (e.kind != RunEvent::Kind::RoleChange)
            continue;
        drawSpan(e.monoNs);
        leader = e.service;
        since = e.monoNs;
    }
    drawSpan(t1);
    // Split brain hatched over the leader bars, as in the window: two claimants are never one span.
    for (const SampleTimeline::SplitBrainSpan &split : timeline.splitBrainSpans(t1)) {
        const qint64 from = std::clamp(split.fromNs, t0, t1), to = std::clamp(split.toNs, t0, t1);
        const QRectF r(x(from), ry, std::max(2.0, x(to) - x(from)), roleH);
        const QColor red(0xd3, 0x2f, 0x2f);
        p.fillRect(r, QBrush(red, Qt::BDiagPattern));
        p.setPen(QPen(red, 1));
        p.drawRect(r);
    }

    // Fault markers over everything; each label beside its line, in its lane above the plot.
    const int labelsTop = 8 + textH + 2;
    for (const Label &l : std::as_const(labels)) {
        const double ly = labelsTop + l.lane * textH;
        p.setPen(QPen(QColor(0xc6, 0x28, 0x28), 1, Qt::DashLine));
        p.drawLine(QPointF(l.x, ly), QPointF(l.x, ry + roleH));
        p.setPen(QColor(0xc6, 0x28, 0x28));
        if (l.onLeft)
            p.drawText(QRectF(0, ly, l.x - 3, textH), Qt::AlignRight | Qt::AlignVCenter, l.text);
        else
            p.drawText(QRectF(l.x + 3, ly, size.width() - l.x, textH), Qt::AlignLeft | Qt::AlignVCenter, l.text);
    }
    // Time axis in seconds since the first sample.
    p.setPen(Qt::black);
    const double seconds = double(t1 - t0) / 1e9;
    const double step = seconds > 120 ? 30 : seconds > 30 ? 10 : seconds > 10 ? 2 : 1;
    for (double s = 0; s <= seconds; s += step) {
        const double tx = plot.left() + s / seconds * plot.width();
        p.drawLine(QPointF(tx, size.height() - 30), QPointF(tx, size.height() - 26));
        p.drawText(QRectF(tx - 30, size.height() - 24, 60, textH), Qt::AlignHCenter, QStringLiteral("%1 s").arg(s, 0, 'f', 0));
    }
    return image;
}
