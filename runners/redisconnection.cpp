#include "redisconnection.h"

#include <QNetworkProxy>
#include <QTcpSocket>

RedisConnection::RedisConnection(const QString &host, quint16 port, const QByteArray &user,
                                 const QByteArray &password, QObject *parent)
    : QObject(parent)
    , m_host(host)
    , m_port(port)
    , m_user(user)
    , m_password(password)
{
}

RedisConnection::~RedisConnection()
{
    if (m_socket) {
        QObject::disconnect(m_socket, nullptr, this, nullptr);
        m_socket->abort();
    }
}

void RedisConnection::connectNow()
{
    m_socket = new QTcpSocket(this);
    m_socket->setProxy(QNetworkProxy::NoProxy);
    // Probes are tiny request/answer pairs: Nagle would hold a pipelined command back.
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_connected = false;
    m_reader.clear();
    m_abandoned = 0;
    connect(m_socket, &QTcpSocket::connected, this, [this]() {
        m_connected = true;
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        if (!m_unsent.isEmpty()) {
            m_socket->write(m_unsent);
            m_unsent.clear();
        }
    });
    connect(m_socket, &QTcpSocket::readyRead, this, &RedisConnection::onReadyRead);
    connect(m_socket, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        reset(m_socket ? m_socket->errorString() : QStringLiteral("connection lost"));
    });
    if (!m_password.isEmpty()) {
        QList<QByteArray> auth{QByteArrayLiteral("AUTH")};
        if (!m_user.isEmpty())
            auth.append(m_user);
        auth.append(m_password);
        m_unsent += RespReader::encode(auth);
        m_pending.push_back({++m_lastId, {}, true});
    }
    m_socket->connectToHost(m_host, m_port);
}

quint64 RedisConnection::send(const QList<QByteArray> &argv, Done done)
{
    if (!m_socket)
        connectNow();
    const quint64 id = ++m_lastId;
    m_pending.push_back({id, std::move(done), false});
    const QByteArray bytes = RespReader::encode(argv);
    if (m_connected)
        m_socket->write(bytes);
    else
        m_unsent += bytes;
    return id;
}

void RedisConnection::abandon(quint64 id)
{
    for (Pending &p : m_pending) {
        if (p.id == id && p.done) {
            p.done = nullptr;
            ++m_abandoned;
            break;
        }
    }
    if (m_abandoned > MaxAbandoned)
        reset(QStringLiteral("too many unanswered commands; reconnecting"));
}

void RedisConnection::reset(const QString &error)
{
    if (m_socket) {
        QObject::disconnect(m_socket, nullptr, this, nullptr);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    m_connected = false;
    m_unsent.clear();
    m_reader.clear();
    m_abandoned = 0;
    std::deque<Pending> failed;
    failed.swap(m_pending);
    for (Pending &p : failed)
        if (p.done)
            p.done(false, {}, error);
}

void RedisConnection::onReadyRead()
{
    m_reader.feed(m_socket->readAll());
    while (!m_pending.empty()) {
        bool broken = false;
        const std::optional<RespReader::Reply> reply = m_reader.next(&broken);
        if (broken) {
            reset(QStringLiteral("not a Redis reply (protocol error)"));
            return;
        }
        if (!reply)
            return;
        Pending p = std::move(m_pending.front());
        m_pending.pop_front();
        if (p.auth) {
            if (reply->error) {
                reset(QStringLiteral("AUTH failed: %1").arg(QString::fromUtf8(reply->text)));
                return;
            }
            continue;
        }
        if (!p.done) {
            --m_abandoned;
            continue;
        }
        p.done(true, *reply, {});
        if (!m_socket)
            return; // the callback reset us
    }
    if (m_socket && m_socket->bytesAvailable() == 0 && m_pending.empty())
        m_reader.clear(); // a reply nobody asked for (cannot happen with RESP2)
}
