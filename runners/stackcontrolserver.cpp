#include "stackcontrolserver.h"

#include "stackbackend.h"
#include "stackwire.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalServer>
#include <QLocalSocket>

StackControlServer::StackControlServer(StackBackend *backend, const QString &socketPath, QObject *parent)
    : QObject(parent)
    , m_backend(backend)
    , m_path(socketPath)
    , m_server(new QLocalServer(this))
{
    m_server->setSocketOptions(QLocalServer::UserAccessOption); // faults are root's business: owner only
    connect(m_server, &QLocalServer::newConnection, this, &StackControlServer::onConnection);
    connect(m_backend, &StackBackend::statusesChanged, this, [this](const QHash<QString, ServiceStatus> &changed) {
        for (auto it = changed.cbegin(); it != changed.cend(); ++it)
            broadcast(StackWire::line({{QStringLiteral("type"), QStringLiteral("status")},
                                       {QStringLiteral("service"), it.key()},
                                       {QStringLiteral("status"), StackWire::toJson(it.value())}}));
    });
    connect(m_backend, &StackBackend::logLines, this, [this](const QList<LogLine> &lines) {
        QJsonArray array;
        for (const LogLine &l : lines)
            array.append(StackWire::toJson(l));
        broadcast(StackWire::line({{QStringLiteral("type"), QStringLiteral("logs")}, {QStringLiteral("lines"), array}}));
    });
    connect(m_backend, &StackBackend::actionFinished, this,
            [this](const QString &service, const QString &action, bool ok, const QString &error) {
                broadcast(StackWire::line({{QStringLiteral("type"), QStringLiteral("action")},
                                           {QStringLiteral("service"), service},
                                           {QStringLiteral("action"), action},
                                           {QStringLiteral("ok"), ok},
                                           {QStringLiteral("error"), error}}));
            });
    connect(m_backend, &StackBackend::downFinished, this,
            [this] { broadcast(StackWire::line({{QStringLiteral("type"), QStringLiteral("down")}})); });
}

StackControlServer::~StackControlServer()
{
    m_server->close(); // removes the socket file: no one attaches to a stack that is going away
}

bool StackControlServer::listen(QString *error)
{
    QLocalServer::removeServer(m_path);
    if (!m_server->listen(m_path)) {
        *error = QStringLiteral("cannot share the stack on %1: %2").arg(m_path, m_server->errorString());
        return false;
    }
    return true;
}

void StackControlServer::onConnection()
{
    while (QLocalSocket *client = m_server->nextPendingConnection()) {
        m_clients.append(client);
        connect(client, &QLocalSocket::readyRead, this, [this, client] { onReadyRead(client); });
        connect(client, &QLocalSocket::disconnected, this, [this, client] {
            m_clients.removeAll(client);
            client->deleteLater();
        });
    }
}

void StackControlServer::onReadyRead(QLocalSocket *client)
{
    while (client->canReadLine())
        handle(client, client->readLine());
}

void StackControlServer::handle(QLocalSocket *client, const QByteArray &line)
{
    const QJsonObject m = QJsonDocument::fromJson(line).object();
    const QString op = m.value(QStringLiteral("op")).toString();
    const QString service = m.value(QStringLiteral("service")).toString();
    if (op == QLatin1String("hello")) {
        QJsonObject statuses;
        for (const QString &name : m_backend->serviceNames())
            statuses.insert(name, StackWire::toJson(m_backend->status(name)));
        client->write(StackWire::line({{QStringLiteral("type"), QStringLiteral("hello")},
                                       {QStringLiteral("up"), m_backend->isUp()},
                                       {QStringLiteral("console_pid"), double(QCoreApplication::applicationPid())},
                                       {QStringLiteral("services"), QJsonArray::fromStringList(m_backend->serviceNames())},
                                       {QStringLiteral("statuses"), statuses}}));
    } else if (op == QLatin1String("kill")) {
        m_backend->kill(service);
    } else if (op == QLatin1String("stop")) {
        m_backend->stop(service);
    } else if (op == QLatin1String("pause")) {
        m_backend->pause(service);
    } else if (op == QLatin1String("resume")) {
        m_backend->resume(service);
    } else if (op == QLatin1String("start")) {
        m_backend->start(service);
    } else if (op == QLatin1String("restart")) {
        QMap<QString, QString> env;
        const QJsonObject o = m.value(QStringLiteral("env")).toObject();
        for (auto it = o.constBegin(); it != o.constEnd(); ++it)
            env.insert(it.key(), it.value().toString());
        m_backend->restart(service, env);
    }
}

void StackControlServer::broadcast(const QByteArray &line)
{
    for (QLocalSocket *c : std::as_const(m_clients))
        c->write(line);
}
