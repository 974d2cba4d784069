#pragma once

#include "dockerengine.h"
#include "dockerjob.h"
#include "servicespec.h"
#include "stackbackend.h"

#include <QLoggingCategory>
#include <QHash>
#include <QMap>
#include <QPointer>
#include <QProcessEnvironment>
#include <QSet>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

class QProcess;
class QTimer;
class RoleMonitor;

Q_DECLARE_LOGGING_CATEGORY(lcSwarm)

// The `swarm` backend: the lab's compose file(s) deployed with `docker stack deploy` to the
// swarm the docker CLI talks to (the lab's `docker:` host or context, else DOCKER_HOST / the
// current context), `docker stack rm` at down
// (then waits until the stack's tasks, containers and networks are gone). A lab service is a
// swarm service; its tasks (one per replica) are its members: `docker stack ps` every
// PollIntervalMs gives each task's node and state, a service runs when its desired replicas do
// and its ready probe passed on the current tasks.
//
// Faults act on a task's container (kill / stop / pause / resume through the engine that runs
// it: the docker CLI's one, so tasks on other nodes are refused with the reason), on a service
// (scale) or on a node (drain / activate). A target "api1.2" names slot 2 of api1, "api1.any" a
// random running task, "api1" the lowest running slot. start() brings a service back to the
// replicas it was deployed with and unpauses its tasks; start() of a node activates it.
//
// Logs: one `docker service logs --follow --timestamps` per service from up to down (it follows
// the service's new tasks too); each line keeps the task prefix docker gives it.
//
// Secrets never reach an argv: the services' `env` goes into a temporary 0600 compose file in
// runDir that exists only while `docker stack deploy` reads it (the swarm keeps the values in
// its service specs, as it does for any environment).
class SwarmStackBackend : public StackBackend
{
    Q_OBJECT

public:
    static constexpr int PollIntervalMs = 500;
    static constexpr qint64 CallTimeoutMs = 30000;
    static constexpr qint64 UpTimeoutMs = 120000;
    static constexpr qint64 DownTimeoutMs = 90000;
    static constexpr int LogFlushMs = 50;
    static constexpr int MaxPartialLineBytes = 64 * 1024;

    // One task the swarm wants running (or had running: history is not kept here).
    struct Task
    {
        QString id;
        QString service; // lab service name
        QString slot;    // "1", "2" (a global service: the node id)
        QString node;    // hostname
        QString state;   // current state: running, starting, failed, ...
        QString error;
        QString container; // full id, once inspected
        QString nodeId;
    };

    SwarmStackBackend(const StackSpec &resolvedStack, const QString &labDir, const QString &runDir,
                      QObject *parent = nullptr);
    ~SwarmStackBackend() override;

    // Environment of every docker call (the lab's variables for `${VAR}` in the compose files).
    void setStackEnvironment(const QMap<QString, QString> &variables);
    void setDockerProgram(const QString &program);

    QString stackName() const { return m_stack; }
    QStringList composeFiles() const { return m_files; }

    void up() override;
    void down() override;
    void start(const QString &service) override;
    void stop(const QString &service) override;
    void kill(const QString &service) override;
    void pause(const QString &service) override;
    void resume(const QString &service) override;
    void restart(const QString &service, const QMap<QString, QString> &envOverrides) override;
    void scale(const QString &service, int replicas) override;
    void drain(const QString &node) override;
    void activate(const QString &node) override;

    QStringList serviceNames() const override;
    ServiceStatus status(const QString &service) const override;
    bool isUp() const override { return m_isUp; }
    double statusResolutionMs() const override { return 2.0 * PollIntervalMs; }

    // The current tasks of a service (desired state running), slot order.
    QList<Task> tasks(const QString &service) const;

private:
    struct Service;
    using Done = std::function<void(const DockerJob::Result &)>;

    Service *find(const QString &name) const;
    Service *findTarget(const QString &target, QString *selector) const;
    QProcessEnvironment childEnvironment() const;
    QString failureText(const DockerJob::Result &r, const QString &what) const;
    DockerJob *runDocker(const QStringList &args, qint64 timeoutMs, const Done &done);
    QString writeEnvironmentFile(QString *error) const;
    QString swarmName(const Service *s) const;

    void deploy(const std::function<void(bool ok, const QString &error)> &done);
    void failUp(const QString &error);
    void advanceUp();
    void waitUntilGone(qint64 sinceMs);
    void finishDown(const QString &error);

    void taskAction(const QString &target, const QString &action, const QStringList &dockerArgs);
    void nodeAvailability(const QString &node, const QString &availability, const QString &action);
    void report(const QString &target, const QString &action, bool ok, const QString &error);

    void poll();
    void applyTasks(const QByteArray &lines, const QHash<QString, int> &desired);
    void inspectContainers(const QStringList &taskIds);
    void refreshNodes();
    void updateService(Service *s);
    void startProber(Service *s);
    void stopProber(Service *s);
    void markChanged(Service *s);
    void flushStatuses();
    void applyRoles(const QHash<QString, QString> &roleByService);
    void followLogs(Service *s);
    void readLogs(Service *s, bool stderrStream);
    void flushLogs();
    void dropLogs(Service *s);

    std::vector<std::unique_ptr<Service>> m_services;
    QString m_runDir;
    DockerEngine m_engine; // the lab's `docker:` (host or context); unset: the environment decides
    QString m_stack;
    QStringList m_files;
    QMap<QString, QString> m_env;
    QString m_docker = QStringLiteral("docker");

    bool m_isUp = false;
    bool m_upInProgress = false;
    bool m_downInProgress = false;
    qint64 m_upStartedMs = 0;
    quint64 m_generation = 0; // bumped at up/down: late callbacks of an older one are ignored

    QTimer *m_pollTimer = nullptr;
    QTimer *m_statusTimer = nullptr;
    bool m_pollInFlight = false;
    RoleMonitor *m_roles = nullptr;
    QSet<QString> m_changed;
    QTimer *m_logTimer = nullptr;
    QList<LogLine> m_pendingLogs;
    QSet<QString> m_downedTasks;                // killed / stopped by this console: not running, whatever the swarm still says
    QSet<QString> m_pausedContainers;           // paused by this console: the swarm still says running
    QMap<QString, QString> m_containerOfTask;   // task id -> container id
    QMap<QString, QString> m_nodeOfTask;        // task id -> node id
    QMap<QString, QString> m_nodeAvailability;  // hostname and id -> active / pause / drain
    QString m_localNodeId;                      // the node of the engine the docker CLI talks to
};
