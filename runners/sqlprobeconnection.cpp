#include "sqlprobeconnection.h"

#include <QMetaObject>
#include <QMutexLocker>
#include <QThread>

#include <sys/socket.h>

SqlProbeConnection::SqlProbeConnection(const ProbeSpec &spec, qint64 timeoutMs, QObject *parent)
    : QObject(parent)
    , m_socket(std::make_shared<SqlProbeSession::Socket>())
    , m_thread(new QThread)
    , m_session(new SqlProbeSession(spec, timeoutMs, m_socket))
{
    qRegisterMetaType<ProbeOutcome>();
    m_thread->setObjectName(QStringLiteral("halab-sql-probe"));
    m_session->moveToThread(m_thread);
    // Both go once the thread has ended; the thread object from the thread that made it.
    connect(m_thread, &QThread::finished, m_session, &QObject::deleteLater);
    connect(m_thread, &QThread::finished, m_thread, &QObject::deleteLater);
    connect(m_session, &SqlProbeSession::finished, this, &SqlProbeConnection::finished, Qt::QueuedConnection);
    m_thread->start();
    SqlProbeSession *session = m_session;
    QMetaObject::invokeMethod(session, [session]() { session->warmUp(); }, Qt::QueuedConnection);
}

SqlProbeConnection::~SqlProbeConnection()
{
    cut();
    QObject::disconnect(m_session, nullptr, this, nullptr);
    SqlProbeSession *session = m_session;
    QMetaObject::invokeMethod(session, [session]() {
        session->close();
        session->thread()->quit();
    }, Qt::QueuedConnection);
}

void SqlProbeConnection::run(quint64 attempt)
{
    SqlProbeSession *session = m_session;
    QMetaObject::invokeMethod(session, [session, attempt]() { session->run(attempt); }, Qt::QueuedConnection);
}

void SqlProbeConnection::cut()
{
    QMutexLocker lock(&m_socket->mutex);
    m_socket->cut = true;
    if (m_socket->fd >= 0)
        ::shutdown(m_socket->fd, SHUT_RDWR);
}
