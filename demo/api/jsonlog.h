// One JSON object per line on stdout, flushed per line (tests and the console tail it live).
#pragma once

#include <QJsonObject>
#include <QString>

class JsonLog
{
public:
    static void setNode(const QString &node);
    static void info(const QString &msg, const QJsonObject &fields = {});
    static void warn(const QString &msg, const QJsonObject &fields = {});
    static void error(const QString &msg, const QJsonObject &fields = {});
    static void write(const QString &level, const QString &msg, const QJsonObject &fields);
    // ISO 8601 UTC with milliseconds, e.g. 2026-06-10T12:00:00.123Z.
    static QString timestamp();
    // Wall time in microseconds since the epoch: the server-side instant tests compare against.
    static qint64 wallUs();
};
