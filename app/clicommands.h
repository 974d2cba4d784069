#pragma once

#include "lab.h"
#include "run.h"

#include <QJsonArray>
#include <QMap>
#include <QObject>
#include <QStringList>
#include <QTextStream>

class StackSession;

// The sub-commands of halab-cli. Exit codes: 0 success, 1 a check or action failed,
// 2 bad input (lab file, arguments, missing tools), 3 aborted.
class CliCommands : public QObject
{
    Q_OBJECT

public:
    enum ExitCode { Async = -1, Ok = 0, Failed = 1, BadInput = 2, Aborted = 3, StoreFailed = 4 };

    CliCommands(QTextStream &out, QTextStream &err, QObject *parent = nullptr);

    // Variable overrides from --set NAME=VALUE.
    void setOverrides(const QMap<QString, QString> &overrides) { m_overrides = overrides; }

    // Synchronous commands return their exit code.
    int validate(const QStringList &labs);
    // Each check of the lab and whether it runs, is N/A or DEFERRED (with --set overrides), and why.
    int checks(const QString &labPath, bool json);
    // Asynchronous commands return Async and emit finished(code) later.
    int stackUp(const QString &labPath);
    int stackStatus(const QString &labPath, bool json);
    // Kills what crashed consoles left running, then runs the lab's `reset:` commands (clistackreset.cpp).
    int stackReset(const QString &labPath);
    // Brings the stack up (unless keepStack and it is already up), runs the automated checks or
    // the named ones, prints a line per check, writes JSON; 0 all pass, 1 any fails, 3 aborted.
    struct RunOptions
    {
        QStringList checks;
        QString jsonPath;
        QString markdownPath;
        QString junitPath;
        QString htmlPath;
        QString pdfPath;
        QString storePath; // empty: the default store
        QString operatorName;
        bool keepStack = false;
        bool confirmFaults = false; // ask on the terminal before every fault
    };
    int run(const QString &labPath, const RunOptions &options);
    // Exports a stored run: format markdown | json | junit | html | pdf.
    int report(const QString &runId, bool latest, const QString &format, const QString &output, const QString &storePath);
    // Prints the service log lines stored with a run (all services, or one), with what the caps dropped.
    int logs(const QString &runId, bool latest, const QString &service, const QString &storePath);
    // Rolls back (or, for process stacks that died with their console, clears) the faults a
    // crashed console left in the fault ledger.
    int rollbackLeftovers();
    // Readiness levels of a lab over the stored runs: 0 READY, 1 NOT YET (no level ready, or not
    // the named level), 2 bad input.
    int readiness(const QString &labPath, bool json, const QString &storePath, const QString &level = {});

    // True when the command line asks for HTML/PDF output, which needs a QGuiApplication.
    static bool needsGui(const QStringList &arguments);

Q_SIGNALS:
    void finished(int exitCode);

private:
    bool loadLab(const QString &path, Lab *lab);
    void startStack();
    void startRun();
    void runNextCheck();
    void presentRunner(class ScenarioRunner *runner);
    void onCheckFinished(const CheckResult &result);
    void printSummary();
    void finishRun(int code);
    // After the run's end is stored: the summary, the exports, then the stack goes down.
    void reportRun(int code);
    bool writeExports();
    bool openStore(const QString &path);
    // The run --run ID names (a unique prefix will do) or the newest with --latest; empty, with
    // the reason said, when there is none.
    QString pickRun(const QString &command, const QString &runId, bool latest);

    QTextStream &m_out;
    QTextStream &m_err;
    QMap<QString, QString> m_overrides;
    StackSession *m_session = nullptr;
    bool m_stopping = false;

    // halab-cli run
    Lab m_lab;
    RunOptions m_runOptions;
    QList<const CheckSpec *> m_queue;
    class RunStore *m_store = nullptr;
    class RunSession *m_run = nullptr; // the run workflow the window shares
    QString m_runId;
    struct Skipped
    {
        QString id;
        QString title;
        QString why;
    };
    QList<Skipped> m_skipped;
    QList<CheckResult> m_results; // in the order they were decided, for the summary
    class QSocketNotifier *m_stdin = nullptr;
    bool m_anyFailed = false;
    bool m_storeFailed = false; // evidence of the run was lost: exit StoreFailed
    bool m_aborted = false;
};
