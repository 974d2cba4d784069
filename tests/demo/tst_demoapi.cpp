// End-to-end test of the demo HA stack: a real redis-server, two real halab-demo-api replicas
// and a real nginx rendered from demo/nginx/nginx-fixed.conf.in, all on free loopback ports.
// Blocking waits are fine here (this is a test, not the service).
#include "testports.h"
#include <QCryptographicHash>
#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>
#include <sys/types.h>

namespace {
using Headers = QList<QPair<QByteArray, QByteArray>>;

constexpr int kRateLimitMax = 10;
constexpr int kRateLimitWindowMs = 10000;
constexpr int kLeaseTtlMs = 2000;

struct HttpReply
{
    int status = 0; // 0 = no HTTP answer (refused, timeout)
    QByteArray body;
    QJsonObject json;
    QString error;
};

QString findTool(const QString &name)
{
    QString path = QStandardPaths::findExecutable(name);
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(name, {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/local/sbin"),
                                                     QStringLiteral("/usr/bin"), QStringLiteral("/usr/local/bin")});
    return path;
}

QString randomToken(const char *prefix)
{
    return QLatin1String(prefix) + QString::number(QRandomGenerator::global()->generate64(), 36);
}
} // namespace

using TestPorts::freePort;

class TstDemoApi : public QObject
{
    Q_OBJECT
public:
    ~TstDemoApi() override { stopAll(); }

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();

    void nginxTemplatesAreValid();
    void healthAndReady();
    void haStatusHasOneLeader();
    void editorTokenVerifiesAcrossReplicas();
    void templatesSharedAcrossReplicas();
    void assetsSharedAcrossReplicas();
    void rateLimitIsOneSharedBucket();
    void schedulerFiresOncePerTick();
    void adminUnavailableIsGroundTruth();
    void authFailureIsLoggedAsJson();
    void apiKeyRotationMatrix();
    void leaderKillMovesLease();
    void redisPausedBlocksWrites();
    void redisStoppedBlocksWritesThenRecovers();

private:
    // Process management.
    bool startRedis();
    bool startApi(int i);
    bool stopApi(int i, int *exitCode);
    bool startNginx();
    void stopProcess(std::unique_ptr<QProcess> &p, bool graceful);
    void stopAll();
    bool waitReady(int i, int timeoutMs = 10000);
    bool lbServesBoth();
    QString renderNginx(const QString &templateName) const;

    // HTTP.
    HttpReply http(const QByteArray &method, const QString &url, const Headers &headers = {},
                   const QByteArray &body = {}, int timeoutMs = 6000);
    QString lb(const QString &path) const { return u"http://127.0.0.1:"_qs + QString::number(m_lbPort) + path; }
    QString api(int i, const QString &path) const
    {
        return u"http://127.0.0.1:"_qs + QString::number(m_apiPort[i]) + path;
    }
    QJsonObject status(int i) { return http("GET", api(i, u"/v1/ha/status"_qs)).json; }
    Headers admin() const { return {{"x-api-key", m_adminKey.toUtf8()}}; }
    QString nodeName(int i) const { return u"api"_qs + QString::number(i + 1); }
    QByteArray allApiLogs() const { return m_apiLog[0] + m_apiLog[1]; }
    QByteArray nginxTail() const { return m_nginxLog.right(3000); }

    QTemporaryDir m_dir;
    QNetworkAccessManager m_nam;
    QString m_redisBin, m_nginxBin, m_apiBin;
    quint16 m_redisPort = 0, m_lbPort = 0, m_apiPort[2] = {0, 0};
    std::unique_ptr<QProcess> m_redis, m_nginx, m_api[2];
    QByteArray m_apiLog[2], m_apiErr[2], m_nginxLog;
    QString m_adminKey, m_editorKey, m_adminPrevious, m_secret;
};

// ------------------------------------------------------------------------------------------------
// Harness

bool TstDemoApi::startRedis()
{
    m_redis = std::make_unique<QProcess>();
    m_redis->setProcessChannelMode(QProcess::MergedChannels);
    m_redis->start(m_redisBin, {u"--port"_qs, QString::number(m_redisPort), u"--bind"_qs, u"127.0.0.1"_qs,
                                u"--save"_qs, QString(), u"--appendonly"_qs, u"no"_qs, u"--dir"_qs, m_dir.path()});
    if (!m_redis->waitForStarted(5000))
        return false;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 10000) {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_redisPort);
        if (s.waitForConnected(500)) {
            s.write("PING\r\n");
            if (s.waitForReadyRead(500) && s.readAll().startsWith("+PONG"))
                return true;
        }
        QTest::qWait(50);
    }
    return false;
}

bool TstDemoApi::startApi(int i)
{
    auto p = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"API_KEY_ADMIN", "API_KEY_EDITOR", "API_KEY_ADMIN_PREVIOUS", "API_KEY_EDITOR_PREVIOUS",
                             "EDITOR_TOKEN_SECRET", "ECHO_AUTH_HEADERS", "MULTI_TENANT_ENABLED", "PORT", "NODE_ID",
                             "REDIS_ADDR", "ASSET_DIR"})
        env.remove(QLatin1String(name));
    env.insert(u"API_KEY_ADMIN"_qs, m_adminKey);
    env.insert(u"API_KEY_EDITOR"_qs, m_editorKey);
    if (!m_adminPrevious.isEmpty())
        env.insert(u"API_KEY_ADMIN_PREVIOUS"_qs, m_adminPrevious);
    env.insert(u"EDITOR_TOKEN_SECRET"_qs, m_secret);
    env.insert(u"LEASE_TTL_MS"_qs, QString::number(kLeaseTtlMs));
    env.insert(u"LEASE_RENEW_MS"_qs, u"300"_qs);
    env.insert(u"RATE_LIMIT_MAX"_qs, QString::number(kRateLimitMax));
    env.insert(u"RATE_LIMIT_WINDOW_MS"_qs, QString::number(kRateLimitWindowMs));
    // Some options via argv, REDIS_ADDR via env: both configuration paths are exercised.
    env.insert(u"REDIS_ADDR"_qs, u"127.0.0.1:"_qs + QString::number(m_redisPort));
    p->setProcessEnvironment(env);
    p->setProgram(m_apiBin);
    p->setArguments({u"--port"_qs, QString::number(m_apiPort[i]), u"--node-id"_qs, nodeName(i),
                     u"--asset-dir"_qs, m_dir.filePath(u"assets"_qs)});
    QProcess *raw = p.get();
    // Keep every log line the replica prints; tests grep them.
    connect(raw, &QProcess::readyReadStandardOutput, this, [this, raw, i]() { m_apiLog[i] += raw->readAllStandardOutput(); });
    // stderr kept for diagnostics when something fails.
    connect(raw, &QProcess::readyReadStandardError, this, [this, raw, i]() { m_apiErr[i] += raw->readAllStandardError(); });
    p->start();
    if (!p->waitForStarted(5000))
        return false;
    m_api[i] = std::move(p);
    return waitReady(i);
}

bool TstDemoApi::waitReady(int i, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        if (m_api[i] && m_api[i]->state() != QProcess::Running)
            return false;
        if (http("GET", api(i, u"/health/ready"_qs), {}, {}, 1000).status == 200)
            return true;
        QTest::qWait(50);
    }
    return false;
}

bool TstDemoApi::stopApi(int i, int *exitCode)
{
    if (!m_api[i])
        return true;
    m_api[i]->terminate();
    const bool finished = m_api[i]->waitForFinished(5000);
    m_apiLog[i] += m_api[i]->readAllStandardOutput();
    *exitCode = finished && m_api[i]->exitStatus() == QProcess::NormalExit ? m_api[i]->exitCode() : -1;
    if (!finished)
        stopProcess(m_api[i], false);
    m_api[i].reset();
    return finished;
}

QString TstDemoApi::renderNginx(const QString &templateName) const
{
    QFile in(QStringLiteral(HALAB_SOURCE_DIR "/demo/nginx/") + templateName);
    if (!in.open(QIODevice::ReadOnly))
        return {};
    QString text = QString::fromUtf8(in.readAll());
    text.replace(u"${LB_PORT}"_qs, QString::number(m_lbPort));
    text.replace(u"${API1_PORT}"_qs, QString::number(m_apiPort[0]));
    text.replace(u"${API2_PORT}"_qs, QString::number(m_apiPort[1]));
    text.replace(u"${RUN_DIR}"_qs, m_dir.path());
    return text;
}

bool TstDemoApi::startNginx()
{
    QFile out(m_dir.filePath(u"nginx.conf"_qs));
    const QString conf = renderNginx(u"nginx-fixed.conf.in"_qs);
    if (conf.isEmpty() || !out.open(QIODevice::WriteOnly) || out.write(conf.toUtf8()) < 0)
        return false;
    out.close();
    m_nginx = std::make_unique<QProcess>();
    QProcess *raw = m_nginx.get();
    // Access log (stdout) and error log (stderr) are kept together for diagnostics.
    connect(raw, &QProcess::readyRead, this, [this, raw]() { m_nginxLog += raw->readAll(); });
    m_nginx->setProcessChannelMode(QProcess::MergedChannels);
    m_nginx->start(m_nginxBin, {u"-p"_qs, m_dir.path(), u"-c"_qs, m_dir.filePath(u"nginx.conf"_qs), u"-e"_qs, u"stderr"_qs});
    if (!m_nginx->waitForStarted(5000))
        return false;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 10000) {
        if (m_nginx->state() != QProcess::Running)
            return false;
        if (http("GET", lb(u"/health"_qs), {}, {}, 1000).status == 200)
            return true;
        QTest::qWait(50);
    }
    return false;
}

void TstDemoApi::stopProcess(std::unique_ptr<QProcess> &p, bool graceful)
{
    if (!p)
        return;
    if (p->state() != QProcess::NotRunning) {
        // Exactly the PID we started; SIGCONT first in case a test left it stopped.
        ::kill(pid_t(p->processId()), SIGCONT);
        if (graceful) {
            p->terminate(); // nginx master stops its worker on SIGTERM; SIGKILL would orphan it
            if (!p->waitForFinished(5000)) {
                p->kill();
                p->waitForFinished(3000);
            }
        } else {
            p->kill();
            p->waitForFinished(3000);
        }
    }
    p.reset();
}

void TstDemoApi::stopAll()
{
    stopProcess(m_nginx, true);
    stopProcess(m_api[0], true);
    stopProcess(m_api[1], true);
    stopProcess(m_redis, true);
}

HttpReply TstDemoApi::http(const QByteArray &method, const QString &url, const Headers &headers,
                           const QByteArray &body, int timeoutMs)
{
    QNetworkRequest req{QUrl(url)};
    req.setRawHeader("Connection", "close"); // no pooled sockets to replicas we kill
    req.setTransferTimeout(timeoutMs);
    for (const auto &h : headers)
        req.setRawHeader(h.first, h.second);
    if (!body.isEmpty() && !req.hasRawHeader("content-type"))
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = m_nam.sendCustomRequest(req, method, body);
    QEventLoop loop;
    // Wait for this reply only.
    connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    HttpReply r;
    r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    r.body = reply->readAll();
    r.json = QJsonDocument::fromJson(r.body).object();
    r.error = reply->errorString();
    reply->deleteLater();
    return r;
}

// ------------------------------------------------------------------------------------------------
// Setup / teardown

void TstDemoApi::initTestCase()
{
    m_redisBin = findTool(u"redis-server"_qs);
    m_nginxBin = findTool(u"nginx"_qs);
    m_apiBin = QStringLiteral(HALAB_BIN_DIR "/halab-demo-api");
    if (m_redisBin.isEmpty() || m_nginxBin.isEmpty())
        QSKIP("redis-server and nginx are required for the demo stack test");
    QVERIFY2(QFile::exists(m_apiBin), qPrintable(m_apiBin));
    QVERIFY(m_dir.isValid());
    // When run as root nginx's worker is "nobody": it must reach the temp paths in RUN_DIR.
    QFile::setPermissions(m_dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner
                                            | QFileDevice::ReadGroup | QFileDevice::ExeGroup
                                            | QFileDevice::ReadOther | QFileDevice::ExeOther);
    m_nam.setProxy(QNetworkProxy::NoProxy);

    m_adminKey = randomToken("admin-old-");
    m_editorKey = randomToken("editor-");
    m_secret = randomToken("secret-");
    m_redisPort = freePort();
    m_lbPort = freePort();
    m_apiPort[0] = freePort();
    m_apiPort[1] = freePort();
    QVERIFY(m_redisPort && m_lbPort && m_apiPort[0] && m_apiPort[1]);

    QVERIFY2(startRedis(), "redis-server did not start");
    QVERIFY2(startApi(0), m_apiErr[0].constData());
    QVERIFY2(startApi(1), m_apiErr[1].constData());
    QVERIFY2(startNginx(), m_nginxLog.constData());
}

void TstDemoApi::cleanupTestCase()
{
    stopAll();
}

void TstDemoApi::init()
{
    // Each test starts from a whole stack, even if an earlier failure left a piece down.
    if (m_redis && m_redis->state() == QProcess::Running)
        ::kill(pid_t(m_redis->processId()), SIGCONT); // a failed test may have left it stopped
    else
        QVERIFY(startRedis());
    for (int i = 0; i < 2; ++i) {
        if (!m_api[i] || m_api[i]->state() != QProcess::Running)
            QVERIFY2(startApi(i), m_apiErr[i].constData());
    }
    QVERIFY(m_nginx && m_nginx->state() == QProcess::Running);
}

bool TstDemoApi::lbServesBoth()
{
    QSet<QString> seen;
    for (int n = 0; n < 4; ++n)
        seen.insert(http("GET", lb(u"/health"_qs)).json.value(u"node_id"_qs).toString());
    return seen.contains(u"api1"_qs) && seen.contains(u"api2"_qs);
}

// ------------------------------------------------------------------------------------------------
// Tests

void TstDemoApi::nginxTemplatesAreValid()
{
    for (const QString &name : {u"nginx-fixed.conf.in"_qs, u"nginx-defaults.conf.in"_qs}) {
        const QString conf = renderNginx(name);
        QVERIFY2(!conf.isEmpty(), qPrintable(name));
        QVERIFY2(!conf.contains(u"${"_qs), qPrintable(name + u": unsubstituted placeholder"_qs));
        const QString path = m_dir.filePath(u"check-"_qs + name);
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(conf.toUtf8());
        f.close();
        QProcess t;
        t.setProcessChannelMode(QProcess::MergedChannels);
        t.start(m_nginxBin, {u"-t"_qs, u"-p"_qs, m_dir.path(), u"-c"_qs, path, u"-e"_qs, u"stderr"_qs});
        QVERIFY(t.waitForFinished(10000));
        QVERIFY2(t.exitCode() == 0, t.readAll().constData());
    }
}

void TstDemoApi::healthAndReady()
{
    for (int i = 0; i < 2; ++i) {
        const HttpReply h = http("GET", api(i, u"/health"_qs));
        QCOMPARE(h.status, 200);
        QCOMPARE(h.json.value(u"status"_qs).toString(), u"ok"_qs);
        QCOMPARE(h.json.value(u"node_id"_qs).toString(), nodeName(i));
        const HttpReply r = http("GET", api(i, u"/health/ready"_qs));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json.value(u"redis"_qs).toString(), u"up"_qs);
    }
    QSet<QString> seen;
    for (int n = 0; n < 6; ++n) {
        const HttpReply h = http("GET", lb(u"/health"_qs));
        QCOMPARE(h.status, 200);
        seen.insert(h.json.value(u"node_id"_qs).toString());
    }
    QCOMPARE(seen, (QSet<QString>{u"api1"_qs, u"api2"_qs}));
    QCOMPARE(http("GET", lb(u"/health/ready"_qs)).status, 200);
    QCOMPARE(http("GET", lb(u"/no/such/route"_qs)).status, 404);
}

void TstDemoApi::haStatusHasOneLeader()
{
    auto oneLeader = [this]() {
        const QJsonObject a = status(0), b = status(1);
        const QString holder = a.value(u"holder_id"_qs).toString();
        return (holder == u"api1"_qs || holder == u"api2"_qs) && b.value(u"holder_id"_qs).toString() == holder
               && (a.value(u"is_leader"_qs).toBool() != b.value(u"is_leader"_qs).toBool())
               && (holder == u"api1"_qs) == a.value(u"is_leader"_qs).toBool();
    };
    QTRY_VERIFY_WITH_TIMEOUT(oneLeader(), 5000);
    const HttpReply s = http("GET", lb(u"/v1/ha/status"_qs));
    QCOMPARE(s.status, 200);
    for (const char *key : {"node_id", "holder_id", "epoch", "is_leader", "write_block_active",
                            "can_accept_protected_writes", "redis"})
        QVERIFY2(s.json.contains(QLatin1String(key)), key);
    QVERIFY(s.json.value(u"epoch"_qs).toInteger() >= 1);
    QCOMPARE(s.json.value(u"write_block_active"_qs).toBool(), false);
    QCOMPARE(s.json.value(u"can_accept_protected_writes"_qs).toBool(), true);
    QCOMPARE(s.json.value(u"redis"_qs).toString(), u"up"_qs);
}

void TstDemoApi::editorTokenVerifiesAcrossReplicas()
{
    // Mint on api1 with the admin key, use on api2 (and the other way round with the editor key).
    const HttpReply minted = http("POST", api(0, u"/auth/editor-token"_qs), admin(), R"({"actor":"tst-actor"})");
    QCOMPARE(minted.status, 200);
    QCOMPARE(minted.json.value(u"node_id"_qs).toString(), u"api1"_qs);
    QCOMPARE(minted.json.value(u"tenantId"_qs).toString(), u"default"_qs);
    const QByteArray token = minted.json.value(u"token"_qs).toString().toUtf8();
    QCOMPARE(token.split('.').size(), 4);

    const HttpReply onApi2 = http("GET", api(1, u"/templates"_qs), {{"x-editor-token", token}});
    QCOMPARE(onApi2.status, 200);
    QCOMPARE(onApi2.json.value(u"node_id"_qs).toString(), u"api2"_qs);
    const HttpReply bearer = http("PUT", api(1, u"/templates/tok-demo"_qs), {{"authorization", QByteArray("Bearer ") + token}},
                                  R"({"definition":{"by":"token"}})");
    QCOMPARE(bearer.status, 200);

    const HttpReply editorMint = http("POST", api(1, u"/auth/editor-token"_qs),
                                      {{"x-api-key", m_editorKey.toUtf8()}}, R"({"actor":"ed"})");
    QCOMPARE(editorMint.status, 200);
    const QByteArray editorToken = editorMint.json.value(u"token"_qs).toString().toUtf8();
    QCOMPARE(http("GET", api(0, u"/templates"_qs), {{"x-editor-token", editorToken}}).status, 200);

    QByteArray tampered = token;
    tampered[tampered.size() - 2] = tampered.at(tampered.size() - 2) == 'A' ? 'B' : 'A';
    QCOMPARE(http("GET", api(0, u"/templates"_qs), {{"x-editor-token", tampered}}).status, 401);
    // A token cannot mint another token; neither can a missing or wrong key.
    QCOMPARE(http("POST", lb(u"/auth/editor-token"_qs), {{"x-editor-token", token}}, R"({"actor":"x"})").status, 401);
    QCOMPARE(http("POST", lb(u"/auth/editor-token"_qs), {{"x-api-key", "nope"}}, R"({"actor":"x"})").status, 401);
    QCOMPARE(http("POST", lb(u"/auth/editor-token"_qs), admin(), R"({"nothing":1})").status, 400);
}

void TstDemoApi::templatesSharedAcrossReplicas()
{
    const QByteArray def = R"({"definition":{"title":"shared","n":42}})";
    QCOMPARE(http("PUT", api(0, u"/templates/t-shared"_qs), admin(), def).status, 200);
    const HttpReply got = http("GET", api(1, u"/templates/t-shared"_qs), admin());
    QCOMPARE(got.status, 200);
    QCOMPARE(got.body, def);

    const HttpReply list = http("GET", lb(u"/templates"_qs), admin());
    QCOMPARE(list.status, 200);
    const QJsonArray ids = list.json.value(u"templates"_qs).toArray();
    QVERIFY(ids.contains(u"t-shared"_qs));
    QCOMPARE(list.json.value(u"count"_qs).toInt(), int(ids.size()));

    QCOMPARE(http("GET", lb(u"/templates"_qs)).status, 401);
    QCOMPARE(http("DELETE", api(1, u"/templates/t-shared"_qs), admin()).status, 200);
    QCOMPARE(http("GET", api(0, u"/templates/t-shared"_qs), admin()).status, 404);
}

void TstDemoApi::assetsSharedAcrossReplicas()
{
    QByteArray data(200 * 1024, Qt::Uninitialized);
    for (qsizetype k = 0; k < data.size(); ++k)
        data[k] = char(QRandomGenerator::global()->bounded(256));
    const HttpReply up = http("POST", api(0, u"/assets?name=blob.bin"_qs),
                              {{"x-api-key", m_adminKey.toUtf8()}, {"content-type", "application/octet-stream"}}, data);
    QCOMPARE(up.status, 201);
    const QString id = up.json.value(u"id"_qs).toString();
    QVERIFY(!id.isEmpty());
    QCOMPARE(up.json.value(u"size"_qs).toInteger(), qint64(data.size()));
    QCOMPARE(up.json.value(u"sha256"_qs).toString(),
             QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex()));

    const HttpReply viaApi2 = http("GET", api(1, u"/assets/"_qs + id), admin());
    QCOMPARE(viaApi2.status, 200);
    QVERIFY(viaApi2.body == data);
    for (int n = 0; n < 2; ++n) {
        const HttpReply viaLb = http("GET", lb(u"/assets/"_qs + id), admin());
        QCOMPARE(viaLb.status, 200);
        QVERIFY(viaLb.body == data);
    }
    QCOMPARE(http("GET", lb(u"/assets/does-not-exist"_qs), admin()).status, 404);
    QCOMPARE(http("POST", lb(u"/assets"_qs), {}, "x").status, 401);
}

void TstDemoApi::rateLimitIsOneSharedBucket()
{
    // Fixed windows aligned on the epoch: start the burst early in a window so it fits in it.
    const qint64 intoWindow = QDateTime::currentMSecsSinceEpoch() % kRateLimitWindowMs;
    if (intoWindow > kRateLimitWindowMs / 2)
        QTest::qWait(int(kRateLimitWindowMs - intoWindow + 100));

    int ok = 0, limited = 0;
    QSet<QString> servedBy;
    QList<int> statuses;
    for (int n = 0; n < kRateLimitMax + 4; ++n) {
        const HttpReply r = http("GET", lb(u"/rate-limited"_qs));
        statuses.append(r.status);
        if (r.status == 200) {
            ++ok;
            servedBy.insert(r.json.value(u"node_id"_qs).toString());
            QCOMPARE(r.json.value(u"remaining"_qs).toInt(), kRateLimitMax - ok);
        } else if (r.status == 429) {
            ++limited;
        }
    }
    QByteArray seq;
    for (int st : statuses)
        seq += QByteArray::number(st) + ' ';
    QVERIFY2(ok == kRateLimitMax && limited == 4, seq.constData());
    QVERIFY2(statuses.mid(0, kRateLimitMax) == QList<int>(kRateLimitMax, 200), seq.constData());
    // Round robin put hits on both replicas, yet the total is the single shared limit.
    QCOMPARE(servedBy, (QSet<QString>{u"api1"_qs, u"api2"_qs}));
}

void TstDemoApi::schedulerFiresOncePerTick()
{
    constexpr int everyMs = 250;
    const HttpReply created = http("POST", lb(u"/schedules"_qs), admin(), R"({"id":"tst-s1","every_ms":250})");
    QCOMPARE(created.status, 201);
    QTest::qWait(3000);
    const HttpReply ex = http("GET", lb(u"/schedules/tst-s1/executions"_qs), admin());
    QCOMPARE(ex.status, 200);
    QCOMPARE(ex.json.value(u"duplicates"_qs).toInt(), 0);
    const QJsonArray executions = ex.json.value(u"executions"_qs).toArray();
    QCOMPARE(ex.json.value(u"count"_qs).toInt(), int(executions.size()));
    // ~12 ticks in 3 s; generous bounds for a noisy machine.
    QVERIFY2(executions.size() >= 6 && executions.size() <= 16, qPrintable(QString::number(executions.size())));
    QList<qint64> times;
    for (const QJsonValue &v : executions) {
        const qint64 t = v.toObject().value(u"fire_time"_qs).toInteger();
        QCOMPARE(t % everyMs, 0);
        QVERIFY(v.toObject().value(u"node_id"_qs).toString().startsWith(u"api"_qs));
        times.append(t);
    }
    std::sort(times.begin(), times.end());
    for (qsizetype k = 1; k < times.size(); ++k)
        QCOMPARE(times.at(k) - times.at(k - 1), qint64(everyMs)); // every tick once, none skipped
    QCOMPARE(http("DELETE", lb(u"/schedules/tst-s1"_qs), admin()).status, 200);
    QCOMPARE(http("GET", lb(u"/schedules/tst-s1"_qs), admin()).status, 404);
}

void TstDemoApi::adminUnavailableIsGroundTruth()
{
    QCOMPARE(http("POST", api(0, u"/admin/unavailable?ms=300"_qs)).status, 401);
    QCOMPARE(http("POST", api(0, u"/admin/unavailable?ms=300"_qs), {{"x-api-key", m_editorKey.toUtf8()}}).status, 403);
    QCOMPARE(http("POST", api(0, u"/admin/unavailable?ms=0"_qs), admin()).status, 400);

    QElapsedTimer t;
    t.start();
    const HttpReply set = http("POST", api(0, u"/admin/unavailable?ms=300"_qs), admin());
    QCOMPARE(set.status, 200);
    QVERIFY(set.json.value(u"until_ms"_qs).toInteger() > 0);
    qint64 firstOkAt = -1;
    int unavailable = 0;
    while (t.elapsed() < 5000) {
        const HttpReply h = http("GET", api(0, u"/health"_qs));
        if (h.status == 503) {
            ++unavailable;
            QCOMPARE(h.json.value(u"status"_qs).toString(), u"unavailable"_qs);
            QCOMPARE(http("GET", api(1, u"/health"_qs)).status, 200); // only this node
        } else if (h.status == 200) {
            firstOkAt = t.elapsed();
            break;
        }
        QTest::qWait(10);
    }
    QVERIFY2(unavailable > 0 || firstOkAt >= 300, "503 window not observed");
    // The window lasts at least D ms from the request (measured on the server, monotonic).
    QVERIFY2(firstOkAt >= 290 && firstOkAt < 3000, qPrintable(QString::number(firstOkAt)));

    // Through the fixed LB, a replica whose /health says 503 is retried on the other one.
    QCOMPARE(http("POST", api(0, u"/admin/unavailable?ms=1500"_qs), admin()).status, 200);
    for (int n = 0; n < 6; ++n)
        QCOMPARE(http("GET", lb(u"/health"_qs)).status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(http("GET", api(0, u"/health"_qs)).status, 200, 5000);
    // nginx benched api1 (max_fails=1) and takes it back after fail_timeout=5s.
    QTRY_VERIFY_WITH_TIMEOUT(lbServesBoth(), 12000);
}

void TstDemoApi::authFailureIsLoggedAsJson()
{
    const QByteArray wrongKey = randomToken("wrong-key-").toUtf8();
    QCOMPARE(http("GET", lb(u"/templates"_qs), {{"x-api-key", wrongKey}}).status, 401);
    auto logged = [this]() {
        const QList<QByteArray> lines = allApiLogs().split('\n');
        for (const QByteArray &line : lines) {
            if (line.contains("\"msg\":\"Auth failure\"") && line.contains("\"statusCode\":401")
                && line.contains("\"path\":\"/templates\""))
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(logged(), 3000);
    // The presented secret is never echoed (ECHO_AUTH_HEADERS is not set) ...
    QVERIFY(!allApiLogs().contains(wrongKey));
    QVERIFY(!allApiLogs().contains(m_adminKey.toUtf8()));
    // ... and every stdout line is one JSON object with the fixed fields.
    const QList<QByteArray> lines = allApiLogs().split('\n');
    int requestLines = 0;
    for (const QByteArray &line : lines) {
        if (line.isEmpty())
            continue;
        QJsonParseError err;
        const QJsonObject o = QJsonDocument::fromJson(line, &err).object();
        QVERIFY2(err.error == QJsonParseError::NoError, line.constData());
        for (const char *key : {"ts", "level", "node", "msg"})
            QVERIFY2(o.contains(QLatin1String(key)), line.constData());
        QVERIFY2(QDateTime::fromString(o.value(u"ts"_qs).toString(), Qt::ISODateWithMs).isValid(), line.constData());
        if (o.value(u"msg"_qs).toString() == u"request"_qs) {
            ++requestLines;
            QVERIFY2(o.contains(u"statusCode"_qs) && o.contains(u"ms"_qs) && o.contains(u"method"_qs), line.constData());
        }
    }
    QVERIFY(requestLines > 10);
}

void TstDemoApi::apiKeyRotationMatrix()
{
    const QString oldAdmin = m_adminKey;
    const QString newAdmin = randomToken("admin-new-");
    // Pre-cutover: mint with the OLD admin key; the old key works as x-api-key.
    const HttpReply minted = http("POST", lb(u"/auth/editor-token"_qs), admin(), R"({"actor":"rotation-test"})");
    QCOMPARE(minted.status, 200);
    const QByteArray oldToken = minted.json.value(u"token"_qs).toString().toUtf8();
    QCOMPARE(http("GET", lb(u"/templates"_qs), admin()).status, 200);

    // Cutover: rolling restart with API_KEY_ADMIN=new, API_KEY_ADMIN_PREVIOUS=old.
    m_adminKey = newAdmin;
    m_adminPrevious = oldAdmin;
    qsizetype logOffset[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
        int exitCode = -1;
        QVERIFY(stopApi(i, &exitCode));
        QCOMPARE(exitCode, 0); // SIGTERM is a graceful shutdown
        logOffset[i] = m_apiLog[i].size();
        QVERIFY2(startApi(i), m_apiErr[i].constData());
    }
    // Restart window: zero auth failures from background traffic.
    for (int i = 0; i < 2; ++i) {
        const QByteArray window = m_apiLog[i].mid(logOffset[i]);
        QVERIFY2(!window.contains("\"msg\":\"Auth failure\"") && !window.contains("\"statusCode\":401"), window.constData());
    }

    // The 200/200/401/401 matrix through the LB.
    QCOMPARE(http("GET", lb(u"/templates"_qs), {{"x-api-key", newAdmin.toUtf8()}}).status, 200);
    QCOMPARE(http("GET", lb(u"/templates"_qs), {{"x-editor-token", oldToken}}).status, 200);
    QCOMPARE(http("GET", lb(u"/templates"_qs), {{"x-api-key", oldAdmin.toUtf8()}}).status, 401);
    QCOMPARE(http("POST", lb(u"/auth/editor-token"_qs), {{"x-api-key", oldAdmin.toUtf8()}},
                  R"({"actor":"rotation-test"})").status, 401);
    // Same on each replica directly (both verify the old token via *_PREVIOUS).
    for (int i = 0; i < 2; ++i)
        QCOMPARE(http("GET", api(i, u"/templates"_qs), {{"x-editor-token", oldToken}}).status, 200);
    // The new key mints.
    QCOMPARE(http("POST", lb(u"/auth/editor-token"_qs), admin(), R"({"actor":"after"})").status, 200);
}

void TstDemoApi::leaderKillMovesLease()
{
    QString holder;
    QTRY_VERIFY_WITH_TIMEOUT(!(holder = status(0).value(u"holder_id"_qs).toString()).isEmpty(), 5000);
    const int victim = holder == u"api1"_qs ? 0 : 1;
    const int survivor = 1 - victim;
    const qint64 epochBefore = status(survivor).value(u"epoch"_qs).toInteger();
    // Precondition: nginx is not benching the survivor from an earlier test.
    QTRY_VERIFY_WITH_TIMEOUT(lbServesBoth(), 12000);

    QElapsedTimer t;
    t.start();
    m_api[victim]->kill(); // SIGKILL: no release, the lease must expire
    QVERIFY(m_api[victim]->waitForFinished(3000));
    m_api[victim].reset();

    // Availability through the LB: connection refused is retried on the survivor.
    for (int n = 0; n < 6; ++n)
        QVERIFY2(http("GET", lb(u"/health"_qs)).status == 200, nginxTail().constData());

    auto moved = [&]() {
        const QJsonObject s = status(survivor);
        return s.value(u"holder_id"_qs).toString() == nodeName(survivor) && s.value(u"is_leader"_qs).toBool();
    };
    QTRY_VERIFY_WITH_TIMEOUT(moved(), kLeaseTtlMs + 6000);
    qInfo("lease moved %s -> %s after %lld ms", qPrintable(nodeName(victim)), qPrintable(nodeName(survivor)),
          t.elapsed());
    QVERIFY(status(survivor).value(u"epoch"_qs).toInteger() > epochBefore);

    // Bring the victim back: it rejoins as a follower.
    QVERIFY2(startApi(victim), m_apiErr[victim].constData());
    QTest::qWait(700);
    QCOMPARE(status(victim).value(u"is_leader"_qs).toBool(), false);
    QCOMPARE(status(victim).value(u"holder_id"_qs).toString(), nodeName(survivor));
}

void TstDemoApi::redisPausedBlocksWrites()
{
    QVERIFY(m_redis);
    const pid_t redisPid = pid_t(m_redis->processId());
    QCOMPARE(::kill(redisPid, SIGSTOP), 0);
    auto blocked = [this](int i) {
        const QJsonObject s = status(i);
        return s.value(u"write_block_active"_qs).toBool() && !s.value(u"can_accept_protected_writes"_qs).toBool(true)
               && s.value(u"redis"_qs).toString() == u"down"_qs && !s.value(u"is_leader"_qs).toBool(true);
    };
    // Detection needs an unanswered command (> 1 s); allow plenty.
    QTRY_VERIFY_WITH_TIMEOUT(blocked(0) && blocked(1), 8000);

    const HttpReply direct = http("PUT", api(0, u"/templates/during-outage"_qs), admin(), R"({"x":1})");
    QCOMPARE(direct.status, 503);
    QCOMPARE(direct.json.value(u"error"_qs).toString(), u"writes blocked: shared store unreachable"_qs);
    const HttpReply viaLb = http("PUT", lb(u"/templates/during-outage"_qs), admin(), R"({"x":1})");
    QCOMPARE(viaLb.status, 503);
    QCOMPARE(viaLb.json.value(u"error"_qs).toString(), u"writes blocked: shared store unreachable"_qs);
    QCOMPARE(http("POST", lb(u"/assets"_qs), admin(), "bytes").status, 503);
    QCOMPARE(http("POST", lb(u"/schedules"_qs), admin(), R"({"id":"x","every_ms":1000})").status, 503);
    QCOMPARE(http("GET", lb(u"/health"_qs)).status, 200);         // liveness unaffected
    QCOMPARE(http("GET", api(1, u"/health/ready"_qs)).status, 503); // readiness follows Redis
    QElapsedTimer t;
    t.start();
    QCOMPARE(http("GET", lb(u"/templates"_qs), admin()).status, 503); // reads fail fast, no hang
    QVERIFY(t.elapsed() < 3000);

    QCOMPARE(::kill(redisPid, SIGCONT), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!blocked(0) && !blocked(1) && status(0).value(u"redis"_qs).toString() == u"up"_qs
                                 && status(1).value(u"redis"_qs).toString() == u"up"_qs,
                             8000);
    QTRY_COMPARE_WITH_TIMEOUT(http("PUT", lb(u"/templates/after-outage"_qs), admin(), R"({"x":2})").status, 200, 8000);
    // The lease is contended again and one node wins it.
    QTRY_VERIFY_WITH_TIMEOUT(status(0).value(u"is_leader"_qs).toBool() != status(1).value(u"is_leader"_qs).toBool(),
                             kLeaseTtlMs + 6000);
}

void TstDemoApi::redisStoppedBlocksWritesThenRecovers()
{
    stopProcess(m_redis, true); // connection refused from now on
    QTRY_VERIFY_WITH_TIMEOUT(status(0).value(u"write_block_active"_qs).toBool()
                                 && status(1).value(u"write_block_active"_qs).toBool(),
                             5000);
    QCOMPARE(http("PUT", lb(u"/templates/while-stopped"_qs), admin(), R"({"x":1})").status, 503);
    QCOMPARE(http("GET", lb(u"/rate-limited"_qs)).status, 503);
    QCOMPARE(http("GET", lb(u"/health"_qs)).status, 200);

    QVERIFY2(startRedis(), "redis-server did not restart");
    QTRY_VERIFY_WITH_TIMEOUT(!status(0).value(u"write_block_active"_qs).toBool(true)
                                 && !status(1).value(u"write_block_active"_qs).toBool(true),
                             5000);
    QTRY_COMPARE_WITH_TIMEOUT(http("PUT", lb(u"/templates/after-restart"_qs), admin(), R"({"x":3})").status, 200, 8000);
    QTRY_VERIFY_WITH_TIMEOUT(!status(0).value(u"holder_id"_qs).toString().isEmpty()
                                 && status(0).value(u"is_leader"_qs).toBool() != status(1).value(u"is_leader"_qs).toBool(),
                             kLeaseTtlMs + 6000);
}

QTEST_GUILESS_MAIN(TstDemoApi)
#include "tst_demoapi.moc"
