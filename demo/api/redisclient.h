// Small asynchronous RESP2 client over QTcpSocket that lives in Qt's event loop.
#pragma once

#include "redisreply.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTcpSocket>
#include <QTimer>

#include <deque>
#include <functional>
#include <optional>

class RedisClient : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(const RedisReply &)>;

    // A command unanswered for longer than this marks the connection dead.
    static constexpr int kCommandTimeoutMs = 1000;
    static constexpr int kReconnectMs = 250;

    RedisClient(const QString &host, quint16 port, QObject *parent = nullptr);
    ~RedisClient() override;

    void start();
    // True once connected and a PING has been answered; false while down or reconnecting.
    bool isUp() const { return m_state == State::Up; }
    QString address() const;

    // Sends one command; cb always runs exactly once, later, from the event loop.
    void command(const QList<QByteArray> &args, Callback cb = {});

Q_SIGNALS:
    void upChanged(bool up);

private:
    enum class State { Idle, Connecting, Handshaking, Up };
    struct Pending
    {
        Callback cb;
        QElapsedTimer sent;
    };

    void connectNow();
    void onConnected();
    void onReadyRead();
    void onSocketError(QAbstractSocket::SocketError error);
    void onDisconnected();
    void checkTimeouts();
    void fail(const QByteArray &reason);
    void send(const QList<QByteArray> &args, Callback cb);
    void reportState(bool up, const QByteArray &reason);
    // 1 = parsed one reply, 0 = need more bytes, -1 = protocol error.
    static int parse(const QByteArray &buf, qsizetype &pos, RedisReply &out);

    QString m_host;
    quint16 m_port;
    QTcpSocket m_socket;
    QTimer m_reconnectTimer;
    QTimer m_watchdog;
    QElapsedTimer m_connectStarted;
    QByteArray m_buffer;
    std::deque<Pending> m_pending;
    State m_state = State::Idle;
    std::optional<bool> m_reportedUp;
};
