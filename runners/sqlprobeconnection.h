#pragma once

#include "probeoutcome.h"
#include "probespec.h"
#include "sqlprobesession.h"

#include <QObject>

#include <memory>

class QThread;

// The owner-thread side of one sql probe: a thread with its SqlProbeSession (one persistent
// connection). Attempts run one at a time; cut() unblocks one that passed its deadline.
class SqlProbeConnection : public QObject
{
    Q_OBJECT

public:
    SqlProbeConnection(const ProbeSpec &spec, qint64 timeoutMs, QObject *parent = nullptr);
    // Never waits: the thread closes its connection and ends on its own (after a blocked connect).
    ~SqlProbeConnection() override;

    void run(quint64 attempt);
    // Shuts the connection's socket down so a query stuck on a silent server returns at once.
    void cut();

Q_SIGNALS:
    void finished(quint64 attempt, const ProbeOutcome &outcome);

private:
    std::shared_ptr<SqlProbeSession::Socket> m_socket;
    QThread *m_thread = nullptr;
    SqlProbeSession *m_session = nullptr;
};
