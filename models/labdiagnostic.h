#pragma once

#include "sourcelocation.h"

#include <QList>
#include <QString>

// One problem found in a lab file, printed as "file:line:column: message".
struct LabDiagnostic
{
    SourceLocation where;
    QString message;

    QString toString() const { return where.toString() + QStringLiteral(": ") + message; }
};

using LabDiagnostics = QList<LabDiagnostic>;
