#pragma once

#include "probeoutcome.h"
#include "probespec.h"
#include "servicespec.h"
#include "servicestatus.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

class ProbeExecutor;
class QTimer;

// Probes one running service: readiness, then health (the ready probe every HealthIntervalMs)
// and role, through the same ProbeExecutor as check probes. Everything is asynchronous; a tick is
// skipped while the previous probe of the same kind is still in flight, so a hung service never
// piles up requests.
class ServiceProber : public QObject
{
    Q_OBJECT

public:
    // What one probe attempt saw.
    using Outcome = ProbeOutcome;

    static constexpr qint64 HealthIntervalMs = 500;
    static constexpr qint64 DefaultReadyIntervalMs = 100;
    static constexpr qint64 DefaultRoleIntervalMs = 200;
    static constexpr qint64 MaxAttemptMs = 1000;

    ServiceProber(const QString &service, const std::optional<ProbeSpec> &ready,
                  const std::optional<RoleProbeSpec> &role, QObject *parent = nullptr);
    ~ServiceProber() override;

    // Polls the ready probe every ready.intervalMs until it succeeds or ready.timeoutMs has
    // passed in total (readyFinished), then keeps it as the health check; polls the role probe.
    // Without a ready probe only the role is polled.
    void start();
    void stop();

    bool hasReadyProbe() const { return m_ready.has_value(); }

    // One attempt of any probe through the shared executor, answered through done (role sources
    // use it; the body is kept for extraction).
    void probeOnce(const ProbeSpec &spec, qint64 timeoutMs, const std::function<void(const Outcome &)> &done);
    // The whole readiness budget: ready.timeoutMs, or MaxAttemptMs when unset.
    static qint64 readyBudgetMs(const ProbeSpec &ready) { return ready.timeoutMs > 0 ? ready.timeoutMs : MaxAttemptMs; }

    // The role a probe outcome means: "leader", "replica", the extracted text, or "" (unknown).
    static QString decideRole(const RoleProbeSpec &spec, const Outcome &outcome);
    // The value a probe's jsonPointer / regex picks from text (the trimmed text without either).
    static std::optional<QString> extract(const ProbeSpec &spec, const QByteArray &text,
                                          QString *error = nullptr);

Q_SIGNALS:
    void readyFinished(bool ok, const QString &error);
    void healthChanged(ServiceStatus::Health health, const QString &detail);
    void roleChanged(const QString &role);

private:
    void readyTick();
    void healthTick();
    void roleTick();
    void setHealth(ServiceStatus::Health health, const QString &detail);
    void setRole(const QString &role);
    qint64 attemptTimeoutMs() const;

    QString m_service;
    std::optional<ProbeSpec> m_ready;
    std::optional<RoleProbeSpec> m_role;
    ProbeExecutor *m_executor = nullptr;
    int m_readyChannel = 0;
    int m_roleChannel = 0;
    QTimer *m_readyTimer = nullptr;
    QTimer *m_healthTimer = nullptr;
    QTimer *m_roleTimer = nullptr;
    QElapsedTimer m_readyClock;
    QString m_lastReadyError;
    quint64 m_generation = 0;      // bumped by stop(): late answers of older probes are ignored
    ServiceStatus::Health m_health = ServiceStatus::Health::Unknown;
    QString m_roleValue;
    bool m_roleKnown = false;
};
