#include "networkfaultresolver.h"

namespace NetworkFaultResolver {

QString hostOf(const QString &member, const StackSpec &stack, const QStringList &hosts)
{
    if (hosts.contains(member))
        return member;
    if (const ServiceSpec *s = stack.service(member))
        return hosts.contains(s->host) ? s->host : QString();
    return {};
}

std::optional<NetworkFault> resolve(const NetworkStepSpec &step, const StackSpec &stack, const QStringList &hosts,
                                    const std::function<QString(const QString &)> &serviceForRole, QString *error)
{
    auto fail = [error](const QString &why) -> std::optional<NetworkFault> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    // Members -> distinct host names, in order.
    auto hostsOf = [&](const QStringList &members, QStringList *out) {
        for (const QString &m : members) {
            const QString h = hostOf(m, stack, hosts);
            if (h.isEmpty()) {
                if (error)
                    *error = QStringLiteral("'%1' is neither a lab host nor a service on one").arg(m);
                return false;
            }
            if (!out->contains(h))
                out->append(h);
        }
        return true;
    };
    // isolate / link target.
    auto targetHost = [&](QString *out) {
        QString member = !step.host.isEmpty() ? step.host : step.service;
        if (member.isEmpty() && !step.role.isEmpty()) {
            member = serviceForRole ? serviceForRole(step.role) : QString();
            if (member.isEmpty()) {
                if (error)
                    *error = QStringLiteral("no service holds the role '%1' now").arg(step.role);
                return false;
            }
        }
        QStringList one;
        if (!hostsOf({member}, &one))
            return false;
        *out = one.value(0);
        return true;
    };

    NetworkFault fault;
    switch (step.kind) {
    case NetworkStepSpec::Kind::Heal:
        return fail(QStringLiteral("heal is not a fault"));
    case NetworkStepSpec::Kind::Partition: {
        fault.kind = NetworkFault::Kind::Partition;
        QStringList seen;
        for (const QStringList &group : step.groups) {
            QStringList g;
            if (!hostsOf(group, &g))
                return std::nullopt;
            for (const QString &h : std::as_const(g))
                if (seen.contains(h))
                    return fail(QStringLiteral("host '%1' is in two groups (through its services)").arg(h));
            seen += g;
            fault.groups.append(g);
        }
        break;
    }
    case NetworkStepSpec::Kind::OneWay:
        fault.kind = NetworkFault::Kind::OneWay;
        if (!hostsOf(step.from, &fault.from) || !hostsOf(step.to, &fault.to))
            return std::nullopt;
        break;
    case NetworkStepSpec::Kind::Isolate: {
        fault.kind = NetworkFault::Kind::Partition;
        QString h;
        if (!targetHost(&h))
            return std::nullopt;
        QStringList rest = hosts;
        rest.removeAll(h);
        if (rest.isEmpty())
            return fail(QStringLiteral("isolating %1 needs another host to cut it from").arg(h));
        fault.groups = {{h}, rest};
        break;
    }
    case NetworkStepSpec::Kind::Link:
        fault.kind = NetworkFault::Kind::Link;
        fault.loss = step.loss;
        fault.delayMs = step.delayMs;
        if (!step.between.isEmpty()) {
            if (!hostsOf(step.between, &fault.between))
                return std::nullopt;
            if (fault.between.size() != 2)
                return fail(QStringLiteral("'between' names one host twice (through its services)"));
        } else {
            QString h;
            if (!targetHost(&h))
                return std::nullopt;
            fault.hosts = {h};
        }
        break;
    }
    return fault;
}

} // namespace NetworkFaultResolver
