#include "networkcleaner.h"

#include "hostnetwork.h"
#include "processtree.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

#include <memory>

namespace {
// The pid in a name made by HostNetwork, or 0 when the name is not one of ours.
qint64 consolePidOf(const QString &name, const QRegularExpression &pattern)
{
    const QRegularExpressionMatch m = pattern.match(name);
    return m.hasMatch() ? m.captured(1).toLongLong() : 0;
}

QStringList orphans(const QString &dir, const QRegularExpression &pattern)
{
    QStringList out;
    const QStringList names = QDir(dir).entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot);
    for (const QString &n : names) {
        const qint64 pid = consolePidOf(n, pattern);
        if (pid > 0 && ProcessTree::startTime(pid) == 0)
            out.append(n);
    }
    return out;
}
} // namespace

NetworkCleaner::NetworkCleaner(const QString &ledgerDir, QObject *parent)
    : QObject(parent)
    , m_dir(ledgerDir)
    , m_queue(new CommandQueue(this))
{
}

QStringList NetworkCleaner::orphanNamespaces()
{
    static const QRegularExpression pattern(QStringLiteral("^halab-(\\d+)(x\\d+)?[-.]"));
    return orphans(HostNetwork::NamespaceDir, pattern);
}

QStringList NetworkCleaner::orphanLinks()
{
    static const QRegularExpression pattern(QStringLiteral("^halab(\\d+)(x\\d+)?$"));
    return orphans(QStringLiteral("/sys/class/net"), pattern);
}

QList<NetworkLedger::Entry> NetworkCleaner::work() const
{
    QList<NetworkLedger::Entry> entries = NetworkLedger::leftovers(m_dir);
    auto known = [&entries](const QString &kind, const QString &name) {
        for (const NetworkLedger::Entry &e : std::as_const(entries))
            if (e.kind == kind && e.name == name)
                return true;
        return false;
    };
    // Without privilege nothing could be removed: the ledger keeps its entries for a console that can.
    if (!HostNetwork::missingRequirements().isEmpty())
        return {};
    if (!m_includeUnrecorded)
        return entries;
    for (const QString &ns : orphanNamespaces())
        if (!known(NetworkLedger::Namespace, ns))
            entries.append(NetworkLedger::Entry{NetworkLedger::Namespace, ns, {}, {}, {}, 0, 0});
    for (const QString &link : orphanLinks())
        if (!known(NetworkLedger::Link, link))
            entries.append(NetworkLedger::Entry{NetworkLedger::Link, link, {}, {}, {}, 0, 0});
    return entries;
}

QStringList NetworkCleaner::plan() const
{
    QStringList out;
    const QList<NetworkLedger::Entry> entries = work();
    for (const NetworkLedger::Entry &e : entries) {
        if (e.kind == NetworkLedger::Rule)
            out.append(QStringLiteral("rule in %1: %2").arg(e.netns, e.args.join(QLatin1Char(' '))));
        else if (e.kind == NetworkLedger::Qdisc)
            out.append(QStringLiteral("qdisc on %1 in %2").arg(e.name, e.netns));
        else if (e.kind != NetworkLedger::Subnet)
            out.append(QStringLiteral("%1 %2").arg(e.kind, e.name));
    }
    return out;
}

void NetworkCleaner::start()
{
    using Command = CommandQueue::Command;
    const QList<NetworkLedger::Entry> entries = work();
    auto removed = std::make_shared<int>(0);
    auto errors = std::make_shared<QStringList>();
    auto settled = std::make_shared<QList<NetworkLedger::Entry>>();
    QList<Command> commands;
    const QString ip = QStringLiteral("ip");
    auto nsExists = [](const QString &ns) { return QFileInfo::exists(HostNetwork::NamespaceDir + QLatin1Char('/') + ns); };
    auto linkExists = [](const QString &l) { return QFileInfo::exists(QStringLiteral("/sys/class/net/") + l); };
    // Rules and qdiscs of a namespace that is still there go first (it might not be removable).
    for (const NetworkLedger::Entry &e : entries) {
        if (e.kind != NetworkLedger::Rule && e.kind != NetworkLedger::Qdisc)
            continue;
        if (!nsExists(e.netns)) {
            settled->append(e);
            continue;
        }
        const QStringList argv = e.kind == NetworkLedger::Rule
                                     ? QStringList{ip, QStringLiteral("netns"), QStringLiteral("exec"), e.netns, QStringLiteral("iptables"),
                                                   QStringLiteral("-w"), QStringLiteral("-D")} + e.args
                                     : QStringList{ip, QStringLiteral("netns"), QStringLiteral("exec"), e.netns, QStringLiteral("tc"),
                                                   QStringLiteral("qdisc"), QStringLiteral("del"), QStringLiteral("dev"), e.name,
                                                   QStringLiteral("root")};
        // A rule that is already gone makes -D fail: that is settled too.
        commands.append(Command{argv, {}, [e, settled, removed](bool ok, const QString &) {
                                    if (ok)
                                        ++*removed;
                                    settled->append(e);
                                }, true});
    }
    for (const NetworkLedger::Entry &e : entries) {
        if (e.kind != NetworkLedger::Link)
            continue;
        if (!linkExists(e.name)) {
            settled->append(e);
            continue;
        }
        commands.append(Command{{ip, QStringLiteral("link"), QStringLiteral("del"), e.name}, {},
                                [e, settled, removed, errors, linkExists](bool, const QString &error) {
                                    if (linkExists(e.name)) {
                                        errors->append(error);
                                        return;
                                    }
                                    ++*removed;
                                    settled->append(e);
                                }, true});
    }
    for (const NetworkLedger::Entry &e : entries) {
        if (e.kind != NetworkLedger::Namespace)
            continue;
        if (!nsExists(e.name)) {
            settled->append(e);
            continue;
        }
        commands.append(Command{{ip, QStringLiteral("netns"), QStringLiteral("del"), e.name}, {},
                                [e, settled, removed, errors, nsExists](bool, const QString &error) {
                                    if (nsExists(e.name)) {
                                        errors->append(error);
                                        return;
                                    }
                                    ++*removed;
                                    settled->append(e);
                                }, true});
    }
    for (const NetworkLedger::Entry &e : entries)
        if (e.kind == NetworkLedger::Subnet)
            settled->append(e);
    const QString dir = m_dir;
    m_queue->enqueue({commands, [this, dir, removed, errors, settled](bool, const QString &) {
                          QString error;
                          if (!settled->isEmpty() && !NetworkLedger::drop(dir, *settled, &error))
                              errors->append(error);
                          Q_EMIT finished(*removed, errors->join(QStringLiteral("; ")));
                      }});
}
