#pragma once

#include "lab.h"
#include "verdict.h"

#include <QAbstractItemModel>
#include <QList>
#include <QMap>
#include <QString>

// The checks of one lab as a tree: checks at the top, their steps below, with the current verdicts.
class CheckListModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column { TitleColumn, ModeColumn, VerdictColumn, ColumnCount };
    Q_ENUM(Column)

    enum Roles {
        CheckIdRole = Qt::UserRole + 1, // QString: the check's id (the parent check's for steps)
        IsCheckRole,                    // bool
        StepIndexRole,                  // int: index within the check; -1 for checks
        StepKindRole,                   // int of StepSpec::Kind; steps only
        ModeRole,                       // int of CheckSpec::Mode; checks only
        VerdictRole,                    // int of Verdict; checks only
        ApplicableRole,                 // bool: appliesWhen matches the lab variables
        DeferredRole,                   // bool: the check carries a deferredReason
        DescriptionRole,                // QString: check description / derived step description
    };
    Q_ENUM(Roles)

    explicit CheckListModel(QObject *parent = nullptr);

    void setLab(const Lab &lab);
    // As the runners see the lab (built-ins, --set overrides): applicability decided by CheckApplicability.
    void setLab(const Lab &lab, const class LabContext &context);
    const Lab &lab() const { return m_lab; }

    // Sets the shown verdict of a check; an explicit verdict overrides the N/A default.
    void setVerdict(const QString &checkId, Verdict v);
    Verdict verdict(const QString &checkId) const;
    // Back to defaults: NOT RUN, or N/A for checks that don't apply.
    void resetVerdicts();

    QModelIndex indexOfCheck(const QString &checkId, int column = TitleColumn) const;
    const CheckSpec *checkAt(const QModelIndex &index) const; // the check, or a step's check
    const StepSpec *stepAt(const QModelIndex &index) const;   // null for check rows

    static bool isApplicable(const CheckSpec &check, const QMap<QString, QString> &variables);
    // "kill leader", "GET ${lb}/health", "wait 5s" ...; durations as written in lab files.
    static QString stepDescription(const StepSpec &step);

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
    struct CheckState
    {
        bool applicable = true;
        bool verdictSet = false; // false: show the default (NOT RUN / N/A)
        Verdict verdict = Verdict::NotRun;
    };

    int rowOfCheck(const QString &checkId) const;
    Verdict effectiveVerdict(int checkRow) const;
    QVariant checkData(int row, int column, int role) const;
    QVariant stepData(int checkRow, int stepRow, int column, int role) const;

    Lab m_lab;
    QList<CheckState> m_states; // parallel to m_lab.checks
};
