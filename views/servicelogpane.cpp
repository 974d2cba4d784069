#include "servicelogpane.h"

#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QVBoxLayout>

ServiceLogPane::ServiceLogPane(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_text(new QPlainTextEdit(this))
{
    setObjectName(QStringLiteral("serviceLogPane"));
    m_text->setObjectName(QStringLiteral("serviceLog"));
    m_text->setReadOnly(true);
    m_text->setMaximumBlockCount(MaxLinesPerService);
    m_text->setLineWrapMode(QPlainTextEdit::NoWrap);
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_text->setFont(mono);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_title);
    layout->addWidget(m_text);
    showService(QString());
}

QString ServiceLogPane::format(const LogLine &line)
{
    return line.time.toLocalTime().toString(QStringLiteral("hh:mm:ss.zzz")) + (line.stderrStream ? QStringLiteral(" ! ") : QStringLiteral("   "))
           + line.text;
}

void ServiceLogPane::appendLines(const QList<LogLine> &lines)
{
    QStringList shown;
    for (const LogLine &line : lines) {
        QList<LogLine> &ring = m_lines[line.service];
        ring.append(line);
        if (ring.size() > MaxLinesPerService)
            ring.remove(0, ring.size() - MaxLinesPerService);
        if (line.service == m_service)
            shown.append(format(line));
    }
    if (shown.isEmpty())
        return;
    // Follow the tail only when the user is already at the bottom; reading older lines stays put.
    QScrollBar *bar = m_text->verticalScrollBar();
    const bool atBottom = bar->value() == bar->maximum();
    m_text->appendPlainText(shown.join(QLatin1Char('\n')));
    if (atBottom)
        bar->setValue(bar->maximum());
}

void ServiceLogPane::showService(const QString &service)
{
    m_service = service;
    m_title->setText(service.isEmpty() ? tr("<b>Log</b> — select a service") : tr("<b>Log of %1</b>").arg(service.toHtmlEscaped()));
    QStringList text;
    for (const LogLine &line : m_lines.value(service))
        text.append(format(line));
    m_text->setPlainText(text.join(QLatin1Char('\n')));
    m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
}

void ServiceLogPane::clear()
{
    m_lines.clear();
    m_text->clear();
}
