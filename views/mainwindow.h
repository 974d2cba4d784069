#pragma once

#include "lab.h"
#include "readinessresult.h"
#include "run.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMainWindow>

#include <functional>
#include <memory>

class CheckDetailPane;
class CheckListModel;
class CheckListPane;
class LabProblemsPane;
class LivePane;
class QAction;
class QLabel;
class QStackedWidget;
class QTabWidget;
class QTimer;
class ReadinessPane;
class RunLoader;
class RunSession;
class RunSitting;
class RunStore;
class RunsPane;
class ScenarioRunner;
class ServiceLogPane;
class ServiceModel;
class ServicesPane;
class StackSession;

// The console's one window: checks and services on the left; in the centre the selected check
// (worked by hand), the live chart, the stored runs and the readiness levels. It composes the
// panes and drives the runners; each pane only shows and asks.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    struct Options
    {
        QString storePath;      // empty: RunStore::defaultPath()
        QString faultLedgerDir; // empty: FaultLedger::defaultDir()
    };

    explicit MainWindow(QWidget *parent = nullptr);
    explicit MainWindow(const Options &options, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Loads a lab file; on problems shows them and keeps the lab that was open. True when loaded.
    // Another lab file ends this sitting's run; refused while a check runs.
    bool loadLab(const QString &path);
    const Lab &lab() const { return m_lab; }
    QString labPath() const { return m_labPath; }

    CheckListModel *checkModel() const { return m_checkModel; }
    ServiceModel *serviceModel() const { return m_serviceModel; }
    int shownProblemCount() const;
    StackSession *stackSession() const;

    void startStack();
    void stopStack();
    // Runs the selected check on the running stack; the Live tab follows it.
    void runSelectedCheck();
    void abortCheck();
    // Every check in order (the game day): automated ones run, manual ones prompt, N/A and DEFERRED
    // are recorded; a progress bar in the status bar says which, how long, and about how long is left.
    void runAll();
    // File → New Lab: writes the template lab to path and opens it in the Lab tab.
    bool newLab(const QString &path);
    class LabEditorPane *editorPane() const { return m_editorPane; }
    // By hand: runs step `index` of the check, starting a manual session of it first.
    void runStep(const QString &checkId, int index);
    // Ends the manual session: probes stop, faults roll back, the verdict is proposed.
    void finishCheck();
    void selectCheck(const QString &checkId);

    LivePane *livePane() const { return m_livePane; }
    CheckDetailPane *checkPane() const { return m_detailPane; }
    RunsPane *runsPane() const { return m_runsPane; }
    ReadinessPane *readinessPane() const { return m_readinessPane; }
    ScenarioRunner *runner() const;
    RunStore *runStore() const { return m_store.get(); }
    RunSitting *sitting() const;
    // The run workflow the window presents (the CLI presents the same one).
    RunSession *runSession() const { return m_run; }
    // This sitting's run in the store; empty until the first check runs.
    QString currentRunId() const;

    // The open lab's readiness over the stored runs.
    QList<ReadinessResult> readiness() const;
    // Writes one stored run (charts included); the format follows the suffix. exportFinished() tells.
    void exportRun(const QString &runId, const QString &path);

Q_SIGNALS:
    void checkFinished(const QString &checkId, int verdict);
    void verdictRecorded(const QString &checkId, int verdict);
    void exportFinished(const QString &path, bool ok, const QString &error);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void openStore();
    void offerFaultRollback();
    void openLabDialog();
    void reloadLab();
    void showCheck(const QString &checkId);
    void updateStatus();
    void onServiceAction(const QString &service, const QString &action);
    void onUpFinished(bool ok, const QString &error);
    void onDownFinished();
    void onActionFinished(const QString &service, const QString &action, bool ok, const QString &error);
    void updateStackActions();
    void showWarning(const QString &title, const QString &text);
    // A failed `stack up`: the error and, when the lab has `reset:`, Reset stack… (StackFailureDialog).
    void showStackFailure(const QString &error);

    // Before a check runs: secrets loaded (session), operator known, the sitting's run created.
    void ensureSession(const std::function<void(bool)> &done);
    void onSessionPrepared(bool ok, const QString &error, const QString &warning);
    void presentRunner(ScenarioRunner *runner, const QString &checkId);
    void askOperator(const std::function<void(bool)> &done);
    void prepareRun(bool needSession, const std::function<void()> &then);
    void startRunner(const CheckSpec &check, bool manual);
    void onRunnerFinished(const CheckResult &result, bool manual);
    void onVerdictSubmitted(const QString &checkId, Verdict verdict, const QString &note, const QString &overrideReason);
    void endSitting();
    void scheduleRunsRefresh();
    void refreshRuns();
    void exportDialog();
    void onQueueProgress(int index, int total, const QString &checkId);
    void onManualCheckReached(const QString &checkId);
    void updateRunAllText();
    void showMetricsHelp();
    void fillRecentLabs();
    void explainKeyring();
    void newLabDialog();
    QString exportCandidate() const;

    Options m_options;
    Lab m_lab;
    QString m_labPath;
    std::unique_ptr<RunStore> m_store;
    RunLoader *m_loader;
    RunSession *m_run;
    CheckListModel *m_checkModel;
    ServiceModel *m_serviceModel;
    CheckListPane *m_checkPane;
    ServicesPane *m_servicesPane;
    CheckDetailPane *m_detailPane;
    LabProblemsPane *m_problemsPane;
    QTabWidget *m_centreTabs;
    QStackedWidget *m_centre;
    class ElidedLabel *m_statusLab;
    QLabel *m_statusRun;
    QLabel *m_statusStack;
    ServiceLogPane *m_logPane;
    LivePane *m_livePane;
    RunsPane *m_runsPane;
    ReadinessPane *m_readinessPane;
    QAction *m_startStack = nullptr;
    QAction *m_stopStack = nullptr;
    bool m_preparing = false;
    QAction *m_runCheck = nullptr;
    QAction *m_abort = nullptr;
    QAction *m_confirmFaults = nullptr;
    QTimer *m_liveMetricsTimer;
    QTimer *m_runsRefresh;
    class QProgressBar *m_runAllProgress;
    QLabel *m_runAllText;
    QTimer *m_runAllTicker;
    QElapsedTimer m_runAllClock;
    QString m_runAllCheck;
    QString m_waitingManual; // the manual check Run All waits for the engineer to record
    QAction *m_runAll = nullptr;
    class QMenu *m_recentMenu = nullptr;
    class LabEditorPane *m_editorPane;
    QHash<int, QString> m_pendingExports; // loader ticket -> path
};
