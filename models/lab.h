#pragma once

#include "checkspec.h"
#include "hostspec.h"
#include "readinesslevelspec.h"
#include "servicespec.h"

#include <QList>
#include <QMap>
#include <QString>

struct SecretSpec
{
    QString name;
    QString description;
    bool generateIfMissing = false; // the console makes a random value (in the keychain) on first use
    SourceLocation where;
};

// A parsed lab file: everything the engineer edits, nothing hard-coded.
struct Lab
{
    int formatVersion = 1;
    QString id;   // stable identity (keychain entries hang off it)
    QString name;
    QString description;
    QString filePath; // absolute path of the lab file

    QMap<QString, QString> variables;
    QMap<QString, QString> endpoints;
    QList<SecretSpec> secrets;
    QList<HostSpec> hosts; // processes backend: one network namespace each
    StackSpec stack;
    QList<CheckSpec> checks;
    QList<ReadinessLevelSpec> readiness;
    // `command` steps that bring a broken cluster back to its starting state (halab-cli stack reset).
    QList<StepSpec> reset;

    const HostSpec *host(const QString &hostName) const
    {
        for (const HostSpec &h : hosts)
            if (h.name == hostName)
                return &h;
        return nullptr;
    }

    const CheckSpec *check(const QString &checkId) const
    {
        for (const CheckSpec &c : checks)
            if (c.id == checkId)
                return &c;
        return nullptr;
    }
};
