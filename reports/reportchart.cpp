#include "reportchart.h"

#include <QFont>
#include <QHash>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <limits>

QImage ReportChart::render(const ProbeSampleBatch &samples, const QList<RunEvent> &events, const QSize &size)
{
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    if (samples.isEmpty() && events.isEmpty())
        return image;
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    QFont font = p.font();
    font.setPixelSize(11);
    p.setFont(font);

    qint64 t0 = std::numeric_limits<qint64>::max(), t1 = std::numeric_limits<qint64>::min();
    for (const ProbeSample &s : samples) {
        t0 = std::min(t0, s.monoNs);
        t1 = std::max(t1, s.monoNs);
    }
    for (const RunEvent &e : events) {
        t0 = std::min(t0, e.monoNs);
        t1 = std::max(t1, e.monoNs);
    }
    if (t1 <= t0)
        t1 = t0 + 1'000'000'000;

    QStringList probes;
    for (const ProbeSample &s : samples)
        if (!probes.contains(s.probeId))
            probes.append(s.probeId);
    const int left = 70, right = size.width() - 16, stripH = 12, roleH = 16;
    const int top = 24;
    const int latBottom = size.height() - 40 - int(probes.size()) * (stripH + 4) - roleH - 8;
    const QRect plot(left, top, right - left, std::max(40, latBottom - top));
    const auto x = [&](qint64 ns) { return plot.left() + double(ns - t0) / double(t1 - t0) * plot.width(); };
    const int columns = plot.width();

    // Min/max latency per pixel column, and ok/total for the strips.
    double maxLat = 1;
    for (const ProbeSample &s : samples)
        if (s.ok)
            maxLat = std::max(maxLat, s.latencyMs);
    const double yMax = std::pow(10.0, std::ceil(std::log10(maxLat)));
    const auto y = [&](double ms) { return plot.bottom() - std::min(1.0, ms / yMax) * plot.height(); };

    p.setPen(QColor(0xcf, 0xd8, 0xdc));
    p.drawRect(plot);
    p.setPen(Qt::black);
    p.drawText(QRect(0, plot.top() - 4, left - 6, 14), Qt::AlignRight, QStringLiteral("%1 ms").arg(yMax, 0, 'g', 4));
    p.drawText(QRect(0, plot.bottom() - 10, left - 6, 14), Qt::AlignRight, QStringLiteral("0"));
    p.drawText(QRect(left, 4, plot.width(), 16), Qt::AlignLeft, QStringLiteral("latency (ok samples), availability per probe, faults, leader"));

    const QList<QColor> colours = {QColor(0x15, 0x65, 0xc0), QColor(0x6a, 0x1b, 0x9a), QColor(0x00, 0x83, 0x8f), QColor(0xef, 0x6c, 0x00)};
    int row = 0;
    for (const QString &probe : std::as_const(probes)) {
        QVector<double> lo(columns, -1), hi(columns, -1);
        QVector<int> ok(columns, 0), total(columns, 0);
        for (const ProbeSample &s : samples) {
            if (s.probeId != probe)
                continue;
            const int c = std::clamp(int(x(s.monoNs)) - plot.left(), 0, columns - 1);
            ++total[c];
            if (s.ok) {
                ++ok[c];
                lo[c] = lo[c] < 0 ? s.latencyMs : std::min(lo[c], s.latencyMs);
                hi[c] = std::max(hi[c], s.latencyMs);
            }
        }
        const QColor colour = colours.at(row % colours.size());
        p.setPen(QPen(colour, 1));
        for (int c = 0; c < columns; ++c)
            if (hi[c] >= 0)
                p.drawLine(QPointF(plot.left() + c, y(lo[c])), QPointF(plot.left() + c, y(hi[c]) - 0.5));
        const int sy = plot.bottom() + 8 + row * (stripH + 4);
        p.setPen(Qt::black);
        p.drawText(QRect(0, sy - 1, left - 6, stripH + 2), Qt::AlignRight | Qt::AlignVCenter, probe);
        double ratio = -1;
        for (int c = 0; c < columns; ++c) {
            // Between two samples the probe's last outcome holds: fill the column with it.
            if (total[c])
                ratio = double(ok[c]) / total[c];
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

    // Fault markers over everything, labelled at the top.
    for (const RunEvent &e : events) {
        if (e.kind != RunEvent::Kind::Fault)
            continue;
        const double fx = x(e.monoNs);
        p.setPen(QPen(QColor(0xc6, 0x28, 0x28), 1, Qt::DashLine));
        p.drawLine(QPointF(fx, plot.top()), QPointF(fx, ry + roleH));
        p.setPen(QColor(0xc6, 0x28, 0x28));
        p.drawText(QPointF(fx + 3, plot.top() + 12), e.action + QLatin1Char(' ') + e.service);
    }
    // Time axis in seconds since the first sample.
    p.setPen(Qt::black);
    const double seconds = double(t1 - t0) / 1e9;
    const double step = seconds > 120 ? 30 : seconds > 30 ? 10 : seconds > 10 ? 2 : 1;
    for (double s = 0; s <= seconds; s += step) {
        const double tx = plot.left() + s / seconds * plot.width();
        p.drawLine(QPointF(tx, size.height() - 30), QPointF(tx, size.height() - 26));
        p.drawText(QRectF(tx - 30, size.height() - 24, 60, 14), Qt::AlignHCenter, QStringLiteral("%1 s").arg(s, 0, 'f', 0));
    }
    return image;
}
