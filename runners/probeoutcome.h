#pragma once

#include <QByteArray>
#include <QString>

// What one probe attempt saw, whatever its kind.
struct ProbeOutcome
{
    bool ok = false;        // the probe's own success criterion (2xx / expect_status, connect, exit code, rows, reply)
    bool responded = false; // the target answered: an HTTP status, an exit code, rows, a reply
    bool timedOut = false;  // no answer within the attempt's timeout (the sample says so)
    int status = 0;         // HTTP status, exit code, or the number of SQL rows
    QByteArray output;      // body / stdout / rows as text / reply as text (capped)
    QString value;          // extracted by json / regex (or the first SQL field, the Redis reply)
    QString error;          // why it failed, empty when ok
    qint64 startNs = 0;     // MonoClock: when the attempt started
    qint64 endNs = 0;       // MonoClock: when the answer (or the deadline) came
};

#include <QMetaType>
Q_DECLARE_METATYPE(ProbeOutcome)
