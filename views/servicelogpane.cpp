#include "servicelogpane.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QVBoxLayout>

ServiceLogPane::ServiceLogPane(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_find(new QLineEdit(this))
    , m_hide(new QLineEdit(this))
    , m_follow(new QCheckBox(tr("Follow"), this))
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
    m_text->setMinimumHeight(m_text->fontMetrics().height() * 4); // a log you can read, not three lines
    m_find->setObjectName(QStringLiteral("serviceLogFind"));
    m_find->setPlaceholderText(tr("Find in log…"));
    m_find->setClearButtonEnabled(true);
    m_hide->setObjectName(QStringLiteral("serviceLogHide"));
    m_hide->setPlaceholderText(tr("Hide lines matching (regex)"));
    m_hide->setToolTip(tr("Lines matching this regular expression are hidden, e.g. the probes' own requests"));
    m_hide->setText(QStringLiteral("\"path\":\"/(health|v1/ha/status)")); // the demo stack's readiness and role probes
    m_follow->setObjectName(QStringLiteral("serviceLogFollow"));
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Keep the newest line in view"));
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_title, 1);
    bar->addWidget(m_find);
    bar->addWidget(m_hide);
    bar->addWidget(m_follow);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(m_text, 1);
    connect(m_find, &QLineEdit::textChanged, this, &ServiceLogPane::redisplay);
    connect(m_hide, &QLineEdit::textChanged, this, &ServiceLogPane::redisplay);
    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on)
            m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
    });
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
        if (line.service == m_service && passes(line))
            shown.append(format(line));
    }
    if (shown.isEmpty())
        return;
    // Follow is explicit: with it off the view stays where the reader is, even as old lines drop off the top.
    m_text->appendPlainText(shown.join(QLatin1Char('\n')));
    if (m_follow->isChecked())
        m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
}

bool ServiceLogPane::passes(const LogLine &line) const
{
    if (!m_find->text().isEmpty() && !line.text.contains(m_find->text(), Qt::CaseInsensitive))
        return false;
    if (!m_hide->text().isEmpty()) {
        const QRegularExpression hide(m_hide->text());
        if (hide.isValid() && hide.match(line.text).hasMatch())
            return false;
    }
    return true;
}

void ServiceLogPane::redisplay()
{
    QStringList text;
    for (const LogLine &line : m_lines.value(m_service))
        if (passes(line))
            text.append(format(line));
    m_text->setPlainText(text.join(QLatin1Char('\n')));
    if (m_follow->isChecked())
        m_text->verticalScrollBar()->setValue(m_text->verticalScrollBar()->maximum());
}

QString ServiceLogPane::shownText() const
{
    return m_text->toPlainText();
}

void ServiceLogPane::setFind(const QString &text)
{
    m_find->setText(text);
}

void ServiceLogPane::setHidePattern(const QString &pattern)
{
    m_hide->setText(pattern);
}

void ServiceLogPane::setFollow(bool follow)
{
    m_follow->setChecked(follow);
}

void ServiceLogPane::showService(const QString &service)
{
    m_service = service;
    m_title->setText(service.isEmpty() ? tr("<b>Log</b> — select a service") : tr("<b>Log of %1</b>").arg(service.toHtmlEscaped()));
    redisplay();
}

void ServiceLogPane::clear()
{
    m_lines.clear();
    m_text->clear();
}
