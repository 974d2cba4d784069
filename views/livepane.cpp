#include "livepane.h"

#include "elidedname.h"
#include "livechartview.h"
#include "metricformat.h"
#include "verdictexplanation.h"

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
    , m_metrics(new QTableWidget(0, 3, this))
    , m_explanation(new QLabel(this))
{
    setObjectName(QStringLiteral("livePane"));
    m_metrics->setObjectName(QStringLiteral("liveMetrics"));
    m_metrics->setHorizontalHeaderLabels({tr("Probe"), tr("Metric"), tr("Value")});
    m_metrics->verticalHeader()->hide();
    m_metrics->horizontalHeader()->setStretchLastSection(true);
    // Metric names are the ids people look up (lb.longest_outage_ms): whole, never elided.
    m_metrics->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_metrics->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    // Long titles wrap inside the pane instead of widening the window.
    m_title->setWordWrap(true);
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_explanation->setObjectName(QStringLiteral("verdictExplanation"));
    m_explanation->setWordWrap(true);
    m_explanation->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_explanation->setTextFormat(Qt::RichText);
    m_explanation->hide();
    m_metrics->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_metrics->setMinimumWidth(330); // probe, metric and a value with its unit and interval, uncut
    m_metrics->setWordWrap(false);
    m_metrics->verticalHeader()->setDefaultSectionSize(m_metrics->fontMetrics().height() + 6);
    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_chart);
    split->addWidget(m_metrics);
    split->setStretchFactor(0, 4);
    split->setStretchFactor(1, 1);
    split->setSizes({900, 340}); // the chart is what people watch; metrics need a narrow column
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_title);
    layout->addWidget(m_explanation);
    layout->addWidget(split, 1);
}

void LivePane::beginCheck(const QString &title)
{
    m_timeline.clear();
    m_metrics->setRowCount(0);
    m_notJudged.clear();
    m_explanation->hide();
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

void LivePane::addRoleRounds(const RoleSampleBatch &rounds)
{
    const quint64 before = m_timeline.revision();
    m_timeline.addRoleRounds(rounds);
    if (m_timeline.revision() != before) // most rounds change nothing the chart shows
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
        if (VerdictExplanation::isAliasOfProbeMetric(metrics, it.key()))
            continue; // shown once, on the probe's row
        const int row = m_metrics->rowCount();
        m_metrics->insertRow(row);
        const qsizetype dot = it.key().indexOf(QLatin1Char('.'));
        const QString probe = dot > 0 ? it.key().left(dot) : tr("check");
        const QString name = dot > 0 ? it.key().mid(dot + 1) : it.key();
        // Timings with the interval that holds the truth, others with their unit.
        const QString value = VerdictExplanation::valueText(it.key(), it.value(), intervals);
        auto *valueItem = new QTableWidgetItem(value);
        valueItem->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_metrics->setItem(row, 0, new QTableWidgetItem(probe));
        m_metrics->setItem(row, 1, new QTableWidgetItem(name));
        m_metrics->setItem(row, 2, valueItem);
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

void LivePane::setExplanation(const VerdictExplanation &why, const QMap<QString, double> &metrics)
{
    const QString html = why.html(metrics);
    m_explanation->setText(html.isEmpty() ? tr("No expectation decided this verdict.") : html);
    m_explanation->show();
    m_notJudged = QSet<QString>(why.notJudged.cbegin(), why.notJudged.cend());
    // Grey out the rows nobody judged.
    for (int row = 0; row < m_metrics->rowCount(); ++row) {
        const QString probe = m_metrics->item(row, 0)->text();
        const QString key = probe == tr("check") ? m_metrics->item(row, 1)->text() : probe + QLatin1Char('.') + m_metrics->item(row, 1)->text();
        if (!m_notJudged.contains(key))
            continue;
        for (int c = 0; c < 3; ++c) {
            m_metrics->item(row, c)->setForeground(palette().color(QPalette::Disabled, QPalette::Text));
            m_metrics->item(row, c)->setToolTip(tr("Not judged: no expectation of this check bounds %1").arg(key));
        }
    }
}
