#pragma once

#include "commandqueue.h"
#include "networkledger.h"

#include <QObject>
#include <QString>

// Removes what crashed consoles left of their lab hosts: the ledger's entries of consoles that are
// gone, and, when asked (a lost ledger), namespaces and links named halab-<pid>… / halab<pid>…
// whose console pid no longer runs. Rules go first, then links, then namespaces; asynchronous,
// reports once through finished().
class NetworkCleaner : public QObject
{
    Q_OBJECT

public:
    explicit NetworkCleaner(const QString &ledgerDir = NetworkLedger::defaultDir(), QObject *parent = nullptr);

    // Also namespaces and links no ledger of this user recorded (another ledger's are its console's
    // business: a console only sweeps by name when told to, e.g. --rollback-leftovers).
    void setIncludeUnrecorded(bool include) { m_includeUnrecorded = include; }

    // What start() would remove: "namespace halab-123-n1", "link halab123", "rule ...".
    QStringList plan() const;
    // Nothing to do makes no process and reports (0, "") asynchronously.
    void start();

    // Namespaces / root links with the console naming scheme whose console pid is gone.
    static QStringList orphanNamespaces();
    static QStringList orphanLinks();

Q_SIGNALS:
    void finished(int removed, const QString &error);

private:
    QList<NetworkLedger::Entry> work() const;

    QString m_dir;
    CommandQueue *m_queue = nullptr;
    bool m_includeUnrecorded = false;
};
