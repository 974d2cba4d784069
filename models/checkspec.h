#pragma once

#include "expectation.h"
#include "probespec.h"
#include "sourcelocation.h"
#include "stepspec.h"

#include <QList>
#include <QMap>
#include <QString>

// One check of the lab: steps in order, probes across them, expectations on the metrics.
struct CheckSpec
{
    enum class Mode { Manual, Automated, Mixed };

    QString id;
    QString title;
    QString description;
    Mode mode = Mode::Manual;

    // Applicability: every variable named here must have the given value, else the check is N/A.
    QMap<QString, QString> appliesWhen;
    QString notApplicableReason;
    // A check written down but knowingly not run yet (the seed's check 9).
    QString deferredReason;

    QList<ProbeSpec> probes;
    QList<StepSpec> steps;
    QList<Expectation> expectations;

    // Data-loss capture: saved values compared into lost_records (before - after).
    QString lostRecordsBefore;
    QString lostRecordsAfter;

    SourceLocation where;

    static QString modeText(Mode m)
    {
        switch (m) {
        case Mode::Manual: return QStringLiteral("manual");
        case Mode::Automated: return QStringLiteral("automated");
        case Mode::Mixed: return QStringLiteral("mixed");
        }
        return {};
    }
};
