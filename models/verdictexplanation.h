#pragma once

#include "checkspec.h"
#include "expectationoutcome.h"
#include "run.h"

#include <QList>
#include <QString>
#include <QStringList>

// Why a check got its verdict, in words every front end shares (CLI summary, verdict bar, reports):
// the expectations that decided it with their measured values, the metrics nobody judged, and the
// other failures (steps, aborts). Every metric value with its unit is formatted here, in one place.
struct VerdictExplanation
{
    QList<ExpectationOutcome> judged; // each expectation of the check, judged against the result's metrics
    QStringList notJudged;            // metrics that were measured but that no expectation bounds
    QStringList otherFailures;        // failed steps, timeouts, aborts: failures that are not expectations

    // spec may be null (a stored run whose lab is gone): then only the failed expectations are known.
    static VerdictExplanation of(const CheckResult &result, const CheckSpec *spec);

    // "lb.availability_pct 41.4 % < 99 %" for a failed one, "failover_ms 2957 ms ≤ 5000 ms" for a kept one.
    static QString outcomeText(const ExpectationOutcome &outcome);
    // "41.4 %", "2957 ms", "12": a metric's value with the unit its name carries (_pct, _ms).
    static QString valueText(const QString &metric, double value);
    // The same, and a timing with the interval that holds the truth: "2102 ms (2000–2113)".
    static QString valueText(const QString &metric, double value, const MetricIntervals &intervals);
    // B − A in the metric's unit, signed: "+0.3 ms", "−66 ms", "0".
    static QString deltaText(const QString &metric, double a, double b);
    static QString unitOf(const QString &metric);
    // The deciding figures in one line: every judged expectation, failed ones first.
    QString decidingFigures() const;
    bool hasFailedExpectation() const;
    // For the window's verdict bar and Live tab: "decided by ✓ … · ✗ …" and, greyed, the metrics not
    // judged with their values. Empty when nothing decided the verdict.
    QString html(const QMap<QString, double> &metrics) const;
    // "availability_pct" when "lb.availability_pct" holds the same value: the check-level copy of the
    // only probe's metric, shown once (as the probe's).
    static bool isAliasOfProbeMetric(const QMap<QString, double> &metrics, const QString &name);
};
