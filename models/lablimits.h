#pragma once

#include <QtGlobal>

// Hard bounds on what a lab file may hold, so a hostile or mistaken file is refused quickly
// with a clear error instead of exhausting time or memory (docs/lab-format.md, "Limits and ranges").
namespace LabLimits {
// A hand-written lab is tens of KiB; 4 MiB is ten times the largest synthetic lab we benchmark.
constexpr qint64 maxFileBytes = 4 * 1024 * 1024;
// One scalar value (a name, a URL, a body), also after ${NAME} references are replaced.
constexpr qint64 maxValueBytes = 64 * 1024;
// YAML nodes counted with every alias expanded (alias bombs); an ordinary 4 MiB lab has ~300,000.
constexpr qint64 maxNodes = 500'000;
// Waits, intervals, timeouts and grace periods: QTimer counts in int milliseconds (24.8 days).
constexpr qint64 maxDurationMs = 7LL * 24 * 3600 * 1000;
// A readiness window looks back over runs, never arms a timer.
constexpr qint64 maxWindowMs = 366LL * 24 * 3600 * 1000;
} // namespace LabLimits
