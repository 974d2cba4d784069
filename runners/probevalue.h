#pragma once

#include "probespec.h"

#include <QByteArray>
#include <QString>

#include <optional>

// The value a probe picks from what it saw: the json pointer or regex over the text; without
// either the first field of the first SQL row, or the whole (trimmed) text.
namespace ProbeValue {
std::optional<QString> extract(const ProbeSpec &spec, const QByteArray &text, QString *error = nullptr);
bool wantsValue(const ProbeSpec &spec);
} // namespace ProbeValue
