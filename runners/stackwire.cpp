#include "stackwire.h"

#include <QDir>
#include <QJsonDocument>

namespace StackWire {

QJsonObject toJson(const ServiceStatus &s)
{
    return {{QStringLiteral("state"), int(s.state)},
            {QStringLiteral("exit_code"), s.exitCode},
            {QStringLiteral("health"), int(s.health)},
            {QStringLiteral("role"), s.role},
            {QStringLiteral("pid"), double(s.pid)},
            {QStringLiteral("container"), s.container},
            {QStringLiteral("since"), s.since.toString(Qt::ISODateWithMs)},
            {QStringLiteral("detail"), s.detail}};
}

ServiceStatus statusFromJson(const QJsonObject &o)
{
    ServiceStatus s;
    s.state = ServiceStatus::State(o.value(QStringLiteral("state")).toInt());
    s.exitCode = o.value(QStringLiteral("exit_code")).toInt();
    s.health = ServiceStatus::Health(o.value(QStringLiteral("health")).toInt());
    s.role = o.value(QStringLiteral("role")).toString();
    s.pid = qint64(o.value(QStringLiteral("pid")).toDouble());
    s.container = o.value(QStringLiteral("container")).toString();
    s.since = QDateTime::fromString(o.value(QStringLiteral("since")).toString(), Qt::ISODateWithMs);
    s.detail = o.value(QStringLiteral("detail")).toString();
    return s;
}

QJsonObject toJson(const LogLine &l)
{
    return {{QStringLiteral("time"), l.time.toString(Qt::ISODateWithMs)},
            {QStringLiteral("service"), l.service},
            {QStringLiteral("text"), l.text},
            {QStringLiteral("stderr"), l.stderrStream}};
}

LogLine logLineFromJson(const QJsonObject &o)
{
    LogLine l;
    l.time = QDateTime::fromString(o.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs);
    l.service = o.value(QStringLiteral("service")).toString();
    l.text = o.value(QStringLiteral("text")).toString();
    l.stderrStream = o.value(QStringLiteral("stderr")).toBool();
    return l;
}

QByteArray line(const QJsonObject &message)
{
    return QJsonDocument(message).toJson(QJsonDocument::Compact) + '\n';
}

QString socketPath(const QString &runDir)
{
    return QDir(runDir).filePath(QStringLiteral(".halab-stack.sock"));
}

} // namespace StackWire
