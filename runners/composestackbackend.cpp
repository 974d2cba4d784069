#include "composestackbackend.h"

#include "composeenvironmentfile.h"
#include "detachedkill.h"
#include "childprocesssetup.h"
#include "duration.h"
#include "rolemonitor.h"
#include "serviceprober.h"

#include <QContiguousCache>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryFile>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <utility>

Q_LOGGING_CATEGORY(lcCompose, "halab.runners.compose", QtWarningMsg)

// Runtime state of one service: its current container, probes, pending action and log follower.
struct ComposeStackBackend::Service
{
    ServiceSpec spec;
    QMap<QString, QString> envOverrides;
    ServiceStatus status;
    QString containerId;         // full id of the container that stands for the service
    QString runKey;              // id + StartedAt: one run of that container
    ServiceProber *prober = nullptr;
    bool ready = false;          // ready probe passed (or none) in the current run
    bool readyFailed = false;    // the readiness budget ran out in the current run
    QString readyError;
    bool deliberateStop = false; // stop()/down(): an exit is "stopped", not "exited"

    Pending pending = Pending::None;
    quint64 actionSeq = 0;       // bumped per action: callbacks of superseded ones are ignored
    QPointer<DockerJob> job;
    bool jobDone = false;        // the compose call of the pending action succeeded
    quint64 freshAfter = 0;      // polls with a higher seq started after jobDone
    bool sawFresh = false;

    QProcess *follower = nullptr; // `docker logs -f` of the current run
    QString followedRun;
    QString lastLogTs;            // RFC 3339, fixed 9 fractional digits: compares as text
    QByteArray partial[2];
    QContiguousCache<LogLine> log{ComposeStackBackend::MaxLogLinesPerService};
};

namespace {
const QString ServiceLabel = QStringLiteral("com.docker.compose.service");
const QString OneOffLabel = QStringLiteral("com.docker.compose.oneoff");
const QString ProjectLabel = QStringLiteral("com.docker.compose.project");
const QString OverridePattern = QStringLiteral("compose-env-*.yml");

// Docker's times: RFC 3339 with 0-9 fractional digits; "0001-01-01T00:00:00Z" means never.
QDateTime parseDockerTime(const QString &text)
{
    if (text.isEmpty() || text.startsWith(QLatin1String("0001-")))
        return {};
    QString t = text;
    const qsizetype dot = t.indexOf(QLatin1Char('.'));
    if (dot > 0) {
        qsizetype end = dot + 1;
        while (end < t.size() && t.at(end).isDigit())
            ++end;
        t = t.left(dot) + t.mid(dot, std::min<qsizetype>(end - dot, 4)) + t.mid(end);
    }
    QDateTime dt = QDateTime::fromString(t, Qt::ISODateWithMs);
    if (dt.isValid())
        dt = dt.toUTC();
    return dt;
}

bool looksLikeTimestamp(const QByteArray &ts)
{
    return ts.size() >= 20 && ts.at(4) == '-' && ts.at(10) == 'T' && ts.endsWith('Z');
}

// The CLI's words for "no engine there" (docker CLI, docker-py in compose v1, compose v2).
bool isEngineUnreachable(const QString &text)
{
    static const QLatin1String markers[] = {
        QLatin1String("Cannot connect to the Docker daemon"),
        QLatin1String("Couldn't connect to Docker daemon"),
        QLatin1String("Is the docker daemon running"),
        QLatin1String("Error while fetching server API version"),
        QLatin1String("error during connect"),
        QLatin1String("connect: no such file or directory"),
        QLatin1String("connect: connection refused"),
        QLatin1String("Connection refused"),
    };
    for (const QLatin1String &m : markers)
        if (text.contains(m, Qt::CaseInsensitive))
            return true;
    return false;
}

QString firstLine(const QString &text)
{
    const QString t = text.trimmed();
    const qsizetype nl = t.indexOf(QLatin1Char('\n'));
    return nl < 0 ? t : t.left(nl).trimmed();
}

// The line that says what went wrong: compose v1 may print a Python traceback first.
QString telltaleLine(const QString &text)
{
    const QStringList lines = text.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString &line : lines)
        if (isEngineUnreachable(line))
            return line.trimmed();
    return firstLine(text);
}

QString capped(const QString &text, qsizetype max = 4000)
{
    return text.size() <= max ? text : text.left(max) + QStringLiteral(" …");
}

int containerRank(const QJsonObject &c)
{
    const QString st = c.value(QStringLiteral("State")).toObject().value(QStringLiteral("Status")).toString();
    return (st == QLatin1String("running") || st == QLatin1String("paused") || st == QLatin1String("restarting")) ? 1 : 0;
}
} // namespace

ComposeStackBackend::ComposeStackBackend(const StackSpec &resolvedStack, const QString &labDir,
                                         const QString &runDir, QObject *parent)
    : StackBackend(parent)
    , m_runDir(runDir)
    , m_engine(resolvedStack.docker)
    , m_pollTimer(new QTimer(this))
    , m_statusTimer(new QTimer(this))
    , m_roles(new RoleMonitor(resolvedStack, this))
    , m_logTimer(new QTimer(this))
{
    connect(m_roles, &RoleMonitor::roleSamples, this, &ComposeStackBackend::publishRoleSamples);
    connect(m_roles, &RoleMonitor::statusRoles, this, &ComposeStackBackend::applyRoles);
    const QDir base(labDir.isEmpty() ? QDir::currentPath() : labDir);
    for (const QString &f : resolvedStack.composeFiles)
        m_files.append(QDir::cleanPath(base.absoluteFilePath(f)));
    QString project = resolvedStack.project;
    if (project.isEmpty() && !m_files.isEmpty())
        project = QFileInfo(m_files.first()).absoluteDir().dirName(); // compose's own default
    m_project = normalizedProjectName(project);

    for (const ServiceSpec &spec : resolvedStack.services) {
        auto s = std::make_unique<Service>();
        s->spec = spec;
        m_services.push_back(std::move(s));
    }
    m_pollTimer->setInterval(std::chrono::milliseconds(PollIntervalMs));
    connect(m_pollTimer, &QTimer::timeout, this, [this]() {
        if (!m_pollInFlight)
            poll();
    });
    // Status changes of one event-loop pass go out as one signal.
    m_statusTimer->setSingleShot(true);
    m_statusTimer->setInterval(0);
    connect(m_statusTimer, &QTimer::timeout, this, &ComposeStackBackend::flushStatuses);
    // Log lines are coalesced for LogFlushMs so a chatty service costs one signal per tick.
    m_logTimer->setSingleShot(true);
    m_logTimer->setInterval(std::chrono::milliseconds(LogFlushMs));
    connect(m_logTimer, &QTimer::timeout, this, &ComposeStackBackend::flushLogs);
    // A console that died mid-call may have left an override file with secrets behind.
    removeStaleOverrides();
}

ComposeStackBackend::~ComposeStackBackend()
{
    for (const auto &s : m_services) {
        delete s->prober;
        s->prober = nullptr;
        dropFollower(s.get());
        delete s->job; // cancels without a report; its override file goes with it
    }
}

void ComposeStackBackend::setComposeEnvironment(const QMap<QString, QString> &variables)
{
    m_composeEnv = variables;
}

void ComposeStackBackend::setDockerProgram(const QString &program)
{
    m_docker = program;
    m_tool = Tool::Unknown;
    m_toolError.clear();
    m_contextResolved = false;
    m_contextHost.clear();
    m_contextError.clear();
}

QString ComposeStackBackend::composeCommand() const
{
    switch (m_tool) {
    case Tool::Plugin: return m_docker + QStringLiteral(" compose");
    case Tool::Standalone: return QStringLiteral("docker-compose");
    case Tool::Unknown:
    case Tool::Detecting:
    case Tool::Missing: break;
    }
    return {};
}

QString ComposeStackBackend::normalizedProjectName(const QString &name)
{
    QString out;
    for (const QChar c : name.toLower())
        if ((c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('0') && c <= QLatin1Char('9'))
            || c == QLatin1Char('_') || c == QLatin1Char('-'))
            out.append(c);
    // Compose v2 rejects a leading '-' or '_'; v1 keeps them: strip so both agree on the label.
    while (!out.isEmpty() && (out.front() == QLatin1Char('-') || out.front() == QLatin1Char('_')))
        out.remove(0, 1);
    return out.isEmpty() ? QStringLiteral("halab") : out;
}

ComposeStackBackend::Service *ComposeStackBackend::find(const QString &name) const
{
    for (const auto &s : m_services)
        if (s->spec.name == name)
            return s.get();
    return nullptr;
}

QStringList ComposeStackBackend::serviceNames() const
{
    QStringList names;
    for (const auto &s : m_services)
        names.append(s->spec.name);
    return names;
}

ServiceStatus ComposeStackBackend::status(const QString &service) const
{
    if (const Service *s = find(service))
        return s->status;
    ServiceStatus unknown;
    unknown.state = ServiceStatus::State::Unknown;
    unknown.detail = QStringLiteral("no service named '%1'").arg(service);
    return unknown;
}

bool ComposeStackBackend::isUp() const
{
    return m_isUp;
}

QList<LogLine> ComposeStackBackend::logs(const QString &service) const
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
// The CLI

QProcessEnvironment ComposeStackBackend::childEnvironment(bool withLabEngine) const
{
    // Read at call time: DOCKER_HOST and friends may change while the console runs.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (auto it = m_composeEnv.cbegin(); it != m_composeEnv.cend(); ++it)
        env.insert(it.key(), it.value());
    // The lab's engine wins over the environment's: the CLI prefers DOCKER_HOST to DOCKER_CONTEXT.
    if (!withLabEngine)
        return env;
    if (!m_engine.host.isEmpty()) {
        env.insert(QStringLiteral("DOCKER_HOST"), m_engine.host);
        env.remove(QStringLiteral("DOCKER_CONTEXT"));
    } else if (!m_engine.context.isEmpty()) {
        env.remove(QStringLiteral("DOCKER_HOST"));
        env.insert(QStringLiteral("DOCKER_CONTEXT"), m_engine.context); // docker and the v2 plugin
    }
    return env;
}

QString ComposeStackBackend::engineAddress() const
{
    if (m_engine.isSet())
        return m_engine.describe();
    const QString host = QProcessEnvironment::systemEnvironment().value(QStringLiteral("DOCKER_HOST"));
    return host.isEmpty() ? QStringLiteral("unix:///var/run/docker.sock") : host;
}

QString ComposeStackBackend::engineHint() const
{
    if (m_engine.host.startsWith(QLatin1String("ssh://")) || m_contextHost.startsWith(QLatin1String("ssh://"))) {
        const QString tryThis = m_engine.context.isEmpty() ? QStringLiteral("docker -H %1 version").arg(m_engine.host)
                                                           : QStringLiteral("docker --context %1 version").arg(m_engine.context);
        return QStringLiteral("is dockerd running there, does '%1' log in without a password "
                              "(a key in ssh-agent or ~/.ssh/config), and is that user in the docker group?").arg(tryThis);
    }
    return QStringLiteral("is dockerd running?");
}

QString ComposeStackBackend::failureText(const DockerJob::Result &r, const QString &what) const
{
    if (!r.started)
        return QStringLiteral("%1: cannot run %2 (%3)").arg(what, r.command.section(QLatin1Char(' '), 0, 0), r.startError);
    if (r.timedOut)
        return QStringLiteral("%1 did not finish within %2 s (is the Docker engine at %3 hung?)")
            .arg(what).arg(r.timeoutMs / 1000).arg(engineAddress());
    QString text = QString::fromUtf8(r.err).trimmed();
    if (text.isEmpty())
        text = QString::fromUtf8(r.out).trimmed();
    if (isEngineUnreachable(text))
        return QStringLiteral("cannot reach the Docker engine at %1: %2 (%3)").arg(engineAddress(), engineHint(), telltaleLine(text));
    if (text.isEmpty())
        return QStringLiteral("%1 failed with exit code %2").arg(what).arg(r.exitCode);
    return QStringLiteral("%1 failed: %2").arg(what, capped(text));
}

void ComposeStackBackend::withTool(const ToolReady &ready)
{
    switch (m_tool) {
    case Tool::Plugin:
    case Tool::Standalone: ready({}); return;
    case Tool::Missing: ready(m_toolError); return;
    case Tool::Detecting: m_toolWaiters.append(ready); return;
    case Tool::Unknown:
        m_toolWaiters.append(ready);
        detectTool();
        return;
    }
}

void ComposeStackBackend::detectTool()
{
    m_tool = Tool::Detecting;
    // Which tools are installed does not depend on the engine: a bad lab context must not hide the plugin.
    auto *plugin = new DockerJob(m_docker, {QStringLiteral("compose"), QStringLiteral("version")}, childEnvironment(false),
                                 DetectTimeoutMs, this);
    connect(plugin, &DockerJob::finished, this, [this](const DockerJob::Result &r) {
        if (!r.started)
            return toolDetected(Tool::Missing, QStringLiteral("docker is not installed: apt-get install docker.io docker-compose"));
        if (r.ok())
            return toolDetected(Tool::Plugin, {});
        // No v2 plugin: the standalone v1 (what Debian 12 ships) may be there.
        auto *job = new DockerJob(QStringLiteral("docker-compose"), {QStringLiteral("version")},
                                  childEnvironment(false), DetectTimeoutMs, this);
        connect(job, &DockerJob::finished, this, [this](const DockerJob::Result &v1) {
            if (v1.ok())
                return toolDetected(Tool::Standalone, {});
            if (!v1.started)
                return toolDetected(Tool::Missing, QStringLiteral("neither 'docker compose' (v2 plugin) nor 'docker-compose' (v1) "
                                                                  "is installed: apt-get install docker-compose"));
            toolDetected(Tool::Unknown, failureText(v1, QStringLiteral("docker-compose version")));
        });
        job->start();
    });
    plugin->start();
}

void ComposeStackBackend::toolDetected(Tool tool, const QString &error)
{
    // The lab's context is read once, before any compose call may need its host (v1).
    if ((tool == Tool::Plugin || tool == Tool::Standalone) && !m_engine.context.isEmpty() && !m_contextResolved)
        return resolveContext(tool);
    m_tool = tool;
    m_toolError = error;
    if (tool == Tool::Plugin || tool == Tool::Standalone)
        qCInfo(lcCompose).noquote() << "using" << composeCommand();
    else
        qCWarning(lcCompose).noquote() << error;
    const QList<ToolReady> waiters = std::exchange(m_toolWaiters, {});
    for (const ToolReady &w : waiters)
        w(error);
}

void ComposeStackBackend::resolveContext(Tool detected)
{
    runDocker({QStringLiteral("context"), QStringLiteral("inspect"), m_engine.context}, DetectTimeoutMs,
              [this, detected](const DockerJob::Result &r) {
        m_contextResolved = true;
        if (!r.ok()) {
            m_contextError = QStringLiteral("the lab's docker context '%1' cannot be read (docker context ls lists the contexts "
                                            "of this user; DOCKER_CONFIG moves them): %2")
                                 .arg(m_engine.context, telltaleLine(QString::fromUtf8(r.err + r.out)));
            qCWarning(lcCompose).noquote() << m_contextError;
            return toolDetected(detected, {});
        }
        const QJsonObject context = QJsonDocument::fromJson(r.out).array().first().toObject();
        const QString host = context.value(QStringLiteral("Endpoints")).toObject().value(QStringLiteral("docker")).toObject()
                                 .value(QStringLiteral("Host")).toString();
        // docker-compose v1 finds contexts only beside a config.json: hand it the context's host
        // instead, unless the context carries TLS files (then --context, which reads them).
        const bool tls = !context.value(QStringLiteral("TLSMaterial")).toObject().isEmpty();
        m_contextHost = tls ? QString() : host;
        qCInfo(lcCompose).noquote() << "docker context" << m_engine.context << "is" << host << (tls ? "(with TLS files)" : "");
        toolDetected(detected, {});
    });
}

DockerJob *ComposeStackBackend::runDocker(const QStringList &args, qint64 timeoutMs, const Done &done)
{
    auto *job = new DockerJob(m_docker, args, childEnvironment(), timeoutMs, this);
    connect(job, &DockerJob::finished, this, done);
    job->start();
    return job;
}

DockerJob *ComposeStackBackend::runCompose(const QStringList &args, const QString &overrideFile, qint64 timeoutMs,
                                           const Done &done)
{
    QStringList full;
    QString program = m_docker;
    if (m_tool == Tool::Plugin) {
        full << QStringLiteral("compose");
    } else {
        program = QStringLiteral("docker-compose");
        // docker-compose v1 ignores DOCKER_CONTEXT; it reads the context named by --context.
        if (!m_engine.context.isEmpty() && m_contextHost.isEmpty())
            full << QStringLiteral("--context") << m_engine.context;
    }
    full << QStringLiteral("-p") << m_project;
    for (const QString &f : m_files)
        full << QStringLiteral("-f") << f;
    if (!overrideFile.isEmpty())
        full << QStringLiteral("-f") << overrideFile;
    full << args;
    QProcessEnvironment env = childEnvironment();
    if (m_tool != Tool::Plugin && !m_contextHost.isEmpty()) {
        env.insert(QStringLiteral("DOCKER_HOST"), m_contextHost);
        env.remove(QStringLiteral("DOCKER_CONTEXT"));
    }
    auto *job = new DockerJob(program, full, env, timeoutMs, this);
    job->removeWhenDone(overrideFile);
    if (!m_files.isEmpty())
        job->setWorkingDirectory(QFileInfo(m_files.first()).absolutePath());
    connect(job, &DockerJob::finished, this, done);
    qCDebug(lcCompose).noquote() << job->commandLine();
    job->start();
    return job;
}

QString ComposeStackBackend::writeOverride(const QList<const Service *> &services, QString *error) const
{
    QList<ComposeEnvironmentFile::ServiceEnvironment> envs;
    for (const Service *s : services) {
        QMap<QString, QString> env = s->spec.env;
        for (auto it = s->envOverrides.cbegin(); it != s->envOverrides.cend(); ++it)
            env.insert(it.key(), it.value());
        envs.append({s->spec.name, env});
    }
    return ComposeEnvironmentFile::write(m_runDir, QStringLiteral("compose-env-XXXXXX.yml"), envs,
                                         QStringLiteral("the compose override file"), {}, error);
}

void ComposeStackBackend::removeStaleOverrides() const
{
    const QDir dir(m_runDir);
    if (!dir.exists())
        return;
    const QStringList stale = dir.entryList({OverridePattern}, QDir::Files | QDir::Hidden);
    for (const QString &name : stale)
        QFile::remove(dir.filePath(name));
}

// ---------------------------------------------------------------------------------------------
// Actions

qint64 ComposeStackBackend::graceSeconds(const Service *s) const
{
    return std::max<qint64>(0, (s->spec.stopGraceMs + 999) / 1000);
}

void ComposeStackBackend::start(const QString &service)
{
    Service *s = find(service);
    if (!s)
        return report(service, QStringLiteral("start"), false, QStringLiteral("no such service"));
    s->deliberateStop = false;
    // `start` keeps the container (and the environment it was created with); without one,
    // `up` creates it, and needs the environment again.
    if (s->containerId.isEmpty())
        beginAction(s, Pending::Start, {QStringLiteral("up"), QStringLiteral("-d"), QStringLiteral("--no-deps"), service},
                    true, UpTimeoutMs);
    else
        beginAction(s, Pending::Start, {QStringLiteral("start"), service}, false, ActionTimeoutMs);
}

void ComposeStackBackend::stop(const QString &service)
{
    Service *s = find(service);
    if (!s)
        return report(service, QStringLiteral("stop"), false, QStringLiteral("no such service"));
    s->deliberateStop = true;
    const qint64 grace = graceSeconds(s);
    beginAction(s, Pending::Stop, {QStringLiteral("stop"), QStringLiteral("-t"), QString::number(grace), service},
                false, ActionTimeoutMs + grace * 1000);
    stopProber(s);
}

void ComposeStackBackend::kill(const QString &service)
{
    Service *s = find(service);
    if (!s)
        return report(service, QStringLiteral("kill"), false, QStringLiteral("no such service"));
    s->deliberateStop = false;
    beginAction(s, Pending::Kill, {QStringLiteral("kill"), QStringLiteral("-s"), QStringLiteral("SIGKILL"), service},
                false, ActionTimeoutMs);
}

void ComposeStackBackend::pause(const QString &service)
{
    Service *s = find(service);
    if (!s)
        return report(service, QStringLiteral("pause"), false, QStringLiteral("no such service"));
    beginAction(s, Pending::Pause, {QStringLiteral("pause"), service}, false, ActionTimeoutMs);
}

void ComposeStackBackend::resume(const QString &service)
{
    Service *s = find(service);
    if (!s)
        return report(service, QStringLiteral("resume"), false, QStringLiteral("no such service"));
    beginAction(s, Pending::Resume, {QStringLiteral("unpause"), service}, false, ActionTimeoutMs);
}

void ComposeStackBackend::restart(const QString &service, const QMap<QString, QString> &envOverrides)
{
    Service *s = find(service);
    if (!s)
        return report(service, QStringLiteral("restart"), false, QStringLiteral("no such service"));
    s->envOverrides = envOverrides;
    s->deliberateStop = false;
    const qint64 grace = graceSeconds(s);
    beginAction(s, Pending::Restart,
                {QStringLiteral("up"), QStringLiteral("-d"), QStringLiteral("--no-deps"), QStringLiteral("--force-recreate"),
                 QStringLiteral("-t"), QString::number(grace), service},
                true, UpTimeoutMs + grace * 1000);
}

void ComposeStackBackend::beginAction(Service *s, Pending pending, const QStringList &args, bool withEnv, qint64 timeoutMs)
{
    const QString what = QStringLiteral("compose ") + args.first() + QStringLiteral(" ") + s->spec.name;
    supersede(s, pendingName(pending));
    s->pending = pending;
    s->jobDone = false;
    s->sawFresh = false;
    const quint64 seq = ++s->actionSeq;
    withTool([this, s, seq, pending, args, withEnv, timeoutMs, what](const QString &toolError) {
        if (s->actionSeq != seq)
            return;
        if (!toolError.isEmpty())
            return finishPending(s, false, toolError);
        QString overrideFile;
        if (withEnv) {
            QString error;
            overrideFile = writeOverride({s}, &error);
            if (!error.isEmpty())
                return finishPending(s, false, error);
        }
        qCInfo(lcCompose).noquote() << what;
        s->job = runCompose(args, overrideFile, timeoutMs, [this, s, seq, pending, what](const DockerJob::Result &r) {
            if (s->actionSeq != seq)
                return;
            s->job = nullptr;
            if (!r.ok())
                return finishPending(s, false, failureText(r, what));
            s->jobDone = true;
            s->freshAfter = m_pollSeq;
            if (pending == Pending::Start || pending == Pending::Restart) {
                // Whatever ran before is not evidence of readiness: probe the run compose started.
                stopProber(s);
                s->runKey.clear();
                s->ready = false;
                s->readyFailed = false;
                s->readyError.clear();
            }
            ensurePolling();
            requestPoll();
        });
    });
}

void ComposeStackBackend::evaluatePending(Service *s)
{
    if (s->pending == Pending::None || !s->jobDone || !s->sawFresh)
        return;
    switch (s->pending) {
    case Pending::None: return;
    case Pending::Stop:
    case Pending::Kill:
    case Pending::Pause:
    case Pending::Resume: return finishPending(s, true, {});
    case Pending::Start:
    case Pending::Restart: break;
    }
    using State = ServiceStatus::State;
    const State state = s->status.state;
    if (state == State::Exited || state == State::Stopped) {
        if (s->follower)
            return; // let the log follower drain first: its last line explains the exit
        QString error = (state == State::Exited ? QStringLiteral("exited with code %1").arg(s->status.exitCode)
                                                : QStringLiteral("stopped"))
                        + QStringLiteral(" before it was ready");
        const QString last = lastLogLine(s);
        if (!last.isEmpty())
            error += QStringLiteral(": ") + last;
        return finishPending(s, false, error);
    }
    if (s->readyFailed)
        return finishPending(s, false, s->readyError);
    if ((state == State::Running || state == State::Starting || state == State::Paused) && s->ready)
        finishPending(s, true, {});
}

QString ComposeStackBackend::pendingName(Pending p)
{
    switch (p) {
    case Pending::None: return {};
    case Pending::Start: return QStringLiteral("start");
    case Pending::Stop: return QStringLiteral("stop");
    case Pending::Kill: return QStringLiteral("kill");
    case Pending::Pause: return QStringLiteral("pause");
    case Pending::Resume: return QStringLiteral("resume");
    case Pending::Restart: return QStringLiteral("restart");
    }
    return {};
}

void ComposeStackBackend::supersede(Service *s, const QString &byAction)
{
    if (s->pending != Pending::None)
        finishPending(s, false, QStringLiteral("superseded by %1").arg(byAction));
}

void ComposeStackBackend::finishPending(Service *s, bool ok, const QString &error)
{
    if (s->pending == Pending::None)
        return;
    const QString action = pendingName(s->pending);
    s->pending = Pending::None;
    s->jobDone = false;
    ++s->actionSeq;
    delete s->job; // still running only when superseded or interrupted
    s->job = nullptr;
    if (!ok)
        qCWarning(lcCompose).noquote() << s->spec.name << action << "failed:" << error;
    report(s->spec.name, action, ok, error);
}

void ComposeStackBackend::report(const QString &service, const QString &action, bool ok, const QString &error)
{
    // Always from the event loop, after the status changes that led to it.
    QTimer::singleShot(0, this, [this, service, action, ok, error]() {
        flushStatuses();
        Q_EMIT actionFinished(service, action, ok, error);
    });
}

// ---------------------------------------------------------------------------------------------
// Up / down

void ComposeStackBackend::up()
{
    if (m_upPhase != UpPhase::Idle)
        return; // the running up() reports
    if (m_downInProgress) {
        QTimer::singleShot(0, this, [this]() { Q_EMIT upFinished(false, QStringLiteral("down() is in progress")); });
        return;
    }
    m_upPhase = UpPhase::Preparing;
    m_roles->start();
    const quint64 gen = ++m_upGeneration;
    for (const auto &s : m_services)
        s->deliberateStop = false;
    withTool([this, gen](const QString &error) {
        if (gen != m_upGeneration)
            return;
        if (!error.isEmpty())
            return failUp(error);
        if (!m_contextError.isEmpty())
            return failUp(m_contextError);
        upCheckEngine();
    });
}

void ComposeStackBackend::upCheckEngine()
{
    const quint64 gen = m_upGeneration;
    m_upJob = runDocker({QStringLiteral("version"), QStringLiteral("--format"), QStringLiteral("{{.Server.Version}}")},
                        InspectTimeoutMs, [this, gen](const DockerJob::Result &r) {
        if (gen != m_upGeneration)
            return;
        m_upJob = nullptr;
        if (!r.started)
            return failUp(failureText(r, QStringLiteral("docker version")));
        if (r.timedOut)
            return failUp(QStringLiteral("cannot reach the Docker engine at %1: no answer within %2 s")
                              .arg(engineAddress()).arg(InspectTimeoutMs / 1000));
        if (!r.ok()) {
            const QString text = QString::fromUtf8(r.err).trimmed();
            return failUp(QStringLiteral("cannot reach the Docker engine at %1: %2 (%3)")
                              .arg(engineAddress(), engineHint(), telltaleLine(text)));
        }
        qCInfo(lcCompose).noquote() << "Docker engine" << QString::fromUtf8(r.out).trimmed() << "at" << engineAddress();
        upCheckConfig();
    });
}

void ComposeStackBackend::upCheckConfig()
{
    if (m_files.isEmpty())
        return failUp(QStringLiteral("the compose stack names no compose file"));
    for (const QString &f : std::as_const(m_files))
        if (!QFileInfo::exists(f))
            return failUp(QStringLiteral("compose file %1 does not exist").arg(f));
    const quint64 gen = m_upGeneration;
    // `config --services` validates the files (compose's own message on error) and lists services.
    m_upJob = runCompose({QStringLiteral("config"), QStringLiteral("--services")}, {}, InspectTimeoutMs,
                         [this, gen](const DockerJob::Result &r) {
        if (gen != m_upGeneration)
            return;
        m_upJob = nullptr;
        if (!r.ok())
            return failUp(failureText(r, QStringLiteral("the compose file check (config)")));
        QStringList known;
        const QList<QByteArray> lines = r.out.split('\n');
        for (const QByteArray &line : lines)
            if (!line.trimmed().isEmpty())
                known.append(QString::fromUtf8(line.trimmed()));
        QStringList missing;
        for (const auto &s : m_services)
            if (!known.contains(s->spec.name))
                missing.append(s->spec.name);
        if (!missing.isEmpty())
            return failUp(QStringLiteral("the lab names service(s) %1 that the compose files do not define (they define: %2)")
                              .arg(missing.join(QStringLiteral(", ")), known.join(QStringLiteral(", "))));
        upCompose();
    });
}

void ComposeStackBackend::upCompose()
{
    QList<const Service *> all;
    for (const auto &s : m_services)
        all.append(s.get());
    QString error;
    const QString overrideFile = writeOverride(all, &error);
    if (!error.isEmpty())
        return failUp(error);
    m_upPhase = UpPhase::Composing;
    const quint64 gen = m_upGeneration;
    qCInfo(lcCompose).noquote() << "compose up, project" << m_project;
    m_upJob = runCompose({QStringLiteral("up"), QStringLiteral("-d")}, overrideFile, UpTimeoutMs,
                         [this, gen](const DockerJob::Result &r) {
        if (gen != m_upGeneration)
            return;
        m_upJob = nullptr;
        if (!r.ok())
            return failUp(failureText(r, QStringLiteral("compose up")));
        m_upPhase = UpPhase::Waiting;
        m_upFreshAfter = m_pollSeq;
        m_upSawFresh = false;
        ensurePolling();
        requestPoll();
    });
}

void ComposeStackBackend::advanceUp()
{
    if (m_upPhase != UpPhase::Waiting || !m_upSawFresh)
        return;
    using State = ServiceStatus::State;
    bool allReady = true;
    for (const auto &s : m_services) {
        const State state = s->status.state;
        if (state == State::Exited || state == State::Stopped || state == State::Unknown) {
            if (s->follower)
                return; // its last log line is on the way
            QString error = s->spec.name + QStringLiteral(": ")
                            + (state == State::Exited ? QStringLiteral("exited with code %1 before it was ready").arg(s->status.exitCode)
                                                      : QStringLiteral("has no running container (%1)").arg(s->status.detail));
            const QString last = lastLogLine(s.get());
            if (!last.isEmpty())
                error += QStringLiteral(": ") + last;
            return failUp(error);
        }
        if (s->readyFailed)
            return failUp(s->spec.name + QStringLiteral(": ") + s->readyError);
        if (!s->ready)
            allReady = false;
    }
    if (!allReady)
        return;
    m_upPhase = UpPhase::Idle;
    ++m_upGeneration;
    m_isUp = true;
    qCInfo(lcCompose) << "stack is up";
    QTimer::singleShot(0, this, [this]() {
        flushStatuses();
        Q_EMIT upFinished(true, {});
    });
}

void ComposeStackBackend::failUp(const QString &error)
{
    if (m_upPhase == UpPhase::Idle)
        return;
    m_upPhase = UpPhase::Idle;
    ++m_upGeneration;
    delete m_upJob; // cancels a compose call still running
    qCWarning(lcCompose).noquote() << "up failed:" << error;
    QTimer::singleShot(0, this, [this, error]() {
        flushStatuses();
        Q_EMIT upFinished(false, error);
    });
}

void ComposeStackBackend::down()
{
    m_isUp = false;
    m_roles->stop();
    if (m_upPhase != UpPhase::Idle)
        failUp(QStringLiteral("interrupted by down()"));
    qint64 grace = 0;
    for (const auto &s : m_services) {
        if (s->pending != Pending::None)
            finishPending(s.get(), false, QStringLiteral("interrupted by down()"));
        s->envOverrides.clear();
        s->deliberateStop = true;
        stopProber(s.get());
        grace = std::max(grace, graceSeconds(s.get()));
    }
    if (m_downInProgress)
        return; // the running down() reports
    m_downInProgress = true;
    withTool([this, grace](const QString &toolError) {
        if (!toolError.isEmpty())
            return finishDown(toolError);
        qCInfo(lcCompose).noquote() << "compose down, project" << m_project;
        runCompose({QStringLiteral("down"), QStringLiteral("-t"), QString::number(grace)}, {}, UpTimeoutMs + grace * 1000,
                   [this](const DockerJob::Result &r) {
            finishDown(r.ok() ? QString() : failureText(r, QStringLiteral("compose down")));
        });
    });
}

void ComposeStackBackend::finishDown(const QString &error)
{
    if (!error.isEmpty())
        qCWarning(lcCompose).noquote() << "down:" << error;
    // One more look so the statuses say what down() left behind.
    requestPoll([this, error]() {
        m_downInProgress = false;
        m_polling = false;
        m_pollTimer->stop();
        for (const auto &s : m_services) {
            dropFollower(s.get());
            if (s->status.state == ServiceStatus::State::Exited)
                setState(s.get(), ServiceStatus::State::Stopped, 0, s->status.detail);
            if (!error.isEmpty()) {
                s->status.detail = error;
                markChanged(s.get());
            }
        }
        qCInfo(lcCompose) << "stack is down";
        QTimer::singleShot(0, this, [this]() {
            flushStatuses();
            flushLogs();
            Q_EMIT downFinished();
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Container state

void ComposeStackBackend::ensurePolling()
{
    if (m_polling)
        return;
    m_polling = true;
    m_pollTimer->start();
}

void ComposeStackBackend::requestPoll(const std::function<void()> &after)
{
    if (after)
        m_afterNextPoll.append(after);
    if (m_pollInFlight) {
        m_pollAgain = true;
        return;
    }
    poll();
}

void ComposeStackBackend::poll()
{
    m_pollInFlight = true;
    m_pollAgain = false;
    const quint64 seq = ++m_pollSeq;
    m_afterThisPoll = std::exchange(m_afterNextPoll, {});
    runDocker({QStringLiteral("ps"), QStringLiteral("-a"), QStringLiteral("-q"), QStringLiteral("--no-trunc"),
               QStringLiteral("--filter"), QStringLiteral("label=") + ProjectLabel + QLatin1Char('=') + m_project},
              InspectTimeoutMs, [this, seq](const DockerJob::Result &r) {
        if (!r.ok())
            return pollFailed(failureText(r, QStringLiteral("docker ps")), seq);
        QStringList ids;
        const QList<QByteArray> lines = r.out.split('\n');
        for (const QByteArray &line : lines)
            if (!line.trimmed().isEmpty())
                ids.append(QString::fromLatin1(line.trimmed()));
        if (ids.isEmpty())
            return applyInspect(QByteArrayLiteral("[]"), seq);
        pollInspect(ids, seq);
    });
}

void ComposeStackBackend::pollInspect(const QStringList &ids, quint64 seq)
{
    runDocker(QStringList{QStringLiteral("inspect"), QStringLiteral("--type"), QStringLiteral("container")} + ids,
              InspectTimeoutMs, [this, seq](const DockerJob::Result &r) {
        // A container removed between ps and inspect makes inspect fail; the rest still prints.
        if (!r.started || r.timedOut || (!r.ok() && !r.out.trimmed().startsWith('[')))
            return pollFailed(failureText(r, QStringLiteral("docker inspect")), seq);
        applyInspect(r.out, seq);
    });
}

void ComposeStackBackend::pollFailed(const QString &error, quint64 seq)
{
    for (const auto &s : m_services) {
        Service *raw = s.get();
        if (raw->status.state != ServiceStatus::State::Unknown || raw->status.detail != error) {
            stopProber(raw);
            raw->runKey.clear();
            raw->ready = false;
            setState(raw, ServiceStatus::State::Unknown, 0, error);
        }
        // An action waiting for evidence would otherwise wait for an engine that is gone.
        if (raw->pending != Pending::None && raw->jobDone && seq > raw->freshAfter)
            finishPending(raw, false, error);
    }
    if (m_upPhase == UpPhase::Waiting && seq > m_upFreshAfter)
        failUp(error);
    pollDone();
}

void ComposeStackBackend::applyInspect(const QByteArray &json, quint64 seq)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (!doc.isArray())
        return pollFailed(QStringLiteral("docker inspect printed no JSON array: %1").arg(parseError.errorString()), seq);
    QHash<QString, QJsonObject> chosen;
    const QJsonArray containers = doc.array();
    for (const QJsonValue &v : containers) {
        const QJsonObject c = v.toObject();
        const QJsonObject labels = c.value(QStringLiteral("Config")).toObject().value(QStringLiteral("Labels")).toObject();
        const QString name = labels.value(ServiceLabel).toString();
        if (labels.value(OneOffLabel).toString().compare(QLatin1String("true"), Qt::CaseInsensitive) == 0 || !find(name))
            continue;
        auto it = chosen.find(name);
        if (it == chosen.end()) {
            chosen.insert(name, c);
            continue;
        }
        // During a recreate both exist: the live one, else the newest, stands for the service.
        const int rankNew = containerRank(c);
        const int rankOld = containerRank(*it);
        const QDateTime createdNew = parseDockerTime(c.value(QStringLiteral("Created")).toString());
        const QDateTime createdOld = parseDockerTime(it->value(QStringLiteral("Created")).toString());
        if (rankNew > rankOld || (rankNew == rankOld && createdNew > createdOld))
            *it = c;
    }
    for (const auto &s : m_services) {
        Service *raw = s.get();
        const auto it = chosen.constFind(raw->spec.name);
        applyContainer(raw, it == chosen.cend() ? nullptr : &it.value());
        if (raw->jobDone && seq > raw->freshAfter)
            raw->sawFresh = true;
        evaluatePending(raw);
    }
    if (m_upPhase == UpPhase::Waiting && seq > m_upFreshAfter)
        m_upSawFresh = true;
    advanceUp();
    pollDone();
}

void ComposeStackBackend::pollDone()
{
    m_pollInFlight = false;
    const QList<std::function<void()>> callbacks = std::exchange(m_afterThisPoll, {});
    for (const auto &cb : callbacks)
        cb();
    if (!m_pollInFlight && (m_pollAgain || !m_afterNextPoll.isEmpty()))
        poll();
}

void ComposeStackBackend::applyContainer(Service *s, const QJsonObject *c)
{
    using State = ServiceStatus::State;
    if (!c) {
        const bool had = !s->containerId.isEmpty();
        s->containerId.clear();
        s->status.container.clear();
        s->status.pid = 0;
        s->runKey.clear();
        s->ready = false;
        stopProber(s);
        if (s->status.state != State::Stopped || had)
            setState(s, State::Stopped, 0, had ? QStringLiteral("container removed") : QStringLiteral("no container"));
        return;
    }
    const QString id = c->value(QStringLiteral("Id")).toString();
    const QJsonObject st = c->value(QStringLiteral("State")).toObject();
    const QString dockerState = st.value(QStringLiteral("Status")).toString();
    const QString startedAt = st.value(QStringLiteral("StartedAt")).toString();
    const QString run = id + QLatin1Char('@') + startedAt;
    if (dockerState == QLatin1String("removing"))
        return; // transient: the next poll says what follows
    if (s->containerId != id) {
        s->containerId = id;
        s->status.container = id.left(12);
        markChanged(s);
    }

    if (dockerState == QLatin1String("running") || dockerState == QLatin1String("paused")
        || dockerState == QLatin1String("restarting")) {
        if (run != s->runKey) {
            // A new run: a new container, or the same one started again.
            s->runKey = run;
            s->deliberateStop = false;
            stopProber(s);
            s->ready = !s->spec.ready;
            s->readyFailed = false;
            s->readyError.clear();
        }
        s->status.pid = st.value(QStringLiteral("Pid")).toInteger();
        const bool stopping = m_downInProgress || (s->pending == Pending::Stop && !s->jobDone);
        if (!s->prober && !stopping && s->spec.ready)
            startProber(s);
        if (dockerState == QLatin1String("paused"))
            setState(s, State::Paused, 0, QStringLiteral("paused (compose pause)"));
        else if (dockerState == QLatin1String("restarting"))
            setState(s, State::Starting, 0, QStringLiteral("restarting"));
        else if (s->ready || s->readyFailed)
            setState(s, State::Running, 0, s->readyError, parseDockerTime(startedAt));
        else
            setState(s, State::Starting, 0, QStringLiteral("starting"), parseDockerTime(startedAt));
        followLogs(s, id, run);
        return;
    }

    stopProber(s);
    s->ready = false;
    s->status.pid = 0;
    if (dockerState == QLatin1String("created")) {
        setState(s, State::Stopped, 0, QStringLiteral("created, not started"));
        return;
    }
    // exited or dead
    const int code = st.value(QStringLiteral("ExitCode")).toInt();
    const QDateTime finished = parseDockerTime(st.value(QStringLiteral("FinishedAt")).toString());
    QString detail;
    if (st.value(QStringLiteral("OOMKilled")).toBool())
        detail = QStringLiteral("killed: out of memory");
    else if (!st.value(QStringLiteral("Error")).toString().isEmpty())
        detail = st.value(QStringLiteral("Error")).toString();
    else if (code == 137)
        detail = QStringLiteral("killed by SIGKILL");
    else
        detail = QStringLiteral("exited with code %1").arg(code);
    if (s->deliberateStop)
        setState(s, State::Stopped, 0, code == 0 ? QStringLiteral("stopped") : QStringLiteral("stopped (%1)").arg(detail), finished);
    else
        setState(s, State::Exited, code, detail, finished);
    // A run that ended between two polls still gets its output read.
    if (parseDockerTime(startedAt).isValid())
        followLogs(s, id, run);
}

void ComposeStackBackend::startProber(Service *s)
{
    // Roles come from the RoleMonitor, which keeps asking through stops, kills and pauses.
    auto *prober = new ServiceProber(s->spec.name, s->spec.ready, std::nullopt, this);
    s->prober = prober;
    connect(prober, &ServiceProber::readyFinished, this, [this, s, prober](bool ok, const QString &error) {
        if (s->prober == prober)
            onReady(s, ok, error);
    });
    connect(prober, &ServiceProber::healthChanged, this,
            [this, s, prober](ServiceStatus::Health health, const QString &detail) {
                if (s->prober != prober)
                    return;
                s->status.health = health;
                if (health == ServiceStatus::Health::Healthy && !s->ready) {
                    // It came up after its readiness budget ran out.
                    s->ready = true;
                    s->readyFailed = false;
                    s->readyError.clear();
                    if (s->status.state == ServiceStatus::State::Starting || s->status.state == ServiceStatus::State::Running)
                        setState(s, ServiceStatus::State::Running, 0, {});
                } else if (health == ServiceStatus::Health::Unhealthy) {
                    s->status.detail = detail;
                }
                markChanged(s);
                evaluatePending(s);
                advanceUp();
            });
    prober->start();
}

void ComposeStackBackend::stopProber(Service *s)
{
    if (!s->prober)
        return;
    s->prober->stop();
    s->prober->deleteLater();
    s->prober = nullptr;
    if (s->status.health != ServiceStatus::Health::Unknown) {
        s->status.health = ServiceStatus::Health::Unknown;
        markChanged(s);
    }
}

void ComposeStackBackend::onReady(Service *s, bool ok, const QString &error)
{
    if (ok) {
        s->ready = true;
        s->readyFailed = false;
        s->readyError.clear();
    } else if (!s->ready) {
        s->readyFailed = true;
        s->readyError = QStringLiteral("not ready after %1: %2")
                            .arg(Duration::format(ServiceProber::readyBudgetMs(*s->spec.ready)), error);
        qCWarning(lcCompose).noquote() << s->spec.name << s->readyError;
    }
    // Not ready in time still leaves it running (and watched): it may come up later.
    if (s->status.state == ServiceStatus::State::Starting)
        setState(s, ServiceStatus::State::Running, 0, s->readyError);
    evaluatePending(s);
    advanceUp();
}

void ComposeStackBackend::setState(Service *s, ServiceStatus::State state, int exitCode, const QString &detail,
                                   const QDateTime &since)
{
    if (s->status.state != state || s->status.exitCode != exitCode || !s->status.since.isValid())
        s->status.since = since.isValid() ? since : QDateTime::currentDateTimeUtc();
    if (s->status.state == state && s->status.exitCode == exitCode && s->status.detail == detail)
        return;
    s->status.state = state;
    s->status.exitCode = exitCode;
    s->status.detail = detail;
    markChanged(s);
}

void ComposeStackBackend::markChanged(Service *s)
{
    m_changed.insert(s->spec.name);
    if (!m_statusTimer->isActive())
        m_statusTimer->start();
}

void ComposeStackBackend::applyRoles(const QHash<QString, QString> &roleByService)
{
    for (auto it = roleByService.cbegin(); it != roleByService.cend(); ++it) {
        Service *s = find(it.key());
        if (s && s->status.role != it.value()) {
            s->status.role = it.value();
            markChanged(s);
        }
    }
}

void ComposeStackBackend::flushStatuses()
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

// ---------------------------------------------------------------------------------------------
// Logs: `docker logs -f -t` per container run, so both compose flavours read the same way.

void ComposeStackBackend::followLogs(Service *s, const QString &containerId, const QString &run)
{
    if (s->followedRun == run)
        return;
    dropFollower(s);
    s->followedRun = run;
    QStringList args{QStringLiteral("logs"), QStringLiteral("-f"), QStringLiteral("-t")};
    if (s->lastLogTs.isEmpty())
        args << QStringLiteral("--tail") << QString::number(FirstAttachTailLines); // attaching to a long-lived container
    else
        args << QStringLiteral("--since") << s->lastLogTs; // a restarted container repeats its old output
    args << containerId;

    auto *p = new QProcess(this);
    p->setProgram(m_docker);
    p->setArguments(args);
    p->setProcessEnvironment(childEnvironment());
    p->setProcessChannelMode(QProcess::SeparateChannels);
    ChildProcessSetup::apply(p);
    connect(p, &QProcess::readyReadStandardOutput, this, [this, s, p]() { readFollower(s, p, false); });
    connect(p, &QProcess::readyReadStandardError, this, [this, s, p]() { readFollower(s, p, true); });
    const auto ended = [this, s, p]() {
        readFollower(s, p, false);
        readFollower(s, p, true);
        if (s->follower != p)
            return;
        for (int i = 0; i < 2; ++i) {
            if (!s->partial[i].isEmpty())
                appendLine(s, s->partial[i], i == 1);
            s->partial[i].clear();
        }
        s->follower = nullptr;
        p->deleteLater();
        evaluatePending(s);
        advanceUp();
    };
    connect(p, &QProcess::finished, this, ended);
    connect(p, &QProcess::errorOccurred, this, [ended](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            ended();
    });
    s->follower = p;
    s->partial[0].clear();
    s->partial[1].clear();
    p->start(QIODevice::ReadOnly);
}

void ComposeStackBackend::dropFollower(Service *s)
{
    killDetached(std::exchange(s->follower, nullptr));
}

void ComposeStackBackend::readFollower(Service *s, QProcess *follower, bool stderrStream)
{
    const QByteArray data = stderrStream ? follower->readAllStandardError() : follower->readAllStandardOutput();
    if (data.isEmpty() || s->follower != follower)
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

void ComposeStackBackend::appendLine(Service *s, const QByteArray &raw, bool stderrStream)
{
    QByteArray line = raw.endsWith('\r') ? raw.chopped(1) : raw;
    LogLine l;
    l.service = s->spec.name;
    l.stderrStream = stderrStream;
    const qsizetype space = line.indexOf(' ');
    const QByteArray ts = space > 0 ? line.left(space) : line;
    if (looksLikeTimestamp(ts)) {
        const QString tsText = QString::fromLatin1(ts);
        if (!s->lastLogTs.isEmpty() && tsText <= s->lastLogTs)
            return; // already read (`--since` is inclusive)
        s->lastLogTs = tsText;
        l.time = parseDockerTime(tsText);
        line = space > 0 ? line.mid(space + 1) : QByteArray();
    }
    if (!l.time.isValid())
        l.time = QDateTime::currentDateTimeUtc();
    l.text = QString::fromUtf8(line);
    s->log.append(l); // QContiguousCache drops the oldest line when full
    m_pendingLogs.append(l);
    if (!m_logTimer->isActive())
        m_logTimer->start();
}

void ComposeStackBackend::flushLogs()
{
    m_logTimer->stop();
    if (m_pendingLogs.isEmpty())
        return;
    const QList<LogLine> lines = std::exchange(m_pendingLogs, {});
    Q_EMIT logLines(lines);
}

QString ComposeStackBackend::lastLogLine(const Service *s) const
{
    for (qsizetype i = s->log.lastIndex(); s->log.count() > 0 && i >= s->log.firstIndex(); --i) {
        const QString text = s->log.at(i).text.trimmed();
        if (!text.isEmpty())
            return capped(text, 500);
    }
    return {};
}
