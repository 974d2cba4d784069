#include "livechartview.h"

#include "verdictexplanation.h"

#include <QChart>
#include <QChartView>
#include <QGraphicsLayout>
#include <QGraphicsLineItem>
#include <QGraphicsPixmapItem>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QLineSeries>
#include <QMouseEvent>
#include <QToolTip>
#include <QWheelEvent>
#include <QPainter>
#include <QTimer>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace {

// Geometry of the bands around the plot area, in pixels (see LiveChartView::Bands): the full
// bands, and the tight ones a short widget falls back to.
constexpr qreal HeaderH = 30;
constexpr qreal PlotToStrips = 10;
constexpr qreal StripH = 12;
constexpr qreal StripGap = 5;
constexpr qreal RoleGap = 3;
constexpr qreal RoleH = 20;
constexpr qreal TickH = 18;
constexpr qreal AxisTitleH = 20;
constexpr qreal TightHeaderH = 22;
constexpr qreal TightPlotToStrips = 6;
constexpr qreal TightStripGap = 3;
constexpr qreal TightRoleH = 16;
constexpr qreal TightTickH = 16;
// Below this plot height the time axis title goes; below TightPlotH the other bands tighten too.
constexpr qreal FullPlotH = 90;
constexpr qreal TightPlotH = 70;
constexpr qreal MinPlotH = 40;
// Latency ticks at least this far apart (MinTickSpacing on a plot too short for three TickSpacings).
constexpr qreal TickSpacing = 40;
constexpr qreal MinTickSpacing = 28;
constexpr qreal LeftPad = 10;
constexpr qreal GutterGap = 10;
constexpr qreal RightPad = 12;
constexpr int MaxMarkers = 500;
constexpr int MaxLabelLanes = 6; // on a tall plot; fewer on a short one (Bands::labelLanes)

// Stacking inside the chart item: QChart puts its plot background at 0, grid at 2, line series at 4
// and its legend at 10.
constexpr qreal ZShade = 1.5;
constexpr qreal ZGrid = 2;
constexpr qreal ZFrame = 2.5;
constexpr qreal ZStrip = 3.5;
constexpr qreal ZMarker = 9.5;
constexpr qreal ZLabel = 11.5;

const QColor ProbePalette[] = {QColor(0x1f, 0x77, 0xb4), QColor(0x94, 0x67, 0xbd), QColor(0x17, 0xa2, 0xb8),
                               QColor(0x8c, 0x56, 0x4b), QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f)};
const QColor MemberPalette[] = {QColor(0xae, 0xc7, 0xe8), QColor(0xff, 0xbb, 0x78), QColor(0xc5, 0xb0, 0xd5),
                                QColor(0x9e, 0xda, 0xe5), QColor(0xc4, 0x9c, 0x94), QColor(0xf7, 0xb6, 0xd2)};
const QColor OkColor(0x4c, 0xaf, 0x50);
const QColor PartialColor(0xf5, 0xa6, 0x23);
const QColor FailColor(0xd3, 0x2f, 0x2f);
const QColor GapColor(0xbd, 0xbd, 0xbd);
const QColor LaneColor(0xf1, 0xf1, 0xf1);
const QColor InkColor(0x33, 0x33, 0x33);
const QColor MutedInk(0x6b, 0x6b, 0x6b);
const QColor GridColor(0xe6, 0xe6, 0xe6);

QColor faultColor(const RunEvent &e)
{
    if (e.kind == RunEvent::Kind::Mark)
        return QColor(0x61, 0x61, 0x61);
    const QString &a = e.action;
    if (a == QLatin1String("kill") || a == QLatin1String("stop") || e.kind == RunEvent::Kind::Abort)
        return QColor(0xc6, 0x28, 0x28);
    if (a == QLatin1String("pause"))
        return QColor(0x6a, 0x1b, 0x9a);
    if (a == QLatin1String("restart") || a == QLatin1String("resume") || a == QLatin1String("start"))
        return QColor(0x15, 0x65, 0xc0);
    return QColor(0x45, 0x5a, 0x64);
}

// 1-2-5 steps giving about targetTicks intervals over range.
double niceStep(double range, int targetTicks)
{
    const double raw = range / std::max(1, targetTicks);
    if (!(raw > 0))
        return 1;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double norm = raw / mag;
    return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

// Like niceStep but in clock units, so a long run ticks on whole minutes and hours.
double niceTimeStep(double rangeSec, int targetTicks)
{
    static const double steps[] = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30,
                                   60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
    const double raw = rangeSec / std::max(1, targetTicks);
    for (double s : steps) {
        if (s >= raw)
            return s;
    }
    return niceStep(rangeSec, targetTicks);
}

// Seconds since check start as m:ss (h:mm:ss past an hour), with decimals only for sub-second steps.
QString formatTime(double sec, double step)
{
    const int decimals = step >= 1 ? 0 : step >= 0.1 ? 1 : step >= 0.01 ? 2 : 3;
    const double scale = std::pow(10.0, decimals);
    double a = std::round(std::fabs(sec) * scale) / scale;
    const QString sign = (sec < 0 && a > 0) ? QStringLiteral("-") : QString();
    const qint64 hours = qint64(a / 3600);
    a -= double(hours) * 3600;
    const qint64 minutes = qint64(a / 60);
    const double seconds = a - double(minutes) * 60;
    QString secText = QString::number(seconds, 'f', decimals);
    if (seconds < 10)
        secText.prepend(QLatin1Char('0'));
    if (hours > 0)
        return sign + QString::number(hours) + QLatin1Char(':') + QStringLiteral("%1").arg(minutes, 2, 10, QLatin1Char('0'))
               + QLatin1Char(':') + secText;
    return sign + QString::number(minutes) + QLatin1Char(':') + secText;
}

QString formatDuration(qint64 ns)
{
    if (ns < 1'000'000'000)
        return QString::number(double(ns) / 1e6, 'f', 0) + QStringLiteral(" ms");
    return QString::number(double(ns) / 1e9, 'f', 2) + QStringLiteral(" s");
}

template <typename T, typename Make>
T *pooled(QList<T *> &pool, qsizetype i, Make make)
{
    while (pool.size() <= i)
        pool.append(make());
    T *item = pool[i];
    item->setVisible(true);
    return item;
}

template <typename T>
void hideFrom(QList<T *> &pool, qsizetype n)
{
    for (qsizetype i = n; i < pool.size(); ++i)
        pool[i]->setVisible(false);
}

QGraphicsSimpleTextItem *newText(QGraphicsItem *parent, const QString &kind, const QFont &font, const QColor &color, qreal z)
{
    auto *t = new QGraphicsSimpleTextItem(parent);
    t->setData(LiveChartView::ItemKindKey, kind);
    t->setFont(font);
    t->setBrush(color);
    t->setZValue(z);
    return t;
}

QGraphicsSimpleTextItem *childText(QGraphicsItem *box)
{
    return static_cast<QGraphicsSimpleTextItem *>(box->childItems().constFirst());
}

QFont smallFont(const QFont &base)
{
    QFont f(base);
    if (f.pointSizeF() > 0)
        f.setPointSizeF(std::max(7.0, f.pointSizeF() - 1));
    return f;
}

} // namespace

LiveChartView::LiveChartView(const SampleTimeline *timeline, QWidget *parent)
    : QWidget(parent)
    , m_timeline(timeline)
    , m_view(new QChartView(this))
    , m_chart(new QChart())
    , m_axisX(new QValueAxis())
    , m_axisY(new QValueAxis())
    , m_refreshTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("liveChartView"));
    m_view->setObjectName(QStringLiteral("liveChart"));
    m_chart->setObjectName(QStringLiteral("liveChartChart"));
    m_axisX->setObjectName(QStringLiteral("timeAxis"));
    m_axisY->setObjectName(QStringLiteral("latencyAxis"));
    m_refreshTimer->setObjectName(QStringLiteral("liveChartRefreshTimer"));

    m_chart->legend()->hide(); // our own legend sits in the header, beside the title
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->setMargins(QMargins(0, 0, 0, 0));
    m_chart->setBackgroundRoundness(0);
    m_chart->setBackgroundBrush(Qt::white);
    m_chart->setBackgroundPen(Qt::NoPen);
    m_chart->layout()->setContentsMargins(0, 0, 0, 0);
    // QChart would frame its automatic plot area, not the fixed one: we draw the frame ourselves.
    m_chart->setPlotAreaBackgroundVisible(false);

    const QFont labelFont = smallFont(font());
    // Time labels are drawn under the strips, so the axis itself only contributes grid lines.
    // Time labels and grid lines are drawn by us beside the strips; QtCharts 6.4's dynamic ticks on
    // this axis produced hundreds of grid lines on long windows, so the axis only maps values.
    m_axisX->setLabelsVisible(false);
    m_axisX->setLineVisible(false);
    m_axisX->setGridLineVisible(false);
    m_axisX->setMinorGridLineVisible(false);
    m_axisY->setLineVisible(false);
    m_axisY->setGridLineColor(GridColor);
    m_axisY->setLabelsFont(labelFont);
    m_axisY->setLabelsColor(MutedInk);
    m_axisY->setLabelFormat(QStringLiteral("%.0f"));
    m_axisY->setTickType(QValueAxis::TicksDynamic);
    m_axisY->setTickAnchor(0);
    m_axisY->setTickInterval(10);
    m_axisY->setRange(0, 50);
    m_chart->addAxis(m_axisX, Qt::AlignBottom);
    m_chart->addAxis(m_axisY, Qt::AlignLeft);

    m_view->setChart(m_chart);
    // Min/max columns are vertical runs on whole pixels: antialiasing would cost half the paint time for no gain.
    m_view->setRenderHint(QPainter::Antialiasing, false);
    m_view->setRenderHint(QPainter::TextAntialiasing, true);
    m_view->setFrameShape(QFrame::NoFrame);
    // With a fixed plot area QtCharts stops resizing its own background when the chart grows:
    // the view paints white behind it, so a chart grown from a smaller size has no grey band.
    m_view->setBackgroundBrush(Qt::white);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);

    QFont titleFont(font());
    titleFont.setBold(true);
    m_title = newText(m_chart, QStringLiteral("title"), titleFont, InkColor, ZLabel);
    m_title->setText(tr("Latency (ms)"));
    m_emptyText = newText(m_chart, QStringLiteral("emptyText"), font(), MutedInk, ZLabel);
    m_emptyText->setText(tr("Waiting for probe samples…"));
    m_frame = new QGraphicsRectItem(m_chart);
    m_frame->setData(ItemKindKey, QStringLiteral("plotFrame"));
    m_frame->setPen(QPen(QColor(0xc8, 0xc8, 0xc8), 1));
    m_frame->setZValue(ZFrame);
    m_roleLane = new QGraphicsRectItem(m_chart);
    m_roleLane->setData(ItemKindKey, QStringLiteral("roleLane"));
    m_roleLane->setBrush(LaneColor);
    m_roleLane->setPen(Qt::NoPen);
    m_roleLane->setZValue(ZStrip - 0.1);
    m_roleName = newText(m_chart, QStringLiteral("roleName"), labelFont, InkColor, ZLabel);
    m_roleName->setText(tr("leader"));
    m_timeName = newText(m_chart, QStringLiteral("timeName"), labelFont, MutedInk, ZLabel);
    m_timeName->setText(tr("time since check start (m:ss)"));

    m_refreshTimer->setSingleShot(true);
    m_refreshTimer->setInterval(RefreshDelayMs);
    connect(m_refreshTimer, &QTimer::timeout, this, &LiveChartView::refresh);
    // A new size means new pixel columns: re-decimate right away so overlays never lag the plot.
    connect(m_chart, &QGraphicsWidget::geometryChanged, this, &LiveChartView::refresh);
    setMinimumSize(420, 240);
    m_view->viewport()->installEventFilter(this);
    m_view->viewport()->setMouseTracking(true); // hover values
    m_view->setToolTip(tr("Wheel: zoom time · drag: pan · double-click: reset · hover: values"));
}

LiveChartView::~LiveChartView() = default;

void LiveChartView::setWindow(qint64 fromNs, qint64 toNs)
{
    m_zoomed = false;
    m_homeFollow = false;
    m_homeFromNs = fromNs;
    m_homeToNs = toNs;
    m_follow = false;
    m_fixedFromNs = fromNs;
    m_fixedToNs = std::max(toNs, fromNs + 1);
    scheduleRefresh();
}

void LiveChartView::setFollowLatest(qint64 widthNs)
{
    m_zoomed = false;
    m_homeFollow = true;
    m_follow = true;
    m_followWidthNs = std::max<qint64>(widthNs, 1'000'000);
    scheduleRefresh();
}

void LiveChartView::resetView()
{
    m_zoomed = false;
    if (m_homeFollow) {
        m_follow = true;
    } else {
        m_follow = false;
        m_fixedFromNs = m_homeFromNs;
        m_fixedToNs = std::max(m_homeToNs, m_homeFromNs + 1);
    }
    refresh();
}

QString LiveChartView::valuesAt(qreal x) const
{
    if (m_shownToNs <= m_shownFromNs || m_plot.width() <= 0 || x < m_plot.left() || x > m_plot.right())
        return {};
    const double nsPerPixel = double(m_shownToNs - m_shownFromNs) / m_plot.width();
    const qint64 at = m_shownFromNs + qint64((x - m_plot.left()) * nsPerPixel);
    QStringList lines{tr("%1 s since check start").arg(double(at - m_timeline->originNs()) / 1e9, 0, 'f', 2)};
    for (const ProbeTrack &track : m_tracks) {
        const QVector<SampleTimeline::Column> cols = m_timeline->decimate(track.id, at - qint64(nsPerPixel * 2), at + qint64(nsPerPixel * 2) + 1, 1);
        if (cols.isEmpty() || cols.first().total == 0)
            continue;
        const SampleTimeline::Column &c = cols.first();
        lines << (c.ok > 0 ? tr("%1: %2–%3 ms, %4/%5 ok").arg(track.id).arg(double(c.latMin), 0, 'f', 1).arg(double(c.latMax), 0, 'f', 1).arg(c.ok).arg(c.total)
                           : tr("%1: failing, 0/%2 ok").arg(track.id).arg(c.total));
    }
    return lines.join(QLatin1Char('\n'));
}

bool LiveChartView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched != m_view->viewport())
        return QWidget::eventFilter(watched, event);
    const auto startMoving = [this] {
        if (!m_zoomed) {
            m_zoomed = true;
            m_fixedFromNs = m_shownFromNs;
            m_fixedToNs = m_shownToNs;
        }
        m_follow = false;
    };
    switch (event->type()) {
    case QEvent::Wheel: {
        auto *wheel = static_cast<QWheelEvent *>(event);
        if (m_shownToNs <= m_shownFromNs || m_plot.width() <= 0)
            return true;
        startMoving();
        const double factor = wheel->angleDelta().y() > 0 ? 0.8 : 1.25;
        const double anchor = std::clamp((wheel->position().x() - m_plot.left()) / m_plot.width(), 0.0, 1.0);
        const double span = double(m_fixedToNs - m_fixedFromNs);
        const double newSpan = std::max(50'000'000.0, span * factor); // never narrower than 50 ms
        const qint64 at = m_fixedFromNs + qint64(anchor * span);
        m_fixedFromNs = at - qint64(anchor * newSpan);
        m_fixedToNs = m_fixedFromNs + qint64(newSpan);
        refresh();
        return true;
    }
    case QEvent::MouseButtonPress: {
        auto *mouse = static_cast<QMouseEvent *>(event);
        if (mouse->button() == Qt::LeftButton) {
            m_dragging = true;
            m_dragFrom = mouse->position();
        }
        return false;
    }
    case QEvent::MouseMove: {
        auto *mouse = static_cast<QMouseEvent *>(event);
        if (m_dragging && (mouse->buttons() & Qt::LeftButton) && m_plot.width() > 0) {
            startMoving();
            const qint64 shift = qint64((m_dragFrom.x() - mouse->position().x()) / m_plot.width() * double(m_fixedToNs - m_fixedFromNs));
            m_dragFrom = mouse->position();
            m_fixedFromNs += shift;
            m_fixedToNs += shift;
            refresh();
            return true;
        }
        const QString values = valuesAt(mouse->position().x());
        if (values.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(mouse->globalPosition().toPoint(), values, m_view->viewport());
        return false;
    }
    case QEvent::MouseButtonRelease:
        m_dragging = false;
        return false;
    case QEvent::MouseButtonDblClick:
        resetView();
        return true;
    default:
        return QWidget::eventFilter(watched, event);
    }
}

void LiveChartView::scheduleRefresh()
{
    if (!m_refreshTimer->isActive())
        m_refreshTimer->start();
}

bool LiveChartView::isRefreshPending() const
{
    return m_refreshTimer->isActive();
}

void LiveChartView::currentWindow(qint64 *fromNs, qint64 *toNs) const
{
    if (!m_follow) {
        *fromNs = m_fixedFromNs;
        *toNs = m_fixedToNs;
        return;
    }
    // The window grows with the run (a 15 s check fills the width, not a quarter of a minute-wide
    // axis) and slides once the run is longer than widthNs; check start stays at the left till then.
    const qint64 origin = m_timeline->originNs();
    const qint64 elapsed = std::max<qint64>(0, m_timeline->lastNs() - origin);
    const qint64 width = std::clamp<qint64>(elapsed + elapsed / 5 + 2'000'000'000, std::min<qint64>(10'000'000'000, m_followWidthNs), m_followWidthNs);
    *toNs = std::max(origin + width, m_timeline->lastNs());
    *fromNs = *toNs - width;
}

qreal LiveChartView::xForNs(qint64 ns) const
{
    const double span = double(m_shownToNs - m_shownFromNs);
    return m_plot.left() + double(ns - m_shownFromNs) / span * m_plot.width();
}

void LiveChartView::refresh()
{
    m_refreshTimer->stop();
    syncTracks();
    updateLayout();
    currentWindow(&m_shownFromNs, &m_shownToNs);
    m_columns = std::max(1, int(m_plot.width()));
    const qint64 origin = m_timeline->originNs();

    QList<double> columnMaxima;
    for (int row = 0; row < m_tracks.size(); ++row) {
        ProbeTrack &track = m_tracks[row];
        const QVector<SampleTimeline::Column> cols = m_timeline->decimate(track.id, m_shownFromNs, m_shownToNs, m_columns);
        for (const SampleTimeline::Column &c : cols) {
            if (c.ok > 0)
                columnMaxima.append(double(c.latMax));
        }
        updateLatency(track, cols, origin);
        updateStrip(track, cols, row);
    }
    // A robust scale: the 99th percentile of the columns' maxima; a spike far above it is clipped
    // at the top and named in the title instead of flattening everything else.
    std::sort(columnMaxima.begin(), columnMaxima.end());
    double scaleTo = columnMaxima.isEmpty() ? 0 : columnMaxima.last();
    m_clippedAboveMs = 0;
    if (columnMaxima.size() >= 20) {
        const double p99 = columnMaxima.at(qsizetype(double(columnMaxima.size() - 1) * 0.99));
        if (columnMaxima.last() > p99 * 2) {
            scaleTo = p99 * 1.3;
            m_clippedAboveMs = columnMaxima.last();
        }
    }
    if (m_fixedLatencyMs > 0) {
        m_clippedAboveMs = !columnMaxima.isEmpty() && columnMaxima.last() > m_fixedLatencyMs * 1.1 ? columnMaxima.last() : 0;
        scaleTo = m_fixedLatencyMs;
    }
    m_latencyScaleMs = scaleTo;
    m_title->setText(m_clippedAboveMs > 0 ? tr("Latency (ms) — ▲ spikes up to %1 ms clipped").arg(m_clippedAboveMs, 0, 'f', 0)
                                          : tr("Latency (ms)"));
    updateAxes(scaleTo, origin);
    updateRoles(origin);
    updateMarkersAndSpans(origin);
    updateHeader();
    m_emptyText->setVisible(m_timeline->isEmpty());
    if (m_timeline->isEmpty()) {
        const QRectF r = m_emptyText->boundingRect();
        m_emptyText->setPos(m_plot.center() - r.center());
    }
    Q_EMIT refreshed();
}

void LiveChartView::syncTracks()
{
    const QStringList ids = m_timeline->probeIds();
    if (ids.size() == m_tracks.size())
        return; // probes are only ever added, in order
    const QFont labelFont = smallFont(font());
    for (qsizetype i = m_tracks.size(); i < ids.size(); ++i) {
        ProbeTrack t;
        t.id = ids[i];
        t.color = ProbePalette[i % std::size(ProbePalette)];
        t.strip = new QGraphicsPixmapItem(m_chart);
        t.strip->setData(ItemKindKey, QStringLiteral("availabilityStrip"));
        t.strip->setTransformationMode(Qt::FastTransformation);
        t.strip->setShapeMode(QGraphicsPixmapItem::BoundingRectShape);
        t.strip->setZValue(ZStrip);
        t.strip->setToolTip(tr("Availability of %1: green all ok, amber some failed, red all failed, grey no samples").arg(t.id));
        t.name = newText(m_chart, QStringLiteral("stripName"), labelFont, InkColor, ZLabel);
        t.name->setText(t.id);
        QFont boldFont = labelFont;
        boldFont.setBold(true);
        t.availability = newText(m_chart, QStringLiteral("availabilityText"), boldFont, InkColor, ZLabel);
        t.legendSwatch = new QGraphicsLineItem(m_chart);
        t.legendSwatch->setData(ItemKindKey, QStringLiteral("legendSwatch"));
        t.legendSwatch->setPen(QPen(t.color, 3));
        t.legendSwatch->setZValue(ZLabel);
        t.legendText = newText(m_chart, QStringLiteral("legendText"), labelFont, InkColor, ZLabel);
        t.legendText->setText(t.id);
        m_tracks.append(t);
    }
}

void LiveChartView::updateLayout()
{
    const QSizeF size = m_chart->size();
    const QFontMetricsF fm(smallFont(font()));
    qreal nameW = std::max(fm.horizontalAdvance(m_roleName->text()), fm.horizontalAdvance(QStringLiteral("00000")));
    for (const ProbeTrack &t : std::as_const(m_tracks))
        nameW = std::max(nameW, fm.horizontalAdvance(t.id));
    const qreal left = std::ceil(LeftPad + nameW + GutterGap);
    QFont bold = smallFont(font());
    bold.setBold(true);
    const qreal right = std::ceil(GutterGap + QFontMetricsF(bold).horizontalAdvance(QStringLiteral("100.00 %")) + RightPad);

    // The full bands while they leave the plot FullPlotH; then without the time axis title; below
    // TightPlotH all bands tighten (the strips keep their height).
    Bands bands;
    bands.header = HeaderH;
    bands.plotToStrips = PlotToStrips;
    bands.stripH = StripH;
    bands.stripGap = StripGap;
    bands.roleGap = RoleGap;
    bands.roleH = RoleH;
    bands.tickH = TickH;
    bands.axisTitleH = AxisTitleH;
    const auto plotHeight = [&] { return std::floor(size.height() - bands.header - bands.below(m_tracks.size())); };
    if (plotHeight() < FullPlotH)
        bands.axisTitleH = 0;
    if (plotHeight() < TightPlotH) {
        bands.header = TightHeaderH;
        bands.plotToStrips = TightPlotToStrips;
        bands.stripGap = TightStripGap;
        bands.roleH = TightRoleH;
        bands.tickH = TightTickH;
    }
    const QRectF plot(left, bands.header, std::max<qreal>(60, std::floor(size.width() - left - right)),
                      std::max<qreal>(MinPlotH, plotHeight()));
    // Fault and span labels cover at most about 60 % of the plot's height (one lane at least).
    const qreal laneH = std::ceil(QFontMetricsF(smallFont(font())).height()) + 4 + 3;
    bands.labelLanes = std::clamp(int((plot.height() - 8) * 0.6 / laneH), 1, MaxLabelLanes);
    m_bands = bands;
    m_timeName->setVisible(bands.axisTitleH > 0);

    if (plot != m_plot || m_chart->plotArea() != plot) {
        m_plot = plot;
        m_chart->setPlotArea(plot); // fixed, so axis label widths can't shift the columns under the overlays
        // QtCharts maps the series onto a new fixed plot area at once but lays its axes out only
        // when its layout runs. After a resize that can happen before this refresh sets the new
        // plot area, and nothing runs it again unless an axis range changes: the latency labels
        // stayed squeezed into the plot of an earlier, smaller size while the line used the whole
        // plot. Lay the axes out again now, on the plot the overlays use.
        if (QGraphicsLayout *layout = m_chart->layout()) {
            layout->invalidate();
            layout->activate();
        }
    }
    m_frame->setRect(plot.adjusted(-0.5, -0.5, 0.5, 0.5));
}

void LiveChartView::updateLatency(ProbeTrack &track, const QVector<SampleTimeline::Column> &cols, qint64 originNs)
{
    // Runs of columns with successful samples; a column where every sample failed breaks the
    // line (no latency to show), an empty column (sparser probe than pixels) does not.
    struct Run
    {
        int first;
        int last;
    };
    QList<Run> runs;
    bool open = false;
    for (int c = 0; c < cols.size(); ++c) {
        if (cols[c].ok > 0) {
            if (open)
                runs.last().last = c;
            else
                runs.append(Run{c, c});
            open = true;
        } else if (cols[c].total > 0) {
            open = false;
        }
    }
    // Too many pieces (a flapping probe): bridge the shortest gaps so the series count stays bounded.
    if (runs.size() > MaxSegmentsPerProbe) {
        QList<int> gapOrder;
        for (int g = 0; g + 1 < runs.size(); ++g)
            gapOrder.append(g);
        std::stable_sort(gapOrder.begin(), gapOrder.end(), [&runs](int a, int b) {
            return runs[a + 1].first - runs[a].last < runs[b + 1].first - runs[b].last;
        });
        QList<bool> bridged(runs.size(), false);
        for (qsizetype i = 0; i < runs.size() - MaxSegmentsPerProbe; ++i)
            bridged[gapOrder[i]] = true;
        QList<Run> merged;
        for (int g = 0; g < runs.size(); ++g) {
            if (g > 0 && bridged[g - 1])
                merged.last().last = runs[g].last;
            else
                merged.append(runs[g]);
        }
        runs = merged;
    }

    const double colNs = double(m_shownToNs - m_shownFromNs) / double(cols.size());
    for (int r = 0; r < runs.size(); ++r) {
        QList<QPointF> points;
        points.reserve(2 * (runs[r].last - runs[r].first + 1));
        double lastY = 0;
        for (int c = runs[r].first; c <= runs[r].last; ++c) {
            const SampleTimeline::Column &col = cols[c];
            if (col.ok <= 0)
                continue;
            const double x = (double(col.startNs - originNs) + colNs / 2) / 1e9;
            const double lo = col.latMin;
            const double hi = col.latMax;
            if (lo == hi) {
                points.append(QPointF(x, lo));
            } else if (!points.isEmpty() && std::fabs(lastY - hi) < std::fabs(lastY - lo)) {
                // Start each column at the end nearest the previous one: fewer long diagonals.
                points.append(QPointF(x, hi));
                points.append(QPointF(x, lo));
            } else {
                points.append(QPointF(x, lo));
                points.append(QPointF(x, hi));
            }
            lastY = points.constLast().y();
        }
        QLineSeries *series = r < track.segments.size() ? track.segments[r] : newSegment(track);
        series->replace(points);
    }
    for (qsizetype r = runs.size(); r < track.segments.size(); ++r) {
        if (track.segments[r]->count() > 0)
            track.segments[r]->clear();
    }
}

QLineSeries *LiveChartView::newSegment(ProbeTrack &track)
{
    auto *series = new QLineSeries();
    series->setObjectName(QStringLiteral("latency:") + track.id);
    series->setName(track.id);
    QPen pen(track.color, 1.0);
    pen.setCapStyle(Qt::FlatCap);
    series->setPen(pen);
    m_chart->addSeries(series);
    series->attachAxis(m_axisX);
    series->attachAxis(m_axisY);
    track.segments.append(series);
    return series;
}

void LiveChartView::updateStrip(ProbeTrack &track, const QVector<SampleTimeline::Column> &cols, int row)
{
    const int n = int(cols.size());
    int firstData = -1;
    int lastData = -1;
    qint64 samples = 0;
    for (int c = 0; c < n; ++c) {
        if (cols[c].total > 0) {
            if (firstData < 0)
                firstData = c;
            lastData = c;
            samples += cols[c].total;
        }
    }
    // A column with no sample just after one that had some is the probe's own period, not a gap:
    // hold the last state for up to three mean sample intervals.
    const double colNs = double(m_shownToNs - m_shownFromNs) / double(std::max(1, n));
    const int hold = samples > 0 ? int(std::ceil(3.0 * double(m_shownToNs - m_shownFromNs) / double(samples) / colNs)) : 0;

    QImage image(std::max(1, n), 1, QImage::Format_ARGB32_Premultiplied);
    auto *px = reinterpret_cast<QRgb *>(image.scanLine(0));
    QRgb held = 0;
    int sinceData = 0;
    for (int c = 0; c < n; ++c) {
        const SampleTimeline::Column &col = cols[c];
        QRgb rgb = 0; // transparent: before the first or after the last sample
        if (col.total > 0) {
            rgb = (col.ok == col.total ? OkColor : col.ok == 0 ? FailColor : PartialColor).rgb();
            held = rgb;
            sinceData = 0;
        } else if (c > firstData && firstData >= 0) {
            ++sinceData;
            if (sinceData <= hold)
                rgb = held;
            else if (c < lastData)
                rgb = GapColor.rgb();
        }
        px[c] = rgb;
    }
    track.strip->setPixmap(QPixmap::fromImage(image));
    const qreal stripH = m_bands.stripH;
    track.strip->setTransform(QTransform::fromScale(m_plot.width() / qreal(std::max(1, n)), stripH));
    const qreal y = m_bands.stripsTop(m_plot) + qreal(row) * (stripH + m_bands.stripGap);
    track.strip->setPos(m_plot.left(), y);
    const QRectF nameRect = track.name->boundingRect();
    track.name->setPos(m_plot.left() - GutterGap - nameRect.width(), y + (stripH - nameRect.height()) / 2);

    // Availability over the window, floored so a single failure never shows as 100.00 %.
    qint64 ok = 0;
    for (const SampleTimeline::Column &c : cols)
        ok += c.ok;
    QString text = QStringLiteral("–");
    QColor color = MutedInk;
    if (samples > 0) {
        // Worded as the metrics table words availability_pct, so the two never disagree.
        text = VerdictExplanation::valueText(QStringLiteral("availability_pct"), 100.0 * double(ok) / double(samples));
        color = ok == samples ? OkColor.darker(130) : ok == 0 ? FailColor : PartialColor.darker(140);
    }
    track.availability->setText(text);
    track.availability->setBrush(color);
    track.availability->setToolTip(tr("%1: %2 of %3 probes ok in view").arg(track.id).arg(ok).arg(samples));
    const QRectF availRect = track.availability->boundingRect();
    track.availability->setPos(m_plot.right() + GutterGap, y + (stripH - availRect.height()) / 2);
}

double LiveChartView::latencyAxisMax() const
{
    return m_axisY->max();
}

void LiveChartView::updateAxes(double maxLatencyMs, qint64 originNs)
{
    const double fromSec = double(m_shownFromNs - originNs) / 1e9;
    const double spanSec = double(m_shownToNs - m_shownFromNs) / 1e9;
    const double xStep = niceTimeStep(spanSec, std::max(2, int(m_plot.width() / 110)));
    // Unchanged ranges skip QtCharts' axis relayout, the dearest part of a refresh after the series.
    if (m_axisX->min() != fromSec || m_axisX->max() != fromSec + spanSec)
        m_axisX->setRange(fromSec, fromSec + spanSec);
    updateTimeTicks(xStep, originNs);

    const double top = maxLatencyMs > 0 ? maxLatencyMs * 1.1 : 10;
    // niceStep never gives more intervals than asked for, so labels stay TickSpacing apart; a short
    // plot gets up to three MinTickSpacing apart, down to only its ends.
    int yTicks = int(m_plot.height() / TickSpacing);
    if (yTicks < 3)
        yTicks = std::clamp(int(m_plot.height() / MinTickSpacing), 1, 3);
    const double yStep = niceStep(top, yTicks);
    // With two intervals or fewer a whole step can leave half the plot empty: a short plot ends on
    // a half step instead (its top unlabelled, the frame marks it).
    const double yEnd = yTicks <= 2 ? yStep / 2 : yStep;
    // A hair over the last tick: QtCharts adds the interval up from the anchor, and 16 × 0.2 ends
    // a rounding error above 3.2, which would drop the top label.
    const double yMax = std::ceil(top / yEnd) * yEnd * (1 + 1e-9);
    if (m_axisY->min() != 0 || m_axisY->max() != yMax)
        m_axisY->setRange(0, yMax);
    if (m_axisY->tickInterval() != yStep)
        m_axisY->setTickInterval(yStep);
    const QString format = yStep >= 1 ? QStringLiteral("%.0f") : yStep >= 0.1 ? QStringLiteral("%.1f") : QStringLiteral("%.2f");
    if (m_axisY->labelFormat() != format)
        m_axisY->setLabelFormat(format);
}

void LiveChartView::updateTimeTicks(double step, qint64 originNs)
{
    const double fromSec = double(m_shownFromNs - originNs) / 1e9;
    const double toSec = double(m_shownToNs - originNs) / 1e9;
    const qreal y = m_bands.roleTop(m_plot, m_tracks.size()) + m_bands.roleH + (m_bands.tickH - 14); // 4 px, 2 when tight
    const QFont labelFont = smallFont(font());
    const qint64 firstK = qint64(std::ceil(fromSec / step - 1e-9));
    int n = 0;
    for (qint64 k = firstK; n < 200; ++k) {
        const double t = double(k) * step;
        if (t > toSec + 1e-9)
            break;
        const qreal x = m_plot.left() + (t - fromSec) / (toSec - fromSec) * m_plot.width();
        QGraphicsLineItem *grid = pooled(m_gridLines, n, [&] {
            auto *l = new QGraphicsLineItem(m_chart);
            l->setData(ItemKindKey, QStringLiteral("timeGrid"));
            QPen pen(GridColor, 1);
            pen.setCosmetic(true);
            l->setPen(pen);
            l->setZValue(ZGrid);
            return l;
        });
        const qreal gx = std::round(x) + 0.5;
        grid->setLine(gx, m_plot.top(), gx, m_plot.bottom());
        grid->setVisible(x > m_plot.left() + 1 && x < m_plot.right() - 1); // the frame already marks the edges
        QGraphicsSimpleTextItem *label = pooled(m_tickLabels, n, [&] {
            return newText(m_chart, QStringLiteral("tickLabel"), labelFont, MutedInk, ZLabel);
        });
        label->setText(formatTime(t, step));
        const qreal w = label->boundingRect().width();
        // Keep the edge labels inside the widget instead of centring them off it.
        const qreal lx = std::clamp(x - w / 2, m_plot.left() - w / 2, m_chart->size().width() - w - 2);
        label->setPos(lx, y);
        label->setToolTip(m_timeName->text());
        ++n;
    }
    hideFrom(m_tickLabels, n);
    hideFrom(m_gridLines, n);
    const QRectF r = m_timeName->boundingRect();
    m_timeName->setPos(std::round(m_plot.center().x() - r.width() / 2), y + m_bands.tickH);
}

void LiveChartView::updateRoles(qint64 originNs)
{
    const qreal laneY = m_bands.roleTop(m_plot, m_tracks.size());
    const qreal roleH = m_bands.roleH;
    m_roleLane->setRect(m_plot.left(), laneY, m_plot.width(), roleH);
    const QRectF nameRect = m_roleName->boundingRect();
    m_roleName->setPos(m_plot.left() - GutterGap - nameRect.width(), laneY + (roleH - nameRect.height()) / 2);

    QFont barFont = smallFont(font());
    barFont.setBold(true);
    const QList<SampleTimeline::RoleSpan> spans = m_timeline->leaderSpans(m_timeline->lastNs() + 1);
    struct Bar
    {
        const SampleTimeline::RoleSpan *span;
        qreal x0;
        qreal x1;
    };
    QList<Bar> shown;
    for (const SampleTimeline::RoleSpan &span : spans) {
        memberColor(span.member); // assigned over the whole run, so colours never swap
        if (span.toNs <= m_shownFromNs || span.fromNs >= m_shownToNs)
            continue;
        shown.append({&span, xForNs(std::max(span.fromNs, m_shownFromNs)), xForNs(std::min(span.toNs, m_shownToNs))});
    }
    int n = 0;
    for (qsizetype i = 0; i < shown.size(); ++i) {
        const SampleTimeline::RoleSpan &span = *shown[i].span;
        const qreal x0 = shown[i].x0;
        const qreal x1 = shown[i].x1;
        QGraphicsRectItem *bar = pooled(m_roleBars, n, [&] {
            auto *b = new QGraphicsRectItem(m_chart);
            b->setData(ItemKindKey, QStringLiteral("roleBar"));
            b->setPen(Qt::NoPen);
            b->setZValue(ZStrip);
            newText(b, QStringLiteral("roleLabel"), barFont, InkColor, 0);
            return b;
        });
        bar->setRect(x0, laneY, std::max<qreal>(1, x1 - x0), roleH);
        bar->setBrush(memberColor(span.member));
        QGraphicsSimpleTextItem *text = childText(bar);
        text->setText(span.member);
        const QRectF textRect = text->boundingRect();
        // The name inside its bar; a bar too short for it (a brief lease between failovers) has
        // it just after, in the leaderless gap, when the gap is wide enough.
        const qreal nextX0 = i + 1 < shown.size() ? shown[i + 1].x0 : m_plot.right();
        qreal textX = -1;
        if (x1 - x0 >= textRect.width() + 10)
            textX = x0 + 6;
        else if (nextX0 - x1 >= textRect.width() + 8)
            textX = x1 + 4;
        text->setPos(textX, laneY + (roleH - textRect.height()) / 2);
        text->setVisible(textX >= 0);
        bar->setToolTip(tr("%1 leads from %2 for %3")
                            .arg(span.member, formatTime(double(span.fromNs - originNs) / 1e9, 0.001),
                                 formatDuration(span.toNs - span.fromNs)));
        ++n;
    }
    hideFrom(m_roleBars, n);

    // Split brain over the leader bars: hatched in the failure colour, so two claimants never read
    // as one leader's span.
    int k = 0;
    for (const SampleTimeline::SplitBrainSpan &split : m_timeline->splitBrainSpans(m_timeline->lastNs() + 1)) {
        if (split.toNs <= m_shownFromNs || split.fromNs >= m_shownToNs)
            continue;
        const qreal x0 = xForNs(std::max(split.fromNs, m_shownFromNs));
        const qreal x1 = xForNs(std::min(split.toNs, m_shownToNs));
        QGraphicsRectItem *bar = pooled(m_splitBrainBars, k, [&] {
            auto *b = new QGraphicsRectItem(m_chart);
            b->setData(ItemKindKey, QStringLiteral("splitBrainBar"));
            QPen edge(FailColor, 1);
            edge.setCosmetic(true);
            b->setPen(edge);
            b->setBrush(QBrush(FailColor, Qt::BDiagPattern));
            b->setZValue(ZStrip + 0.1);
            return b;
        });
        bar->setRect(x0, laneY, std::max<qreal>(2, x1 - x0), roleH);
        bar->setToolTip(tr("split brain: %1 claimed the leader role at once from %2 for %3%4")
                            .arg(split.leaders.join(QStringLiteral(", ")),
                                 formatTime(double(split.fromNs - originNs) / 1e9, 0.001),
                                 formatDuration(split.toNs - split.fromNs), split.open ? tr(" (still going)") : QString()));
        ++k;
    }
    hideFrom(m_splitBrainBars, k);
}

QColor LiveChartView::memberColor(const QString &member)
{
    auto it = m_memberColors.find(member);
    if (it == m_memberColors.end())
        it = m_memberColors.insert(member, int(m_memberColors.size()));
    return MemberPalette[size_t(it.value()) % std::size(MemberPalette)];
}

void LiveChartView::updateMarkersAndSpans(qint64 originNs)
{
    QList<TopLabel> labels;
    const qreal bottom = m_roleLane->rect().bottom();
    int lines = 0;
    const QList<RunEvent> events = m_timeline->events(m_shownFromNs, m_shownToNs);
    for (const RunEvent &e : events) {
        if (e.kind != RunEvent::Kind::Fault && e.kind != RunEvent::Kind::Mark && e.kind != RunEvent::Kind::Abort)
            continue;
        if (lines >= MaxMarkers)
            break;
        const QColor color = faultColor(e);
        const qreal x = std::round(xForNs(e.monoNs)) + 0.5; // on a pixel centre: a crisp 1 px line
        QGraphicsLineItem *line = pooled(m_markerLines, lines, [&] {
            auto *l = new QGraphicsLineItem(m_chart);
            l->setData(ItemKindKey, QStringLiteral("faultMarker"));
            l->setZValue(ZMarker);
            return l;
        });
        // Width 1 keeps the raster engine's fast cosmetic path; wider dashed pens get stroked dash by dash.
        QPen pen(color, 1, e.kind == RunEvent::Kind::Mark ? Qt::DotLine : Qt::DashLine);
        pen.setCosmetic(true);
        line->setPen(pen);
        line->setLine(x, m_plot.top(), x, bottom);
        ++lines;

        QString text = e.kind == RunEvent::Kind::Abort ? tr("abort") : e.action;
        if (!e.service.isEmpty())
            text += (text.isEmpty() ? QString() : QStringLiteral(" ")) + e.service;
        if (text.isEmpty())
            text = e.detail;
        // A network fault's groups are what it did ("partition [n2] | [n1 n3]"): show them.
        static const QStringList network{QStringLiteral("partition"), QStringLiteral("isolate"), QStringLiteral("link")};
        if (e.kind == RunEvent::Kind::Fault && network.contains(e.action) && !e.detail.isEmpty())
            text = e.detail;
        const QString when = formatTime(double(e.monoNs - originNs) / 1e9, 0.001);
        TopLabel label;
        label.x = x;
        label.text = text;
        label.toolTip = text + tr(" at ") + when + (e.detail.isEmpty() ? QString() : QStringLiteral("\n") + e.detail);
        label.kind = QStringLiteral("faultLabel");
        label.fill = color;
        label.textColor = Qt::white;
        label.border = color;
        labels.append(label);
    }
    hideFrom(m_markerLines, lines);

    int shades = 0;
    const QList<SampleTimeline::Span> spans = m_timeline->measuredSpans();
    for (const SampleTimeline::Span &span : spans) {
        if (span.toNs < m_shownFromNs || span.fromNs >= m_shownToNs)
            continue;
        const qreal x0 = xForNs(std::max(span.fromNs, m_shownFromNs));
        const qreal x1 = xForNs(std::min(span.toNs, m_shownToNs));
        QGraphicsRectItem *shade = pooled(m_spanShades, shades, [&] {
            auto *r = new QGraphicsRectItem(m_chart);
            r->setData(ItemKindKey, QStringLiteral("spanShade"));
            r->setBrush(QColor(0xff, 0x98, 0x00, 60));
            r->setPen(Qt::NoPen);
            r->setZValue(ZShade);
            return r;
        });
        // At least 3 px, so a sub-pixel failover on an hour-long window still shows.
        const qreal w = std::max<qreal>(3, x1 - x0);
        shade->setRect(x0, m_plot.top(), w, m_plot.height());
        shade->setToolTip(span.label);
        ++shades;
        TopLabel label;
        label.x = x0 + w;
        label.text = span.label;
        label.toolTip = span.label + tr(" (%1 – %2)").arg(formatTime(double(span.fromNs - originNs) / 1e9, 0.001),
                                                           formatTime(double(span.toNs - originNs) / 1e9, 0.001));
        label.kind = QStringLiteral("spanLabel");
        label.fill = QColor(0xff, 0xf3, 0xe0);
        label.textColor = QColor(0xb3, 0x42, 0x00);
        label.border = QColor(0xef, 0x6c, 0x00);
        labels.append(label);
    }
    hideFrom(m_spanShades, shades);
    placeTopLabels(labels);
}

void LiveChartView::placeTopLabels(QList<TopLabel> &labels)
{
    std::stable_sort(labels.begin(), labels.end(), [](const TopLabel &a, const TopLabel &b) { return a.x < b.x; });
    const QFont labelFont = smallFont(font());
    const QFontMetricsF fm(labelFont);
    const qreal h = std::ceil(fm.height()) + 4;
    qreal laneRight[MaxLabelLanes];
    std::fill(std::begin(laneRight), std::end(laneRight), -1e9);
    int n = 0;
    for (const TopLabel &l : std::as_const(labels)) {
        const qreal w = std::ceil(fm.horizontalAdvance(l.text)) + 10;
        // Right of its line unless that runs off the plot; then left of it.
        qreal left = l.x + 4;
        if (left + w > m_plot.right() - 2)
            left = std::max(m_plot.left() + 2, l.x - 4 - w);
        int lane = 0;
        while (lane < m_bands.labelLanes && laneRight[lane] + 4 > left)
            ++lane;
        if (lane == m_bands.labelLanes)
            continue; // crowded: the line stays, its label is in the line's neighbours' tooltips
        laneRight[lane] = left + w;
        QGraphicsRectItem *box = pooled(m_topLabels, n, [&] {
            auto *b = new QGraphicsRectItem(m_chart);
            b->setZValue(ZLabel);
            newText(b, QString(), labelFont, Qt::white, 0);
            return b;
        });
        box->setData(ItemKindKey, l.kind);
        box->setRect(0, 0, w, h);
        box->setPos(std::round(left), m_plot.top() + 4 + qreal(lane) * (h + 3));
        box->setBrush(l.fill);
        box->setPen(QPen(l.border, 1));
        box->setToolTip(l.toolTip);
        QGraphicsSimpleTextItem *text = childText(box);
        text->setText(l.text);
        text->setBrush(l.textColor);
        text->setPos(5, (h - text->boundingRect().height()) / 2);
        ++n;
    }
    hideFrom(m_topLabels, n);
}

void LiveChartView::updateHeader()
{
    const QRectF titleRect = m_title->boundingRect();
    const qreal headerH = m_bands.header;
    m_title->setPos(LeftPad, (headerH - titleRect.height()) / 2);
    // Legend right-aligned over the plot: a line swatch per probe, in the series colour.
    qreal right = m_plot.right();
    for (qsizetype i = m_tracks.size() - 1; i >= 0; --i) {
        ProbeTrack &t = m_tracks[i];
        const QRectF r = t.legendText->boundingRect();
        const qreal y = (headerH - r.height()) / 2;
        t.legendText->setPos(right - r.width(), y);
        const qreal mid = std::round(headerH / 2) + 0.5;
        t.legendSwatch->setLine(right - r.width() - 22, mid, right - r.width() - 6, mid);
        right -= r.width() + 22 + 16;
    }
}

void LiveChartView::renderTo(QPainter *painter, const QRect &target) const
{
    painter->drawImage(target, grabImage(target.size()));
}

QImage LiveChartView::grabImage(const QSize &size) const
{
    // A twin laid out at the export size: the report gets crisp text and one column per pixel,
    // and the live widget on screen is left alone.
    LiveChartView twin(m_timeline);
    twin.setFont(font());
    if (m_follow)
        twin.setFollowLatest(m_followWidthNs);
    else
        twin.setWindow(m_fixedFromNs, m_fixedToNs);
    twin.setAttribute(Qt::WA_DontShowOnScreen);
    twin.resize(size);
    twin.show();
    twin.refresh();
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    QPainter painter(&image);
    twin.render(&painter);
    return image;
}
