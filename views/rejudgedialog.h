#pragma once

#include "expectation.h"
#include "run.h"

#include <QDialog>
#include <QList>

class QLabel;
class QTableWidget;

// Re-judge a stored PASS/FAIL result: edit its expectation bounds (or add one), see at once
// what each gives on the stored metrics, then let RunStore::rejudge() write the new verdict
// (the old one stays in the verdict history). Open it with open(): it never blocks.
class RejudgeDialog : public QDialog
{
    Q_OBJECT

public:
    RejudgeDialog(const QString &runId, const CheckResult &result, const QList<Expectation> &expectations, QWidget *parent = nullptr);

    QString runId() const { return m_runId; }
    QString checkId() const { return m_result.checkId; }
    QList<Expectation> expectations() const;
    // The verdict these bounds give (failed steps and aborts keep a FAIL whatever the bounds).
    Verdict preview() const;

    void addRow(const Expectation &e);
    // For tests and scripted use: the bound of row `row`.
    // Drops a bound: the check is judged without it.
    void removeRow(int row);
    void setBound(int row, double bound);

private:
    void update();

    QString m_runId;
    CheckResult m_result;
    QStringList m_otherFailures;
    QTableWidget *m_table;
    QLabel *m_preview;
};
