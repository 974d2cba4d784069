#pragma once

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

// One iptables rule in a host's namespace: appended to `chain` with `match`.
struct NetworkRule
{
    QString host;
    QString chain;     // HostNetwork::InputChain or OutputChain
    QStringList match; // e.g. -s 10.213.4.12 -j DROP

    // iptables arguments with op "-A" (append) / "-D" (delete) / "-C" (check).
    QStringList iptablesArgs(const QString &op) const;
    bool operator==(const NetworkRule &o) const { return host == o.host && chain == o.chain && match == o.match; }
};

// A network fault between lab hosts, already resolved to host names.
struct NetworkFault
{
    enum class Kind {
        Partition, // no traffic between any two groups, both ways
        OneWay,    // packets from `from` to `to` are dropped; the other way passes
        Link,      // `loss` (0..1) and/or `delayMs` on the link between `between`, or on `hosts`' own links
    };

    Kind kind = Kind::Partition;
    QString id;
    QList<QStringList> groups; // partition
    QStringList from;          // one-way
    QStringList to;
    QStringList between;       // link: exactly two hosts ...
    QStringList hosts;         // ... or each of these hosts' whole link
    double loss = 0;           // fraction of packets dropped, 0..1
    qint64 delayMs = 0;        // needs the netem qdisc

    // The iptables rules that make this fault, given each host's address. Hosts not in
    // `addresses` are reported in *error.
    QList<NetworkRule> rules(const QMap<QString, QString> &addresses, QString *error = nullptr) const;
    // Hosts whose link gets a netem qdisc (delay).
    QStringList delayedHosts() const;
    // "partition [n1] | [n2 n3]": for events and the ledger.
    QString describe() const;
};
