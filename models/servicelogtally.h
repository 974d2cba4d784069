#pragma once

#include <QDateTime>
#include <QString>

// How many lines of one service a run kept, and how many it dropped at the caps (never silently).
struct ServiceLogTally
{
    QString service;
    int stored = 0;
    int dropped = 0;
    QDateTime firstDropped; // the span the dropped lines came in; invalid when none were dropped
    QDateTime lastDropped;
};
