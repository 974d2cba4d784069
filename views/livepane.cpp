#include "livepane.h"

#include "elidedname.h"
#include "livechartview.h"
#include "metricformat.h"

#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

LivePane::LivePane(QWidget *parent)
    : QWidget(parent)
    , m_chart(new LiveChartView(&m_timeline, this))
    , m_title(new QLabel(tr("<i>No check is running. Start the stack, select a check and press Run check.</i>"), this))
    , m_metrics(new QTableWidget(0, 2, this))
{
    setObjectName(QStringLiteral("livePane"));
    m_metrics->setObjectName(QStringLiteral("liveMetrics"));
    m_metrics->setHorizontalHeaderLabels({tr("Metric"), tr("Value")});
    m_metrics->verticalHeader()->hide();
    m_metrics->horizontalHeader()->setStretchLastSection(true);
    // Metric names are the ids people look up (lb.longest_outage_ms): whole, never elided.
    m_metrics->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_metrics->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_metrics->setMinimumWidth(260);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_chart);
    split->addWidget(m_metrics);
    split->setStretchFactor(0, 4);
    split->setStretchFactor(1, 1);
    split->setSizes({900, 260}); // the chart is what people watch; metrics need a narrow column
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_title);
    layout->addWidget(split, 1);
}

void LivePane::beginCheck(const QString &title)
{
    m_timeline.clear();
    m_metrics->setRowCount(0);
    m_title->setText(tr("<b>%1</b> — running").arg(elidedName(title).toHtmlEscaped()));
    m_chart->setFollowLatest();
    m_chart->refresh();
}

void LivePane::addSamples(const ProbeSampleBatch &batch)
{
    m_timeline.addSamples(batch);
    m_chart->scheduleRefresh(); // coalesced: at most ~10 repaints a second however fast batches come
}

void LivePane::addEvent(const RunEvent &event)
{
    m_timeline.addEvent(event);
    m_chart->scheduleRefresh();
}

void LivePane::addFailover(qint64 fromNs, qint64 toNs, double resolutionMs)
{
    // The leader change was seen at most one role interval after it happened: truth in [seen - interval, seen].
    const double seenMs = double(toNs - fromNs) / 1e6;
    m_timeline.addMeasuredSpan({fromNs, toNs, tr("failover %1 ms (%2)").arg(seenMs, 0, 'f', 0).arg(MetricFormat::interval({std::max(0.0, seenMs - resolutionMs), seenMs}))});
    m_chart->scheduleRefresh();
}

void LivePane::setMetrics(const QMap<QString, double> &metrics, const MetricIntervals &intervals, const QString &verdict)
{
    m_metrics->setRowCount(0);
    for (auto it = metrics.cbegin(); it != metrics.cend(); ++it) {
        const int row = m_metrics->rowCount();
        m_metrics->insertRow(row);
        const QString value = intervals.contains(it.key())             ? MetricFormat::value(it.key(), it.value(), intervals)
                              : it.key().endsWith(QLatin1String("_pct")) ? QString::number(it.value(), 'f', 2)
                                                                         : QString::number(it.value(), 'g', 7);
        m_metrics->setItem(row, 0, new QTableWidgetItem(it.key()));
        m_metrics->setItem(row, 1, new QTableWidgetItem(value));
    }
    if (!verdict.isEmpty()) {
        // The check is over: show its whole span across the full width instead of a sliding window.
        const qint64 from = m_timeline.originNs() ? m_timeline.originNs() : m_timeline.firstNs();
        if (m_timeline.lastNs() > from)
            m_chart->setWindow(from, m_timeline.lastNs() + (m_timeline.lastNs() - from) / 50);
        const QString title = m_title->text().section(QStringLiteral(" — "), 0, 0);
        m_title->setText(QStringLiteral("%1 — <b>%2</b>").arg(title, verdict));
    }
}
