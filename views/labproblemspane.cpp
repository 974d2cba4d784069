#include "labproblemspane.h"

#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>

LabProblemsPane::LabProblemsPane(QWidget *parent)
    : QWidget(parent)
    , m_header(new QLabel(this))
    , m_list(new QListWidget(this))
{
    setObjectName(QStringLiteral("labProblemsPane"));
    m_header->setWordWrap(true);
    m_list->setObjectName(QStringLiteral("labProblems"));
    m_list->setWordWrap(true);
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_list->setFont(mono);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_header);
    layout->addWidget(m_list);
}

void LabProblemsPane::setProblems(const QString &labPath, const LabDiagnostics &problems)
{
    m_header->setText(tr("<h3>This lab file has %n problem(s)</h3><p>%1 was not loaded. Fix the lines below "
                         "and choose <i>File → Reload</i> (F5).</p>", nullptr, int(problems.size()))
                          .arg(labPath.toHtmlEscaped()));
    m_list->clear();
    for (const LabDiagnostic &d : problems)
        m_list->addItem(d.toString());
}

int LabProblemsPane::problemCount() const
{
    return m_list->count();
}
