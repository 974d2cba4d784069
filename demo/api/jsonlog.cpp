#include "jsonlog.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <chrono>
#include <cstdio>

namespace {
QString &nodeName()
{
    static QString node;
    return node;
}

// JSON-encodes one string (with quotes) by serialising a one-element array.
QByteArray quoted(const QString &s)
{
    const QByteArray arr = QJsonDocument(QJsonArray{s}).toJson(QJsonDocument::Compact);
    return arr.mid(1, arr.size() - 2);
}
} // namespace

void JsonLog::setNode(const QString &node)
{
    nodeName() = node;
}

void JsonLog::info(const QString &msg, const QJsonObject &fields)
{
    write(QStringLiteral("info"), msg, fields);
}

void JsonLog::warn(const QString &msg, const QJsonObject &fields)
{
    write(QStringLiteral("warn"), msg, fields);
}

void JsonLog::error(const QString &msg, const QJsonObject &fields)
{
    write(QStringLiteral("error"), msg, fields);
}

QString JsonLog::timestamp()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

qint64 JsonLog::wallUs()
{
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

void JsonLog::write(const QString &level, const QString &msg, const QJsonObject &fields)
{
    // Fixed keys first so lines read naturally; the rest follows in QJsonObject order.
    QByteArray line = "{\"ts\":" + quoted(timestamp()) + ",\"level\":" + quoted(level)
                      + ",\"node\":" + quoted(nodeName()) + ",\"msg\":" + quoted(msg);
    QJsonObject rest = fields;
    rest.remove(QStringLiteral("ts"));
    rest.remove(QStringLiteral("level"));
    rest.remove(QStringLiteral("node"));
    rest.remove(QStringLiteral("msg"));
    if (!rest.isEmpty()) {
        const QByteArray tail = QJsonDocument(rest).toJson(QJsonDocument::Compact);
        line += ',' + tail.mid(1); // drop the leading '{', keep the closing '}'
    } else {
        line += '}';
    }
    line += '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fflush(stdout);
}
