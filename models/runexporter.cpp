#include "runexporter.h"

#include "servicelogtext.h"

#include "verdictexplanation.h"

#include <limits>

#include "metricformat.h"
#include "readinessevaluator.h"
#include "runeventtext.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QXmlStreamWriter>

using namespace Qt::StringLiterals;

namespace {

QJsonValue isoOrNull(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(t.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue();
}

QJsonValue isoOrNullMs(qint64 ms)
{
    return ms > 0 ? QJsonValue(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs)) : QJsonValue();
}

bool judged(Verdict v)
{
    return v == Verdict::Pass || v == Verdict::Fail || v == Verdict::Error || v == Verdict::Inconclusive;
}

// "12.3 s" since the check started, for anomaly lines.
QString sinceStart(double ms)
{
    return MetricFormat::duration(ms);
}

QString anomalyLine(const ClusterAnomaly &a)
{
    QString when = u"at "_s % sinceStart(a.atMs);
    if (a.untilMs)
        when += u" until "_s % sinceStart(*a.untilMs);
    else if (a.kind != ClusterAnomaly::Kind::LeaderRegression)
        when += u" until the end of the check"_s;
    return u"%1 %2 (%3): %4"_s.arg(ClusterAnomaly::kindText(a.kind), when, a.services.join(u", "_s), a.detail);
}

// The console's own lateness over the run: the worst check's p99, and all skipped samples.
QPair<std::optional<double>, std::optional<double>> consoleLoad(const Run &run)
{
    std::optional<double> lateP99, skipped;
    for (const CheckResult &r : run.results) {
        if (const auto it = r.metrics.constFind(u"console_late_p99_ms"_s); it != r.metrics.cend())
            lateP99 = std::max(lateP99.value_or(0.0), it.value());
        if (const auto it = r.metrics.constFind(u"skipped_samples"_s); it != r.metrics.cend())
            skipped = skipped.value_or(0.0) + it.value();
    }
    return {lateP99, skipped};
}

QString fence(const QStringList &lines)
{
    const QString joined = lines.join(u'\n');
    return joined.contains(u"```"_s) ? u"~~~~"_s : u"```"_s;
}

QString secondsText(double ms)
{
    return QString::number(ms / 1000.0, 'f', 3);
}

double elapsedMs(const QDateTime &from, const QDateTime &to)
{
    return from.isValid() && to.isValid() ? double(from.msecsTo(to)) : 0.0;
}

} // namespace

QString RunExporter::mark(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Pass: return u"[✓]"_s;
    case Verdict::Fail: return u"[✗]"_s;
    case Verdict::Deferred: return u"[-]"_s;
    case Verdict::NotApplicable: return u"[N/A]"_s;
    case Verdict::NotRun: return u"[ ]"_s;
    case Verdict::Error: return u"[!]"_s;
    case Verdict::Aborted: return u"[⊘]"_s;
    case Verdict::Running: return u"[~]"_s;
    case Verdict::Inconclusive: return u"[?]"_s;
    }
    return u"[?]"_s;
}

QString RunExporter::anomalyText(const ClusterAnomaly &anomaly)
{
    return anomalyLine(anomaly);
}

QString RunExporter::title(const CheckResult &result, const Lab *lab)
{
    if (!result.title.isEmpty())
        return result.title;
    if (lab)
        if (const CheckSpec *spec = lab->check(result.checkId); spec && !spec->title.isEmpty())
            return spec->title;
    return result.checkId;
}

QString RunExporter::reason(const CheckResult &result, const Lab *lab)
{
    if (!result.note.isEmpty())
        return result.note;
    const CheckSpec *spec = lab ? lab->check(result.checkId) : nullptr;
    if (spec && result.verdict == Verdict::NotApplicable && !spec->notApplicableReason.isEmpty())
        return spec->notApplicableReason;
    if (spec && result.verdict == Verdict::Deferred && !spec->deferredReason.isEmpty())
        return spec->deferredReason;
    return result.failures.join(u"; "_s);
}

QString RunExporter::verdictText(const CheckResult &result, const Lab *lab)
{
    const QString text = VerdictText::toString(result.verdict);
    if (result.verdict == Verdict::NotApplicable) {
        const QString why = reason(result, lab);
        return why.isEmpty() ? text : text % u" ("_s % why % u')';
    }
    return text;
}

QString RunExporter::summary(const Run &run)
{
    const qsizetype total = run.results.size();
    QStringList parts;
    for (Verdict v : {Verdict::Pass, Verdict::Fail, Verdict::Error, Verdict::Inconclusive, Verdict::Aborted, Verdict::Deferred, Verdict::NotApplicable,
                      Verdict::NotRun, Verdict::Running}) {
        qsizetype n = 0;
        for (const CheckResult &r : run.results)
            n += r.verdict == v ? 1 : 0;
        if (n > 0)
            parts << u"%1/%2 %3"_s.arg(n).arg(total).arg(VerdictText::toString(v));
    }
    return parts.isEmpty() ? u"no checks"_s : parts.join(u", "_s);
}

QList<ExpectationOutcome> RunExporter::expectations(const CheckResult &result, const Lab *lab)
{
    const CheckSpec *spec = lab ? lab->check(result.checkId) : nullptr;
    if (!spec)
        return ExpectationOutcome::fromFailures(result.failures);
    QList<ExpectationOutcome> out;
    for (const Expectation &e : spec->expectations)
        out.append(judged(result.verdict) ? ExpectationOutcome::judge(e, result.metrics, result.saved) : ExpectationOutcome::notEvaluated(e));
    return out;
}

QStringList RunExporter::trimmed(const QString &text, int maxLines, int maxWidth)
{
    QStringList lines;
    const QStringList all = text.split(u'\n');
    qsizetype nonEmpty = 0;
    for (const QString &raw : all) {
        QString line = raw;
        if (line.endsWith(u'\r'))
            line.chop(1);
        if (line.trimmed().isEmpty())
            continue;
        ++nonEmpty;
        if (lines.size() < maxLines)
            lines << (line.size() > maxWidth ? line.left(maxWidth - 1) % u'…' : line);
    }
    if (nonEmpty > lines.size())
        lines << u"… (%1 more lines; the JSON export has them all)"_s.arg(nonEmpty - lines.size());
    return lines;
}

int RunExporter::stepNumber(const StepOutcome &step, qsizetype position)
{
    return step.index >= 0 ? step.index + 1 : int(position) + 1;
}

QString RunExporter::markdownCell(const QString &text)
{
    QString cell = text;
    cell.replace(u'|', u"\\|"_s);
    cell.replace(u'\n', u' ');
    return cell;
}

QString RunExporter::stepTitle(const StepOutcome &step, qsizetype position, const CheckResult &result, const Lab *lab)
{
    const CheckSpec *spec = lab ? lab->check(result.checkId) : nullptr;
    const int index = step.index >= 0 ? step.index : int(position);
    if (spec && index < spec->steps.size() && !spec->steps.at(index).title.isEmpty())
        return spec->steps.at(index).title;
    const QString what = step.summary.isEmpty() ? step.request : step.summary;
    return what.section(u'\n', 0, 0);
}

QString RunExporter::markdown(const Run &run, const QList<ReadinessResult> &readiness, const Lab *lab)
{
    QStringList out;
    const QString date = run.started.isValid() ? run.started.toUTC().toString(u"yyyy-MM-dd"_s) : u"YYYY-MM-DD"_s;
    const auto field = [&out](const QString &name, const QString &value) { out << u"- **"_s % name % u":** "_s % value; };
    out << u"# Run %1 — %2"_s.arg(date, run.labName.isEmpty() ? u"unnamed lab"_s : run.labName) << QString();
    out << u"**"_s % summary(run) % u"**"_s << QString();
    field(u"Date"_s, date);
    field(u"Operator"_s, run.operatorName.isEmpty() ? u"<unknown>"_s : run.operatorName);
    field(u"HA Lab Console version"_s, run.appVersion.isEmpty() ? u"<unknown>"_s : run.appVersion);
    if (!run.labName.isEmpty() || !run.labPath.isEmpty())
        field(u"Lab"_s, run.labName % (run.labPath.isEmpty() ? QString() : u" (`"_s % run.labPath % u"`)"_s));
    for (auto it = run.stackVersions.cbegin(); it != run.stackVersions.cend(); ++it)
        field(it.key(), it.value());
    field(u"Host OS"_s, run.hostOs.isEmpty() ? u"<unknown>"_s : run.hostOs);
    if (const auto [lateP99, skipped] = consoleLoad(run); lateP99 || skipped)
        field(u"Console"_s, u"probe start lateness p99 %1 ms, %2 skipped sample(s)"_s.arg(MetricFormat::number(lateP99.value_or(0)),
                                                                                        MetricFormat::number(skipped.value_or(0))));
    field(u"Run"_s, u"`%1` (%2; started %3, finished %4)"_s.arg(run.id, Run::stateText(run.state), MetricFormat::utc(run.started),
                                                                 MetricFormat::utc(run.finished)));
    if (!readiness.isEmpty()) {
        const QString best = ReadinessEvaluator::verdict(readiness);
        field(u"Readiness"_s, best.isEmpty() ? u"NOT YET (no level is ready)"_s : best % u" — READY"_s);
    }

    out << QString() << u"## Checks"_s << QString();
    out << u"| ID | Check | Verdict | Deciding figures |"_s << u"|---|---|---|---|"_s;
    for (const CheckResult &r : run.results) {
        const CheckSpec *spec = lab ? lab->check(r.checkId) : nullptr;
        const VerdictExplanation why = VerdictExplanation::of(r, spec);
        QString figures = why.decidingFigures();
        if (figures.isEmpty() && r.verdict != Verdict::Pass && r.verdict != Verdict::Fail)
            figures = reason(r, lab);
        out << u"| %1 | %2 | %3 %4 | %5 |"_s.arg(markdownCell(r.checkId), markdownCell(title(r, lab)), mark(r.verdict),
                                                 VerdictText::toString(r.verdict), markdownCell(figures));
    }

    for (const CheckResult &r : run.results) {
        out << QString();
        QString head = u"## %1. %2 — %3"_s.arg(r.checkId, title(r, lab), VerdictText::toString(r.verdict));
        if (r.started.isValid() && r.finished.isValid() && r.finished > r.started)
            head += u" ("_s % MetricFormat::duration(elapsedMs(r.started, r.finished)) % u')';
        out << head << QString();
        if (r.verdict == Verdict::NotApplicable || r.verdict == Verdict::Deferred || r.verdict == Verdict::NotRun) {
            const QString why = reason(r, lab);
            out << (why.isEmpty() ? u"Not run."_s : u"Reason: "_s % why);
        }
        if (!r.metrics.isEmpty()) {
            out << QString() << u"**Metrics**"_s << QString();
            for (auto it = r.metrics.cbegin(); it != r.metrics.cend(); ++it)
                if (!VerdictExplanation::isAliasOfProbeMetric(r.metrics, it.key()))
                    out << u"- "_s % MetricFormat::metric(it.key(), it.value(), r.intervals);
        }
        const QList<ExpectationOutcome> expectations = RunExporter::expectations(r, lab);
        if (!expectations.isEmpty()) {
            out << QString() << u"**Expectations**"_s << QString();
            for (const ExpectationOutcome &e : expectations) {
                if (!e.evaluated)
                    out << u"- · "_s % e.text % u" — not evaluated"_s;
                else if (!e.measured)
                    out << (e.passed ? u"- ✓ "_s : u"- ✗ "_s) % e.text % u" — "_s % (e.missing.isEmpty() ? e.metric : e.missing)
                               % u" not measured"_s;
                else
                    out << (e.passed ? u"- ✓ "_s : u"- ✗ "_s) % e.text % u" — measured "_s % e.measuredText(r.intervals)
                               % (e.right == Expectation::Operand::Name ? u", "_s % e.boundText : QString());
            }
        }
        if (r.stoppedAtStep >= 0)
            out << QString() << u"Stopped at step %1 (it failed): probes are summarised up to there."_s.arg(r.stoppedAtStep + 1);
        if (!r.steps.isEmpty()) {
            out << QString() << u"**Steps**"_s << QString();
            for (qsizetype s = 0; s < r.steps.size(); ++s) {
                const StepOutcome &step = r.steps.at(s);
                const QString status = step.skipped ? u"skipped"_s : step.ok ? u"✓"_s : u"✗"_s;
                out << u"%1. %2 %3"_s.arg(stepNumber(step, s)).arg(status, stepTitle(step, s, r, lab))
                           % (step.durationMs > 0 ? u" — "_s % MetricFormat::duration(step.durationMs) : QString());
                const QString what = step.summary.isEmpty() ? step.request : step.summary;
                if (!what.isEmpty() && what != stepTitle(step, s, r, lab))
                    out << QString() << u"   "_s % (what.contains(u'\n') ? what.section(u'\n', 0, 0) % u" …"_s : what);
                if (!step.matrix.isEmpty()) {
                    out << QString() << u"   | Row | Expected | Actual | Result |"_s << u"   |---:|---:|---:|:---|"_s;
                    for (qsizetype m = 0; m < step.matrix.size(); ++m) {
                        const QPair<int, int> &row = step.matrix.at(m);
                        out << u"   | %1 | %2 | %3 | %4 |"_s.arg(m + 1).arg(row.first).arg(row.second).arg(
                            row.first == row.second ? u"✓"_s : u"✗ unexpected"_s);
                    }
                }
                // Bodies in full up to BodyLineCap lines, never cut mid-line: the JSON export keeps them whole.
                const QStringList body = trimmed(step.body, BodyLineCap, std::numeric_limits<int>::max());
                if (!body.isEmpty()) {
                    const QString f = fence(body);
                    out << QString() << u"   "_s % f;
                    for (const QString &line : body)
                        out << u"   "_s % line;
                    out << u"   "_s % f;
                }
                const QStringList err = step.ok ? QStringList() : trimmed(step.stderrText, 20, std::numeric_limits<int>::max());
                if (!err.isEmpty()) {
                    const QString f = fence(err);
                    out << QString() << u"   "_s % f % u"text"_s;
                    for (const QString &line : err)
                        out << u"   stderr: "_s % line;
                    out << u"   "_s % f;
                }
            }
        }
        if (!r.failures.isEmpty()) {
            out << QString() << u"**Failures**"_s << QString();
            for (const QString &f : r.failures)
                out << u"- "_s % f;
        }
        if (!r.note.isEmpty() && r.note != r.failures.join(u"; "_s) && r.verdict != Verdict::NotApplicable
            && r.verdict != Verdict::Deferred && r.verdict != Verdict::NotRun)
            out << QString() << u"Note: "_s % r.note;
        if (!r.overrideReason.isEmpty())
            out << QString() << u"Verdict set by the engineer: "_s % r.overrideReason;
    }

    if (!run.serviceLogs.isEmpty()) {
        // The lines themselves stay in the store (bounded, redacted): the log says what is there and how to print it.
        out << QString() << u"## Service logs"_s << QString();
        out << u"Stored with the run, secrets redacted. Print them with `%1` (one service: `--service NAME`)."_s.arg(
                   ServiceLogText::command(run.id))
            << QString();
        out << u"| Service | Lines stored | Lines dropped at the caps |"_s << u"|---|---:|---:|"_s;
        for (const ServiceLogTally &t : run.serviceLogs)
            out << u"| %1 | %2 | %3 |"_s.arg(markdownCell(t.service)).arg(t.stored).arg(
                t.dropped > 0 ? u"%1 (%2 to %3)"_s.arg(t.dropped).arg(MetricFormat::utc(t.firstDropped), MetricFormat::utc(t.lastDropped))
                              : u"0"_s);
    }

    out << QString() << u"## Notes and anomalies"_s << QString();
    QStringList anomalies;
    if (run.state == Run::State::Interrupted)
        anomalies << u"- The run was interrupted (its writer ended before finishing it); results after that point are missing."_s;
    if (run.state == Run::State::Incomplete)
        anomalies << u"- The run is incomplete: some of its evidence could not be stored (see the run's notes)."_s;
    for (const CheckResult &r : run.results) {
        if (!r.overrideReason.isEmpty())
            anomalies << u"- %1: verdict %2 set by the engineer: %3"_s.arg(r.checkId, VerdictText::toString(r.verdict), r.overrideReason);
        if (r.verdict == Verdict::Error || r.verdict == Verdict::Inconclusive || r.verdict == Verdict::Aborted)
            anomalies << u"- %1: %2: %3"_s.arg(r.checkId, VerdictText::toString(r.verdict), reason(r, lab));
        for (const ClusterAnomaly &a : r.anomalies)
            anomalies << u"- %1: "_s.arg(r.checkId) % anomalyLine(a);
    }
    if (!run.notes.trimmed().isEmpty())
        out << run.notes.trimmed() << QString();
    out << anomalies;
    if (run.notes.trimmed().isEmpty() && anomalies.isEmpty())
        out << u"none"_s;

    if (!readiness.isEmpty()) {
        out << QString() << u"## Readiness"_s;
        for (const ReadinessResult &level : readiness) {
            out << QString() << u"### "_s % level.name % (level.ready ? u" — READY ✓"_s : u" — NOT YET ✗"_s) << QString();
            for (const ReadinessResult::Criterion &c : level.criteria)
                out << u"- **"_s % ReadinessResult::statusText(c.status) % u"** "_s % c.text % u" — "_s % c.reason;
        }
        const QString best = ReadinessEvaluator::verdict(readiness);
        out << QString() << u"Verdict: "_s % (best.isEmpty() ? u"NOT YET (no level is ready)"_s : best % u" — READY"_s);
    }
    return out.join(u'\n') % u'\n';
}

QJsonObject RunExporter::jsonObject(const Run &run, const QList<ReadinessResult> &readiness, const Lab *lab)
{
    QJsonObject stack;
    for (auto it = run.stackVersions.cbegin(); it != run.stackVersions.cend(); ++it)
        stack.insert(it.key(), it.value());
    const QJsonObject runObject{
        {u"id"_s, run.id},
        {u"lab"_s, run.labName},
        {u"lab_path"_s, run.labPath},
        {u"started"_s, isoOrNull(run.started)},
        {u"finished"_s, isoOrNull(run.finished)},
        {u"operator"_s, run.operatorName},
        {u"app_version"_s, run.appVersion},
        {u"stack_versions"_s, stack},
        {u"host_os"_s, run.hostOs},
        {u"state"_s, Run::stateText(run.state)},
        {u"notes"_s, run.notes},
    };
    const auto [lateP99, skippedSamples] = consoleLoad(run);
    QJsonObject runWithLoad = runObject;
    runWithLoad.insert(u"console_late_p99_ms"_s, lateP99 ? QJsonValue(*lateP99) : QJsonValue());
    runWithLoad.insert(u"skipped_samples"_s, skippedSamples ? QJsonValue(*skippedSamples) : QJsonValue());
    QJsonArray serviceLogs;
    for (const ServiceLogTally &t : run.serviceLogs)
        serviceLogs.append(QJsonObject{{u"service"_s, t.service},
                                       {u"stored"_s, t.stored},
                                       {u"dropped"_s, t.dropped},
                                       {u"first_dropped"_s, isoOrNull(t.firstDropped)},
                                       {u"last_dropped"_s, isoOrNull(t.lastDropped)},
                                       {u"command"_s, ServiceLogText::command(run.id, t.service)}});
    runWithLoad.insert(u"service_logs"_s, serviceLogs);

    QJsonObject counts;
    for (const CheckResult &r : run.results) {
        const QString v = VerdictText::toString(r.verdict);
        counts.insert(v, counts.value(v).toInt() + 1);
    }

    QJsonArray checks;
    for (qsizetype i = 0; i < run.results.size(); ++i) {
        const CheckResult &r = run.results.at(i);
        QJsonObject metrics, intervals, saved;
        for (auto it = r.metrics.cbegin(); it != r.metrics.cend(); ++it)
            metrics.insert(it.key(), it.value());
        for (auto it = r.intervals.cbegin(); it != r.intervals.cend(); ++it)
            intervals.insert(it.key(), QJsonObject{{u"lo"_s, it.value().lo}, {u"hi"_s, it.value().hi}});
        for (auto it = r.saved.cbegin(); it != r.saved.cend(); ++it)
            saved.insert(it.key(), it.value());
        QJsonArray anomalies;
        for (const ClusterAnomaly &a : r.anomalies)
            anomalies.append(a.toJson());

        QJsonArray expectations;
        for (const ExpectationOutcome &e : RunExporter::expectations(r, lab)) {
            // Numbers stay numbers; text values (and a right side that is text) are strings.
            bool leftNumber = false;
            e.valueText.toDouble(&leftNumber);
            const QJsonValue value = !e.evaluated || !e.measured ? QJsonValue()
                                     : leftNumber || e.valueText.isEmpty() ? QJsonValue(e.value)
                                                                           : QJsonValue(r.saved.value(e.metric, e.valueText));
            QJsonValue bound = e.bound;
            if (e.right == Expectation::Operand::Text)
                bound = e.rightText;
            else if (e.right == Expectation::Operand::Name)
                bound = !e.evaluated || !e.measured ? QJsonValue()
                        : r.metrics.contains(e.rightText) ? QJsonValue(r.metrics.value(e.rightText))
                        : r.saved.contains(e.rightText)   ? QJsonValue(r.saved.value(e.rightText))
                                                          : QJsonValue();
            expectations.append(QJsonObject{
                {u"text"_s, e.text},
                {u"metric"_s, e.metric},
                {u"value"_s, value},
                {u"bound"_s, bound},
                {u"bound_metric"_s, e.right == Expectation::Operand::Name ? QJsonValue(e.rightText) : QJsonValue()},
                {u"op"_s, Expectation::opText(e.op)},
                {u"passed"_s, e.evaluated ? QJsonValue(e.passed) : QJsonValue()},
            });
        }

        QJsonArray steps;
        for (const StepOutcome &s : r.steps) {
            QJsonArray matrix;
            for (const QPair<int, int> &row : s.matrix)
                matrix.append(QJsonObject{{u"expected"_s, row.first}, {u"actual"_s, row.second}, {u"ok"_s, row.first == row.second}});
            steps.append(QJsonObject{
                {u"index"_s, s.index},
                {u"ok"_s, s.ok},
                {u"skipped"_s, s.skipped},
                {u"summary"_s, s.summary},
                {u"request"_s, s.request},
                {u"status"_s, s.status},
                {u"started"_s, isoOrNullMs(s.startedWallMs)},
                {u"duration_ms"_s, s.durationMs},
                {u"headers"_s, s.headers},
                {u"body"_s, s.body},
                {u"stderr"_s, s.stderrText},
                {u"matrix"_s, matrix},
            });
        }

        QJsonArray events;
        for (const RunEvent &e : r.events) {
            events.append(QJsonObject{
                {u"kind"_s, RunEventText::toString(e.kind)},
                {u"at"_s, isoOrNullMs(e.wallMs)},
                {u"mono_ns"_s, double(e.monoNs)},
                {u"service"_s, e.service},
                {u"action"_s, e.action},
                {u"detail"_s, e.detail},
            });
        }

        checks.append(QJsonObject{
            {u"index"_s, int(i + 1)},
            {u"id"_s, r.checkId},
            {u"title"_s, title(r, lab)},
            {u"verdict"_s, VerdictText::toString(r.verdict)},
            {u"reason"_s, r.verdict == Verdict::Pass ? QString() : reason(r, lab)},
            {u"started"_s, isoOrNull(r.started)},
            {u"finished"_s, isoOrNull(r.finished)},
            {u"metrics"_s, metrics},
            {u"intervals_ms"_s, intervals},
            {u"saved"_s, saved},
            {u"anomalies"_s, anomalies},
            {u"stopped_at_step"_s, r.stoppedAtStep >= 0 ? QJsonValue(r.stoppedAtStep + 1) : QJsonValue()},
            {u"expectations_source"_s, lab && lab->check(r.checkId) ? u"lab"_s : u"failures"_s},
            {u"expectations"_s, expectations},
            {u"steps"_s, steps},
            {u"events"_s, events},
            {u"failures"_s, QJsonArray::fromStringList(r.failures)},
            {u"note"_s, r.note},
            {u"override_reason"_s, r.overrideReason},
        });
    }

    return QJsonObject{
        {u"schema"_s, schemaId()},
        {u"exported"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)},
        {u"run"_s, runWithLoad},
        {u"summary"_s, QJsonObject{{u"total"_s, int(run.results.size())}, {u"text"_s, summary(run)}, {u"counts"_s, counts}}},
        {u"checks"_s, checks},
        {u"readiness"_s, ReadinessEvaluator::json(readiness)},
    };
}

QByteArray RunExporter::json(const Run &run, const QList<ReadinessResult> &readiness, const Lab *lab)
{
    return QJsonDocument(jsonObject(run, readiness, lab)).toJson(QJsonDocument::Indented);
}

QByteArray RunExporter::junit(const Run &run, const Lab *lab)
{
    int failures = 0, skipped = 0;
    for (const CheckResult &r : run.results) {
        // INCONCLUSIVE is not a pass: CI must not go green on an overloaded console; ABORTED neither.
        const bool failed = r.verdict == Verdict::Fail || r.verdict == Verdict::Error || r.verdict == Verdict::Inconclusive
                            || r.verdict == Verdict::Aborted;
        failures += failed ? 1 : 0;
        skipped += failed || r.verdict == Verdict::Pass ? 0 : 1;
    }
    const QString suiteName = run.labName.isEmpty() ? u"halab"_s : run.labName;
    const QString tests = QString::number(run.results.size());
    const QString runTime = secondsText(elapsedMs(run.started, run.finished));

    QByteArray out;
    QXmlStreamWriter xml(&out);
    xml.setAutoFormatting(true);
    xml.writeStartDocument();
    xml.writeStartElement(u"testsuites"_s);
    xml.writeAttribute(u"name"_s, u"HA Lab Console"_s);
    xml.writeAttribute(u"tests"_s, tests);
    xml.writeAttribute(u"failures"_s, QString::number(failures));
    xml.writeAttribute(u"errors"_s, u"0"_s);
    xml.writeAttribute(u"skipped"_s, QString::number(skipped));
    xml.writeAttribute(u"time"_s, runTime);

    xml.writeStartElement(u"testsuite"_s);
    xml.writeAttribute(u"name"_s, suiteName);
    xml.writeAttribute(u"id"_s, run.id);
    xml.writeAttribute(u"tests"_s, tests);
    xml.writeAttribute(u"failures"_s, QString::number(failures));
    xml.writeAttribute(u"errors"_s, u"0"_s);
    xml.writeAttribute(u"skipped"_s, QString::number(skipped));
    xml.writeAttribute(u"time"_s, runTime);
    if (run.started.isValid())
        xml.writeAttribute(u"timestamp"_s, run.started.toUTC().toString(Qt::ISODate));
    xml.writeStartElement(u"properties"_s);
    auto property = [&xml](const QString &name, const QString &value) {
        xml.writeEmptyElement(u"property"_s);
        xml.writeAttribute(u"name"_s, name);
        xml.writeAttribute(u"value"_s, value);
    };
    property(u"run.id"_s, run.id);
    property(u"run.state"_s, Run::stateText(run.state));
    property(u"operator"_s, run.operatorName);
    property(u"app_version"_s, run.appVersion);
    property(u"host_os"_s, run.hostOs);
    for (auto it = run.stackVersions.cbegin(); it != run.stackVersions.cend(); ++it)
        property(u"stack."_s % it.key(), it.value());
    xml.writeEndElement(); // properties

    for (qsizetype i = 0; i < run.results.size(); ++i) {
        const CheckResult &r = run.results.at(i);
        xml.writeStartElement(u"testcase"_s);
        xml.writeAttribute(u"classname"_s, suiteName % u'.' % r.checkId);
        xml.writeAttribute(u"name"_s, u"%1. %2"_s.arg(i + 1).arg(title(r, lab)));
        xml.writeAttribute(u"time"_s, secondsText(elapsedMs(r.started, r.finished)));
        if (!r.metrics.isEmpty()) {
            xml.writeStartElement(u"properties"_s);
            for (auto it = r.metrics.cbegin(); it != r.metrics.cend(); ++it) {
                property(it.key(), MetricFormat::number(it.value()));
                if (const auto in = r.intervals.constFind(it.key()); in != r.intervals.cend()) {
                    property(it.key() % u".interval_lo_ms"_s, MetricFormat::number(in.value().lo));
                    property(it.key() % u".interval_hi_ms"_s, MetricFormat::number(in.value().hi));
                }
            }
            xml.writeEndElement();
        }
        const QString verdict = VerdictText::toString(r.verdict);
        switch (r.verdict) {
        case Verdict::Fail:
        case Verdict::Error:
        case Verdict::Inconclusive:
        case Verdict::Aborted: {
            const QStringList reasons = r.failures.isEmpty() ? QStringList{reason(r, lab)} : r.failures;
            xml.writeStartElement(u"failure"_s);
            xml.writeAttribute(u"type"_s, verdict);
            xml.writeAttribute(u"message"_s, verdict % u": "_s % reasons.join(u"; "_s));
            xml.writeCharacters(reasons.join(u'\n'));
            xml.writeEndElement();
            break;
        }
        case Verdict::Pass:
            break;
        case Verdict::Deferred:
        case Verdict::NotApplicable:
        case Verdict::NotRun:
        case Verdict::Running: {
            const QString why = reason(r, lab);
            xml.writeEmptyElement(u"skipped"_s);
            xml.writeAttribute(u"message"_s, why.isEmpty() ? verdict : verdict % u": "_s % why);
            break;
        }
        }
        QStringList lines;
        for (auto it = r.metrics.cbegin(); it != r.metrics.cend(); ++it)
            lines << MetricFormat::metric(it.key(), it.value(), r.intervals);
        for (const ClusterAnomaly &a : r.anomalies)
            lines << u"anomaly: "_s % anomalyLine(a);
        if (r.stoppedAtStep >= 0)
            lines << u"stopped at step %1"_s.arg(r.stoppedAtStep + 1);
        for (qsizetype s = 0; s < r.steps.size(); ++s) {
            const StepOutcome &step = r.steps.at(s);
            lines << u"step %1 %2: %3"_s.arg(stepNumber(step, s)).arg(step.skipped ? u"skipped"_s : step.ok ? u"ok"_s : u"FAILED"_s, step.summary);
        }
        if (!lines.isEmpty())
            xml.writeTextElement(u"system-out"_s, lines.join(u'\n'));
        xml.writeEndElement(); // testcase
    }
    xml.writeEndElement(); // testsuite
    xml.writeEndElement(); // testsuites
    xml.writeEndDocument();
    return out;
}
