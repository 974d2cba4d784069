#include "processstackbackend.h"

#include "childprocesssetup.h"
#include "duration.h"
#include "hostnetwork.h"
#include "namespacelaunch.h"
#include "processscope.h"
#include "processtree.h"
#include "runasuser.h"
#include "rolemonitor.h"
#include "serviceprober.h"

#include <QContiguousCache>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSaveFile>
#include <QStandardPaths>
#include <QThread>
#include <QTimer>

#include <chrono>
#include <csignal>
#include <cstring>
#include <utility>

#include <unistd.h>

Q_LOGGING_CATEGORY(lcStack, "halab.runners.stack", QtWarningMsg)

// Runtime state of one service.
struct ProcessStackBackend::Service
{
    ServiceSpec spec;
    QMap<QString, QString> envOverrides;
    QProcess *process = nullptr; // non-null while the process lives (until finished)
    ServiceProber *prober = nullptr;
    QTimer *killTimer = nullptr; // SIGKILL when the grace after SIGTERM has passed
    ProcessScope *scope = nullptr; // every process of the service, in any session
    ServiceStatus status;
    ServiceStatus::State stateBeforePause = ServiceStatus::State::Running;
    qint64 pgid = 0;
    bool ready = false;          // ready probe passed (or none) since the last start
    bool stopRequested = false;  // a deliberate stop: the exit is "stopped", not "exited"
    bool forced = false;         // the grace ran out and SIGKILL followed
    bool restartPending = false; // start again once the current process has exited
    bool launchWhenEnded = false; // start again once the scope's last process is gone
    bool completed = false;      // a `once` service that exited 0 since the last up
    Pending pending = Pending::None;
    QByteArray partial[2];       // unfinished stdout / stderr line
    QContiguousCache<LogLine> log{ProcessStackBackend::MaxLogLinesPerService};
};

namespace {
QString signalName(int sig)
{
    const char *abbrev = sigabbrev_np(sig);
    return abbrev ? QStringLiteral("SIG") + QString::fromLatin1(abbrev) : QString::number(sig);
}

} // namespace

ProcessStackBackend::ProcessStackBackend(const StackSpec &stack,
                                         const QMap<QString, QString> &templateVariables,
                                         const QString &runDir, QObject *parent)
    : StackBackend(parent)
    , m_templateVariables(templateVariables)
    , m_runDir(runDir)
    , m_wipeRunDirOnUp(stack.runDir.wipeOnUp)
    , m_statusTimer(new QTimer(this))
    , m_roles(new RoleMonitor(stack, this))
    , m_logTimer(new QTimer(this))
{
    connect(m_roles, &RoleMonitor::roleSamples, this, &ProcessStackBackend::publishRoleSamples);
    connect(m_roles, &RoleMonitor::statusRoles, this, &ProcessStackBackend::applyRoles);
    for (const ServiceSpec &spec : stack.services) {
        auto s = std::make_unique<Service>();
        s->spec = spec;
        s->killTimer = new QTimer(this);
        s->killTimer->setSingleShot(true);
        s->killTimer->setTimerType(Qt::PreciseTimer); // a coarse timer may fire 5% before the grace ends
        s->scope = new ProcessScope(QStringLiteral("svc-") + spec.name, this);
        Service *raw = s.get();
        connect(s->killTimer, &QTimer::timeout, this, [raw]() {
            if (!raw->process)
                return;
            qCInfo(lcStack) << raw->spec.name << "did not stop within" << raw->spec.stopGraceMs << "ms; killing the whole service";
            raw->forced = true;
            raw->scope->kill();
        });
        connect(s->scope, &ProcessScope::ended, this, [this, raw]() { onScopeEnded(raw); });
        m_services.push_back(std::move(s));
    }
    // Status changes of one event-loop pass go out as one signal.
    m_statusTimer->setSingleShot(true);
    m_statusTimer->setInterval(0);
    connect(m_statusTimer, &QTimer::timeout, this, &ProcessStackBackend::flushStatuses);
    // Log lines are coalesced for LogFlushMs so a chatty service costs one signal per tick.
    m_logTimer->setSingleShot(true);
    m_logTimer->setInterval(std::chrono::milliseconds(LogFlushMs));
    connect(m_logTimer, &QTimer::timeout, this, &ProcessStackBackend::flushLogs);
}

ProcessStackBackend::~ProcessStackBackend()
{
    for (const auto &s : m_services) {
        delete s->prober;
        s->prober = nullptr;
        if (!s->process)
            continue;
        QProcess *p = s->process;
        p->disconnect();
        s->scope->kill();
        p->kill();
        // Teardown only, never on the GUI's hot path: reap so QProcess does not warn.
        p->waitForFinished(500);
    }
    for (const auto &s : m_services) {
        s->scope->disconnect(this);
        s->scope->kill();
        // Teardown only: give cgroup.kill a moment so the directory can go too.
        for (int i = 0; i < 100 && !s->scope->isEmpty(); ++i)
            QThread::msleep(5);
        delete s->scope;
        s->scope = nullptr;
    }
    m_ledger.forgetAll();
}

void ProcessStackBackend::setLedgerDir(const QString &dir)
{
    m_ledger.setDir(dir);
}

QString ProcessStackBackend::ledgerDir() const
{
    return m_ledger.dir();
}

ProcessStackBackend::Service *ProcessStackBackend::find(const QString &name) const
{
    for (const auto &s : m_services)
        if (s->spec.name == name)
            return s.get();
    return nullptr;
}

QStringList ProcessStackBackend::serviceNames() const
{
    QStringList names;
    for (const auto &s : m_services)
        names.append(s->spec.name);
    return names;
}

ServiceStatus ProcessStackBackend::status(const QString &service) const
{
    if (const Service *s = find(service))
        return s->status;
    ServiceStatus unknown;
    unknown.state = ServiceStatus::State::Unknown;
    unknown.detail = QStringLiteral("no service named '%1'").arg(service);
    return unknown;
}

bool ProcessStackBackend::isUp() const
{
    return m_isUp;
}

QList<LogLine> ProcessStackBackend::logs(const QString &service) const
{
    QList<LogLine> result;
    const Service *s = find(service);
    if (!s)
        return result;
    result.reserve(s->log.count());
    for (qsizetype i = s->log.firstIndex(); i <= s->log.lastIndex(); ++i)
        result.append(s->log.at(i));
    return result;
}

// ---------------------------------------------------------------------------------------------
// Actions

void ProcessStackBackend::start(const QString &service)
{
    Service *s = find(service);
    if (!s)
        return report(service, QStringLiteral("start"), false, QStringLiteral("no such service"));
    if (s->process && s->stopRequested) {
        // Being stopped: start again once it has exited.
        supersede(s, QStringLiteral("start"));
        s->pending = Pending::Start;
        s->restartPending = true;
        return;
    }
    if (!s->process && s->scope->isEnding()) {
        // What the last process left is still being killed: start once it is gone.
        supersede(s, QStringLiteral("start"));
        s->pending = Pending::Start;
        s->launchWhenEnded = true;
        return;
    }
    if (s->process)
        return report(service, QStringLiteral("start"), true, {}); // already running
    supersede(s, QStringLiteral("start"));
    s->pending = Pending::Start;
    launch(s);
}

void ProcessStackBackend::stop(const QString &service)
{
    Service *s = find(service);
    if (!s)
        return report(service, QStringLiteral("stop"), false, QStringLiteral("no such service"));
    if (!s->process) {
        if (s->status.state == ServiceStatus::State::Exited)
            setState(s, ServiceStatus::State::Stopped, 0, s->status.detail);
        return report(service, QStringLiteral("stop"), true, {}); // already stopped
    }
    supersede(s, QStringLiteral("stop"));
    s->restartPending = false;
    s->launchWhenEnded = false;
    beginStop(s);
    // Applied, not awaited: the exit (after SIGTERM, or the kill after the grace) is a status change.
    report(service, QStringLiteral("stop"), true, {});
}

void ProcessStackBackend::kill(const QString &service)
{
    Service *s = find(service);
    if (!s)
        return report(service, QStringLiteral("kill"), false, QStringLiteral("no such service"));
    if (!s->process && s->scope->isEnding()) {
        s->scope->kill();
        return report(service, QStringLiteral("kill"), true, {});
    }
    if (!s->process)
        return report(service, QStringLiteral("kill"), false, QStringLiteral("not running"));
    supersede(s, QStringLiteral("kill"));
    s->restartPending = false;
    qCInfo(lcStack) << "SIGKILL" << service << "pid" << s->process->processId();
    s->scope->kill();
    // Applied, not awaited: the exit arrives later as a status change.
    report(service, QStringLiteral("kill"), true, {});
}

void ProcessStackBackend::pause(const QString &service)
{
    Service *s = find(service);
    if (!s)
        return report(service, QStringLiteral("pause"), false, QStringLiteral("no such service"));
    if (!s->process || s->stopRequested)
        return report(service, QStringLiteral("pause"), false, QStringLiteral("not running"));
    if (s->status.state == ServiceStatus::State::Paused)
        return report(service, QStringLiteral("pause"), true, {});
    qCInfo(lcStack) << "pause" << service;
    s->scope->freeze();
    s->stateBeforePause = s->status.state;
    setState(s, ServiceStatus::State::Paused, 0,
             s->scope->method() == ProcessScope::Method::Cgroup ? QStringLiteral("paused (cgroup.freeze)")
                                                                : QStringLiteral("paused (SIGSTOP)"));
    report(service, QStringLiteral("pause"), true, {});
}

void ProcessStackBackend::resume(const QString &service)
{
    Service *s = find(service);
    if (!s)
        return report(service, QStringLiteral("resume"), false, QStringLiteral("no such service"));
    if (!s->process)
        return report(service, QStringLiteral("resume"), false, QStringLiteral("not running"));
    if (s->status.state != ServiceStatus::State::Paused)
        return report(service, QStringLiteral("resume"), true, {});
    qCInfo(lcStack) << "resume" << service;
    s->scope->thaw();
    setState(s, s->stateBeforePause, 0,
             s->scope->method() == ProcessScope::Method::Cgroup ? QStringLiteral("resumed (cgroup.freeze 0)")
                                                                : QStringLiteral("resumed (SIGCONT)"));
    report(service, QStringLiteral("resume"), true, {});
}

void ProcessStackBackend::restart(const QString &service, const QMap<QString, QString> &envOverrides)
{
    Service *s = find(service);
    if (!s)
        return report(service, QStringLiteral("restart"), false, QStringLiteral("no such service"));
    supersede(s, QStringLiteral("restart"));
    s->envOverrides = envOverrides;
    s->pending = Pending::Restart;
    if (s->process) {
        s->restartPending = true;
        beginStop(s);
    } else if (s->scope->isEnding()) {
        s->launchWhenEnded = true;
    } else {
        launch(s);
    }
}

void ProcessStackBackend::up()
{
    if (m_upInProgress)
        return; // the running up() reports
    if (m_downInProgress) {
        QTimer::singleShot(0, this, [this]() { Q_EMIT upFinished(false, QStringLiteral("down() is in progress")); });
        return;
    }
    const QString error = dependencyError();
    if (!error.isEmpty()) {
        QTimer::singleShot(0, this, [this, error]() { Q_EMIT upFinished(false, error); });
        return;
    }
    if (m_wipeRunDirOnUp) {
        const QString wipeError = wipeRunDir();
        if (!wipeError.isEmpty()) {
            QTimer::singleShot(0, this, [this, wipeError]() { Q_EMIT upFinished(false, wipeError); });
            return;
        }
    }
    QDir().mkpath(m_runDir);
    markRunDir();
    for (const auto &s : m_services)
        s->completed = false;
    m_upInProgress = true;
    m_roles->start(); // roles are asked of whatever answers, from the first service on
    if (m_network && !m_network->isUp()) {
        // Hosts first: a service on a host needs its namespace before it can start.
        connect(m_network, &HostNetwork::upFinished, this, [this](bool ok, const QString &networkError) {
            if (!ok)
                return failUp(QStringLiteral("lab hosts: %1").arg(networkError));
            advanceUp();
        }, Qt::SingleShotConnection);
        m_network->up();
        return;
    }
    advanceUp();
}

void ProcessStackBackend::down()
{
    m_isUp = false;
    m_roles->stop();
    if (m_upInProgress)
        failUp(QStringLiteral("interrupted by down()"));
    m_downInProgress = true;
    for (const auto &s : m_services) {
        if (s->pending == Pending::Start || s->pending == Pending::Restart)
            finishPending(s.get(), false, QStringLiteral("interrupted by down()"));
        s->restartPending = false;
        s->launchWhenEnded = false;
    }
    advanceDown();
}

// ---------------------------------------------------------------------------------------------
// Up / down sequencing

QString ProcessStackBackend::dependencyError() const
{
    for (const auto &s : m_services)
        for (const QString &dep : s->spec.dependsOn)
            if (!find(dep))
                return QStringLiteral("%1: depends on unknown service '%2'").arg(s->spec.name, dep);
    // Kahn's algorithm: whatever cannot be ordered sits on a cycle.
    QSet<QString> done;
    bool progress = true;
    while (progress) {
        progress = false;
        for (const auto &s : m_services) {
            if (done.contains(s->spec.name))
                continue;
            bool ok = true;
            for (const QString &dep : s->spec.dependsOn)
                ok = ok && done.contains(dep);
            if (ok) {
                done.insert(s->spec.name);
                progress = true;
            }
        }
    }
    QStringList cycle;
    for (const auto &s : m_services)
        if (!done.contains(s->spec.name))
            cycle.append(s->spec.name);
    if (!cycle.isEmpty())
        return QStringLiteral("depends_on cycle among: %1").arg(cycle.join(QStringLiteral(", ")));
    return {};
}

void ProcessStackBackend::advanceUp()
{
    if (!m_upInProgress)
        return;
    bool allReady = true;
    for (const auto &s : m_services) {
        if (!m_upInProgress)
            return; // a launch failed synchronously
        if (isUpToDate(s.get()))
            continue;
        allReady = false;
        if (s->process)
            continue; // starting
        bool depsReady = true;
        for (const QString &dep : s->spec.dependsOn) {
            const Service *d = find(dep);
            depsReady = depsReady && d && isUpToDate(d);
        }
        if (depsReady)
            launch(s.get());
    }
    if (allReady && m_upInProgress) {
        m_upInProgress = false;
        m_isUp = true;
        qCInfo(lcStack) << "stack is up";
        QTimer::singleShot(0, this, [this]() {
            flushStatuses();
            Q_EMIT upFinished(true, {});
        });
    }
}

void ProcessStackBackend::failUp(const QString &error)
{
    if (!m_upInProgress)
        return;
    m_upInProgress = false;
    qCWarning(lcStack).noquote() << "up failed:" << error;
    QTimer::singleShot(0, this, [this, error]() {
        flushStatuses();
        Q_EMIT upFinished(false, error);
    });
}

bool ProcessStackBackend::hasLiveDependent(const Service *s) const
{
    for (const auto &other : m_services)
        if ((other->process || other->scope->isEnding()) && other->spec.dependsOn.contains(s->spec.name))
            return true;
    return false;
}

void ProcessStackBackend::advanceDown()
{
    if (!m_downInProgress)
        return;
    bool anyLive = false;
    for (const auto &s : m_services) {
        // Down is done only once every process of the service is gone, not just its first.
        if (!s->process && s->scope->isEnding()) {
            anyLive = true;
            continue;
        }
        if (!s->process)
            continue;
        anyLive = true;
        // Reverse dependency order: a service stops once nothing that depends on it runs.
        if (!s->stopRequested && !hasLiveDependent(s.get()))
            beginStop(s.get());
    }
    if (anyLive)
        return;
    m_downInProgress = false;
    for (const auto &s : m_services) {
        s->envOverrides.clear();
        if (s->status.state == ServiceStatus::State::Exited)
            setState(s.get(), ServiceStatus::State::Stopped, 0, s->status.detail);
    }
    qCInfo(lcStack) << "stack is down";
    if (m_network && m_network->isUp()) {
        // Hosts last, once nothing runs in them.
        connect(m_network, &HostNetwork::downFinished, this, [this](bool ok, const QString &networkError) {
            if (!ok)
                qCWarning(lcStack).noquote() << "lab hosts not fully removed:" << networkError;
            flushStatuses();
            Q_EMIT downFinished();
        }, Qt::SingleShotConnection);
        m_network->down();
        return;
    }
    QTimer::singleShot(0, this, [this]() {
        flushStatuses();
        Q_EMIT downFinished();
    });
}

// ---------------------------------------------------------------------------------------------
// Process lifecycle

QString ProcessStackBackend::renderTemplates(const Service *s) const
{
    for (const TemplateFileSpec &t : s->spec.templates) {
        const QDir base(s->spec.workdir.isEmpty() ? QDir::currentPath() : s->spec.workdir);
        const QString from = base.absoluteFilePath(t.from);
        const QString to = QDir(m_runDir).absoluteFilePath(t.to);
        QFile in(from);
        if (!in.open(QIODevice::ReadOnly))
            return QStringLiteral("template %1: %2").arg(from, in.errorString());
        QString text = QString::fromUtf8(in.readAll());
        for (auto it = m_templateVariables.cbegin(); it != m_templateVariables.cend(); ++it)
            text.replace(QStringLiteral("${") + it.key() + QLatin1Char('}'), it.value());
        QDir().mkpath(QFileInfo(to).absolutePath());
        QSaveFile out(to);
        if (!out.open(QIODevice::WriteOnly))
            return QStringLiteral("template %1: %2").arg(to, out.errorString());
        out.write(text.toUtf8());
        if (!out.commit())
            return QStringLiteral("template %1: %2").arg(to, out.errorString());
    }
    return {};
}

void ProcessStackBackend::launch(Service *s)
{
    s->stopRequested = false;
    s->forced = false;
    s->ready = false;
    s->pgid = 0;
    s->partial[0].clear();
    s->partial[1].clear();
    if (s->spec.command.isEmpty())
        return onFailedToStart(s, QStringLiteral("no command given"));
    const QString templateError = renderTemplates(s);
    if (!templateError.isEmpty())
        return onFailedToStart(s, templateError);

    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (auto it = s->spec.env.cbegin(); it != s->spec.env.cend(); ++it)
        env.insert(it.key(), it.value());
    for (auto it = s->envOverrides.cbegin(); it != s->envOverrides.cend(); ++it)
        env.insert(it.key(), it.value());

    auto *process = new QProcess(this);
    process->setProgram(s->spec.command.first());
    process->setArguments(s->spec.command.mid(1));
    process->setProcessEnvironment(env);
    if (!s->spec.workdir.isEmpty())
        process->setWorkingDirectory(s->spec.workdir);
    process->setProcessChannelMode(QProcess::SeparateChannels);
    process->setInputChannelMode(QProcess::ManagedInputChannel);
    QString runAsError;
    const RunAsUser runAs = RunAsUser::resolve(s->spec.user, s->spec.group, &runAsError);
    if (!runAsError.isEmpty()) {
        delete process;
        return onFailedToStart(s, runAsError);
    }
    const QString unreachable = runAs.unreachableDirectory(m_runDir);
    if (!unreachable.isEmpty()) {
        delete process;
        return onFailedToStart(s, QStringLiteral("it runs as '%1', who cannot enter %2 on the way to the run directory %3: "
                                                 "set 'stack: run_dir: path:' to a directory that user can reach (e.g. under /tmp)")
                                      .arg(runAs.name, unreachable, m_runDir));
    }
    if (runAs.active && !runAs.name.isEmpty()) {
        // What a login as that user would give, unless the lab says otherwise.
        const QMap<QString, QString> identity{{QStringLiteral("HOME"), runAs.home},
                                              {QStringLiteral("USER"), runAs.name},
                                              {QStringLiteral("LOGNAME"), runAs.name}};
        for (auto it = identity.cbegin(); it != identity.cend(); ++it)
            if (!s->spec.env.contains(it.key()))
                env.insert(it.key(), it.value());
        process->setProcessEnvironment(env);
    }
    ChildProcessSetup::Options runAsOptions;
    if (runAs.active) {
        runAsOptions.switchUser = true;
        runAsOptions.uid = runAs.uid;
        runAsOptions.gid = runAs.gid;
        runAsOptions.groups.assign(runAs.groups.cbegin(), runAs.groups.cend());
    }
    QString scopeError;
    if (!s->scope->prepare(process, &scopeError, runAsOptions)) {
        delete process;
        return onFailedToStart(s, scopeError);
    }
    // After the scope: the namespace joins the child setup the scope made.
    NamespaceLaunch inHost;
    if (!s->spec.host.isEmpty()) {
        QString hostError;
        if (!m_network || !inHost.prepare(process, m_network->namespacePath(s->spec.host), &hostError)) {
            delete process;
            return onFailedToStart(s, m_network ? hostError : QStringLiteral("runs on host '%1', but the stack has no hosts").arg(s->spec.host));
        }
    }

    connect(process, &QProcess::readyReadStandardOutput, process, [this, s]() { readChannel(s, false); });
    connect(process, &QProcess::readyReadStandardError, process, [this, s]() { readChannel(s, true); });
    // Queued: start() may report synchronously, and the handlers re-enter the up sequencing.
    connect(process, &QProcess::started, process, [this, s, process]() {
        if (s->process == process)
            onStarted(s);
    }, Qt::QueuedConnection);
    connect(process, &QProcess::errorOccurred, process, [this, s, process, env](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart || s->process != process)
            return;
        const QString program = process->program();
        QString message = process->errorString();
        if (!program.contains(QLatin1Char('/'))) {
            const QStringList path = env.value(QStringLiteral("PATH")).split(QLatin1Char(':'), Qt::SkipEmptyParts);
            if (QStandardPaths::findExecutable(program, path).isEmpty())
                message = QStringLiteral("'%1' is not installed or not on PATH").arg(program);
        } else if (!QFileInfo::exists(QDir(process->workingDirectory()).absoluteFilePath(program))) {
            message = QStringLiteral("'%1' does not exist").arg(program);
        }
        onFailedToStart(s, message);
    }, Qt::QueuedConnection);
    connect(process, &QProcess::finished, process, [this, s, process](int code, QProcess::ExitStatus status) {
        if (s->process == process)
            onFinished(s, code, status == QProcess::CrashExit);
    });

    s->process = process;
    s->completed = false;
    s->status.pid = 0;
    setState(s, ServiceStatus::State::Starting, 0, QStringLiteral("starting"));
    qCInfo(lcStack).noquote() << "starting" << s->spec.name << ":" << s->spec.command.join(QLatin1Char(' '));
    process->start(QIODevice::ReadOnly);
}

void ProcessStackBackend::onStarted(Service *s)
{
    const qint64 pid = s->process->processId();
    s->scope->setMainProcess(pid);
    // The child made itself a group leader before exec; anything else must never be signalled
    // as a group (it would be the console's own).
    s->pgid = ::getpgid(static_cast<pid_t>(pid)) == pid ? pid : 0;
    s->status.pid = pid;
    PidLedger::Entry entry;
    entry.service = s->spec.name;
    entry.pid = pid;
    entry.pgid = s->pgid;
    entry.startTime = ProcessTree::startTime(pid);
    entry.cgroup = s->scope->cgroupPath();
    QString ledgerError;
    if (!m_ledger.record(entry, &ledgerError))
        qCWarning(lcStack).noquote() << "pid ledger" << m_ledger.filePath() << ":" << ledgerError;
    qCInfo(lcStack) << s->spec.name << "started, pid" << pid;

    if (s->spec.ready) {
        // Roles come from the RoleMonitor, which keeps asking through stops, kills and pauses.
        s->prober = new ServiceProber(s->spec.name, s->spec.ready, std::nullopt, this);
        connect(s->prober, &ServiceProber::readyFinished, this,
                [this, s](bool ok, const QString &error) { onReady(s, ok, error); });
        connect(s->prober, &ServiceProber::healthChanged, this,
                [this, s](ServiceStatus::Health health, const QString &detail) {
                    s->status.health = health;
                    if (health == ServiceStatus::Health::Healthy && !s->ready && s->process
                        && !s->stopRequested) {
                        // It came up after its readiness budget ran out.
                        s->ready = true;
                        s->status.detail.clear();
                        advanceUp();
                    } else if (health == ServiceStatus::Health::Unhealthy) {
                        s->status.detail = detail;
                    }
                    markChanged(s);
                });
    }
    if (s->spec.once) {
        setState(s, ServiceStatus::State::Running, 0, QStringLiteral("running once"));
    } else if (!s->spec.ready) {
        s->ready = true;
        if (s->status.state == ServiceStatus::State::Paused)
            s->stateBeforePause = ServiceStatus::State::Running;
        else
            setState(s, ServiceStatus::State::Running, 0, {});
        if (s->pending == Pending::Start || s->pending == Pending::Restart)
            finishPending(s, true, {});
    } else {
        markChanged(s);
    }
    if (s->prober)
        s->prober->start();
    advanceUp();
}

void ProcessStackBackend::onReady(Service *s, bool ok, const QString &error)
{
    if (!s->process || s->stopRequested)
        return;
    QString detail;
    if (!ok) {
        detail = readinessFailure(s, error);
        qCWarning(lcStack).noquote() << s->spec.name << detail;
    }
    s->ready = ok;
    // Not ready in time still leaves it running (and watched): it may come up later.
    if (s->status.state == ServiceStatus::State::Paused)
        s->stateBeforePause = ServiceStatus::State::Running;
    else
        setState(s, ServiceStatus::State::Running, 0, detail);
    if (s->pending == Pending::Start || s->pending == Pending::Restart)
        finishPending(s, ok, detail);
    if (ok)
        advanceUp();
    else
        failUp(s->spec.name + QStringLiteral(": ") + detail);
}

void ProcessStackBackend::onFailedToStart(Service *s, const QString &message)
{
    if (s->process) {
        s->process->disconnect();
        s->process->deleteLater();
        s->process = nullptr;
    }
    const QString detail = QStringLiteral("failed to start: ") + message;
    qCWarning(lcStack).noquote() << s->spec.name << detail;
    s->restartPending = false;
    s->status.pid = 0;
    setState(s, ServiceStatus::State::Exited, 127, detail);
    finishPending(s, false, detail);
    failUp(s->spec.name + QStringLiteral(": ") + detail);
    advanceDown();
}

void ProcessStackBackend::onFinished(Service *s, int exitCode, bool crashed)
{
    QProcess *process = s->process;
    readChannel(s, false);
    readChannel(s, true);
    flushPartialLines(s);
    s->process = nullptr;
    process->disconnect();
    process->deleteLater();
    s->killTimer->stop();
    if (s->prober) {
        s->prober->stop();
        s->prober->deleteLater();
        s->prober = nullptr;
    }
    // What the first process left behind (workers, daemonized children) still belongs to the
    // service: it dies with it. The ledger entry goes once the scope is empty.
    s->scope->end();
    if (s->spec.once && !s->stopRequested && !s->restartPending)
        return finishOnce(s, exitCode, crashed);

    // Shell convention: 128 + signal, as docker reports "exited (137)" after SIGKILL.
    const int code = crashed ? 128 + exitCode : exitCode;
    const bool deliberate = s->stopRequested;
    s->status.pid = 0;
    s->status.health = ServiceStatus::Health::Unknown;
    const bool wasReady = s->ready;
    s->ready = false;
    s->stopRequested = false;
    if (deliberate) {
        const QString detail = s->forced
            ? QStringLiteral("stopped: SIGKILL after %1 grace").arg(Duration::format(s->spec.stopGraceMs))
            : QStringLiteral("stopped");
        setState(s, ServiceStatus::State::Stopped, 0, detail);
    } else {
        QString detail = crashed ? QStringLiteral("killed by %1").arg(signalName(exitCode))
                                 : QStringLiteral("exited with code %1").arg(exitCode);
        setState(s, ServiceStatus::State::Exited, code, detail);
    }
    qCInfo(lcStack).noquote() << s->spec.name << s->status.detail;

    if (s->restartPending) {
        s->restartPending = false;
        s->launchWhenEnded = true; // a new process must not join the dying ones' cgroup
        return;
    }
    switch (s->pending) {
    case Pending::Stop:
    case Pending::Kill: finishPending(s, true, {}); break;
    case Pending::Start:
    case Pending::Restart: {
        QString error = s->status.detail + QStringLiteral(" before it was ready");
        const QString last = lastLogLine(s);
        if (!last.isEmpty())
            error += QStringLiteral(": ") + last;
        finishPending(s, false, error);
        break;
    }
    case Pending::None: break;
    }
    if (!deliberate) {
        QString error = s->spec.name + QStringLiteral(": ") + s->status.detail;
        if (!wasReady) {
            error += QStringLiteral(" before it was ready");
            const QString last = lastLogLine(s);
            if (!last.isEmpty())
                error += QStringLiteral(": ") + last;
        }
        failUp(error);
    } else {
        failUp(s->spec.name + QStringLiteral(": stopped during up()"));
    }
    advanceDown();
}

void ProcessStackBackend::onScopeEnded(Service *s)
{
    if (s->process)
        return; // a new process started meanwhile (never in a dying scope, see launchWhenEnded)
    QString ledgerError;
    if (!m_ledger.forget(s->spec.name, &ledgerError))
        qCWarning(lcStack).noquote() << "pid ledger" << m_ledger.filePath() << ":" << ledgerError;
    if (s->launchWhenEnded) {
        s->launchWhenEnded = false;
        launch(s);
        return;
    }
    advanceDown();
}

void ProcessStackBackend::beginStop(Service *s)
{
    if (!s->process || s->stopRequested)
        return;
    s->stopRequested = true;
    if (s->prober)
        s->prober->stop();
    const qint64 pid = s->process->processId();
    // As a supervisor would: the main process gets SIGTERM and shuts its children down itself.
    qCInfo(lcStack) << "SIGTERM" << s->spec.name << "pid" << pid;
    s->scope->signalMain(SIGTERM);
    // A stopped process only acts on SIGTERM once continued.
    if (s->status.state == ServiceStatus::State::Paused)
        s->scope->thaw();
    if (s->spec.stopGraceMs <= 0) {
        s->forced = true;
        s->scope->kill();
    } else {
        s->killTimer->start(std::chrono::milliseconds(s->spec.stopGraceMs));
    }
    s->status.detail = QStringLiteral("stopping");
    markChanged(s);
}

// ---------------------------------------------------------------------------------------------
// Logs

void ProcessStackBackend::readChannel(Service *s, bool stderrStream)
{
    if (!s->process)
        return;
    const QByteArray data = stderrStream ? s->process->readAllStandardError()
                                         : s->process->readAllStandardOutput();
    if (data.isEmpty())
        return;
    QByteArray &partial = s->partial[stderrStream ? 1 : 0];
    partial += data;
    qsizetype start = 0;
    for (;;) {
        const qsizetype nl = partial.indexOf('\n', start);
        if (nl < 0)
            break;
        appendLine(s, partial.mid(start, nl - start), stderrStream);
        start = nl + 1;
    }
    partial.remove(0, start);
    // Bound a line that never ends (a progress bar, binary output).
    if (partial.size() > MaxPartialLineBytes) {
        appendLine(s, partial, stderrStream);
        partial.clear();
    }
}

void ProcessStackBackend::flushPartialLines(Service *s)
{
    for (int i = 0; i < 2; ++i) {
        if (!s->partial[i].isEmpty())
            appendLine(s, s->partial[i], i == 1);
        s->partial[i].clear();
    }
}

void ProcessStackBackend::appendLine(Service *s, const QByteArray &line, bool stderrStream)
{
    LogLine l;
    l.time = QDateTime::currentDateTimeUtc();
    l.service = s->spec.name;
    l.text = QString::fromUtf8(line.endsWith('\r') ? line.chopped(1) : line);
    l.stderrStream = stderrStream;
    s->log.append(l); // QContiguousCache drops the oldest line when full
    m_pendingLogs.append(l);
    if (!m_logTimer->isActive())
        m_logTimer->start();
}

void ProcessStackBackend::flushLogs()
{
    if (m_pendingLogs.isEmpty())
        return;
    const QList<LogLine> lines = std::exchange(m_pendingLogs, {});
    Q_EMIT logLines(lines);
}

QString ProcessStackBackend::lastLogLine(const Service *s) const
{
    for (qsizetype i = s->log.lastIndex(); s->log.count() > 0 && i >= s->log.firstIndex(); --i) {
        const QString text = s->log.at(i).text.trimmed();
        if (!text.isEmpty())
            return text;
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// Status reporting

void ProcessStackBackend::setState(Service *s, ServiceStatus::State state, int exitCode, const QString &detail)
{
    if (s->status.state != state || s->status.exitCode != exitCode || !s->status.since.isValid())
        s->status.since = QDateTime::currentDateTimeUtc();
    s->status.state = state;
    s->status.exitCode = exitCode;
    s->status.detail = detail;
    markChanged(s);
}

void ProcessStackBackend::markChanged(Service *s)
{
    m_changed.insert(s->spec.name);
    if (!m_statusTimer->isActive())
        m_statusTimer->start();
}

void ProcessStackBackend::applyRoles(const QHash<QString, QString> &roleByService)
{
    for (auto it = roleByService.cbegin(); it != roleByService.cend(); ++it) {
        Service *s = find(it.key());
        if (s && s->status.role != it.value()) {
            s->status.role = it.value();
            markChanged(s);
        }
    }
}

void ProcessStackBackend::flushStatuses()
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

QString ProcessStackBackend::pendingName(Pending p)
{
    switch (p) {
    case Pending::None: return {};
    case Pending::Start: return QStringLiteral("start");
    case Pending::Stop: return QStringLiteral("stop");
    case Pending::Kill: return QStringLiteral("kill");
    case Pending::Restart: return QStringLiteral("restart");
    }
    return {};
}

void ProcessStackBackend::supersede(Service *s, const QString &byAction)
{
    if (s->pending != Pending::None)
        finishPending(s, false, QStringLiteral("superseded by %1").arg(byAction));
}

void ProcessStackBackend::finishPending(Service *s, bool ok, const QString &error)
{
    if (s->pending == Pending::None)
        return;
    const QString action = pendingName(s->pending);
    s->pending = Pending::None;
    report(s->spec.name, action, ok, error);
}

void ProcessStackBackend::report(const QString &service, const QString &action, bool ok, const QString &error)
{
    // Always from the event loop: callers get their answer after the call returns, and after
    // the status changes that led to it.
    QTimer::singleShot(0, this, [this, service, action, ok, error]() {
        flushStatuses();
        Q_EMIT actionFinished(service, action, ok, error);
    });
}

QString ProcessStackBackend::processControl()
{
    return ProcessScope::methodDescription();
}

QList<qint64> ProcessStackBackend::processesOf(const QString &service) const
{
    const Service *s = find(service);
    return s ? s->scope->pids() : QList<qint64>{};
}

QString ProcessStackBackend::cgroupOf(const QString &service) const
{
    const Service *s = find(service);
    return s ? s->scope->cgroupPath() : QString();
}

// ---------------------------------------------------------------------------------------------
// Run-once services, the run directory, readiness failures (issue 11)

bool ProcessStackBackend::isUpToDate(const Service *s) const
{
    // A `once` service is done when it has exited 0; any other is up when it runs and is ready.
    return s->spec.once ? s->completed : (s->process && s->ready);
}

void ProcessStackBackend::finishOnce(Service *s, int exitCode, bool crashed)
{
    s->status.pid = 0;
    s->ready = false;
    if (!crashed && exitCode == 0) {
        s->completed = true;
        setState(s, ServiceStatus::State::Exited, 0, QStringLiteral("ran once: exit 0"));
        qCInfo(lcStack).noquote() << s->spec.name << "ran once: exit 0";
        finishPending(s, true, {});
        advanceUp();
        return;
    }
    const QString detail = crashed ? QStringLiteral("killed by %1").arg(signalName(exitCode))
                                   : QStringLiteral("exited with code %1").arg(exitCode);
    setState(s, ServiceStatus::State::Exited, crashed ? 128 + exitCode : exitCode, detail);
    const QString error = QStringLiteral("%1 (runs once before the services that depend on it) %2%3")
                              .arg(s->spec.name, detail, lastLogLinesText(s, 10));
    finishPending(s, false, error);
    failUp(error);
    advanceDown();
}

QString ProcessStackBackend::lastLogLinesText(const Service *s, int count) const
{
    QStringList lines;
    for (qsizetype i = s->log.lastIndex(); s->log.count() > 0 && i >= s->log.firstIndex() && lines.size() < count; --i) {
        const QString text = s->log.at(i).text.trimmed();
        if (!text.isEmpty())
            lines.prepend(QStringLiteral("    ") + text);
    }
    if (lines.isEmpty())
        return QStringLiteral("; it wrote nothing to stdout or stderr");
    return QStringLiteral("; the last lines of its log:\n") + lines.join(QLatin1Char('\n'));
}

QString ProcessStackBackend::readinessFailure(const Service *s, const QString &error) const
{
    const ProbeSpec &p = *s->spec.ready;
    QString waitedFor;
    switch (p.kind) {
    case ProbeSpec::Kind::Http:
        waitedFor = QStringLiteral("%1 %2 to answer %3").arg(p.method, p.url,
                        p.expectStatus ? QString::number(p.expectStatus) : QStringLiteral("2xx"));
        break;
    case ProbeSpec::Kind::Tcp: waitedFor = QStringLiteral("a TCP connection to %1").arg(p.address); break;
    case ProbeSpec::Kind::Command:
        waitedFor = QStringLiteral("'%1' to exit %2").arg(p.command.join(QLatin1Char(' '))).arg(p.expectExit);
        break;
    default: waitedFor = QStringLiteral("its ready probe"); break;
    }
    return QStringLiteral("not ready after %1: waited for %2; last attempt: %3%4")
        .arg(Duration::format(ServiceProber::readyBudgetMs(p)), waitedFor, error, lastLogLinesText(s, 10));
}

QString ProcessStackBackend::wipeRunDir() const
{
    // Only a directory the console made (marked) or an empty one: never a home or a source tree.
    const QDir dir(m_runDir);
    if (!dir.exists())
        return {};
    const QString marker = dir.filePath(QLatin1String(RunDirMarker));
    const bool empty = dir.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System).isEmpty();
    if (!QFileInfo::exists(marker) && !empty)
        return QStringLiteral("refusing to wipe the run directory %1: the console did not create it (no %2 in it); "
                              "empty it yourself or point 'run_dir: path:' elsewhere").arg(m_runDir, QLatin1String(RunDirMarker));
    qCInfo(lcStack).noquote() << "wiping the run directory" << m_runDir;
    QDir(m_runDir).removeRecursively();
    if (QDir(m_runDir).exists() && !QDir(m_runDir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty())
        return QStringLiteral("cannot wipe the run directory %1 (a file in it is not removable)").arg(m_runDir);
    return {};
}

void ProcessStackBackend::markRunDir() const
{
    QFile marker(QDir(m_runDir).filePath(QLatin1String(RunDirMarker)));
    if (!marker.exists() && marker.open(QIODevice::WriteOnly))
        marker.write("This directory is a halab run directory: 'wipe: on_up' empties it before every stack up.\n");
    bool otherUsers = false;
    for (const auto &s : m_services)
        otherUsers = otherUsers || !s->spec.user.isEmpty() || !s->spec.group.isEmpty();
    if (!otherUsers)
        return; // keep the directory as private as it was made
    // Services that run as another user must enter it (their own subdirectories come from a `once` service).
    QFile::setPermissions(m_runDir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner
                                        | QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther | QFileDevice::ExeOther);
}
