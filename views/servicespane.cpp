#include "servicespane.h"

#include "servicemodel.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

ServicesPane::ServicesPane(ServiceModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_table(new QTableView(this))
    , m_uptimeTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("servicesPane"));
    auto *title = new QLabel(tr("<b>Services</b>"), this);
    m_table->setObjectName(QStringLiteral("servicesTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(title);
    layout->addWidget(m_table);

    // Uptime ticks with the clock, not with events: refresh that column once a second.
    m_uptimeTimer->setInterval(1000);
    connect(m_uptimeTimer, &QTimer::timeout, m_model, &ServiceModel::refreshUptime);
    m_uptimeTimer->start();
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this] { Q_EMIT serviceSelected(currentService()); });
}

QString ServicesPane::currentService() const
{
    return m_table->currentIndex().data(ServiceModel::NameRole).toString();
}
