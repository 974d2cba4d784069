#pragma once

#include <QMetaType>
#include <QString>

// Something that happened during a check, on the same clock as the samples.
struct RunEvent
{
    enum class Kind { CheckStarted, CheckFinished, StepStarted, StepFinished, Fault, RoleChange, Mark, Note, Abort };

    Kind kind = Kind::Note;
    qint64 monoNs = 0;
    qint64 wallMs = 0;
    QString service; // fault target / new leader
    QString action;  // fault action ("kill", ...), step kind, mark name
    QString detail;
};
Q_DECLARE_METATYPE(RunEvent)
