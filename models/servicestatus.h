#pragma once

#include <QDateTime>
#include <QString>
#include <QStringList>

// What the console currently knows of one running service.
struct ServiceStatus
{
    enum class State { Stopped, Starting, Running, Paused, Exited, Unknown };
    enum class Health { Unknown, Healthy, Unhealthy };

    State state = State::Stopped;
    int exitCode = 0;          // meaningful for Exited
    Health health = Health::Unknown;
    QString role;              // "leader", "replica", ... or empty
    qint64 pid = 0;            // processes backend
    QString container;         // compose backend
    QDateTime since;           // when the current state began
    QString detail;            // last error or note
    // Swarm: the service's tasks (its members) and replica counts; -1 where nothing is replicated.
    int replicasDesired = -1;
    int replicasRunning = -1;
    QStringList tasks;         // "api1.1 on vm: running (9285bb1cf256)", slot order
    QStringList taskIds;       // ids of the tasks the swarm wants running: a new one means rescheduled
    QStringList nodes;         // hostnames and ids of the nodes those tasks run on

    static QString stateText(State s, int exitCode = 0)
    {
        switch (s) {
        case State::Stopped: return QStringLiteral("stopped");
        case State::Starting: return QStringLiteral("starting");
        case State::Running: return QStringLiteral("running");
        case State::Paused: return QStringLiteral("paused");
        case State::Exited: return QStringLiteral("exited(%1)").arg(exitCode);
        case State::Unknown: return QStringLiteral("unknown");
        }
        return {};
    }

    static QString healthText(Health h)
    {
        switch (h) {
        case Health::Unknown: return QStringLiteral("unknown");
        case Health::Healthy: return QStringLiteral("healthy");
        case Health::Unhealthy: return QStringLiteral("unhealthy");
        }
        return {};
    }

    bool operator==(const ServiceStatus &o) const
    {
        return state == o.state && exitCode == o.exitCode && health == o.health && role == o.role
               && pid == o.pid && container == o.container && since == o.since && detail == o.detail
               && replicasDesired == o.replicasDesired && replicasRunning == o.replicasRunning && tasks == o.tasks
               && taskIds == o.taskIds && nodes == o.nodes;
    }
    bool operator!=(const ServiceStatus &o) const { return !(*this == o); }
};
