#include "serviceprober.h"

#include "childprocesssetup.h"
#include "processtree.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>

namespace {
constexpr qint64 MaxOutputBytes = 1 << 20;

QString jsonText(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::String: return v.toString();
    case QJsonValue::Bool: return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Null: return QStringLiteral("null");
    case QJsonValue::Double: {
        const double d = v.toDouble();
        if (d == static_cast<double>(static_cast<qint64>(d)))
            return QString::number(static_cast<qint64>(d));
        return QString::number(d, 'g', 17);
    }
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    case QJsonValue::Undefined: break;
    }
    return {};
}

// RFC 6901 over QJsonDocument: "/a/b/0"; "~1" is "/" and "~0" is "~".
std::optional<QJsonValue> resolvePointer(const QJsonDocument &doc, const QString &pointer)
{
    QJsonValue current = doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
    if (pointer.isEmpty())
        return current;
    if (!pointer.startsWith(QLatin1Char('/')))
        return std::nullopt;
    const QStringList tokens = pointer.mid(1).split(QLatin1Char('/'));
    for (QString token : tokens) {
        token.replace(QStringLiteral("~1"), QStringLiteral("/")).replace(QStringLiteral("~0"), QStringLiteral("~"));
        if (current.isObject()) {
            const QJsonObject o = current.toObject();
            if (!o.contains(token))
                return std::nullopt;
            current = o.value(token);
        } else if (current.isArray()) {
            bool ok = false;
            const int index = token.toInt(&ok);
            const QJsonArray a = current.toArray();
            if (!ok || index < 0 || index >= a.size())
                return std::nullopt;
            current = a.at(index);
        } else {
            return std::nullopt;
        }
    }
    return current;
}

QString timedOut(qint64 ms)
{
    return QStringLiteral("timed out after %1 ms").arg(ms);
}
} // namespace

ServiceProber::ServiceProber(const QString &service, const std::optional<ProbeSpec> &ready,
                             const std::optional<RoleProbeSpec> &role, QObject *parent)
    : QObject(parent)
    , m_service(service)
    , m_ready(ready)
    , m_role(role)
    , m_nam(new QNetworkAccessManager(this))
    , m_readyTimer(new QTimer(this))
    , m_healthTimer(new QTimer(this))
    , m_roleTimer(new QTimer(this))
{
    // Probes measure the stack on this machine; a proxy from the environment would distort them.
    m_nam->setProxy(QNetworkProxy::NoProxy);
    m_readyTimer->setInterval(std::chrono::milliseconds(
        m_ready && m_ready->intervalMs > 0 ? m_ready->intervalMs : DefaultReadyIntervalMs));
    m_healthTimer->setInterval(std::chrono::milliseconds(HealthIntervalMs));
    m_roleTimer->setInterval(std::chrono::milliseconds(
        m_role && m_role->probe.intervalMs > 0 ? m_role->probe.intervalMs : DefaultRoleIntervalMs));
    connect(m_readyTimer, &QTimer::timeout, this, &ServiceProber::readyTick);
    connect(m_healthTimer, &QTimer::timeout, this, &ServiceProber::healthTick);
    connect(m_roleTimer, &QTimer::timeout, this, &ServiceProber::roleTick);
}

ServiceProber::~ServiceProber()
{
    // A probe command still running must not be destroyed with us ("Destroyed while process is
    // still running"): kill it and let it delete itself once reaped.
    const QList<QProcess *> processes = findChildren<QProcess *>(Qt::FindDirectChildrenOnly);
    for (QProcess *p : processes) {
        if (p->state() == QProcess::NotRunning)
            continue;
        p->disconnect();
        p->setParent(nullptr);
        connect(p, &QProcess::finished, p, &QObject::deleteLater);
        ProcessTree::signalTree(p->processId(), p->processId(), SIGKILL);
    }
}

void ServiceProber::start()
{
    stop();
    if (m_ready) {
        m_readyClock.start();
        m_lastReadyError.clear();
        m_readyTimer->start();
        readyTick();
    }
    if (m_role) {
        m_roleTimer->start();
        roleTick();
    }
}

void ServiceProber::stop()
{
    ++m_generation;
    m_readyTimer->stop();
    m_healthTimer->stop();
    m_roleTimer->stop();
    m_healthInFlight = false;
    m_roleInFlight = false;
}

qint64 ServiceProber::attemptTimeoutMs() const
{
    // In the lab ready.timeoutMs is the whole readiness budget; one attempt gets at most 1 s.
    return std::min(m_ready ? readyBudgetMs(*m_ready) : MaxAttemptMs, MaxAttemptMs);
}

void ServiceProber::readyTick()
{
    if (m_healthInFlight)
        return;
    m_healthInFlight = true;
    const quint64 generation = m_generation;
    runProbe(*m_ready, attemptTimeoutMs(), [this, generation](const Outcome &o) {
        if (generation != m_generation)
            return;
        m_healthInFlight = false;
        if (o.ok) {
            m_readyTimer->stop();
            setHealth(ServiceStatus::Health::Healthy, {});
            m_healthTimer->start();
            Q_EMIT readyFinished(true, {});
            return;
        }
        m_lastReadyError = o.error;
        if (m_readyClock.elapsed() >= readyBudgetMs(*m_ready)) {
            m_readyTimer->stop();
            setHealth(ServiceStatus::Health::Unhealthy, o.error);
            m_healthTimer->start(); // it may still come up; keep watching
            Q_EMIT readyFinished(false, o.error);
        }
    });
}

void ServiceProber::healthTick()
{
    if (m_healthInFlight)
        return;
    m_healthInFlight = true;
    const quint64 generation = m_generation;
    runProbe(*m_ready, attemptTimeoutMs(), [this, generation](const Outcome &o) {
        if (generation != m_generation)
            return;
        m_healthInFlight = false;
        setHealth(o.ok ? ServiceStatus::Health::Healthy : ServiceStatus::Health::Unhealthy, o.error);
    });
}

void ServiceProber::roleTick()
{
    if (m_roleInFlight)
        return;
    m_roleInFlight = true;
    const quint64 generation = m_generation;
    const qint64 timeout = m_role->probe.timeoutMs > 0 ? m_role->probe.timeoutMs : MaxAttemptMs;
    runProbe(m_role->probe, timeout, [this, generation](const Outcome &o) {
        if (generation != m_generation)
            return;
        m_roleInFlight = false;
        setRole(decideRole(*m_role, o));
    });
}

void ServiceProber::setHealth(ServiceStatus::Health health, const QString &detail)
{
    if (health == m_health)
        return;
    m_health = health;
    Q_EMIT healthChanged(health, detail);
}

void ServiceProber::setRole(const QString &role)
{
    if (m_roleKnown && role == m_roleValue)
        return;
    m_roleKnown = true;
    m_roleValue = role;
    Q_EMIT roleChanged(role);
}

void ServiceProber::runProbe(const ProbeSpec &spec, qint64 timeoutMs, const Done &done)
{
    switch (spec.kind) {
    case ProbeSpec::Kind::Http: runHttp(spec, timeoutMs, done); return;
    case ProbeSpec::Kind::Tcp: runTcp(spec, timeoutMs, done); return;
    case ProbeSpec::Kind::Command: runCommand(spec, timeoutMs, done); return;
    }
}

void ServiceProber::runHttp(const ProbeSpec &spec, qint64 timeoutMs, const Done &done)
{
    const QUrl url(spec.url);
    QNetworkRequest request(url);
    request.setTransferTimeout(static_cast<int>(timeoutMs));
    for (auto it = spec.headers.cbegin(); it != spec.headers.cend(); ++it)
        request.setRawHeader(it.key().toUtf8(), it.value().toUtf8());
    QNetworkReply *reply = m_nam->sendCustomRequest(request, spec.method.toLatin1(), spec.body.toUtf8());
    auto timedOutFlag = std::make_shared<bool>(false);
    // setTransferTimeout only counts idle time; this bounds the whole attempt.
    QTimer::singleShot(std::chrono::milliseconds(timeoutMs), reply, [reply, timedOutFlag]() {
        *timedOutFlag = true;
        reply->abort();
    });
    connect(reply, &QNetworkReply::finished, this, [reply, spec, timeoutMs, timedOutFlag, done]() {
        reply->deleteLater();
        Outcome o;
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        o.responded = status.isValid();
        o.status = status.toInt();
        if (reply->isOpen())
            o.output = reply->read(MaxOutputBytes);
        if (o.responded) {
            o.ok = spec.expectStatus != 0 ? o.status == spec.expectStatus : (o.status >= 200 && o.status < 300);
            if (!o.ok)
                o.error = QStringLiteral("HTTP %1").arg(o.status);
        } else if (*timedOutFlag || reply->error() == QNetworkReply::OperationCanceledError
                   || reply->error() == QNetworkReply::TimeoutError) {
            o.error = timedOut(timeoutMs);
        } else {
            o.error = reply->errorString();
        }
        done(o);
    });
}

void ServiceProber::runTcp(const ProbeSpec &spec, qint64 timeoutMs, const Done &done)
{
    const int colon = spec.address.lastIndexOf(QLatin1Char(':'));
    bool portOk = false;
    const quint16 port = colon > 0 ? spec.address.mid(colon + 1).toUShort(&portOk) : 0;
    QString host = colon > 0 ? spec.address.left(colon) : QString();
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    if (!portOk || host.isEmpty()) {
        Outcome o;
        o.error = QStringLiteral("bad tcp address '%1' (want host:port)").arg(spec.address);
        // Reported on the next turn of the event loop, like every other outcome.
        QTimer::singleShot(0, this, [done, o]() { done(o); });
        return;
    }
    auto *socket = new QTcpSocket(this);
    socket->setProxy(QNetworkProxy::NoProxy);
    auto finished = std::make_shared<bool>(false);
    auto finish = [socket, finished, done](bool ok, const QString &error) {
        if (*finished)
            return;
        *finished = true;
        Outcome o;
        o.ok = ok;
        o.error = error;
        socket->disconnect();
        socket->abort();
        socket->deleteLater();
        done(o);
    };
    connect(socket, &QTcpSocket::connected, socket, [finish]() { finish(true, {}); });
    connect(socket, &QAbstractSocket::errorOccurred, socket,
            [socket, finish](QAbstractSocket::SocketError) { finish(false, socket->errorString()); });
    QTimer::singleShot(std::chrono::milliseconds(timeoutMs), socket,
                       [finish, timeoutMs]() { finish(false, timedOut(timeoutMs)); });
    socket->connectToHost(host, port);
}

void ServiceProber::runCommand(const ProbeSpec &spec, qint64 timeoutMs, const Done &done)
{
    if (spec.command.isEmpty()) {
        Outcome o;
        o.error = QStringLiteral("empty command");
        QTimer::singleShot(0, this, [done, o]() { done(o); });
        return;
    }
    auto *process = new QProcess(this);
    ChildProcessSetup::apply(process);
    auto finished = std::make_shared<bool>(false);
    auto timedOutFlag = std::make_shared<bool>(false);
    connect(process, &QProcess::finished, process,
            [process, spec, finished, timedOutFlag, timeoutMs, done](int code, QProcess::ExitStatus status) {
                process->deleteLater();
                if (*finished)
                    return;
                *finished = true;
                Outcome o;
                o.output = process->readAllStandardOutput().left(MaxOutputBytes);
                if (*timedOutFlag) {
                    o.error = timedOut(timeoutMs);
                } else if (status == QProcess::CrashExit) {
                    o.error = QStringLiteral("killed by signal %1").arg(code);
                } else {
                    o.responded = true;
                    o.status = code;
                    o.ok = code == spec.expectExit;
                    if (!o.ok) {
                        const QString err = QString::fromUtf8(process->readAllStandardError()).trimmed();
                        o.error = QStringLiteral("exit code %1").arg(code);
                        if (!err.isEmpty())
                            o.error += QStringLiteral(": ") + err.section(QLatin1Char('\n'), -1);
                    }
                }
                done(o);
            });
    connect(process, &QProcess::errorOccurred, process,
            [process, finished, done](QProcess::ProcessError error) {
                if (error != QProcess::FailedToStart || *finished)
                    return;
                *finished = true;
                Outcome o;
                o.error = process->errorString();
                process->deleteLater();
                done(o);
            });
    QTimer::singleShot(std::chrono::milliseconds(timeoutMs), process, [process, timedOutFlag]() {
        if (process->state() == QProcess::NotRunning)
            return;
        *timedOutFlag = true;
        ProcessTree::signalTree(process->processId(), process->processId(), SIGKILL);
    });
    process->start(spec.command.first(), spec.command.mid(1));
}

std::optional<QString> ServiceProber::extract(const ProbeSpec &spec, const QByteArray &text, QString *error)
{
    if (!spec.jsonPointer.isEmpty()) {
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(text, &parseError);
        if (doc.isNull()) {
            if (error)
                *error = QStringLiteral("not JSON: %1").arg(parseError.errorString());
            return std::nullopt;
        }
        const auto value = resolvePointer(doc, spec.jsonPointer);
        if (!value) {
            if (error)
                *error = QStringLiteral("%1 not found").arg(spec.jsonPointer);
            return std::nullopt;
        }
        return jsonText(*value);
    }
    if (!spec.regex.isEmpty()) {
        const QRegularExpression re(spec.regex);
        if (!re.isValid()) {
            if (error)
                *error = QStringLiteral("bad regex: %1").arg(re.errorString());
            return std::nullopt;
        }
        const QRegularExpressionMatch m = re.match(QString::fromUtf8(text));
        if (!m.hasMatch()) {
            if (error)
                *error = QStringLiteral("regex did not match");
            return std::nullopt;
        }
        return re.captureCount() >= 1 ? m.captured(1) : m.captured(0);
    }
    return QString::fromUtf8(text).trimmed();
}

QString ServiceProber::decideRole(const RoleProbeSpec &spec, const Outcome &outcome)
{
    if (spec.leaderIfStatus != 0) {
        if (!outcome.responded)
            return {};
        return outcome.status == spec.leaderIfStatus ? QStringLiteral("leader") : QStringLiteral("replica");
    }
    if (!outcome.ok)
        return {};
    const auto value = extract(spec.probe, outcome.output);
    if (!value)
        return {};
    if (!spec.leaderIfEquals.isEmpty())
        return *value == spec.leaderIfEquals ? QStringLiteral("leader") : QStringLiteral("replica");
    return *value;
}
