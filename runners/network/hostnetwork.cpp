#include "hostnetwork.h"

#include "commandqueue.h"

#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QtEndian>

#include <atomic>

#include <unistd.h>

Q_LOGGING_CATEGORY(lcNetwork, "halab.runners.network", QtWarningMsg)

namespace {
std::atomic<int> instances{0};

constexpr int CapNetAdmin = 12;
constexpr int CapSysAdmin = 21;

// CapEff / CapAmb line of /proc/self/status as a bit set.
quint64 capabilities(const QByteArray &field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines)
        if (line.startsWith(QByteArray(field + ':')))
            return line.mid(field.size() + 1).trimmed().toULongLong(nullptr, 16);
    return 0;
}

// False when a route of the root namespace (other than the default) overlaps 10.213.n.0/24:
// the hosts' subnet must not shadow a network the machine really uses.
bool subnetFree(int n)
{
    QFile routes(QStringLiteral("/proc/net/route"));
    if (!routes.open(QIODevice::ReadOnly))
        return true;
    const quint32 candidate = (10u << 24) | (213u << 16) | (quint32(n) << 8);
    const QList<QByteArray> lines = routes.readAll().split('\n');
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QList<QByteArray> f = lines.at(i).simplified().split(' ');
        if (f.size() < 8)
            continue;
        // /proc/net/route prints the network-order bytes read as a native integer.
        const quint32 d = qFromBigEndian<quint32>(f.at(1).toUInt(nullptr, 16));
        const quint32 m = qFromBigEndian<quint32>(f.at(7).toUInt(nullptr, 16));
        if (m == 0)
            continue;
        const quint32 common = m & 0xffffff00u;
        if ((candidate & common) == (d & common))
            return false;
    }
    return true;
}

bool namespaceExists(const QString &name)
{
    return QFileInfo::exists(HostNetwork::NamespaceDir + QLatin1Char('/') + name);
}

bool linkExists(const QString &name)
{
    return QFileInfo::exists(QStringLiteral("/sys/class/net/") + name);
}
} // namespace

HostNetwork::HostNetwork(const QString &ledgerDir, QObject *parent)
    : QObject(parent)
    , m_ledger(ledgerDir)
    , m_queue(new CommandQueue(this))
{
    const int k = instances++;
    const QString suffix = k == 0 ? QString() : QStringLiteral("x%1").arg(k);
    m_prefix = QStringLiteral("halab-%1%2").arg(::getpid()).arg(suffix);
    m_rootLink = QStringLiteral("halab%1%2").arg(::getpid()).arg(suffix);
}

HostNetwork::~HostNetwork()
{
    if (!m_up) {
        if (m_subnetOctet >= 0 && m_queue->isIdle())
            m_ledger.forgetIf([](const NetworkLedger::Entry &e) { return e.kind == NetworkLedger::Subnet; });
        return;
    }
    // No waiting in a destructor: start the removal and let the next start settle the ledger.
    QProcess::startDetached(CommandQueue::findProgram(QStringLiteral("ip")), {QStringLiteral("link"), QStringLiteral("del"), m_rootLink});
    QStringList names{switchNamespace()};
    for (const QString &h : std::as_const(m_hosts))
        names.append(namespaceName(h));
    for (const QString &n : std::as_const(names))
        QProcess::startDetached(CommandQueue::findProgram(QStringLiteral("ip")), {QStringLiteral("netns"), QStringLiteral("del"), n});
}

QString HostNetwork::missingRequirements()
{
    QStringList missing;
    const quint64 need = (quint64(1) << CapNetAdmin) | (quint64(1) << CapSysAdmin);
    const bool root = ::geteuid() == 0;
    const quint64 effective = capabilities("CapEff");
    const quint64 inherited = root ? effective : capabilities("CapAmb");
    if ((effective & need) != need || (inherited & need) != need)
        missing.append(QStringLiteral(
            "lab hosts are network namespaces: run the console as root (sudo), or with CAP_NET_ADMIN and "
            "CAP_SYS_ADMIN as ambient capabilities so that ip and iptables inherit them"));
    if (CommandQueue::findProgram(QStringLiteral("ip")).isEmpty())
        missing.append(QStringLiteral("`ip` is not installed (sudo apt-get install iproute2)"));
    if (CommandQueue::findProgram(QStringLiteral("iptables")).isEmpty())
        missing.append(QStringLiteral("`iptables` is not installed (sudo apt-get install iptables)"));
    return missing.join(QStringLiteral("; "));
}

QString HostNetwork::delayUnavailableReason(const QString &tcError)
{
    if (tcError.contains(QLatin1String("unknown"), Qt::CaseInsensitive) || tcError.contains(QLatin1String("netem")))
        return QStringLiteral("delay needs the kernel's netem queueing discipline (module sch_netem, "
                              "CONFIG_NET_SCH_NETEM), which this kernel does not have (tc: %1); use loss instead, "
                              "or a kernel with sch_netem (modprobe sch_netem)")
            .arg(tcError);
    return QStringLiteral("delay could not be set: %1").arg(tcError);
}

void HostNetwork::setPreferredSubnet(const QString &labId)
{
    // FNV-1a: the same octet in every process (qHash may be seeded).
    quint32 h = 2166136261u;
    for (const QChar c : labId) {
        h ^= c.unicode();
        h *= 16777619u;
    }
    m_preferredOctet = int(h % 256);
}

QString HostNetwork::consoleAddress() const
{
    return m_subnetOctet < 0 ? QString() : QStringLiteral("10.213.%1.1").arg(m_subnetOctet);
}

QString HostNetwork::subnet() const
{
    return m_subnetOctet < 0 ? QString() : QStringLiteral("10.213.%1.0/24").arg(m_subnetOctet);
}

QString HostNetwork::namespaceName(const QString &host) const
{
    return m_prefix + QLatin1Char('-') + host;
}

QString HostNetwork::namespacePath(const QString &host) const
{
    return NamespaceDir + QLatin1Char('/') + namespaceName(host);
}

QString HostNetwork::switchNamespace() const
{
    // A dot never appears in a host name, so the switch cannot collide with a host.
    return m_prefix + QStringLiteral(".switch");
}

QStringList HostNetwork::inNamespace(const QString &ns, const QStringList &argv) const
{
    return QStringList{QStringLiteral("ip"), QStringLiteral("netns"), QStringLiteral("exec"), ns} + argv;
}

bool HostNetwork::reserve(const QStringList &hosts, QString *error)
{
    if (m_subnetOctet >= 0)
        return hosts == m_hosts;
    m_subnetOctet = m_ledger.claimSubnet(&subnetFree, error, m_preferredOctet);
    if (m_subnetOctet < 0)
        return false;
    m_hosts = hosts;
    m_addresses.clear();
    for (qsizetype i = 0; i < hosts.size(); ++i)
        m_addresses.insert(hosts.at(i), QStringLiteral("10.213.%1.%2").arg(m_subnetOctet).arg(11 + i));
    return true;
}

void HostNetwork::up(const QStringList &hosts)
{
    using Command = CommandQueue::Command;
    auto fail = [this](const QString &error) {
        m_queue->enqueue({{}, [this, error](bool, const QString &) { Q_EMIT upFinished(false, error); }});
    };
    if (m_up)
        return fail(QStringLiteral("the lab's hosts are already up"));
    if (const QString missing = missingRequirements(); !missing.isEmpty())
        return fail(missing);
    if (m_subnetOctet >= 0 && hosts != m_hosts)
        return fail(QStringLiteral("the lab's hosts changed since their addresses were given out"));
    QString error;
    if (m_subnetOctet < 0 && !reserve(hosts, &error))
        return fail(error);

    const QString ip = QStringLiteral("ip");
    auto recordBefore = [this](const QString &kind, const QString &name) {
        return [this, kind, name](QString *err) {
            NetworkLedger::Entry e;
            e.kind = kind;
            e.name = name;
            return m_ledger.record(e, err);
        };
    };
    const QString sw = switchNamespace();
    QList<Command> commands;
    commands.append(Command{{ip, QStringLiteral("netns"), QStringLiteral("add"), sw}, recordBefore(NetworkLedger::Namespace, sw), {}, false});
    commands.append(Command{{ip, QStringLiteral("-n"), sw, QStringLiteral("link"), QStringLiteral("add"), QStringLiteral("br0"),
                             QStringLiteral("type"), QStringLiteral("bridge")}, {}, {}, false});
    commands.append(Command{{ip, QStringLiteral("-n"), sw, QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("br0"),
                             QStringLiteral("up")}, {}, {}, false});
    commands.append(Command{{ip, QStringLiteral("link"), QStringLiteral("add"), m_rootLink, QStringLiteral("type"), QStringLiteral("veth"),
                             QStringLiteral("peer"), QStringLiteral("name"), QStringLiteral("up0"), QStringLiteral("netns"), sw},
                            recordBefore(NetworkLedger::Link, m_rootLink), {}, false});
    commands.append(Command{{ip, QStringLiteral("-n"), sw, QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("up0"),
                             QStringLiteral("master"), QStringLiteral("br0"), QStringLiteral("up")}, {}, {}, false});
    commands.append(Command{{ip, QStringLiteral("addr"), QStringLiteral("add"), consoleAddress() + QStringLiteral("/24"),
                             QStringLiteral("dev"), m_rootLink}, {}, {}, false});
    commands.append(Command{{ip, QStringLiteral("link"), QStringLiteral("set"), m_rootLink, QStringLiteral("up")}, {}, {}, false});
    for (qsizetype i = 0; i < hosts.size(); ++i) {
        const QString ns = namespaceName(hosts.at(i));
        const QString port = QStringLiteral("v%1").arg(i);
        commands.append(Command{{ip, QStringLiteral("netns"), QStringLiteral("add"), ns}, recordBefore(NetworkLedger::Namespace, ns), {}, false});
        commands.append(Command{{ip, QStringLiteral("-n"), sw, QStringLiteral("link"), QStringLiteral("add"), port, QStringLiteral("type"),
                                 QStringLiteral("veth"), QStringLiteral("peer"), QStringLiteral("name"), HostInterface,
                                 QStringLiteral("netns"), ns}, {}, {}, false});
        commands.append(Command{{ip, QStringLiteral("-n"), sw, QStringLiteral("link"), QStringLiteral("set"), port, QStringLiteral("master"),
                                 QStringLiteral("br0"), QStringLiteral("up")}, {}, {}, false});
        commands.append(Command{{ip, QStringLiteral("-n"), ns, QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("lo"),
                                 QStringLiteral("up")}, {}, {}, false});
        commands.append(Command{{ip, QStringLiteral("-n"), ns, QStringLiteral("addr"), QStringLiteral("add"),
                                 m_addresses.value(hosts.at(i)) + QStringLiteral("/24"), QStringLiteral("dev"), HostInterface}, {}, {}, false});
        commands.append(Command{{ip, QStringLiteral("-n"), ns, QStringLiteral("link"), QStringLiteral("set"), HostInterface,
                                 QStringLiteral("up")}, {}, {}, false});
        // IPv6 link-local addresses would carry traffic around the IPv4 rules; hosts speak IPv4 only.
        commands.append(Command{inNamespace(ns, {QStringLiteral("sysctl"), QStringLiteral("-q"), QStringLiteral("-w"),
                                                 QStringLiteral("net.ipv6.conf.%1.disable_ipv6=1").arg(HostInterface)}),
                                {}, {}, true});
        const QString iptables = QStringLiteral("iptables");
        commands.append(Command{inNamespace(ns, {iptables, QStringLiteral("-w"), QStringLiteral("-N"), InputChain}), {}, {}, false});
        commands.append(Command{inNamespace(ns, {iptables, QStringLiteral("-w"), QStringLiteral("-A"), QStringLiteral("INPUT"),
                                                 QStringLiteral("-j"), InputChain}), {}, {}, false});
        commands.append(Command{inNamespace(ns, {iptables, QStringLiteral("-w"), QStringLiteral("-N"), OutputChain}), {}, {}, false});
        commands.append(Command{inNamespace(ns, {iptables, QStringLiteral("-w"), QStringLiteral("-A"), QStringLiteral("OUTPUT"),
                                                 QStringLiteral("-j"), OutputChain}), {}, {}, false});
    }
    m_queue->enqueue({commands, [this](bool ok, const QString &err) {
                          if (ok) {
                              m_up = true;
                              qCInfo(lcNetwork) << "hosts up on" << subnet() << m_hosts;
                              Q_EMIT upFinished(true, QString());
                              return;
                          }
                          // Half a network is worse than none: remove what was made, then report.
                          teardown([this, err](bool, const QString &) { Q_EMIT upFinished(false, err); });
                      }});
}

void HostNetwork::down()
{
    teardown([this](bool ok, const QString &error) { Q_EMIT downFinished(ok, error); });
}

void HostNetwork::teardown(const std::function<void(bool, const QString &)> &done)
{
    using Command = CommandQueue::Command;
    const QString ip = QStringLiteral("ip");
    QList<Command> commands;
    auto errors = std::make_shared<QStringList>();
    // The root end first: deleting it is immediate, a namespace's links go when the kernel gets to it.
    const QString link = m_rootLink;
    commands.append(Command{{ip, QStringLiteral("link"), QStringLiteral("del"), link}, {}, [this, link, errors](bool, const QString &) {
                                if (linkExists(link)) {
                                    errors->append(QStringLiteral("link %1 is still there").arg(link));
                                    return;
                                }
                                m_ledger.forgetIf([&link](const NetworkLedger::Entry &e) { return e.kind == NetworkLedger::Link && e.name == link; });
                            }, true});
    QStringList names;
    for (const QString &h : std::as_const(m_hosts))
        names.append(namespaceName(h));
    names.append(switchNamespace());
    for (const QString &ns : std::as_const(names)) {
        commands.append(Command{{ip, QStringLiteral("netns"), QStringLiteral("del"), ns}, {}, [this, ns, errors](bool, const QString &) {
                                    if (namespaceExists(ns)) {
                                        errors->append(QStringLiteral("namespace %1 is still there").arg(ns));
                                        return;
                                    }
                                    // Its rules and qdiscs went with it.
                                    m_ledger.forgetIf([&ns](const NetworkLedger::Entry &e) {
                                        return (e.kind == NetworkLedger::Namespace && e.name == ns) || e.netns == ns;
                                    });
                                }, true});
    }
    m_queue->enqueue({commands, [this, errors, done](bool, const QString &) {
                          // The subnet stays reserved: ${host} addresses were resolved into the stack.
                          m_up = false;
                          m_active.clear();
                          done(errors->isEmpty(), errors->join(QStringLiteral("; ")));
                      }});
}

void HostNetwork::apply(const NetworkFault &fault)
{
    using Command = CommandQueue::Command;
    const QString id = fault.id;
    auto fail = [this, id](const QString &error) {
        m_queue->enqueue({{}, [this, id, error](bool, const QString &) { Q_EMIT faultApplied(id, false, error); }});
    };
    if (!m_up)
        return fail(QStringLiteral("the lab's hosts are not up"));
    if (id.isEmpty() || m_active.contains(id))
        return fail(QStringLiteral("network fault needs a new id (got '%1')").arg(id));
    QString error;
    const QList<NetworkRule> rules = fault.rules(m_addresses, &error);
    if (!error.isEmpty())
        return fail(error);
    for (const QString &h : fault.delayedHosts())
        if (!m_addresses.contains(h))
            return fail(QStringLiteral("unknown host: %1").arg(h));

    QList<Command> commands;
    auto delayError = std::make_shared<QString>();
    for (const QString &h : fault.delayedHosts()) {
        const QString ns = namespaceName(h);
        NetworkLedger::Entry e;
        e.kind = NetworkLedger::Qdisc;
        e.name = HostInterface;
        e.netns = ns;
        e.fault = id;
        // tc's own message is the evidence of what the kernel lacks: keep it for the error.
        commands.append(Command{inNamespace(ns, {QStringLiteral("tc"), QStringLiteral("qdisc"), QStringLiteral("add"), QStringLiteral("dev"),
                                                 HostInterface, QStringLiteral("root"), QStringLiteral("netem"), QStringLiteral("delay"),
                                                 QStringLiteral("%1ms").arg(fault.delayMs)}),
                                [this, e](QString *err) { return m_ledger.record(e, err); },
                                [this, e](bool ok, const QString &) {
                                    if (!ok)
                                        m_ledger.forget(e);
                                },
                                false});
    }
    for (const NetworkRule &r : rules) {
        NetworkLedger::Entry e;
        e.kind = NetworkLedger::Rule;
        e.name = r.chain;
        e.netns = namespaceName(r.host);
        e.args = r.iptablesArgs(QStringLiteral("-A")).mid(2); // chain + match
        e.fault = id;
        commands.append(Command{inNamespace(e.netns, QStringList{QStringLiteral("iptables")} + r.iptablesArgs(QStringLiteral("-A"))),
                                [this, e](QString *err) { return m_ledger.record(e, err); },
                                [this, e](bool ok, const QString &) {
                                    if (!ok)
                                        m_ledger.forget(e);
                                },
                                false});
    }
    m_queue->enqueue({commands, [this, fault, id](bool ok, const QString &err) {
                          if (ok) {
                              m_active.insert(id, fault);
                              qCInfo(lcNetwork) << "applied" << fault.describe();
                              Q_EMIT faultApplied(id, true, QString());
                              return;
                          }
                          const QString why = err.contains(QLatin1String("qdisc kind")) || err.contains(QLatin1String("netem"))
                                                  ? delayUnavailableReason(err)
                                                  : err;
                          // Leave nothing half-applied: undo the rules of this fault that did go in.
                          m_queue->enqueue({{}, [this, id, why](bool, const QString &) { Q_EMIT faultApplied(id, false, why); },
                                            [this, id]() { return undoCommands(id, std::make_shared<QStringList>()); }});
                      }});
}

QList<CommandQueue::Command> HostNetwork::undoCommands(const QString &faultId, const std::shared_ptr<QStringList> &errors)
{
    using Command = CommandQueue::Command;
    QList<Command> commands;
    const QList<NetworkLedger::Entry> mine = m_ledger.entries();
    for (const NetworkLedger::Entry &e : mine) {
        if (faultId.isEmpty() ? e.fault.isEmpty() : e.fault != faultId)
            continue;
        QStringList argv;
        if (e.kind == NetworkLedger::Rule)
            argv = inNamespace(e.netns, QStringList{QStringLiteral("iptables"), QStringLiteral("-w"), QStringLiteral("-D")} + e.args);
        else if (e.kind == NetworkLedger::Qdisc)
            argv = inNamespace(e.netns, {QStringLiteral("tc"), QStringLiteral("qdisc"), QStringLiteral("del"), QStringLiteral("dev"), e.name,
                                         QStringLiteral("root")});
        else
            continue;
        commands.append(Command{argv, {}, [this, e, errors](bool ok, const QString &error) {
                                    if (!ok && namespaceExists(e.netns)) {
                                        errors->append(error);
                                        return;
                                    }
                                    m_ledger.forget(e);
                                }, true});
    }
    return commands;
}

void HostNetwork::undo(const QString &faultId)
{
    auto errors = std::make_shared<QStringList>();
    m_queue->enqueue({{}, [this, faultId, errors](bool, const QString &) {
                          if (errors->isEmpty())
                              m_active.remove(faultId);
                          Q_EMIT faultUndone(faultId, errors->isEmpty(), errors->join(QStringLiteral("; ")));
                      },
                      [this, faultId, errors]() { return faultId.isEmpty() ? QList<CommandQueue::Command>{} : undoCommands(faultId, errors); }});
}

void HostNetwork::heal()
{
    using Command = CommandQueue::Command;
    auto errors = std::make_shared<QStringList>();
    m_queue->enqueue({{}, [this, errors](bool, const QString &) {
                          if (errors->isEmpty())
                              m_active.clear();
                          Q_EMIT healed(errors->isEmpty(), errors->join(QStringLiteral("; ")));
                      },
                      [this, errors]() {
                          QList<Command> commands;
                          if (!m_up)
                              return commands;
                          // Flushing the console's own chains undoes every rule, even one the ledger missed.
                          for (const QString &h : std::as_const(m_hosts)) {
                              const QString ns = namespaceName(h);
                              for (const QString &chain : {InputChain, OutputChain})
                                  commands.append(Command{inNamespace(ns, {QStringLiteral("iptables"), QStringLiteral("-w"), QStringLiteral("-F"), chain}),
                                                          {}, [this, ns, chain, errors](bool ok, const QString &error) {
                                                              if (!ok) {
                                                                  errors->append(error);
                                                                  return;
                                                              }
                                                              m_ledger.forgetIf([&](const NetworkLedger::Entry &e) {
                                                                  return e.kind == NetworkLedger::Rule && e.netns == ns && e.name == chain;
                                                              });
                                                          }, true});
                          }
                          const QList<NetworkLedger::Entry> mine = m_ledger.entries();
                          for (const NetworkLedger::Entry &e : mine)
                              if (e.kind == NetworkLedger::Qdisc)
                                  commands.append(Command{inNamespace(e.netns, {QStringLiteral("tc"), QStringLiteral("qdisc"), QStringLiteral("del"),
                                                                                QStringLiteral("dev"), e.name, QStringLiteral("root")}),
                                                          {}, [this, e, errors](bool ok, const QString &error) {
                                                              if (!ok && namespaceExists(e.netns)) {
                                                                  errors->append(error);
                                                                  return;
                                                              }
                                                              m_ledger.forget(e);
                                                          }, true});
                          return commands;
                      }});
}
