#pragma once

#include "sampletimeline.h"

#include <QColor>
#include <QHash>
#include <QImage>
#include <QList>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QGraphicsItem;
class QGraphicsLineItem;
class QGraphicsPixmapItem;
class QGraphicsRectItem;
class QGraphicsSimpleTextItem;
class QLineSeries;
class QTimer;
class QValueAxis;
QT_END_NAMESPACE

// The live failover chart: per probe an availability strip and a latency min/max envelope on one
// time axis (seconds since check start), fault markers, the leader timeline and measured spans.
// It holds no raw samples: every refresh asks the SampleTimeline for one decimated column per
// plot pixel, so its cost follows the widget's width, not the run's length.
class LiveChartView : public QWidget
{
    Q_OBJECT

public:
    // Coalescing delay: however often batches arrive, the chart repaints at most ~10 times a second.
    static constexpr int RefreshDelayMs = 100;
    static constexpr qint64 DefaultFollowWidthNs = 60'000'000'000;
    // Line pieces per probe: failures break the latency line; beyond this many pieces the
    // shortest gaps are bridged so the series count stays bounded.
    static constexpr int MaxSegmentsPerProbe = 16;
    // QGraphicsItem::data() key holding the kind of an overlay item ("faultMarker", "roleBar", ...).
    static constexpr int ItemKindKey = 0;

    explicit LiveChartView(const SampleTimeline *timeline, QWidget *parent = nullptr);
    ~LiveChartView() override;

    // Draws another timeline from the next refresh on (a stored check's, say); it must outlive its use here.
    void setTimeline(const SampleTimeline *timeline) { m_timeline = timeline; }

    // A fixed window [fromNs, toNs) on the MonoClock; stops following the latest samples.
    void setWindow(qint64 fromNs, qint64 toNs);
    // Live mode: the window is the last widthNs of data (from check start while the run is shorter).
    void setFollowLatest(qint64 widthNs = DefaultFollowWidthNs);
    // The engineer's zoom and pan (wheel, drag; double-click resets): back to what setWindow() or
    // setFollowLatest() last asked for.
    void resetView();
    bool isZoomed() const { return m_zoomed; }
    // What hovering at plot x shows: the time and each probe's latency and outcomes there.
    QString valuesAt(qreal x) const;
    bool isFollowingLatest() const { return m_follow; }
    // Fixes the latency axis to [0, ms] (two charts compared share one); 0: each refresh finds its own.
    void setLatencyScale(double ms) { m_fixedLatencyMs = ms; }
    // The latency the last refresh scaled to (before rounding to nice ticks).
    double latencyScale() const { return m_latencyScaleMs; }
    double latencyAxisMax() const;
    // The window the last refresh showed.
    qint64 shownFromNs() const { return m_shownFromNs; }
    qint64 shownToNs() const { return m_shownToNs; }

    // Call on every batch: starts the coalescing timer unless a refresh is already pending.
    void scheduleRefresh();
    bool isRefreshPending() const;
    // Re-reads the timeline for the current window and geometry, now.
    void refresh();

    // For exports: the chart laid out afresh at the target size (not a scaled screen copy).
    void renderTo(QPainter *painter, const QRect &target) const;
    QImage grabImage(const QSize &size) const;

    QChart *chart() const { return m_chart; }
    QRectF plotArea() const { return m_plot; }
    // Pixel columns the last refresh decimated into (the plot area's width).
    int columns() const { return m_columns; }

Q_SIGNALS:
    void refreshed();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    struct ProbeTrack
    {
        QString id;
        QColor color;
        QList<QLineSeries *> segments;
        QGraphicsPixmapItem *strip = nullptr;
        QGraphicsSimpleTextItem *name = nullptr;
        QGraphicsSimpleTextItem *availability = nullptr; // ok share of the window, right of the strip
        QGraphicsLineItem *legendSwatch = nullptr;
        QGraphicsSimpleTextItem *legendText = nullptr;
    };

    // A label waiting for a lane at the top of the plot (fault markers and measured spans share them).
    struct TopLabel
    {
        qreal x = 0;
        QString text;
        QString toolTip;
        QString kind;
        QColor fill;
        QColor textColor;
        QColor border;
    };

    // Heights of the bands around the plot area. A short widget (the Runs tab's stacked charts)
    // gets tighter bands so the plot keeps room for its latency axis; see updateLayout().
    struct Bands
    {
        qreal header = 0;
        qreal plotToStrips = 0;
        qreal stripH = 0;
        qreal stripGap = 0;
        qreal roleGap = 0;
        qreal roleH = 0;
        qreal tickH = 0;
        qreal axisTitleH = 0; // 0: the time axis title is left out
        int labelLanes = 0;   // lanes for fault and span labels at the top of the plot

        qreal stripsTop(const QRectF &plot) const { return plot.bottom() + plotToStrips; }
        qreal roleTop(const QRectF &plot, qsizetype tracks) const
        {
            return stripsTop(plot) + qreal(tracks) * (stripH + stripGap) + roleGap;
        }
        qreal below(qsizetype tracks) const
        {
            return plotToStrips + qreal(tracks) * (stripH + stripGap) + roleGap + roleH + tickH + axisTitleH;
        }
    };

    void syncTracks();
    void updateLayout();
    void currentWindow(qint64 *fromNs, qint64 *toNs) const;
    qreal xForNs(qint64 ns) const;
    void updateLatency(ProbeTrack &track, const QVector<SampleTimeline::Column> &cols, qint64 originNs);
    void updateStrip(ProbeTrack &track, const QVector<SampleTimeline::Column> &cols, int row);
    void updateAxes(double maxLatencyMs, qint64 originNs);
    void updateTimeTicks(double step, qint64 originNs);
    void updateMarkersAndSpans(qint64 originNs);
    void placeTopLabels(QList<TopLabel> &labels);
    void updateRoles(qint64 originNs);
    void updateHeader();
    QColor memberColor(const QString &member);
    QLineSeries *newSegment(ProbeTrack &track);

    const SampleTimeline *m_timeline;
    double m_clippedAboveMs = 0; // the highest latency above the robust scale, 0 when nothing is clipped
    double m_fixedLatencyMs = 0;
    // Zoom/pan: the window before the engineer moved it, to reset to.
    bool m_zoomed = false;
    bool m_homeFollow = true;
    qint64 m_homeFromNs = 0;
    qint64 m_homeToNs = 0;
    QPointF m_dragFrom;
    bool m_dragging = false;
    double m_latencyScaleMs = 0;
    QChartView *m_view;
    QChart *m_chart;
    QValueAxis *m_axisX;
    QValueAxis *m_axisY;
    QTimer *m_refreshTimer;

    bool m_follow = true;
    qint64 m_followWidthNs = DefaultFollowWidthNs;
    qint64 m_fixedFromNs = 0;
    qint64 m_fixedToNs = 0;
    qint64 m_shownFromNs = 0;
    qint64 m_shownToNs = 0;
    QRectF m_plot;
    Bands m_bands;
    int m_columns = 0;

    QList<ProbeTrack> m_tracks;
    QHash<QString, int> m_memberColors;

    // Overlay items, pooled: reused across refreshes, surplus ones hidden.
    QGraphicsSimpleTextItem *m_title = nullptr;
    QGraphicsSimpleTextItem *m_emptyText = nullptr;
    QGraphicsRectItem *m_frame = nullptr;
    QGraphicsRectItem *m_roleLane = nullptr;
    QGraphicsSimpleTextItem *m_roleName = nullptr;
    QGraphicsSimpleTextItem *m_timeName = nullptr;
    QList<QGraphicsLineItem *> m_markerLines;
    QList<QGraphicsRectItem *> m_topLabels;
    QList<QGraphicsRectItem *> m_spanShades;
    QList<QGraphicsRectItem *> m_roleBars;
    QList<QGraphicsRectItem *> m_splitBrainBars;
    QList<QGraphicsSimpleTextItem *> m_tickLabels;
    QList<QGraphicsLineItem *> m_gridLines;
};
