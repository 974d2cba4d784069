#pragma once

#include "checkchartdata.h"
#include "lab.h"
#include "run.h"
#include "runstore.h"

#include <QWidget>

class FailoverTrendView;
class QComboBox;
class QLabel;
class QPushButton;
class QStackedWidget;
class QTreeView;
class RejudgeDialog;
class RunCompareView;
class RunDetailView;
class RunListModel;
class RunLoader;

// The Runs tab: every stored run (filter by lab, check, verdict), one opened read-only with its
// charts and evidence, two compared, a PASS/FAIL result re-judged against edited bounds.
class RunsPane : public QWidget
{
    Q_OBJECT

public:
    RunsPane(RunStore *store, RunLoader *loader, QWidget *parent = nullptr);

    void setLab(const Lab &lab);
    // Re-reads the store (keeping filter and selection); the opened run is read again too.
    void refresh();

    RunListModel *model() const { return m_model; }
    RunStore::Filter filter() const;
    void setFilter(const QString &lab, const QString &checkId, std::optional<Verdict> verdict);

    QStringList selectedRunIds() const;
    QString selectedRunId() const;
    // The check of the selected result row; empty for a run row.
    QString selectedCheckId() const;
    void selectRun(const QString &runId, const QString &checkId = {});

    void openRun(const QString &runId, const QString &checkId = {});
    // a and b in any order: the older run is shown as A.
    void compareRuns(const QString &a, const QString &b);
    // Opens the re-judge dialog of one stored result (non-blocking); the store is updated on OK.
    RejudgeDialog *rejudge(const QString &runId, const QString &checkId);

    RunDetailView *detailView() const { return m_detail; }
    RunCompareView *compareView() const { return m_compare; }
    QString shownRunId() const { return m_shownRunId; }
    bool isComparing() const;

Q_SIGNALS:
    void exportRequested(const QString &runId);
    // A re-judge changed a stored verdict.
    void runsChanged();
    // A requested run is shown (openRun / compareRuns finished loading).
    void runShown(const QString &runId);
    void comparisonShown(const QString &runA, const QString &runB);

private:
    void onLoaded(int ticket, const Run &run, const RunChartData &charts, const QString &error);
    void updateButtons();
    void rebuildFilters(const QList<Run> &all);
    void openCurrent();
    // The run and check Re-judge acts on: the selected check row, or the shown/selected run's check.
    QPair<QString, QString> rejudgeTarget() const;

    RunStore *m_store;
    RunLoader *m_loader;
    Lab m_lab;
    RunListModel *m_model;
    QComboBox *m_labFilter;
    QComboBox *m_checkFilter;
    QComboBox *m_verdictFilter;
    QTreeView *m_tree;
    QPushButton *m_open;
    QPushButton *m_compareButton;
    QPushButton *m_rejudge;
    QPushButton *m_export;
    QLabel *m_status;
    QStackedWidget *m_stack;
    QLabel *m_placeholder;
    RunDetailView *m_detail;
    RunCompareView *m_compare;
    FailoverTrendView *m_trend = nullptr;

    QString m_shownRunId;
    QString m_shownCheckId;
    int m_openTicket = -1;
    bool m_openIsReload = false;
    int m_compareTickets[2] = {-1, -1};
    Run m_compareRuns[2];
    RunChartData m_compareCharts[2];
    int m_compareLoaded = 0;
};
