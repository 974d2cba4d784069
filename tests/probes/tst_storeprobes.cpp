// sql and redis probes against a real PostgreSQL 15 and a real redis-server (with a password),
// command-probe timeouts and skipped slots, and the one executor under readiness / role probes.
// Timing asserts are deliberately generous.
#include "labparser.h"
#include "monoclock.h"
#include "probeengine.h"
#include "probeexecutor.h"
#include "processtree.h"
#include "serviceprober.h"
#include "storestack.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace ProbeTestSupport;

namespace {
constexpr qint64 Ms = 1'000'000;

ProbeSpec sqlProbe(const QString &id, const PostgresServer &pg, const QString &query, qint64 intervalMs, qint64 timeoutMs)
{
    ProbeSpec p;
    p.id = id;
    p.kind = ProbeSpec::Kind::Sql;
    p.connection = pg.connection();
    p.query = query;
    p.env.insert(QStringLiteral("PGPASSWORD"), QString::fromLatin1(PostgresServer::Password));
    p.intervalMs = intervalMs;
    p.timeoutMs = timeoutMs;
    return p;
}

ProbeSpec redisProbe(const QString &id, const RedisServer &redis, const QStringList &command, qint64 intervalMs, qint64 timeoutMs)
{
    ProbeSpec p;
    p.id = id;
    p.kind = ProbeSpec::Kind::Redis;
    p.address = redis.address();
    p.redisCommand = command;
    p.env.insert(QStringLiteral("REDISCLI_AUTH"), QString::fromLatin1(RedisServer::Password));
    p.intervalMs = intervalMs;
    p.timeoutMs = timeoutMs;
    return p;
}

struct Collector
{
    explicit Collector(ProbeEngine *engine)
    {
        QObject::connect(engine, &ProbeEngine::samples, engine, [this](const ProbeSampleBatch &batch) { all += batch; });
    }
    // The samples of one probe in due order, without the slots this (possibly overloaded) host
    // could not start on time: those are the console's, and no assertion about the target holds
    // for them. consoleLate(id) counts them.
    QList<ProbeSample> of(const QString &id) const
    {
        QList<ProbeSample> out;
        for (const ProbeSample &s : all)
            if (s.probeId == id && !isConsoleLate(s))
                out.append(s);
        std::sort(out.begin(), out.end(), [](const ProbeSample &a, const ProbeSample &b) { return a.monoNs < b.monoNs; });
        return out;
    }
    static bool isConsoleLate(const ProbeSample &s)
    {
        return s.skipped && s.error.startsWith(QStringLiteral("console late"));
    }
    int consoleLate(const QString &id) const
    {
        return int(std::count_if(all.cbegin(), all.cend(), [&id](const ProbeSample &s) { return s.probeId == id && isConsoleLate(s); }));
    }
    QList<ProbeSample> all;
};

QString describe(const ProbeSample &s)
{
    return QStringLiteral("%1 @%2ms ok=%3 skipped=%4 status=%5 err='%6' value='%7' latency=%8ms")
        .arg(s.probeId)
        .arg(s.monoNs / Ms)
        .arg(s.ok)
        .arg(s.skipped)
        .arg(s.status)
        .arg(s.error, s.value)
        .arg(s.latencyMs);
}

// Runs the probes for ms and returns what they sampled.
Collector runFor(ProbeEngine &engine, const QList<ProbeSpec> &probes, int ms)
{
    Collector c(&engine);
    engine.setProbes(probes);
    engine.start();
    QTest::qWait(ms);
    engine.stop();
    return c;
}
} // namespace

class TestStoreProbes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void sqlWriteReturnsTheServingPort();
    void sqlFailuresSayWhy();
    void sqlTimeoutIsEnforcedAndTheProbeGoesOn();
    void sqlPausedServerTimesOutAndRecovers();
    void redisRepliesExtractionAndAuth();
    void redisPausedServerTimesOutAtFullRateAndRecovers();
    void commandTimeoutKillsTheWholeGroup();
    void hangingCommandYieldsSkippedSamples();
    void readinessAndRoleProbesUseTheSameKinds();
    void labAcceptsSqlAndRedisProbes();

private:
    PostgresServer m_pg;
    RedisServer m_redis;
};

void TestStoreProbes::initTestCase()
{
    QString why;
    // A missing server is a failed test, not a skip: scripts/dev installs both.
    QVERIFY2(PostgresServer::available(&why), qPrintable(why));
    QVERIFY2(m_pg.start(&why), qPrintable(why));
    QVERIFY2(m_redis.start(&why), qPrintable(why));
    QVERIFY(m_pg.exec(QStringLiteral("create table probe_writes (id bigserial primary key, at timestamptz default now())")));
}

void TestStoreProbes::cleanupTestCase()
{
    m_pg.stop();
    m_redis.stop();
}

void TestStoreProbes::sqlWriteReturnsTheServingPort()
{
    ProbeEngine engine;
    ProbeSpec write = sqlProbe(QStringLiteral("write"), m_pg, QStringLiteral("insert into probe_writes default values returning inet_server_port()"), 50, 1000);
    write.expectRows = 1;
    ProbeSpec count = sqlProbe(QStringLiteral("count"), m_pg, QStringLiteral("select count(*), 'x' from probe_writes"), 100, 1000);
    count.regex = QStringLiteral(R"(^(\d+)\|x$)");
    ProbeSpec expected = sqlProbe(QStringLiteral("expected"), m_pg, QStringLiteral("select inet_server_port()"), 100, 1000);
    expected.expectValue = QString::number(m_pg.port);
    const Collector c = runFor(engine, {write, count, expected}, 1000);

    const QList<ProbeSample> w = c.of(QStringLiteral("write"));
    QVERIFY2(w.size() >= 15, qPrintable(QString::number(w.size())));
    int skipped = 0;
    for (const ProbeSample &s : w) {
        // a write slower than 50 ms on a loaded host skips the next slot: the console's limit
        if (s.skipped) {
            QCOMPARE(s.error, QStringLiteral("previous attempt still running"));
            ++skipped;
            continue;
        }
        QVERIFY2(s.ok, qPrintable(describe(s)));
        QCOMPARE(s.value, QString::number(m_pg.port)); // which node served the write
        QCOMPARE(s.status, 1);                          // rows
    }
    const QList<ProbeSample> n = c.of(QStringLiteral("count"));
    QVERIFY(n.size() >= 5);
    qint64 previous = -1;
    for (const ProbeSample &s : n) {
        QVERIFY2(s.ok, qPrintable(describe(s)));
        QVERIFY2(s.value.toLongLong() >= previous, qPrintable(describe(s)));
        previous = s.value.toLongLong();
    }
    QVERIFY2(previous >= 10, "the writes were committed");
    for (const ProbeSample &s : c.of(QStringLiteral("expected")))
        QVERIFY2(s.ok || s.skipped, qPrintable(describe(s)));
    QVERIFY2(skipped <= 2, qPrintable(QString::number(skipped)));
}

void TestStoreProbes::sqlFailuresSayWhy()
{
    ProbeEngine engine;
    const ProbeSpec syntax = sqlProbe(QStringLiteral("syntax"), m_pg, QStringLiteral("selec 1"), 100, 1000);
    ProbeSpec password = sqlProbe(QStringLiteral("password"), m_pg, QStringLiteral("select 1"), 100, 1000);
    password.env.insert(QStringLiteral("PGPASSWORD"), QStringLiteral("wrong"));
    ProbeSpec rows = sqlProbe(QStringLiteral("rows"), m_pg, QStringLiteral("select 1 where false"), 100, 1000);
    rows.expectRows = 1;
    ProbeSpec value = sqlProbe(QStringLiteral("value"), m_pg, QStringLiteral("select 'replica'"), 100, 1000);
    value.expectValue = QStringLiteral("primary");
    ProbeSpec closed = sqlProbe(QStringLiteral("closed"), m_pg, QStringLiteral("select 1"), 100, 1000);
    closed.connection = QStringLiteral("postgresql://postgres@127.0.0.1:%1/postgres").arg(freePort());
    const Collector c = runFor(engine, {syntax, password, rows, value, closed}, 700);

    const auto firstError = [&c](const QString &id) {
        const QList<ProbeSample> s = c.of(id);
        if (s.isEmpty())
            return QStringLiteral("<no sample>");
        for (const ProbeSample &sample : s)
            if (sample.ok || sample.skipped)
                return QStringLiteral("<unexpected: %1>").arg(describe(sample));
        return s.first().error;
    };
    QVERIFY2(firstError(QStringLiteral("syntax")).contains(QStringLiteral("syntax error")), qPrintable(firstError(QStringLiteral("syntax"))));
    QVERIFY2(firstError(QStringLiteral("password")).contains(QStringLiteral("password authentication failed")),
             qPrintable(firstError(QStringLiteral("password"))));
    QCOMPARE(firstError(QStringLiteral("rows")), QStringLiteral("0 rows, expected 1"));
    QCOMPARE(firstError(QStringLiteral("value")), QStringLiteral("got 'replica', expected 'primary'"));
    QVERIFY2(firstError(QStringLiteral("closed")).startsWith(QStringLiteral("connect: ")), qPrintable(firstError(QStringLiteral("closed"))));
}

void TestStoreProbes::sqlTimeoutIsEnforcedAndTheProbeGoesOn()
{
    // Every other attempt sleeps 5 s: each times out at 300 ms, and the next one runs anyway.
    QVERIFY(m_pg.exec(QStringLiteral("create sequence if not exists probe_flip")));
    ProbeEngine engine;
    const ProbeSpec slow = sqlProbe(QStringLiteral("slow"), m_pg,
                                    QStringLiteral("select case when nextval('probe_flip') % 2 = 0 then pg_sleep(5)::text else 'quick' end"), 100, 300);
    const Collector c = runFor(engine, {slow}, 2000);

    const QList<ProbeSample> s = c.of(QStringLiteral("slow"));
    int timeouts = 0, quick = 0;
    for (const ProbeSample &sample : s) {
        if (sample.skipped) {
            QCOMPARE(sample.error, QStringLiteral("previous attempt still running"));
        } else if (sample.ok) {
            QCOMPARE(sample.value, QStringLiteral("quick"));
            ++quick;
        } else if (sample.error.startsWith(QStringLiteral("no answer"))) {
            // due in the instant between the cut at the deadline and the session's return
            QCOMPARE(sample.error, QStringLiteral("no answer: the previous attempt timed out and is still waiting"));
        } else {
            QCOMPARE(sample.error, QStringLiteral("timed out after 300 ms"));
            QVERIFY2(sample.latencyMs >= 290 && sample.latencyMs < 600, qPrintable(describe(sample)));
            ++timeouts;
        }
    }
    // 5 s sleeps would allow one answer in 2 s; the enforced timeout allows several of each.
    QVERIFY2(timeouts >= 2 && quick >= 2, qPrintable(QStringLiteral("%1 timeouts, %2 quick").arg(timeouts).arg(quick)));
}

void TestStoreProbes::sqlPausedServerTimesOutAndRecovers()
{
    ProbeEngine engine;
    Collector c(&engine);
    engine.setProbes({sqlProbe(QStringLiteral("sel"), m_pg, QStringLiteral("select 1"), 50, 300)});
    engine.start();
    QTest::qWait(400); // connected
    const qint64 pausedAt = MonoClock::nowNs();
    m_pg.pause();
    QTest::qWait(1500);
    const qint64 resumedAt = MonoClock::nowNs();
    m_pg.resume();
    QTest::qWait(2500); // a connect stuck in the pause may take libpq's 2 s connect timeout
    engine.stop();

    const QList<ProbeSample> s = c.of(QStringLiteral("sel"));
    int failed = 0;
    bool okAfter = false;
    for (const ProbeSample &sample : s) {
        if (sample.monoNs < pausedAt - 50 * Ms) // (a slow answer on a loaded host skips a slot)
            QVERIFY2(sample.ok || sample.skipped, qPrintable(describe(sample)));
        if (!sample.ok && !sample.skipped)
            ++failed;
        if (sample.monoNs > resumedAt && sample.ok)
            okAfter = true;
    }
    QVERIFY2(failed >= 3, qPrintable(QString::number(failed)));
    QVERIFY2(okAfter, "the probe reconnects once the server runs again");
    QVERIFY2(s.last().ok, qPrintable(describe(s.last())));
}

void TestStoreProbes::redisRepliesExtractionAndAuth()
{
    ProbeEngine engine;
    ProbeSpec ping = redisProbe(QStringLiteral("ping"), m_redis, {QStringLiteral("PING")}, 50, 1000);
    ping.expectValue = QStringLiteral("PONG");
    const ProbeSpec incr = redisProbe(QStringLiteral("incr"), m_redis, {QStringLiteral("INCR"), QStringLiteral("probe_counter")}, 50, 1000);
    ProbeSpec role = redisProbe(QStringLiteral("role"), m_redis, {QStringLiteral("INFO"), QStringLiteral("replication")}, 100, 1000);
    role.regex = QStringLiteral(R"(role:(\w+))");
    ProbeSpec noAuth = redisProbe(QStringLiteral("noauth"), m_redis, {QStringLiteral("PING")}, 100, 1000);
    noAuth.env.clear();
    ProbeSpec wrong = redisProbe(QStringLiteral("wrong"), m_redis, {QStringLiteral("PING")}, 100, 1000);
    wrong.env.insert(QStringLiteral("REDISCLI_AUTH"), QStringLiteral("not-the-password"));
    ProbeSpec missing = redisProbe(QStringLiteral("missing"), m_redis, {QStringLiteral("GET"), QStringLiteral("no_such_key")}, 100, 1000);
    missing.expectValue = QStringLiteral("something");
    const Collector c = runFor(engine, {ping, incr, role, noAuth, wrong, missing}, 1000);

    for (const ProbeSample &s : c.of(QStringLiteral("ping")))
        QVERIFY2(s.ok && s.value == QStringLiteral("PONG"), qPrintable(describe(s)));
    const QList<ProbeSample> in = c.of(QStringLiteral("incr"));
    QVERIFY2(in.size() >= 15, qPrintable(QString::number(in.size())));
    for (int i = 1; i < in.size(); ++i)
        QCOMPARE(in[i].value.toLongLong(), in[i - 1].value.toLongLong() + 1); // in due order, one INCR per slot
    for (const ProbeSample &s : c.of(QStringLiteral("role")))
        QVERIFY2(s.ok && s.value == QStringLiteral("master"), qPrintable(describe(s)));
    for (const ProbeSample &s : c.of(QStringLiteral("noauth")))
        QVERIFY2(!s.ok && s.error.startsWith(QStringLiteral("NOAUTH")), qPrintable(describe(s)));
    for (const ProbeSample &s : c.of(QStringLiteral("wrong")))
        QVERIFY2(!s.ok && s.error.startsWith(QStringLiteral("AUTH failed")), qPrintable(describe(s)));
    for (const ProbeSample &s : c.of(QStringLiteral("missing")))
        QVERIFY2(!s.ok && s.error == QStringLiteral("got '', expected 'something'"), qPrintable(describe(s)));
    QVERIFY(!c.of(QStringLiteral("noauth")).isEmpty() && !c.of(QStringLiteral("wrong")).isEmpty());
    // no slot waited for an earlier attempt: every answer came within its interval
    for (const ProbeSample &s : c.all)
        QVERIFY2(!s.skipped || Collector::isConsoleLate(s), qPrintable(describe(s)));
}

void TestStoreProbes::redisPausedServerTimesOutAtFullRateAndRecovers()
{
    ProbeEngine engine;
    Collector c(&engine);
    engine.setProbes({redisProbe(QStringLiteral("ping"), m_redis, {QStringLiteral("PING")}, 20, 200)});
    engine.start();
    QTest::qWait(300);
    const qint64 pausedAt = MonoClock::nowNs();
    m_redis.pause();
    QTest::qWait(800);
    const qint64 resumedAt = MonoClock::nowNs();
    m_redis.resume();
    QTest::qWait(500);
    engine.stop();

    const QList<ProbeSample> s = c.of(QStringLiteral("ping"));
    int timeouts = 0;
    for (const ProbeSample &sample : s) {
        // pipelined on one connection: a silent server costs no skipped slot
        QVERIFY2(!sample.skipped, qPrintable(describe(sample)));
        if (sample.monoNs < pausedAt - 20 * Ms || sample.monoNs > resumedAt + 100 * Ms)
            QVERIFY2(sample.ok, qPrintable(describe(sample)));
        if (!sample.ok) {
            QCOMPARE(sample.error, QStringLiteral("timed out after 200 ms"));
            ++timeouts;
        }
    }
    QVERIFY2(timeouts >= 25, qPrintable(QString::number(timeouts)));
}

void TestStoreProbes::commandTimeoutKillsTheWholeGroup()
{
    QTemporaryDir dir;
    const QString pidFile = dir.filePath(QStringLiteral("child.pid"));
    ProbeExecutor executor;
    ProbeSpec spec;
    spec.kind = ProbeSpec::Kind::Command;
    // The shell's background child is what a naive kill of the shell would leave behind.
    spec.command = {QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("sleep 30 & echo $! > \"$PID_FILE\"; wait")};
    spec.env.insert(QStringLiteral("PID_FILE"), pidFile);
    std::optional<ProbeOutcome> outcome;
    executor.runOnce(spec, {300, 1, false}, [&outcome](const ProbeOutcome &o) { outcome = o; });
    QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 5000);
    QVERIFY(!outcome->ok);
    QVERIFY(outcome->timedOut);
    QCOMPARE(outcome->error, QStringLiteral("timed out after 300 ms"));
    QFile f(pidFile);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const pid_t child = pid_t(f.readAll().trimmed().toLongLong());
    QVERIFY(child > 1);
    // gone (reaped by whoever inherited it): no process, or at most a zombie for a moment
    QTRY_VERIFY_WITH_TIMEOUT(::kill(child, 0) != 0 || ProcessTree::startTime(child) == 0, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(executor.runningProcesses(), 0, 5000);
}

void TestStoreProbes::hangingCommandYieldsSkippedSamples()
{
    ProbeEngine engine;
    ProbeSpec hang;
    hang.id = QStringLiteral("hang");
    hang.kind = ProbeSpec::Kind::Command;
    hang.command = {QStringLiteral("sleep"), QStringLiteral("30")};
    hang.intervalMs = 50;
    hang.timeoutMs = 1000;
    const Collector c = runFor(engine, {hang}, 900);

    // One process runs; the 17 or so slots after it are skipped, none is a failure of the target.
    const QList<ProbeSample> s = c.of(QStringLiteral("hang"));
    QVERIFY2(s.size() >= 15, qPrintable(QString::number(s.size())));
    for (const ProbeSample &sample : s) {
        QVERIFY2(sample.skipped, qPrintable(describe(sample)));
        QVERIFY(!sample.ok);
        QCOMPARE(sample.error, QStringLiteral("previous attempt still running"));
    }
    QCOMPARE(engine.skippedCount(QStringLiteral("hang")), qint64(s.size() + c.consoleLate(QStringLiteral("hang"))));
}

void TestStoreProbes::readinessAndRoleProbesUseTheSameKinds()
{
    ProbeSpec ready = sqlProbe(QStringLiteral("ready"), m_pg, QStringLiteral("select 1"), 100, 5000);
    RoleProbeSpec role;
    role.probe = redisProbe(QStringLiteral("role"), m_redis, {QStringLiteral("INFO"), QStringLiteral("replication")}, 100, 1000);
    role.probe.regex = QStringLiteral(R"(role:(\w+))");
    role.leaderIfEquals = QStringLiteral("master");
    ServiceProber prober(QStringLiteral("db"), ready, role);
    QSignalSpy readySpy(&prober, &ServiceProber::readyFinished);
    QSignalSpy roleSpy(&prober, &ServiceProber::roleChanged);
    prober.start();
    QTRY_COMPARE_WITH_TIMEOUT(readySpy.size(), 1, 10000);
    QVERIFY2(readySpy.first().at(0).toBool(), qPrintable(readySpy.first().at(1).toString()));
    QTRY_VERIFY_WITH_TIMEOUT(!roleSpy.isEmpty(), 5000);
    QCOMPARE(roleSpy.last().at(0).toString(), QStringLiteral("leader"));
    prober.stop();
}

void TestStoreProbes::labAcceptsSqlAndRedisProbes()
{
    const QByteArray good = R"yaml(halab: 1
name: stores
secrets: [PG_PASSWORD, REDIS_PASSWORD]
variables: {PG_PORT: "5432", REDIS_PORT: "6379"}
stack:
  backend: processes
  services:
    db:
      command: [postgres]
      ready: {sql: "host=127.0.0.1 port=${PG_PORT} user=postgres", query: select 1, env: {PGPASSWORD: "${PG_PASSWORD}"}}
      role: {redis: "127.0.0.1:${REDIS_PORT}", query: INFO replication, regex: 'role:(\w+)', leader_if_equals: master,
             env: {REDISCLI_AUTH: "${REDIS_PASSWORD}"}}
checks:
  - id: c1
    title: writes
    probes:
      - {id: write, sql: "postgresql://postgres@127.0.0.1:${PG_PORT}/postgres", query: "insert into t default values returning inet_server_port()",
         expect_rows: 1, env: {PGPASSWORD: "${PG_PASSWORD}"}, every: 50ms, timeout: 1s}
      - {id: ping, redis: "127.0.0.1:${REDIS_PORT}", query: [PING], expect: PONG, env: {REDISCLI_AUTH: "${REDIS_PASSWORD}"}, every: 50ms}
      - {id: cli, command: [sh, -c, 'redis-cli -p "$P" ping'], env: {P: "${REDIS_PORT}", REDISCLI_AUTH: "${REDIS_PASSWORD}"}}
)yaml";
    const LabParser::Result ok = LabParser::parseText(good, QStringLiteral("good.yaml"));
    QVERIFY2(ok.errors.isEmpty(), qPrintable(ok.errors.isEmpty() ? QString() : ok.errors.first().message));
    const ProbeSpec &write = ok.lab.checks.first().probes.at(0);
    QCOMPARE(write.kind, ProbeSpec::Kind::Sql);
    QCOMPARE(write.expectRows, 1);
    QCOMPARE(write.env.value(QStringLiteral("PGPASSWORD")), QStringLiteral("${PG_PASSWORD}"));
    const ProbeSpec &ping = ok.lab.checks.first().probes.at(1);
    QCOMPARE(ping.kind, ProbeSpec::Kind::Redis);
    QCOMPARE(ping.redisCommand, QStringList{QStringLiteral("PING")});
    QCOMPARE(ping.expectValue, QStringLiteral("PONG"));
    QCOMPARE(ok.lab.stack.services.first().role->probe.redisCommand, (QStringList{QStringLiteral("INFO"), QStringLiteral("replication")}));

    const QByteArray bad = R"yaml(halab: 1
name: stores
stack: {backend: processes, services: {a: {command: [x]}}}
checks:
  - id: c1
    title: bad
    probes:
      - {id: a, sql: "host=x", every: 1s}
      - {id: b, redis: "nohost", query: PING}
      - {id: c, http: "http://x/", query: select 1}
      - {id: d, sql: "host=x", query: select 1, expect_rows: -2}
      - {id: e, tcp: "x:1", env: {A: b}}
)yaml";
    const LabParser::Result r = LabParser::parseText(bad, QStringLiteral("bad.yaml"));
    QStringList messages;
    for (const auto &d : r.errors)
        messages.append(QStringLiteral("%1: %2").arg(d.where.toString(), d.message));
    const QString all = messages.join(QLatin1Char('\n'));
    QVERIFY2(all.contains(QStringLiteral("bad.yaml:8:9: a probe of check 'c1' is missing required key 'query'")), qPrintable(all));
    QVERIFY2(all.contains(QStringLiteral("'redis' in a probe of check 'c1' must be host:port")), qPrintable(all));
    QVERIFY2(all.contains(QStringLiteral("'query' in a probe of check 'c1' is for 'sql' and 'redis' probes")), qPrintable(all));
    QVERIFY2(all.contains(QStringLiteral("'expect_rows' in a probe of check 'c1' must be 0 or more")), qPrintable(all));
    QVERIFY2(all.contains(QStringLiteral("'env' in a probe of check 'c1' is for 'command', 'sql' and 'redis' probes")), qPrintable(all));
}

QTEST_GUILESS_MAIN(TestStoreProbes)
#include "tst_storeprobes.moc"
