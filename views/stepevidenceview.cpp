#include "stepevidenceview.h"

#include "checklistmodel.h"
#include "metricformat.h"
#include "stepbadge.h"

#include <QDateTime>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace {
// The first `bytes` bytes of UTF-8 text, cut on a character boundary.
QString utf8Prefix(const QString &text, int bytes, bool *cut)
{
    const QByteArray utf8 = text.toUtf8();
    *cut = utf8.size() > bytes;
    if (!*cut)
        return text;
    int end = bytes;
    while (end > 0 && (uchar(utf8.at(end)) & 0xC0) == 0x80)
        --end; // never split a multi-byte character
    return QString::fromUtf8(utf8.left(end));
}

QString sizeText(qsizetype bytes)
{
    return bytes >= 1024 ? QStringLiteral("%1 KB").arg(double(bytes) / 1024.0, 0, 'f', 1) : QStringLiteral("%1 bytes").arg(bytes);
}

QPlainTextEdit *evidenceText(const QString &name, QWidget *parent)
{
    auto *edit = new QPlainTextEdit(parent);
    edit->setObjectName(name);
    edit->setReadOnly(true);
    edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    edit->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return edit;
}
} // namespace

StepEvidenceView::StepEvidenceView(QWidget *parent)
    : QWidget(parent)
    , m_header(new QLabel(this))
    , m_summary(new QLabel(this))
    , m_request(new QLabel(this))
    , m_status(new QLabel(this))
    , m_matrix(new QTableWidget(0, 4, this))
    , m_tabs(new QTabWidget(this))
    , m_body(evidenceText(QStringLiteral("evidenceBody"), this))
    , m_headers(evidenceText(QStringLiteral("evidenceHeaders"), this))
    , m_stderr(evidenceText(QStringLiteral("evidenceStderr"), this))
    , m_showAll(new QPushButton(this))
    , m_bodyNote(new QLabel(this))
{
    setObjectName(QStringLiteral("stepEvidence"));
    m_header->setObjectName(QStringLiteral("evidenceHeader"));
    m_header->setTextFormat(Qt::RichText);
    m_summary->setObjectName(QStringLiteral("evidenceSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_request->setObjectName(QStringLiteral("evidenceRequest"));
    m_request->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_request->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_request->setWordWrap(true);
    m_status->setObjectName(QStringLiteral("evidenceStatus"));
    m_status->setTextFormat(Qt::RichText);

    m_matrix->setObjectName(QStringLiteral("evidenceMatrix"));
    m_matrix->setHorizontalHeaderLabels({tr("Request"), tr("Expected"), tr("Actual"), QString()});
    m_matrix->verticalHeader()->hide();
    m_matrix->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_matrix->setSelectionMode(QAbstractItemView::NoSelection);
    m_matrix->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int c = 1; c < 4; ++c)
        m_matrix->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_matrix->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_matrix->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents); // as tall as its rows, no taller
    m_matrix->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Maximum);

    m_showAll->setObjectName(QStringLiteral("showAllBody"));
    m_showAll->setCheckable(true);
    m_showAll->setText(tr("Show all"));
    m_bodyNote->setObjectName(QStringLiteral("bodyNote"));
    m_bodyNote->setStyleSheet(QStringLiteral("color:#666"));
    auto *bodyPage = new QWidget(this);
    auto *bodyLayout = new QVBoxLayout(bodyPage);
    bodyLayout->setContentsMargins(0, 0, 0, 0);
    bodyLayout->setSpacing(2);
    bodyLayout->addWidget(m_body, 1);
    auto *bodyBar = new QHBoxLayout;
    bodyBar->addWidget(m_bodyNote, 1);
    bodyBar->addWidget(m_showAll);
    bodyLayout->addLayout(bodyBar);
    m_tabs->setObjectName(QStringLiteral("evidenceTabs"));
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(bodyPage, tr("Body"));
    m_tabs->addTab(m_headers, tr("Headers"));
    m_tabs->addTab(m_stderr, tr("stderr"));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(3);
    layout->addWidget(m_header);
    layout->addWidget(m_summary);
    layout->addWidget(m_request);
    layout->addWidget(m_status);
    layout->addWidget(m_matrix);
    layout->addWidget(m_tabs, 1);
    layout->addStretch(0);

    connect(m_showAll, &QPushButton::toggled, this, &StepEvidenceView::updateBody);
    showMessage(tr("Select a step to see its evidence."));
}

bool StepEvidenceView::isShowingAll() const
{
    return m_showAll->isChecked();
}

StepEvidenceView::Kind StepEvidenceView::kindOf(const StepOutcome &o, const StepSpec *spec)
{
    if (spec) {
        switch (spec->kind) {
        case StepSpec::Kind::Http: return Kind::Http;
        case StepSpec::Kind::Command: return Kind::Command;
        case StepSpec::Kind::Matrix: return Kind::Matrix;
        case StepSpec::Kind::LogScan: return Kind::LogScan;
        default: return Kind::Other;
        }
    }
    // A stored step of a lab that is not open: read the kind off what the runner wrote.
    if (!o.matrix.isEmpty())
        return Kind::Matrix;
    if (o.request.startsWith(QLatin1String("count /")))
        return Kind::LogScan;
    if (!o.headers.isEmpty() || o.request.contains(QLatin1String("://")))
        return Kind::Http;
    if (!o.stderrText.isEmpty() || !o.body.isEmpty())
        return Kind::Command;
    return Kind::Other;
}

void StepEvidenceView::setTabsFor(Kind kind)
{
    m_tabs->setTabText(0, kind == Kind::Command ? tr("stdout") : kind == Kind::LogScan ? tr("Matching lines") : tr("Body"));
    m_tabs->setTabVisible(1, kind == Kind::Http);
    m_tabs->setTabVisible(2, kind == Kind::Command);
    m_tabs->setVisible(kind == Kind::Http || kind == Kind::Command || kind == Kind::LogScan);
    m_matrix->setVisible(kind == Kind::Matrix);
}

void StepEvidenceView::showOutcome(const StepOutcome &o, const StepSpec *spec)
{
    const Kind kind = kindOf(o, spec);
    const QString badge = spec ? StepBadge::html(spec->kind) : QString();
    const QString when = o.startedWallMs ? QDateTime::fromMSecsSinceEpoch(o.startedWallMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")) : QString();
    const QString verdict = o.skipped ? tr("<span style='color:#666'>– skipped</span>")
                            : o.ok    ? tr("<span style='color:#2e7d32'><b>✓ as expected</b></span>")
                                      : tr("<span style='color:#c62828'><b>✗ not as expected</b></span>");
    QString title = spec && !spec->title.isEmpty() ? spec->title.toHtmlEscaped() : QString();
    m_header->setText(tr("<b>Step %1</b> %2 %3 · %4 · started %5 · took %6")
                          .arg(o.index + 1)
                          .arg(badge, title.isEmpty() ? QString() : QStringLiteral("<b>%1</b>").arg(title), verdict, when.isEmpty() ? tr("—") : when,
                               MetricFormat::duration(o.durationMs)));
    m_summary->setText(o.summary);
    m_summary->setVisible(!o.summary.isEmpty());
    m_request->setText(o.request);
    // A matrix's rows name their own requests; its request field only holds the last one.
    m_request->setVisible(!o.request.isEmpty() && kind != Kind::Matrix);

    QString status;
    switch (kind) {
    case Kind::Http:
        status = o.status ? tr("Status: <b>HTTP %1</b>").arg(o.status) : tr("Status: <b>no answer</b>");
        if (spec && spec->expectStatus)
            status += tr(" (expected %1)").arg(spec->expectStatus);
        break;
    case Kind::Command:
        status = tr("Exit code: <b>%1</b>").arg(o.status);
        if (spec && spec->expectExit >= 0)
            status += tr(" (expected %1)").arg(spec->expectExit);
        break;
    case Kind::LogScan:
        status = tr("Matching lines: <b>%1</b>").arg(o.status);
        if (spec && spec->expectCount >= 0)
            status += tr(" (expected %1)").arg(spec->expectCount);
        break;
    case Kind::Matrix: {
        int asExpected = 0;
        for (const auto &[expected, actual] : o.matrix)
            asExpected += expected == actual ? 1 : 0;
        status = tr("<b>%1 of %2</b> rows answered as expected").arg(asExpected).arg(o.matrix.size());
        break;
    }
    case Kind::Other: break;
    }
    m_status->setText(status);
    m_status->setVisible(!status.isEmpty());

    setTabsFor(kind);
    if (kind == Kind::Matrix)
        fillMatrix(o, spec);
    m_headers->setPlainText(o.headers);
    m_stderr->setPlainText(o.stderrText);
    m_tabs->setTabText(2, o.stderrText.isEmpty() ? tr("stderr (empty)") : tr("stderr"));
    m_fullBody = o.body;
    m_showAll->setChecked(false);
    updateBody();
    if (kind == Kind::Command && o.body.isEmpty() && !o.stderrText.isEmpty())
        m_tabs->setCurrentIndex(2);
    else
        m_tabs->setCurrentIndex(0);
}

void StepEvidenceView::fillMatrix(const StepOutcome &o, const StepSpec *spec)
{
    const QStringList lines = o.body.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    m_matrix->setRowCount(int(o.matrix.size()));
    for (int row = 0; row < o.matrix.size(); ++row) {
        const auto &[expected, actual] = o.matrix.at(row);
        QString request;
        if (spec && row < spec->rows.size()) {
            const MatrixRowSpec &r = spec->rows.at(row);
            request = (r.name.isEmpty() ? QString() : r.name + QStringLiteral(" — ")) + r.method + QLatin1Char(' ') + r.url;
        } else {
            request = lines.value(row).section(QStringLiteral(" → "), 0, 0);
        }
        const bool ok = expected == actual;
        auto *req = new QTableWidgetItem(request);
        req->setToolTip(lines.value(row));
        auto *exp = new QTableWidgetItem(QString::number(expected));
        auto *act = new QTableWidgetItem(actual ? QString::number(actual) : tr("no answer"));
        auto *mark = new QTableWidgetItem(ok ? QStringLiteral("✓") : QStringLiteral("✗"));
        const QColor fg = ok ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28);
        mark->setForeground(fg);
        act->setForeground(fg);
        QFont bold = mark->font();
        bold.setBold(true);
        mark->setFont(bold);
        mark->setTextAlignment(Qt::AlignCenter);
        exp->setTextAlignment(Qt::AlignCenter);
        act->setTextAlignment(Qt::AlignCenter);
        m_matrix->setItem(row, 0, req);
        m_matrix->setItem(row, 1, exp);
        m_matrix->setItem(row, 2, act);
        m_matrix->setItem(row, 3, mark);
    }
}

void StepEvidenceView::updateBody()
{
    bool cut = false;
    const QString preview = utf8Prefix(m_fullBody, BodyPreviewBytes, &cut);
    const bool all = m_showAll->isChecked();
    m_body->setPlainText(all ? m_fullBody : preview);
    m_showAll->setVisible(cut || all);
    m_showAll->setText(all ? tr("Show first 4 KB") : tr("Show all (%1)").arg(sizeText(m_fullBody.toUtf8().size())));
    if (m_fullBody.isEmpty())
        m_bodyNote->setText(tr("empty"));
    else if (cut && !all)
        m_bodyNote->setText(tr("first 4 KB of %1").arg(sizeText(m_fullBody.toUtf8().size())));
    else
        m_bodyNote->setText(sizeText(m_fullBody.toUtf8().size()));
}

void StepEvidenceView::showPending(int index, const StepSpec *spec, bool running)
{
    QString title;
    if (spec)
        title = StepBadge::html(spec->kind) + QStringLiteral(" <b>%1</b>").arg((spec->title.isEmpty() ? CheckListModel::stepDescription(*spec) : spec->title).toHtmlEscaped());
    m_header->setText(tr("<b>Step %1</b> %2 · %3").arg(index + 1).arg(title, running ? tr("<i>running…</i>") : tr("<i>not run yet</i>")));
    QString what;
    if (spec) {
        what = spec->kind == StepSpec::Kind::Prompt ? spec->instructions : CheckListModel::stepDescription(*spec);
        if (!spec->instructions.isEmpty() && spec->kind != StepSpec::Kind::Prompt)
            what += QStringLiteral("\n") + spec->instructions;
    }
    m_summary->setText(what);
    m_summary->setVisible(!what.isEmpty());
    m_request->clear();
    m_request->hide();
    m_status->hide();
    m_matrix->setRowCount(0);
    m_matrix->hide();
    m_tabs->hide();
}

void StepEvidenceView::showMessage(const QString &text)
{
    m_header->setText(QStringLiteral("<span style='color:#666'>%1</span>").arg(text.toHtmlEscaped()));
    m_summary->hide();
    m_request->hide();
    m_status->hide();
    m_matrix->setRowCount(0);
    m_matrix->hide();
    m_tabs->hide();
}
