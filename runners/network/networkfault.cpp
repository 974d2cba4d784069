#include "networkfault.h"

#include "hostnetwork.h"

QStringList NetworkRule::iptablesArgs(const QString &op) const
{
    return QStringList{QStringLiteral("-w"), op, chain} + match;
}

namespace {
// The statistic match keeps up to 10 decimals; three are plenty for a lab's "30%".
QString probabilityText(double p)
{
    return QString::number(p, 'f', 3);
}

QStringList lossMatch(double loss)
{
    if (loss <= 0)
        return {};
    return {QStringLiteral("-m"), QStringLiteral("statistic"), QStringLiteral("--mode"), QStringLiteral("random"),
            QStringLiteral("--probability"), probabilityText(loss)};
}

QString hostList(const QStringList &hosts)
{
    return QLatin1Char('[') + hosts.join(QLatin1Char(' ')) + QLatin1Char(']');
}
} // namespace

QList<NetworkRule> NetworkFault::rules(const QMap<QString, QString> &addresses, QString *error) const
{
    QStringList unknown;
    auto addressOf = [&](const QString &host) {
        const QString a = addresses.value(host);
        if (a.isEmpty() && !unknown.contains(host))
            unknown.append(host);
        return a;
    };
    const QString drop = QStringLiteral("DROP");
    QList<NetworkRule> out;
    // Receiver drops by source: one rule per direction, console traffic (its own address) passes.
    auto dropFrom = [&](const QString &receiver, const QString &sender, const QStringList &extra) {
        const QString receiverAddress = addressOf(receiver);
        const QString senderAddress = addressOf(sender);
        if (receiverAddress.isEmpty() || senderAddress.isEmpty() || receiver == sender)
            return;
        NetworkRule r{receiver, HostNetwork::InputChain, QStringList{QStringLiteral("-s"), senderAddress} + extra
                                                             + QStringList{QStringLiteral("-j"), drop}};
        if (!out.contains(r))
            out.append(r);
    };

    switch (kind) {
    case Kind::Partition:
        for (qsizetype i = 0; i < groups.size(); ++i)
            for (qsizetype j = 0; j < groups.size(); ++j)
                if (i != j)
                    for (const QString &a : groups.at(i))
                        for (const QString &b : groups.at(j))
                            dropFrom(a, b, {});
        break;
    case Kind::OneWay:
        for (const QString &receiver : to)
            for (const QString &sender : from)
                dropFrom(receiver, sender, {});
        break;
    case Kind::Link:
        if (loss > 0 && between.size() == 2) {
            dropFrom(between.at(0), between.at(1), lossMatch(loss));
            dropFrom(between.at(1), between.at(0), lossMatch(loss));
        }
        if (loss > 0)
            for (const QString &h : hosts) {
                if (addressOf(h).isEmpty())
                    continue;
                // Both directions of the host's own link, the console's traffic included: a flaky NIC.
                out.append(NetworkRule{h, HostNetwork::InputChain,
                                       QStringList{QStringLiteral("-i"), HostNetwork::HostInterface} + lossMatch(loss)
                                           + QStringList{QStringLiteral("-j"), drop}});
                out.append(NetworkRule{h, HostNetwork::OutputChain,
                                       QStringList{QStringLiteral("-o"), HostNetwork::HostInterface} + lossMatch(loss)
                                           + QStringList{QStringLiteral("-j"), drop}});
            }
        break;
    }
    if (error)
        *error = unknown.isEmpty() ? QString() : QStringLiteral("unknown host(s): %1").arg(unknown.join(QStringLiteral(", ")));
    return out;
}

QStringList NetworkFault::delayedHosts() const
{
    if (kind != Kind::Link || delayMs <= 0)
        return {};
    return hosts;
}

QString NetworkFault::describe() const
{
    switch (kind) {
    case Kind::Partition: {
        QStringList parts;
        for (const QStringList &g : groups)
            parts.append(hostList(g));
        return QStringLiteral("partition %1").arg(parts.join(QStringLiteral(" | ")));
    }
    case Kind::OneWay:
        return QStringLiteral("partition from %1 to %2").arg(hostList(from), hostList(to));
    case Kind::Link: {
        QStringList what;
        if (loss > 0)
            what.append(QStringLiteral("loss %1%").arg(QString::number(loss * 100, 'g', 4)));
        if (delayMs > 0)
            what.append(QStringLiteral("delay %1 ms").arg(delayMs));
        const QString where = between.size() == 2 ? QStringLiteral("between %1 and %2").arg(between.at(0), between.at(1))
                                                  : QStringLiteral("on %1").arg(hostList(hosts));
        return QStringLiteral("link %1 %2").arg(where, what.join(QStringLiteral(", ")));
    }
    }
    return {};
}
