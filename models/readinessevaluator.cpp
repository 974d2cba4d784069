#include "readinessevaluator.h"

#include "expectationoutcome.h"
#include "metricformat.h"

#include <QJsonObject>
#include <QJsonValue>

#include <optional>

using namespace Qt::StringLiterals;

namespace {

// One check's result with the run it came from and when it was produced.
struct Evidence
{
    const Run *run = nullptr;
    const CheckResult *result = nullptr;
    QDateTime at;
};

QDateTime evidenceTime(const Run &run, const CheckResult &r)
{
    for (const QDateTime &t : {r.finished, r.started, run.finished, run.started})
        if (t.isValid())
            return t;
    return {};
}

std::optional<Evidence> latest(const QList<Run> &runs, const QString &checkId)
{
    std::optional<Evidence> best;
    for (const Run &run : runs) {
        for (const CheckResult &r : run.results) {
            if (r.checkId != checkId || r.verdict == Verdict::NotRun || r.verdict == Verdict::Running)
                continue;
            const QDateTime at = evidenceTime(run, r);
            if (!best || at > best->at)
                best = Evidence{&run, &r, at};
        }
    }
    return best;
}

QString shortId(const QString &runId)
{
    return runId.left(8);
}

QString where(const Evidence &e)
{
    return u"run %1, %2"_s.arg(shortId(e.run->id), MetricFormat::utc(e.at));
}

QString checkLabel(const Lab &lab, const QString &checkId)
{
    const CheckSpec *spec = lab.check(checkId);
    return spec && !spec->title.isEmpty() ? spec->title % u" ("_s % checkId % u')' : checkId;
}

QString why(const CheckResult &r)
{
    if (!r.failures.isEmpty())
        return r.failures.join(u"; "_s);
    return r.note;
}

// The one place staleness is decided, so check and metric criteria agree.
bool markStale(ReadinessResult::Criterion &c, const ReadinessResult &level, const QDateTime &now)
{
    if (level.windowMs <= 0 || !c.evidenceAt.isValid())
        return false;
    const QString window = MetricFormat::span(level.windowMs);
    if (c.evidenceAt < now.addMSecs(-level.windowMs)) {
        c.status = ReadinessResult::Status::Stale;
        c.reason += u"; older than the %1 window ending now (since %2)"_s.arg(window, MetricFormat::utc(now.addMSecs(-level.windowMs)));
        return true;
    }
    if (level.newestEvidence.isValid() && c.evidenceAt < level.newestEvidence.addMSecs(-level.windowMs)) {
        c.status = ReadinessResult::Status::Stale;
        c.reason += u"; more than %1 before the newest evidence used (%2)"_s.arg(window, MetricFormat::utc(level.newestEvidence));
        return true;
    }
    return false;
}

} // namespace

QList<ReadinessResult> ReadinessEvaluator::evaluate(const Lab &lab, const QList<Run> &runs, const QDateTime &now)
{
    QList<ReadinessResult> out;
    for (const ReadinessLevelSpec &spec : lab.readiness) {
        ReadinessResult level;
        level.levelId = spec.id;
        level.name = spec.name.isEmpty() ? spec.id : spec.name;
        level.description = spec.description;
        level.windowMs = spec.windowMs;

        // The evidence is what the criteria use: each named check's latest result.
        auto note = [&level](const std::optional<Evidence> &e) {
            if (!e || !e->at.isValid())
                return;
            if (!level.oldestEvidence.isValid() || e->at < level.oldestEvidence)
                level.oldestEvidence = e->at;
            if (!level.newestEvidence.isValid() || e->at > level.newestEvidence)
                level.newestEvidence = e->at;
        };
        for (const QString &checkId : spec.checksPass)
            note(latest(runs, checkId));
        for (const MetricCriterionSpec &m : spec.metrics)
            note(latest(runs, m.check));

        for (const QString &checkId : spec.checksPass) {
            ReadinessResult::Criterion c;
            c.kind = ReadinessResult::Criterion::Kind::CheckPasses;
            c.checkId = checkId;
            c.text = checkLabel(lab, checkId) % u" passes"_s;
            const std::optional<Evidence> e = latest(runs, checkId);
            if (!e) {
                c.status = ReadinessResult::Status::Missing;
                c.reason = u"never run"_s;
                level.criteria.append(c);
                continue;
            }
            c.runId = e->run->id;
            c.evidenceAt = e->at;
            const QString verdict = VerdictText::toString(e->result->verdict);
            switch (e->result->verdict) {
            case Verdict::Pass:
                c.status = ReadinessResult::Status::Ok;
                c.reason = u"PASS in "_s % where(*e);
                markStale(c, level, now);
                break;
            case Verdict::Fail:
            case Verdict::Error:
            case Verdict::Inconclusive: // the console was overloaded: no evidence of passing
            case Verdict::Aborted:
                c.status = ReadinessResult::Status::Fail;
                c.reason = u"latest result is %1 (%2)"_s.arg(verdict, where(*e));
                if (!why(*e->result).isEmpty())
                    c.reason += u": "_s % why(*e->result);
                break;
            case Verdict::Deferred:
                c.status = ReadinessResult::Status::Deferred;
                c.reason = u"latest result is DEFERRED (%1)"_s.arg(where(*e));
                if (!e->result->note.isEmpty())
                    c.reason += u": "_s % e->result->note;
                break;
            case Verdict::NotApplicable:
            case Verdict::NotRun:
            case Verdict::Running:
                // N/A is no evidence of passing: the level names the check, so it needs a PASS.
                c.status = ReadinessResult::Status::Missing;
                c.reason = u"latest result is %1 (%2)%3; the level needs a PASS"_s.arg(
                    verdict, where(*e), e->result->note.isEmpty() ? QString() : u": "_s % e->result->note);
                break;
            }
            level.criteria.append(c);
        }

        for (const MetricCriterionSpec &m : spec.metrics) {
            ReadinessResult::Criterion c;
            c.kind = ReadinessResult::Criterion::Kind::Metric;
            c.checkId = m.check;
            const QString bound = ExpectationOutcome::notEvaluated(m.expectation).text;
            c.text = m.check % u": "_s % bound;
            const std::optional<Evidence> e = latest(runs, m.check);
            if (!e) {
                c.status = ReadinessResult::Status::Missing;
                c.reason = u"%1 never run"_s.arg(m.check);
                level.criteria.append(c);
                continue;
            }
            c.runId = e->run->id;
            c.evidenceAt = e->at;
            const ExpectationOutcome o = ExpectationOutcome::judge(m.expectation, e->result->metrics, e->result->saved);
            if (!o.measured) {
                c.status = ReadinessResult::Status::Missing;
                c.reason = u"%1 not measured in the latest result (%2, %3)"_s.arg(
                    o.missing.isEmpty() ? m.expectation.metric : o.missing, VerdictText::toString(e->result->verdict), where(*e));
            } else if (!o.passed) {
                c.status = ReadinessResult::Status::Fail;
                c.reason = u"measured %1 = %2, bound %3 %4 (%5)"_s.arg(m.expectation.metric, o.measuredText(e->result->intervals),
                                                                       Expectation::opText(m.expectation.op), o.boundText, where(*e));
            } else {
                c.status = ReadinessResult::Status::Ok;
                c.reason = u"measured %1 = %2 (%3)"_s.arg(m.expectation.metric, o.measuredText(e->result->intervals), where(*e));
                markStale(c, level, now);
            }
            level.criteria.append(c);
        }

        if (spec.windowMs > 0) {
            ReadinessResult::Criterion c;
            c.kind = ReadinessResult::Criterion::Kind::Window;
            const QString window = MetricFormat::span(spec.windowMs);
            c.text = u"Evidence within one %1 window"_s.arg(window);
            if (!level.newestEvidence.isValid()) {
                c.status = ReadinessResult::Status::Missing;
                c.reason = u"no evidence"_s;
            } else {
                const qint64 spanMs = level.oldestEvidence.msecsTo(level.newestEvidence);
                const QString range = u"evidence from %1 to %2"_s.arg(MetricFormat::utc(level.oldestEvidence), MetricFormat::utc(level.newestEvidence));
                if (spanMs > spec.windowMs) {
                    c.status = ReadinessResult::Status::Stale;
                    c.reason = range % u" spans more than "_s % window;
                } else if (level.oldestEvidence < now.addMSecs(-spec.windowMs)) {
                    c.status = ReadinessResult::Status::Stale;
                    c.reason = range % u"; the oldest is outside the %1 window ending now"_s.arg(window);
                } else {
                    c.status = ReadinessResult::Status::Ok;
                    c.reason = range;
                }
            }
            level.criteria.append(c);
        }

        if (level.criteria.isEmpty()) {
            ReadinessResult::Criterion c;
            c.kind = ReadinessResult::Criterion::Kind::Window;
            c.text = u"The level names criteria"_s;
            c.status = ReadinessResult::Status::Missing;
            c.reason = u"no checks_pass and no metrics: nothing to prove"_s;
            level.criteria.append(c);
        }
        level.ready = true;
        for (const ReadinessResult::Criterion &c : std::as_const(level.criteria))
            level.ready = level.ready && c.status == ReadinessResult::Status::Ok;
        out.append(level);
    }
    return out;
}

QString ReadinessEvaluator::verdict(const QList<ReadinessResult> &results)
{
    QString best;
    for (const ReadinessResult &r : results)
        if (r.ready)
            best = r.name;
    return best;
}

QString ReadinessEvaluator::text(const QList<ReadinessResult> &results)
{
    QString out;
    for (const ReadinessResult &r : results) {
        out += r.name % (r.ready ? u" — READY ✓"_s : u" — NOT YET ✗"_s) % u'\n';
        for (const ReadinessResult::Criterion &c : r.criteria)
            out += u"  ["_s % ReadinessResult::statusText(c.status) % u"] "_s % c.text % u" — "_s % c.reason % u'\n';
    }
    const QString best = verdict(results);
    if (!results.isEmpty())
        out += u"Verdict: "_s % (best.isEmpty() ? u"NOT YET (no level is ready)"_s : best % u" — READY"_s) % u'\n';
    return out;
}

QJsonArray ReadinessEvaluator::json(const QList<ReadinessResult> &results)
{
    auto time = [](const QDateTime &t) { return t.isValid() ? QJsonValue(t.toUTC().toString(Qt::ISODateWithMs)) : QJsonValue(); };
    QJsonArray out;
    for (const ReadinessResult &r : results) {
        QJsonArray criteria;
        for (const ReadinessResult::Criterion &c : r.criteria) {
            criteria.append(QJsonObject{
                {u"kind"_s, ReadinessResult::kindText(c.kind)},
                {u"text"_s, c.text},
                {u"status"_s, ReadinessResult::statusText(c.status)},
                {u"reason"_s, c.reason},
                {u"check"_s, c.checkId.isEmpty() ? QJsonValue() : QJsonValue(c.checkId)},
                {u"run_id"_s, c.runId.isEmpty() ? QJsonValue() : QJsonValue(c.runId)},
                {u"evidence_at"_s, time(c.evidenceAt)},
            });
        }
        out.append(QJsonObject{
            {u"level"_s, r.levelId},
            {u"name"_s, r.name},
            {u"description"_s, r.description},
            {u"ready"_s, r.ready},
            {u"status"_s, r.ready ? u"READY"_s : u"NOT YET"_s},
            {u"window_ms"_s, double(r.windowMs)},
            {u"oldest_evidence"_s, time(r.oldestEvidence)},
            {u"newest_evidence"_s, time(r.newestEvidence)},
            {u"criteria"_s, criteria},
        });
    }
    return out;
}
