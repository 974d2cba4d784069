#include "verdictexplanation.h"

#include "metricformat.h"

#include <QSet>

#include <cmath>

namespace {
// The relation that holds between a value and the bound it broke: >= 99 broken reads "< 99".
Expectation::Op broken(Expectation::Op op)
{
    switch (op) {
    case Expectation::Op::Less: return Expectation::Op::GreaterEqual;
    case Expectation::Op::LessEqual: return Expectation::Op::Greater;
    case Expectation::Op::Equal: return Expectation::Op::NotEqual;
    case Expectation::Op::NotEqual: return Expectation::Op::Equal;
    case Expectation::Op::GreaterEqual: return Expectation::Op::Less;
    case Expectation::Op::Greater: return Expectation::Op::LessEqual;
    }
    return op;
}

QString opSymbol(Expectation::Op op)
{
    switch (op) {
    case Expectation::Op::LessEqual: return QStringLiteral("≤");
    case Expectation::Op::GreaterEqual: return QStringLiteral("≥");
    case Expectation::Op::NotEqual: return QStringLiteral("≠");
    default: return Expectation::opText(op);
    }
}
} // namespace

bool VerdictExplanation::isAliasOfProbeMetric(const QMap<QString, double> &metrics, const QString &name)
{
    if (name.contains(QLatin1Char('.')))
        return false;
    const QString suffix = QLatin1Char('.') + name;
    for (auto it = metrics.cbegin(); it != metrics.cend(); ++it)
        if (it.key().endsWith(suffix) && it.value() == metrics.value(name))
            return true;
    return false;
}

QString VerdictExplanation::unitOf(const QString &metric)
{
    if (metric.endsWith(QLatin1String("_pct")))
        return QStringLiteral("%");
    if (metric.endsWith(QLatin1String("_ms")))
        return QStringLiteral("ms");
    return {};
}

QString VerdictExplanation::valueText(const QString &metric, double value)
{
    const QString unit = unitOf(metric);
    // Percentages keep one decimal everywhere (bar and tables agree), rounded down so 99.96 never
    // reads 100.0; timings are whole ms.
    QString number;
    if (unit == QLatin1String("%"))
        number = QString::number(std::floor(value * 10.0 + 1e-9) / 10.0, 'f', 1);
    else if (unit == QLatin1String("ms"))
        number = QString::number(qint64(std::llround(value)));
    else
        number = MetricFormat::number(value);
    return unit.isEmpty() ? number : number + QLatin1Char(' ') + unit;
}

QString VerdictExplanation::valueText(const QString &metric, double value, const MetricIntervals &intervals)
{
    return intervals.contains(metric) ? MetricFormat::value(metric, value, intervals) : valueText(metric, value);
}

QString VerdictExplanation::deltaText(const QString &metric, double a, double b)
{
    const double d = b - a;
    const QString unit = unitOf(metric);
    // Rounded as the values are shown: a difference below what they show is none.
    const double shown = unit == QLatin1String("%") ? std::round(d * 10.0) / 10.0 : unit == QLatin1String("ms") ? std::round(d) : d;
    if (shown == 0)
        return QStringLiteral("0");
    const QString number = unit == QLatin1String("%") ? QString::number(std::abs(shown), 'f', 1) : MetricFormat::number(std::abs(shown));
    return (shown > 0 ? QStringLiteral("+") : QStringLiteral("−")) + number + (unit.isEmpty() ? QString() : QLatin1Char(' ') + unit);
}

QString VerdictExplanation::outcomeText(const ExpectationOutcome &o)
{
    const QString unit = unitOf(o.metric);
    const QString bound = MetricFormat::number(o.bound) + (unit.isEmpty() ? QString() : QLatin1Char(' ') + unit); // as the lab writes it
    if (!o.evaluated)
        return QStringLiteral("%1 %2 %3 (not judged)").arg(o.metric, opSymbol(o.op), bound);
    if (!o.measured)
        return QStringLiteral("%1 not measured (expected %2 %3)")
            .arg(o.missing.isEmpty() ? o.metric : o.missing, opSymbol(o.op), o.right == Expectation::Operand::Number ? bound : o.boundText);
    const Expectation::Op shown = o.passed ? o.op : broken(o.op);
    // Text and metric-against-metric comparisons read as the outcome words them ("\"NOQUORUM\"", "master_before \"api1\"").
    const QString left = o.textual ? o.valueText : valueText(o.metric, o.value);
    const QString right = o.right == Expectation::Operand::Number && !o.textual ? bound : o.boundText;
    return QStringLiteral("%1 %2 %3 %4").arg(o.metric, left, opSymbol(shown), right);
}

VerdictExplanation VerdictExplanation::of(const CheckResult &result, const CheckSpec *spec)
{
    VerdictExplanation e;
    const bool judgedAtAll = result.verdict == Verdict::Pass || result.verdict == Verdict::Fail || result.verdict == Verdict::Error
                             || result.verdict == Verdict::Inconclusive;
    QSet<QString> bounded;
    if (spec) {
        for (const Expectation &x : spec->expectations) {
            e.judged.append(judgedAtAll && (!result.metrics.isEmpty() || !result.saved.isEmpty())
                                ? ExpectationOutcome::judge(x, result.metrics, result.saved)
                                : ExpectationOutcome::notEvaluated(x));
            bounded.insert(x.metric);
        }
    } else {
        e.judged = ExpectationOutcome::fromFailures(result.failures);
        for (const ExpectationOutcome &o : std::as_const(e.judged))
            bounded.insert(o.metric);
    }
    for (const QString &f : result.failures)
        if (!ExpectationOutcome::fromFailure(f))
            e.otherFailures << f;
    for (auto it = result.metrics.cbegin(); it != result.metrics.cend(); ++it)
        if (!bounded.contains(it.key()) && !isAliasOfProbeMetric(result.metrics, it.key()))
            e.notJudged << it.key();
    return e;
}

bool VerdictExplanation::hasFailedExpectation() const
{
    for (const ExpectationOutcome &o : judged)
        if (o.evaluated && !o.passed)
            return true;
    return false;
}

QString VerdictExplanation::decidingFigures() const
{
    QStringList failed, kept;
    for (const ExpectationOutcome &o : judged)
        (o.evaluated && !o.passed ? failed : kept) << outcomeText(o);
    return (failed + kept).join(QStringLiteral(" · "));
}

QString VerdictExplanation::html(const QMap<QString, double> &metrics) const
{
    QStringList decided;
    for (const ExpectationOutcome &o : judged)
        decided << (o.evaluated && !o.passed ? QStringLiteral("<span style='color:#c62828'>✗ %1</span>") : QStringLiteral("✓ %1"))
                       .arg(outcomeText(o).toHtmlEscaped());
    for (const QString &f : otherFailures)
        decided << QStringLiteral("<span style='color:#c62828'>✗ %1</span>").arg(f.toHtmlEscaped());
    if (decided.isEmpty())
        return {};
    QString text = QStringLiteral("decided by %1").arg(decided.join(QStringLiteral(" · ")));
    QStringList loose;
    for (const QString &m : notJudged)
        loose << QStringLiteral("%1 %2").arg(m, valueText(m, metrics.value(m))).toHtmlEscaped();
    if (!loose.isEmpty())
        text += QStringLiteral("<br><span style='color:#757575'>not judged (no expectation bounds them): %1</span>").arg(loose.join(QStringLiteral(", ")));
    return text;
}
