#pragma once

#include "sourcelocation.h"

#include <QMap>
#include <QString>
#include <QStringList>

// A periodic or one-shot measurement: HTTP request, TCP connect, command, SQL query or Redis command.
struct ProbeSpec
{
    enum class Kind { Http, Tcp, Command, Sql, Redis };

    QString id;
    Kind kind = Kind::Http;

    // http
    QString method = QStringLiteral("GET");
    QString url;
    QMap<QString, QString> headers;
    QString body;
    int expectStatus = 0; // 0: any 2xx counts as success

    // tcp and redis: "host:port"
    QString address;

    // command: argv, run without a shell
    QStringList command;
    int expectExit = 0;

    // sql: libpq connection string ("host=… port=… dbname=…" or a postgresql:// URI) and the query
    QString connection;
    QString query;
    int expectRows = -1; // -1: any number of rows

    // redis: the command's argv (e.g. INCR probe_counter)
    QStringList redisCommand;

    // sql / redis: the value (extracted, or the first field / the reply) must equal this; empty: any
    QString expectValue;

    // Extra environment: a command probe's process gets it; sql reads PGPASSWORD, PGUSER, … and
    // redis REDISCLI_AUTH / REDISCLI_USER from it, as psql and redis-cli would. May hold secrets.
    QMap<QString, QString> env;

    // extraction of a value from the body / stdout / rows / reply
    QString jsonPointer; // e.g. /holder_id
    QString regex;       // first capture group, or whole match

    // command probes: run inside this lab host's network namespace (what that member sees)
    QString fromHost;
    QString netnsPath; // set when the probe starts: that namespace's /run/netns path

    qint64 intervalMs = 1000;
    qint64 timeoutMs = 1000;

    SourceLocation where;
};
