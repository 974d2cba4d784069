#pragma once

#include "lab.h"

#include <QMap>
#include <QString>

#include <optional>

// Resolves ${NAME} for one lab at run time: built-ins, variables (with overrides), endpoints,
// saved step values and secrets, in that order of lookup.
class LabContext
{
public:
    LabContext(const Lab &lab, const QMap<QString, QString> &builtins, const QMap<QString, QString> &overrides = {});

    std::optional<QString> lookup(const QString &name) const;
    QString resolve(const QString &text, QStringList *unresolved = nullptr) const;

    void setSecret(const QString &name, const QString &value) { m_secrets.insert(name, value); }
    void setSaved(const QString &name, const QString &value) { m_saved.insert(name, value); }
    QString saved(const QString &name) const { return m_saved.value(name); }

    // Everything but secrets: safe to write into rendered config files.
    QMap<QString, QString> publicValues() const;
    // The stack with every string resolved; secrets only ever land in service environments.
    // The probe with every ${NAME} filled in (url, address, body, headers, command, sql, redis, env).
    ProbeSpec resolvedProbe(const ProbeSpec &probe, QStringList *unresolved = nullptr) const;
    StackSpec resolvedStack(QStringList *unresolved = nullptr) const;

    const Lab &lab() const { return m_lab; }

private:
    Lab m_lab;
    QMap<QString, QString> m_builtins;
    QMap<QString, QString> m_values; // variables and endpoints, resolved
    QMap<QString, QString> m_secrets;
    QMap<QString, QString> m_saved;
};
