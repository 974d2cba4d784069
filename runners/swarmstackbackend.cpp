#include "swarmstackbackend.h"

#include "composeenvironmentfile.h"
#include "detachedkill.h"
#include "rolemonitor.h"
#include "serviceprober.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryFile>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <utility>

Q_LOGGING_CATEGORY(lcSwarm, "halab.runners.swarm", QtWarningMsg)

// One lab service as a swarm service: its current tasks and what the console knows of them.
struct SwarmStackBackend::Service
{
    ServiceSpec spec;
    QMap<QString, QString> envOverrides;
    ServiceStatus status;
    QList<SwarmStackBackend::Task> tasks; // desired state running, slot order
    int deployedReplicas = -1;            // what the stack file asked for (seen when up finished)
    int desiredReplicas = -1;             // what the swarm wants now (-1: not known, count the tasks)
    ServiceProber *prober = nullptr;
    bool ready = false;                   // the ready probe passed on the current tasks (or none)
    QProcess *logs = nullptr;             // `docker service logs -f`, from up to down
    QByteArray partial[2];
};

namespace {
const QString StackLabel = QStringLiteral("com.docker.stack.namespace");
const QString EnvFilePattern = QStringLiteral("swarm-env-*.yml");

QString firstLine(const QString &text)
{
    const QString t = text.trimmed();
    const qsizetype nl = t.indexOf(QLatin1Char('\n'));
    return nl < 0 ? t : t.left(nl).trimmed();
}

bool slotLess(const SwarmStackBackend::Task &a, const SwarmStackBackend::Task &b)
{
    bool okA = false, okB = false;
    const int na = a.slot.toInt(&okA), nb = b.slot.toInt(&okB);
    if (okA && okB && na != nb)
        return na < nb;
    return a.slot < b.slot;
}
} // namespace

SwarmStackBackend::SwarmStackBackend(const StackSpec &resolvedStack, const QString &labDir, const QString &runDir,
                                     QObject *parent)
    : StackBackend(parent)
    , m_runDir(runDir)
    , m_engine(resolvedStack.docker)
    , m_pollTimer(new QTimer(this))
    , m_statusTimer(new QTimer(this))
    , m_roles(new RoleMonitor(resolvedStack, this))
{
    connect(m_roles, &RoleMonitor::roleSamples, this, &SwarmStackBackend::publishRoleSamples);
    connect(m_roles, &RoleMonitor::statusRoles, this, &SwarmStackBackend::applyRoles);
    const QDir base(labDir.isEmpty() ? QDir::currentPath() : labDir);
    for (const QString &f : resolvedStack.composeFiles)
        m_files.append(QDir::cleanPath(base.absoluteFilePath(f)));
    m_stack = resolvedStack.project;
    if (m_stack.isEmpty() && !m_files.isEmpty())
        m_stack = QFileInfo(m_files.first()).absoluteDir().dirName();
    for (const ServiceSpec &spec : resolvedStack.services) {
        auto s = std::make_unique<Service>();
        s->spec = spec;
        s->status.replicasDesired = 0;
        s->status.replicasRunning = 0;
        m_services.push_back(std::move(s));
    }
    m_pollTimer->setInterval(std::chrono::milliseconds(PollIntervalMs));
    connect(m_pollTimer, &QTimer::timeout, this, &SwarmStackBackend::poll);
    m_statusTimer->setSingleShot(true);
    m_statusTimer->setInterval(0); // the changes of one event-loop pass go out as one signal
    connect(m_statusTimer, &QTimer::timeout, this, &SwarmStackBackend::flushStatuses);
    m_logTimer = new QTimer(this);
    m_logTimer->setSingleShot(true);
    m_logTimer->setInterval(std::chrono::milliseconds(LogFlushMs)); // a chatty service costs one signal per tick
    connect(m_logTimer, &QTimer::timeout, this, &SwarmStackBackend::flushLogs);
    // A console that died mid-deploy may have left a file with secrets behind.
    const QDir dir(m_runDir);
    if (dir.exists())
        for (const QString &name : dir.entryList({EnvFilePattern}, QDir::Files | QDir::Hidden))
            QFile::remove(dir.filePath(name));
}

SwarmStackBackend::~SwarmStackBackend()
{
    for (const auto &s : m_services) {
        delete s->prober;
        s->prober = nullptr;
        dropLogs(s.get());
    }
}

void SwarmStackBackend::dropLogs(Service *s)
{
    killDetached(std::exchange(s->logs, nullptr));
}

void SwarmStackBackend::setStackEnvironment(const QMap<QString, QString> &variables)
{
    m_env = variables;
}

void SwarmStackBackend::setDockerProgram(const QString &program)
{
    m_docker = program;
}

SwarmStackBackend::Service *SwarmStackBackend::find(const QString &name) const
{
    for (const auto &s : m_services)
        if (s->spec.name == name)
            return s.get();
    return nullptr;
}

// "api1", "api1.2" (slot 2) or "api1.any": the service and what picks its task.
SwarmStackBackend::Service *SwarmStackBackend::findTarget(const QString &target, QString *selector) const
{
    if (Service *s = find(target)) {
        selector->clear();
        return s;
    }
    const qsizetype dot = target.lastIndexOf(QLatin1Char('.'));
    if (dot <= 0)
        return nullptr;
    *selector = target.mid(dot + 1);
    return find(target.left(dot));
}

QString SwarmStackBackend::swarmName(const Service *s) const
{
    return m_stack + QLatin1Char('_') + s->spec.name; // how `docker stack deploy` names it
}

QStringList SwarmStackBackend::serviceNames() const
{
    QStringList names;
    for (const auto &s : m_services)
        names.append(s->spec.name);
    return names;
}

ServiceStatus SwarmStackBackend::status(const QString &service) const
{
    QString selector;
    if (const Service *s = findTarget(service, &selector))
        return s->status;
    // A node (drain / activate): running while it takes tasks.
    ServiceStatus node;
    const QString availability = m_nodeAvailability.value(service);
    node.state = availability == QLatin1String("active") ? ServiceStatus::State::Running
                 : availability == QLatin1String("pause") ? ServiceStatus::State::Paused
                 : availability.isEmpty()                 ? ServiceStatus::State::Unknown
                                                          : ServiceStatus::State::Stopped;
    node.detail = availability.isEmpty() ? QString() : QStringLiteral("node availability: %1").arg(availability);
    return node;
}

QList<SwarmStackBackend::Task> SwarmStackBackend::tasks(const QString &service) const
{
    const Service *s = find(service);
    return s ? s->tasks : QList<Task>();
}

// ---------------------------------------------------------------------------------------------
// The CLI

QProcessEnvironment SwarmStackBackend::childEnvironment() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment(); // DOCKER_HOST read at call time
    for (auto it = m_env.cbegin(); it != m_env.cend(); ++it)
        env.insert(it.key(), it.value());
    // The lab's `docker:` wins over the shell: the docker CLI prefers DOCKER_HOST to DOCKER_CONTEXT.
    if (!m_engine.host.isEmpty()) {
        env.insert(QStringLiteral("DOCKER_HOST"), m_engine.host);
        env.remove(QStringLiteral("DOCKER_CONTEXT"));
    } else if (!m_engine.context.isEmpty()) {
        env.insert(QStringLiteral("DOCKER_CONTEXT"), m_engine.context);
        env.remove(QStringLiteral("DOCKER_HOST"));
    }
    return env;
}

QString SwarmStackBackend::failureText(const DockerJob::Result &r, const QString &what) const
{
    const QString host = m_engine.isSet() ? m_engine.describe()
                                          : QProcessEnvironment::systemEnvironment().value(QStringLiteral("DOCKER_HOST"),
                                                                                           QStringLiteral("unix:///var/run/docker.sock"));
    if (!r.started)
        return QStringLiteral("%1: cannot run docker (%2): apt-get install docker.io").arg(what, r.startError);
    if (r.timedOut)
        return QStringLiteral("%1 did not finish within %2 s (is the Docker engine at %3 hung?)").arg(what).arg(r.timeoutMs / 1000).arg(host);
    QString text = QString::fromUtf8(r.err).trimmed();
    if (text.isEmpty())
        text = QString::fromUtf8(r.out).trimmed();
    if (text.contains(QLatin1String("Cannot connect to the Docker daemon")) || text.contains(QLatin1String("connect: no such file")))
        return QStringLiteral("cannot reach the Docker engine at %1: is dockerd running? (%2)").arg(host, firstLine(text));
    if (text.isEmpty())
        return QStringLiteral("%1 failed with exit code %2").arg(what).arg(r.exitCode);
    return QStringLiteral("%1 failed: %2").arg(what, text.left(2000));
}

DockerJob *SwarmStackBackend::runDocker(const QStringList &args, qint64 timeoutMs, const Done &done)
{
    auto *job = new DockerJob(m_docker, args, childEnvironment(), timeoutMs, this);
    if (!m_files.isEmpty())
        job->setWorkingDirectory(QFileInfo(m_files.first()).absolutePath());
    connect(job, &DockerJob::finished, this, done);
    qCDebug(lcSwarm).noquote() << job->commandLine();
    job->start();
    return job;
}

QString SwarmStackBackend::writeEnvironmentFile(QString *error) const
{
    QList<ComposeEnvironmentFile::ServiceEnvironment> envs;
    for (const auto &s : m_services) {
        QMap<QString, QString> env = s->spec.env;
        for (auto it = s->envOverrides.cbegin(); it != s->envOverrides.cend(); ++it)
            env.insert(it.key(), it.value());
        envs.append({s->spec.name, env});
    }
    // `docker stack deploy` wants a version in every file it merges.
    return ComposeEnvironmentFile::write(m_runDir, QStringLiteral("swarm-env-XXXXXX.yml"), envs,
                                         QStringLiteral("the stack's environment file"), QStringLiteral("3.8"), error);
}

// ---------------------------------------------------------------------------------------------
// Up and down

void SwarmStackBackend::up()
{
    if (m_upInProgress || m_isUp) {
        Q_EMIT upFinished(m_isUp, m_isUp ? QString() : QStringLiteral("the stack is already coming up"));
        return;
    }
    m_upInProgress = true;
    m_upStartedMs = QDateTime::currentMSecsSinceEpoch();
    const quint64 gen = ++m_generation;
    runDocker({QStringLiteral("info"), QStringLiteral("--format"),
               QStringLiteral("{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeID}}")},
              CallTimeoutMs, [this, gen](const DockerJob::Result &r) {
                  if (gen != m_generation)
                      return;
                  if (!r.ok())
                      return failUp(failureText(r, QStringLiteral("docker info")));
                  const QStringList f = QString::fromUtf8(r.out).trimmed().split(QLatin1Char(' '));
                  if (f.value(0) != QLatin1String("active"))
                      return failUp(QStringLiteral("the Docker engine is not part of a swarm (swarm state '%1'): run "
                                                   "'docker swarm init' there, or point DOCKER_HOST at a manager").arg(f.value(0)));
                  if (f.value(1) != QLatin1String("true"))
                      return failUp(QStringLiteral("the Docker engine is a swarm worker: 'docker stack deploy' needs a manager "
                                                   "(point DOCKER_HOST at one)"));
                  m_localNodeId = f.value(2); // where kill / stop / pause can reach a task's container
                  deploy([this, gen](bool ok, const QString &error) {
                      if (gen != m_generation)
                          return;
                      if (!ok)
                          return failUp(error);
                      // Every lab service must be a service of the stack.
                      runDocker({QStringLiteral("stack"), QStringLiteral("services"), QStringLiteral("--format"),
                                 QStringLiteral("{{.Name}}"), m_stack},
                                CallTimeoutMs, [this, gen](const DockerJob::Result &r) {
                                    if (gen != m_generation)
                                        return;
                                    if (!r.ok())
                                        return failUp(failureText(r, QStringLiteral("docker stack services")));
                                    const QStringList names = QString::fromUtf8(r.out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
                                    QStringList missing;
                                    for (const auto &s : m_services)
                                        if (!names.contains(swarmName(s.get())))
                                            missing.append(s->spec.name);
                                    if (!missing.isEmpty())
                                        return failUp(QStringLiteral("lab service(s) %1 are not in the stack's compose file(s) %2")
                                                          .arg(missing.join(QStringLiteral(", ")), m_files.join(QStringLiteral(", "))));
                                    m_roles->start();
                                    for (const auto &s : m_services)
                                        followLogs(s.get());
                                    refreshNodes();
                                    poll();
                                    m_pollTimer->start();
                                });
                  });
              });
}

void SwarmStackBackend::deploy(const std::function<void(bool ok, const QString &error)> &done)
{
    QString error;
    const QString envFile = writeEnvironmentFile(&error);
    if (!error.isEmpty())
        return done(false, error);
    QStringList args{QStringLiteral("stack"), QStringLiteral("deploy"), QStringLiteral("--resolve-image"), QStringLiteral("never")};
    for (const QString &f : std::as_const(m_files))
        args << QStringLiteral("-c") << f;
    if (!envFile.isEmpty())
        args << QStringLiteral("-c") << envFile;
    args << m_stack;
    DockerJob *job = runDocker(args, CallTimeoutMs, [this, done](const DockerJob::Result &r) {
        if (!r.ok())
            return done(false, failureText(r, QStringLiteral("docker stack deploy")));
        done(true, {});
    });
    job->removeWhenDone(envFile);
}

void SwarmStackBackend::advanceUp()
{
    if (!m_upInProgress)
        return;
    QStringList waiting;
    for (const auto &s : m_services)
        if (s->status.state != ServiceStatus::State::Running)
            waiting.append(QStringLiteral("%1 (%2)").arg(s->spec.name, s->status.detail));
    if (waiting.isEmpty()) {
        m_upInProgress = false;
        m_isUp = true;
        for (const auto &s : m_services)
            s->deployedReplicas = s->status.replicasDesired;
        Q_EMIT upFinished(true, {});
        return;
    }
    if (QDateTime::currentMSecsSinceEpoch() - m_upStartedMs > UpTimeoutMs)
        failUp(QStringLiteral("not running after %1 s: %2").arg(UpTimeoutMs / 1000).arg(waiting.join(QStringLiteral("; "))));
}

void SwarmStackBackend::failUp(const QString &error)
{
    qCWarning(lcSwarm).noquote() << "stack" << m_stack << "up failed:" << error;
    m_upInProgress = false;
    // Whatever was deployed stays until down(): its tasks' errors are the evidence.
    Q_EMIT upFinished(false, error);
}

void SwarmStackBackend::down()
{
    if (m_downInProgress)
        return;
    m_downInProgress = true;
    m_upInProgress = false;
    m_isUp = false;
    ++m_generation;
    m_pollTimer->stop();
    m_roles->stop();
    for (const auto &s : m_services) {
        stopProber(s.get());
        dropLogs(s.get());
    }
    flushLogs();
    const quint64 gen = m_generation;
    runDocker({QStringLiteral("stack"), QStringLiteral("rm"), m_stack}, CallTimeoutMs, [this, gen](const DockerJob::Result &r) {
        if (gen != m_generation)
            return;
        const QString text = QString::fromUtf8(r.err + r.out);
        if (!r.ok() && !text.contains(QLatin1String("Nothing found in stack")))
            return finishDown(failureText(r, QStringLiteral("docker stack rm")));
        waitUntilGone(QDateTime::currentMSecsSinceEpoch());
    });
}

// `docker stack rm` returns before the swarm has stopped the tasks: the stack is down when no
// container and no network of it is left; then its volumes go too.
void SwarmStackBackend::waitUntilGone(qint64 sinceMs)
{
    const quint64 gen = m_generation;
    const QString filter = QStringLiteral("label=%1=%2").arg(StackLabel, m_stack);
    runDocker({QStringLiteral("ps"), QStringLiteral("-aq"), QStringLiteral("--filter"), filter}, CallTimeoutMs,
              [this, gen, sinceMs, filter](const DockerJob::Result &containers) {
                  if (gen != m_generation)
                      return;
                  runDocker({QStringLiteral("network"), QStringLiteral("ls"), QStringLiteral("-q"), QStringLiteral("--filter"), filter},
                            CallTimeoutMs, [this, gen, sinceMs, filter, containers](const DockerJob::Result &networks) {
                                if (gen != m_generation)
                                    return;
                                const bool gone = containers.ok() && networks.ok() && containers.out.trimmed().isEmpty()
                                                  && networks.out.trimmed().isEmpty();
                                if (!gone) {
                                    if (QDateTime::currentMSecsSinceEpoch() - sinceMs > DownTimeoutMs)
                                        return finishDown(QStringLiteral("the stack's containers or networks were still there %1 s after "
                                                                         "'docker stack rm %2'").arg(DownTimeoutMs / 1000).arg(m_stack));
                                    QTimer::singleShot(PollIntervalMs, this, [this, gen, sinceMs] {
                                        if (gen == m_generation)
                                            waitUntilGone(sinceMs);
                                    });
                                    return;
                                }
                                runDocker({QStringLiteral("volume"), QStringLiteral("ls"), QStringLiteral("-q"), QStringLiteral("--filter"), filter},
                                          CallTimeoutMs, [this, gen](const DockerJob::Result &volumes) {
                                              if (gen != m_generation)
                                                  return;
                                              const QStringList ids = QString::fromUtf8(volumes.out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
                                              if (!volumes.ok() || ids.isEmpty())
                                                  return finishDown({});
                                              runDocker(QStringList{QStringLiteral("volume"), QStringLiteral("rm")} + ids, CallTimeoutMs,
                                                        [this, gen](const DockerJob::Result &rm) {
                                                            if (gen == m_generation)
                                                                finishDown(rm.ok() ? QString() : failureText(rm, QStringLiteral("docker volume rm")));
                                                        });
                                          });
                            });
              });
}

void SwarmStackBackend::finishDown(const QString &error)
{
    if (!error.isEmpty())
        qCWarning(lcSwarm).noquote() << error;
    m_downInProgress = false;
    m_pausedContainers.clear();
    m_downedTasks.clear();
    m_containerOfTask.clear();
    m_nodeOfTask.clear();
    for (const auto &s : m_services) {
        s->tasks.clear();
        s->desiredReplicas = -1;
        s->ready = false;
        s->envOverrides.clear();
        updateService(s.get());
        s->status.detail = error.isEmpty() ? QStringLiteral("stack removed") : error;
        markChanged(s.get());
    }
    flushStatuses();
    Q_EMIT downFinished();
}

// ---------------------------------------------------------------------------------------------
// Faults

void SwarmStackBackend::report(const QString &target, const QString &action, bool ok, const QString &error)
{
    if (!ok)
        qCWarning(lcSwarm).noquote() << action << target << "failed:" << error;
    Q_EMIT actionFinished(target, action, ok, error);
}

void SwarmStackBackend::kill(const QString &service)
{
    taskAction(service, QStringLiteral("kill"), {QStringLiteral("kill")});
}

void SwarmStackBackend::stop(const QString &service)
{
    QString selector;
    const Service *s = findTarget(service, &selector);
    const qint64 grace = s ? std::max<qint64>(0, (s->spec.stopGraceMs + 999) / 1000) : 5;
    taskAction(service, QStringLiteral("stop"), {QStringLiteral("stop"), QStringLiteral("-t"), QString::number(grace)});
}

void SwarmStackBackend::pause(const QString &service)
{
    taskAction(service, QStringLiteral("pause"), {QStringLiteral("pause")});
}

void SwarmStackBackend::resume(const QString &service)
{
    QString selector;
    Service *s = findTarget(service, &selector);
    if (!s)
        return report(service, QStringLiteral("resume"), false, QStringLiteral("no service '%1' in this stack").arg(service));
    QStringList paused;
    for (const Task &t : std::as_const(s->tasks))
        if (m_pausedContainers.contains(t.container))
            paused.append(t.container);
    if (paused.isEmpty())
        return report(service, QStringLiteral("resume"), true, {});
    runDocker(QStringList{QStringLiteral("unpause")} + paused, CallTimeoutMs, [this, service, s, paused](const DockerJob::Result &r) {
        if (r.ok())
            for (const QString &c : paused)
                m_pausedContainers.remove(c);
        updateService(s);
        report(service, QStringLiteral("resume"), r.ok(), r.ok() ? QString() : failureText(r, QStringLiteral("docker unpause")));
    });
}

// Picks the task (lowest running slot, a random running one, or a slot), finds its container and
// acts on it through the engine the CLI talks to.
void SwarmStackBackend::taskAction(const QString &target, const QString &action, const QStringList &dockerArgs)
{
    QString selector;
    Service *s = findTarget(target, &selector);
    if (!s)
        return report(target, action, false, QStringLiteral("no service '%1' in this stack").arg(target));
    QList<Task> candidates;
    for (const Task &t : std::as_const(s->tasks))
        if (t.state == QLatin1String("running") && !m_downedTasks.contains(t.id)
            && (selector.isEmpty() || selector == QLatin1String("any") || t.slot == selector))
            candidates.append(t);
    if (candidates.isEmpty())
        return report(target, action, false,
                      QStringLiteral("%1 has no running task%2 to %3").arg(s->spec.name, selector.isEmpty() || selector == QLatin1String("any")
                                                                                            ? QString() : QStringLiteral(" in slot ") + selector, action));
    const Task task = selector == QLatin1String("any")
                          ? candidates.at(QRandomGenerator::global()->bounded(int(candidates.size())))
                          : candidates.first();
    const QString taskName = QStringLiteral("%1.%2").arg(s->spec.name, task.slot);
    const QString taskId = task.id;
    const auto act = [this, target, action, dockerArgs, s, taskName, taskId](const QString &container, const QString &nodeId, const QString &node) {
        const QString local = m_localNodeId;
        if (container.isEmpty())
            return report(target, action, false, QStringLiteral("task %1 has no container yet").arg(taskName));
        if (!local.isEmpty() && nodeId != local)
            return report(target, action, false,
                          QStringLiteral("task %1 runs on node %2; the console reaches only the engine DOCKER_HOST names (node %3): "
                                         "point DOCKER_HOST at that node's engine, or drain the node instead").arg(taskName, node, local));
        runDocker(dockerArgs + QStringList{container}, CallTimeoutMs, [this, target, action, s, container, taskName, taskId](const DockerJob::Result &r) {
            if (r.ok() && action == QLatin1String("pause"))
                m_pausedContainers.insert(container);
            else if (r.ok())
                m_downedTasks.insert(taskId);
            updateService(s);
            report(target, action, r.ok(), r.ok() ? QString() : failureText(r, QStringLiteral("docker %1 (task %2)").arg(action, taskName)));
        });
    };
    if (!task.container.isEmpty() && !task.nodeId.isEmpty())
        return act(task.container, task.nodeId, task.node);
    // Not inspected yet (a task that just started): ask the swarm for its container now.
    runDocker({QStringLiteral("inspect"), QStringLiteral("--type"), QStringLiteral("task"), QStringLiteral("--format"),
               QStringLiteral("{{.Status.ContainerStatus.ContainerID}} {{.NodeID}}"), task.id},
              CallTimeoutMs, [this, act, task, target, action](const DockerJob::Result &r) {
                  if (!r.ok())
                      return report(target, action, false, failureText(r, QStringLiteral("docker inspect (task %1)").arg(task.id)));
                  const QStringList f = QString::fromUtf8(r.out).trimmed().split(QLatin1Char(' '));
                  act(f.value(0), f.value(1), task.node);
              });
}

void SwarmStackBackend::start(const QString &service)
{
    QString selector;
    Service *s = findTarget(service, &selector);
    if (!s) {
        if (m_nodeAvailability.contains(service))
            return nodeAvailability(service, QStringLiteral("active"), QStringLiteral("start")); // a rollback of a drain
        return report(service, QStringLiteral("start"), false, QStringLiteral("no service or node '%1' in this stack").arg(service));
    }
    // Back to the stack as deployed: paused tasks run again, the replica count is the file's.
    QStringList paused;
    for (const Task &t : std::as_const(s->tasks))
        if (m_pausedContainers.contains(t.container))
            paused.append(t.container);
    const auto scaleBack = [this, service, s] {
        if (s->deployedReplicas < 0 || s->status.replicasDesired == s->deployedReplicas)
            return report(service, QStringLiteral("start"), true, {});
        runDocker({QStringLiteral("service"), QStringLiteral("scale"), QStringLiteral("--detach"),
                   QStringLiteral("%1=%2").arg(swarmName(s)).arg(s->deployedReplicas)},
                  CallTimeoutMs, [this, service](const DockerJob::Result &r) {
                      poll();
                      report(service, QStringLiteral("start"), r.ok(), r.ok() ? QString() : failureText(r, QStringLiteral("docker service scale")));
                  });
    };
    if (paused.isEmpty())
        return scaleBack();
    runDocker(QStringList{QStringLiteral("unpause")} + paused, CallTimeoutMs, [this, paused, s, scaleBack](const DockerJob::Result &r) {
        if (r.ok())
            for (const QString &c : paused)
                m_pausedContainers.remove(c);
        updateService(s);
        scaleBack();
    });
}

void SwarmStackBackend::restart(const QString &service, const QMap<QString, QString> &envOverrides)
{
    QString selector;
    Service *s = findTarget(service, &selector);
    if (!s)
        return report(service, QStringLiteral("restart"), false, QStringLiteral("no service '%1' in this stack").arg(service));
    if (envOverrides.isEmpty() && s->envOverrides.isEmpty()) {
        // Same spec: only a forced update replaces the tasks.
        runDocker({QStringLiteral("service"), QStringLiteral("update"), QStringLiteral("--force"), QStringLiteral("--detach"), swarmName(s)},
                  CallTimeoutMs, [this, service](const DockerJob::Result &r) {
                      poll();
                      report(service, QStringLiteral("restart"), r.ok(), r.ok() ? QString() : failureText(r, QStringLiteral("docker service update")));
                  });
        return;
    }
    // New environment: redeploy the stack (through the 0600 file), the swarm replaces that service's tasks.
    s->envOverrides = envOverrides;
    deploy([this, service](bool ok, const QString &error) {
        poll();
        report(service, QStringLiteral("restart"), ok, error);
    });
}

void SwarmStackBackend::scale(const QString &service, int replicas)
{
    QString selector;
    Service *s = findTarget(service, &selector);
    if (!s)
        return report(service, QStringLiteral("scale"), false, QStringLiteral("no service '%1' in this stack").arg(service));
    runDocker({QStringLiteral("service"), QStringLiteral("scale"), QStringLiteral("--detach"),
               QStringLiteral("%1=%2").arg(swarmName(s)).arg(replicas)},
              CallTimeoutMs, [this, service](const DockerJob::Result &r) {
                  poll();
                  report(service, QStringLiteral("scale"), r.ok(), r.ok() ? QString() : failureText(r, QStringLiteral("docker service scale")));
              });
}

void SwarmStackBackend::drain(const QString &node)
{
    nodeAvailability(node, QStringLiteral("drain"), QStringLiteral("drain"));
}

void SwarmStackBackend::activate(const QString &node)
{
    nodeAvailability(node, QStringLiteral("active"), QStringLiteral("activate"));
}

void SwarmStackBackend::nodeAvailability(const QString &node, const QString &availability, const QString &action)
{
    runDocker({QStringLiteral("node"), QStringLiteral("update"), QStringLiteral("--availability"), availability, node},
              CallTimeoutMs, [this, node, action, availability](const DockerJob::Result &r) {
                  if (r.ok()) {
                      m_nodeAvailability.insert(node, availability);
                      refreshNodes();
                  }
                  if (r.ok() && availability == QLatin1String("drain")) {
                      // The swarm shuts these down now: they count as gone until it reports new ones.
                      for (const auto &s : m_services) {
                          for (const Task &t : std::as_const(s->tasks))
                              if (t.node == node || t.nodeId == node)
                                  m_downedTasks.insert(t.id);
                          updateService(s.get());
                      }
                  }
                  report(node, action, r.ok(), r.ok() ? QString() : failureText(r, QStringLiteral("docker node update --availability %1").arg(availability)));
              });
}

// ---------------------------------------------------------------------------------------------
// State

void SwarmStackBackend::refreshNodes()
{
    runDocker({QStringLiteral("node"), QStringLiteral("ls"), QStringLiteral("--format"), QStringLiteral("{{.ID}} {{.Hostname}} {{.Availability}}")},
              CallTimeoutMs, [this](const DockerJob::Result &r) {
                  if (!r.ok())
                      return;
                  const QStringList lines = QString::fromUtf8(r.out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
                  for (const QString &line : lines) {
                      const QStringList f = line.simplified().split(QLatin1Char(' '));
                      if (f.size() < 3)
                          continue;
                      const QString availability = f.at(2).toLower();
                      m_nodeAvailability.insert(f.at(0), availability);
                      m_nodeAvailability.insert(f.at(1), availability);
                  }
              });
}

void SwarmStackBackend::poll()
{
    if (m_pollInFlight || m_downInProgress)
        return;
    m_pollInFlight = true;
    const quint64 gen = m_generation;
    runDocker({QStringLiteral("stack"), QStringLiteral("ps"), QStringLiteral("--no-trunc"), QStringLiteral("--filter"),
               QStringLiteral("desired-state=running"), QStringLiteral("--format"), QStringLiteral("{{json .}}"), m_stack},
              CallTimeoutMs, [this, gen](const DockerJob::Result &ps) {
                  if (gen != m_generation) {
                      m_pollInFlight = false;
                      return;
                  }
                  // The replica count each service wants: between a task's shutdown and its
                  // replacement, the tasks alone would say fewer are wanted.
                  runDocker({QStringLiteral("service"), QStringLiteral("ls"), QStringLiteral("--filter"),
                             QStringLiteral("label=%1=%2").arg(StackLabel, m_stack), QStringLiteral("--format"),
                             QStringLiteral("{{.Name}} {{.Replicas}}")},
                            CallTimeoutMs, [this, gen, ps](const DockerJob::Result &ls) {
                                m_pollInFlight = false;
                                if (gen != m_generation)
                                    return;
                                QHash<QString, int> desired;
                                const QString prefix = m_stack + QLatin1Char('_');
                                const QStringList lines = QString::fromUtf8(ls.out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
                                for (const QString &line : lines) {
                                    const QStringList f = line.simplified().split(QLatin1Char(' '));
                                    bool ok = false;
                                    const int n = f.value(1).section(QLatin1Char('/'), 1, 1).toInt(&ok); // "running/desired"
                                    if (ok && f.value(0).startsWith(prefix))
                                        desired.insert(f.value(0).mid(prefix.size()), n);
                                }
                                const QString text = QString::fromUtf8(ps.err + ps.out);
                                if (ps.ok())
                                    applyTasks(ps.out, desired);
                                else if (text.contains(QLatin1String("Nothing found in stack")))
                                    applyTasks({}, desired);
                                else
                                    qCWarning(lcSwarm).noquote() << failureText(ps, QStringLiteral("docker stack ps"));
                                advanceUp();
                            });
              });
}

void SwarmStackBackend::applyTasks(const QByteArray &lines, const QHash<QString, int> &desired)
{
    QHash<QString, QList<Task>> byService;
    QStringList uninspected;
    const QString prefix = m_stack + QLatin1Char('_');
    for (const QByteArray &line : lines.split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        const QString name = o.value(QStringLiteral("Name")).toString(); // stack_service.slot
        if (!name.startsWith(prefix))
            continue;
        const qsizetype dot = name.lastIndexOf(QLatin1Char('.'));
        if (dot <= prefix.size())
            continue;
        Task t;
        t.id = o.value(QStringLiteral("ID")).toString();
        t.service = name.mid(prefix.size(), dot - prefix.size());
        t.slot = name.mid(dot + 1);
        t.node = o.value(QStringLiteral("Node")).toString();
        t.state = o.value(QStringLiteral("CurrentState")).toString().section(QLatin1Char(' '), 0, 0).toLower();
        t.error = o.value(QStringLiteral("Error")).toString();
        t.container = m_containerOfTask.value(t.id);
        t.nodeId = m_nodeOfTask.value(t.id);
        if (t.container.isEmpty() && t.state == QLatin1String("running"))
            uninspected.append(t.id);
        byService[t.service].append(t);
    }
    for (const auto &s : m_services) {
        QList<Task> tasks = byService.value(s->spec.name);
        std::sort(tasks.begin(), tasks.end(), slotLess);
        s->tasks = tasks;
        s->desiredReplicas = desired.value(s->spec.name, -1);
        updateService(s.get());
    }
    if (!uninspected.isEmpty())
        inspectContainers(uninspected);
}

void SwarmStackBackend::inspectContainers(const QStringList &taskIds)
{
    runDocker(QStringList{QStringLiteral("inspect"), QStringLiteral("--type"), QStringLiteral("task"), QStringLiteral("--format"),
                          QStringLiteral("{{.ID}} {{.Status.ContainerStatus.ContainerID}} {{.NodeID}}")} + taskIds,
              CallTimeoutMs, [this](const DockerJob::Result &r) {
                  // Also partial output: a task removed meanwhile fails the call for the others.
                  const QStringList lines = QString::fromUtf8(r.out).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
                  for (const QString &line : lines) {
                      const QStringList f = line.simplified().split(QLatin1Char(' '));
                      if (f.size() < 3 || f.at(1).isEmpty())
                          continue;
                      m_containerOfTask.insert(f.at(0), f.at(1));
                      m_nodeOfTask.insert(f.at(0), f.at(2));
                  }
                  for (const auto &s : m_services) {
                      for (Task &t : s->tasks) {
                          t.container = m_containerOfTask.value(t.id, t.container);
                          t.nodeId = m_nodeOfTask.value(t.id, t.nodeId);
                      }
                      updateService(s.get());
                  }
              });
}

void SwarmStackBackend::updateService(Service *s)
{
    ServiceStatus &st = s->status;
    const ServiceStatus before = st;
    QStringList ids, lines, nodes;
    int running = 0, paused = 0;
    QString firstContainer;
    QStringList problems;
    for (const Task &t : std::as_const(s->tasks)) {
        ids.append(t.id);
        const bool isPaused = !t.container.isEmpty() && m_pausedContainers.contains(t.container);
        const bool isRunning = t.state == QLatin1String("running") && !m_downedTasks.contains(t.id);
        running += isRunning ? 1 : 0;
        paused += isRunning && isPaused ? 1 : 0;
        if (isRunning && firstContainer.isEmpty())
            firstContainer = t.container.left(12);
        lines.append(QStringLiteral("%1.%2 on %3: %4%5").arg(s->spec.name, t.slot, t.node.isEmpty() ? QStringLiteral("?") : t.node,
                                                             isPaused ? QStringLiteral("paused")
                                                             : m_downedTasks.contains(t.id) ? QStringLiteral("down") : t.state,
                                                             t.container.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(t.container.left(12))));
        if (!t.node.isEmpty() && !nodes.contains(t.node))
            nodes.append(t.node);
        if (!t.nodeId.isEmpty() && !nodes.contains(t.nodeId))
            nodes.append(t.nodeId);
        if (!t.error.isEmpty())
            problems.append(QStringLiteral("%1.%2: %3").arg(s->spec.name, t.slot, t.error));
    }
    if (ids != st.taskIds) {
        // New tasks: ready again only once the ready probe passes on them.
        s->ready = !s->spec.ready.has_value();
        stopProber(s);
        if (m_isUp || m_upInProgress)
            startProber(s);
    }
    const int desired = s->desiredReplicas >= 0 ? s->desiredReplicas : int(s->tasks.size());
    st.replicasDesired = desired;
    st.replicasRunning = running;
    st.taskIds = ids;
    st.tasks = lines;
    st.nodes = nodes;
    st.container = firstContainer;
    ServiceStatus::State state;
    if (desired == 0)
        state = ServiceStatus::State::Stopped;
    else if (paused > 0 && paused == running)
        state = ServiceStatus::State::Paused;
    else if (running == desired && s->ready)
        state = ServiceStatus::State::Running;
    else
        state = ServiceStatus::State::Starting;
    if (state != st.state || !st.since.isValid())
        st.since = QDateTime::currentDateTimeUtc();
    st.state = state;
    QString detail = QStringLiteral("%1/%2 tasks running").arg(running).arg(desired);
    if (!lines.isEmpty())
        detail += QStringLiteral(": ") + lines.join(QStringLiteral("; "));
    if (!problems.isEmpty())
        detail += QStringLiteral(" — ") + problems.join(QStringLiteral("; "));
    st.detail = detail;
    if (st != before)
        markChanged(s);
}

void SwarmStackBackend::startProber(Service *s)
{
    if (!s->spec.ready)
        return;
    auto *prober = new ServiceProber(s->spec.name, s->spec.ready, std::nullopt, this);
    s->prober = prober;
    connect(prober, &ServiceProber::readyFinished, this, [this, s, prober](bool ok, const QString &) {
        if (s->prober != prober)
            return;
        s->ready = s->ready || ok;
        updateService(s);
        advanceUp();
    });
    connect(prober, &ServiceProber::healthChanged, this, [this, s, prober](ServiceStatus::Health health, const QString &) {
        if (s->prober != prober)
            return;
        s->status.health = health;
        s->ready = s->ready || health == ServiceStatus::Health::Healthy; // came up after its budget ran out
        updateService(s);
        markChanged(s);
        advanceUp();
    });
    prober->start();
}

void SwarmStackBackend::stopProber(Service *s)
{
    if (!s->prober)
        return;
    s->prober->stop();
    s->prober->deleteLater();
    s->prober = nullptr;
    s->status.health = ServiceStatus::Health::Unknown;
}

void SwarmStackBackend::markChanged(Service *s)
{
    m_changed.insert(s->spec.name);
    if (!m_statusTimer->isActive())
        m_statusTimer->start();
}

void SwarmStackBackend::flushStatuses()
{
    m_statusTimer->stop();
    if (m_changed.isEmpty())
        return;
    QHash<QString, ServiceStatus> changed;
    for (const QString &name : std::as_const(m_changed))
        if (const Service *s = find(name))
            changed.insert(name, s->status);
    m_changed.clear();
    Q_EMIT statusesChanged(changed);
}

void SwarmStackBackend::applyRoles(const QHash<QString, QString> &roleByService)
{
    for (auto it = roleByService.cbegin(); it != roleByService.cend(); ++it) {
        Service *s = find(it.key());
        if (s && s->status.role != it.value()) {
            s->status.role = it.value();
            markChanged(s);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Logs

void SwarmStackBackend::followLogs(Service *s)
{
    if (s->logs)
        return;
    auto *p = new QProcess(this);
    s->logs = p;
    p->setProcessEnvironment(childEnvironment());
    connect(p, &QProcess::readyReadStandardOutput, this, [this, s] { readLogs(s, false); });
    connect(p, &QProcess::readyReadStandardError, this, [this, s] { readLogs(s, true); });
    connect(p, &QProcess::errorOccurred, this, [s, p](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            qCWarning(lcSwarm).noquote() << "cannot follow the logs of" << s->spec.name << ":" << p->errorString();
    });
    p->start(m_docker, {QStringLiteral("service"), QStringLiteral("logs"), QStringLiteral("--follow"), QStringLiteral("--timestamps"),
                        QStringLiteral("--no-trunc"), swarmName(s)});
}

void SwarmStackBackend::readLogs(Service *s, bool stderrStream)
{
    if (!s->logs)
        return;
    QByteArray &partial = s->partial[stderrStream ? 1 : 0];
    partial += stderrStream ? s->logs->readAllStandardError() : s->logs->readAllStandardOutput();
    qsizetype start = 0;
    for (qsizetype nl = partial.indexOf('\n'); nl >= 0; nl = partial.indexOf('\n', start)) {
        QByteArray line = partial.mid(start, nl - start);
        start = nl + 1;
        if (line.endsWith('\r'))
            line.chop(1);
        LogLine l;
        l.service = s->spec.name;
        l.stderrStream = stderrStream;
        // "2026-12-02T05:00:00.123456789Z stack_api1.1.taskid@node    | text"
        const qsizetype space = line.indexOf(' ');
        const QByteArray ts = space > 0 ? line.left(space) : QByteArray();
        if (ts.size() >= 20 && ts.at(4) == '-' && ts.at(10) == 'T' && ts.endsWith('Z')) {
            l.time = QDateTime::fromString(QString::fromLatin1(ts.left(23)) + QLatin1Char('Z'), Qt::ISODateWithMs);
            line = line.mid(space + 1);
        }
        if (!l.time.isValid())
            l.time = QDateTime::currentDateTimeUtc();
        l.text = QString::fromUtf8(line);
        m_pendingLogs.append(l);
    }
    partial.remove(0, start);
    if (partial.size() > MaxPartialLineBytes)
        partial.clear(); // a line that never ends (binary output) is dropped, not kept growing
    if (!m_pendingLogs.isEmpty() && !m_logTimer->isActive())
        m_logTimer->start();
}

void SwarmStackBackend::flushLogs()
{
    m_logTimer->stop();
    if (m_pendingLogs.isEmpty())
        return;
    const QList<LogLine> lines = std::exchange(m_pendingLogs, {});
    Q_EMIT logLines(lines);
}
