#include "rolemonitor.h"

#include "clusterroledecoder.h"
#include "monoclock.h"
#include "serviceprober.h"

#include <QDateTime>
#include <QTimer>

#include <algorithm>
#include <chrono>

RoleMonitor::RoleMonitor(const StackSpec &resolvedStack, QObject *parent)
    : QObject(parent)
    , m_stack(resolvedStack)
    , m_executor(new ServiceProber(QString(), std::nullopt, std::nullopt, this))
    , m_membersTimer(new QTimer(this))
    , m_clusterTimer(new QTimer(this))
{
    for (const ServiceSpec &s : m_stack.services) {
        m_serviceNames.append(s.name);
        if (!s.role)
            continue;
        m_members.append(s.name);
        const qint64 every = s.role->probe.intervalMs > 0 ? s.role->probe.intervalMs : ServiceProber::DefaultRoleIntervalMs;
        m_membersIntervalMs = m_membersIntervalMs ? std::min(m_membersIntervalMs, every) : every;
    }
    // Precise: a round's start is the sample's time, and 5 % timer slack would be 5 % of the precision.
    m_membersTimer->setTimerType(Qt::PreciseTimer);
    m_clusterTimer->setTimerType(Qt::PreciseTimer);
    if (m_membersIntervalMs > 0)
        m_membersTimer->setInterval(std::chrono::milliseconds(m_membersIntervalMs));
    if (m_stack.roles)
        m_clusterTimer->setInterval(std::chrono::milliseconds(std::max<qint64>(10, m_stack.roles->probe.intervalMs)));
    connect(m_membersTimer, &QTimer::timeout, this, &RoleMonitor::membersTick);
    connect(m_clusterTimer, &QTimer::timeout, this, &RoleMonitor::clusterTick);
}

RoleMonitor::~RoleMonitor() = default;

void RoleMonitor::start()
{
    if (m_running)
        return;
    m_running = true;
    if (!m_members.isEmpty()) {
        m_membersTimer->start();
        membersTick();
    }
    if (m_stack.roles) {
        m_clusterTimer->start();
        clusterTick();
    }
}

void RoleMonitor::stop()
{
    m_running = false;
    ++m_generation;
    m_membersTimer->stop();
    m_clusterTimer->stop();
    m_inFlight.clear();
    m_clusterInFlight = false;
    m_rounds.clear();
}

void RoleMonitor::membersTick()
{
    const quint64 id = m_nextRound++;
    Round &round = m_rounds[id];
    round.sample.source = QStringLiteral("members");
    round.sample.startNs = MonoClock::nowNs();
    round.sample.wallMs = QDateTime::currentMSecsSinceEpoch();
    const quint64 generation = m_generation;
    QStringList launch;
    for (const QString &name : std::as_const(m_members))
        (m_inFlight.value(name) ? round.sample.unasked : launch).append(name);
    round.pending = int(launch.size());
    if (launch.isEmpty()) {
        m_rounds.remove(id); // every member is still answering the previous cycle
        return;
    }
    for (const QString &name : std::as_const(launch)) {
        const RoleProbeSpec role = *m_stack.service(name)->role;
        m_inFlight.insert(name, true);
        const qint64 timeout = role.probe.timeoutMs > 0 ? role.probe.timeoutMs : ServiceProber::MaxAttemptMs;
        m_executor->probeOnce(role.probe, timeout, [this, id, name, role, generation](const ServiceProber::Outcome &o) {
            if (generation != m_generation)
                return;
            m_inFlight.insert(name, false);
            auto it = m_rounds.find(id);
            if (it == m_rounds.end())
                return;
            // A member that cannot answer holds no role in this round: it cannot serve as leader.
            const QString decided = ServiceProber::decideRole(role, o);
            it->sample.roles.insert(name, decided);
            it->sample.endNs = std::max(it->sample.endNs, MonoClock::nowNs());
            if (--it->pending == 0)
                finishRound(id);
        });
    }
}

void RoleMonitor::clusterTick()
{
    if (m_clusterInFlight)
        return;
    m_clusterInFlight = true;
    const quint64 id = m_nextRound++;
    Round &round = m_rounds[id];
    round.sample.source = QStringLiteral("cluster");
    round.sample.startNs = MonoClock::nowNs();
    round.sample.wallMs = QDateTime::currentMSecsSinceEpoch();
    round.pending = 1;
    const quint64 generation = m_generation;
    const StackRoleSourceSpec &spec = *m_stack.roles;
    const qint64 timeout = spec.probe.timeoutMs > 0 ? spec.probe.timeoutMs : ServiceProber::MaxAttemptMs;
    m_executor->probeOnce(spec.probe, timeout, [this, id, generation](const ServiceProber::Outcome &o) {
        if (generation != m_generation)
            return;
        m_clusterInFlight = false;
        auto it = m_rounds.find(id);
        if (it == m_rounds.end())
            return;
        it->sample.endNs = MonoClock::nowNs();
        if (!o.ok) {
            it->sample.error = o.error.isEmpty() ? QStringLiteral("role source failed") : o.error;
        } else {
            const ClusterRoleDecoder::Result r = ClusterRoleDecoder::decode(*m_stack.roles, o.output, m_serviceNames);
            it->sample.roles = r.roles;
            it->sample.term = r.term;
            it->sample.error = r.error;
        }
        finishRound(id);
    });
}

void RoleMonitor::finishRound(quint64 id)
{
    RoleSample sample = m_rounds.take(id).sample;
    if (sample.source == QLatin1String("members")) {
        // Empty roles are answers of members that could not say: absent, as RoleSample documents.
        for (auto it = sample.roles.begin(); it != sample.roles.end();)
            it = it.value().isEmpty() ? sample.roles.erase(it) : std::next(it);
    }
    Q_EMIT roleSamples({sample});
    // A failed round of the role source, or a round overtaken by a newer one, says nothing.
    if (sample.source != preferredSource() || !sample.error.isEmpty() || sample.startNs < m_lastStatusRoundNs)
        return;
    m_lastStatusRoundNs = sample.startNs;
    QHash<QString, QString> roles;
    for (const QString &name : std::as_const(sample.source == QLatin1String("members") ? m_members : m_serviceNames))
        if (!sample.unasked.contains(name)) // not asked: it keeps the role it last reported
            roles.insert(name, sample.roles.value(name));
    Q_EMIT statusRoles(roles);
}
