#include "remotestackbackend.h"

#include "stackwire.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalSocket>
#include <QTimer>

RemoteStackBackend::RemoteStackBackend(const QString &socketPath, QObject *parent)
    : StackBackend(parent)
    , m_path(socketPath)
    , m_socket(new QLocalSocket(this))
{
    connect(m_socket, &QLocalSocket::readyRead, this, &RemoteStackBackend::onReadyRead);
    connect(m_socket, &QLocalSocket::errorOccurred, this, [this](QLocalSocket::LocalSocketError) {
        if (m_attaching) {
            m_attaching = false;
            const QString why = QStringLiteral("cannot attach to the stack's console on %1: %2").arg(m_path, m_socket->errorString());
            QTimer::singleShot(0, this, [this, why] { Q_EMIT upFinished(false, why); });
        }
    });
    connect(m_socket, &QLocalSocket::disconnected, this, [this] {
        if (!m_up)
            return;
        // The owner went away: its services went with it (they die with their console).
        m_up = false;
        QHash<QString, ServiceStatus> gone;
        for (const QString &name : std::as_const(m_services)) {
            ServiceStatus s;
            s.state = ServiceStatus::State::Unknown;
            s.detail = QStringLiteral("the console that ran the stack went away");
            m_statuses.insert(name, s);
            gone.insert(name, s);
        }
        Q_EMIT statusesChanged(gone);
    });
}

RemoteStackBackend::~RemoteStackBackend() = default;

bool RemoteStackBackend::isServing(const QString &socketPath)
{
    QLocalSocket probe;
    probe.connectToServer(socketPath);
    // A Unix-domain connect completes (or is refused) within the call: nothing to wait for.
    return probe.state() == QLocalSocket::ConnectedState;
}

void RemoteStackBackend::up()
{
    if (m_up) {
        QTimer::singleShot(0, this, [this] { Q_EMIT upFinished(true, {}); });
        return;
    }
    m_attaching = true;
    m_socket->connectToServer(m_path);
    send(QStringLiteral("hello"), {});
}

void RemoteStackBackend::down()
{
    // Not ours to stop: detach and leave it running for the next run.
    m_up = false;
    m_socket->disconnectFromServer();
    QTimer::singleShot(0, this, [this] { Q_EMIT downFinished(); });
}

void RemoteStackBackend::restart(const QString &service, const QMap<QString, QString> &envOverrides)
{
    QJsonObject env;
    for (auto it = envOverrides.cbegin(); it != envOverrides.cend(); ++it)
        env.insert(it.key(), it.value());
    send(QStringLiteral("restart"), service, {{QStringLiteral("env"), env}});
}

ServiceStatus RemoteStackBackend::status(const QString &service) const
{
    if (m_statuses.contains(service))
        return m_statuses.value(service);
    ServiceStatus unknown;
    unknown.state = ServiceStatus::State::Unknown;
    unknown.detail = QStringLiteral("no service named '%1'").arg(service);
    return unknown;
}

void RemoteStackBackend::send(const QString &op, const QString &service, const QJsonObject &extra)
{
    if (m_socket->state() == QLocalSocket::UnconnectedState) {
        if (op != QLatin1String("hello")) // the attach failure already says why
            QTimer::singleShot(0, this, [this, op, service] {
                Q_EMIT actionFinished(service, op, false, QStringLiteral("the console that runs the stack is not reachable"));
            });
        return;
    }
    QJsonObject m = extra;
    m.insert(QStringLiteral("op"), op);
    if (!service.isEmpty())
        m.insert(QStringLiteral("service"), service);
    m_socket->write(StackWire::line(m));
}

void RemoteStackBackend::onReadyRead()
{
    while (m_socket->canReadLine())
        handle(m_socket->readLine());
}

void RemoteStackBackend::handle(const QByteArray &line)
{
    const QJsonObject m = QJsonDocument::fromJson(line).object();
    const QString type = m.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("hello")) {
        m_attaching = false;
        m_ownerPid = qint64(m.value(QStringLiteral("console_pid")).toDouble());
        m_services.clear();
        for (const QJsonValue &v : m.value(QStringLiteral("services")).toArray())
            m_services.append(v.toString());
        const QJsonObject statuses = m.value(QStringLiteral("statuses")).toObject();
        QHash<QString, ServiceStatus> all;
        for (auto it = statuses.constBegin(); it != statuses.constEnd(); ++it)
            all.insert(it.key(), StackWire::statusFromJson(it.value().toObject()));
        m_statuses = all;
        m_up = m.value(QStringLiteral("up")).toBool();
        Q_EMIT statusesChanged(all);
        if (m_up)
            Q_EMIT upFinished(true, {});
        else
            Q_EMIT upFinished(false, QStringLiteral("the stack of console pid %1 is not up (yet): wait for 'stack up' to say so").arg(m_ownerPid));
    } else if (type == QLatin1String("status")) {
        const QString service = m.value(QStringLiteral("service")).toString();
        const ServiceStatus s = StackWire::statusFromJson(m.value(QStringLiteral("status")).toObject());
        m_statuses.insert(service, s);
        Q_EMIT statusesChanged({{service, s}});
    } else if (type == QLatin1String("logs")) {
        QList<LogLine> lines;
        for (const QJsonValue &v : m.value(QStringLiteral("lines")).toArray())
            lines.append(StackWire::logLineFromJson(v.toObject()));
        Q_EMIT logLines(lines);
    } else if (type == QLatin1String("action")) {
        Q_EMIT actionFinished(m.value(QStringLiteral("service")).toString(), m.value(QStringLiteral("action")).toString(),
                              m.value(QStringLiteral("ok")).toBool(), m.value(QStringLiteral("error")).toString());
    } else if (type == QLatin1String("down")) {
        m_up = false;
    }
}
