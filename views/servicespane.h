#pragma once

#include <QWidget>

class ServiceModel;
class QPushButton;
class QTableView;
class QTimer;

// The stack's services: state, health, role, pid and uptime.
class ServicesPane : public QWidget
{
    Q_OBJECT

public:
    explicit ServicesPane(ServiceModel *model, QWidget *parent = nullptr);

    QString currentService() const;
    // Action buttons work only while a stack is driven by this console.
    void setActionsEnabled(bool enabled);

Q_SIGNALS:
    void serviceSelected(const QString &name);
    // action: "start", "stop", "kill", "pause", "resume" or "restart"
    void actionRequested(const QString &service, const QString &action);

private:
    void updateButtons();

    ServiceModel *m_model;
    QTableView *m_table;
    QTimer *m_uptimeTimer;
    QList<QPushButton *> m_buttons;
    bool m_actionsEnabled = false;
};
