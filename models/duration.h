#pragma once

#include "lablimits.h"

#include <QString>

#include <optional>

// Durations in lab files: "50ms", "1s", "1.5s", "5m", "6h".
namespace Duration {
// Milliseconds, or nullopt with *error saying what is wrong; longer than maxMs is an error too.
std::optional<qint64> parse(const QString &text, QString *error = nullptr, qint64 maxMs = LabLimits::maxDurationMs);
// Shortest exact text for a duration: 1500 -> "1.5s", 60000 -> "1m".
QString format(qint64 ms);
} // namespace Duration
