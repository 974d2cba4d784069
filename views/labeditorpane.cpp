#include "labeditorpane.h"

#include "labparser.h"
#include "yamlhighlighter.h"

#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QShortcut>
#include <QSplitter>
#include <QTextBlock>
#include <QTimer>
#include <QVBoxLayout>

LabEditorPane::LabEditorPane(QWidget *parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_editor(new QPlainTextEdit(this))
    , m_problemList(new QListWidget(this))
    , m_save(new QPushButton(tr("Save and Reload"), this))
    , m_check(new QTimer(this))
{
    setObjectName(QStringLiteral("labEditorPane"));
    m_editor->setObjectName(QStringLiteral("labEditor"));
    m_problemList->setObjectName(QStringLiteral("labEditorProblems"));
    m_save->setObjectName(QStringLiteral("labEditorSave"));
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_editor->setFont(mono);
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_editor->setTabChangesFocus(false);
    new YamlHighlighter(m_editor->document());
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_check->setSingleShot(true);
    m_check->setInterval(CheckDelayMs);

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_title, 1);
    bar->addWidget(m_save);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_editor);
    split->addWidget(m_problemList);
    split->setStretchFactor(0, 5);
    split->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(split, 1);

    connect(m_editor, &QPlainTextEdit::textChanged, m_check, qOverload<>(&QTimer::start));
    connect(m_editor->document(), &QTextDocument::modificationChanged, this, &LabEditorPane::updateState);
    connect(m_check, &QTimer::timeout, this, &LabEditorPane::checkNow);
    connect(m_problemList, &QListWidget::currentRowChanged, this, &LabEditorPane::goToProblem);
    connect(m_save, &QPushButton::clicked, this, [this] { save(); });
    auto *saveKey = new QShortcut(QKeySequence::Save, this, nullptr, nullptr, Qt::WidgetWithChildrenShortcut);
    connect(saveKey, &QShortcut::activated, this, [this] { save(); });
    updateState();
}

void LabEditorPane::openFile(const QString &path)
{
    m_path = path;
    QFile file(path);
    setText(file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString());
    m_editor->document()->setModified(false);
    checkNow();
}

bool LabEditorPane::isModified() const
{
    return m_editor->document()->isModified();
}

void LabEditorPane::setText(const QString &text)
{
    m_editor->setPlainText(text);
}

QString LabEditorPane::text() const
{
    return m_editor->toPlainText();
}

void LabEditorPane::checkNow()
{
    m_check->stop();
    const LabParser::Result result = LabParser::parseText(text().toUtf8(), QFileInfo(m_path).fileName(), m_path);
    m_problems = result.errors;
    m_problemList->clear();
    for (const LabDiagnostic &d : std::as_const(m_problems))
        m_problemList->addItem(d.toString());
    if (m_problems.isEmpty())
        m_problemList->addItem(tr("✓ no problems: %n check(s), %1 service(s)", nullptr, int(result.lab.checks.size()))
                                   .arg(result.lab.stack.services.size()));
    updateState();
}

void LabEditorPane::goToProblem(int row)
{
    if (row < 0 || row >= m_problems.size())
        return;
    const SourceLocation &where = m_problems.at(row).where;
    const QTextBlock block = m_editor->document()->findBlockByNumber(std::max(0, where.line - 1));
    if (!block.isValid())
        return;
    QTextCursor cursor(block);
    cursor.movePosition(QTextCursor::Right, QTextCursor::MoveAnchor, std::max(0, std::min(where.column - 1, block.length() - 1)));
    m_editor->setTextCursor(cursor);
    m_editor->setFocus();
}

bool LabEditorPane::save(QString *error)
{
    if (m_path.isEmpty())
        return false;
    QSaveFile file(m_path);
    const QByteArray data = text().toUtf8();
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        if (error)
            *error = file.errorString();
        m_title->setText(tr("<b>%1</b> — cannot save: %2").arg(QFileInfo(m_path).fileName().toHtmlEscaped(), file.errorString().toHtmlEscaped()));
        return false;
    }
    m_editor->document()->setModified(false);
    Q_EMIT saved(m_path);
    return true;
}

void LabEditorPane::updateState()
{
    const QString name = m_path.isEmpty() ? tr("no lab open") : QFileInfo(m_path).fileName();
    m_title->setText(tr("<b>%1</b>%2 — %n problem(s)", nullptr, int(m_problems.size())).arg(name.toHtmlEscaped(), isModified() ? tr(" (edited)") : QString()));
    m_title->setToolTip(m_path);
    m_save->setEnabled(!m_path.isEmpty() && isModified());
}
