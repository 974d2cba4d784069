#pragma once

#include "run.h"

#include <QAbstractItemModel>
#include <QList>
#include <QMap>
#include <QString>

// Past and current runs as a tree: runs at the top, their check results below.
class RunListModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    // Run rows use the first five columns; result rows reuse them as check, verdict, metrics, note.
    enum Column { StartedColumn, LabColumn, OperatorColumn, StateColumn, SummaryColumn, ColumnCount };
    Q_ENUM(Column)
    enum ResultColumn { CheckColumn = 0, VerdictColumn, MetricsColumn, NoteColumn };
    Q_ENUM(ResultColumn)

    enum Roles {
        RunIdRole = Qt::UserRole + 1, // QString: the run's id (the parent run's for results)
        CheckIdRole,                  // QString: results only
        VerdictRole,                  // int of Verdict: results only
        IsRunRole,                    // bool
    };
    Q_ENUM(Roles)

    explicit RunListModel(QObject *parent = nullptr);

    void setRuns(const QList<Run> &runs);
    // Appends a run; a run whose id is already listed is updated in place instead.
    void addRun(const Run &run);
    // Replaces the run with the same id, inserting/removing result rows as their count changes;
    // an unknown id is appended (so a runner may just call this with every change).
    void updateRun(const Run &run);

    const QList<Run> &runs() const { return m_runs; }
    QModelIndex indexOfRun(const QString &runId, int column = StartedColumn) const;
    const Run *runAt(const QModelIndex &index) const;             // the run, or a result's run
    const CheckResult *resultAt(const QModelIndex &index) const; // null for run rows

    // "3/6 PASS, 2 DEFERRED, 1 N/A"
    static QString summaryText(const Run &run);
    // "availability_pct=100 failover_ms=412"
    static QString metricsText(const QMap<QString, double> &metrics);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    int rowOfRun(const QString &runId) const;
    QVariant runData(int row, int column, int role) const;
    QVariant resultData(int runRow, int resultRow, int column, int role) const;

    QList<Run> m_runs;
};
