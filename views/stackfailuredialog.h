#pragma once

#include "labcontext.h"
#include "labreset.h"

#include <QDialog>
#include <QPointer>

#include <memory>


class QLabel;
class QPlainTextEdit;
class QPushButton;
class SecretRedactor;

// "The stack did not start": the readiness failure (service, what it waited for, its last log lines)
// and, when the lab has `reset:`, a Reset stack… button that runs the lab's reset (LabReset, the code
// `halab-cli stack reset` runs) without blocking, streams its output and says how it ended.
class StackFailureDialog : public QDialog
{
    Q_OBJECT

public:
    // context (copied: the stack session may go first) resolves the reset's ${NAME}s; redactor cleans its output.
    StackFailureDialog(const QString &error, const LabContext *context, const SecretRedactor &redactor, QWidget *parent = nullptr);
    ~StackFailureDialog() override;

    // Where the pid ledger lives for the reset (tests); default PidLedger::defaultDir().
    void setLedgerDir(const QString &dir) { m_ledgerDir = dir; }
    bool isResetting() const { return m_reset != nullptr; }

Q_SIGNALS:
    void resetFinished(bool ok, const QString &summary);
    // The engineer wants Start Stack again after a reset that went well.
    void startAgainRequested();

private:
    void startReset();
    void onResetFinished(bool ok, const QString &summary);

    std::unique_ptr<LabContext> m_context; // null without a stack session
    std::unique_ptr<SecretRedactor> m_redactor;
    QString m_ledgerDir;
    QPointer<LabReset> m_reset;
    QPlainTextEdit *m_output;
    QLabel *m_outcome;
    QPushButton *m_resetButton;
    QPushButton *m_startAgain;
};
