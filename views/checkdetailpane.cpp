#include "checkdetailpane.h"

#include "checklistmodel.h"
#include "duration.h"

#include <QTextBrowser>
#include <QVBoxLayout>

namespace {
QString kindLabel(StepSpec::Kind kind)
{
    switch (kind) {
    case StepSpec::Kind::Http: return QStringLiteral("HTTP");
    case StepSpec::Kind::Command: return QStringLiteral("COMMAND");
    case StepSpec::Kind::Fault: return QStringLiteral("FAULT");
    case StepSpec::Kind::Wait: return QStringLiteral("WAIT");
    case StepSpec::Kind::LogScan: return QStringLiteral("LOG SCAN");
    case StepSpec::Kind::Matrix: return QStringLiteral("MATRIX");
    case StepSpec::Kind::Prompt: return QStringLiteral("OPERATOR");
    case StepSpec::Kind::Mark: return QStringLiteral("MARK");
    }
    return {};
}

QString kindColour(StepSpec::Kind kind)
{
    switch (kind) {
    case StepSpec::Kind::Fault: return QStringLiteral("#c62828");
    case StepSpec::Kind::Wait:
    case StepSpec::Kind::Mark: return QStringLiteral("#6d6d6d");
    case StepSpec::Kind::Prompt: return QStringLiteral("#8e24aa");
    default: return QStringLiteral("#1565c0");
    }
}
} // namespace

CheckDetailPane::CheckDetailPane(QWidget *parent)
    : QWidget(parent)
    , m_view(new QTextBrowser(this))
{
    setObjectName(QStringLiteral("checkDetailPane"));
    m_view->setObjectName(QStringLiteral("checkDetail"));
    m_view->setOpenLinks(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    showCheck(nullptr, true);
}

void CheckDetailPane::showCheck(const CheckSpec *check, bool applicable)
{
    m_checkId = check ? check->id : QString();
    if (!check) {
        m_view->setHtml(tr("<p style='color:#666'>Select a check on the left to see its steps.</p>"));
        return;
    }
    QString html;
    html += QStringLiteral("<h2>%1</h2><p style='color:#666'>check id <code>%2</code></p>")
                .arg(check->title.toHtmlEscaped(), check->id.toHtmlEscaped());
    html += QStringLiteral("<p><b>%1</b> · %2 step(s) · %3 probe(s)</p>")
                .arg(CheckSpec::modeText(check->mode))
                .arg(check->steps.size())
                .arg(check->probes.size());
    if (!applicable)
        html += QStringLiteral("<p style='background:#eceff1;padding:4px'><b>N/A</b> — %1</p>")
                    .arg((check->notApplicableReason.isEmpty() ? tr("does not apply to this stack") : check->notApplicableReason).toHtmlEscaped());
    if (!check->deferredReason.isEmpty())
        html += QStringLiteral("<p style='background:#fff8e1;padding:4px'><b>DEFERRED</b> — %1</p>").arg(check->deferredReason.toHtmlEscaped());
    if (!check->description.isEmpty())
        html += QStringLiteral("<p>%1</p>").arg(check->description.toHtmlEscaped().replace(QLatin1Char('\n'), QLatin1Char(' ')));

    if (!check->probes.isEmpty()) {
        html += tr("<h3>Probes</h3><ul>");
        for (const ProbeSpec &p : check->probes) {
            const QString target = p.kind == ProbeSpec::Kind::Http ? p.method + QLatin1Char(' ') + p.url
                                   : p.kind == ProbeSpec::Kind::Tcp ? QStringLiteral("tcp ") + p.address
                                                                    : p.command.join(QLatin1Char(' '));
            html += QStringLiteral("<li><b>%1</b>: <code>%2</code> every %3, timeout %4</li>")
                        .arg(p.id.toHtmlEscaped(), target.toHtmlEscaped(), Duration::format(p.intervalMs), Duration::format(p.timeoutMs));
        }
        html += QStringLiteral("</ul>");
    }

    html += tr("<h3>Steps</h3><table cellspacing='0' cellpadding='4' width='100%'>");
    int n = 0;
    for (const StepSpec &s : check->steps) {
        ++n;
        const bool prompt = s.kind == StepSpec::Kind::Prompt;
        QString text = (!s.title.isEmpty() ? s.title : prompt ? s.instructions : CheckListModel::stepDescription(s)).toHtmlEscaped();
        if (!s.title.isEmpty() && !prompt)
            text += QStringLiteral("<br><code style='color:#555'>%1</code>").arg(CheckListModel::stepDescription(s).toHtmlEscaped());
        if (!s.instructions.isEmpty() && s.kind != StepSpec::Kind::Prompt)
            text += QStringLiteral("<br><i>%1</i>").arg(s.instructions.toHtmlEscaped());
        if (s.kind == StepSpec::Kind::Matrix) {
            text += QStringLiteral("<table cellpadding='2' style='margin-top:4px'>");
            for (const MatrixRowSpec &row : s.rows)
                text += QStringLiteral("<tr><td><code>%1 %2</code></td><td>→ %3</td><td style='color:#555'>%4</td></tr>")
                            .arg(row.method, row.url.toHtmlEscaped())
                            .arg(row.expectStatus)
                            .arg(row.name.toHtmlEscaped());
            text += QStringLiteral("</table>");
        }
        html += QStringLiteral("<tr><td valign='top' width='24'>%1.</td><td valign='top' width='90'>"
                               "<span style='color:white;background:%2'>&nbsp;%3&nbsp;</span></td><td>%4</td></tr>")
                    .arg(n)
                    .arg(kindColour(s.kind), kindLabel(s.kind), text);
    }
    html += QStringLiteral("</table>");

    if (!check->expectations.isEmpty()) {
        html += tr("<h3>Expectations</h3><ul>");
        for (const Expectation &e : check->expectations)
            html += QStringLiteral("<li><code>%1</code></li>").arg(e.text.toHtmlEscaped());
        html += QStringLiteral("</ul>");
    }
    m_view->setHtml(html);
}
