#pragma once

#include <QString>

// Where a lab element was written, so every error and reference can point back at it.
struct SourceLocation
{
    QString file;
    int line = 0;   // 1-based; 0 when unknown
    int column = 0; // 1-based; 0 when unknown

    QString toString() const
    {
        if (line <= 0)
            return file;
        return file + QLatin1Char(':') + QString::number(line) + QLatin1Char(':') + QString::number(column);
    }
};
