#pragma once

#include "pidledger.h"
#include "servicespec.h"
#include "stackbackend.h"

#include <QLoggingCategory>
#include <QMap>
#include <QSet>
#include <QString>

#include <memory>
#include <vector>

class QTimer;
class RoleMonitor;

Q_DECLARE_LOGGING_CATEGORY(lcStack)

// The `processes` backend: every service is a QProcess whose whole tree, in any session, is one
// ProcessScope (a cgroup v2, else a tree walked at signal time) that dies with the console
// (PR_SET_PDEATHSIG plus the console watchdog). kill / pause / resume act on the whole scope;
// stop sends SIGTERM to the main process and kills the scope after stop_grace. Actions report
// actionFinished once applied (signal sent, cgroup frozen or killed), never after waiting for the
// exit: an exit arrives as a status change. A service counts as gone (for down(), for a new
// start) once its scope is empty. Live in a thread that lives as long as the console (the GUI
// thread): the death signal follows the thread that started the process.
//
// Environment overrides given to restart() replace the service's previous overrides and persist
// for later start() calls until the next restart() or down(), which clears them.
class ProcessStackBackend : public StackBackend
{
    Q_OBJECT

public:
    static constexpr int MaxLogLinesPerService = 5000;
    static constexpr int LogFlushMs = 50;
    static constexpr int MaxPartialLineBytes = 64 * 1024;
    // A run directory holding this file was made by the console; only such a one is wiped.
    static constexpr const char *RunDirMarker = ".halab-run-dir";

    // stack: strings already substituted. templateVariables: ${KEY} values for template files
    // (unknown placeholders stay as written). A relative template `from` is read from the
    // service's workdir (else the current directory); a relative `to` is written under runDir.
    ProcessStackBackend(const StackSpec &stack, const QMap<QString, QString> &templateVariables,
                        const QString &runDir, QObject *parent = nullptr);
    // SIGKILLs every service still running (teardown only).
    ~ProcessStackBackend() override;

    // Where the pid ledger lives (default PidLedger::defaultDir()). Set before up().
    void setLedgerDir(const QString &dir);
    // The lab's hosts: up() makes them before the first service, down() removes them after the
    // last; a service with `host` starts inside its namespace. Not owned. Set before up().
    void setHostNetwork(HostNetwork *network) { m_network = network; }
    HostNetwork *hostNetwork() const override { return m_network; }
    QString ledgerDir() const;
    QString runDir() const { return m_runDir; }

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

    // How faults reach a service's processes on this machine (for the run log).
    static QString processControl();
    // Every live process of a service (its scope), for tests and diagnostics.
    QList<qint64> processesOf(const QString &service) const;
    // The service's cgroup directory, empty under the tree-walk fallback.
    QString cgroupOf(const QString &service) const;

    // The last MaxLogLinesPerService lines of a service, oldest first.
    QList<LogLine> logs(const QString &service) const;

private:
    struct Service;
    enum class Pending { None, Start, Stop, Kill, Restart };

    Service *find(const QString &name) const;
    void launch(Service *s);
    void onStarted(Service *s);
    void onFinished(Service *s, int exitCode, bool crashed);
    void onFailedToStart(Service *s, const QString &message);
    void onReady(Service *s, bool ok, const QString &error);
    void beginStop(Service *s);
    void onScopeEnded(Service *s);
    void readChannel(Service *s, bool stderrStream);
    void appendLine(Service *s, const QByteArray &line, bool stderrStream);
    void flushPartialLines(Service *s);
    void flushLogs();
    void setState(Service *s, ServiceStatus::State state, int exitCode, const QString &detail);
    void markChanged(Service *s);
    void applyRoles(const QHash<QString, QString> &roleByService);
    void flushStatuses();
    void supersede(Service *s, const QString &byAction);
    void finishPending(Service *s, bool ok, const QString &error);
    void report(const QString &service, const QString &action, bool ok, const QString &error);
    void advanceUp();
    void failUp(const QString &error);
    void advanceDown();
    bool hasLiveDependent(const Service *s) const;
    QString renderTemplates(const Service *s) const;
    QString dependencyError() const;
    QString lastLogLine(const Service *s) const;
    static QString pendingName(Pending p);
    bool isUpToDate(const Service *s) const;
    void finishOnce(Service *s, int exitCode, bool crashed);
    QString lastLogLinesText(const Service *s, int count) const;
    QString readinessFailure(const Service *s, const QString &error) const;
    QString wipeRunDir() const;
    void markRunDir() const;

    std::vector<std::unique_ptr<Service>> m_services;
    QMap<QString, QString> m_templateVariables;
    QString m_runDir;
    bool m_wipeRunDirOnUp = false;
    PidLedger m_ledger;
    QTimer *m_statusTimer = nullptr;
    RoleMonitor *m_roles = nullptr;
    QTimer *m_logTimer = nullptr;
    QSet<QString> m_changed;
    QList<LogLine> m_pendingLogs;
    bool m_upInProgress = false;
    bool m_downInProgress = false;
    bool m_isUp = false;
    HostNetwork *m_network = nullptr;
};
