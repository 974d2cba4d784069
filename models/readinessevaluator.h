#pragma once

#include "lab.h"
#include "readinessresult.h"
#include "run.h"

#include <QDateTime>
#include <QJsonArray>
#include <QList>
#include <QString>

// Judges the lab's readiness levels over stored runs: each level READY or NOT YET, every criterion
// with a status (OK, MISSING, STALE, FAIL, DEFERRED) and the reason, naming the run it used.
class ReadinessEvaluator
{
public:
    // `runs` are this lab's runs (RunStore::runs({lab})), in any order. For each check the LATEST
    // result (NOT RUN and RUNNING do not count) decides. With a window, all evidence used must lie
    // within windowMs of the newest evidence used and of `now`, else it is STALE.
    static QList<ReadinessResult> evaluate(const Lab &lab, const QList<Run> &runs, const QDateTime &now);

    // The report block: one "<name> — READY ✓" / "— NOT YET ✗" line per level, a line per criterion,
    // then "Verdict: ...".
    static QString text(const QList<ReadinessResult> &results);
    static QJsonArray json(const QList<ReadinessResult> &results);
    // The highest level (in lab order) that is ready; empty when none.
    static QString verdict(const QList<ReadinessResult> &results);
};
