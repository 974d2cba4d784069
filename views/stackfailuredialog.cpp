#include "stackfailuredialog.h"

#include "labcontext.h"
#include "labreset.h"
#include "secretredactor.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

StackFailureDialog::StackFailureDialog(const QString &error, const LabContext *context, const SecretRedactor &redactor, QWidget *parent)
    : QDialog(parent)
    , m_context(context ? std::make_unique<LabContext>(*context) : nullptr)
    , m_redactor(std::make_unique<SecretRedactor>(redactor))
    , m_output(new QPlainTextEdit(this))
    , m_outcome(new QLabel(this))
    , m_resetButton(new QPushButton(tr("Reset stack…"), this))
    , m_startAgain(new QPushButton(tr("Start stack"), this))
{
    setObjectName(QStringLiteral("stackFailureDialog"));
    setWindowTitle(tr("The stack did not start"));
    const bool hasReset = context && !context->lab().reset.isEmpty();

    auto *headline = new QLabel(tr("<b>The stack did not start.</b>"), this);
    m_output->setObjectName(QStringLiteral("stackFailureText"));
    m_output->setReadOnly(true);
    m_output->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    m_output->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_output->setPlainText(m_redactor->redact(error));
    m_outcome->setObjectName(QStringLiteral("resetOutcome"));
    m_outcome->setWordWrap(true);
    m_outcome->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_outcome->setText(hasReset ? tr("This lab has a reset (%n command(s)): it brings a broken cluster back to its starting state. "
                                     "Run it, then start the stack again.",
                                     nullptr, int(context->lab().reset.size()))
                                : tr("This lab has no 'reset:' to offer: see the lab format's 'reset' section to add one."));

    m_resetButton->setObjectName(QStringLiteral("resetStackButton"));
    m_resetButton->setEnabled(hasReset);
    m_startAgain->setObjectName(QStringLiteral("startAgainButton"));
    m_startAgain->setEnabled(false);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    buttons->addButton(m_resetButton, QDialogButtonBox::ActionRole);
    buttons->addButton(m_startAgain, QDialogButtonBox::ActionRole);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(headline);
    layout->addWidget(m_output, 1);
    layout->addWidget(m_outcome);
    layout->addWidget(buttons);
    resize(760, 420);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_resetButton, &QPushButton::clicked, this, &StackFailureDialog::startReset);
    connect(m_startAgain, &QPushButton::clicked, this, [this] {
        Q_EMIT startAgainRequested();
        accept();
    });
}

StackFailureDialog::~StackFailureDialog() = default;

void StackFailureDialog::startReset()
{
    if (m_reset || !m_context)
        return;
    m_resetButton->setEnabled(false);
    m_startAgain->setEnabled(false);
    m_outcome->setText(tr("Resetting…"));
    m_output->appendPlainText(QStringLiteral("\n— reset —"));
    // Asynchronous like every process the window starts: output and the end arrive by signal.
    m_reset = new LabReset(m_context->lab().reset, m_context.get(), this);
    if (!m_ledgerDir.isEmpty())
        m_reset->setLedgerDir(m_ledgerDir);
    connect(m_reset, &LabReset::output, this, [this](const QString &line) { m_output->appendPlainText(m_redactor->redact(line)); });
    connect(m_reset, &LabReset::finished, this, &StackFailureDialog::onResetFinished);
    m_reset->start();
}

void StackFailureDialog::onResetFinished(bool ok, const QString &summary)
{
    m_reset->deleteLater();
    m_reset = nullptr;
    const QString clean = m_redactor->redact(summary);
    m_output->appendPlainText(clean);
    m_outcome->setText(ok ? tr("<b style='color:#2e7d32'>✓ %1</b> — start the stack again.").arg(clean.toHtmlEscaped())
                          : tr("<b style='color:#c62828'>✗ %1</b>").arg(clean.toHtmlEscaped()));
    m_resetButton->setEnabled(true);
    m_startAgain->setEnabled(ok);
    Q_EMIT resetFinished(ok, clean);
}
