#pragma once

#include "loglinebatch.h"
#include "servicestatus.h"

#include <QJsonObject>

// The stack control socket's messages (one JSON object per line) for what a StackBackend
// reports: a console that runs a stack shares it with others on the same machine.
namespace StackWire {
QJsonObject toJson(const ServiceStatus &s);
ServiceStatus statusFromJson(const QJsonObject &o);
QJsonObject toJson(const LogLine &l);
LogLine logLineFromJson(const QJsonObject &o);
QByteArray line(const QJsonObject &message); // compact JSON + '\n'
// Where the console that runs a lab's stack listens: beside the stack's files.
QString socketPath(const QString &runDir);
} // namespace StackWire
