#include "probeexecutor.h"

#include "childprocesssetup.h"
#include "deadlinequeue.h"
#include "httpprobeconnection.h"
#include "monoclock.h"
#include "namespacelaunch.h"
#include "probevalue.h"
#include "processtree.h"
#include "redisconnection.h"
#include "sqlprobeconnection.h"

#include <QMetaObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QPointer>
#include <QProcess>
#include <QSqlDatabase>
#include <QTcpSocket>
#include <QUrl>

#include <algorithm>
#include <csignal>
#include <limits>
#include <memory>

#include <unistd.h>

namespace {
constexpr qint64 NsPerMs = 1'000'000;

// "host:port" or "[v6]:port"; false when malformed.
bool splitAddress(const QString &address, QString *host, quint16 *port)
{
    const int colon = address.lastIndexOf(QLatin1Char(':'));
    bool portOk = false;
    *port = colon > 0 ? address.mid(colon + 1).toUShort(&portOk) : 0;
    *host = colon > 0 ? address.left(colon) : QString();
    if (host->startsWith(QLatin1Char('[')) && host->endsWith(QLatin1Char(']')))
        *host = host->mid(1, host->size() - 2);
    return portOk && *port != 0 && !host->isEmpty();
}

QString lastLine(const QByteArray &text)
{
    return QString::fromUtf8(text).trimmed().section(QLatin1Char('\n'), -1);
}
} // namespace

ProbeExecutor::ProbeExecutor(QObject *parent)
    : QObject(parent)
    , m_deadlines(new DeadlineQueue([this](quint64 attempt) { onDeadline(attempt); }, this))
{
    qRegisterMetaType<ProbeOutcome>();
}

ProbeExecutor::~ProbeExecutor()
{
    clear();
    // A command still running must not be destroyed with us ("Destroyed while process is still
    // running"): it was killed by clear(); let it delete itself once reaped.
    const QList<QProcess *> processes = findChildren<QProcess *>(Qt::FindDirectChildrenOnly);
    for (QProcess *p : processes) {
        if (p->state() == QProcess::NotRunning)
            continue;
        p->disconnect(this);
        p->setParent(nullptr);
        connect(p, &QProcess::finished, p, &QObject::deleteLater);
    }
}

QString ProbeExecutor::timedOutText(qint64 timeoutMs)
{
    return QStringLiteral("timed out after %1 ms").arg(timeoutMs);
}

int ProbeExecutor::parallelLimit(const ProbeSpec &spec, qint64 intervalMs, qint64 timeoutMs)
{
    intervalMs = std::max<qint64>(intervalMs, 1);
    // Enough for a full timeout at the full rate, within the kind's own bound.
    const qint64 full = (std::max<qint64>(timeoutMs, 1) + intervalMs - 1) / intervalMs + 1;
    switch (spec.kind) {
    case ProbeSpec::Kind::Http:
    case ProbeSpec::Kind::Tcp: return int(std::min<qint64>(full, MaxParallelConnections));
    // Pipelined commands cost one connection however many: room for late deadlines too.
    case ProbeSpec::Kind::Redis: return int(std::min<qint64>(2 * full, MaxPipelined));
    case ProbeSpec::Kind::Sql: return int(std::min<qint64>(full, MaxSqlConnections));
    case ProbeSpec::Kind::Command: return 1;
    }
    return 1;
}

int ProbeExecutor::add(const ProbeSpec &spec)
{
    return add(spec, Options());
}

int ProbeExecutor::add(const ProbeSpec &spec, const Options &options)
{
    const int id = ++m_lastChannel;
    Channel &c = m_channels[id];
    c.spec = spec;
    c.timeoutMs = options.timeoutMs > 0 ? options.timeoutMs : spec.timeoutMs > 0 ? spec.timeoutMs : 1000;
    c.maxParallel = options.maxParallel > 0 ? options.maxParallel : parallelLimit(spec, spec.intervalMs, c.timeoutMs);
    c.keepOutput = options.keepOutput;
    prepare(c, id);
    return id;
}

void ProbeExecutor::prepare(Channel &c, int channelId)
{
    const ProbeSpec &spec = c.spec;
    switch (spec.kind) {
    case ProbeSpec::Kind::Http: {
        const QUrl url(spec.url);
        const QString scheme = url.scheme();
        if (!url.isValid() || url.host().isEmpty()
            || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
            c.setupError = QStringLiteral("invalid URL '%1'").arg(spec.url);
            break;
        }
        // HALAB_PROBE_HTTP_QNAM=1 keeps plain http on QNAM too: the benchmark's before/after switch.
        static const bool qnamOnly = qEnvironmentVariableIsSet("HALAB_PROBE_HTTP_QNAM");
        if (scheme == QLatin1String("http") && url.userInfo().isEmpty() && !qnamOnly) {
            // Plain http: our own keep-alive connections, a fraction of QNAM's cost per request.
            c.nativeHttp = true;
            const quint16 port = quint16(url.port(80));
            c.host = url.host();
            c.port = port;
            QByteArray hostHeader = url.host(QUrl::FullyEncoded).toLatin1();
            if (hostHeader.contains(':'))
                hostHeader = '[' + hostHeader + ']';
            if (url.port() > 0)
                hostHeader += ':' + QByteArray::number(url.port());
            QByteArray target = url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority | QUrl::RemoveFragment);
            if (target.isEmpty())
                target = "/";
            QList<std::pair<QByteArray, QByteArray>> headers;
            for (auto it = spec.headers.cbegin(); it != spec.headers.cend(); ++it)
                headers.append({it.key().toUtf8(), it.value().toUtf8()});
            c.verb = spec.method.isEmpty() ? QByteArrayLiteral("GET") : spec.method.toUpper().toLatin1();
            c.httpRequest = HttpProbeConnection::requestBytes(c.verb, target, hostHeader, headers, spec.body.toUtf8());
            break;
        }
        if (!m_nam) {
            m_nam = new QNetworkAccessManager(this);
            // Probes measure the stack on this machine; a proxy from the environment would distort them.
            m_nam->setProxy(QNetworkProxy::NoProxy);
        }
        c.request = QNetworkRequest(url);
        // The probe judges the status it is given; following a redirect would hide it.
        c.request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
        // Qt's transfer timeout restarts with every byte and is coarse (fires up to 5% early):
        // only a backstop just behind our own precise per-attempt deadline.
        c.request.setTransferTimeout(int(std::min<qint64>(c.timeoutMs + std::max<qint64>(c.timeoutMs / 10, 5),
                                                          std::numeric_limits<int>::max())));
        for (auto it = spec.headers.cbegin(); it != spec.headers.cend(); ++it)
            c.request.setRawHeader(it.key().toUtf8(), it.value().toUtf8());
        c.verb = spec.method.isEmpty() ? QByteArrayLiteral("GET") : spec.method.toUpper().toLatin1();
        c.body = spec.body.toUtf8();
        // Keep-alive stays on (QNAM's default). Each probe gets connections of its own (a distinct
        // peerVerifyName is a distinct connection-cache key in Qt 6.4), and maxParallel <= 6
        // attempts: an attempt never queues behind another probe's hung request inside QNAM.
        // https keeps the host's pool: there peerVerifyName is the certificate's name.
        if (scheme == QLatin1String("http"))
            c.request.setPeerVerifyName(QStringLiteral("halab-probe-%1").arg(channelId));
        break;
    }
    case ProbeSpec::Kind::Tcp:
        if (!splitAddress(spec.address, &c.host, &c.port))
            c.setupError = QStringLiteral("bad tcp address '%1' (want host:port)").arg(spec.address);
        break;
    case ProbeSpec::Kind::Command:
        if (spec.command.isEmpty()) {
            c.setupError = QStringLiteral("empty command");
            break;
        }
        if (!spec.env.isEmpty()) {
            // Secrets reach the command through its environment, never its argv.
            c.env = QProcessEnvironment::systemEnvironment();
            for (auto it = spec.env.cbegin(); it != spec.env.cend(); ++it)
                c.env.insert(it.key(), it.value());
        }
        break;
    case ProbeSpec::Kind::Sql:
        if (spec.connection.trimmed().isEmpty() || spec.query.trimmed().isEmpty()) {
            c.setupError = QStringLiteral("an sql probe needs a connection and a query");
            break;
        }
        if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))) {
            c.setupError = QStringLiteral("the PostgreSQL driver of Qt SQL is missing (Debian: apt install libqt6sql6-psql)");
            break;
        }
        c.sqlPool.append(new SqlProbeConnection(spec, c.timeoutMs, this)); // connects ahead of the first slot
        c.sqlBusy.append(false);
        connect(c.sqlPool.first(), &SqlProbeConnection::finished, this, [this, channelId](quint64 attempt, const ProbeOutcome &o) {
            const auto it = m_channels.find(channelId);
            if (it != m_channels.end())
                it->sqlBusy[0] = false;
            complete(attempt, o);
        });
        break;
    case ProbeSpec::Kind::Redis: {
        if (!splitAddress(spec.address, &c.host, &c.port)) {
            c.setupError = QStringLiteral("bad redis address '%1' (want host:port)").arg(spec.address);
            break;
        }
        if (spec.redisCommand.isEmpty()) {
            c.setupError = QStringLiteral("a redis probe needs a command");
            break;
        }
        for (const QString &a : spec.redisCommand)
            c.redisArgv.append(a.toUtf8());
        // As redis-cli: the password from REDISCLI_AUTH, so a secret never sits in the command.
        c.redis = new RedisConnection(c.host, c.port, spec.env.value(QStringLiteral("REDISCLI_USER")).toUtf8(),
                                      spec.env.value(QStringLiteral("REDISCLI_AUTH")).toUtf8(), this);
        break;
    }
    }
}

void ProbeExecutor::remove(int channel)
{
    const auto it = m_channels.find(channel);
    if (it == m_channels.end())
        return;
    QList<quint64> attempts;
    for (auto a = m_attempts.cbegin(); a != m_attempts.cend(); ++a)
        if (a->channel == channel)
            attempts.append(a.key());
    for (quint64 id : std::as_const(attempts))
        dropAttempt(id);
    const auto again = m_channels.find(channel);
    if (again == m_channels.end())
        return;
    // Later: this may run inside one of their own callbacks.
    for (HttpProbeConnection *connection : std::as_const(again->httpPool)) {
        connection->abort();
        connection->deleteLater();
    }
    for (SqlProbeConnection *sql : std::as_const(again->sqlPool))
        sql->deleteLater();
    if (again->redis) {
        again->redis->reset(QStringLiteral("probe removed"));
        again->redis->deleteLater();
    }
    m_channels.erase(again);
}

void ProbeExecutor::clear()
{
    abandonAll();
    const QList<int> ids = m_channels.keys();
    for (int id : ids)
        remove(id);
    m_deadlines->clear();
}

void ProbeExecutor::abandonAll()
{
    const QList<quint64> ids = m_attempts.keys();
    for (quint64 id : ids)
        dropAttempt(id);
}

void ProbeExecutor::dropAttempt(quint64 attempt)
{
    const auto it = m_attempts.find(attempt);
    if (it == m_attempts.end())
        return;
    const Attempt a = std::move(*it);
    m_attempts.erase(it);
    m_deadlines->cancel(attempt);
    const auto c = m_channels.find(a.channel);
    if (c != m_channels.end()) {
        --c->inFlight;
        if (a.reported)
            --c->stuck;
    }
    if (a.cancel)
        a.cancel(); // its completion finds no attempt and only cleans up
}

QString ProbeExecutor::setupError(int channel) const
{
    return m_channels.value(channel).setupError;
}

int ProbeExecutor::inFlight(int channel) const
{
    const auto it = m_channels.constFind(channel);
    return it == m_channels.cend() ? 0 : it->inFlight;
}

int ProbeExecutor::runningProcesses() const
{
    return m_processes;
}

quint64 ProbeExecutor::begin(int channel, Done done, qint64 startNs)
{
    const quint64 id = ++m_lastAttempt;
    Channel &c = m_channels[channel];
    ++c.inFlight;
    Attempt &a = m_attempts[id];
    a.channel = channel;
    a.done = std::move(done);
    a.startNs = startNs;
    m_deadlines->add(startNs + c.timeoutMs * NsPerMs, id);
    return id;
}

ProbeExecutor::Admission ProbeExecutor::run(int channel, Done done)
{
    const auto it = m_channels.find(channel);
    Q_ASSERT(it != m_channels.end());
    if (it == m_channels.end())
        return Admission::Busy;
    Channel &c = *it;
    if (c.inFlight >= c.maxParallel) {
        // A timed-out command was killed at its deadline and is only waiting to be reaped: a slot
        // due in that instant asked the target nothing (skipped, like one due while it ran). A
        // failure there claimed an outage when nobody looked: a Sentinel failover measured
        // 700 ms late. A connection still held by a silent target is its failure.
        if (c.spec.kind == ProbeSpec::Kind::Command)
            return Admission::Busy;
        return c.stuck >= c.inFlight ? Admission::Stuck : Admission::Busy;
    }
    const quint64 id = begin(channel, std::move(done), MonoClock::nowNs());
    if (!c.setupError.isEmpty()) {
        ProbeOutcome o;
        o.error = c.setupError;
        // Reported on the next turn of the event loop, like every other outcome.
        QMetaObject::invokeMethod(this, [this, id, o]() { complete(id, o); }, Qt::QueuedConnection);
        return Admission::Started;
    }
    switch (c.spec.kind) {
    case ProbeSpec::Kind::Http: startHttp(id, c); break;
    case ProbeSpec::Kind::Tcp: startTcp(id, c); break;
    case ProbeSpec::Kind::Command: startCommand(id, c); break;
    case ProbeSpec::Kind::Sql: startSql(id, c); break;
    case ProbeSpec::Kind::Redis: startRedis(id, c); break;
    }
    return Admission::Started;
}

void ProbeExecutor::runOnce(const ProbeSpec &spec, const Options &options, Done done)
{
    Options o = options;
    o.maxParallel = 1;
    const int channel = add(spec, o);
    m_channels[channel].once = true;
    run(channel, std::move(done));
}

void ProbeExecutor::onDeadline(quint64 attempt)
{
    const auto it = m_attempts.find(attempt);
    if (it == m_attempts.end() || it->reported)
        return;
    it->reported = true;
    const auto c = m_channels.find(it->channel);
    if (c == m_channels.end())
        return;
    ++c->stuck;
    ProbeOutcome o;
    o.timedOut = true;
    o.error = timedOutText(c->timeoutMs);
    o.startNs = it->startNs;
    o.endNs = MonoClock::nowNs();
    const Done done = std::move(it->done);
    const std::function<void()> cancel = it->cancel;
    // First end the operation (it may complete at once and free its slot), then report.
    if (cancel)
        cancel();
    if (done)
        done(o);
}

void ProbeExecutor::complete(quint64 attempt, ProbeOutcome o)
{
    const auto it = m_attempts.find(attempt);
    if (it == m_attempts.end())
        return; // abandoned
    Attempt a = std::move(*it);
    m_attempts.erase(it);
    const auto c = m_channels.find(a.channel);
    if (c == m_channels.end())
        return;
    --c->inFlight;
    const bool once = c->once;
    if (a.reported) {
        --c->stuck;
        if (once && c->inFlight == 0)
            remove(a.channel);
        return;
    }
    m_deadlines->cancel(attempt);
    o.startNs = a.startNs;
    if (o.endNs == 0)
        o.endNs = MonoClock::nowNs();
    judge(*c, o);
    if (once)
        remove(a.channel);
    if (a.done)
        a.done(o);
}

void ProbeExecutor::judge(const Channel &c, ProbeOutcome &o) const
{
    const ProbeSpec &spec = c.spec;
    if (!o.responded)
        return; // the operation set ok (tcp) or error
    const auto pickValue = [&]() {
        QString extractError;
        const std::optional<QString> value = ProbeValue::extract(spec, o.output, &extractError);
        if (value) {
            o.value = *value;
        } else if (o.ok) {
            // A value probe that cannot read its value did not do its job.
            o.ok = false;
            o.error = extractError;
        }
    };
    const auto expectValue = [&]() {
        if (spec.expectValue.isEmpty() || !o.ok)
            return;
        if (o.value != spec.expectValue) {
            o.ok = false;
            o.error = QStringLiteral("got '%1', expected '%2'").arg(o.value.left(200), spec.expectValue);
        }
    };
    switch (spec.kind) {
    case ProbeSpec::Kind::Http:
        o.ok = spec.expectStatus != 0 ? o.status == spec.expectStatus : (o.status >= 200 && o.status < 300);
        o.error = o.ok ? QString() : QStringLiteral("HTTP %1").arg(o.status);
        if (ProbeValue::wantsValue(spec))
            pickValue();
        break;
    case ProbeSpec::Kind::Tcp:
        break;
    case ProbeSpec::Kind::Command:
        o.ok = o.status == spec.expectExit;
        if (o.ok) {
            o.error.clear();
        } else {
            const QString stderrLine = o.error; // the operation left stderr's last line here
            o.error = QStringLiteral("exit code %1").arg(o.status);
            if (!stderrLine.isEmpty())
                o.error += QStringLiteral(": ") + stderrLine;
        }
        if (ProbeValue::wantsValue(spec))
            pickValue();
        break;
    case ProbeSpec::Kind::Sql:
        o.ok = true;
        if (spec.expectRows >= 0 && o.status != spec.expectRows) {
            o.ok = false;
            o.error = QStringLiteral("%1 rows, expected %2").arg(o.status).arg(spec.expectRows);
        }
        pickValue();
        expectValue();
        break;
    case ProbeSpec::Kind::Redis: {
        const QString replyError = o.error; // an error reply: the target answered, but "no"
        o.ok = replyError.isEmpty() || !spec.expectValue.isEmpty();
        pickValue();
        expectValue();
        if (o.ok)
            o.error.clear();
        else if (o.error.isEmpty())
            o.error = replyError;
        break;
    }
    }
}

void ProbeExecutor::startNativeHttp(quint64 attempt, Channel &c, bool retry)
{
    // An idle connection of this probe (a failed one has reset itself and reconnects on send).
    HttpProbeConnection *connection = nullptr;
    for (HttpProbeConnection *candidate : std::as_const(c.httpPool)) {
        if (candidate->isBusy())
            continue;
        if (!candidate->isUsable())
            candidate->abort();
        connection = candidate;
        break;
    }
    if (!connection) {
        connection = new HttpProbeConnection(c.host, c.port, this);
        c.httpPool.append(connection);
    }
    const int channel = m_attempts.value(attempt).channel;
    const bool wantBody = c.keepOutput || ProbeValue::wantsValue(c.spec);
    m_attempts[attempt].cancel = [this, attempt, connection = QPointer<HttpProbeConnection>(connection)]() {
        if (connection)
            connection->abort(); // a late answer must not land on the next request
        complete(attempt, {});
    };
    connection->send(c.httpRequest, c.verb == "HEAD", wantBody ? MaxOutputBytes : 0,
                     [this, attempt, channel, retry](const HttpProbeConnection::Answer &answer) {
                         if (!answer.responded && answer.retryable && !retry && m_attempts.contains(attempt)) {
                             // The server had closed the idle keep-alive connection: one fresh try.
                             const auto c = m_channels.find(channel);
                             if (c != m_channels.end()) {
                                 startNativeHttp(attempt, *c, true);
                                 return;
                             }
                         }
                         ProbeOutcome o;
                         o.endNs = MonoClock::nowNs();
                         o.responded = answer.responded;
                         o.status = answer.status;
                         o.output = answer.body;
                         o.error = answer.error;
                         complete(attempt, o);
                     });
}

void ProbeExecutor::startHttp(quint64 attempt, Channel &c)
{
    if (c.nativeHttp) {
        startNativeHttp(attempt, c, false);
        return;
    }
    QNetworkReply *reply = nullptr;
    if (c.verb == "GET" && c.body.isEmpty())
        reply = m_nam->get(c.request);
    else if (c.verb == "HEAD" && c.body.isEmpty())
        reply = m_nam->head(c.request);
    else if (c.body.isEmpty())
        reply = m_nam->sendCustomRequest(c.request, c.verb);
    else
        reply = m_nam->sendCustomRequest(c.request, c.verb, c.body);
    // Bounds connect + send + answer: a blackholed port never produces a transfer to time out.
    m_attempts[attempt].cancel = [reply = QPointer<QNetworkReply>(reply)]() {
        if (reply)
            reply->abort();
    };
    const bool wantBody = c.keepOutput || ProbeValue::wantsValue(c.spec);
    const qint64 timeoutMs = c.timeoutMs;
    connect(reply, &QNetworkReply::finished, this, [this, reply, attempt, wantBody, timeoutMs]() {
        reply->deleteLater();
        ProbeOutcome o;
        o.endNs = MonoClock::nowNs();
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        const QNetworkReply::NetworkError error = reply->error();
        if (error == QNetworkReply::OperationCanceledError || error == QNetworkReply::TimeoutError) {
            o.timedOut = true;
            o.error = timedOutText(timeoutMs); // only our deadline or the transfer backstop abort
        } else if (status.isValid()) {
            o.responded = true;
            o.status = status.toInt();
            if (wantBody && reply->isOpen())
                o.output = reply->read(MaxOutputBytes);
        } else {
            o.error = reply->errorString();
        }
        complete(attempt, o);
    });
}

void ProbeExecutor::startTcp(quint64 attempt, Channel &c)
{
    auto *socket = new QTcpSocket(this);
    socket->setProxy(QNetworkProxy::NoProxy);
    auto ended = std::make_shared<bool>(false);
    // Exactly one of connected / error / deadline ends the attempt.
    auto finish = [this, socket, attempt, ended](bool ok, const QString &error) {
        if (*ended)
            return;
        *ended = true;
        QObject::disconnect(socket, nullptr, this, nullptr);
        socket->abort();
        socket->deleteLater();
        ProbeOutcome o;
        o.endNs = MonoClock::nowNs();
        o.ok = ok;
        o.error = error;
        complete(attempt, o);
    };
    connect(socket, &QTcpSocket::connected, this, [finish]() { finish(true, {}); });
    connect(socket, &QAbstractSocket::errorOccurred, this,
            [finish, socket](QAbstractSocket::SocketError) { finish(false, socket->errorString()); });
    m_attempts[attempt].cancel = [finish]() { finish(false, {}); };
    socket->connectToHost(c.host, c.port);
}

void ProbeExecutor::startCommand(quint64 attempt, Channel &c)
{
    auto *process = new QProcess(this);
    // Own process group: the deadline kills the whole tree; dies with the console.
    ChildProcessSetup::apply(process);
    process->setStandardInputFile(QProcess::nullDevice());
    if (!c.env.isEmpty())
        process->setProcessEnvironment(c.env);
    ++m_processes;
    m_attempts[attempt].cancel = [process = QPointer<QProcess>(process)]() {
        if (process && process->state() != QProcess::NotRunning && process->processId() > 0)
            ProcessTree::signalTree(process->processId(), process->processId(), SIGKILL);
    };
    connect(process, &QProcess::finished, this, [this, process, attempt](int code, QProcess::ExitStatus status) {
        ProbeOutcome o;
        o.endNs = MonoClock::nowNs();
        o.output = process->readAllStandardOutput().left(MaxOutputBytes);
        if (status == QProcess::CrashExit) {
            o.error = QStringLiteral("killed by a signal");
        } else {
            o.responded = true;
            o.status = code;
            o.error = lastLine(process->readAllStandardError().right(4096)); // judge() words it
        }
        onProcessGone(process);
        complete(attempt, o);
    });
    connect(process, &QProcess::errorOccurred, this, [this, process, attempt](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return; // crashes and kills arrive through finished()
        ProbeOutcome o;
        o.endNs = MonoClock::nowNs();
        o.error = process->errorString();
        onProcessGone(process);
        complete(attempt, o);
    });
    NamespaceLaunch inHost;
    // A host that is gone must not make the command run in the console's network: exit 125.
    if (!c.spec.netnsPath.isEmpty() && !inHost.prepare(process, c.spec.netnsPath))
        process->setChildProcessModifier([]() { ::_exit(125); });
    process->start(c.spec.command.first(), c.spec.command.mid(1));
}

void ProbeExecutor::onProcessGone(QProcess *process)
{
    process->disconnect(this);
    process->deleteLater();
    --m_processes;
    Q_EMIT processReaped();
}

void ProbeExecutor::startSql(quint64 attempt, Channel &c)
{
    qsizetype index = c.sqlBusy.indexOf(false);
    if (index < 0) {
        // Both busy cannot happen (maxParallel); one busy: a second connection of this probe.
        index = c.sqlPool.size();
        auto *sql = new SqlProbeConnection(c.spec, c.timeoutMs, this);
        c.sqlPool.append(sql);
        c.sqlBusy.append(false);
        const int channelId = m_attempts.value(attempt).channel;
        connect(sql, &SqlProbeConnection::finished, this, [this, channelId, index](quint64 done, const ProbeOutcome &o) {
            const auto it = m_channels.find(channelId);
            if (it != m_channels.end())
                it->sqlBusy[index] = false;
            complete(done, o);
        });
    }
    c.sqlBusy[index] = true;
    SqlProbeConnection *sql = c.sqlPool.at(index);
    sql->run(attempt);
    m_attempts[attempt].cancel = [sql = QPointer<SqlProbeConnection>(sql)]() {
        if (sql)
            sql->cut(); // the blocked query returns at once; the answer is then ignored
    };
}

void ProbeExecutor::startRedis(quint64 attempt, Channel &c)
{
    const quint64 command = c.redis->send(c.redisArgv, [this, attempt](bool ok, const RespReader::Reply &reply, const QString &error) {
        ProbeOutcome o;
        o.endNs = MonoClock::nowNs();
        if (ok) {
            o.responded = true;
            o.output = reply.text.left(MaxOutputBytes);
            if (reply.error)
                o.error = QString::fromUtf8(reply.text.left(500));
        } else {
            o.error = error;
        }
        complete(attempt, o);
    });
    m_attempts[attempt].cancel = [this, attempt, command, redis = QPointer<RedisConnection>(c.redis)]() {
        if (redis)
            redis->abandon(command); // its late reply is read and dropped; the connection stays
        complete(attempt, {});
    };
}
