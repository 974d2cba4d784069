#pragma once

#include <QList>
#include <QMetaType>
#include <QPair>
#include <QString>

// What one step did: kept as evidence, shown in the check pane, stored and exported.
struct StepOutcome
{
    int index = -1;
    bool ok = true;
    bool skipped = false;
    QString summary;    // one line: "GET http://… → 200 (12 ms)"
    QString request;    // method + URL, or the command line (never holds secret values)
    int status = 0;     // HTTP status / exit code / log-scan count
    QString headers;    // response headers, one per line
    QString body;       // response body or stdout, capped
    QString stderrText;
    qint64 startedWallMs = 0;
    double durationMs = 0;
    QList<QPair<int, int>> matrix; // expected, actual per row
};
Q_DECLARE_METATYPE(StepOutcome)
