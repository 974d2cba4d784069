#pragma once

#include "rolesample.h"
#include "servicespec.h"

#include <QHash>
#include <QObject>
#include <QStringList>

class QTimer;
class ServiceProber;

// Asks who leads, for the whole life of the stack (through stops, kills and pauses): every cycle
// all members' role probes at once (a round with source "members") and the stack's role source
// (a round with source "cluster"). A member whose previous probe is still in flight is left out of
// the cycle's round, so a hung member never delays the others' answers.
class RoleMonitor : public QObject
{
    Q_OBJECT

public:
    RoleMonitor(const StackSpec &resolvedStack, QObject *parent = nullptr);
    ~RoleMonitor() override;

    bool hasSources() const { return !m_members.isEmpty() || m_stack.roles.has_value(); }
    // The cluster's own view when the stack has one, else the members' answers.
    QString preferredSource() const { return m_stack.roles ? QStringLiteral("cluster") : QStringLiteral("members"); }
    qint64 membersIntervalMs() const { return m_membersIntervalMs; }
    qint64 clusterIntervalMs() const { return m_stack.roles ? m_stack.roles->probe.intervalMs : 0; }

    void start();
    void stop();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    void roleSamples(const RoleSampleBatch &batch);
    // What each service's status should say about its role, from the newest good round of the
    // preferred source: every service for the cluster source, members with a role probe else.
    void statusRoles(const QHash<QString, QString> &roleByService);

private:
    struct Round
    {
        RoleSample sample;
        int pending = 0;
    };

    void membersTick();
    void clusterTick();
    void finishRound(quint64 id);

    StackSpec m_stack;
    QStringList m_serviceNames;
    QStringList m_members; // services with a role probe
    ServiceProber *m_executor = nullptr;
    QTimer *m_membersTimer = nullptr;
    QTimer *m_clusterTimer = nullptr;
    qint64 m_membersIntervalMs = 0;
    QHash<QString, bool> m_inFlight; // member -> its probe is still out
    bool m_clusterInFlight = false;
    QHash<quint64, Round> m_rounds;
    quint64 m_nextRound = 0;
    quint64 m_generation = 0; // bumped by stop(): late answers are dropped
    bool m_running = false;
    qint64 m_lastStatusRoundNs = 0; // start of the newest round that spoke for the statuses
};
