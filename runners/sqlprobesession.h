#pragma once

#include "probeoutcome.h"
#include "probespec.h"

#include <QMutex>
#include <QObject>
#include <QSqlDatabase>
#include <QString>

#include <memory>

// One persistent PostgreSQL connection (Qt SQL, QPSQL driver) for one sql probe. Lives in a thread
// of its own because Qt SQL blocks: a slow or paused server stalls only this probe.
class SqlProbeSession : public QObject
{
    Q_OBJECT

public:
    // The connection's socket, shared with the probe's owner thread so that it can cut a query
    // that passed its deadline (shutdown() wakes the blocked read; the fd stays ours to close).
    struct Socket
    {
        QMutex mutex;
        int fd = -1;
        bool cut = false;
    };

    SqlProbeSession(const ProbeSpec &spec, qint64 timeoutMs, std::shared_ptr<Socket> socket);
    ~SqlProbeSession() override;

    // Blocking: (re)connects when needed and runs the query. The outcome is raw (responded,
    // rows as text in output, the row count in status, error); the executor judges it.
    ProbeOutcome attempt();
    // Connects ahead of the first attempt, so it does not pay for the connect; errors are left
    // for the attempts to report.
    void warmUp();
    // Closes the connection; call in this object's thread before it ends.
    void close();

    // "host=… port=…" for libpq from a connection string or postgresql:// URI and PG* variables.
    static QString connectOptions(const ProbeSpec &spec, qint64 timeoutMs, QString *password);

Q_SIGNALS:
    void finished(quint64 attempt, const ProbeOutcome &outcome);

public:
    void run(quint64 attempt) { Q_EMIT finished(attempt, this->attempt()); }

private:
    bool open(QString *error);
    void drop();

    ProbeSpec m_spec;
    qint64 m_timeoutMs = 1000;
    QString m_name;
    QString m_options;
    QString m_password;
    bool m_open = false;
    std::shared_ptr<Socket> m_socket;
};
