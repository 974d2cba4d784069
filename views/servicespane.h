#pragma once

#include <QWidget>

class ServiceModel;
class QTableView;
class QTimer;

// The stack's services: state, health, role, pid and uptime.
class ServicesPane : public QWidget
{
    Q_OBJECT

public:
    explicit ServicesPane(ServiceModel *model, QWidget *parent = nullptr);

    QString currentService() const;

Q_SIGNALS:
    void serviceSelected(const QString &name);

private:
    ServiceModel *m_model;
    QTableView *m_table;
    QTimer *m_uptimeTimer;
};
