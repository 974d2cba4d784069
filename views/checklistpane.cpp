#include "checklistpane.h"

#include "checklistmodel.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

CheckListPane::CheckListPane(CheckListModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_proxy(new QSortFilterProxyModel(this))
    , m_filter(new QLineEdit(this))
    , m_tree(new QTreeView(this))
{
    setObjectName(QStringLiteral("checkListPane"));
    auto *title = new QLabel(tr("<b>Checks</b>"), this);
    m_filter->setObjectName(QStringLiteral("checkFilter"));
    m_filter->setPlaceholderText(tr("Filter checks…"));
    m_filter->setClearButtonEnabled(true);

    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setRecursiveFilteringEnabled(true); // a matching step keeps its check visible
    m_proxy->setFilterKeyColumn(CheckListModel::TitleColumn);

    m_tree->setObjectName(QStringLiteral("checkTree"));
    m_tree->setModel(m_proxy);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setStretchLastSection(false);
    m_tree->header()->setSectionResizeMode(CheckListModel::TitleColumn, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(CheckListModel::ModeColumn, QHeaderView::ResizeToContents);
    m_tree->header()->setSectionResizeMode(CheckListModel::VerdictColumn, QHeaderView::ResizeToContents);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(title);
    layout->addWidget(m_filter);
    layout->addWidget(m_tree);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this, &CheckListPane::onCurrentChanged);
}

QString CheckListPane::currentCheckId() const
{
    return m_tree->currentIndex().data(CheckListModel::CheckIdRole).toString();
}

void CheckListPane::selectCheck(const QString &checkId)
{
    const QModelIndex source = m_model->indexOfCheck(checkId);
    const QModelIndex index = m_proxy->mapFromSource(source);
    if (index.isValid())
        m_tree->setCurrentIndex(index);
}

void CheckListPane::onCurrentChanged()
{
    Q_EMIT checkSelected(currentCheckId());
}
