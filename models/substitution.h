#pragma once

#include <QMap>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

// ${NAME} references in lab strings: endpoints, variables, secrets, saved values, built-ins.
namespace Substitution {
struct Reference
{
    QString name;
    int offset = 0; // of the '$' in the text
};

// Every ${NAME} in the text, in order. "$${X}" is an escaped literal "${X}" and is skipped.
QList<Reference> references(const QString &text);

// Offset of the first "${" that is never closed by "}", or -1 ("$${" is a literal and skipped).
int unclosedReference(const QString &text);

using Lookup = std::function<std::optional<QString>(const QString &name)>;

// Replaces every resolvable ${NAME}; names the lookup doesn't know stay as written and are listed.
QString apply(const QString &text, const Lookup &lookup, QStringList *unresolved = nullptr);

// Resolves variables that refer to each other; a cycle leaves the names involved in *cycle.
QMap<QString, QString> resolveAll(const QMap<QString, QString> &values, const Lookup &outer,
                                  QStringList *cycle = nullptr);
} // namespace Substitution
