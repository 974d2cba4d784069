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
class ServiceModel;
class ServicesPane;

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

private:
    void createActions();
    void openLabDialog();
    void reloadLab();
    void showCheck(const QString &checkId);
    void updateStatus();

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
};
