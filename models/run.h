#pragma once

#include "clusteranomaly.h"
#include "metricinterval.h"
#include "probesample.h"
#include "runevent.h"
#include "servicelogline.h"
#include "servicelogtally.h"
#include "stepoutcome.h"
#include "verdict.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

// The result of one check within a run.
struct CheckResult
{
    QString checkId;
    QString title;
    Verdict verdict = Verdict::NotRun;
    QString note;
    QMap<QString, double> metrics;
    MetricIntervals intervals;         // [lo, hi] ms in which the truth of each timing metric lies
    QMap<QString, QString> saved;      // saved values (save_as) that expectations compare, as text, redacted
    QList<ClusterAnomaly> anomalies;   // split brain, leader regressions, unexplained no-leader spans
    int stoppedAtStep = -1;            // 0-based index of the failed step the check stopped at; -1: it did not stop early
    QStringList failures;              // why it is not PASS: failed steps and expectations
    QDateTime started;
    QDateTime finished;
    QList<StepOutcome> steps;          // evidence
    QList<RunEvent> events;            // faults, role changes, marks
    QString overrideReason;            // set when the engineer overrode the proposed verdict
    ProbeSampleBatch samples;          // raw probe samples; loaded only on request (RunStore::run(id, true))
};

// One sitting: what was run against which stack, by whom, and what came of it.
struct Run
{
    // Incomplete: the run ended, but some of its evidence could not be stored.
    enum class State { Running, Finished, Interrupted, Incomplete };

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
    QList<ServiceLogTally> serviceLogs; // lines of each service kept with the run (RunStore::serviceLogs)
    QList<ServiceLogLine> serviceLogLines; // the lines themselves; loaded only with samples (RunStore::run(id, true))

    static QString stateText(State s)
    {
        switch (s) {
        case State::Running: return QStringLiteral("running");
        case State::Finished: return QStringLiteral("finished");
        case State::Interrupted: return QStringLiteral("interrupted");
        case State::Incomplete: return QStringLiteral("incomplete");
        }
        return {};
    }
};
