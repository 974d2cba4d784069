#pragma once

#include "loglinebatch.h"
#include "rolesample.h"
#include "servicestatus.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QObject>
#include <QString>

// Drives one stack (processes or compose). Every action is asynchronous: it returns at once and
// reports through signals; nothing here ever blocks the caller's thread.
class HostNetwork;

class StackBackend : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    ~StackBackend() override = default;

    // Starts every service in depends_on order, each once its dependencies are ready.
    virtual void up() = 0;
    // Stops every service in reverse order (SIGTERM / compose stop, then SIGKILL after the grace).
    virtual void down() = 0;

    virtual void start(const QString &service) = 0;
    virtual void stop(const QString &service) = 0;   // graceful, then forced after the grace period
    virtual void kill(const QString &service) = 0;   // SIGKILL
    virtual void pause(const QString &service) = 0;  // SIGSTOP
    virtual void resume(const QString &service) = 0; // SIGCONT
    virtual void restart(const QString &service, const QMap<QString, QString> &envOverrides) = 0;
    // Orchestrator faults (swarm): other backends answer actionFinished(false) at once.
    virtual void scale(const QString &service, int replicas)
    {
        Q_EMIT actionFinished(service, QStringLiteral("scale"), false,
                              QStringLiteral("scale %1 to %2: only a swarm stack has replicas").arg(service).arg(replicas));
    }
    virtual void drain(const QString &node)
    {
        Q_EMIT actionFinished(node, QStringLiteral("drain"), false, QStringLiteral("drain %1: only a swarm stack has nodes").arg(node));
    }
    virtual void activate(const QString &node)
    {
        Q_EMIT actionFinished(node, QStringLiteral("activate"), false, QStringLiteral("activate %1: only a swarm stack has nodes").arg(node));
    }

    virtual QStringList serviceNames() const = 0;
    virtual ServiceStatus status(const QString &service) const = 0;
    virtual bool isUp() const = 0;
    // The newest round of each role source so far: where a check's cluster timeline starts.
    RoleSampleBatch latestRoleSamples() const { return m_latestRoles.values(); }
    // How late a status may show a change (a backend that polls its engine): timings from statuses carry it.
    virtual double statusResolutionMs() const { return 0; }
    // The lab's hosts (network namespaces) this stack runs on; null when it has none.
    virtual HostNetwork *hostNetwork() const { return nullptr; }

Q_SIGNALS:
    void statusesChanged(const QHash<QString, ServiceStatus> &changed); // batched
    void logLines(const QList<LogLine> &lines);                        // batched
    void upFinished(bool ok, const QString &error);
    void downFinished();
    // Emitted once the action is *applied* (signal sent, container call done), never after
    // waiting for the process to exit: an exit arrives as statusesChanged.
    void actionFinished(const QString &service, const QString &action, bool ok, const QString &error);
    // Rounds of the role probes ("members") and of the stack's role source ("cluster"), from up()
    // to down(), through stops, kills and pauses. ServiceStatus::role follows the preferred source.
    void roleSamples(const RoleSampleBatch &batch);

protected:
    // Backends hand their role rounds out through here (remembers the newest per source).
    void publishRoleSamples(const RoleSampleBatch &batch)
    {
        for (const RoleSample &r : batch) {
            const auto it = m_latestRoles.constFind(r.source);
            if (it == m_latestRoles.cend() || r.startNs >= it->startNs)
                m_latestRoles.insert(r.source, r);
        }
        Q_EMIT roleSamples(batch);
    }

private:
    QMap<QString, RoleSample> m_latestRoles;
};
