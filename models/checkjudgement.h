#pragma once

#include "expectation.h"
#include "verdict.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

// The verdict of a finished check from what it measured: ERROR when aborted; INCONCLUSIVE when the
// console could not keep its probes' schedule (the metrics then describe the console, not the
// target); otherwise PASS when nothing failed and every expectation holds, else FAIL. Failed
// expectations are added to the failures, worded by ExpectationOutcome::failureText().
struct CheckJudgement
{
    Verdict verdict = Verdict::NotRun;
    QStringList failures;
    QString note;

    struct Input
    {
        QList<Expectation> expectations;
        QMap<QString, double> metrics;
        QMap<QString, QString> saved; // save_as values as text
        QStringList failures;         // failed steps, abort
        bool aborted = false;
        QString overload;             // non-empty: why the console was overloaded (CheckMetrics::Summary::overload)
    };

    static CheckJudgement judge(const Input &input);
    // The saved values the expectations name (left or right): what a result keeps of `saved`.
    static QMap<QString, QString> comparedValues(const QList<Expectation> &expectations, const QMap<QString, QString> &saved);
};
