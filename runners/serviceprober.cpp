#include "serviceprober.h"

#include "probeexecutor.h"
#include "probevalue.h"

#include <QTimer>

#include <algorithm>
#include <chrono>

ServiceProber::ServiceProber(const QString &service, const std::optional<ProbeSpec> &ready,
                             const std::optional<RoleProbeSpec> &role, QObject *parent)
    : QObject(parent)
    , m_service(service)
    , m_ready(ready)
    , m_role(role)
    , m_executor(new ProbeExecutor(this))
    , m_readyTimer(new QTimer(this))
    , m_healthTimer(new QTimer(this))
    , m_roleTimer(new QTimer(this))
{
    // One attempt at a time per probe: ready and health share the ready probe's channel.
    ProbeExecutor::Options one;
    one.maxParallel = 1;
    if (m_ready) {
        one.timeoutMs = attemptTimeoutMs();
        m_readyChannel = m_executor->add(*m_ready, one);
    }
    if (m_role) {
        one.timeoutMs = m_role->probe.timeoutMs > 0 ? m_role->probe.timeoutMs : MaxAttemptMs;
        one.keepOutput = true; // the role is read from the body
        m_roleChannel = m_executor->add(m_role->probe, one);
    }
    m_readyTimer->setInterval(std::chrono::milliseconds(
        m_ready && m_ready->intervalMs > 0 ? m_ready->intervalMs : DefaultReadyIntervalMs));
    m_healthTimer->setInterval(std::chrono::milliseconds(HealthIntervalMs));
    m_roleTimer->setInterval(std::chrono::milliseconds(
        m_role && m_role->probe.intervalMs > 0 ? m_role->probe.intervalMs : DefaultRoleIntervalMs));
    connect(m_readyTimer, &QTimer::timeout, this, &ServiceProber::readyTick);
    connect(m_healthTimer, &QTimer::timeout, this, &ServiceProber::healthTick);
    connect(m_roleTimer, &QTimer::timeout, this, &ServiceProber::roleTick);
}

ServiceProber::~ServiceProber() = default; // the executor kills and reaps its commands

void ServiceProber::start()
{
    stop();
    if (m_ready) {
        m_readyClock.start();
        m_lastReadyError.clear();
        m_readyTimer->start();
        readyTick();
    }
    if (m_role) {
        m_roleTimer->start();
        roleTick();
    }
}

void ServiceProber::stop()
{
    ++m_generation;
    m_readyTimer->stop();
    m_healthTimer->stop();
    m_roleTimer->stop();
    m_executor->abandonAll();
}

qint64 ServiceProber::attemptTimeoutMs() const
{
    // In the lab ready.timeoutMs is the whole readiness budget; one attempt gets at most 1 s.
    return std::min(m_ready ? readyBudgetMs(*m_ready) : MaxAttemptMs, MaxAttemptMs);
}

void ServiceProber::readyTick()
{
    const quint64 generation = m_generation;
    m_executor->run(m_readyChannel, [this, generation](const Outcome &o) {
        if (generation != m_generation)
            return;
        if (o.ok) {
            m_readyTimer->stop();
            setHealth(ServiceStatus::Health::Healthy, {});
            m_healthTimer->start();
            Q_EMIT readyFinished(true, {});
            return;
        }
        m_lastReadyError = o.error;
        if (m_readyClock.elapsed() >= readyBudgetMs(*m_ready)) {
            m_readyTimer->stop();
            setHealth(ServiceStatus::Health::Unhealthy, o.error);
            m_healthTimer->start(); // it may still come up; keep watching
            Q_EMIT readyFinished(false, o.error);
        }
    });
}

void ServiceProber::healthTick()
{
    const quint64 generation = m_generation;
    m_executor->run(m_readyChannel, [this, generation](const Outcome &o) {
        if (generation != m_generation)
            return;
        setHealth(o.ok ? ServiceStatus::Health::Healthy : ServiceStatus::Health::Unhealthy, o.error);
    });
}

void ServiceProber::roleTick()
{
    const quint64 generation = m_generation;
    m_executor->run(m_roleChannel, [this, generation](const Outcome &o) {
        if (generation != m_generation)
            return;
        setRole(decideRole(*m_role, o));
    });
}

void ServiceProber::setHealth(ServiceStatus::Health health, const QString &detail)
{
    if (health == m_health)
        return;
    m_health = health;
    Q_EMIT healthChanged(health, detail);
}

void ServiceProber::setRole(const QString &role)
{
    if (m_roleKnown && role == m_roleValue)
        return;
    m_roleKnown = true;
    m_roleValue = role;
    Q_EMIT roleChanged(role);
}

std::optional<QString> ServiceProber::extract(const ProbeSpec &spec, const QByteArray &text, QString *error)
{
    return ProbeValue::extract(spec, text, error);
}

QString ServiceProber::decideRole(const RoleProbeSpec &spec, const Outcome &outcome)
{
    if (spec.leaderIfStatus != 0) {
        if (!outcome.responded)
            return {};
        return outcome.status == spec.leaderIfStatus ? QStringLiteral("leader") : QStringLiteral("replica");
    }
    if (!outcome.ok)
        return {};
    const auto value = extract(spec.probe, outcome.output);
    if (!value)
        return {};
    if (!spec.leaderIfEquals.isEmpty())
        return *value == spec.leaderIfEquals ? QStringLiteral("leader") : QStringLiteral("replica");
    return *value;
}

void ServiceProber::probeOnce(const ProbeSpec &spec, qint64 timeoutMs, const std::function<void(const Outcome &)> &done)
{
    ProbeExecutor::Options options;
    options.timeoutMs = timeoutMs;
    options.keepOutput = true;
    m_executor->runOnce(spec, options, [done](const ProbeOutcome &o) { done(o); });
}
