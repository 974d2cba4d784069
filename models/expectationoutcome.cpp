#include "expectationoutcome.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace {

std::optional<Expectation::Op> opFromText(const QString &text)
{
    for (Expectation::Op op : {Expectation::Op::Less, Expectation::Op::LessEqual, Expectation::Op::Equal,
                               Expectation::Op::NotEqual, Expectation::Op::GreaterEqual, Expectation::Op::Greater})
        if (Expectation::opText(op) == text)
            return op;
    return std::nullopt;
}

// "lb.availability_pct >= 99" names its metric first.
QString leadingMetric(const QString &text)
{
    static const QRegularExpression re(u"^\\s*([A-Za-z_][A-Za-z0-9_.-]*)"_s);
    const QRegularExpressionMatch m = re.match(text);
    return m.hasMatch() ? m.captured(1) : QString();
}

} // namespace

ExpectationOutcome ExpectationOutcome::notEvaluated(const Expectation &expectation)
{
    ExpectationOutcome o;
    o.text = expectation.text.isEmpty()
                 ? expectation.metric % u' ' % Expectation::opText(expectation.op) % u' ' % QString::number(expectation.bound)
                 : expectation.text;
    o.metric = expectation.metric;
    o.op = expectation.op;
    o.bound = expectation.bound;
    o.evaluated = false;
    return o;
}

ExpectationOutcome ExpectationOutcome::judge(const Expectation &expectation, const QMap<QString, double> &metrics)
{
    ExpectationOutcome o = notEvaluated(expectation);
    o.evaluated = true;
    const auto it = metrics.constFind(expectation.metric);
    o.measured = it != metrics.cend();
    o.value = o.measured ? it.value() : 0;
    o.passed = o.measured && expectation.holds(o.value);
    return o;
}

QString ExpectationOutcome::failureText() const
{
    if (!measured)
        return u"%1: %2 was not measured"_s.arg(text, metric);
    return u"%1: measured %2, bound %3 %4"_s.arg(text).arg(value, 0, 'g', 6).arg(Expectation::opText(op)).arg(bound);
}

std::optional<ExpectationOutcome> ExpectationOutcome::fromFailure(const QString &failure)
{
    static const QRegularExpression measuredRe(u"^(.+): measured (\\S+), bound (<=|>=|==|!=|<|>) (\\S+)$"_s);
    static const QRegularExpression missingRe(u"^(.+): (\\S+) was not measured$"_s);
    QRegularExpressionMatch m = measuredRe.match(failure);
    if (m.hasMatch()) {
        bool okValue = false, okBound = false;
        ExpectationOutcome o;
        o.text = m.captured(1);
        o.metric = leadingMetric(o.text);
        o.value = m.captured(2).toDouble(&okValue);
        o.bound = m.captured(4).toDouble(&okBound);
        const std::optional<Expectation::Op> op = opFromText(m.captured(3));
        if (!okValue || !okBound || !op)
            return std::nullopt;
        o.op = *op;
        o.measured = true;
        o.passed = false;
        return o;
    }
    m = missingRe.match(failure);
    if (m.hasMatch()) {
        ExpectationOutcome o;
        o.text = m.captured(1);
        o.metric = m.captured(2);
        o.measured = false;
        o.passed = false;
        // The bound is in the text ("failover_ms <= 5s") but units may have been converted: read what parses.
        static const QRegularExpression boundRe(u"(<=|>=|==|!=|<|>)\\s*(-?[0-9]+(?:\\.[0-9]+)?)\\s*$"_s);
        const QRegularExpressionMatch b = boundRe.match(o.text);
        if (b.hasMatch()) {
            if (const std::optional<Expectation::Op> op = opFromText(b.captured(1)))
                o.op = *op;
            o.bound = b.captured(2).toDouble();
        }
        return o;
    }
    return std::nullopt;
}

QList<ExpectationOutcome> ExpectationOutcome::fromFailures(const QStringList &failures)
{
    QList<ExpectationOutcome> out;
    for (const QString &f : failures)
        if (std::optional<ExpectationOutcome> o = fromFailure(f))
            out.append(*o);
    return out;
}
