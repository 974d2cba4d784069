#include "failovertrendview.h"

#include <QFontMetrics>

#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>

FailoverTrendView::FailoverTrendView(QWidget *parent)
    : QWidget(parent)
    , m_chart(new QChart)
    , m_view(new QChartView(m_chart, this))
    , m_caption(new QLabel(this))
{
    setObjectName(QStringLiteral("failoverTrendView"));
    m_view->setObjectName(QStringLiteral("failoverTrendChart"));
    m_view->setRenderHint(QPainter::Antialiasing);
    m_chart->legend()->setAlignment(Qt::AlignBottom); // below the plot: long check titles get the whole width
    m_caption->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_caption);
    layout->addWidget(m_view, 1);
}

void FailoverTrendView::setRuns(const QList<Run> &runs, const QString &checkId)
{
    m_chart->removeAllSeries();
    for (QAbstractAxis *axis : m_chart->axes())
        m_chart->removeAxis(axis);

    // One series per check: (finish time, failover_ms) of every result that measured it.
    struct Point
    {
        qint64 ms;
        double value;
        MetricInterval interval;
    };
    QMap<QString, QList<Point>> byCheck;
    QMap<QString, QString> titles;
    for (const Run &run : runs)
        for (const CheckResult &r : run.results) {
            if ((!checkId.isEmpty() && r.checkId != checkId) || !r.metrics.contains(QStringLiteral("failover_ms")))
                continue;
            const QDateTime when = r.finished.isValid() ? r.finished : run.started;
            byCheck[r.checkId].append({when.toMSecsSinceEpoch(), r.metrics.value(QStringLiteral("failover_ms")),
                                       r.intervals.value(QStringLiteral("failover_ms"))});
            titles.insert(r.checkId, r.title);
        }
    if (byCheck.isEmpty()) {
        m_caption->setText(tr("No stored run measured <code>failover_ms</code>%1 yet.")
                               .arg(checkId.isEmpty() ? QString() : tr(" for check %1").arg(checkId.toHtmlEscaped())));
        return;
    }
    auto *time = new QDateTimeAxis;
    time->setFormat(QStringLiteral("MM-dd hh:mm"));
    time->setTitleText(tr("run finished"));
    auto *value = new QValueAxis;
    value->setTitleText(tr("failover (ms)"));
    value->setLabelFormat(QStringLiteral("%.0f"));
    m_chart->addAxis(time, Qt::AlignBottom);
    m_chart->addAxis(value, Qt::AlignLeft);
    qint64 first = std::numeric_limits<qint64>::max(), last = 0;
    double top = 0, worstResolution = 0;
    for (auto it = byCheck.begin(); it != byCheck.end(); ++it) {
        std::sort(it->begin(), it->end(), [](const Point &a, const Point &b) { return a.ms < b.ms; });
        auto *line = new QLineSeries;
        auto *dots = new QScatterSeries;
        // The lab id first, the title elided: the legend is read at a glance, the tooltip of the caption has the rest.
        const QString title = titles.value(it.key());
        line->setName(title.isEmpty() ? it.key() : QFontMetrics(font()).elidedText(it.key() + QStringLiteral(" · ") + title, Qt::ElideRight, 420));
        dots->setMarkerSize(7);
        QList<QPointF> points;
        for (const Point &p : std::as_const(*it)) {
            points.append(QPointF(double(p.ms), p.value));
            first = std::min(first, p.ms);
            last = std::max(last, p.ms);
            top = std::max(top, std::max(p.value, p.interval.hi));
            worstResolution = std::max(worstResolution, p.interval.width());
        }
        line->replace(points);
        dots->replace(points);
        m_chart->addSeries(line);
        m_chart->addSeries(dots);
        dots->setColor(line->color());
        m_chart->legend()->markers(dots).value(0)->setVisible(false);
        for (QXYSeries *s : {static_cast<QXYSeries *>(line), static_cast<QXYSeries *>(dots)}) {
            s->attachAxis(time);
            s->attachAxis(value);
        }
    }
    const qint64 pad = std::max<qint64>(60'000, (last - first) / 20);
    time->setRange(QDateTime::fromMSecsSinceEpoch(first - pad), QDateTime::fromMSecsSinceEpoch(last + pad));
    value->setRange(0, std::max(10.0, top * 1.15));
    value->applyNiceNumbers();
    m_caption->setText(tr("Failover time per run (fault → a different member leads), truth within intervals up to %1 ms wide.").arg(worstResolution, 0, 'f', 0));
}

int FailoverTrendView::seriesCount() const
{
    return int(m_chart->series().size()) / 2;
}

int FailoverTrendView::pointCount() const
{
    int n = 0;
    for (QAbstractSeries *s : m_chart->series())
        if (auto *scatter = qobject_cast<QScatterSeries *>(s))
            n += int(scatter->count());
    return n;
}
