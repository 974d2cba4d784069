// The HTTP surface of one halab-demo-api replica: routes, auth, write blocking, shutdown.
#pragma once

#include "apikeyring.h"
#include "assetstore.h"
#include "democonfig.h"
#include "ratelimiter.h"
#include "tokensigner.h"

#include <QDeadlineTimer>
#include <QFuture>
#include <QHttpServer>
#include <QObject>

#include <functional>
#include <memory>

class LeaderLease;
class PendingReply;
class RedisClient;
class Scheduler;

class DemoApiServer : public QObject
{
    Q_OBJECT
public:
    explicit DemoApiServer(const DemoConfig &config, QObject *parent = nullptr);
    ~DemoApiServer() override;

    bool start(QString *error);
    // SIGTERM/SIGINT: stop listening, release the lease, exit 0 (a second signal exits at once).
    void shutdown(int signum);

private:
    using ReplyPtr = std::shared_ptr<PendingReply>;
    using Handler = std::function<void(const ReplyPtr &)>;

    struct Auth
    {
        bool ok = false;
        QString role;
        QString actor;
        QString via;
        QString tenant;
        QString reason;
    };

    void setupRoutes();
    QFuture<QHttpServerResponse> serve(const QHttpServerRequest &req, const Handler &handler);

    // Route handlers: each answers through the PendingReply, possibly later from a Redis callback.
    void handleHealth(const QHttpServerRequest &req, const ReplyPtr &reply);
    void handleReady(const QHttpServerRequest &req, const ReplyPtr &reply);
    void handleHaStatus(const QHttpServerRequest &req, const ReplyPtr &reply);
    void handleEditorToken(const QHttpServerRequest &req, const ReplyPtr &reply);
    void handleTemplates(const QHttpServerRequest &req, const ReplyPtr &reply);
    void handleTemplate(const QString &id, const QHttpServerRequest &req, const ReplyPtr &reply);
    void handleAssets(const QHttpServerRequest &req, const ReplyPtr &reply);
    void handleAsset(const QString &id, const QHttpServerRequest &req, const ReplyPtr &reply);
    void handleRateLimited(const QHttpServerRequest &req, const ReplyPtr &reply);
    void handleSchedules(const QHttpServerRequest &req, const ReplyPtr &reply);
    void handleSchedule(const QString &id, const QHttpServerRequest &req, const ReplyPtr &reply);
    void handleScheduleExecutions(const QString &id, const QHttpServerRequest &req, const ReplyPtr &reply);
    void handleAdminUnavailable(const QHttpServerRequest &req, const ReplyPtr &reply);
    // Faults for testing the console's cluster timeline: this node claims the leader role for
    // ?ms= while the real leader keeps it (split brain), or a former leader takes the lease back
    // and rewinds the epoch (leader regression). Each logs its server-side instant in wall_us.
    void handleAdminSplitBrain(const QHttpServerRequest &req, const ReplyPtr &reply);
    void handleAdminLeaderRegression(const QHttpServerRequest &req, const ReplyPtr &reply);
    bool requireAdmin(const QHttpServerRequest &req, const ReplyPtr &reply) const;
    bool splitBrain() const { return !m_splitBrainUntil.hasExpired(); }

    Auth authenticate(const QHttpServerRequest &req) const;
    bool requireAuth(const QHttpServerRequest &req, const ReplyPtr &reply, Auth *auth) const;
    bool allowMethods(const QHttpServerRequest &req, const ReplyPtr &reply,
                      QHttpServerRequest::Methods methods) const;
    bool writesBlocked(const ReplyPtr &reply) const;
    bool storeDown(const ReplyPtr &reply) const;
    QString tenantFor(const QHttpServerRequest &req) const;
    QByteArray templatesKey(const QString &tenant) const;
    QJsonObject withNode(QJsonObject body) const;
    bool unavailable() const { return !m_unavailableUntil.hasExpired(); }

    static QByteArray header(const QHttpServerRequest &req, const QByteArray &name);
    static bool isValidId(const QString &id);

    DemoConfig m_config;
    QHttpServer m_http;
    RedisClient *m_redis;
    LeaderLease *m_lease;
    Scheduler *m_scheduler;
    ApiKeyRing m_keys;
    TokenSigner m_signer;
    RateLimiter m_rateLimiter;
    AssetStore m_assets;
    QDeadlineTimer m_unavailableUntil;
    QDeadlineTimer m_splitBrainUntil;
    bool m_shuttingDown = false;
};
