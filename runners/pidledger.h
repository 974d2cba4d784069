#pragma once

#include <QList>
#include <QString>

// <dir>/processes.json: which processes this and other consoles started, so that after a
// console crash the next start can kill what it left behind. Several consoles may share one
// ledger; each only rewrites its own entries.
class PidLedger
{
public:
    struct Entry
    {
        QString service;
        qint64 pid = 0;
        qint64 pgid = 0;
        quint64 startTime = 0;        // /proc/<pid>/stat field 22: tells a recycled pid apart
        qint64 consolePid = 0;
        quint64 consoleStartTime = 0; // the same for the console itself
        QString cgroup;               // the service's cgroup v2 directory, empty without cgroups
    };

    explicit PidLedger(const QString &dir = defaultDir());

    void setDir(const QString &dir);
    QString dir() const { return m_dir; }
    QString filePath() const { return filePath(m_dir); }

    // Adds or replaces this console's entry for entry.service (console fields are filled in).
    bool record(Entry entry, QString *error = nullptr);
    // Drops this console's entry for a service / all of this console's entries.
    bool forget(const QString &service, QString *error = nullptr);
    bool forgetAll(QString *error = nullptr);

    // This console's entries.
    QList<Entry> entries() const;

    static QString defaultDir(); // AppLocalDataLocation + "/ledger"
    static QString filePath(const QString &dir);
    static QList<Entry> read(const QString &dir);
    // Entries of consoles that are gone whose process (or a member of its group) still runs.
    static QList<Entry> leftovers(const QString &dir);
    // SIGKILLs the leftovers' process trees (cgroup.kill where they had a cgroup), removes the
    // cgroup directories of consoles that are gone and drops every entry of a dead console.
    // Returns how many leftover services were killed.
    static int reapLeftovers(const QString &dir);

private:
    static bool write(const QString &dir, const QList<Entry> &entries, QString *error);
    bool isMine(const Entry &e) const;
    bool rewriteMine(const QList<Entry> &mine, QString *error);

    QString m_dir;
    qint64 m_consolePid = 0;
    quint64 m_consoleStartTime = 0;
};
