#pragma once

#include "stepspec.h"

#include <QString>

// How a step kind reads in the window: a short upper-case label on a coloured badge.
namespace StepBadge {
inline QString label(StepSpec::Kind kind)
{
    switch (kind) {
    case StepSpec::Kind::Http: return QStringLiteral("HTTP");
    case StepSpec::Kind::Command: return QStringLiteral("COMMAND");
    case StepSpec::Kind::Fault: return QStringLiteral("FAULT");
    case StepSpec::Kind::Wait: return QStringLiteral("WAIT");
    case StepSpec::Kind::LogScan: return QStringLiteral("LOG SCAN");
    case StepSpec::Kind::Matrix: return QStringLiteral("MATRIX");
    case StepSpec::Kind::Prompt: return QStringLiteral("OPERATOR");
    case StepSpec::Kind::Mark: return QStringLiteral("MARK");
    case StepSpec::Kind::Network: return QStringLiteral("NETWORK");
    }
    return {};
}

inline QString colour(StepSpec::Kind kind)
{
    switch (kind) {
    case StepSpec::Kind::Fault:
    case StepSpec::Kind::Network: return QStringLiteral("#c62828");
    case StepSpec::Kind::Wait:
    case StepSpec::Kind::Mark: return QStringLiteral("#6d6d6d");
    case StepSpec::Kind::Prompt: return QStringLiteral("#8e24aa");
    case StepSpec::Kind::LogScan: return QStringLiteral("#00796b");
    case StepSpec::Kind::Matrix: return QStringLiteral("#283593");
    default: return QStringLiteral("#1565c0");
    }
}

// The badge as rich text, for labels and HTML views.
inline QString html(StepSpec::Kind kind)
{
    return QStringLiteral("<span style='color:white;background:%1'>&nbsp;%2&nbsp;</span>").arg(colour(kind), label(kind));
}
} // namespace StepBadge
