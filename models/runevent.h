#pragma once

#include <QMetaType>
#include <QString>

// Something that happened during a check, on the same clock as the samples.
struct RunEvent
{
    // ServiceState: a service's state changed during the check ("exited(137)" after a kill): the
    // moment a fault took effect is an event on the timeline, never a wait inside the fault step.
    enum class Kind { CheckStarted, CheckFinished, StepStarted, StepFinished, Fault, RoleChange, Mark, Note, Abort, ServiceState };

    Kind kind = Kind::Note;
    qint64 monoNs = 0;
    qint64 wallMs = 0;
    QString service; // fault target / new leader / the service whose state changed
    QString action;  // fault action ("kill", ...), step kind, mark name, new state ("exited(137)")
    QString detail;
};
Q_DECLARE_METATYPE(RunEvent)
