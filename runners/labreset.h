#pragma once

#include "stepspec.h"

#include <QList>
#include <QLoggingCategory>
#include <QMap>
#include <QObject>
#include <QString>

class QProcess;
class LabContext;

Q_DECLARE_LOGGING_CATEGORY(lcReset)

// A lab's `reset:`: first kills what crashed consoles left running (pid ledger), then runs the
// lab's reset commands in order, each to completion, stopping at the first that fails. What
// `halab-cli stack reset` runs, and what the window offers when a stack does not come up.
class LabReset : public QObject
{
    Q_OBJECT

public:
    // context resolves ${NAME} (secrets go through env only); it must outlive the reset.
    LabReset(const QList<StepSpec> &steps, const LabContext *context, QObject *parent = nullptr);
    ~LabReset() override;

    // Where the pid ledger lives (default PidLedger::defaultDir()). Set before start().
    void setLedgerDir(const QString &dir) { m_ledgerDir = dir; }
    void start();

Q_SIGNALS:
    // One line of progress or of a command's output, in order.
    void output(const QString &line);
    void finished(bool ok, const QString &summary);

private:
    void runNext();
    void onFinished(int exitCode, bool crashed);

    QList<StepSpec> m_steps;
    const LabContext *m_context;
    QString m_ledgerDir;
    QProcess *m_process = nullptr;
    int m_index = -1;
    bool m_timedOut = false;
};
