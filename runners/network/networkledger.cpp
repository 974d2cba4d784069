#include "networkledger.h"

#include "processtree.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QSaveFile>
#include <QStandardPaths>

#include <unistd.h>

namespace {
QJsonObject toJson(const NetworkLedger::Entry &e)
{
    QJsonObject o;
    o.insert(QStringLiteral("kind"), e.kind);
    o.insert(QStringLiteral("name"), e.name);
    if (!e.netns.isEmpty())
        o.insert(QStringLiteral("netns"), e.netns);
    if (!e.args.isEmpty())
        o.insert(QStringLiteral("args"), QJsonArray::fromStringList(e.args));
    if (!e.fault.isEmpty())
        o.insert(QStringLiteral("fault"), e.fault);
    o.insert(QStringLiteral("consolePid"), e.consolePid);
    o.insert(QStringLiteral("consoleStartTime"), static_cast<qint64>(e.consoleStartTime));
    return o;
}

NetworkLedger::Entry fromJson(const QJsonObject &o)
{
    NetworkLedger::Entry e;
    e.kind = o.value(QStringLiteral("kind")).toString();
    e.name = o.value(QStringLiteral("name")).toString();
    e.netns = o.value(QStringLiteral("netns")).toString();
    const QJsonArray args = o.value(QStringLiteral("args")).toArray();
    for (const QJsonValue &a : args)
        e.args.append(a.toString());
    e.fault = o.value(QStringLiteral("fault")).toString();
    e.consolePid = o.value(QStringLiteral("consolePid")).toInteger();
    e.consoleStartTime = static_cast<quint64>(o.value(QStringLiteral("consoleStartTime")).toInteger());
    return e;
}

bool consoleAlive(const NetworkLedger::Entry &e)
{
    return ProcessTree::isAlive(e.consolePid, e.consoleStartTime);
}
} // namespace

NetworkLedger::NetworkLedger(const QString &dir)
    : m_dir(dir)
    , m_consolePid(::getpid())
    , m_consoleStartTime(ProcessTree::startTime(::getpid()))
{
}

QString NetworkLedger::defaultDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/ledger");
}

QString NetworkLedger::filePath(const QString &dir)
{
    return dir + QStringLiteral("/network.json");
}

QList<NetworkLedger::Entry> NetworkLedger::read(const QString &dir)
{
    QList<Entry> result;
    QFile file(filePath(dir));
    if (!file.open(QIODevice::ReadOnly))
        return result;
    const QJsonArray array = QJsonDocument::fromJson(file.readAll()).object().value(QStringLiteral("entries")).toArray();
    for (const QJsonValue &v : array)
        result.append(fromJson(v.toObject()));
    return result;
}

bool NetworkLedger::write(const QString &dir, const QList<Entry> &entries, QString *error)
{
    QJsonArray array;
    for (const Entry &e : entries)
        array.append(toJson(e));
    QJsonObject root;
    root.insert(QStringLiteral("version"), 1);
    root.insert(QStringLiteral("entries"), array);
    // QSaveFile: a crash mid-write leaves the previous ledger, never a torn one.
    QSaveFile file(filePath(dir));
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = QStringLiteral("network ledger %1: %2").arg(filePath(dir), file.errorString());
        return false;
    }
    file.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        if (error)
            *error = QStringLiteral("network ledger %1: %2").arg(filePath(dir), file.errorString());
        return false;
    }
    return true;
}

bool NetworkLedger::updateFile(const QString &dir, const std::function<bool(QList<Entry> &, QString *)> &change,
                               QString *error)
{
    if (!QDir().mkpath(dir)) {
        if (error)
            *error = QStringLiteral("cannot create %1").arg(dir);
        return false;
    }
    // Two consoles may add hosts at once: without the lock one would drop the other's entries.
    QLockFile lock(dir + QStringLiteral("/network.lock"));
    lock.setStaleLockTime(10000);
    if (!lock.tryLock(5000)) {
        if (error)
            *error = QStringLiteral("network ledger %1 is locked by another console").arg(filePath(dir));
        return false;
    }
    QList<Entry> all = read(dir);
    if (!change(all, error))
        return false;
    return write(dir, all, error);
}

bool NetworkLedger::update(const std::function<bool(QList<Entry> &, QString *)> &change, QString *error)
{
    return updateFile(m_dir, change, error);
}

bool NetworkLedger::isMine(const Entry &e) const
{
    return e.consolePid == m_consolePid && e.consoleStartTime == m_consoleStartTime;
}

bool NetworkLedger::record(const Entry &entry, QString *error)
{
    Entry e = entry;
    e.consolePid = m_consolePid;
    e.consoleStartTime = m_consoleStartTime;
    return update(
        [&e](QList<Entry> &all, QString *) {
            all.append(e);
            return true;
        },
        error);
}

bool NetworkLedger::forget(const Entry &entry, QString *error)
{
    return forgetIf([&entry](const Entry &e) { return e.sameThing(entry); }, error);
}

bool NetworkLedger::forgetIf(const std::function<bool(const Entry &)> &which, QString *error)
{
    return update(
        [this, &which](QList<Entry> &all, QString *) {
            all.removeIf([this, &which](const Entry &e) { return isMine(e) && which(e); });
            return true;
        },
        error);
}

QList<NetworkLedger::Entry> NetworkLedger::entries() const
{
    QList<Entry> mine;
    const QList<Entry> all = read(m_dir);
    for (const Entry &e : all)
        if (isMine(e))
            mine.append(e);
    return mine;
}

int NetworkLedger::claimSubnet(const std::function<bool(int)> &usable, QString *error, int preferred)
{
    int claimed = -1;
    const bool ok = update(
        [&](QList<Entry> &all, QString *err) {
            QList<int> taken;
            for (const Entry &e : std::as_const(all))
                if (e.kind == Subnet && consoleAlive(e))
                    taken.append(e.name.section(QLatin1Char('.'), 2, 2).toInt());
            // Start from the pid so consoles that start together rarely probe the same octets.
            const qint64 start = preferred >= 0 ? preferred : m_consolePid;
            for (int i = 0; i < 256; ++i) {
                const int n = int((start + i) % 256);
                if (!taken.contains(n) && usable(n)) {
                    claimed = n;
                    break;
                }
            }
            if (claimed < 0) {
                if (err)
                    *err = QStringLiteral("no free /24 left in 10.213.0.0/16 for lab hosts (all taken by routes or "
                                          "other consoles)");
                return false;
            }
            Entry e;
            e.kind = Subnet;
            e.name = QStringLiteral("10.213.%1.0/24").arg(claimed);
            e.consolePid = m_consolePid;
            e.consoleStartTime = m_consoleStartTime;
            all.append(e);
            return true;
        },
        error);
    return ok ? claimed : -1;
}

QList<NetworkLedger::Entry> NetworkLedger::leftovers(const QString &dir)
{
    QList<Entry> out;
    const QList<Entry> all = read(dir);
    for (const Entry &e : all)
        if (!consoleAlive(e))
            out.append(e);
    return out;
}

bool NetworkLedger::drop(const QString &dir, const QList<Entry> &gone, QString *error)
{
    return updateFile(
        dir,
        [&gone](QList<Entry> &all, QString *) {
            all.removeIf([&gone](const Entry &e) {
                for (const Entry &g : gone)
                    if (g.sameThing(e) && g.consolePid == e.consolePid && g.consoleStartTime == e.consoleStartTime)
                        return true;
                return false;
            });
            return true;
        },
        error);
}
