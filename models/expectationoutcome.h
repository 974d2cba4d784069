#pragma once

#include "expectation.h"
#include "metricinterval.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

// One expectation judged against a check's metrics and saved values: a row of the exports, and
// the rule rejudge() applies.
struct ExpectationOutcome
{
    QString text;   // as written in the lab ("failover_ms <= 5s")
    QString metric; // the left side
    Expectation::Op op = Expectation::Op::LessEqual;
    double bound = 0;
    Expectation::Operand right = Expectation::Operand::Number;
    QString rightText; // Text: the literal; Name: the metric / saved value named
    bool evaluated = true; // false: the check was not judged (DEFERRED, N/A, NOT RUN), so neither value nor passed mean anything
    bool measured = false; // both sides had a value
    QString missing;       // the name that had no value, when !measured
    double value = 0;      // the left value when it is a number
    QString valueText;     // the left value as shown: "41.4", "\"NOQUORUM\""
    QString boundText;     // the right value as shown: "99", "\"NOQUORUM\"", "master_before \"api1\""
    bool textual = false;  // compared as text (a side is not a number)
    bool passed = false;

    // `saved`: the values steps saved (save_as), as text; metrics win when a name is in both.
    static ExpectationOutcome judge(const Expectation &expectation, const QMap<QString, double> &metrics,
                                    const QMap<QString, QString> &saved = {});
    static ExpectationOutcome notEvaluated(const Expectation &expectation);

    // The failure line: the expectation, then the left value, what held instead and the right value
    // ("lb.availability_pct >= 99: lb.availability_pct 41.4 < 99"). Stored failures parse back.
    QString failureText() const;
    // Parses a failure line written by failureText() (or an older "measured V, bound OP B" line);
    // nullopt for other failures (failed steps, aborts).
    static std::optional<ExpectationOutcome> fromFailure(const QString &failure);
    // The failed expectations a failures list holds, in order.
    static QList<ExpectationOutcome> fromFailures(const QStringList &failures);

    // The left value as reports show it: "2957 ms (2900–3010)" for a timing, "\"NOQUORUM\"" for text.
    QString measuredText(const MetricIntervals &intervals) const;

    // "\"text\"" with \ and " escaped.
    static QString quoted(const QString &text);
};
