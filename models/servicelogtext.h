#pragma once

#include "servicelogline.h"
#include "servicelogtally.h"

#include <QList>
#include <QString>
#include <QStringList>

// A run's stored service logs as text: what `halab-cli logs` prints and the window's run detail shows.
class ServiceLogText
{
public:
    // "2026-12-02 05:10:11.123 api1 | text" ("api1!" for stderr), each service's lines then, if any
    // were dropped, the line that says how many and when.
    static QStringList lines(const QList<ServiceLogLine> &lines, const QList<ServiceLogTally> &tallies, const QString &service = {});
    // "… 1234 more line(s) of api1 dropped (cap 5000 per service, 20000 per run), from … to …"
    static QString droppedMarker(const ServiceLogTally &tally);
    // The command that prints them.
    static QString command(const QString &runId, const QString &service = {});
};
