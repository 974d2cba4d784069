#pragma once

#include "verdict.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>

// The result of one check within a run.
struct CheckResult
{
    QString checkId;
    QString title;
    Verdict verdict = Verdict::NotRun;
    QString note;
    QMap<QString, double> metrics;
    QDateTime started;
    QDateTime finished;
};

// One sitting: what was run against which stack, by whom, and what came of it.
struct Run
{
    enum class State { Running, Finished, Interrupted };

    QString id;
    QString labName;
    QString labPath;
    QDateTime started;
    QDateTime finished;
    QString operatorName;
    QString appVersion;
    QString hostOs;
    QMap<QString, QString> stackVersions;
    State state = State::Running;
    QString notes;
    QList<CheckResult> results;

    static QString stateText(State s)
    {
        switch (s) {
        case State::Running: return QStringLiteral("running");
        case State::Finished: return QStringLiteral("finished");
        case State::Interrupted: return QStringLiteral("interrupted");
        }
        return {};
    }
};
