#pragma once

#include "runevent.h"

#include <QString>

// Stable names of event kinds: they are stored in the run database and appear in the JSON export.
namespace RunEventText {
inline QString toString(RunEvent::Kind kind)
{
    switch (kind) {
    case RunEvent::Kind::CheckStarted: return QStringLiteral("check_started");
    case RunEvent::Kind::CheckFinished: return QStringLiteral("check_finished");
    case RunEvent::Kind::StepStarted: return QStringLiteral("step_started");
    case RunEvent::Kind::StepFinished: return QStringLiteral("step_finished");
    case RunEvent::Kind::Fault: return QStringLiteral("fault");
    case RunEvent::Kind::RoleChange: return QStringLiteral("role_change");
    case RunEvent::Kind::Mark: return QStringLiteral("mark");
    case RunEvent::Kind::Note: return QStringLiteral("note");
    case RunEvent::Kind::Abort: return QStringLiteral("abort");
    case RunEvent::Kind::ServiceState: return QStringLiteral("service_state");
    }
    return {};
}

inline RunEvent::Kind fromString(const QString &text)
{
    for (RunEvent::Kind k : {RunEvent::Kind::CheckStarted, RunEvent::Kind::CheckFinished, RunEvent::Kind::StepStarted,
                             RunEvent::Kind::StepFinished, RunEvent::Kind::Fault, RunEvent::Kind::RoleChange,
                             RunEvent::Kind::Mark, RunEvent::Kind::Note, RunEvent::Kind::Abort,
                             RunEvent::Kind::ServiceState})
        if (toString(k) == text)
            return k;
    return RunEvent::Kind::Note;
}
} // namespace RunEventText
