#include "redisclient.h"

#include "jsonlog.h"

#include <QHostAddress>
#include <QJsonObject>

#include <utility>

RedisClient::RedisClient(const QString &host, quint16 port, QObject *parent)
    : QObject(parent), m_host(host), m_port(port)
{
    m_reconnectTimer.setSingleShot(true);
    m_reconnectTimer.setInterval(kReconnectMs);
    m_watchdog.setInterval(100);

    // Socket lifecycle drives our state machine; context `this` owns the socket.
    connect(&m_socket, &QTcpSocket::connected, this, &RedisClient::onConnected);
    // Replies arrive in chunks; parse whatever is buffered.
    connect(&m_socket, &QTcpSocket::readyRead, this, &RedisClient::onReadyRead);
    // Refused / reset / host not found all mean "down, retry later".
    connect(&m_socket, &QTcpSocket::errorOccurred, this, &RedisClient::onSocketError);
    // Server closed the connection (e.g. redis-server stopped).
    connect(&m_socket, &QTcpSocket::disconnected, this, &RedisClient::onDisconnected);
    // Retry the connection every kReconnectMs while Redis is unreachable.
    connect(&m_reconnectTimer, &QTimer::timeout, this, &RedisClient::connectNow);
    // Detect a Redis that accepts TCP but never answers (SIGSTOP, blackhole).
    connect(&m_watchdog, &QTimer::timeout, this, &RedisClient::checkTimeouts);
}

RedisClient::~RedisClient()
{
    // Closing the socket during destruction must not run our slots or log "redis down".
    QObject::disconnect(&m_socket, nullptr, this, nullptr);
    m_socket.abort();
}

QString RedisClient::address() const
{
    return m_host + QLatin1Char(':') + QString::number(m_port);
}

void RedisClient::start()
{
    m_watchdog.start();
    connectNow();
}

void RedisClient::connectNow()
{
    if (m_state != State::Idle)
        return;
    m_state = State::Connecting;
    m_buffer.clear();
    m_connectStarted.start();
    m_socket.connectToHost(m_host, m_port);
}

void RedisClient::onConnected()
{
    if (m_state != State::Connecting)
        return;
    m_socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_state = State::Handshaking;
    // A stopped redis-server still completes the TCP handshake from its backlog,
    // so only an answered PING proves the store is usable.
    send({QByteArrayLiteral("PING")}, [this](const RedisReply &reply) {
        if (m_state != State::Handshaking)
            return;
        if (reply.type == RedisReply::Type::Status && reply.str == "PONG") {
            m_state = State::Up;
            reportState(true, QByteArrayLiteral("connected"));
            emit upChanged(true);
        } else if (!reply.isFailure()) {
            fail(QByteArrayLiteral("unexpected PING reply: ") + reply.str);
        }
    });
}

void RedisClient::onReadyRead()
{
    m_buffer.append(m_socket.readAll());
    qsizetype pos = 0;
    while (pos < m_buffer.size()) {
        RedisReply reply;
        qsizetype next = pos;
        const int rc = parse(m_buffer, next, reply);
        if (rc == 0)
            break;
        if (rc < 0 || m_pending.empty()) {
            fail(rc < 0 ? QByteArrayLiteral("protocol error") : QByteArrayLiteral("unsolicited reply"));
            return;
        }
        pos = next;
        Pending p = std::move(m_pending.front());
        m_pending.pop_front();
        if (p.cb)
            p.cb(reply);
        if (m_state == State::Idle || m_state == State::Connecting)
            return; // a callback failed the connection; the buffer is gone
    }
    m_buffer.remove(0, pos);
}

void RedisClient::onSocketError(QAbstractSocket::SocketError)
{
    fail(m_socket.errorString().toUtf8());
}

void RedisClient::onDisconnected()
{
    fail(QByteArrayLiteral("connection closed"));
}

void RedisClient::checkTimeouts()
{
    if (m_state == State::Connecting && m_connectStarted.elapsed() > kCommandTimeoutMs) {
        fail(QByteArrayLiteral("connect timeout"));
        return;
    }
    if (!m_pending.empty() && m_pending.front().sent.elapsed() > kCommandTimeoutMs)
        fail(QByteArrayLiteral("command timeout"));
}

void RedisClient::fail(const QByteArray &reason)
{
    if (m_state == State::Idle)
        return; // already failed; abort() below re-enters through disconnected()
    const bool wasUp = m_state == State::Up;
    m_state = State::Idle;
    m_buffer.clear();
    std::deque<Pending> pending;
    pending.swap(m_pending);
    m_socket.abort();
    reportState(false, reason);
    if (wasUp)
        emit upChanged(false);
    const RedisReply failure = RedisReply::failure(reason);
    for (Pending &p : pending) {
        if (p.cb)
            p.cb(failure);
    }
    m_reconnectTimer.start();
}

void RedisClient::command(const QList<QByteArray> &args, Callback cb)
{
    if (m_state != State::Up) {
        // Keep the "callback runs later" contract even when failing fast.
        QMetaObject::invokeMethod(
            this, [cb = std::move(cb)]() {
                if (cb)
                    cb(RedisReply::failure(QByteArrayLiteral("redis down")));
            },
            Qt::QueuedConnection);
        return;
    }
    send(args, std::move(cb));
}

void RedisClient::send(const QList<QByteArray> &args, Callback cb)
{
    QByteArray out;
    out.reserve(32);
    out += '*' + QByteArray::number(args.size()) + "\r\n";
    for (const QByteArray &a : args)
        out += '$' + QByteArray::number(a.size()) + "\r\n" + a + "\r\n";
    Pending p;
    p.cb = std::move(cb);
    p.sent.start();
    m_pending.push_back(std::move(p));
    m_socket.write(out);
}

void RedisClient::reportState(bool up, const QByteArray &reason)
{
    if (m_reportedUp.has_value() && *m_reportedUp == up)
        return;
    m_reportedUp = up;
    const QJsonObject fields{{QStringLiteral("redis"), address()},
                             {QStringLiteral("reason"), QString::fromUtf8(reason)}};
    if (up)
        JsonLog::info(QStringLiteral("redis up"), fields);
    else
        JsonLog::warn(QStringLiteral("redis down"), fields);
}

int RedisClient::parse(const QByteArray &buf, qsizetype &pos, RedisReply &out)
{
    if (pos >= buf.size())
        return 0;
    const qsizetype eol = buf.indexOf("\r\n", pos);
    if (eol < 0)
        return 0;
    const char kind = buf.at(pos);
    const QByteArray line = buf.mid(pos + 1, eol - pos - 1);
    qsizetype next = eol + 2;
    bool ok = true;
    switch (kind) {
    case '+':
        out.type = RedisReply::Type::Status;
        out.str = line;
        break;
    case '-':
        out.type = RedisReply::Type::Error;
        out.str = line;
        break;
    case ':':
        out.type = RedisReply::Type::Integer;
        out.integer = line.toLongLong(&ok);
        if (!ok)
            return -1;
        break;
    case '$': {
        const qint64 len = line.toLongLong(&ok);
        if (!ok)
            return -1;
        if (len < 0) {
            out.type = RedisReply::Type::Nil;
            break;
        }
        if (buf.size() < next + len + 2)
            return 0;
        out.type = RedisReply::Type::Bulk;
        out.str = buf.mid(next, len);
        next += len + 2;
        break;
    }
    case '*': {
        const qint64 count = line.toLongLong(&ok);
        if (!ok)
            return -1;
        if (count < 0) {
            out.type = RedisReply::Type::Nil;
            break;
        }
        out.type = RedisReply::Type::Array;
        for (qint64 i = 0; i < count; ++i) {
            RedisReply element;
            const int rc = parse(buf, next, element);
            if (rc <= 0)
                return rc;
            out.elements.append(std::move(element));
        }
        break;
    }
    default:
        return -1;
    }
    pos = next;
    return 1;
}
