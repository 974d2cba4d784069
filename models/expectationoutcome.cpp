#include "expectationoutcome.h"

#include "metricformat.h"

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

QString unquoted(const QString &token)
{
    if (token.size() < 2 || !token.startsWith(u'"') || !token.endsWith(u'"'))
        return token;
    QString out;
    for (qsizetype i = 1; i + 1 < token.size(); ++i) {
        if (token.at(i) == u'\\' && i + 2 < token.size())
            ++i;
        out += token.at(i);
    }
    return out;
}

struct Side
{
    bool found = false;
    bool numeric = false;
    double number = 0;
    QString text;  // the raw value
    QString shown; // as the failure line shows it
};

Side lookup(const QString &name, const QMap<QString, double> &metrics, const QMap<QString, QString> &saved)
{
    Side s;
    if (const auto it = metrics.constFind(name); it != metrics.cend()) {
        s.found = s.numeric = true;
        s.number = it.value();
        s.text = s.shown = MetricFormat::number(it.value());
    } else if (const auto t = saved.constFind(name); t != saved.cend()) {
        s.found = true;
        s.text = t.value();
        s.number = t.value().trimmed().toDouble(&s.numeric);
        s.shown = s.numeric ? MetricFormat::number(s.number) : ExpectationOutcome::quoted(s.text);
    }
    return s;
}

} // namespace

QString ExpectationOutcome::measuredText(const MetricIntervals &intervals) const
{
    if (!measured)
        return {};
    bool numeric = false;
    valueText.toDouble(&numeric);
    return numeric ? MetricFormat::value(metric, value, intervals) : valueText;
}

QString ExpectationOutcome::quoted(const QString &text)
{
    QString out = text;
    out.replace(u"\\"_s, u"\\\\"_s).replace(u"\""_s, u"\\\""_s);
    return u'"' % out % u'"';
}

ExpectationOutcome ExpectationOutcome::notEvaluated(const Expectation &expectation)
{
    ExpectationOutcome o;
    QString right;
    switch (expectation.right) {
    case Expectation::Operand::Number: right = MetricFormat::number(expectation.bound); break;
    case Expectation::Operand::Text: right = quoted(expectation.rightText); break;
    case Expectation::Operand::Name: right = expectation.rightText; break;
    }
    o.text = expectation.text.isEmpty() ? expectation.metric % u' ' % Expectation::opText(expectation.op) % u' ' % right
                                        : expectation.text;
    o.metric = expectation.metric;
    o.op = expectation.op;
    o.bound = expectation.bound;
    o.right = expectation.right;
    o.rightText = expectation.rightText;
    o.boundText = right;
    o.evaluated = false;
    return o;
}

ExpectationOutcome ExpectationOutcome::judge(const Expectation &expectation, const QMap<QString, double> &metrics,
                                             const QMap<QString, QString> &saved)
{
    ExpectationOutcome o = notEvaluated(expectation);
    o.evaluated = true;
    const Side left = lookup(expectation.metric, metrics, saved);
    Side right;
    switch (expectation.right) {
    case Expectation::Operand::Number:
        right.found = right.numeric = true;
        right.number = expectation.bound;
        right.text = right.shown = MetricFormat::number(expectation.bound);
        break;
    case Expectation::Operand::Text:
        right.found = true;
        right.text = expectation.rightText;
        right.shown = quoted(expectation.rightText);
        break;
    case Expectation::Operand::Name:
        right = lookup(expectation.rightText, metrics, saved);
        if (right.found)
            right.shown = expectation.rightText % u' ' % right.shown;
        break;
    }
    o.measured = left.found && right.found;
    if (!left.found)
        o.missing = expectation.metric;
    else if (!right.found)
        o.missing = expectation.rightText;
    o.value = left.numeric ? left.number : 0;
    o.valueText = left.shown;
    if (right.found)
        o.boundText = right.shown;
    if (right.found && right.numeric && expectation.right != Expectation::Operand::Text)
        o.bound = right.number;
    if (!o.measured)
        return o;
    // Numbers compare as numbers; anything else as text, and text has only == and !=.
    if (left.numeric && right.numeric && expectation.right != Expectation::Operand::Text) {
        o.passed = expectation.holds(left.number, right.number);
    } else {
        o.textual = true;
        if (expectation.op == Expectation::Op::Equal)
            o.passed = left.text == right.text;
        else if (expectation.op == Expectation::Op::NotEqual)
            o.passed = left.text != right.text;
        else
            o.passed = false;
    }
    return o;
}

QString ExpectationOutcome::failureText() const
{
    if (!measured)
        return u"%1: %2 was not measured"_s.arg(text, missing.isEmpty() ? metric : missing);
    if (textual && Expectation::isOrdering(op))
        return u"%1: %2 %3 and %4 are not both numbers"_s.arg(text, metric, valueText, boundText);
    return u"%1: %2 %3 %4 %5"_s.arg(text, metric, valueText, Expectation::opText(Expectation::negated(op)), boundText);
}

std::optional<ExpectationOutcome> ExpectationOutcome::fromFailure(const QString &failure)
{
    // Older stores: "<text>: measured V, bound OP B".
    static const QRegularExpression measuredRe(u"^(.+): measured (\\S+), bound (<=|>=|==|!=|<|>) (\\S+)$"_s);
    static const QRegularExpression missingRe(u"^(.+): (\\S+) was not measured$"_s);
    static const QRegularExpression notNumbersRe(u"^(.+): ([A-Za-z_][A-Za-z0-9_.-]*) (.+) and (.+) are not both numbers$"_s);
    static const QString value = u"(\"(?:[^\"\\\\]|\\\\.)*\"|\\S+)"_s;
    static const QRegularExpression currentRe(u"^(.+): ([A-Za-z_][A-Za-z0-9_.-]*) "_s % value % u" (<=|>=|==|!=|<|>) (?:([A-Za-z_][A-Za-z0-9_.-]*) )?"_s
                                              % value % u"$"_s);
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
        o.valueText = m.captured(2);
        o.boundText = m.captured(4);
        o.measured = true;
        o.passed = false;
        return o;
    }
    m = missingRe.match(failure);
    if (m.hasMatch()) {
        ExpectationOutcome o;
        o.text = m.captured(1);
        o.metric = leadingMetric(o.text);
        o.missing = m.captured(2);
        if (o.metric.isEmpty())
            o.metric = o.missing;
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
    m = notNumbersRe.match(failure);
    if (m.hasMatch()) {
        ExpectationOutcome o;
        o.text = m.captured(1);
        o.metric = m.captured(2);
        o.valueText = m.captured(3);
        o.boundText = m.captured(4);
        o.measured = o.textual = true;
        static const QRegularExpression opRe(u"\\s(<=|>=|<|>)\\s"_s);
        if (const QRegularExpressionMatch b = opRe.match(o.text); b.hasMatch())
            o.op = opFromText(b.captured(1)).value_or(Expectation::Op::Less);
        return o;
    }
    m = currentRe.match(failure);
    if (m.hasMatch()) {
        const std::optional<Expectation::Op> held = opFromText(m.captured(4));
        if (!held || leadingMetric(m.captured(1)) != m.captured(2))
            return std::nullopt;
        ExpectationOutcome o;
        o.text = m.captured(1);
        o.metric = m.captured(2);
        o.op = Expectation::negated(*held);
        o.valueText = m.captured(3);
        const QString rightName = m.captured(5);
        const QString rightValue = m.captured(6);
        o.boundText = rightName.isEmpty() ? rightValue : rightName % u' ' % rightValue;
        bool leftNumber = false, rightNumber = false;
        o.value = o.valueText.toDouble(&leftNumber);
        const double bound = rightValue.toDouble(&rightNumber);
        if (!rightName.isEmpty()) {
            o.right = Expectation::Operand::Name;
            o.rightText = rightName;
        } else if (rightValue.startsWith(u'"')) {
            o.right = Expectation::Operand::Text;
            o.rightText = unquoted(rightValue);
        }
        if (rightNumber)
            o.bound = bound;
        o.textual = !leftNumber || !rightNumber;
        o.measured = true;
        o.passed = false;
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
