#include "runcompareview.h"
#include "verdictexplanation.h"

#include "livechartview.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace {
const CheckResult *resultOf(const Run &run, const QString &checkId)
{
    for (const CheckResult &r : run.results)
        if (r.checkId == checkId)
            return &r;
    return nullptr;
}

QTableWidget *table(const QString &name, const QStringList &headers, QWidget *parent)
{
    auto *t = new QTableWidget(0, int(headers.size()), parent);
    t->setObjectName(name);
    t->setHorizontalHeaderLabels(headers);
    t->verticalHeader()->hide();
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setAlternatingRowColors(true);
    t->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    t->horizontalHeader()->setStretchLastSection(true);
    t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
    return t;
}

QString runLabel(const Run &run)
{
    return QStringLiteral("%1 · %2").arg(run.started.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")), run.operatorName);
}

QString cell(const CheckResult *r, const QString &metric)
{
    if (!r || !r->metrics.contains(metric))
        return QStringLiteral("—");
    return VerdictExplanation::valueText(metric, r->metrics.value(metric), r->intervals);
}
} // namespace

RunCompareView::RunCompareView(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_verdicts(table(QStringLiteral("compareVerdicts"), {tr("Check"), tr("A"), tr("B"), tr("Change")}, this))
    , m_metrics(table(QStringLiteral("compareMetrics"), {tr("Check"), tr("Metric"), tr("Δ (B − A)"), tr("A"), tr("B")}, this))
    , m_check(new QComboBox(this))
    , m_labelA(new QLabel(this))
    , m_labelB(new QLabel(this))
    , m_chartA(new LiveChartView(&m_noChart, this))
    , m_chartB(new LiveChartView(&m_noChart, this))
{
    setObjectName(QStringLiteral("runCompare"));
    // Long check titles elide; the verdicts and numbers always show.
    m_verdicts->horizontalHeader()->setStretchLastSection(false);
    m_verdicts->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    // Metric names are what a reader looks for: whole (the table scrolls sideways instead).
    m_metrics->setTextElideMode(Qt::ElideNone);
    m_verdicts->setWordWrap(false);
    m_metrics->setWordWrap(false);
    m_title->setObjectName(QStringLiteral("compareTitle"));
    m_check->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon); // a long title must not widen the window
    m_check->setMinimumContentsLength(24);
    for (QLabel *label : {m_title, m_labelA, m_labelB}) {
        label->setWordWrap(true);
        label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    }
    m_title->setTextFormat(Qt::RichText);
    m_check->setObjectName(QStringLiteral("compareCheck"));
    m_chartA->setObjectName(QStringLiteral("compareChartA"));
    m_chartB->setObjectName(QStringLiteral("compareChartB"));
    m_chartA->setMinimumHeight(100); // two must fit a 800 px screen with the runs list above
    m_chartB->setMinimumHeight(100);
    m_labelA->setTextFormat(Qt::RichText);
    m_labelB->setTextFormat(Qt::RichText);

    auto *tables = new QSplitter(Qt::Horizontal, this);
    tables->addWidget(m_verdicts);
    tables->addWidget(m_metrics);
    // The metrics table carries whole names, both values and the change: it gets the room.
    tables->setStretchFactor(0, 1);
    tables->setStretchFactor(1, 2);

    auto *charts = new QWidget(this);
    auto *chartsLayout = new QVBoxLayout(charts);
    chartsLayout->setContentsMargins(0, 0, 0, 0);
    chartsLayout->setSpacing(2);
    auto *checkBar = new QHBoxLayout;
    checkBar->addWidget(new QLabel(tr("Charts of check:"), charts));
    checkBar->addWidget(m_check, 1);
    chartsLayout->addLayout(checkBar);
    chartsLayout->addWidget(m_labelA);
    chartsLayout->addWidget(m_chartA, 1);
    chartsLayout->addWidget(m_labelB);
    chartsLayout->addWidget(m_chartB, 1);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(tables);
    split->addWidget(charts);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 5);
    split->setSizes({190, 560}); // two charts need the height; the tables scroll
    split->setChildrenCollapsible(false); // a short pane squeezes the tables, never hides the charts
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(split, 1);

    connect(m_check, &QComboBox::currentIndexChanged, this, &RunCompareView::showCharts);
}

void RunCompareView::showRuns(const Run &a, const RunChartData &chartsA, const Run &b, const RunChartData &chartsB)
{
    m_a = a;
    m_b = b;
    m_chartsA = chartsA;
    m_chartsB = chartsB;
    m_title->setText(tr("<b>A</b> %1 &nbsp;→&nbsp; <b>B</b> %2").arg(runLabel(a).toHtmlEscaped(), runLabel(b).toHtmlEscaped()));

    // Checks both runs hold first (they are what can have changed), in A's order, then the rest.
    QStringList checks;
    QHash<QString, QString> titles;
    for (const Run *run : {&a, &b})
        for (const CheckResult &r : run->results) {
            if (!checks.contains(r.checkId))
                checks << r.checkId;
            if (!r.title.isEmpty())
                titles.insert(r.checkId, r.title);
        }
    std::stable_partition(checks.begin(), checks.end(), [&](const QString &id) { return resultOf(a, id) && resultOf(b, id); });

    m_verdicts->setRowCount(0);
    m_metrics->setRowCount(0);
    // The metrics of one check, A against B: every metric either run measured.
    const auto addMetricRows = [this](const QString &id, const CheckResult *ra, const CheckResult *rb) {
        QStringList metrics;
        for (const CheckResult *r : {ra, rb})
            if (r)
                for (auto it = r->metrics.cbegin(); it != r->metrics.cend(); ++it)
                    if (!metrics.contains(it.key()))
                        metrics << it.key();
        std::sort(metrics.begin(), metrics.end());
        for (const QString &m : std::as_const(metrics)) {
            const int mr = m_metrics->rowCount();
            m_metrics->insertRow(mr);
            m_metrics->setItem(mr, 0, new QTableWidgetItem(id));
            m_metrics->setItem(mr, 1, new QTableWidgetItem(m));
            // The change beside the name (what a reader scans for), then the two values.
            m_metrics->setItem(mr, 3, new QTableWidgetItem(cell(ra, m)));
            m_metrics->setItem(mr, 4, new QTableWidgetItem(cell(rb, m)));
            const bool both = ra && rb && ra->metrics.contains(m) && rb->metrics.contains(m);
            const QString moved = both ? VerdictExplanation::deltaText(m, ra->metrics.value(m), rb->metrics.value(m)) : QStringLiteral("—");
            auto *d = new QTableWidgetItem(moved);
            d->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (both && moved != QLatin1String("0")) {
                QFont f = d->font();
                f.setBold(true);
                d->setFont(f);
            }
            m_metrics->setItem(mr, 2, d);
        }
    };
    for (const QString &id : std::as_const(checks)) {
        const CheckResult *ra = resultOf(a, id);
        const CheckResult *rb = resultOf(b, id);
        const Verdict va = ra ? ra->verdict : Verdict::NotRun;
        const Verdict vb = rb ? rb->verdict : Verdict::NotRun;
        const QString name = titles.contains(id) ? QStringLiteral("%1. %2").arg(id, titles.value(id)) : id;
        const int row = m_verdicts->rowCount();
        m_verdicts->insertRow(row);
        auto *nameItem = new QTableWidgetItem(name);
        nameItem->setToolTip(name);
        m_verdicts->setItem(row, 0, nameItem);
        m_verdicts->setItem(row, 1, new QTableWidgetItem(ra ? VerdictText::toString(va) : QStringLiteral("—")));
        m_verdicts->setItem(row, 2, new QTableWidgetItem(rb ? VerdictText::toString(vb) : QStringLiteral("—")));
        if (!ra || !rb) {
            // A check one sitting did not take up is not a change of verdict.
            auto *only = new QTableWidgetItem(ra ? tr("only in A") : tr("only in B"));
            only->setForeground(QColor(0x75, 0x75, 0x75));
            m_verdicts->setItem(row, 3, only);
            addMetricRows(id, ra, rb);
            continue;
        }
        auto *change = new QTableWidgetItem(va == vb ? tr("same") : QStringLiteral("%1 → %2").arg(VerdictText::toString(va), VerdictText::toString(vb)));
        if (va != vb) {
            const bool better = vb == Verdict::Pass;
            const bool worse = va == Verdict::Pass || vb == Verdict::Fail || vb == Verdict::Error || vb == Verdict::Inconclusive;
            change->setForeground(better ? QColor(0x2e, 0x7d, 0x32) : worse ? QColor(0xc6, 0x28, 0x28) : QColor(0xef, 0x6c, 0x00));
            QFont f = change->font();
            f.setBold(true);
            change->setFont(f);
        }
        m_verdicts->setItem(row, 3, change);
        addMetricRows(id, ra, rb);
    }

    const QSignalBlocker block(m_check);
    m_check->clear();
    int firstChart = -1;
    for (const QString &id : std::as_const(checks)) {
        const bool charted = m_chartsA.contains(id) || m_chartsB.contains(id);
        m_check->addItem(titles.contains(id) ? QStringLiteral("%1. %2").arg(id, titles.value(id)) : id, id);
        if (charted && firstChart < 0)
            firstChart = m_check->count() - 1;
    }
    m_check->setCurrentIndex(firstChart >= 0 ? firstChart : 0);
    showCharts(m_check->currentIndex());
}

void RunCompareView::selectCheck(const QString &checkId)
{
    const int i = m_check->findData(checkId);
    if (i >= 0)
        m_check->setCurrentIndex(i);
}

void RunCompareView::showCharts(int index)
{
    const QString id = m_check->itemData(index).toString();
    const CheckResult *ra = resultOf(m_a, id);
    const CheckResult *rb = resultOf(m_b, id);
    m_shownA = ra ? m_chartsA.value(id) : nullptr;
    m_shownB = rb ? m_chartsB.value(id) : nullptr;
    m_chartA->setTimeline(m_shownA ? &m_shownA->timeline : &m_noChart);
    m_chartB->setTimeline(m_shownB ? &m_shownB->timeline : &m_noChart);
    // One time scale for both, so the eye can overlay them: each from its own check start, as wide as the longer.
    const qint64 fromA = m_shownA ? m_shownA->fromNs : 0, fromB = m_shownB ? m_shownB->fromNs : 0;
    const qint64 width = std::max({m_shownA ? m_shownA->spanNs() : 0, m_shownB ? m_shownB->spanNs() : 0, qint64(1'000'000'000)});
    m_chartA->setWindow(fromA, fromA + width);
    m_chartB->setWindow(fromB, fromB + width);
    // ...and one latency scale: each finds its own, both take the larger.
    m_chartA->setLatencyScale(0);
    m_chartB->setLatencyScale(0);
    m_chartA->refresh();
    m_chartB->refresh();
    const double shared = std::max(m_chartA->latencyScale(), m_chartB->latencyScale());
    m_chartA->setLatencyScale(shared);
    m_chartB->setLatencyScale(shared);
    m_chartA->refresh();
    m_chartB->refresh();
    const auto label = [](const QString &which, const Run &run, const CheckResult *r) {
        return QStringLiteral("<b>%1</b> %2 — %3").arg(which, runLabel(run).toHtmlEscaped(), r ? VerdictText::toString(r->verdict) : tr("not in this run"));
    };
    m_labelA->setText(label(QStringLiteral("A"), m_a, ra));
    m_labelB->setText(label(QStringLiteral("B"), m_b, rb));
}
