#pragma once

#include <QWidget>

class CheckListModel;
class QLineEdit;
class QSortFilterProxyModel;
class QTreeView;

// The lab's checks (and their steps) with a filter box; tells which check is selected.
class CheckListPane : public QWidget
{
    Q_OBJECT

public:
    explicit CheckListPane(CheckListModel *model, QWidget *parent = nullptr);

    QString currentCheckId() const;
    void selectCheck(const QString &checkId);

Q_SIGNALS:
    void checkSelected(const QString &checkId);

private:
    void onCurrentChanged();

    CheckListModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QLineEdit *m_filter;
    QTreeView *m_tree;
};
