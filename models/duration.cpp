#include "duration.h"

#include <QRegularExpression>

namespace Duration {

std::optional<qint64> parse(const QString &text, QString *error, qint64 maxMs)
{
    static const QRegularExpression re(QStringLiteral(R"(^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$)"));
    const QRegularExpressionMatch m = re.match(text);
    if (!m.hasMatch()) {
        if (error) {
            static const QRegularExpression bare(QStringLiteral(R"(^\s*\d+(?:\.\d+)?\s*$)"));
            *error = bare.match(text).hasMatch()
                         ? QStringLiteral("duration '%1' has no unit: write e.g. %1ms or %1s").arg(text.trimmed())
                         : QStringLiteral("bad duration '%1': use a number with ms, s, m or h (e.g. 500ms, 5s, 6h)").arg(text);
        }
        return std::nullopt;
    }
    const double value = m.captured(1).toDouble();
    const QString unit = m.captured(2);
    double factor = 1;
    if (unit == QLatin1String("s"))
        factor = 1000;
    else if (unit == QLatin1String("m"))
        factor = 60'000;
    else if (unit == QLatin1String("h"))
        factor = 3'600'000;
    // Compared as a double first: converting an out-of-range double to qint64 is undefined.
    const double ms = value * factor + 0.5;
    if (!(ms < double(maxMs) + 1.0)) {
        if (error)
            *error = QStringLiteral("duration '%1' is too long: the limit is %2 (%3 days)")
                         .arg(text.trimmed(), format(maxMs), QString::number(double(maxMs) / 86'400'000.0));
        return std::nullopt;
    }
    return qint64(ms);
}

QString format(qint64 ms)
{
    if (ms != 0 && ms % 3'600'000 == 0)
        return QString::number(ms / 3'600'000) + QLatin1Char('h');
    if (ms != 0 && ms % 60'000 == 0)
        return QString::number(ms / 60'000) + QLatin1Char('m');
    if (ms >= 1000 && ms % 100 == 0)
        return QString::number(double(ms) / 1000.0) + QLatin1Char('s');
    return QString::number(ms) + QStringLiteral("ms");
}

} // namespace Duration
