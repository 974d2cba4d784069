#include "demoapiserver.h"

#include "jsonlog.h"
#include "leaderlease.h"
#include "pendingreply.h"
#include "redisclient.h"
#include "scheduler.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMimeDatabase>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTimer>

#include <algorithm>

using Method = QHttpServerRequest::Method;
using Status = QHttpServerResponse::StatusCode;

namespace {
QString methodName(Method m)
{
    switch (m) {
    case Method::Get: return QStringLiteral("GET");
    case Method::Put: return QStringLiteral("PUT");
    case Method::Delete: return QStringLiteral("DELETE");
    case Method::Post: return QStringLiteral("POST");
    case Method::Head: return QStringLiteral("HEAD");
    case Method::Options: return QStringLiteral("OPTIONS");
    case Method::Patch: return QStringLiteral("PATCH");
    case Method::Connect: return QStringLiteral("CONNECT");
    case Method::Trace: return QStringLiteral("TRACE");
    default: return QStringLiteral("UNKNOWN");
    }
}

const QString kStoreDown = QStringLiteral("shared store unreachable");
const QString kWritesBlocked = QStringLiteral("writes blocked: shared store unreachable");
} // namespace

DemoApiServer::DemoApiServer(const DemoConfig &config, QObject *parent)
    : QObject(parent),
      m_config(config),
      m_redis(new RedisClient(config.redisHost, config.redisPort, this)),
      m_lease(new LeaderLease(m_redis, config.nodeId, config.leaseTtlMs, config.leaseRenewMs, this)),
      m_scheduler(new Scheduler(m_redis, m_lease, config.nodeId, this)),
      m_keys(config.apiKeyAdmin, config.apiKeyEditor, config.apiKeyAdminPrevious,
             config.apiKeyEditorPrevious),
      m_signer(config.editorTokenSecret, config.editorTokenTtlMinutes),
      m_rateLimiter(m_redis, config.rateLimitMax, config.rateLimitWindowMs),
      m_assets(config.assetDir)
{
    setupRoutes();
}

DemoApiServer::~DemoApiServer() = default;

bool DemoApiServer::start(QString *error)
{
    if (!m_assets.ensureDir(error))
        return false;
    const quint16 port = m_http.listen(m_config.listenAddress, m_config.port);
    if (port == 0) {
        *error = QStringLiteral("cannot listen on ") + m_config.listenAddress.toString()
                 + QLatin1Char(':') + QString::number(m_config.port);
        return false;
    }
    JsonLog::info(QStringLiteral("listening"),
                  {{QStringLiteral("listen"), m_config.listenAddress.toString()},
                   {QStringLiteral("port"), int(port)},
                   {QStringLiteral("redis"), m_redis->address()},
                   {QStringLiteral("asset_dir"), m_config.assetDir},
                   {QStringLiteral("version"), QCoreApplication::applicationVersion()},
                   {QStringLiteral("lease_ttl_ms"), m_config.leaseTtlMs},
                   {QStringLiteral("lease_renew_ms"), m_config.leaseRenewMs},
                   {QStringLiteral("rate_limit_max"), m_config.rateLimitMax},
                   {QStringLiteral("rate_limit_window_ms"), m_config.rateLimitWindowMs},
                   {QStringLiteral("multi_tenant"), m_config.multiTenant}});
    m_redis->start();
    if (m_config.leaseStartDelayMs > 0)
        QTimer::singleShot(m_config.leaseStartDelayMs, m_lease, &LeaderLease::start); // rejoin as a follower first
    else
        m_lease->start();
    m_scheduler->start();
    return true;
}

void DemoApiServer::shutdown(int signum)
{
    if (m_shuttingDown) {
        JsonLog::warn(QStringLiteral("second signal, exiting now"), {{QStringLiteral("signal"), signum}});
        QCoreApplication::exit(0);
        return;
    }
    m_shuttingDown = true;
    JsonLog::info(QStringLiteral("shutting down"), {{QStringLiteral("signal"), signum}});
    m_scheduler->stop();
    const QList<QTcpServer *> servers = m_http.servers();
    for (QTcpServer *server : servers)
        server->close();
    // Bounded: the release EVAL is itself limited by the Redis command timeout (1 s).
    QTimer::singleShot(RedisClient::kCommandTimeoutMs + 500, this, []() {
        JsonLog::warn(QStringLiteral("shutdown timeout, exiting"));
        QCoreApplication::exit(0);
    });
    m_lease->release([]() {
        JsonLog::info(QStringLiteral("stopped"));
        QCoreApplication::exit(0);
    });
}

// ---------------------------------------------------------------------------------------------
// Routing. Every handler returns a QFuture fulfilled by a PendingReply, so Redis round-trips
// never block the event loop (QHttpServer 6.4 attaches the continuation with the socket as
// context, so a client that disconnects first simply drops the answer).

void DemoApiServer::setupRoutes()
{
    using Req = const QHttpServerRequest &;
    using Fut = QFuture<QHttpServerResponse>;
    m_http.route(QStringLiteral("/health"), [this](Req req) -> Fut {
        return serve(req, [this, &req](const ReplyPtr &r) { handleHealth(req, r); });
    });
    m_http.route(QStringLiteral("/health/ready"), [this](Req req) -> Fut {
        return serve(req, [this, &req](const ReplyPtr &r) { handleReady(req, r); });
    });
    m_http.route(QStringLiteral("/v1/ha/status"), [this](Req req) -> Fut {
        return serve(req, [this, &req](const ReplyPtr &r) { handleHaStatus(req, r); });
    });
    m_http.route(QStringLiteral("/auth/editor-token"), [this](Req req) -> Fut {
        return serve(req, [this, &req](const ReplyPtr &r) { handleEditorToken(req, r); });
    });
    m_http.route(QStringLiteral("/templates"), [this](Req req) -> Fut {
        return serve(req, [this, &req](const ReplyPtr &r) { handleTemplates(req, r); });
    });
    m_http.route(QStringLiteral("/templates/<arg>"), [this](const QString &id, Req req) -> Fut {
        return serve(req, [this, &id, &req](const ReplyPtr &r) { handleTemplate(id, req, r); });
    });
    m_http.route(QStringLiteral("/assets"), [this](Req req) -> Fut {
        return serve(req, [this, &req](const ReplyPtr &r) { handleAssets(req, r); });
    });
    m_http.route(QStringLiteral("/assets/<arg>"), [this](const QString &id, Req req) -> Fut {
        return serve(req, [this, &id, &req](const ReplyPtr &r) { handleAsset(id, req, r); });
    });
    m_http.route(QStringLiteral("/rate-limited"), [this](Req req) -> Fut {
        return serve(req, [this, &req](const ReplyPtr &r) { handleRateLimited(req, r); });
    });
    m_http.route(QStringLiteral("/schedules"), [this](Req req) -> Fut {
        return serve(req, [this, &req](const ReplyPtr &r) { handleSchedules(req, r); });
    });
    m_http.route(QStringLiteral("/schedules/<arg>"), [this](const QString &id, Req req) -> Fut {
        return serve(req, [this, &id, &req](const ReplyPtr &r) { handleSchedule(id, req, r); });
    });
    m_http.route(QStringLiteral("/schedules/<arg>/executions"), [this](const QString &id, Req req) -> Fut {
        return serve(req, [this, &id, &req](const ReplyPtr &r) { handleScheduleExecutions(id, req, r); });
    });
    m_http.route(QStringLiteral("/admin/unavailable"), [this](Req req) -> Fut {
        return serve(req, [this, &req](const ReplyPtr &r) { handleAdminUnavailable(req, r); });
    });
    m_http.route(QStringLiteral("/admin/split-brain"), [this](Req req) -> Fut {
        return serve(req, [this, &req](const ReplyPtr &r) { handleAdminSplitBrain(req, r); });
    });
    m_http.route(QStringLiteral("/admin/leader-regression"), [this](Req req) -> Fut {
        return serve(req, [this, &req](const ReplyPtr &r) { handleAdminLeaderRegression(req, r); });
    });
    m_http.setMissingHandler([this](const QHttpServerRequest &req, QHttpServerResponder &&responder) {
        PendingReply reply(methodName(req.method()), req.url().path(), m_config.nodeId,
                           header(req, "x-api-key"), m_config.echoAuthHeaders);
        reply.json(Status::NotFound, withNode({{QStringLiteral("error"), QStringLiteral("not found")}}));
        QFuture<QHttpServerResponse> f = reply.future();
        f.takeResult().write(std::move(responder));
    });
}

QFuture<QHttpServerResponse> DemoApiServer::serve(const QHttpServerRequest &req, const Handler &handler)
{
    auto reply = std::make_shared<PendingReply>(methodName(req.method()), req.url().path(),
                                                m_config.nodeId, header(req, "x-api-key"),
                                                m_config.echoAuthHeaders);
    QFuture<QHttpServerResponse> future = reply->future();
    if (m_shuttingDown)
        reply->json(Status::ServiceUnavailable, withNode({{QStringLiteral("error"), QStringLiteral("shutting down")}}));
    else
        handler(reply);
    return future;
}

// ---------------------------------------------------------------------------------------------
// Helpers

QByteArray DemoApiServer::header(const QHttpServerRequest &req, const QByteArray &name)
{
    const auto headers = req.headers();
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

bool DemoApiServer::isValidId(const QString &id)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9._-]{1,128}$"));
    return re.match(id).hasMatch();
}

QJsonObject DemoApiServer::withNode(QJsonObject body) const
{
    body.insert(QStringLiteral("node_id"), m_config.nodeId);
    return body;
}

QString DemoApiServer::tenantFor(const QHttpServerRequest &req) const
{
    if (!m_config.multiTenant)
        return QStringLiteral("default");
    const QString t = QString::fromUtf8(header(req, "x-tenant-id"));
    return isValidId(t) ? t : QStringLiteral("default");
}

QByteArray DemoApiServer::templatesKey(const QString &tenant) const
{
    return QByteArrayLiteral("halab:templates:") + tenant.toUtf8();
}

DemoApiServer::Auth DemoApiServer::authenticate(const QHttpServerRequest &req) const
{
    Auth a;
    const QByteArray key = header(req, "x-api-key");
    if (!key.isEmpty()) {
        a.role = m_keys.roleForCurrentKey(key);
        if (a.role.isEmpty()) {
            a.reason = m_keys.isPreviousKey(key) ? QStringLiteral("previous API key cannot be used as x-api-key")
                                                 : QStringLiteral("invalid API key");
            return a;
        }
        a.ok = true;
        a.via = QStringLiteral("api-key");
        a.actor = a.role;
        a.tenant = tenantFor(req);
        return a;
    }
    QByteArray token = header(req, "x-editor-token");
    if (token.isEmpty()) {
        const QByteArray authz = header(req, "authorization");
        if (authz.startsWith("Bearer ") || authz.startsWith("bearer "))
            token = authz.mid(7).trimmed();
    }
    if (token.isEmpty()) {
        a.reason = QStringLiteral("missing credentials");
        return a;
    }
    QString why;
    const auto claims = m_signer.verify(token, m_keys, &why);
    if (!claims) {
        a.reason = why;
        return a;
    }
    a.ok = true;
    a.via = QStringLiteral("editor-token");
    a.role = claims->role;
    a.actor = claims->actor;
    a.tenant = m_config.multiTenant && isValidId(claims->tenantId) ? claims->tenantId
                                                                   : QStringLiteral("default");
    return a;
}

bool DemoApiServer::requireAuth(const QHttpServerRequest &req, const ReplyPtr &reply, Auth *auth) const
{
    *auth = authenticate(req);
    if (!auth->ok) {
        reply->authFailure(auth->reason);
        return false;
    }
    reply->addLogField(QStringLiteral("auth"), auth->via);
    reply->addLogField(QStringLiteral("actor"), auth->actor);
    return true;
}

bool DemoApiServer::allowMethods(const QHttpServerRequest &req, const ReplyPtr &reply,
                                 QHttpServerRequest::Methods methods) const
{
    if (methods.testFlag(req.method()))
        return true;
    reply->json(Status::MethodNotAllowed, withNode({{QStringLiteral("error"), QStringLiteral("method not allowed")}}));
    return false;
}

bool DemoApiServer::writesBlocked(const ReplyPtr &reply) const
{
    if (m_redis->isUp())
        return false;
    reply->json(Status::ServiceUnavailable, withNode({{QStringLiteral("error"), kWritesBlocked}}));
    return true;
}

bool DemoApiServer::storeDown(const ReplyPtr &reply) const
{
    if (m_redis->isUp())
        return false;
    reply->json(Status::ServiceUnavailable, withNode({{QStringLiteral("error"), kStoreDown}}));
    return true;
}

// ---------------------------------------------------------------------------------------------
// Handlers

void DemoApiServer::handleHealth(const QHttpServerRequest &req, const ReplyPtr &reply)
{
    if (!allowMethods(req, reply, Method::Get | Method::Head))
        return;
    if (unavailable()) {
        reply->json(Status::ServiceUnavailable, withNode({{QStringLiteral("status"), QStringLiteral("unavailable")}}));
        return;
    }
    reply->json(Status::Ok, withNode({{QStringLiteral("status"), QStringLiteral("ok")}}));
}

void DemoApiServer::handleReady(const QHttpServerRequest &req, const ReplyPtr &reply)
{
    if (!allowMethods(req, reply, Method::Get | Method::Head))
        return;
    const bool up = m_redis->isUp();
    const bool ready = up && !unavailable();
    reply->json(ready ? Status::Ok : Status::ServiceUnavailable,
                withNode({{QStringLiteral("status"), ready ? QStringLiteral("ready") : QStringLiteral("not ready")},
                          {QStringLiteral("redis"), up ? QStringLiteral("up") : QStringLiteral("down")}}));
}

void DemoApiServer::handleHaStatus(const QHttpServerRequest &req, const ReplyPtr &reply)
{
    if (!allowMethods(req, reply, Method::Get))
        return;
    const bool up = m_redis->isUp();
    // An injected split brain: this node claims the role whatever the store says.
    const QString holder = splitBrain() ? m_config.nodeId : m_lease->holderId();
    reply->json(Status::Ok,
                withNode({{QStringLiteral("holder_id"), holder.isEmpty() ? QJsonValue() : QJsonValue(holder)},
                          {QStringLiteral("epoch"), double(m_lease->epoch())},
                          {QStringLiteral("is_leader"), splitBrain() || m_lease->isLeader()},
                          {QStringLiteral("write_block_active"), !up},
                          {QStringLiteral("can_accept_protected_writes"), up},
                          {QStringLiteral("redis"), up ? QStringLiteral("up") : QStringLiteral("down")},
                          {QStringLiteral("lease_ttl_ms"), m_config.leaseTtlMs}}));
}

void DemoApiServer::handleEditorToken(const QHttpServerRequest &req, const ReplyPtr &reply)
{
    if (!allowMethods(req, reply, Method::Post))
        return;
    // Only a CURRENT API key mints; *_PREVIOUS keys and tokens cannot.
    const QByteArray key = header(req, "x-api-key");
    const QString role = m_keys.roleForCurrentKey(key);
    if (role.isEmpty()) {
        reply->authFailure(key.isEmpty() ? QStringLiteral("missing x-api-key")
                           : m_keys.isPreviousKey(key) ? QStringLiteral("previous API key cannot mint")
                                                        : QStringLiteral("invalid API key"));
        return;
    }
    if (writesBlocked(reply))
        return;
    if (!m_signer.canSign()) {
        reply->json(Status::InternalServerError,
                    withNode({{QStringLiteral("error"), QStringLiteral("EDITOR_TOKEN_SECRET not configured")}}));
        return;
    }
    const QJsonObject body = QJsonDocument::fromJson(req.body()).object();
    const QString actor = body.value(QStringLiteral("actor")).toString().trimmed();
    if (actor.isEmpty() || actor.size() > 200) {
        reply->json(Status::BadRequest, withNode({{QStringLiteral("error"), QStringLiteral("body must be {\"actor\":\"...\"}")}}));
        return;
    }
    TokenSigner::Claims claims;
    claims.role = role;
    claims.actor = actor;
    claims.tenantId = tenantFor(req);
    claims.expiresMs = QDateTime::currentMSecsSinceEpoch() + m_signer.ttlMs();
    reply->addLogField(QStringLiteral("actor"), actor);
    reply->json(Status::Ok, withNode({{QStringLiteral("token"), QString::fromLatin1(m_signer.mint(claims, key))},
                                      {QStringLiteral("tenantId"), claims.tenantId},
                                      {QStringLiteral("role"), role},
                                      {QStringLiteral("expires_ms"), double(claims.expiresMs)}}));
}

void DemoApiServer::handleTemplates(const QHttpServerRequest &req, const ReplyPtr &reply)
{
    Auth auth;
    if (!allowMethods(req, reply, Method::Get) || !requireAuth(req, reply, &auth) || storeDown(reply))
        return;
    m_redis->command({"HKEYS", templatesKey(auth.tenant)}, [this, reply](const RedisReply &r) {
        if (r.type != RedisReply::Type::Array) {
            reply->json(Status::ServiceUnavailable, withNode({{QStringLiteral("error"), kStoreDown}}));
            return;
        }
        QStringList ids;
        for (const RedisReply &e : r.elements)
            ids.append(QString::fromUtf8(e.str));
        std::sort(ids.begin(), ids.end());
        reply->json(Status::Ok, withNode({{QStringLiteral("count"), int(ids.size())},
                                          {QStringLiteral("templates"), QJsonArray::fromStringList(ids)}}));
    });
}

void DemoApiServer::handleTemplate(const QString &id, const QHttpServerRequest &req, const ReplyPtr &reply)
{
    Auth auth;
    if (!allowMethods(req, reply, Method::Get | Method::Put | Method::Delete) || !requireAuth(req, reply, &auth))
        return;
    if (!isValidId(id)) {
        reply->json(Status::BadRequest, withNode({{QStringLiteral("error"), QStringLiteral("invalid template id")}}));
        return;
    }
    const QByteArray key = templatesKey(auth.tenant);
    const QByteArray field = id.toUtf8();
    if (req.method() == Method::Get) {
        if (storeDown(reply))
            return;
        m_redis->command({"HGET", key, field}, [this, reply](const RedisReply &r) {
            if (r.isNil())
                reply->json(Status::NotFound, withNode({{QStringLiteral("error"), QStringLiteral("template not found")}}));
            else if (r.type == RedisReply::Type::Bulk)
                reply->bytes(Status::Ok, QByteArrayLiteral("application/json"), r.str);
            else
                reply->json(Status::ServiceUnavailable, withNode({{QStringLiteral("error"), kStoreDown}}));
        });
        return;
    }
    if (writesBlocked(reply))
        return;
    if (req.method() == Method::Put) {
        const QByteArray body = req.body();
        if (body.isEmpty()) {
            reply->json(Status::BadRequest, withNode({{QStringLiteral("error"), QStringLiteral("empty body")}}));
            return;
        }
        m_redis->command({"HSET", key, field, body}, [this, reply, id, size = body.size()](const RedisReply &r) {
            if (r.type != RedisReply::Type::Integer) {
                reply->json(Status::ServiceUnavailable, withNode({{QStringLiteral("error"), kWritesBlocked}}));
                return;
            }
            reply->json(Status::Ok, withNode({{QStringLiteral("id"), id},
                                              {QStringLiteral("stored"), true},
                                              {QStringLiteral("created"), r.integer == 1},
                                              {QStringLiteral("size"), double(size)}}));
        });
        return;
    }
    m_redis->command({"HDEL", key, field}, [this, reply, id](const RedisReply &r) {
        if (r.type != RedisReply::Type::Integer)
            reply->json(Status::ServiceUnavailable, withNode({{QStringLiteral("error"), kWritesBlocked}}));
        else if (r.integer == 0)
            reply->json(Status::NotFound, withNode({{QStringLiteral("error"), QStringLiteral("template not found")}}));
        else
            reply->json(Status::Ok, withNode({{QStringLiteral("id"), id}, {QStringLiteral("deleted"), true}}));
    });
}

void DemoApiServer::handleAssets(const QHttpServerRequest &req, const ReplyPtr &reply)
{
    Auth auth;
    if (!allowMethods(req, reply, Method::Post) || !requireAuth(req, reply, &auth) || writesBlocked(reply))
        return;
    QString name = req.query().queryItemValue(QStringLiteral("name"));
    QByteArray data = req.body();
    if (const auto part = AssetStore::extractMultipartFile(data, header(req, "content-type"), &name))
        data = *part;
    if (data.isEmpty()) {
        reply->json(Status::BadRequest, withNode({{QStringLiteral("error"), QStringLiteral("empty body")}}));
        return;
    }
    QString error;
    const auto stored = m_assets.put(data, name, m_config.nodeId, &error);
    if (!stored) {
        reply->json(Status::InternalServerError, withNode({{QStringLiteral("error"), error}}));
        return;
    }
    reply->json(Status::Created, withNode({{QStringLiteral("id"), stored->id},
                                           {QStringLiteral("size"), double(stored->size)},
                                           {QStringLiteral("sha256"), stored->sha256},
                                           {QStringLiteral("name"), stored->name}}));
}

void DemoApiServer::handleAsset(const QString &id, const QHttpServerRequest &req, const ReplyPtr &reply)
{
    Auth auth;
    if (!allowMethods(req, reply, Method::Get) || !requireAuth(req, reply, &auth))
        return;
    QString name;
    const auto data = m_assets.get(id, &name);
    if (!data) {
        reply->json(Status::NotFound, withNode({{QStringLiteral("error"), QStringLiteral("asset not found")}}));
        return;
    }
    static const QMimeDatabase mimeDb;
    const QMimeType mime = name.isEmpty() ? mimeDb.mimeTypeForData(*data)
                                          : mimeDb.mimeTypeForFileNameAndData(name, *data);
    reply->bytes(Status::Ok, mime.name().toLatin1(), *data);
}

void DemoApiServer::handleRateLimited(const QHttpServerRequest &req, const ReplyPtr &reply)
{
    if (!allowMethods(req, reply, Method::Get) || storeDown(reply))
        return;
    m_rateLimiter.hit([this, reply](const RateLimiter::Result &res) {
        if (!res.storeOk) {
            reply->json(Status::ServiceUnavailable, withNode({{QStringLiteral("error"), kStoreDown}}));
            return;
        }
        const QJsonObject body{{QStringLiteral("remaining"), res.remaining},
                               {QStringLiteral("limit"), m_rateLimiter.max()},
                               {QStringLiteral("count"), double(res.count)},
                               {QStringLiteral("reset_in_ms"), double(res.resetInMs)}};
        if (res.allowed) {
            reply->json(Status::Ok, withNode(body));
        } else {
            QJsonObject limited = withNode(body);
            limited.insert(QStringLiteral("error"), QStringLiteral("rate limit exceeded"));
            reply->json(Status::TooManyRequests, limited);
        }
    });
}

void DemoApiServer::handleSchedules(const QHttpServerRequest &req, const ReplyPtr &reply)
{
    Auth auth;
    if (!allowMethods(req, reply, Method::Get | Method::Post) || !requireAuth(req, reply, &auth))
        return;
    if (req.method() == Method::Get) {
        if (storeDown(reply))
            return;
        m_redis->command({"HGETALL", Scheduler::kSchedulesKey}, [this, reply](const RedisReply &r) {
            if (r.type != RedisReply::Type::Array) {
                reply->json(Status::ServiceUnavailable, withNode({{QStringLiteral("error"), kStoreDown}}));
                return;
            }
            QJsonArray list;
            for (qsizetype i = 0; i + 1 < r.elements.size(); i += 2) {
                QJsonObject def = QJsonDocument::fromJson(r.elements.at(i + 1).str).object();
                def.insert(QStringLiteral("id"), QString::fromUtf8(r.elements.at(i).str));
                list.append(def);
            }
            reply->json(Status::Ok, withNode({{QStringLiteral("count"), int(list.size())},
                                              {QStringLiteral("schedules"), list}}));
        });
        return;
    }
    if (writesBlocked(reply))
        return;
    const QJsonObject body = QJsonDocument::fromJson(req.body()).object();
    const QString id = body.value(QStringLiteral("id")).toString();
    const qint64 every = body.value(QStringLiteral("every_ms")).toInteger();
    if (!isValidId(id) || every < Scheduler::kMinEveryMs || every > 86400000) {
        reply->json(Status::BadRequest,
                    withNode({{QStringLiteral("error"),
                               QStringLiteral("body must be {\"id\":\"<id>\",\"every_ms\":100..86400000}")}}));
        return;
    }
    const QJsonObject def{{QStringLiteral("every_ms"), double(every)},
                          {QStringLiteral("created_ms"), double(QDateTime::currentMSecsSinceEpoch())},
                          {QStringLiteral("created_by"), auth.actor}};
    m_redis->command({"HSET", Scheduler::kSchedulesKey, id.toUtf8(), QJsonDocument(def).toJson(QJsonDocument::Compact)},
                     [this, reply, id, every](const RedisReply &r) {
                         if (r.type != RedisReply::Type::Integer) {
                             reply->json(Status::ServiceUnavailable, withNode({{QStringLiteral("error"), kWritesBlocked}}));
                             return;
                         }
                         reply->json(Status::Created, withNode({{QStringLiteral("id"), id},
                                                                {QStringLiteral("every_ms"), double(every)}}));
                     });
}

void DemoApiServer::handleSchedule(const QString &id, const QHttpServerRequest &req, const ReplyPtr &reply)
{
    Auth auth;
    if (!allowMethods(req, reply, Method::Get | Method::Delete) || !requireAuth(req, reply, &auth))
        return;
    if (!isValidId(id)) {
        reply->json(Status::BadRequest, withNode({{QStringLiteral("error"), QStringLiteral("invalid schedule id")}}));
        return;
    }
    if (req.method() == Method::Get) {
        if (storeDown(reply))
            return;
        m_redis->command({"HGET", Scheduler::kSchedulesKey, id.toUtf8()}, [this, reply, id](const RedisReply &r) {
            if (r.isNil()) {
                reply->json(Status::NotFound, withNode({{QStringLiteral("error"), QStringLiteral("schedule not found")}}));
            } else if (r.type == RedisReply::Type::Bulk) {
                QJsonObject def = QJsonDocument::fromJson(r.str).object();
                def.insert(QStringLiteral("id"), id);
                reply->json(Status::Ok, withNode(def));
            } else {
                reply->json(Status::ServiceUnavailable, withNode({{QStringLiteral("error"), kStoreDown}}));
            }
        });
        return;
    }
    if (writesBlocked(reply))
        return;
    m_redis->command({"DEL", Scheduler::executionsKey(id)});
    m_redis->command({"HDEL", Scheduler::kSchedulesKey, id.toUtf8()}, [this, reply, id](const RedisReply &r) {
        if (r.type != RedisReply::Type::Integer)
            reply->json(Status::ServiceUnavailable, withNode({{QStringLiteral("error"), kWritesBlocked}}));
        else if (r.integer == 0)
            reply->json(Status::NotFound, withNode({{QStringLiteral("error"), QStringLiteral("schedule not found")}}));
        else
            reply->json(Status::Ok, withNode({{QStringLiteral("id"), id}, {QStringLiteral("deleted"), true}}));
    });
}

void DemoApiServer::handleScheduleExecutions(const QString &id, const QHttpServerRequest &req,
                                             const ReplyPtr &reply)
{
    Auth auth;
    if (!allowMethods(req, reply, Method::Get) || !requireAuth(req, reply, &auth) || storeDown(reply))
        return;
    if (!isValidId(id)) {
        reply->json(Status::BadRequest, withNode({{QStringLiteral("error"), QStringLiteral("invalid schedule id")}}));
        return;
    }
    m_redis->command({"LRANGE", Scheduler::executionsKey(id), "0", "-1"}, [this, reply, id](const RedisReply &r) {
        if (r.type != RedisReply::Type::Array) {
            reply->json(Status::ServiceUnavailable, withNode({{QStringLiteral("error"), kStoreDown}}));
            return;
        }
        QJsonArray executions;
        QHash<qint64, int> perFireTime;
        for (const RedisReply &e : r.elements) {
            const QJsonObject exec = QJsonDocument::fromJson(e.str).object();
            ++perFireTime[exec.value(QStringLiteral("fire_time")).toInteger()];
            executions.append(exec);
        }
        // Number of distinct fire times that were fired more than once (0 = exactly once).
        const auto duplicates = std::count_if(perFireTime.cbegin(), perFireTime.cend(),
                                              [](int n) { return n > 1; });
        reply->json(Status::Ok, withNode({{QStringLiteral("id"), id},
                                          {QStringLiteral("executions"), executions},
                                          {QStringLiteral("count"), int(executions.size())},
                                          {QStringLiteral("duplicates"), int(duplicates)}}));
    });
}

bool DemoApiServer::requireAdmin(const QHttpServerRequest &req, const ReplyPtr &reply) const
{
    if (!allowMethods(req, reply, Method::Post))
        return false;
    const QByteArray key = header(req, "x-api-key");
    const QString role = m_keys.roleForCurrentKey(key);
    if (role == QLatin1String("admin"))
        return true;
    if (role.isEmpty())
        reply->authFailure(m_keys.isPreviousKey(key) ? QStringLiteral("previous API key cannot be used as x-api-key")
                                                     : QStringLiteral("admin API key required"));
    else
        reply->authFailure(QStringLiteral("admin API key required"), Status::Forbidden);
    return false;
}

void DemoApiServer::handleAdminSplitBrain(const QHttpServerRequest &req, const ReplyPtr &reply)
{
    if (!requireAdmin(req, reply))
        return;
    bool ok = false;
    const int ms = req.query().queryItemValue(QStringLiteral("ms")).toInt(&ok);
    if (!ok || ms < 1 || ms > 600000) {
        reply->json(Status::BadRequest, withNode({{QStringLiteral("error"), QStringLiteral("ms must be 1..600000")}}));
        return;
    }
    m_splitBrainUntil = QDeadlineTimer(ms, Qt::PreciseTimer);
    const qint64 at = JsonLog::wallUs();
    const qint64 until = at + qint64(ms) * 1000;
    JsonLog::warn(QStringLiteral("split brain injected"),
                  {{QStringLiteral("wall_us"), double(at)}, {QStringLiteral("until_wall_us"), double(until)},
                   {QStringLiteral("duration_ms"), ms}, {QStringLiteral("real_holder"), m_lease->holderId()}});
    reply->json(Status::Ok, withNode({{QStringLiteral("wall_us"), double(at)}, {QStringLiteral("until_wall_us"), double(until)}}));
}

void DemoApiServer::handleAdminLeaderRegression(const QHttpServerRequest &req, const ReplyPtr &reply)
{
    if (!requireAdmin(req, reply))
        return;
    const qint64 interim = m_lease->epoch();
    m_lease->takeBack([this, reply, interim](bool ok, const QString &error) {
        if (!ok) {
            reply->json(Status::Conflict, withNode({{QStringLiteral("error"), error}}));
            return;
        }
        const qint64 at = JsonLog::wallUs();
        JsonLog::warn(QStringLiteral("leader regression injected"),
                      {{QStringLiteral("wall_us"), double(at)}, {QStringLiteral("epoch"), double(m_lease->epoch())},
                       {QStringLiteral("discarded_epoch"), double(interim)}});
        reply->json(Status::Ok, withNode({{QStringLiteral("wall_us"), double(at)}, {QStringLiteral("epoch"), double(m_lease->epoch())},
                                          {QStringLiteral("discarded_epoch"), double(interim)}}));
    });
}

void DemoApiServer::handleAdminUnavailable(const QHttpServerRequest &req, const ReplyPtr &reply)
{
    if (!requireAdmin(req, reply))
        return;
    bool ok = false;
    const int ms = req.query().queryItemValue(QStringLiteral("ms")).toInt(&ok);
    if (!ok || ms < 1 || ms > 600000) {
        reply->json(Status::BadRequest, withNode({{QStringLiteral("error"), QStringLiteral("ms must be 1..600000")}}));
        return;
    }
    // Monotonic deadline: /health answers 503 until it expires, exactly ms from now.
    m_unavailableUntil = QDeadlineTimer(ms, Qt::PreciseTimer);
    const qint64 until = QDateTime::currentMSecsSinceEpoch() + ms;
    const qint64 atUs = JsonLog::wallUs();
    JsonLog::warn(QStringLiteral("unavailability injected"),
                  {{QStringLiteral("duration_ms"), ms}, {QStringLiteral("until_ms"), double(until)},
                   {QStringLiteral("wall_us"), double(atUs)}, {QStringLiteral("until_wall_us"), double(atUs + qint64(ms) * 1000)}});
    reply->json(Status::Ok, withNode({{QStringLiteral("until_ms"), double(until)}, {QStringLiteral("ms"), ms}}));
}
