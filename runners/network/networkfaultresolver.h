#pragma once

#include "networkfault.h"
#include "networkstepspec.h"
#include "servicespec.h"

#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

// Turns a lab's network step (members by host, service or role) into a NetworkFault on host
// names, when the step runs: roles are resolved then, by the caller's `serviceForRole`.
namespace NetworkFaultResolver {
// serviceForRole("leader") -> the service holding that role now, or empty.
std::optional<NetworkFault> resolve(const NetworkStepSpec &step, const StackSpec &stack, const QStringList &hosts,
                                    const std::function<QString(const QString &role)> &serviceForRole, QString *error);
// A host name as is, or the host a service runs on; empty when neither.
QString hostOf(const QString &member, const StackSpec &stack, const QStringList &hosts);
} // namespace NetworkFaultResolver
