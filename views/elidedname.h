#pragma once

#include <QString>

// A lab or check name for a single-line label or title. A lab value may be 64 KiB long; laying it
// out in one line took seconds (a 100 KB name: 18 s) for text nobody can see past the first line.
inline QString elidedName(const QString &name, qsizetype maxChars = 120)
{
    if (name.size() <= maxChars)
        return name;
    return name.left(maxChars - 1) + QChar(0x2026); // …
}
