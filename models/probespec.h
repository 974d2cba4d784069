#pragma once

#include "sourcelocation.h"

#include <QMap>
#include <QString>
#include <QStringList>

// A periodic or one-shot measurement: HTTP request, TCP connect or command.
struct ProbeSpec
{
    enum class Kind { Http, Tcp, Command };

    QString id;
    Kind kind = Kind::Http;

    // http
    QString method = QStringLiteral("GET");
    QString url;
    QMap<QString, QString> headers;
    QString body;
    int expectStatus = 0; // 0: any 2xx counts as success

    // tcp: "host:port"
    QString address;

    // command: argv, run without a shell
    QStringList command;
    int expectExit = 0;

    // extraction of a value from the body / stdout
    QString jsonPointer; // e.g. /holder_id
    QString regex;       // first capture group, or whole match

    qint64 intervalMs = 1000;
    qint64 timeoutMs = 1000;

    SourceLocation where;
};
