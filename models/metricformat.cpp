#include "metricformat.h"

#include <cmath>

using namespace Qt::StringLiterals;

QString MetricFormat::number(double value)
{
    if (!std::isfinite(value))
        return QString::number(value);
    if (std::abs(value - std::round(value)) < 1e-9 && std::abs(value) < 1e15)
        return QString::number(qint64(std::llround(value)));
    QString text = QString::number(value, 'f', std::abs(value) < 0.01 ? 4 : 2);
    // Trailing zeros carry no information: "99.50" reads "99.5".
    while (text.endsWith(u'0'))
        text.chop(1);
    if (text.endsWith(u'.'))
        text.chop(1);
    return text;
}

QString MetricFormat::metric(const QString &name, double v, const MetricIntervals &intervals)
{
    return name % u" = "_s % value(name, v, intervals);
}

QString MetricFormat::value(const QString &name, double v, const MetricIntervals &intervals)
{
    const auto it = intervals.constFind(name);
    if (it == intervals.cend())
        return number(v);
    // Timings are whole milliseconds at best: the interval says how well they are known.
    return number(std::round(v)) % u" ms ("_s % interval(it.value()) % u')';
}

QString MetricFormat::interval(const MetricInterval &i)
{
    return number(std::floor(i.lo)) % u'–' % number(std::ceil(i.hi));
}

QString MetricFormat::span(qint64 ms)
{
    constexpr qint64 second = 1000, minute = 60 * second, hour = 60 * minute, day = 24 * hour;
    if (ms > 0 && ms % day == 0)
        return QString::number(ms / day) % u" d"_s;
    if (ms > 0 && ms % hour == 0)
        return QString::number(ms / hour) % u" h"_s;
    if (ms > 0 && ms % minute == 0)
        return QString::number(ms / minute) % u" min"_s;
    if (ms > 0 && ms % second == 0)
        return QString::number(ms / second) % u" s"_s;
    return QString::number(ms) % u" ms"_s;
}

QString MetricFormat::utc(const QDateTime &when)
{
    if (!when.isValid())
        return u"—"_s;
    return when.toUTC().toString(u"yyyy-MM-dd HH:mm:ss"_s) % u" UTC"_s;
}

QString MetricFormat::duration(double ms)
{
    if (ms >= 1000)
        return number(std::round(ms / 100.0) / 10.0) % u" s"_s;
    return number(std::round(ms)) % u" ms"_s;
}
