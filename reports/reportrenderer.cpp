#include "reportrenderer.h"

#include "servicelogtext.h"

#include "expectationoutcome.h"
#include "metricformat.h"
#include "readinessevaluator.h"
#include "runexporter.h"
#include "verdictexplanation.h"

#include <QAbstractTextDocumentLayout>
#include <QBuffer>
#include <QFileInfo>
#include <QFont>
#include <QFontMetricsF>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QTextDocument>
#include <QTextOption>
#include <QUrl>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

constexpr int kChartWidth = 640; // CSS px: fits A4 between the PDF margins at 96 dpi

QString esc(const QString &text)
{
    return text.toHtmlEscaped();
}

QString verdictColor(Verdict v)
{
    switch (v) {
    case Verdict::Pass: return u"#1a7f37"_s;
    case Verdict::Fail: return u"#cf222e"_s;
    case Verdict::Error:
    case Verdict::Aborted: return u"#8c1111"_s;
    case Verdict::Deferred: return u"#9a6700"_s;
    case Verdict::NotApplicable: return u"#57606a"_s;
    case Verdict::NotRun: return u"#8c959f"_s;
    case Verdict::Running: return u"#0969da"_s;
    case Verdict::Inconclusive: return u"#8250df"_s;
    }
    return u"#57606a"_s;
}

QString badge(const QString &text, const QString &color)
{
    return u"<span style=\"color:#ffffff; background-color:%1; font-weight:bold;\">&nbsp;%2&nbsp;</span>"_s.arg(color, esc(text));
}

QString verdictBadge(Verdict v)
{
    return badge(VerdictText::toString(v), verdictColor(v));
}

QString statusColor(ReadinessResult::Status s)
{
    switch (s) {
    case ReadinessResult::Status::Ok: return u"#1a7f37"_s;
    case ReadinessResult::Status::Fail: return u"#cf222e"_s;
    case ReadinessResult::Status::Stale: return u"#bc4c00"_s;
    case ReadinessResult::Status::Deferred: return u"#9a6700"_s;
    case ReadinessResult::Status::Missing: return u"#57606a"_s;
    }
    return u"#57606a"_s;
}

QString pre(const QStringList &lines)
{
    return u"<pre>"_s % esc(lines.join(u'\n')) % u"</pre>\n"_s;
}

const QString kTable = u"<table class=\"grid\" width=\"100%\" border=\"1\" cellspacing=\"0\" cellpadding=\"4\">\n"_s;

const QString kStyle = u"body { font-family: 'DejaVu Sans', 'Segoe UI', Arial, sans-serif; font-size: 10pt; color: #1f2328; }\n"
                       u"h1 { font-size: 17pt; margin-bottom: 2px; }\n"
                       u"h2 { font-size: 13pt; margin-top: 18px; margin-bottom: 6px; color: #24292f; }\n"
                       u"h3 { font-size: 11pt; margin-top: 14px; margin-bottom: 4px; }\n"
                       u"table.grid { border-collapse: collapse; border-color: #c8ccd0; border-style: solid; margin-top: 4px; margin-bottom: 6px; }\n"
                       u"table.grid th { background-color: #eef1f4; text-align: left; border: 1px solid #c8ccd0; padding: 3px 6px; }\n"
                       u"table.grid td { border: 1px solid #c8ccd0; padding: 3px 6px; vertical-align: top; }\n"
                       u"table.meta td { padding: 1px 10px 1px 0; vertical-align: top; }\n"
                       u"pre { white-space: pre-wrap; font-family: 'DejaVu Sans Mono', monospace; font-size: 8pt;"
                       u" background-color: #f6f8fa; margin-top: 2px; margin-bottom: 6px; }\n"
                       u"p { margin-top: 3px; margin-bottom: 3px; }\n"
                       u".muted { color: #57606a; }\n"
                       u"img { max-width: 100%; }\n"_s;

} // namespace

QString ReportRenderer::overallVerdict(const Run &run)
{
    bool anyPass = false;
    for (const CheckResult &r : run.results) {
        if (r.verdict == Verdict::Fail || r.verdict == Verdict::Error || r.verdict == Verdict::Aborted)
            return u"FAIL"_s; // one failed check fails the run
        anyPass = anyPass || r.verdict == Verdict::Pass;
    }
    return anyPass ? u"PASS"_s : u"NO VERDICT"_s;
}

QString ReportRenderer::chartName(const QString &checkId)
{
    return u"halab-chart:"_s % QString::fromLatin1(QUrl::toPercentEncoding(checkId));
}

QString ReportRenderer::html(const Run &run, const QList<ReadinessResult> &readiness, const QHash<QString, QImage> &chartsByCheckId,
                             const Lab *lab)
{
    return document(run, readiness, chartsByCheckId, lab, Images::Inline);
}

QString ReportRenderer::document(const Run &run, const QList<ReadinessResult> &readiness, const QHash<QString, QImage> &charts,
                                 const Lab *lab, Images images)
{
    const QString date = run.started.isValid() ? run.started.toUTC().toString(u"yyyy-MM-dd"_s) : QString();
    const QString labName = run.labName.isEmpty() ? u"unnamed lab"_s : run.labName;
    QString h;
    h += u"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>"_s % esc(u"HA Lab Console run — %1 — %2"_s.arg(labName, date))
         % u"</title>\n<style>\n"_s % kStyle % u"</style></head>\n<body>\n"_s;
    h += u"<h1>"_s % esc(labName) % u" — HA validation run</h1>\n"_s;

    // Page 1: what a manager reads. The overall verdict, readiness and one row per check.
    const QString overall = overallVerdict(run);
    h += u"<table class=\"meta\" cellspacing=\"0\" cellpadding=\"2\">\n"_s;
    auto meta = [&h](const QString &key, const QString &valueHtml) {
        h += u"<tr><td><b>"_s % esc(key) % u"</b></td><td>"_s % (valueHtml.isEmpty() ? u"—"_s : valueHtml) % u"</td></tr>\n"_s;
    };
    meta(u"Lab"_s, esc(labName));
    meta(u"Date"_s, esc(MetricFormat::utc(run.started)));
    meta(u"Operator"_s, esc(run.operatorName));
    meta(u"Overall verdict"_s, badge(overall, overall == u"PASS"_s ? u"#1a7f37"_s : overall == u"FAIL"_s ? u"#cf222e"_s : u"#57606a"_s)
                                   % u" &nbsp;"_s % esc(RunExporter::summary(run)));
    if (!readiness.isEmpty()) {
        QStringList levels;
        for (const ReadinessResult &level : readiness)
            levels << esc(level.name) % u" "_s
                          % (level.ready ? badge(u"READY"_s, u"#1a7f37"_s) : badge(u"NOT YET"_s, u"#cf222e"_s));
        meta(u"Readiness"_s, levels.join(u" &nbsp; "_s));
    }
    h += u"</table>\n"_s;

    h += u"<h2>Checks</h2>\n"_s % kTable
         % u"<tr><th width=\"14%\">ID</th><th width=\"36%\">Check</th><th width=\"14%\">Verdict</th><th width=\"36%\">Deciding figures</th></tr>\n"_s;
    for (const CheckResult &r : run.results) {
        const VerdictExplanation why = VerdictExplanation::of(r, lab ? lab->check(r.checkId) : nullptr);
        QString figures = esc(why.decidingFigures());
        if (figures.isEmpty() && r.verdict != Verdict::Pass && r.verdict != Verdict::Fail)
            figures = u"<span class=\"muted\">"_s % esc(RunExporter::reason(r, lab)) % u"</span>"_s;
        h += u"<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td></tr>\n"_s.arg(esc(r.checkId), esc(RunExporter::title(r, lab)),
                                                                                 verdictBadge(r.verdict), figures);
    }
    h += u"</table>\n"_s;

    // The run's particulars, below the summary.
    h += u"<h2>Run</h2>\n<table class=\"meta\" cellspacing=\"0\" cellpadding=\"2\">\n"_s;
    meta(u"HA Lab Console version"_s, esc(run.appVersion));
    meta(u"Lab file"_s, esc(run.labPath));
    for (auto it = run.stackVersions.cbegin(); it != run.stackVersions.cend(); ++it)
        meta(it.key(), esc(it.value()));
    meta(u"Host OS"_s, esc(run.hostOs));
    meta(u"Run"_s, esc(run.id) % u" ("_s % esc(Run::stateText(run.state)) % u")"_s);
    meta(u"Started"_s, esc(MetricFormat::utc(run.started)));
    meta(u"Finished"_s, esc(MetricFormat::utc(run.finished)));
    h += u"</table>\n"_s;

    // One section per check, each from a new page: chart across the page, then its evidence.
    for (const CheckResult &r : run.results) {
        QString head = esc(r.checkId) % u". "_s % esc(RunExporter::title(r, lab)) % u" &nbsp;"_s % verdictBadge(r.verdict);
        if (r.started.isValid() && r.finished.isValid() && r.finished > r.started)
            head += u" <span class=\"muted\">("_s % esc(MetricFormat::duration(double(r.started.msecsTo(r.finished)))) % u")</span>"_s;
        h += u"<h2 style=\"page-break-before: always;\">"_s % head % u"</h2>\n"_s;
        if (r.verdict == Verdict::NotApplicable || r.verdict == Verdict::Deferred || r.verdict == Verdict::NotRun) {
            const QString why = RunExporter::reason(r, lab);
            h += u"<p>"_s % esc(why.isEmpty() ? u"Not run."_s : u"Reason: "_s % why) % u"</p>\n"_s;
        }
        const auto chart = charts.constFind(r.checkId);
        if (chart != charts.cend() && !chart->isNull()) {
            const QSizeF logical = chart->deviceIndependentSize();
            const int w = kChartWidth;
            const int ht = logical.width() > 0 ? int(logical.height() * w / logical.width()) : int(logical.height());
            QString src;
            if (images == Images::Inline) {
                QByteArray png;
                QBuffer buffer(&png);
                buffer.open(QIODevice::WriteOnly);
                chart->save(&buffer, "PNG");
                src = u"data:image/png;base64,"_s % QString::fromLatin1(png.toBase64());
            } else {
                src = chartName(r.checkId);
            }
            h += u"<p><img src=\"%1\" width=\"%2\" height=\"%3\" alt=\"%4\"></p>\n"_s.arg(src).arg(w).arg(ht).arg(
                esc(u"Probe chart of "_s % RunExporter::title(r, lab)));
        }
        const VerdictExplanation why = VerdictExplanation::of(r, lab ? lab->check(r.checkId) : nullptr);
        if (!why.notJudged.isEmpty() && (r.verdict == Verdict::Pass || r.verdict == Verdict::Fail))
            h += u"<p class=\"muted\">Not judged (no expectation bounds them): "_s % esc(why.notJudged.join(u", "_s)) % u"</p>\n"_s;
        const QList<ExpectationOutcome> expectations = RunExporter::expectations(r, lab);
        if (!expectations.isEmpty()) {
            h += kTable % u"<tr><th width=\"4%\"></th><th width=\"46%\">Expectation</th><th width=\"50%\">Measured</th></tr>\n"_s;
            for (const ExpectationOutcome &e : expectations) {
                const QString mark = !e.evaluated ? u"·"_s
                                     : e.passed   ? u"<span style=\"color:#1a7f37;\"><b>✓</b></span>"_s
                                                  : u"<span style=\"color:#cf222e;\"><b>✗</b></span>"_s;
                const QString value = !e.evaluated ? u"not evaluated"_s
                                      : e.measured ? e.measuredText(r.intervals)
                                                   : u"not measured"_s;
                h += u"<tr><td>%1</td><td>%2</td><td>%3</td></tr>\n"_s.arg(mark, esc(e.text), esc(value));
            }
            h += u"</table>\n"_s;
        }
        if (!r.metrics.isEmpty()) {
            h += kTable % u"<tr><th width=\"50%\">Metric</th><th width=\"25%\">Value</th><th width=\"25%\">Truth within (ms)</th></tr>\n"_s;
            for (auto it = r.metrics.cbegin(); it != r.metrics.cend(); ++it) {
                if (VerdictExplanation::isAliasOfProbeMetric(r.metrics, it.key()))
                    continue;
                const auto in = r.intervals.constFind(it.key());
                h += u"<tr><td>%1</td><td>%2</td><td>%3</td></tr>\n"_s.arg(esc(it.key()), esc(VerdictExplanation::valueText(it.key(), it.value())),
                                                                         in == r.intervals.cend() ? QString() : esc(MetricFormat::interval(in.value())));
            }
            h += u"</table>\n"_s;
        }
        if (!r.steps.isEmpty()) {
            h += kTable % u"<tr><th width=\"5%\">#</th><th width=\"12%\">Result</th><th width=\"70%\">What happened</th><th width=\"12%\">Took</th></tr>\n"_s;
            for (qsizetype s = 0; s < r.steps.size(); ++s) {
                const StepOutcome &step = r.steps.at(s);
                const QString result = step.skipped ? u"skipped"_s
                                       : step.ok    ? u"<span style=\"color:#1a7f37;\"><b>✓ ok</b></span>"_s
                                                    : u"<span style=\"color:#cf222e;\"><b>✗ failed</b></span>"_s;
                const QString title = RunExporter::stepTitle(step, s, r, lab);
                QString what = u"<b>"_s % esc(title) % u"</b>"_s;
                const QString detail = step.summary.isEmpty() ? step.request : step.summary;
                if (!detail.isEmpty() && detail != title)
                    what += u"<br><span class=\"muted\">"_s % esc(detail.section(u'\n', 0, 0)) % u"</span>"_s;
                if (!step.matrix.isEmpty()) {
                    what += u"<br><table class=\"grid\" border=\"1\" cellspacing=\"0\" cellpadding=\"2\">"
                            u"<tr><th>Row</th><th>Expected</th><th>Actual</th><th></th></tr>"_s;
                    for (qsizetype m = 0; m < step.matrix.size(); ++m) {
                        const QPair<int, int> &row = step.matrix.at(m);
                        what += u"<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td></tr>"_s.arg(m + 1).arg(row.first).arg(row.second).arg(
                            row.first == row.second ? u"✓"_s : u"<span style=\"color:#cf222e;\"><b>✗</b></span>"_s);
                    }
                    what += u"</table>"_s;
                }
                const QStringList body = RunExporter::trimmed(step.body);
                if (!body.isEmpty())
                    what += pre(body);
                const QStringList err = step.ok ? QStringList() : RunExporter::trimmed(step.stderrText, 2);
                if (!err.isEmpty())
                    what += pre(err);
                h += u"<tr><td>%1</td><td>%2</td><td>%3</td><td>%4</td></tr>\n"_s.arg(RunExporter::stepNumber(step, s))
                         .arg(result, what, step.durationMs > 0 ? esc(MetricFormat::duration(step.durationMs)) : QString());
            }
            h += u"</table>\n"_s;
        }
        if (r.stoppedAtStep >= 0)
            h += u"<p>"_s % esc(u"Stopped at step %1 (it failed): probes are summarised up to there."_s.arg(r.stoppedAtStep + 1)) % u"</p>\n"_s;
        if (!r.failures.isEmpty()) {
            h += u"<p><b>Failures</b></p>\n<ul>\n"_s;
            for (const QString &f : r.failures)
                h += u"<li>"_s % esc(f) % u"</li>\n"_s;
            h += u"</ul>\n"_s;
        }
        if (!r.note.isEmpty() && r.note != r.failures.join(u"; "_s) && r.verdict != Verdict::NotApplicable
            && r.verdict != Verdict::Deferred && r.verdict != Verdict::NotRun)
            h += u"<p><b>Note:</b> "_s % esc(r.note) % u"</p>\n"_s;
        if (!r.overrideReason.isEmpty())
            h += u"<p><b>Verdict set by the engineer:</b> "_s % esc(r.overrideReason) % u"</p>\n"_s;
    }

    if (!run.serviceLogs.isEmpty()) {
        // As the run log says it: the lines stay in the store, the report names them and how to print them.
        h += u"<h2>Service logs</h2>\n<p>Stored with the run, secrets redacted. Print them with <code>"_s
             % esc(ServiceLogText::command(run.id)) % u"</code> (one service: <code>--service NAME</code>).</p>\n"_s;
        h += u"<table class=\"meta\" cellspacing=\"0\" cellpadding=\"2\">\n<tr><th align=\"left\">Service</th>"
             u"<th align=\"right\">Lines stored</th><th align=\"right\">Lines dropped at the caps</th></tr>\n"_s;
        for (const ServiceLogTally &t : run.serviceLogs)
            h += u"<tr><td>%1</td><td align=\"right\">%2</td><td align=\"right\">%3</td></tr>\n"_s.arg(esc(t.service)).arg(t.stored).arg(t.dropped);
        h += u"</table>\n"_s;
    }

    h += u"<h2 style=\"page-break-before: always;\">Notes and anomalies</h2>\n"_s;
    QStringList anomalies;
    if (run.state == Run::State::Interrupted)
        anomalies << u"The run was interrupted (its writer ended before finishing it); results after that point are missing."_s;
    if (run.state == Run::State::Incomplete)
        anomalies << u"The run is incomplete: some of its evidence could not be stored (see the run's notes)."_s;
    for (qsizetype i = 0; i < run.results.size(); ++i) {
        const CheckResult &r = run.results.at(i);
        if (!r.overrideReason.isEmpty())
            anomalies << u"%1: verdict %2 set by the engineer: %3"_s.arg(r.checkId, VerdictText::toString(r.verdict), r.overrideReason);
        if (r.verdict == Verdict::Error || r.verdict == Verdict::Inconclusive || r.verdict == Verdict::Aborted)
            anomalies << u"%1: %2: %3"_s.arg(r.checkId, VerdictText::toString(r.verdict), RunExporter::reason(r, lab));
        for (const ClusterAnomaly &a : r.anomalies)
            anomalies << u"%1: "_s.arg(r.checkId) % RunExporter::anomalyText(a);
    }
    if (!run.notes.trimmed().isEmpty())
        h += pre(run.notes.trimmed().split(u'\n'));
    if (!anomalies.isEmpty()) {
        h += u"<ul>\n"_s;
        for (const QString &a : std::as_const(anomalies))
            h += u"<li>"_s % esc(a) % u"</li>\n"_s;
        h += u"</ul>\n"_s;
    }
    if (run.notes.trimmed().isEmpty() && anomalies.isEmpty())
        h += u"<p class=\"muted\">none</p>\n"_s;

    if (!readiness.isEmpty()) {
        h += u"<h2>Readiness</h2>\n"_s;
        for (const ReadinessResult &level : readiness) {
            h += u"<h3>"_s % esc(level.name) % u" &nbsp;"_s
                 % (level.ready ? badge(u"READY ✓"_s, u"#1a7f37"_s) : badge(u"NOT YET ✗"_s, u"#cf222e"_s)) % u"</h3>\n"_s;
            if (!level.description.isEmpty())
                h += u"<p class=\"muted\">"_s % esc(level.description) % u"</p>\n"_s;
            h += kTable % u"<tr><th width=\"12%\">Status</th><th width=\"40%\">Criterion</th><th width=\"48%\">Reason</th></tr>\n"_s;
            for (const ReadinessResult::Criterion &c : level.criteria)
                h += u"<tr><td>%1</td><td>%2</td><td>%3</td></tr>\n"_s.arg(
                    badge(ReadinessResult::statusText(c.status), statusColor(c.status)), esc(c.text), esc(c.reason));
            h += u"</table>\n"_s;
        }
        const QString best = ReadinessEvaluator::verdict(readiness);
        h += u"<p><b>Verdict:</b> "_s % esc(best.isEmpty() ? u"NOT YET (no level is ready)"_s : best % u" — READY"_s) % u"</p>\n"_s;
    }
    h += u"</body></html>\n"_s;
    return h;
}

bool ReportRenderer::pdf(const QString &path, const Run &run, const QList<ReadinessResult> &readiness,
                         const QHash<QString, QImage> &chartsByCheckId, QString *error, const Lab *lab)
{
    auto failed = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    QPdfWriter writer(path);
    writer.setTitle(u"HA Lab Console run — "_s % run.labName);
    writer.setCreator(u"HA Lab Console "_s % run.appVersion);
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF(18, 16, 18, 14), QPageLayout::Millimeter));
    // Lay out in screen pixels so image sizes and point sizes mean what they do in the HTML.
    writer.setResolution(96);

    QPainter painter;
    if (!painter.begin(&writer))
        return failed(u"cannot write %1"_s.arg(QFileInfo(path).absoluteFilePath()));

    QTextDocument doc;
    doc.documentLayout()->setPaintDevice(&writer);
    doc.setDefaultFont(QFont(u"DejaVu Sans"_s, 10));
    // The root frame margin is applied on every page: it keeps a line's background from bleeding onto the page before.
    doc.setDocumentMargin(6);
    QTextOption wrap;
    wrap.setWrapMode(QTextOption::WordWrap); // a word too long for its cell overflows rather than breaks ("MISSIN/G")
    doc.setDefaultTextOption(wrap);
    for (auto it = chartsByCheckId.cbegin(); it != chartsByCheckId.cend(); ++it)
        doc.addResource(QTextDocument::ImageResource, QUrl(chartName(it.key())), it.value());
    doc.setHtml(document(run, readiness, chartsByCheckId, lab, Images::Resources));

    QFont footerFont(u"DejaVu Sans"_s, 8);
    const qreal footerHeight = QFontMetricsF(footerFont, &writer).height() * 2.2;
    const QSizeF page(writer.width(), writer.height());
    const QSizeF body(page.width(), page.height() - footerHeight);
    doc.setPageSize(body);
    const int pages = doc.pageCount();
    const QString footerLeft = u"HA Lab Console · "_s % (run.labName.isEmpty() ? u"run"_s : run.labName) % u" · "_s
                               % (run.started.isValid() ? run.started.toUTC().toString(u"yyyy-MM-dd"_s) : QString()) % u" · run "_s
                               % run.id.left(8);
    for (int i = 0; i < pages; ++i) {
        if (i > 0 && !writer.newPage())
            return failed(u"cannot add page %1 to %2"_s.arg(i + 1).arg(path));
        painter.save();
        const QRectF clip(QPointF(0, i * body.height()), body);
        painter.translate(0, -clip.top());
        painter.setClipRect(clip);
        QAbstractTextDocumentLayout::PaintContext ctx;
        ctx.clip = clip;
        doc.documentLayout()->draw(&painter, ctx);
        painter.restore();

        painter.save();
        painter.setFont(footerFont);
        painter.setPen(QColor(0x57, 0x60, 0x6a));
        const QRectF footer(0, page.height() - footerHeight * 0.6, page.width(), footerHeight * 0.6);
        painter.drawLine(QPointF(0, footer.top() - 4), QPointF(page.width(), footer.top() - 4));
        painter.drawText(footer, Qt::AlignLeft | Qt::AlignBottom, footerLeft);
        painter.drawText(footer, Qt::AlignRight | Qt::AlignBottom, u"Page %1 of %2"_s.arg(i + 1).arg(pages));
        painter.restore();
    }
    if (!painter.end())
        return failed(u"cannot finish %1"_s.arg(path));
    return true;
}
