#pragma once

#include "expectation.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

// One expectation judged against a check's metrics: a row of the exports, and the rule rejudge() applies.
struct ExpectationOutcome
{
    QString text;   // as written in the lab ("failover_ms <= 5s")
    QString metric;
    Expectation::Op op = Expectation::Op::LessEqual;
    double bound = 0;
    bool evaluated = true; // false: the check was not judged (DEFERRED, N/A, NOT RUN), so neither value nor passed mean anything
    bool measured = false; // the metric had a value
    double value = 0;
    bool passed = false;

    static ExpectationOutcome judge(const Expectation &expectation, const QMap<QString, double> &metrics);
    static ExpectationOutcome notEvaluated(const Expectation &expectation);

    // The failure line, worded exactly as ScenarioRunner words it, so stored failures can be parsed back.
    QString failureText() const;
    // Parses a failure line written by failureText() (or the runner); nullopt for other failures (failed steps, aborts).
    static std::optional<ExpectationOutcome> fromFailure(const QString &failure);
    // The failed expectations a failures list holds, in order.
    static QList<ExpectationOutcome> fromFailures(const QStringList &failures);
};
