#pragma once

#include "respreader.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

#include <deque>
#include <functional>

class QTcpSocket;

// One persistent Redis connection speaking RESP over QTcpSocket, never blocking. Commands are
// pipelined; replies are matched in order. A command whose caller gave up (timeout) stays in the
// queue so its late reply is read and dropped, and the connection survives a slow server.
class RedisConnection : public QObject
{
    Q_OBJECT

public:
    // ok: a reply arrived (also an error reply: see Reply::error); else error says why not.
    using Done = std::function<void(bool ok, const RespReader::Reply &reply, const QString &error)>;

    // user / password: AUTH sent first on every (re)connect when password is not empty.
    RedisConnection(const QString &host, quint16 port, const QByteArray &user, const QByteArray &password,
                    QObject *parent = nullptr);
    ~RedisConnection() override;

    // Connects when needed; returns an id for abandon().
    quint64 send(const QList<QByteArray> &argv, Done done);
    // The caller no longer waits for this reply (it is still read off the wire).
    void abandon(quint64 id);
    // Closes the connection; pending commands fail with error.
    void reset(const QString &error);

    static constexpr int MaxAbandoned = 1000; // beyond this the server is not coming back: reconnect

private:
    struct Pending
    {
        quint64 id = 0;
        Done done; // empty: abandoned, or the AUTH handshake
        bool auth = false;
    };

    void connectNow();
    void onReadyRead();

    QString m_host;
    quint16 m_port = 0;
    QByteArray m_user;
    QByteArray m_password;
    QTcpSocket *m_socket = nullptr;
    RespReader m_reader;
    std::deque<Pending> m_pending;
    QByteArray m_unsent; // written once connected
    bool m_connected = false;
    int m_abandoned = 0;
    quint64 m_lastId = 0;
};
