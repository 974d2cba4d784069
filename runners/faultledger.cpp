#include "faultledger.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>

#include <csignal>
#include <unistd.h>

FaultLedger::FaultLedger(const QString &dir)
    : m_dir(dir)
{
}

QString FaultLedger::defaultDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/ledger");
}

QList<FaultLedger::Entry> FaultLedger::entries() const
{
    QList<Entry> out;
    QFile f(m_dir + QStringLiteral("/faults.json"));
    if (!f.open(QIODevice::ReadOnly))
        return out;
    const QJsonArray array = QJsonDocument::fromJson(f.readAll()).array();
    for (const QJsonValue &v : array) {
        const QJsonObject o = v.toObject();
        Entry e;
        e.id = o.value(QStringLiteral("id")).toString();
        e.lab = o.value(QStringLiteral("lab")).toString();
        e.check = o.value(QStringLiteral("check")).toString();
        e.service = o.value(QStringLiteral("service")).toString();
        e.action = o.value(QStringLiteral("action")).toString();
        e.consolePid = o.value(QStringLiteral("console_pid")).toInteger();
        e.time = QDateTime::fromString(o.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs);
        e.rolledBack = o.value(QStringLiteral("rolled_back")).toBool();
        out.append(e);
    }
    return out;
}

bool FaultLedger::write(const QList<Entry> &entries, QString *error) const
{
    QDir().mkpath(m_dir);
    QJsonArray array;
    for (const Entry &e : entries)
        array.append(QJsonObject{{QStringLiteral("id"), e.id},
                                 {QStringLiteral("lab"), e.lab},
                                 {QStringLiteral("check"), e.check},
                                 {QStringLiteral("service"), e.service},
                                 {QStringLiteral("action"), e.action},
                                 {QStringLiteral("console_pid"), e.consolePid},
                                 {QStringLiteral("time"), e.time.toString(Qt::ISODateWithMs)},
                                 {QStringLiteral("rolled_back"), e.rolledBack}});
    QSaveFile f(m_dir + QStringLiteral("/faults.json")); // atomic: a crash never leaves half a ledger
    if (!f.open(QIODevice::WriteOnly)) {
        if (error)
            *error = f.errorString();
        return false;
    }
    f.write(QJsonDocument(array).toJson());
    if (!f.commit()) {
        if (error)
            *error = f.errorString();
        return false;
    }
    return true;
}

bool FaultLedger::record(const Entry &entry, QString *error)
{
    QList<Entry> all = entries();
    Entry e = entry;
    if (!e.consolePid)
        e.consolePid = ::getpid();
    all.append(e);
    return write(all, error);
}

bool FaultLedger::markRolledBack(const QString &id, QString *error)
{
    QList<Entry> all = entries();
    for (Entry &e : all)
        if (e.id == id)
            e.rolledBack = true;
    // Only faults still outstanding matter after a crash; drop the settled ones of this console.
    all.erase(std::remove_if(all.begin(), all.end(), [](const Entry &e) { return e.rolledBack && e.consolePid == ::getpid(); }),
              all.end());
    return write(all, error);
}

// A zombie still answers kill(pid, 0): read its state so a dead, unreaped console counts as gone.
static bool consoleAlive(qint64 pid)
{
    if (pid <= 0 || ::kill(pid_t(pid), 0) != 0)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray text = stat.readAll();
    const qsizetype close = text.lastIndexOf(')');
    return close < 0 || close + 2 >= text.size() || text.at(close + 2) != 'Z';
}

QList<FaultLedger::Entry> FaultLedger::leftovers() const
{
    QList<Entry> out;
    for (const Entry &e : entries())
        if (!e.rolledBack && !consoleAlive(e.consolePid))
            out.append(e);
    return out;
}

bool FaultLedger::clear(const QList<Entry> &gone, QString *error)
{
    QList<Entry> all = entries();
    all.erase(std::remove_if(all.begin(), all.end(),
                             [&](const Entry &e) {
                                 for (const Entry &g : gone)
                                     if (g.id == e.id)
                                         return true;
                                 return false;
                             }),
              all.end());
    return write(all, error);
}
