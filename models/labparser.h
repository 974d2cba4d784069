#pragma once

#include "lab.h"
#include "labdiagnostic.h"

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

// Reads a lab file (YAML, format v1) into a Lab, collecting every problem with its line and column.
class LabParser
{
public:
    struct Result
    {
        Lab lab;
        LabDiagnostics errors;
        bool ok() const { return errors.isEmpty(); }
    };

    // Problems beyond this many are summed up in one last line: a garbage file must not flood the screen.
    static constexpr int kMaxProblems = 100;

    // overrides are `--set NAME=VALUE`: they replace the variables' values before anything is
    // checked, so a port set on the command line is range-checked like one written in the file.
    static Result parseFile(const QString &path, const QMap<QString, QString> &overrides = {});
    // displayName is what errors print before ":line:column" (usually the file name as given).
    static Result parseText(const QByteArray &yaml, const QString &displayName, const QString &filePath = QString(),
                            const QMap<QString, QString> &overrides = {});

    // Metric names expectations may use (besides values a check saves and "<probe>.<metric>").
    static QStringList knownMetrics();
    // Names every lab may reference without declaring them: LAB_DIR, RUN_DIR, BIN_DIR.
    static QStringList builtinVariables();
};
