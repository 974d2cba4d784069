#include "readinesspane.h"

#include "metricformat.h"
#include "readinessevaluator.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {
enum Column { NameColumn, StatusColumn, ReasonColumn };
constexpr int RunIdRole = Qt::UserRole + 1;
constexpr int CheckIdRole = Qt::UserRole + 2;

QColor statusColour(ReadinessResult::Status s)
{
    switch (s) {
    case ReadinessResult::Status::Ok: return QColor(0x2e, 0x7d, 0x32);
    case ReadinessResult::Status::Fail: return QColor(0xc6, 0x28, 0x28);
    case ReadinessResult::Status::Deferred: return QColor(0xef, 0x6c, 0x00);
    case ReadinessResult::Status::Stale: return QColor(0x6a, 0x1b, 0x9a);
    case ReadinessResult::Status::Missing: return QColor(0x54, 0x6e, 0x7a);
    }
    return {};
}
} // namespace

ReadinessPane::ReadinessPane(QWidget *parent)
    : QWidget(parent)
    , m_verdict(new QLabel(this))
    , m_tree(new QTreeWidget(this))
{
    setObjectName(QStringLiteral("readinessPane"));
    m_verdict->setObjectName(QStringLiteral("readinessVerdict"));
    m_verdict->setTextFormat(Qt::RichText);
    m_verdict->setWordWrap(true);
    m_tree->setObjectName(QStringLiteral("readinessTree"));
    m_tree->setColumnCount(3);
    m_tree->setHeaderLabels({tr("Level / criterion"), tr("Status"), tr("Reason")});
    m_tree->setAlternatingRowColors(true);
    m_tree->setWordWrap(true);
    m_tree->header()->setSectionResizeMode(NameColumn, QHeaderView::Interactive);
    m_tree->header()->setSectionResizeMode(StatusColumn, QHeaderView::ResizeToContents);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setColumnWidth(NameColumn, 460);
    auto *hint = new QLabel(tr("Double-click a criterion to open the run its evidence comes from."), this);
    hint->setStyleSheet(QStringLiteral("color:#666"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_verdict);
    layout->addWidget(m_tree, 1);
    layout->addWidget(hint);
    connect(m_tree, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem *item) {
        const QString run = item->data(NameColumn, RunIdRole).toString();
        if (!run.isEmpty())
            Q_EMIT runRequested(run, item->data(NameColumn, CheckIdRole).toString());
    });
    showResults({}, {});
}

void ReadinessPane::showResults(const QString &labName, const QList<ReadinessResult> &results)
{
    m_results = results;
    m_tree->clear();
    if (results.isEmpty()) {
        m_verdict->setText(labName.isEmpty() ? tr("<i>Open a lab to see its readiness levels.</i>")
                                             : tr("<b>%1</b> defines no readiness levels.").arg(labName.toHtmlEscaped()));
        return;
    }
    const QString highest = ReadinessEvaluator::verdict(results);
    m_verdict->setText(highest.isEmpty() ? tr("<b>%1</b>: no level is ready yet.").arg(labName.toHtmlEscaped())
                                         : tr("<b>%1</b>: highest level ready — <b style='color:#2e7d32'>%2</b>").arg(labName.toHtmlEscaped(), highest.toHtmlEscaped()));
    QFont bold = m_tree->font();
    bold.setBold(true);
    for (const ReadinessResult &level : results) {
        auto *top = new QTreeWidgetItem(m_tree);
        QString name = level.name;
        if (level.windowMs > 0)
            name += tr("  (evidence within %1)").arg(MetricFormat::span(level.windowMs));
        top->setText(NameColumn, name);
        top->setToolTip(NameColumn, level.description);
        top->setText(StatusColumn, level.ready ? tr("READY ✓") : tr("NOT YET ✗"));
        top->setForeground(StatusColumn, level.ready ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28));
        top->setFont(NameColumn, bold);
        top->setFont(StatusColumn, bold);
        int ok = 0;
        for (const ReadinessResult::Criterion &c : level.criteria) {
            ok += c.status == ReadinessResult::Status::Ok ? 1 : 0;
            auto *child = new QTreeWidgetItem(top);
            child->setText(NameColumn, c.text);
            child->setText(StatusColumn, ReadinessResult::statusText(c.status));
            child->setForeground(StatusColumn, statusColour(c.status));
            child->setFont(StatusColumn, bold);
            child->setText(ReasonColumn, c.reason);
            child->setToolTip(ReasonColumn, c.reason);
            child->setData(NameColumn, RunIdRole, c.runId);
            child->setData(NameColumn, CheckIdRole, c.checkId);
        }
        top->setText(ReasonColumn, level.ready ? level.description : tr("%1 of %2 criteria met").arg(ok).arg(level.criteria.size()));
    }
    m_tree->expandAll();
}
