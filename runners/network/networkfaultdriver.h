#pragma once

#include "networkfault.h"
#include "networkstepspec.h"
#include "servicespec.h"

#include <QElapsedTimer>
#include <QHash>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QString>

#include <functional>

class HostNetwork;
class StackBackend;
struct ServiceStatus;

// Runs a check's network steps on the lab's hosts and measures what they did to the roles:
// partition_ms (time the network was split), new_leader_ms (a split that leaves the leader on
// the smaller side -> a member of the other side leads), step_down_ms (-> the cut-off leader
// stops claiming the role), converge_ms (heal -> the last time exactly one member leads again). Every fault goes
// through HostNetwork (ledger before apply); healAll() undoes them at check end and on abort.
class NetworkFaultDriver : public QObject
{
    Q_OBJECT

public:
    NetworkFaultDriver(HostNetwork *network, StackBackend *backend, const StackSpec &stack, QObject *parent = nullptr);

    // serviceForRole("leader"): the service that holds that role now (empty: none).
    void run(const NetworkStepSpec &step, const std::function<QString(const QString &)> &serviceForRole);
    void healAll();
    bool hasActiveFaults() const { return !m_active.isEmpty(); }
    // Metrics measured so far (only those that happened).
    QMap<QString, double> metrics() const;

Q_SIGNALS:
    // For the run's events: the fault lane shows `detail` (the groups).
    void faultEvent(const QString &service, const QString &action, const QString &detail);
    void stepDone(bool ok, const QString &summary);
    void healedAll(bool ok, const QString &error);

private:
    void onStatuses();
    QString servicesOn(const QString &host) const;
    QStringList leaders() const;
    void closePartition(qint64 nowNs);

    QPointer<HostNetwork> m_network;
    QPointer<StackBackend> m_backend;
    StackSpec m_stack;
    QStringList m_active; // fault ids of this check
    int m_counter = 0;
    bool m_busy = false;

    QElapsedTimer m_clock;
    qint64 m_splitSinceNs = -1; // a partition is in effect since
    double m_partitionMs = 0;
    bool m_partitioned = false;
    // The leader cut off to the smaller side, and the hosts of the other side.
    QString m_cutLeader;
    QStringList m_otherSide;
    qint64 m_cutNs = -1;
    double m_newLeaderMs = -1;
    double m_stepDownMs = -1;
    qint64 m_healNs = -1;
    double m_convergeMs = -1;
    int m_leadersAfterHeal = -1; // leaders seen at the last observation after the heal
};
