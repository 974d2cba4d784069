#pragma once

#include "commandqueue.h"
#include "networkfault.h"
#include "networkledger.h"

#include <QLoggingCategory>
#include <QMap>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>


Q_DECLARE_LOGGING_CATEGORY(lcNetwork)

// The lab's hosts for the processes backend: one network namespace per host, each with its own
// loopback and one address on a console-owned switch (a bridge in a namespace of its own, joined
// to the root namespace by one veth pair), so services bind the same port on different hosts and
// the console reaches every host. Network faults are iptables rules in the hosts' own chains.
// Everything is written to the NetworkLedger before it is made. Every operation is asynchronous
// (QProcess) and reports once by signal; operations run in the order they were asked for.
class HostNetwork : public QObject
{
    Q_OBJECT

public:
    static inline const QString InputChain = QStringLiteral("HALAB-IN");
    static inline const QString OutputChain = QStringLiteral("HALAB-OUT");
    static inline const QString HostInterface = QStringLiteral("eth0");
    static inline const QString NamespaceDir = QStringLiteral("/run/netns");

    explicit HostNetwork(const QString &ledgerDir = NetworkLedger::defaultDir(), QObject *parent = nullptr);
    // Still up: removes the namespaces without waiting (the ledger entries go at the next start);
    // down: releases the subnet (kept across down() and up(), as ${host} was resolved with it).
    ~HostNetwork() override;

    // Empty when this process may create namespaces and the tools exist; otherwise what is
    // missing and how to get it.
    static QString missingRequirements();
    // Empty when the kernel has the netem qdisc (delay); otherwise what is missing.
    static QString delayUnavailableReason(const QString &tcError);

    // Claims the subnet and gives each host its address now (synchronously, a ledger write), so
    // ${host} can be resolved before the namespaces exist. up() reserves by itself if needed.
    bool reserve(const QStringList &hosts, QString *error = nullptr);
    // The same lab gets the same addresses run after run (unless another console holds them):
    // members that keep data (etcd's member list) find their peers where they left them.
    void setPreferredSubnet(const QString &labId);
    void up(const QStringList &hosts);
    void up() { up(m_hosts); }
    void down();
    void apply(const NetworkFault &fault);
    void undo(const QString &faultId);
    void heal(); // every fault undone

    bool isUp() const { return m_up; }
    QStringList hosts() const { return m_hosts; }
    QString address(const QString &host) const { return m_addresses.value(host); }
    QMap<QString, QString> addresses() const { return m_addresses; }
    QString consoleAddress() const;
    QString subnet() const; // 10.213.n.0/24
    QString namespaceName(const QString &host) const;
    QString namespacePath(const QString &host) const; // for setns()
    QString switchNamespace() const;
    QString rootLink() const { return m_rootLink; }
    // Name prefix of everything this instance makes (halab-<pid>[x<k>]).
    QString prefix() const { return m_prefix; }
    QList<NetworkFault> activeFaults() const { return m_active.values(); }
    QString ledgerDir() const { return m_ledger.dir(); }

Q_SIGNALS:
    void upFinished(bool ok, const QString &error);
    void downFinished(bool ok, const QString &error);
    void faultApplied(const QString &faultId, bool ok, const QString &error);
    void faultUndone(const QString &faultId, bool ok, const QString &error);
    void healed(bool ok, const QString &error);

private:
    QStringList inNamespace(const QString &ns, const QStringList &argv) const;
    QList<CommandQueue::Command> undoCommands(const QString &faultId, const std::shared_ptr<QStringList> &errors);
    void teardown(const std::function<void(bool ok, const QString &error)> &done);

    NetworkLedger m_ledger;
    CommandQueue *m_queue = nullptr;
    QString m_prefix;
    QString m_rootLink;
    int m_subnetOctet = -1;
    int m_preferredOctet = -1;
    QStringList m_hosts;
    QMap<QString, QString> m_addresses;
    QMap<QString, NetworkFault> m_active;
    bool m_up = false;
};
