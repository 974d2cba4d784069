// LiveChartView offscreen: series hold one min/max pair per pixel column (never the samples),
// fault markers, leader bars and the measured span are drawn, refreshes coalesce, exports paint.
#include "livechartview.h"
#include "sampletimeline.h"

#include <QChart>
#include <QChartView>
#include <QWheelEvent>
#include <QMouseEvent>
#include <QGraphicsPixmapItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QLineSeries>
#include <QPainter>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QValueAxis>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 Ms = 1'000'000;
constexpr qint64 Sec = 1'000'000'000;
constexpr qint64 T0 = 1000 * Sec; // MonoClock is "since boot": never start at zero
const QString Read = QStringLiteral("api-read");
const QString Write = QStringLiteral("api-write");
const QString FailoverLabel = QStringLiteral("failover 412 ms ± 26 ms");

RunEvent event(RunEvent::Kind kind, qint64 ns, const QString &service, const QString &action = {})
{
    RunEvent e;
    e.kind = kind;
    e.monoNs = ns;
    e.service = service;
    e.action = action;
    return e;
}

// `seconds` of two probes at 100 Hz; both fail from the kill at 10 s until api2 leads at 10.412 s.
void leaderKill(SampleTimeline &t, int seconds)
{
    t.addEvent(event(RunEvent::Kind::CheckStarted, T0, {}));
    t.addEvent(event(RunEvent::Kind::RoleChange, T0 + 200 * Ms, QStringLiteral("api1")));
    for (int s = 0; s < seconds; ++s) {
        ProbeSampleBatch batch;
        for (int i = 0; i < 100; ++i) {
            const qint64 offset = qint64(s) * Sec + qint64(i) * 10 * Ms;
            const bool down = offset >= 10 * Sec && offset < 10 * Sec + 412 * Ms;
            for (const QString &probe : {Read, Write}) {
                ProbeSample p;
                p.probeId = probe;
                p.monoNs = T0 + offset + (probe == Write ? 3 * Ms : 0);
                p.ok = !down;
                p.latencyMs = down ? 1000 : 2.0 + double((i * 37 + s * 11) % 50) / 10.0 + (probe == Write ? 3 : 0);
                batch.append(p);
            }
        }
        t.addSamples(batch);
    }
    t.addEvent(event(RunEvent::Kind::Fault, T0 + 10 * Sec, QStringLiteral("api1"), QStringLiteral("kill")));
    t.addEvent(event(RunEvent::Kind::RoleChange, T0 + 10 * Sec + 60 * Ms, QString()));
    t.addEvent(event(RunEvent::Kind::RoleChange, T0 + 10 * Sec + 412 * Ms, QStringLiteral("api2")));
    t.addMeasuredSpan({T0 + 10 * Sec, T0 + 10 * Sec + 412 * Ms, FailoverLabel});
}

QList<QGraphicsItem *> visibleItems(const LiveChartView &view, const QString &kind)
{
    QList<QGraphicsItem *> out;
    const QList<QGraphicsItem *> all = view.chart()->scene()->items();
    for (QGraphicsItem *item : all) {
        if (item->isVisible() && item->data(LiveChartView::ItemKindKey).toString() == kind)
            out.append(item);
    }
    return out;
}

QString labelText(QGraphicsItem *box)
{
    return static_cast<QGraphicsSimpleTextItem *>(box->childItems().constFirst())->text();
}

qsizetype pointCount(const LiveChartView &view, const QString &probe)
{
    qsizetype n = 0;
    const QList<QAbstractSeries *> series = view.chart()->series();
    for (QAbstractSeries *s : series) {
        if (s->objectName() == QStringLiteral("latency:") + probe)
            n += qobject_cast<QLineSeries *>(s)->count();
    }
    return n;
}

// The latency axis labels QtCharts shows (text items of its own; ours are simple text items).
QList<QPair<double, QRectF>> latencyLabels(const LiveChartView &view)
{
    QList<QPair<double, QRectF>> out;
    const QList<QGraphicsItem *> all = view.chart()->scene()->items();
    for (QGraphicsItem *item : all) {
        auto *text = dynamic_cast<QGraphicsTextItem *>(item);
        if (!text || !text->isVisible())
            continue;
        bool ok = false;
        const double value = text->toPlainText().toDouble(&ok);
        if (ok)
            out.append({value, text->sceneBoundingRect()});
    }
    std::sort(out.begin(), out.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    return out;
}

// The latency axis, its labels and the line agree on the plot area the overlays use, and
// everything fits in the widget.
void verifyLatencyAxis(const LiveChartView &view)
{
    const QRectF plot = view.plotArea();
    const QString where = QStringLiteral("at height %1, plot %2..%3")
                              .arg(view.height())
                              .arg(plot.top())
                              .arg(plot.bottom());
    QVERIFY2(plot.height() >= 40, qPrintable(where));
    QCOMPARE(view.chart()->plotArea(), plot);
    auto *axis = qobject_cast<QValueAxis *>(view.chart()->axes(Qt::Vertical).constFirst());
    QVERIFY(axis);
    QCOMPARE(axis->min(), 0.0);

    // The line: the axis' min and max land on the plot's bottom and top.
    QAbstractSeries *series = nullptr;
    const QList<QAbstractSeries *> all = view.chart()->series();
    for (QAbstractSeries *s : all) {
        if (qobject_cast<QLineSeries *>(s)->count() > 0)
            series = s;
    }
    QVERIFY(series);
    QVERIFY2(std::abs(view.chart()->mapToPosition(QPointF(1, axis->min()), series).y() - plot.bottom()) < 1.5, qPrintable(where));
    QVERIFY2(std::abs(view.chart()->mapToPosition(QPointF(1, axis->max()), series).y() - plot.top()) < 1.5, qPrintable(where));

    // The labels: min centred on the plot's bottom, each value at its height, the axis max
    // (when labelled) on the plot's top; apart from each other; fewer on a short plot.
    const QList<QPair<double, QRectF>> labels = latencyLabels(view);
    QVERIFY2(labels.size() >= 2, qPrintable(where));
    QCOMPARE(labels.constFirst().first, axis->min());
    for (const auto &[value, rect] : labels) {
        const double expected = plot.bottom() - (value - axis->min()) / (axis->max() - axis->min()) * plot.height();
        QVERIFY2(std::abs(rect.center().y() - expected) < 2.5,
                 qPrintable(where + QStringLiteral(": label %1 centred at %2, expected %3").arg(value).arg(rect.center().y()).arg(expected)));
        QVERIFY2(value <= axis->max() + 1e-9, qPrintable(where));
    }
    QVERIFY2(labels.size() <= int(plot.height() / 28) + 1, qPrintable(where + QStringLiteral(": %1 labels").arg(labels.size())));
    for (qsizetype i = 1; i < labels.size(); ++i)
        QVERIFY2(labels[i].second.center().y() - labels[i - 1].second.center().y() < -20, qPrintable(where));

    // The bands below fit: strips under the plot, time labels inside the widget.
    for (QGraphicsItem *strip : visibleItems(view, QStringLiteral("availabilityStrip")))
        QVERIFY2(strip->sceneBoundingRect().top() > plot.bottom(), qPrintable(where));
    const QList<QGraphicsItem *> ticks = visibleItems(view, QStringLiteral("tickLabel"));
    QVERIFY(!ticks.isEmpty());
    for (QGraphicsItem *tick : ticks)
        QVERIFY2(tick->sceneBoundingRect().bottom() <= view.height() + 1, qPrintable(where));
}

} // namespace

class TestLiveChartView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void drawsTheLeaderKillScenario()
    {
        SampleTimeline t;
        leaderKill(t, 60);
        LiveChartView view(&t);
        view.resize(900, 520);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setWindow(T0, T0 + 60 * Sec);
        view.refresh();

        QVERIFY(view.columns() > 500);
        QVERIFY(view.columns() <= 900);
        QCOMPARE(view.shownFromNs(), T0);
        for (const QString &probe : {Read, Write}) {
            const qsizetype points = pointCount(view, probe);
            QVERIFY2(points > 0, qPrintable(probe));
            QVERIFY2(points <= 2 * view.columns(), qPrintable(QString::number(points)));
            QVERIFY(points < t.sampleCount(probe));
        }
        // The outage breaks each latency line into two pieces.
        int readPieces = 0;
        const QList<QAbstractSeries *> series = view.chart()->series();
        for (QAbstractSeries *s : series) {
            if (s->objectName() == QStringLiteral("latency:") + Read && qobject_cast<QLineSeries *>(s)->count() > 0)
                ++readPieces;
        }
        QCOMPARE(readPieces, 2);

        QCOMPARE(visibleItems(view, QStringLiteral("faultMarker")).size(), 1);
        const QList<QGraphicsItem *> faultLabels = visibleItems(view, QStringLiteral("faultLabel"));
        QCOMPARE(faultLabels.size(), 1);
        QCOMPARE(labelText(faultLabels.first()), QStringLiteral("kill api1"));

        const QList<QGraphicsItem *> bars = visibleItems(view, QStringLiteral("roleBar"));
        QCOMPARE(bars.size(), 2);
        QSet<QString> members;
        for (QGraphicsItem *bar : bars)
            members.insert(labelText(bar));
        QCOMPARE(members, (QSet<QString>{QStringLiteral("api1"), QStringLiteral("api2")}));

        QCOMPARE(visibleItems(view, QStringLiteral("spanShade")).size(), 1);
        const QList<QGraphicsItem *> spanLabels = visibleItems(view, QStringLiteral("spanLabel"));
        QCOMPARE(spanLabels.size(), 1);
        QCOMPARE(labelText(spanLabels.first()), FailoverLabel);

        // One strip per probe, one pixel per column, red where the outage is.
        const QList<QGraphicsItem *> strips = visibleItems(view, QStringLiteral("availabilityStrip"));
        QCOMPARE(strips.size(), 2);
        const QImage strip = static_cast<QGraphicsPixmapItem *>(strips.first())->pixmap().toImage();
        QCOMPARE(strip.width(), view.columns());
        const int outageColumn = int(10.2 / 60.0 * view.columns());
        QVERIFY(qRed(strip.pixel(outageColumn, 0)) > 150 && qGreen(strip.pixel(outageColumn, 0)) < 100);
        QVERIFY(qGreen(strip.pixel(view.columns() / 2, 0)) > 150);
        QVERIFY(!visibleItems(view, QStringLiteral("emptyText")).size());
    }

    void splitBrainIsHatchedOverTheLeaderBars()
    {
        SampleTimeline t;
        leaderKill(t, 20);
        const auto round = [](qint64 ns, const QMap<QString, QString> &roles) {
            RoleSample r;
            r.startNs = ns;
            r.endNs = ns + 5 * Ms;
            r.source = QStringLiteral("members");
            r.roles = roles;
            return r;
        };
        const QString leader = QStringLiteral("leader"), replica = QStringLiteral("replica");
        // The killed api1 still claims while api2 already leads (12 s .. 13 s), then api1 is a replica.
        t.addRoleRounds({round(T0 + 11 * Sec, {{u"api1"_s, replica}, {u"api2"_s, leader}}),
                         round(T0 + 12 * Sec, {{u"api1"_s, leader}, {u"api2"_s, leader}}),
                         round(T0 + 12500 * Ms, {{u"api1"_s, leader}, {u"api2"_s, leader}}),
                         round(T0 + 13 * Sec, {{u"api1"_s, replica}, {u"api2"_s, leader}})});
        LiveChartView view(&t);
        view.resize(1000, 400);
        view.setWindow(T0, T0 + 20 * Sec);
        view.refresh();

        const QList<QGraphicsItem *> splits = visibleItems(view, QStringLiteral("splitBrainBar"));
        QCOMPARE(splits.size(), 1);
        auto *bar = static_cast<QGraphicsRectItem *>(splits.first());
        const QRectF r = bar->rect();
        // 12 s .. 13 s of a 20 s window: from 60 % of the role lane, a twentieth of it wide.
        const QList<QGraphicsItem *> lanes = visibleItems(view, QStringLiteral("roleLane"));
        QCOMPARE(lanes.size(), 1);
        const QRectF lane = static_cast<QGraphicsRectItem *>(lanes.first())->rect();
        QCOMPARE(r.top(), lane.top());
        QCOMPARE(r.height(), lane.height());
        QVERIFY2(std::abs(r.left() - (lane.left() + 0.6 * lane.width())) <= 1.5, qPrintable(QString::number(r.left())));
        QVERIFY2(std::abs(r.width() - lane.width() / 20) <= 1.5, qPrintable(QStringLiteral("%1 of %2").arg(r.width()).arg(lane.width())));
        const QList<QGraphicsItem *> roleBars = visibleItems(view, QStringLiteral("roleBar"));
        QVERIFY(!roleBars.isEmpty());
        QVERIFY2(bar->toolTip().contains(QStringLiteral("split brain: api1, api2")), qPrintable(bar->toolTip()));
        QVERIFY(bar->zValue() > roleBars.first()->zValue());

        // Scrolled away from it: not drawn.
        view.setWindow(T0, T0 + 10 * Sec);
        view.refresh();
        QVERIFY(visibleItems(view, QStringLiteral("splitBrainBar")).isEmpty());
    }

    void hourLongWindowStaysPerPixel()
    {
        SampleTimeline t;
        ProbeSampleBatch batch;
        for (qint64 i = 0; i < 360'000; ++i) { // 1 h at 100 Hz
            ProbeSample p;
            p.probeId = Read;
            p.monoNs = T0 + i * 10 * Ms;
            p.ok = (i / 6000) % 7 != 3 || i % 6000 > 300;
            p.latencyMs = 1 + double(i % 97) / 10;
            batch.append(p);
        }
        t.addSamples(batch);
        LiveChartView view(&t);
        view.resize(1600, 900);
        view.setWindow(T0, T0 + 3600 * Sec);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.refresh();
        QVERIFY(view.columns() > 1000);
        QVERIFY(pointCount(view, Read) <= 2 * view.columns());
        QVERIFY(view.chart()->series().size() <= LiveChartView::MaxSegmentsPerProbe);
        // Grid lines follow the time ticks (whole minutes here), a handful, not one per sample or second.
        const qsizetype grid = visibleItems(view, QStringLiteral("timeGrid")).size();
        QVERIFY2(grid >= 3 && grid <= 30, qPrintable(QString::number(grid)));
    }

    // One 2 s latency spike among ~5 ms samples: the axis follows the bulk, the spike is clipped and named.
    void oneSpikeDoesNotFlattenTheRest()
    {
        SampleTimeline t;
        leaderKill(t, 15);
        ProbeSample spike;
        spike.probeId = Read;
        spike.monoNs = T0 + 5 * Sec + 5 * Ms;
        spike.ok = true;
        spike.latencyMs = 2000;
        t.addSamples({spike});
        LiveChartView view(&t);
        view.resize(700, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setWindow(T0, T0 + 15 * Sec);
        view.refresh();
        auto *axisY = qobject_cast<QValueAxis *>(view.chart()->axes(Qt::Vertical).value(0));
        QVERIFY(axisY);
        QVERIFY2(axisY->max() < 50, qPrintable(QString::number(axisY->max())));
        bool named = false;
        for (QGraphicsItem *item : view.chart()->scene()->items())
            if (auto *text = dynamic_cast<QGraphicsSimpleTextItem *>(item))
                named = named || text->text().contains(QStringLiteral("spikes up to 2000 ms clipped"));
        QVERIFY(named);
    }

    // Wheel zooms the time axis around the cursor, a drag pans it, double-click resets; hover tells values.
    void zoomPanResetAndHover()
    {
        SampleTimeline t;
        leaderKill(t, 15);
        LiveChartView view(&t);
        view.resize(700, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setWindow(T0, T0 + 15 * Sec);
        view.refresh();
        QWidget *viewport = view.findChild<QChartView *>(QStringLiteral("liveChart"))->viewport();
        const QPointF centre = view.plotArea().center();
        QWheelEvent in(centre, viewport->mapToGlobal(centre), {}, {0, 120}, Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(viewport, &in);
        QVERIFY(view.isZoomed());
        const qint64 zoomed = view.shownToNs() - view.shownFromNs();
        QVERIFY2(zoomed < 15 * Sec && zoomed > 10 * Sec, qPrintable(QString::number(double(zoomed) / 1e9)));
        const qint64 fromBefore = view.shownFromNs();
        QTest::mousePress(viewport, Qt::LeftButton, {}, centre.toPoint());
        QMouseEvent move(QEvent::MouseMove, centre - QPointF(100, 0), viewport->mapToGlobal(centre - QPointF(100, 0)), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
        QCoreApplication::sendEvent(viewport, &move);
        QTest::mouseRelease(viewport, Qt::LeftButton, {}, (centre - QPointF(100, 0)).toPoint());
        QVERIFY(view.shownFromNs() > fromBefore); // dragged left: later times come into view
        QCOMPARE(view.shownToNs() - view.shownFromNs(), zoomed);
        const QString values = view.valuesAt(view.plotArea().left() + view.plotArea().width() * 0.2);
        QVERIFY2(values.contains(QStringLiteral(" s since check start")) && values.contains(QStringLiteral(" ms, ")), qPrintable(values));
        QTest::mouseDClick(viewport, Qt::LeftButton, {}, centre.toPoint());
        QVERIFY(!view.isZoomed());
        QCOMPARE(view.shownFromNs(), T0);
        QCOMPARE(view.shownToNs(), T0 + 15 * Sec);
    }

    void followsTheLatestSamples()
    {
        SampleTimeline t;
        leaderKill(t, 15);
        LiveChartView view(&t);
        view.resize(700, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setFollowLatest(30 * Sec);
        view.refresh();
        QVERIFY(view.isFollowingLatest());
        QCOMPARE(view.shownFromNs(), T0); // shorter than the window: check start stays at the left
        // ...and the axis fits the run so far (a little ahead of it), not the whole 30 s window.
        QVERIFY(view.shownToNs() >= t.lastNs());
        QVERIFY2(view.shownToNs() - T0 < 30 * Sec, qPrintable(QString::number(double(view.shownToNs() - T0) / 1e9)));
        QVERIFY(view.shownToNs() - t.lastNs() <= (t.lastNs() - T0) / 5 + 2 * Sec);

        SampleTimeline longer;
        leaderKill(longer, 45);
        LiveChartView live(&longer);
        live.resize(700, 400);
        live.setFollowLatest(30 * Sec);
        live.show();
        QVERIFY(QTest::qWaitForWindowExposed(&live));
        live.refresh();
        QCOMPARE(live.shownToNs(), longer.lastNs());
        QCOMPARE(live.shownFromNs(), longer.lastNs() - 30 * Sec);
        // The kill at 10 s slid out of the window.
        QCOMPARE(visibleItems(live, QStringLiteral("faultMarker")).size(), 0);
    }

    void refreshesCoalesce()
    {
        SampleTimeline t;
        LiveChartView view(&t);
        view.resize(600, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy spy(&view, &LiveChartView::refreshed);
        QVERIFY(spy.isValid());
        spy.clear();
        QVERIFY(!view.isRefreshPending());
        for (int i = 0; i < 50; ++i) {
            ProbeSample p;
            p.probeId = Read;
            p.monoNs = T0 + i * 10 * Ms;
            p.ok = true;
            p.latencyMs = 2;
            t.addSamples({p});
            view.scheduleRefresh();
        }
        QVERIFY(view.isRefreshPending());
        QCOMPARE(spy.count(), 0);
        QTRY_COMPARE(spy.count(), 1);
        QVERIFY(!view.isRefreshPending());
        QTest::qWait(3 * LiveChartView::RefreshDelayMs);
        QCOMPARE(spy.count(), 1); // 50 batches, one repaint
        QVERIFY(pointCount(view, Read) > 0);
    }

    void emptyTimelineShowsAHint()
    {
        SampleTimeline t;
        LiveChartView view(&t);
        view.resize(600, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.refresh();
        QCOMPARE(visibleItems(view, QStringLiteral("emptyText")).size(), 1);
        QCOMPARE(view.chart()->series().size(), 0);
        QVERIFY(!view.grabImage(QSize(400, 300)).isNull());
    }

    // Short charts (the Runs tab stacks two, ~150-240 px each): the latency axis spans the plot
    // exactly, also after the widget grew from a smaller size with the axis range unchanged
    // (QtCharts used to keep the labels of the smaller plot while the line used the larger one).
    void shortChartKeepsAxisOnThePlot()
    {
        SampleTimeline t;
        leaderKill(t, 60);
        QWidget host;
        host.resize(800, 560);
        auto *view = new LiveChartView(&t, &host);
        view->setMinimumHeight(0); // as the Runs tab does
        view->setGeometry(0, 0, 800, 150);
        view->setWindow(T0, T0 + 60 * Sec);
        host.show();
        QVERIFY(QTest::qWaitForWindowExposed(&host));
        view->refresh();
        QCoreApplication::processEvents();

        int lastLabels = 0;
        for (int h : {180, 240, 140, 180, 520}) {
            view->resize(800, h);
            QCoreApplication::sendPostedEvents();
            QCoreApplication::processEvents();
            verifyLatencyAxis(*view);
            if (QTest::currentTestFailed())
                return;
            const int labels = int(latencyLabels(*view).size());
            if (h == 520)
                QVERIFY2(labels > lastLabels, qPrintable(QString::number(labels))); // more room, more ticks
            lastLabels = labels;
        }

        // An export at the small size paints as well.
        const QImage image = view->grabImage(QSize(800, 180));
        QCOMPARE(image.size(), QSize(800, 180));
    }

    void exportsAnImage()
    {
        SampleTimeline t;
        leaderKill(t, 60);
        LiveChartView view(&t);
        view.setWindow(T0, T0 + 60 * Sec);
        // Not shown at all: a report export may come from a run that was never on screen.
        const QImage image = view.grabImage(QSize(1000, 560));
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), QSize(1000, 560));
        QSet<QRgb> colors;
        for (int y = 0; y < image.height(); y += 3) {
            for (int x = 0; x < image.width(); x += 3)
                colors.insert(image.pixel(x, y));
        }
        QVERIFY2(colors.size() > 20, qPrintable(QString::number(colors.size())));

        QImage target(500, 300, QImage::Format_ARGB32_Premultiplied);
        target.fill(Qt::black);
        QPainter painter(&target);
        view.renderTo(&painter, QRect(0, 0, 500, 300));
        painter.end();
        QCOMPARE(target.pixel(2, 2), qRgb(255, 255, 255)); // painted over the black
    }
};

QTEST_MAIN(TestLiveChartView)
#include "tst_livechartview.moc"
