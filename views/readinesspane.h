#pragma once

#include "readinessresult.h"

#include <QWidget>

class QLabel;
class QTreeWidget;

// The Readiness tab: each level of the lab READY or NOT YET, with every criterion's status
// (OK, MISSING, STALE, FAIL, DEFERRED) and the reason, naming the run it used.
class ReadinessPane : public QWidget
{
    Q_OBJECT

public:
    explicit ReadinessPane(QWidget *parent = nullptr);

    void showResults(const QString &labName, const QList<ReadinessResult> &results);
    const QList<ReadinessResult> &results() const { return m_results; }

Q_SIGNALS:
    // A criterion's evidence was double-clicked: show that run.
    void runRequested(const QString &runId, const QString &checkId);

private:
    QList<ReadinessResult> m_results;
    QLabel *m_verdict;
    QTreeWidget *m_tree;
};
