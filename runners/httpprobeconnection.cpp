#include "httpprobeconnection.h"

#include <QNetworkProxy>
#include <QTcpSocket>

namespace {
constexpr qsizetype MaxHeadBytes = 64 * 1024;
} // namespace

HttpProbeConnection::HttpProbeConnection(const QString &host, quint16 port, QObject *parent)
    : QObject(parent)
    , m_host(host)
    , m_port(port)
{
}

HttpProbeConnection::~HttpProbeConnection()
{
    if (m_socket) {
        QObject::disconnect(m_socket, nullptr, this, nullptr);
        m_socket->abort();
    }
}

QByteArray HttpProbeConnection::requestBytes(const QByteArray &method, const QByteArray &target, const QByteArray &hostHeader,
                                             const QList<std::pair<QByteArray, QByteArray>> &headers, const QByteArray &body)
{
    QByteArray r;
    r.reserve(128 + body.size());
    r += method + ' ' + target + " HTTP/1.1\r\nHost: " + hostHeader + "\r\n";
    bool agent = false;
    for (const auto &[name, value] : headers) {
        r += name + ": " + value + "\r\n";
        agent = agent || name.compare("user-agent", Qt::CaseInsensitive) == 0;
    }
    if (!agent)
        r += "User-Agent: halab-probe\r\n";
    if (!body.isEmpty() || (method != "GET" && method != "HEAD" && method != "DELETE" && method != "OPTIONS"))
        r += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    r += "\r\n";
    r += body;
    return r;
}

bool HttpProbeConnection::isUsable() const
{
    return !m_socket || (m_socket->state() != QAbstractSocket::UnconnectedState && !m_closeAfter);
}

void HttpProbeConnection::send(const QByteArray &request, bool headRequest, qsizetype maxBody, Done done)
{
    m_done = std::move(done);
    m_head = headRequest;
    m_maxBody = maxBody;
    m_haveHead = false;
    m_status = 0;
    m_chunked = m_untilClose = m_closeAfter = false;
    m_remaining = 0;
    m_chunkState = 0;
    m_body.clear();
    if (!m_socket) {
        m_socket = new QTcpSocket(this);
        m_socket->setProxy(QNetworkProxy::NoProxy);
        connect(m_socket, &QTcpSocket::connected, this, [this]() {
            m_connected = true;
            m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            if (!m_pending.isEmpty())
                m_socket->write(std::exchange(m_pending, {}));
        });
        connect(m_socket, &QTcpSocket::readyRead, this, &HttpProbeConnection::onReadyRead);
        connect(m_socket, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
            if (e == QAbstractSocket::RemoteHostClosedError && m_haveHead && m_untilClose) {
                finish(); // the body ends with the connection
                return;
            }
            fail(m_socket->errorString());
        });
        m_pending = request;
        m_socket->connectToHost(m_host, m_port);
        return;
    }
    if (m_connected)
        m_socket->write(request);
    else
        m_pending = request;
}

void HttpProbeConnection::abort()
{
    m_done = nullptr;
    if (m_socket) {
        QObject::disconnect(m_socket, nullptr, this, nullptr);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    m_connected = false;
    m_used = false;
    m_pending.clear();
    m_buffer.clear();
}

void HttpProbeConnection::fail(const QString &error)
{
    Answer a;
    a.error = error;
    a.retryable = m_used && !m_haveHead && m_buffer.isEmpty();
    const Done done = std::move(m_done);
    abort();
    if (done)
        done(a);
}

void HttpProbeConnection::finish()
{
    Answer a;
    a.responded = true;
    a.status = m_status;
    a.body = std::move(m_body);
    m_body.clear();
    m_used = true;
    const Done done = std::move(m_done);
    m_done = nullptr;
    m_haveHead = false;
    if (m_closeAfter || m_untilClose)
        abort(); // the next request gets a fresh connection
    if (done)
        done(a);
}

bool HttpProbeConnection::parseHead()
{
    const qsizetype end = m_buffer.indexOf("\r\n\r\n");
    if (end < 0) {
        if (m_buffer.size() > MaxHeadBytes)
            fail(QStringLiteral("HTTP answer head too large"));
        return false;
    }
    const QByteArray head = m_buffer.left(end);
    m_buffer.remove(0, end + 4);
    const qsizetype lineEnd = head.indexOf("\r\n");
    const QByteArray statusLine = lineEnd < 0 ? head : head.left(lineEnd);
    // "HTTP/1.1 200 OK"
    const QList<QByteArray> parts = statusLine.split(' ');
    bool ok = false;
    const int status = parts.size() >= 2 && statusLine.startsWith("HTTP/") ? parts.at(1).toInt(&ok) : 0;
    if (!ok) {
        fail(QStringLiteral("not an HTTP answer"));
        return false;
    }
    if (status >= 100 && status < 200)
        return true; // 100 Continue and friends: the real answer follows
    m_status = status;
    m_haveHead = true;
    qint64 length = -1;
    const bool http10 = statusLine.startsWith("HTTP/1.0");
    bool keepAlive = !http10;
    qsizetype pos = lineEnd < 0 ? head.size() : lineEnd + 2;
    while (pos < head.size()) {
        qsizetype next = head.indexOf("\r\n", pos);
        if (next < 0)
            next = head.size();
        const QByteArray line = head.mid(pos, next - pos);
        pos = next + 2;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "content-length")
            length = value.toLongLong();
        else if (name == "transfer-encoding" && value.toLower().contains("chunked"))
            m_chunked = true;
        else if (name == "connection")
            keepAlive = value.toLower().contains("keep-alive") || (!http10 && !value.toLower().contains("close"));
    }
    m_closeAfter = !keepAlive;
    if (m_head || status == 204 || status == 304) {
        m_remaining = 0;
    } else if (m_chunked) {
        m_chunkState = 0;
    } else if (length >= 0) {
        m_remaining = length;
    } else {
        m_untilClose = true;
    }
    return true;
}

void HttpProbeConnection::onReadyRead()
{
    m_buffer += m_socket->readAll();
    while (!m_haveHead) {
        if (!m_done)
            return; // nobody asked: an unexpected byte on an idle connection
        if (!parseHead())
            return;
        if (!m_socket)
            return; // failed
    }
    const auto take = [this](qsizetype n) {
        if (m_body.size() < m_maxBody)
            m_body += m_buffer.left(std::min<qsizetype>(n, m_maxBody - m_body.size()));
        m_buffer.remove(0, n);
    };
    if (m_untilClose) {
        take(m_buffer.size());
        return;
    }
    if (!m_chunked) {
        const qsizetype n = std::min<qsizetype>(m_buffer.size(), m_remaining);
        take(n);
        m_remaining -= n;
        if (m_remaining == 0)
            finish();
        return;
    }
    for (;;) {
        if (m_chunkState == 0 || m_chunkState == 2 || m_chunkState == 3) {
            const qsizetype eol = m_buffer.indexOf("\r\n");
            if (eol < 0)
                return;
            const QByteArray line = m_buffer.left(eol);
            m_buffer.remove(0, eol + 2);
            if (m_chunkState == 2) {
                m_chunkState = 0;
                continue;
            }
            if (m_chunkState == 3) {
                if (line.isEmpty()) {
                    finish();
                    return;
                }
                continue; // a trailer header
            }
            bool ok = false;
            m_remaining = line.split(';').first().trimmed().toLongLong(&ok, 16);
            if (!ok || m_remaining < 0) {
                fail(QStringLiteral("bad chunked encoding"));
                return;
            }
            m_chunkState = m_remaining == 0 ? 3 : 1;
            continue;
        }
        const qsizetype n = std::min<qsizetype>(m_buffer.size(), m_remaining);
        take(n);
        m_remaining -= n;
        if (m_remaining > 0)
            return;
        m_chunkState = 2;
    }
}
