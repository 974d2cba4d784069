#pragma once

#include "expectation.h"
#include "sourcelocation.h"

#include <QList>
#include <QString>
#include <QStringList>

// A metric bound on one check's latest result, as a readiness criterion.
struct MetricCriterionSpec
{
    QString check;
    Expectation expectation;
};

// A named gate over runs: "HA design partner ready".
struct ReadinessLevelSpec
{
    QString id;
    QString name;
    QString description;
    qint64 windowMs = 0; // all evidence within one window of this length; 0: no window
    QStringList checksPass;
    QList<MetricCriterionSpec> metrics;
    SourceLocation where;
};
