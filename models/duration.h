#pragma once

#include <QString>

#include <optional>

// Durations in lab files: "50ms", "1s", "1.5s", "5m", "6h".
namespace Duration {
// Milliseconds, or nullopt with *error saying what is wrong.
std::optional<qint64> parse(const QString &text, QString *error = nullptr);
// Shortest exact text for a duration: 1500 -> "1.5s", 60000 -> "1m".
QString format(qint64 ms);
} // namespace Duration
