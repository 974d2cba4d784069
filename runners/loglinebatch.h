#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

// One line a service wrote, stamped when the console read it.
struct LogLine
{
    QDateTime time; // UTC, ms precision
    QString service;
    QString text;
    bool stderrStream = false;
};
