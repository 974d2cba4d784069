#pragma once

#include "servicespec.h"
#include "servicestatus.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>

// The services of the stack under test, one row each, with what is known of their state right now.
class ServiceModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { NameColumn, StateColumn, HealthColumn, RoleColumn, PidColumn, UptimeColumn, ColumnCount };
    Q_ENUM(Column)

    enum Roles {
        NameRole = Qt::UserRole + 1, // QString
        StateRole,                   // int of ServiceStatus::State
        HealthRole,                  // int of ServiceStatus::Health
        RoleRole,                    // QString: "leader", "replica", ... or empty
        PidRole,                     // qint64: 0 when not known
        IsLeaderRole,                // bool
        ContainerRole,               // QString: compose container, or empty
        TasksRole,                   // QStringList: swarm tasks, "api1.1 on node-a: running (9285bb1cf256)"
        ReplicasRole,                // QString: swarm "running/desired", or empty
    };
    Q_ENUM(Roles)

    using Clock = std::function<QDateTime()>;

    explicit ServiceModel(QObject *parent = nullptr);

    // Resets the rows; statuses of services that keep their name are kept (a lab reload mid-run).
    void setStack(const StackSpec &stack);
    const StackSpec &stack() const { return m_stack; }

    void setStatus(const QString &name, const ServiceStatus &status);
    void setStatuses(const QHash<QString, ServiceStatus> &statuses);
    ServiceStatus status(const QString &name) const;
    QString leader() const;

    // Re-announces the uptime column of running services; call it from a 1 s timer.
    void refreshUptime();

    QModelIndex indexOfService(const QString &name, int column = NameColumn) const;

    // For tests and replays: where "now" comes from (default: the system clock).
    void setClock(Clock clock);

    // "42s", "1m 05s", "2h 03m", "3d 04h".
    static QString formatUptime(qint64 seconds);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QHash<int, QByteArray> roleNames() const override;

signals:
    void leaderChanged(const QString &leader);

private:
    int rowOf(const QString &name) const;
    QString uptimeText(const ServiceStatus &s) const;
    void announceLeader(const QString &before);

    StackSpec m_stack;
    QList<ServiceStatus> m_statuses; // parallel to m_stack.services
    Clock m_clock;
};
