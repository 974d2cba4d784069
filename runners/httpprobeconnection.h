#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>

class QTcpSocket;

// One keep-alive HTTP/1.1 connection (plain http) for probes: one request at a time, the answer's
// status and (capped) body. Far cheaper per request than QNetworkAccessManager, which hands every
// request to its own HTTP thread and back; that matters at thousands of samples per second.
class HttpProbeConnection : public QObject
{
    Q_OBJECT

public:
    struct Answer
    {
        bool responded = false; // a status line arrived
        int status = 0;
        QByteArray body;        // capped at the limit given to send()
        QString error;          // when !responded
        bool retryable = false; // a reused connection closed before any answer: try a fresh one
    };
    using Done = std::function<void(const Answer &)>;

    HttpProbeConnection(const QString &host, quint16 port, QObject *parent = nullptr);
    ~HttpProbeConnection() override;

    // request: the full request head and body, as built by requestBytes().
    void send(const QByteArray &request, bool headRequest, qsizetype maxBody, Done done);
    bool isBusy() const { return static_cast<bool>(m_done); }
    // Closes the connection, dropping a request in flight without an answer.
    void abort();
    bool isUsable() const;

    static QByteArray requestBytes(const QByteArray &method, const QByteArray &target, const QByteArray &hostHeader,
                                   const QList<std::pair<QByteArray, QByteArray>> &headers, const QByteArray &body);

private:
    void onReadyRead();
    void fail(const QString &error);
    void finish();
    bool parseHead();

    QString m_host;
    quint16 m_port = 0;
    QTcpSocket *m_socket = nullptr;
    Done m_done;
    QByteArray m_pending; // written once connected
    QByteArray m_buffer;
    bool m_connected = false;
    bool m_used = false;  // answered a request before: a close before any byte may be a stale keep-alive
    bool m_head = false;
    qsizetype m_maxBody = 0;
    // answer being read
    bool m_haveHead = false;
    int m_status = 0;
    bool m_chunked = false;
    bool m_untilClose = false;
    bool m_closeAfter = false;
    qint64 m_remaining = 0;   // body bytes still to read (Content-Length, or the current chunk)
    int m_chunkState = 0;     // 0: size line, 1: data, 2: CRLF after data, 3: trailers
    QByteArray m_body;
};
