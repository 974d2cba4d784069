#include "rundetailview.h"

#include "labmatch.h"
#include "livechartview.h"
#include "metricformat.h"
#include "runexporter.h"
#include "runlistmodel.h"
#include "servicelogtext.h"
#include "stepevidenceview.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QSplitter>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace {
QString verdictColour(Verdict v)
{
    switch (v) {
    case Verdict::Pass: return QStringLiteral("#2e7d32");
    case Verdict::Fail:
    case Verdict::Error:
    case Verdict::Aborted: return QStringLiteral("#c62828");
    case Verdict::Deferred: return QStringLiteral("#ef6c00");
    case Verdict::Inconclusive: return QStringLiteral("#8250df"); // the console, not the target: neither red nor green
    default: return QStringLiteral("#546e7a");
    }
}

// As HTML lines: top-level metrics first ("availability_pct"), per-probe ones ("lb.availability_pct") after.
QStringList metricLines(const CheckResult &r)
{
    QStringList plain, perProbe;
    for (auto it = r.metrics.cbegin(); it != r.metrics.cend(); ++it)
        (it.key().contains(QLatin1Char('.')) ? perProbe : plain) << MetricFormat::metric(it.key(), it.value(), r.intervals).toHtmlEscaped();
    return plain + perProbe;
}
} // namespace

RunDetailView::RunDetailView(QWidget *parent)
    : QWidget(parent)
    , m_summary(new QTextBrowser(this))
    , m_check(new QComboBox(this))
    , m_checkSummary(new QLabel(this))
    , m_chart(new LiveChartView(&m_noChart, this))
    , m_steps(new QListWidget(this))
    , m_evidence(new StepEvidenceView(this))
    , m_serviceLogs(new QPlainTextEdit(this))
{
    m_serviceLogs->setObjectName(QStringLiteral("runServiceLogs"));
    m_serviceLogs->setReadOnly(true);
    m_serviceLogs->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_serviceLogs->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setObjectName(QStringLiteral("runDetail"));
    m_summary->setObjectName(QStringLiteral("runSummary"));
    m_summary->setOpenLinks(false);
    m_check->setObjectName(QStringLiteral("runCheck"));
    m_check->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon); // a long title must not widen the window
    m_check->setMinimumContentsLength(24);
    m_checkSummary->setObjectName(QStringLiteral("runCheckSummary"));
    m_checkSummary->setWordWrap(true);
    m_checkSummary->setTextFormat(Qt::RichText);
    m_chart->setObjectName(QStringLiteral("runChart"));
    m_chart->setMinimumHeight(180);
    m_steps->setObjectName(QStringLiteral("runSteps"));
    m_steps->setWordWrap(true);
    m_evidence->setObjectName(QStringLiteral("runStepEvidence"));

    auto *checkBar = new QHBoxLayout;
    checkBar->addWidget(new QLabel(tr("Check:"), this));
    checkBar->addWidget(m_check, 1);

    auto *stepsSplit = new QSplitter(Qt::Vertical, this);
    stepsSplit->addWidget(m_steps);
    stepsSplit->addWidget(m_evidence);
    stepsSplit->addWidget(m_serviceLogs);
    stepsSplit->setStretchFactor(0, 1);
    stepsSplit->setStretchFactor(1, 2);
    stepsSplit->setStretchFactor(2, 1);

    auto *checkSplit = new QSplitter(Qt::Horizontal, this);
    checkSplit->addWidget(m_chart);
    checkSplit->addWidget(stepsSplit);
    checkSplit->setStretchFactor(0, 3);
    checkSplit->setStretchFactor(1, 2);
    // Side by side they must fit a 1280 px window beside the sidebar: neither asks for its full content width.
    m_chart->setMinimumWidth(280);
    stepsSplit->setMinimumWidth(220);

    auto *checkBox = new QWidget(this);
    auto *checkLayout = new QVBoxLayout(checkBox);
    checkLayout->setContentsMargins(0, 0, 0, 0);
    checkLayout->addLayout(checkBar);
    checkLayout->addWidget(m_checkSummary);
    checkLayout->addWidget(checkSplit, 1);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_summary);
    split->addWidget(checkBox);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(m_check, &QComboBox::currentIndexChanged, this, &RunDetailView::showCheck);
    connect(m_steps, &QListWidget::currentRowChanged, this, &RunDetailView::showStep);
}

QString RunDetailView::shownCheckId() const
{
    return m_check->currentData().toString();
}

const SampleTimeline &RunDetailView::timeline() const
{
    return m_shownChart ? m_shownChart->timeline : m_noChart;
}

void RunDetailView::showRun(const Run &run, const RunChartData &charts)
{
    m_run = run;
    m_charts = charts;
    const Lab *lab = labOfRun(run, m_lab);
    QString html = tr("<h3 style='margin:0'>Run of %1 — %2</h3>").arg(run.started.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")),
                                                                        RunListModel::summaryText(run).toHtmlEscaped());
    QStringList versions;
    for (auto it = run.stackVersions.cbegin(); it != run.stackVersions.cend(); ++it)
        versions << it.key().toHtmlEscaped() + QStringLiteral(": ") + it.value().toHtmlEscaped();
    html += QStringLiteral("<table cellpadding='1'>");
    const auto row = [&html](const QString &k, const QString &v) {
        html += QStringLiteral("<tr><td style='color:#666'>%1</td><td>%2</td></tr>").arg(k, v);
    };
    row(tr("Lab"), QStringLiteral("%1 <span style='color:#888'>%2</span>").arg(run.labName.toHtmlEscaped(), run.labPath.toHtmlEscaped()));
    row(tr("Operator"), run.operatorName.toHtmlEscaped());
    row(tr("Started / finished"), MetricFormat::utc(run.started) + QStringLiteral(" → ") + MetricFormat::utc(run.finished) + QStringLiteral(" (%1)").arg(Run::stateText(run.state)));
    row(tr("Console"), tr("halab %1 on %2").arg(run.appVersion.toHtmlEscaped(), run.hostOs.toHtmlEscaped()));
    if (!versions.isEmpty())
        row(tr("Stack"), versions.join(QStringLiteral(" · ")));
    html += QStringLiteral("</table>");
    html += QStringLiteral("<table cellspacing='0' cellpadding='3' border='1' style='border-color:#ddd;margin-top:6px' width='100%'>"
                           "<tr style='background:#f5f5f5'><th></th><th align='left'>%1</th><th>%2</th><th align='left'>%3</th><th align='left'>%4</th></tr>")
                .arg(tr("Check"), tr("Verdict"), tr("Metrics"), tr("Why / note"));
    for (const CheckResult &r : run.results) {
        QString why = RunExporter::reason(r, lab).toHtmlEscaped();
        if (!r.overrideReason.isEmpty())
            why += tr("<br><i>override: %1</i>").arg(r.overrideReason.toHtmlEscaped());
        html += QStringLiteral("<tr><td>%1</td><td>%2</td><td align='center' style='color:%3'><b>%4</b></td><td><code>%5</code></td><td>%6</td></tr>")
                    .arg(RunExporter::mark(r.verdict).toHtmlEscaped(), RunExporter::title(r, lab).toHtmlEscaped(), verdictColour(r.verdict),
                         VerdictText::toString(r.verdict), metricLines(r).join(QStringLiteral("<br>")), why);
    }
    html += QStringLiteral("</table>");
    if (!run.notes.isEmpty())
        html += tr("<p><b>Notes:</b> %1</p>").arg(run.notes.toHtmlEscaped());
    if (!run.serviceLogs.isEmpty()) {
        QStringList counts;
        for (const ServiceLogTally &t : run.serviceLogs)
            counts << (t.dropped > 0 ? tr("%1: %2 lines, %3 dropped at the caps").arg(t.service.toHtmlEscaped()).arg(t.stored).arg(t.dropped)
                                     : tr("%1: %2 lines").arg(t.service.toHtmlEscaped()).arg(t.stored));
        html += tr("<p><b>Service logs</b> (stored with the run, redacted): %1. In a terminal: <code>%2</code></p>")
                    .arg(counts.join(QStringLiteral(" · ")), ServiceLogText::command(run.id).toHtmlEscaped());
    }
    m_summary->setHtml(html);

    const QSignalBlocker block(m_check);
    m_check->clear();
    for (const CheckResult &r : run.results)
        m_check->addItem(QStringLiteral("%1 %2 — %3").arg(RunExporter::mark(r.verdict), RunExporter::title(r, lab), VerdictText::toString(r.verdict)), r.checkId);
    showCheck(m_check->currentIndex());
}

void RunDetailView::selectCheck(const QString &checkId)
{
    const int i = m_check->findData(checkId);
    if (i >= 0)
        m_check->setCurrentIndex(i);
}

void RunDetailView::showCheck(int resultIndex)
{
    m_steps->clear();
    if (resultIndex < 0 || resultIndex >= m_run.results.size()) {
        m_shownChart.reset();
        m_chart->setTimeline(&m_noChart);
        m_chart->refresh();
        m_checkSummary->clear();
        m_evidence->showMessage(tr("This run holds no results."));
        m_serviceLogs->clear();
        return;
    }
    const CheckResult &r = m_run.results.at(resultIndex);
    QList<ServiceLogLine> logs;
    for (const ServiceLogLine &l : std::as_const(m_run.serviceLogLines))
        if (l.checkId == r.checkId)
            logs.append(l);
    QList<ServiceLogTally> dropped; // the markers concern the whole run: shown with every check
    for (const ServiceLogTally &t : std::as_const(m_run.serviceLogs))
        if (t.dropped > 0)
            dropped.append(t);
    const QStringList logText = ServiceLogText::lines(logs, dropped);
    m_serviceLogs->setPlainText(logText.isEmpty() ? tr("No service log lines stored while this check ran.") : logText.join(QLatin1Char('\n')));
    const Lab *lab = labOfRun(m_run, m_lab);
    QString text = tr("<b style='color:%1'>%2</b>").arg(verdictColour(r.verdict), VerdictText::toString(r.verdict));
    if (r.started.isValid())
        text += tr(" · %1 → %2").arg(r.started.toLocalTime().toString(QStringLiteral("HH:mm:ss")), r.finished.toLocalTime().toString(QStringLiteral("HH:mm:ss")));
    if (!r.failures.isEmpty())
        text += QStringLiteral("<br><span style='color:#c62828'>%1</span>").arg(r.failures.join(QStringLiteral("; ")).toHtmlEscaped());
    if (!r.note.isEmpty() && r.note != r.failures.join(QStringLiteral("; ")))
        text += tr("<br>Note: %1").arg(r.note.toHtmlEscaped());
    m_checkSummary->setText(text);

    m_shownChart = m_charts.value(r.checkId);
    m_chart->setTimeline(m_shownChart ? &m_shownChart->timeline : &m_noChart);
    if (m_shownChart)
        m_chart->setWindow(m_shownChart->fromNs, m_shownChart->toNs);
    m_chart->refresh();

    const CheckSpec *spec = lab ? lab->check(r.checkId) : nullptr;
    QHash<int, int> attempts;
    for (const StepOutcome &o : r.steps) {
        const int attempt = ++attempts[o.index];
        const StepSpec *step = spec && o.index >= 0 && o.index < spec->steps.size() ? &spec->steps.at(o.index) : nullptr;
        QString line = QStringLiteral("%1. %2 %3").arg(o.index + 1).arg(o.skipped ? QStringLiteral("–") : o.ok ? QStringLiteral("✓") : QStringLiteral("✗"),
                                                                          step && !step->title.isEmpty() ? step->title : o.summary);
        if (attempt > 1)
            line += tr(" (again, #%1)").arg(attempt);
        auto *item = new QListWidgetItem(line, m_steps);
        item->setToolTip(o.summary);
        item->setForeground(o.ok ? QColor(0x21, 0x21, 0x21) : QColor(0xc6, 0x28, 0x28));
    }
    if (r.steps.isEmpty())
        m_evidence->showMessage(tr("No step evidence: this verdict was given without running steps here."));
    else
        m_steps->setCurrentRow(0);
}

void RunDetailView::showStep(int row)
{
    const int result = m_check->currentIndex();
    if (result < 0 || result >= m_run.results.size())
        return;
    const CheckResult &r = m_run.results.at(result);
    if (row < 0 || row >= r.steps.size())
        return;
    const Lab *lab = labOfRun(m_run, m_lab);
    const CheckSpec *spec = lab ? lab->check(r.checkId) : nullptr;
    const StepOutcome &o = r.steps.at(row);
    const StepSpec *step = spec && o.index >= 0 && o.index < spec->steps.size() ? &spec->steps.at(o.index) : nullptr;
    m_evidence->showOutcome(o, step);
}
