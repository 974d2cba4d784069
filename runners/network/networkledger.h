#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

// <dir>/network.json: every namespace, link, iptables rule and qdisc a console creates for lab
// hosts, written BEFORE it is made and dropped once it is gone, so the next console start removes
// what a crashed one left. Several consoles share the file (a lock file guards each rewrite);
// each rewrites only its own entries.
class NetworkLedger
{
public:
    static inline const QString Subnet = QStringLiteral("subnet");       // name: 10.213.7.0/24
    static inline const QString Namespace = QStringLiteral("namespace"); // name: halab-123-n1
    static inline const QString Link = QStringLiteral("link");           // name: root-namespace interface
    static inline const QString Rule = QStringLiteral("rule");           // netns + iptables args (chain first)
    static inline const QString Qdisc = QStringLiteral("qdisc");         // netns + interface name

    struct Entry
    {
        QString kind;
        QString name;
        QString netns;
        QStringList args;
        QString fault; // the fault a rule or qdisc belongs to
        qint64 consolePid = 0;
        quint64 consoleStartTime = 0;

        bool sameThing(const Entry &o) const { return kind == o.kind && name == o.name && netns == o.netns && args == o.args; }
    };

    explicit NetworkLedger(const QString &dir = defaultDir());

    QString dir() const { return m_dir; }
    static QString defaultDir(); // AppLocalDataLocation + "/ledger"
    static QString filePath(const QString &dir);

    bool record(const Entry &entry, QString *error = nullptr);
    bool forget(const Entry &entry, QString *error = nullptr);
    bool forgetIf(const std::function<bool(const Entry &)> &which, QString *error = nullptr);
    QList<Entry> entries() const; // this console's

    // Claims the first third octet n (10.213.n.0/24) that no live console holds and `usable(n)`
    // accepts, records it, and returns n (or -1 with *error).
    // The search starts at `preferred` (0..255; -1: from this console's pid).
    int claimSubnet(const std::function<bool(int)> &usable, QString *error = nullptr, int preferred = -1);

    static QList<Entry> read(const QString &dir);
    // Entries of consoles that are no longer running.
    static QList<Entry> leftovers(const QString &dir);
    // Drops these entries (after their things were removed).
    static bool drop(const QString &dir, const QList<Entry> &gone, QString *error = nullptr);

private:
    static bool write(const QString &dir, const QList<Entry> &entries, QString *error);
    bool isMine(const Entry &e) const;
    bool update(const std::function<bool(QList<Entry> &all, QString *error)> &change, QString *error);
    static bool updateFile(const QString &dir, const std::function<bool(QList<Entry> &all, QString *error)> &change,
                           QString *error);

    QString m_dir;
    qint64 m_consolePid = 0;
    quint64 m_consoleStartTime = 0;
};
