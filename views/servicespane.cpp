#include "servicespane.h"

#include "servicemodel.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
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

    // One button per fault/recovery action on the selected service.
    auto *buttons = new QHBoxLayout;
    const QList<QPair<QString, QString>> actions = {
        {QStringLiteral("start"), tr("Start")},   {QStringLiteral("stop"), tr("Stop")},
        {QStringLiteral("kill"), tr("Kill")},     {QStringLiteral("pause"), tr("Pause")},
        {QStringLiteral("resume"), tr("Resume")}, {QStringLiteral("restart"), tr("Restart")}};
    for (const auto &[action, label] : actions) {
        auto *button = new QPushButton(label, this);
        button->setObjectName(QStringLiteral("service_") + action);
        button->setToolTip(tr("%1 the selected service").arg(label));
        connect(button, &QPushButton::clicked, this, [this, action = action] {
            const QString service = currentService();
            if (!service.isEmpty())
                Q_EMIT actionRequested(service, action);
        });
        buttons->addWidget(button);
        m_buttons.append(button);
    }
    buttons->addStretch(1);
    layout->addLayout(buttons);

    // Uptime ticks with the clock, not with events: refresh that column once a second.
    m_uptimeTimer->setInterval(1000);
    connect(m_uptimeTimer, &QTimer::timeout, m_model, &ServiceModel::refreshUptime);
    m_uptimeTimer->start();
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        updateButtons();
        Q_EMIT serviceSelected(currentService());
    });
    connect(m_model, &QAbstractItemModel::dataChanged, this, &ServicesPane::updateButtons);
    connect(m_model, &QAbstractItemModel::modelReset, this, &ServicesPane::updateButtons);
    updateButtons();
}

void ServicesPane::setActionsEnabled(bool enabled)
{
    m_actionsEnabled = enabled;
    updateButtons();
}

void ServicesPane::updateButtons()
{
    const QString service = currentService();
    const auto state = ServiceStatus::State(m_table->currentIndex().data(ServiceModel::StateRole).toInt());
    const bool running = state == ServiceStatus::State::Running || state == ServiceStatus::State::Starting;
    const bool on = m_actionsEnabled && !service.isEmpty();
    for (QPushButton *b : std::as_const(m_buttons)) {
        const QString action = b->objectName().mid(8);
        bool fits = true;
        if (action == QLatin1String("start"))
            fits = !running && state != ServiceStatus::State::Paused;
        else if (action == QLatin1String("resume"))
            fits = state == ServiceStatus::State::Paused;
        else if (action == QLatin1String("pause") || action == QLatin1String("stop") || action == QLatin1String("kill"))
            fits = running || (action != QLatin1String("pause") && state == ServiceStatus::State::Paused);
        b->setEnabled(on && fits);
    }
}

QString ServicesPane::currentService() const
{
    return m_table->currentIndex().data(ServiceModel::NameRole).toString();
}
