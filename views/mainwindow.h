#pragma once

#include "lab.h"

#include <QMainWindow>

class CheckDetailPane;
class CheckListModel;
class CheckListPane;
class LabProblemsPane;
class QLabel;
class QStackedWidget;
class QTabWidget;
class LivePane;
class QAction;
class QTimer;
class ScenarioRunner;
class ServiceLogPane;
class ServiceModel;
class ServicesPane;
class StackSession;

// The console's one window: checks and services on the left, the selected check in the centre.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);

    // Loads a lab file; on problems shows them and keeps the lab that was open. True when loaded.
    bool loadLab(const QString &path);
    const Lab &lab() const { return m_lab; }
    QString labPath() const { return m_labPath; }

    CheckListModel *checkModel() const { return m_checkModel; }
    ServiceModel *serviceModel() const { return m_serviceModel; }
    int shownProblemCount() const;
    StackSession *stackSession() const { return m_session; }

    void startStack();
    void stopStack();
    // Runs the selected check on the running stack; the Live tab follows it.
    void runSelectedCheck();
    void abortCheck();
    LivePane *livePane() const { return m_livePane; }
    ScenarioRunner *runner() const { return m_runner; }

Q_SIGNALS:
    void checkFinished(const QString &checkId, int verdict);

private:
    void createActions();
    void openLabDialog();
    void reloadLab();
    void showCheck(const QString &checkId);
    void updateStatus();
    void onServiceAction(const QString &service, const QString &action);
    void onUpFinished(bool ok, const QString &error);
    void onDownFinished();
    void onActionFinished(const QString &service, const QString &action, bool ok, const QString &error);
    void updateStackActions();

    Lab m_lab;
    QString m_labPath;
    CheckListModel *m_checkModel;
    ServiceModel *m_serviceModel;
    CheckListPane *m_checkPane;
    ServicesPane *m_servicesPane;
    CheckDetailPane *m_detailPane;
    LabProblemsPane *m_problemsPane;
    QTabWidget *m_centreTabs;
    QStackedWidget *m_centre;
    QLabel *m_statusLab;
    QLabel *m_statusStack;
    ServiceLogPane *m_logPane;
    StackSession *m_session = nullptr;
    QAction *m_startStack = nullptr;
    QAction *m_stopStack = nullptr;
    bool m_stackBusy = false;
    bool m_backendConnected = false;
    LivePane *m_livePane;
    ScenarioRunner *m_runner = nullptr;
    QAction *m_runCheck = nullptr;
    QAction *m_abort = nullptr;
    QTimer *m_liveMetricsTimer;
};
