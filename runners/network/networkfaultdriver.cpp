#include "networkfaultdriver.h"

#include "hostnetwork.h"
#include "networkfaultresolver.h"
#include "stackbackend.h"

NetworkFaultDriver::NetworkFaultDriver(HostNetwork *network, StackBackend *backend, const StackSpec &stack, QObject *parent)
    : QObject(parent)
    , m_network(network)
    , m_backend(backend)
    , m_stack(stack)
{
    m_clock.start();
    if (m_backend)
        connect(m_backend, &StackBackend::statusesChanged, this, &NetworkFaultDriver::onStatuses);
}

QString NetworkFaultDriver::servicesOn(const QString &host) const
{
    QStringList names;
    for (const ServiceSpec &s : m_stack.services)
        if (s.host == host)
            names.append(s.name);
    return names.join(QLatin1Char(','));
}

QStringList NetworkFaultDriver::leaders() const
{
    QStringList out;
    if (!m_backend)
        return out;
    for (const QString &name : m_backend->serviceNames()) {
        const ServiceStatus st = m_backend->status(name);
        if (st.state == ServiceStatus::State::Running && st.role == QLatin1String("leader"))
            out.append(name);
    }
    return out;
}

void NetworkFaultDriver::run(const NetworkStepSpec &step, const std::function<QString(const QString &)> &serviceForRole)
{
    if (!m_network)
        return Q_EMIT stepDone(false, QStringLiteral("network faults need the lab's hosts, and this stack has none"));
    if (!m_network->isUp())
        return Q_EMIT stepDone(false, QStringLiteral("the lab's hosts are not up (start the stack first)"));
    if (step.kind == NetworkStepSpec::Kind::Heal) {
        connect(m_network, &HostNetwork::healed, this, [this](bool ok, const QString &error) {
            if (ok) {
                m_active.clear();
                closePartition(m_clock.nsecsElapsed());
                // Already one leader when the rules are gone: converged as soon as healed (unless
                // a later election says otherwise).
                m_leadersAfterHeal = int(leaders().size());
                if (m_leadersAfterHeal == 1)
                    m_convergeMs = double(m_clock.nsecsElapsed() - m_healNs) / 1e6;
            }
            Q_EMIT stepDone(ok, ok ? QStringLiteral("network healed") : QStringLiteral("heal failed: %1").arg(error));
        }, Qt::SingleShotConnection);
        m_healNs = m_clock.nsecsElapsed();
        m_convergeMs = -1;
        m_leadersAfterHeal = -1;
        Q_EMIT faultEvent(QString(), QStringLiteral("heal"), QStringLiteral("heal the network"));
        m_network->heal();
        return;
    }
    QString error;
    const std::optional<NetworkFault> resolved =
        NetworkFaultResolver::resolve(step, m_stack, m_network->hosts(), serviceForRole, &error);
    if (!resolved)
        return Q_EMIT stepDone(false, QStringLiteral("%1: %2").arg(step.text(), error));
    NetworkFault fault = *resolved;
    fault.id = QStringLiteral("net-%1").arg(++m_counter);
    const QString description = fault.describe();

    // The service the fault "hits", for the fault lane and failover_ms: the leader when the
    // split leaves it on the smaller side, else the first service of the smaller side.
    QString target;
    QStringList smaller, other;
    if (fault.kind == NetworkFault::Kind::Partition && fault.groups.size() >= 2) {
        qsizetype pick = 0;
        for (qsizetype i = 1; i < fault.groups.size(); ++i)
            if (fault.groups.at(i).size() < fault.groups.at(pick).size())
                pick = i;
        const QStringList currentLeaders = leaders();
        for (qsizetype i = 0; i < fault.groups.size(); ++i)
            for (const QString &h : fault.groups.at(i))
                for (const QString &svc : servicesOn(h).split(QLatin1Char(','), Qt::SkipEmptyParts))
                    if (currentLeaders.contains(svc) && fault.groups.at(i).size() <= fault.groups.at(pick).size())
                        pick = i;
        smaller = fault.groups.at(pick);
        for (qsizetype i = 0; i < fault.groups.size(); ++i)
            if (i != pick)
                other += fault.groups.at(i);
        for (const QString &h : std::as_const(smaller))
            for (const QString &svc : servicesOn(h).split(QLatin1Char(','), Qt::SkipEmptyParts))
                if (currentLeaders.contains(svc))
                    target = svc;
        if (target.isEmpty())
            target = servicesOn(smaller.value(0)).section(QLatin1Char(','), 0, 0);
    } else if (fault.kind == NetworkFault::Kind::OneWay) {
        target = servicesOn(fault.to.value(0)).section(QLatin1Char(','), 0, 0);
    } else {
        target = servicesOn(fault.between.isEmpty() ? fault.hosts.value(0) : fault.between.value(0)).section(QLatin1Char(','), 0, 0);
    }
    const QString action = step.kind == NetworkStepSpec::Kind::Isolate ? QStringLiteral("isolate")
                           : step.kind == NetworkStepSpec::Kind::Link ? QStringLiteral("link")
                                                                     : QStringLiteral("partition");
    const QString id = fault.id;
    const bool split = fault.kind != NetworkFault::Kind::Link;
    connect(m_network, &HostNetwork::faultApplied, this,
            [this, id, description, split, target, smaller, other, action](const QString &applied, bool ok, const QString &err) {
                if (applied != id)
                    return;
                disconnect(m_network, &HostNetwork::faultApplied, this, nullptr);
                if (!ok)
                    return Q_EMIT stepDone(false, QStringLiteral("%1: %2").arg(description, err));
                m_active.append(id);
                const qint64 now = m_clock.nsecsElapsed();
                // The event marks when the rules are in place: that is when the cut starts.
                Q_EMIT faultEvent(target, action, description);
                if (split) {
                    if (!m_partitioned)
                        m_splitSinceNs = now;
                    m_partitioned = true;
                    if (leaders().contains(target)) {
                        m_cutLeader = target;
                        m_otherSide = other;
                        m_cutNs = now;
                    }
                }
                Q_EMIT stepDone(true, description);
            });
    m_network->apply(fault);
}

void NetworkFaultDriver::healAll()
{
    if (!m_network || !m_network->isUp() || m_active.isEmpty()) {
        closePartition(m_clock.nsecsElapsed());
        return Q_EMIT healedAll(true, QString());
    }
    connect(m_network, &HostNetwork::healed, this, [this](bool ok, const QString &error) {
        if (ok)
            m_active.clear();
        Q_EMIT healedAll(ok, error);
    }, Qt::SingleShotConnection);
    closePartition(m_clock.nsecsElapsed());
    m_network->heal();
}

void NetworkFaultDriver::closePartition(qint64 nowNs)
{
    if (!m_partitioned)
        return;
    m_partitioned = false;
    m_partitionMs += double(nowNs - m_splitSinceNs) / 1e6;
    m_cutNs = -1;
}

void NetworkFaultDriver::onStatuses()
{
    const qint64 now = m_clock.nsecsElapsed();
    const QStringList current = leaders();
    if (m_cutNs >= 0) {
        if (m_stepDownMs < 0 && !current.contains(m_cutLeader))
            m_stepDownMs = double(now - m_cutNs) / 1e6;
        if (m_newLeaderMs < 0)
            for (const QString &l : current)
                for (const QString &h : std::as_const(m_otherSide))
                    if (servicesOn(h).split(QLatin1Char(',')).contains(l))
                        m_newLeaderMs = double(now - m_cutNs) / 1e6;
    }
    // The last time the cluster settled on one leader after the heal: a rejoining member may
    // force a new election after a first, stale agreement.
    if (m_healNs >= 0 && current.size() == 1 && m_leadersAfterHeal != 1)
        m_convergeMs = double(now - m_healNs) / 1e6;
    if (m_healNs >= 0)
        m_leadersAfterHeal = int(current.size());
}

QMap<QString, double> NetworkFaultDriver::metrics() const
{
    QMap<QString, double> m;
    double partition = m_partitionMs;
    if (m_partitioned)
        partition += double(m_clock.nsecsElapsed() - m_splitSinceNs) / 1e6;
    if (partition > 0)
        m.insert(QStringLiteral("partition_ms"), partition);
    if (m_newLeaderMs >= 0)
        m.insert(QStringLiteral("new_leader_ms"), m_newLeaderMs);
    if (m_stepDownMs >= 0)
        m.insert(QStringLiteral("step_down_ms"), m_stepDownMs);
    if (m_convergeMs >= 0)
        m.insert(QStringLiteral("converge_ms"), m_convergeMs);
    return m;
}
