#pragma once
// A real redis-server and halab-demo-api on free loopback ports, for the probe tests and the
// probe benchmark. Waits spin a local event loop (test / bench code only; the engine never does).
// Only processes started here are ever signalled, by their own pid.

#include "testports.h"
#include "childprocesssetup.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <functional>
#include <memory>

namespace ProbeTestSupport {

using TestPorts::freePort;

// Runs the event loop until pred() holds or timeoutMs passes; returns pred().
inline bool spinUntil(const std::function<bool()> &pred, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!pred()) {
        if (clock.elapsed() >= timeoutMs)
            return pred();
        QEventLoop loop;
        QTimer::singleShot(5, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

inline void spinFor(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, Qt::PreciseTimer, &loop, &QEventLoop::quit);
    loop.exec();
}

// One HTTP request from the test thread; status 0 when nothing answered within timeoutMs.
inline int httpRequest(QNetworkAccessManager *nam, const QByteArray &verb, const QUrl &url,
                       const QList<QPair<QByteArray, QByteArray>> &headers = {}, QByteArray *body = nullptr,
                       int timeoutMs = 2000)
{
    QNetworkRequest request(url);
    request.setTransferTimeout(timeoutMs);
    for (const auto &h : headers)
        request.setRawHeader(h.first, h.second);
    QNetworkReply *reply = nam->sendCustomRequest(request, verb);
    bool done = false;
    QObject::connect(reply, &QNetworkReply::finished, reply, [&done]() { done = true; });
    spinUntil([&done]() { return done; }, timeoutMs + 500);
    if (!done)
        reply->abort();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (body)
        *body = reply->readAll();
    reply->deleteLater();
    return status;
}

class DemoStack
{
public:
    static constexpr const char *AdminKey = "probe-test-admin-key";

    ~DemoStack() { stop(); }

    static QString demoApiPath() { return QStringLiteral(HALAB_BIN_DIR "/halab-demo-api"); }
    static bool available(QString *why)
    {
        if (QStandardPaths::findExecutable(QStringLiteral("redis-server")).isEmpty()) {
            *why = QStringLiteral("redis-server not found");
            return false;
        }
        if (!QFileInfo(demoApiPath()).isExecutable()) {
            *why = demoApiPath() + QStringLiteral(" not built");
            return false;
        }
        return true;
    }

    bool start(QString *error)
    {
        m_nam.setProxy(QNetworkProxy::NoProxy);
        redisPort = freePort();
        apiPort = freePort();
        m_redis = startProcess(QStringLiteral("redis-server"),
                               {QStringLiteral("--port"), QString::number(redisPort), QStringLiteral("--bind"),
                                QStringLiteral("127.0.0.1"), QStringLiteral("--save"), QString(),
                                QStringLiteral("--appendonly"), QStringLiteral("no")},
                               {});
        if (!spinUntil([this]() { return tcpOpen(redisPort); }, 10000)) {
            *error = QStringLiteral("redis-server did not listen on %1").arg(redisPort);
            return false;
        }
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("API_KEY_ADMIN"), QString::fromLatin1(AdminKey));
        m_api = startProcess(demoApiPath(),
                             {QStringLiteral("--port"), QString::number(apiPort), QStringLiteral("--node-id"),
                              QStringLiteral("api1"), QStringLiteral("--redis"),
                              QStringLiteral("127.0.0.1:%1").arg(redisPort)},
                             env);
        if (!spinUntil([this]() { return get(QStringLiteral("/health")) == 200; }, 15000)) {
            *error = QStringLiteral("halab-demo-api did not answer /health on %1").arg(apiPort);
            return false;
        }
        return true;
    }

    void stop()
    {
        for (std::unique_ptr<QProcess> *p : {&m_api, &m_redis}) {
            if (!*p)
                continue;
            QProcess *process = p->get();
            if (process->state() != QProcess::NotRunning) {
                process->kill(); // SIGKILL to the pid we started
                spinUntil([process]() { return process->state() == QProcess::NotRunning; }, 5000);
            }
            p->reset();
        }
    }

    qint64 apiPid() const { return m_api ? m_api->processId() : 0; }
    QString url(const QString &path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(apiPort).arg(path); }
    int get(const QString &path, QByteArray *body = nullptr)
    {
        return httpRequest(&m_nam, "GET", QUrl(url(path)), {}, body, 1000);
    }
    // Makes /health answer 503 for exactly ms, from when the API handles this request.
    int injectUnavailable(int ms)
    {
        return httpRequest(&m_nam, "POST", QUrl(url(QStringLiteral("/admin/unavailable?ms=%1").arg(ms))),
                           {{QByteArrayLiteral("x-api-key"), QByteArray(AdminKey)}});
    }

    quint16 redisPort = 0;
    quint16 apiPort = 0;

private:
    static std::unique_ptr<QProcess> startProcess(const QString &program, const QStringList &args,
                                                  const QProcessEnvironment &env)
    {
        auto p = std::make_unique<QProcess>();
        ChildProcessSetup::apply(p.get()); // dies with us even if we crash
        if (!env.isEmpty())
            p->setProcessEnvironment(env);
        // Their JSON logs are not what these tests look at.
        p->setStandardOutputFile(QProcess::nullDevice());
        p->setStandardErrorFile(QProcess::nullDevice());
        p->start(program, args);
        return p;
    }

    static bool tcpOpen(quint16 port)
    {
        QTcpSocket socket;
        socket.setProxy(QNetworkProxy::NoProxy);
        bool connected = false;
        bool failed = false;
        QObject::connect(&socket, &QTcpSocket::connected, &socket, [&connected]() { connected = true; });
        QObject::connect(&socket, &QAbstractSocket::errorOccurred, &socket, [&failed]() { failed = true; });
        socket.connectToHost(QHostAddress::LocalHost, port);
        spinUntil([&]() { return connected || failed; }, 1000);
        return connected;
    }

    QNetworkAccessManager m_nam;
    std::unique_ptr<QProcess> m_redis;
    std::unique_ptr<QProcess> m_api;
};

} // namespace ProbeTestSupport
