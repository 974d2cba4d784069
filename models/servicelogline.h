#pragma once

#include <QDateTime>
#include <QString>

// One line a service wrote during a run, as the run store keeps it (redacted before it is stored).
struct ServiceLogLine
{
    QDateTime time; // UTC, when the console read it
    QString service;
    QString checkId; // the check in progress then; empty between checks
    QString text;
    bool stderrStream = false;
};
