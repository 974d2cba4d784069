#include "democonfig.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>

namespace {
QString envString(const char *name)
{
    return qEnvironmentVariable(name);
}

bool envInt(const char *name, int def, int min, int max, int *out, QString *error)
{
    const QString raw = envString(name).trimmed();
    if (raw.isEmpty()) {
        *out = def;
        return true;
    }
    bool ok = false;
    const int v = raw.toInt(&ok);
    if (!ok || v < min || v > max) {
        *error = QLatin1String(name) + QStringLiteral(" must be an integer in [") + QString::number(min)
                 + QStringLiteral(", ") + QString::number(max) + QStringLiteral("], got '") + raw
                 + QLatin1Char('\'');
        return false;
    }
    *out = v;
    return true;
}

bool envBool(const char *name)
{
    const QString v = envString(name).trimmed().toLower();
    return v == QLatin1String("1") || v == QLatin1String("true") || v == QLatin1String("yes")
           || v == QLatin1String("on");
}

// Option value if given on the command line, else the environment variable, else the default.
QString pick(const QCommandLineParser &p, const QCommandLineOption &opt, const char *env,
             const QString &def)
{
    if (p.isSet(opt))
        return p.value(opt);
    const QString e = env ? envString(env) : QString();
    return e.isEmpty() ? def : e;
}
} // namespace

bool DemoConfig::load(const QCoreApplication &app, DemoConfig *out, QString *error)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "HA demo API replica for the HA Lab Console. Secrets (API_KEY_ADMIN, API_KEY_EDITOR, "
        "API_KEY_ADMIN_PREVIOUS, API_KEY_EDITOR_PREVIOUS, EDITOR_TOKEN_SECRET) are read from the "
        "environment only. Tuning env: LEASE_TTL_MS, LEASE_RENEW_MS, LEASE_START_DELAY_MS, RATE_LIMIT_MAX, "
        "RATE_LIMIT_WINDOW_MS, EDITOR_TOKEN_TTL_MINUTES, MULTI_TENANT_ENABLED, ECHO_AUTH_HEADERS."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption listenOpt(QStringLiteral("listen"),
                                       QStringLiteral("Address to listen on (default 127.0.0.1)."),
                                       QStringLiteral("address"));
    const QCommandLineOption portOpt(QStringLiteral("port"),
                                     QStringLiteral("TCP port (env PORT; required, 0 = any)."),
                                     QStringLiteral("port"));
    const QCommandLineOption nodeOpt(QStringLiteral("node-id"),
                                     QStringLiteral("Node id reported everywhere (env NODE_ID)."),
                                     QStringLiteral("id"));
    const QCommandLineOption redisOpt(QStringLiteral("redis"),
                                      QStringLiteral("Redis host:port (env REDIS_ADDR, default 127.0.0.1:6379)."),
                                      QStringLiteral("host:port"));
    const QCommandLineOption assetOpt(QStringLiteral("asset-dir"),
                                      QStringLiteral("Directory shared by all replicas for assets (env ASSET_DIR)."),
                                      QStringLiteral("dir"));
    parser.addOptions({listenOpt, portOpt, nodeOpt, redisOpt, assetOpt});
    parser.process(app);

    DemoConfig c;
    const QString listen = pick(parser, listenOpt, nullptr, QStringLiteral("127.0.0.1"));
    if (!c.listenAddress.setAddress(listen)) {
        *error = QStringLiteral("invalid --listen address '") + listen + QLatin1Char('\'');
        return false;
    }

    const QString portStr = pick(parser, portOpt, "PORT", QString());
    bool ok = false;
    const uint port = portStr.toUInt(&ok);
    if (portStr.isEmpty() || !ok || port > 65535) {
        *error = QStringLiteral("--port / PORT is required (0-65535)");
        return false;
    }
    c.port = quint16(port);

    c.nodeId = pick(parser, nodeOpt, "NODE_ID", QString());
    if (c.nodeId.isEmpty())
        c.nodeId = QStringLiteral("api-") + QString::number(QCoreApplication::applicationPid());

    const QString redis = pick(parser, redisOpt, "REDIS_ADDR", QStringLiteral("127.0.0.1:6379"));
    const qsizetype colon = redis.lastIndexOf(QLatin1Char(':'));
    const uint redisPort = colon > 0 ? redis.mid(colon + 1).toUInt(&ok) : 0;
    if (colon <= 0 || !ok || redisPort == 0 || redisPort > 65535) {
        *error = QStringLiteral("invalid --redis / REDIS_ADDR '") + redis
                 + QStringLiteral("' (expected host:port)");
        return false;
    }
    c.redisHost = redis.left(colon);
    c.redisPort = quint16(redisPort);

    c.assetDir = pick(parser, assetOpt, "ASSET_DIR",
                      QDir::tempPath() + QStringLiteral("/halab-demo-assets"));

    c.apiKeyAdmin = qgetenv("API_KEY_ADMIN");
    c.apiKeyEditor = qgetenv("API_KEY_EDITOR");
    c.apiKeyAdminPrevious = qgetenv("API_KEY_ADMIN_PREVIOUS");
    c.apiKeyEditorPrevious = qgetenv("API_KEY_EDITOR_PREVIOUS");
    c.editorTokenSecret = qgetenv("EDITOR_TOKEN_SECRET");

    if (!envInt("LEASE_TTL_MS", 2000, 200, 600000, &c.leaseTtlMs, error)
        || !envInt("LEASE_RENEW_MS", 300, 20, 600000, &c.leaseRenewMs, error)
        || !envInt("LEASE_START_DELAY_MS", 0, 0, 600000, &c.leaseStartDelayMs, error)
        || !envInt("RATE_LIMIT_MAX", 20, 1, 100000000, &c.rateLimitMax, error)
        || !envInt("RATE_LIMIT_WINDOW_MS", 10000, 100, 86400000, &c.rateLimitWindowMs, error)
        || !envInt("EDITOR_TOKEN_TTL_MINUTES", 480, 1, 525600, &c.editorTokenTtlMinutes, error))
        return false;
    if (c.leaseRenewMs >= c.leaseTtlMs) {
        *error = QStringLiteral("LEASE_RENEW_MS must be smaller than LEASE_TTL_MS");
        return false;
    }
    c.multiTenant = envBool("MULTI_TENANT_ENABLED");
    c.echoAuthHeaders = envString("ECHO_AUTH_HEADERS") == QLatin1String("1");

    *out = c;
    return true;
}
