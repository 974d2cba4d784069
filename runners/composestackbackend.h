#pragma once

#include "dockerjob.h"
#include "servicespec.h"
#include "stackbackend.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QMap>
#include <QPointer>
#include <QProcessEnvironment>
#include <QSet>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

class QJsonObject;
class QProcess;
class QTimer;
class RoleMonitor;

Q_DECLARE_LOGGING_CATEGORY(lcCompose)

// The `compose` backend: drives `docker compose` (v2 plugin) or `docker-compose` (v1),
// whichever is installed (detected once, asynchronously), and reads container state with
// `docker inspect` every PollIntervalMs. Every CLI call is a DockerJob with a time limit, so a
// dead or hung engine produces an error, never a hang.
//
// Secrets never reach an argv: a service's `env` (and restart() overrides) go into a temporary
// compose override file (mode 0600, in runDir) that exists only while the compose call that
// needs it runs. Compose interpolates `${VAR}` in the compose files from its environment:
// setComposeEnvironment() adds the lab's public variables to it.
//
// Containers outlive the console (they belong to the engine); down() removes them. Overrides
// given to restart() replace the previous ones and persist until the next restart() or down().
class ComposeStackBackend : public StackBackend
{
    Q_OBJECT

public:
    static constexpr int PollIntervalMs = 500;
    static constexpr int LogFlushMs = 50;
    static constexpr int MaxLogLinesPerService = 5000;
    static constexpr int MaxPartialLineBytes = 64 * 1024;
    static constexpr int FirstAttachTailLines = 1000;
    static constexpr qint64 DetectTimeoutMs = 15000;
    static constexpr qint64 InspectTimeoutMs = 15000;
    static constexpr qint64 UpTimeoutMs = 60000;
    static constexpr qint64 ActionTimeoutMs = 30000; // plus the stop grace where compose waits for it

    // resolvedStack: strings already substituted; relative compose files are relative to labDir.
    ComposeStackBackend(const StackSpec &resolvedStack, const QString &labDir, const QString &runDir,
                        QObject *parent = nullptr);
    ~ComposeStackBackend() override;

    // Extra environment of every compose call (the lab's variables for `${VAR}` in the compose
    // files). Never put secrets here: they belong in the services' `env`.
    void setComposeEnvironment(const QMap<QString, QString> &variables);
    // The docker CLI (default "docker" from PATH).
    void setDockerProgram(const QString &program);

    // The engine the lab's `docker:` names (DOCKER_HOST or a context for every docker and compose
    // call); unset: whatever the console's environment names.
    DockerEngine engine() const { return m_engine; }

    QString projectName() const { return m_project; }
    QStringList composeFiles() const { return m_files; }
    QString runDir() const { return m_runDir; }
    // "docker compose" or "docker-compose" once detected, else empty.
    QString composeCommand() const;

    void up() override;
    void down() override;
    void start(const QString &service) override;
    void stop(const QString &service) override;
    void kill(const QString &service) override;
    void pause(const QString &service) override;
    void resume(const QString &service) override;
    void restart(const QString &service, const QMap<QString, QString> &envOverrides) override;

    QStringList serviceNames() const override;
    ServiceStatus status(const QString &service) const override;
    // True from a successful up() until down(): a member killed by a fault leaves the stack up.
    bool isUp() const override;

    // The last MaxLogLinesPerService lines of a service, oldest first.
    QList<LogLine> logs(const QString &service) const;

    // A compose project name as compose itself normalises it (lower case, [a-z0-9_-] only).
    static QString normalizedProjectName(const QString &name);

private:
    struct Service;
    enum class Pending { None, Start, Stop, Kill, Pause, Resume, Restart };
    enum class Tool { Unknown, Detecting, Plugin, Standalone, Missing };
    enum class UpPhase { Idle, Preparing, Composing, Waiting };
    using Done = std::function<void(const DockerJob::Result &)>;
    using ToolReady = std::function<void(const QString &error)>;

    Service *find(const QString &name) const;
    QProcessEnvironment childEnvironment(bool withLabEngine = true) const;
    QString engineAddress() const;
    QString engineHint() const;
    QString failureText(const DockerJob::Result &r, const QString &what) const;

    // CLI
    void withTool(const ToolReady &ready);
    void detectTool();
    void toolDetected(Tool tool, const QString &error);
    void resolveContext(Tool detected);
    DockerJob *runDocker(const QStringList &args, qint64 timeoutMs, const Done &done);
    DockerJob *runCompose(const QStringList &args, const QString &overrideFile, qint64 timeoutMs,
                          const Done &done);
    QString writeOverride(const QList<const Service *> &services, QString *error) const;
    void removeStaleOverrides() const;

    // Actions
    void beginAction(Service *s, Pending pending, const QStringList &args, bool withEnv, qint64 timeoutMs);
    void evaluatePending(Service *s);
    void supersede(Service *s, const QString &byAction);
    void finishPending(Service *s, bool ok, const QString &error);
    void report(const QString &service, const QString &action, bool ok, const QString &error);
    static QString pendingName(Pending p);
    qint64 graceSeconds(const Service *s) const;

    // Up / down
    void upCheckEngine();
    void upCheckConfig();
    void upCompose();
    void advanceUp();
    void failUp(const QString &error);
    void finishDown(const QString &error);

    // State
    void ensurePolling();
    void requestPoll(const std::function<void()> &after = {});
    void poll();
    void pollInspect(const QStringList &ids, quint64 seq);
    void pollFailed(const QString &error, quint64 seq);
    void pollDone();
    void applyInspect(const QByteArray &json, quint64 seq);
    void applyContainer(Service *s, const QJsonObject *container);
    void startProber(Service *s);
    void stopProber(Service *s);
    void onReady(Service *s, bool ok, const QString &error);
    void setState(Service *s, ServiceStatus::State state, int exitCode, const QString &detail,
                  const QDateTime &since = {});
    void markChanged(Service *s);
    void applyRoles(const QHash<QString, QString> &roleByService);
    void flushStatuses();

    // Logs
    void followLogs(Service *s, const QString &containerId, const QString &run);
    void dropFollower(Service *s);
    void readFollower(Service *s, QProcess *follower, bool stderrStream);
    void appendLine(Service *s, const QByteArray &line, bool stderrStream);
    void flushLogs();
    QString lastLogLine(const Service *s) const;

    std::vector<std::unique_ptr<Service>> m_services;
    QString m_runDir;
    QString m_project;
    QStringList m_files;
    QMap<QString, QString> m_composeEnv;
    DockerEngine m_engine;
    QString m_contextHost;  // the lab's context's host, for docker-compose v1 (empty: pass --context)
    QString m_contextError; // the lab's context cannot be read: up() fails with this
    bool m_contextResolved = false;
    QString m_docker = QStringLiteral("docker");

    Tool m_tool = Tool::Unknown;
    QString m_toolError;
    QList<ToolReady> m_toolWaiters;

    UpPhase m_upPhase = UpPhase::Idle;
    QPointer<DockerJob> m_upJob;
    quint64 m_upFreshAfter = 0;
    bool m_upSawFresh = false;
    bool m_isUp = false;
    bool m_downInProgress = false;
    quint64 m_upGeneration = 0; // bumped when an up() ends: late callbacks of older ones are ignored

    QTimer *m_pollTimer = nullptr;
    QTimer *m_statusTimer = nullptr;
    RoleMonitor *m_roles = nullptr;
    QTimer *m_logTimer = nullptr;
    bool m_polling = false;
    bool m_pollInFlight = false;
    bool m_pollAgain = false;
    quint64 m_pollSeq = 0; // polls started so far; a poll's seq orders it against actions
    QList<std::function<void()>> m_afterNextPoll;
    QList<std::function<void()>> m_afterThisPoll;
    QSet<QString> m_changed;
    QList<LogLine> m_pendingLogs;
};
