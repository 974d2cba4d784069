#include "pidledger.h"

#include "cgroupv2.h"
#include "processtree.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>

#include <csignal>

#include <unistd.h>

namespace {
QJsonObject toJson(const PidLedger::Entry &e)
{
    QJsonObject o;
    o.insert(QStringLiteral("service"), e.service);
    o.insert(QStringLiteral("pid"), e.pid);
    o.insert(QStringLiteral("pgid"), e.pgid);
    // Start times are clock ticks: a double holds them exactly for centuries of uptime.
    o.insert(QStringLiteral("startTime"), static_cast<qint64>(e.startTime));
    o.insert(QStringLiteral("consolePid"), e.consolePid);
    o.insert(QStringLiteral("consoleStartTime"), static_cast<qint64>(e.consoleStartTime));
    if (!e.cgroup.isEmpty())
        o.insert(QStringLiteral("cgroup"), e.cgroup);
    return o;
}

PidLedger::Entry fromJson(const QJsonObject &o)
{
    PidLedger::Entry e;
    e.service = o.value(QStringLiteral("service")).toString();
    e.pid = o.value(QStringLiteral("pid")).toInteger();
    e.pgid = o.value(QStringLiteral("pgid")).toInteger();
    e.startTime = static_cast<quint64>(o.value(QStringLiteral("startTime")).toInteger());
    e.consolePid = o.value(QStringLiteral("consolePid")).toInteger();
    e.consoleStartTime = static_cast<quint64>(o.value(QStringLiteral("consoleStartTime")).toInteger());
    e.cgroup = o.value(QStringLiteral("cgroup")).toString();
    return e;
}

bool consoleAlive(const PidLedger::Entry &e)
{
    return ProcessTree::isAlive(e.consolePid, e.consoleStartTime);
}

// Only a directory named after the entry's own console is ever killed: never trust a bare path.
bool cgroupIsOurs(const PidLedger::Entry &e)
{
    if (e.cgroup.isEmpty())
        return false;
    const auto owner = CgroupV2::ownerOf(QFileInfo(QFileInfo(e.cgroup).path()).fileName());
    return owner.first == e.consolePid && owner.second == e.consoleStartTime;
}

// The leader still runs, or its group does (children outlive a killed leader), or its cgroup.
bool serviceAlive(const PidLedger::Entry &e)
{
    if (ProcessTree::isAlive(e.pid, e.startTime))
        return true;
    if (cgroupIsOurs(e) && CgroupV2::isPopulated(e.cgroup))
        return true;
    if (e.pgid <= 1)
        return false;
    // A live pid == pgid with another start time is a new process owning that id: not ours.
    const quint64 leaderStart = ProcessTree::startTime(e.pgid);
    if (leaderStart != 0 && leaderStart != e.startTime)
        return false;
    const QList<ProcessTree::Info> procs = ProcessTree::all();
    for (const ProcessTree::Info &i : procs)
        if (i.pgid == e.pgid && i.state != 'Z' && i.state != 'X' && i.startTime >= e.startTime)
            return true;
    return false;
}
} // namespace

PidLedger::PidLedger(const QString &dir)
    : m_dir(dir)
    , m_consolePid(::getpid())
    , m_consoleStartTime(ProcessTree::startTime(::getpid()))
{
}

void PidLedger::setDir(const QString &dir)
{
    m_dir = dir;
}

QString PidLedger::defaultDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)
           + QStringLiteral("/ledger");
}

QString PidLedger::filePath(const QString &dir)
{
    return dir + QStringLiteral("/processes.json");
}

QList<PidLedger::Entry> PidLedger::read(const QString &dir)
{
    QList<Entry> result;
    QFile file(filePath(dir));
    if (!file.open(QIODevice::ReadOnly))
        return result;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll());
    const QJsonArray array = doc.object().value(QStringLiteral("entries")).toArray();
    for (const QJsonValue &v : array)
        result.append(fromJson(v.toObject()));
    return result;
}

bool PidLedger::write(const QString &dir, const QList<Entry> &entries, QString *error)
{
    if (!QDir().mkpath(dir)) {
        if (error)
            *error = QStringLiteral("cannot create %1").arg(dir);
        return false;
    }
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
            *error = file.errorString();
        return false;
    }
    file.write(QJsonDocument(root).toJson(QJsonDocument::Indented));
    if (!file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

bool PidLedger::isMine(const Entry &e) const
{
    return e.consolePid == m_consolePid && e.consoleStartTime == m_consoleStartTime;
}

bool PidLedger::rewriteMine(const QList<Entry> &mine, QString *error)
{
    QList<Entry> all;
    const QList<Entry> existing = read(m_dir);
    for (const Entry &e : existing)
        if (!isMine(e))
            all.append(e);
    all.append(mine);
    return write(m_dir, all, error);
}

bool PidLedger::record(Entry entry, QString *error)
{
    entry.consolePid = m_consolePid;
    entry.consoleStartTime = m_consoleStartTime;
    QList<Entry> mine = entries();
    mine.removeIf([&entry](const Entry &e) { return e.service == entry.service; });
    mine.append(entry);
    return rewriteMine(mine, error);
}

bool PidLedger::forget(const QString &service, QString *error)
{
    QList<Entry> mine = entries();
    const auto removed = mine.removeIf([&service](const Entry &e) { return e.service == service; });
    if (removed == 0)
        return true;
    return rewriteMine(mine, error);
}

bool PidLedger::forgetAll(QString *error)
{
    if (entries().isEmpty())
        return true;
    return rewriteMine({}, error);
}

QList<PidLedger::Entry> PidLedger::entries() const
{
    QList<Entry> result;
    const QList<Entry> all = read(m_dir);
    for (const Entry &e : all)
        if (isMine(e))
            result.append(e);
    return result;
}

QList<PidLedger::Entry> PidLedger::leftovers(const QString &dir)
{
    QList<Entry> result;
    const QList<Entry> all = read(dir);
    for (const Entry &e : all)
        if (!consoleAlive(e) && serviceAlive(e))
            result.append(e);
    return result;
}

int PidLedger::reapLeftovers(const QString &dir)
{
    const QList<Entry> all = read(dir);
    QList<Entry> keep;
    QList<Entry> alive;
    for (const Entry &e : all) {
        if (consoleAlive(e))
            keep.append(e);
        else if (serviceAlive(e))
            alive.append(e);
    }
    // Directories of dead consoles whose watchdog could not finish (killed with its console).
    CgroupV2::reapStaleConsoles();
    if (all.isEmpty())
        return 0;
    int killed = 0;
    for (const Entry &e : std::as_const(alive)) {
        if (cgroupIsOurs(e)) {
            CgroupV2::kill(e.cgroup);
            CgroupV2::remove(e.cgroup);
        }
        // Only signal the leader pid when it is provably the process we started.
        const qint64 pid = ProcessTree::isAlive(e.pid, e.startTime) ? e.pid : 0;
        // The same for the group: a live leader with another start time owns that id now.
        const quint64 leaderStart = ProcessTree::startTime(e.pgid);
        const qint64 pgid = leaderStart == 0 || leaderStart == e.startTime ? e.pgid : 0;
        ProcessTree::signalTree(pid, pgid, SIGKILL);
        ++killed;
    }
    write(dir, keep, nullptr);
    return killed;
}
