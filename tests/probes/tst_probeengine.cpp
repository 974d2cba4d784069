// ProbeEngine against real servers: halab-demo-api with a real redis-server, closed and
// blackholed loopback ports, sh commands. Timing asserts are deliberately generous.
#include "demostack.h"
#include "latenesshistogram.h"
#include "monoclock.h"
#include "probeengine.h"

#include <QElapsedTimer>
#include <QSet>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>
#include <csignal>
#include <memory>

using namespace ProbeTestSupport;

namespace {
constexpr qint64 Ms = 1'000'000;

ProbeSpec httpProbe(const QString &id, const QString &url, qint64 intervalMs, qint64 timeoutMs)
{
    ProbeSpec p;
    p.id = id;
    p.kind = ProbeSpec::Kind::Http;
    p.url = url;
    p.intervalMs = intervalMs;
    p.timeoutMs = timeoutMs;
    return p;
}

ProbeSpec tcpProbe(const QString &id, quint16 port, qint64 intervalMs, qint64 timeoutMs)
{
    ProbeSpec p;
    p.id = id;
    p.kind = ProbeSpec::Kind::Tcp;
    p.address = QStringLiteral("127.0.0.1:%1").arg(port);
    p.intervalMs = intervalMs;
    p.timeoutMs = timeoutMs;
    return p;
}

ProbeSpec commandProbe(const QString &id, const QStringList &argv, qint64 intervalMs, qint64 timeoutMs)
{
    ProbeSpec p;
    p.id = id;
    p.kind = ProbeSpec::Kind::Command;
    p.command = argv;
    p.intervalMs = intervalMs;
    p.timeoutMs = timeoutMs;
    return p;
}

// Collects everything an engine emits.
struct Collector
{
    explicit Collector(ProbeEngine *engine)
    {
        QObject::connect(engine, &ProbeEngine::samples, engine, [this](const ProbeSampleBatch &batch) {
            ++signalCount;
            all += batch;
        });
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
    int signalCount = 0;
    QList<ProbeSample> all;
};

QString describe(const ProbeSample &s)
{
    return QStringLiteral("%1 @%2ms ok=%3 status=%4 err='%5' value='%6' latency=%7ms")
        .arg(s.probeId)
        .arg(s.monoNs / Ms)
        .arg(s.ok)
        .arg(s.status)
        .arg(s.error, s.value)
        .arg(s.latencyMs);
}
} // namespace

class TestProbeEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void latenessHistogram();
    void httpRateIsFullAndEvenlySpaced();
    void extractsJsonPointerAndRegex();
    void injectedOutageIsAFailedRunOfItsLength();
    void tcpClosedPortFailsFastRedisSucceeds();
    void blackholeTimesOutWithBoundedAttempts();
    void hungServerGetsBoundedConnections();
    void pausedProcessIsDetectedAndRecovers();
    void commandExtractsValueAndHonoursExitAndTimeout();
    void badSpecsFailEverySlot();
    void stopAbandonsInFlightAndFlushes();
    void busyCallerThreadDoesNotDelaySamples();

private:
    DemoStack m_stack;
};

void TestProbeEngine::initTestCase()
{
    QString why;
    if (!DemoStack::available(&why))
        QSKIP(qPrintable(why));
    QString error;
    QVERIFY2(m_stack.start(&error), qPrintable(error));
}

void TestProbeEngine::cleanupTestCase()
{
    m_stack.stop();
}

void TestProbeEngine::latenessHistogram()
{
    LatenessHistogram h;
    QCOMPARE(h.quantileNs(0.99), 0);
    for (int i = 1; i <= 1000; ++i)
        h.add(qint64(i) * 1000); // 1 µs .. 1 ms
    QCOMPARE(h.count(), 1000);
    QCOMPARE(h.maxNs(), 1'000'000);
    // p99 is 990 µs, reported at its 10 µs bucket's upper edge
    QVERIFY2(h.quantileNs(0.99) >= 990'000 && h.quantileNs(0.99) <= 1'000'000, qPrintable(QString::number(h.quantileNs(0.99))));
    h.add(5'000'000'000); // beyond the last bucket: the max is kept exactly
    QCOMPARE(h.quantileNs(1.0), 5'000'000'000);
    h.add(-5); // a hair early counts as on time
    QCOMPARE(h.count(), 1002);
}

void TestProbeEngine::httpRateIsFullAndEvenlySpaced()
{
    ProbeEngine engine;
    Collector c(&engine);
    engine.setProbes({httpProbe(QStringLiteral("h"), m_stack.url(QStringLiteral("/health")), 20, 500)});
    engine.start();
    QVERIFY(engine.isRunning());
    QTest::qWait(1000);
    engine.stop();
    QVERIFY(!engine.isRunning());

    const QList<ProbeSample> s = c.of(QStringLiteral("h"));
    QVERIFY2(s.size() + c.consoleLate(QStringLiteral("h")) >= 40 && s.size() <= 55, qPrintable(QString::number(s.size())));
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    const int consoleLate = c.consoleLate(QStringLiteral("h"));
    for (int i = 0; i < s.size(); ++i) {
        // due times on the exact grid t0 + k * interval: no drift (a gap is a console-late slot)
        if (i > 0)
            QCOMPARE((s[i].monoNs - s[i - 1].monoNs) % (20 * Ms), 0);
        QVERIFY2(s[i].ok, qPrintable(describe(s[i])));
        QCOMPARE(s[i].status, 200);
        QVERIFY(s[i].error.isEmpty());
        QVERIFY(s[i].value.isEmpty()); // no extraction asked for
        QVERIFY(s[i].latencyMs > 0 && s[i].latencyMs < 500);
        QVERIFY(s[i].lateNs >= 0);
        QVERIFY(qAbs(s[i].wallMs - nowMs) < 5000);
    }
    QVERIFY2(consoleLate <= s.size() / 10, qPrintable(QString::number(consoleLate)));
    QVERIFY(s.last().monoNs <= MonoClock::nowNs());
    // batched: one signal per flush, not one per sample
    QVERIFY2(c.signalCount < s.size() && c.signalCount <= 1000 / ProbeEngine::FlushMs + 3,
             qPrintable(QStringLiteral("%1 signals for %2 samples").arg(c.signalCount).arg(s.size())));
    QVERIFY(engine.maxLateNs().contains(QStringLiteral("h")));
    const double p99 = engine.schedulingJitterP99Ms(QStringLiteral("h"));
    // Measured, not bounded here: how late is the host's business (bench_probes reports it).
    QVERIFY2(p99 >= 0, qPrintable(QString::number(p99)));
    QCOMPARE(engine.schedulingJitterP99Ms(QStringLiteral("nope")), -1.0);
}

void TestProbeEngine::extractsJsonPointerAndRegex()
{
    ProbeEngine engine;
    Collector c(&engine);
    ProbeSpec holder = httpProbe(QStringLiteral("holder"), m_stack.url(QStringLiteral("/v1/ha/status")), 50, 500);
    holder.jsonPointer = QStringLiteral("/holder_id");
    ProbeSpec status = httpProbe(QStringLiteral("status"), m_stack.url(QStringLiteral("/health")), 50, 500);
    status.regex = QStringLiteral(R"re("status"\s*:\s*"(\w+)")re");
    ProbeSpec missing = httpProbe(QStringLiteral("missing"), m_stack.url(QStringLiteral("/health")), 50, 500);
    missing.jsonPointer = QStringLiteral("/no/such/field");
    engine.setProbes({holder, status, missing});
    engine.start();
    // the lease is taken within a renew period of start-up; the holder is then api1
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(c.all.cbegin(), c.all.cend(), [](const ProbeSample &s) {
                                 return s.probeId == QLatin1String("holder") && s.ok && s.value == QLatin1String("api1");
                             }), 5000);
    engine.stop();

    const QList<ProbeSample> st = c.of(QStringLiteral("status"));
    QVERIFY(!st.isEmpty());
    for (const ProbeSample &s : st) {
        QVERIFY2(s.ok, qPrintable(describe(s)));
        QCOMPARE(s.value, QStringLiteral("ok"));
    }
    // a value that cannot be extracted fails the sample and says why
    const QList<ProbeSample> miss = c.of(QStringLiteral("missing"));
    QVERIFY(!miss.isEmpty());
    QVERIFY(!miss.first().ok);
    QCOMPARE(miss.first().status, 200);
    QVERIFY2(miss.first().error.contains(QStringLiteral("not found")), qPrintable(describe(miss.first())));
}

void TestProbeEngine::injectedOutageIsAFailedRunOfItsLength()
{
    ProbeEngine engine;
    Collector c(&engine);
    engine.setProbes({httpProbe(QStringLiteral("h"), m_stack.url(QStringLiteral("/health")), 10, 500)});
    engine.start();
    QTest::qWait(300);
    QCOMPARE(m_stack.injectUnavailable(500), 200);
    QTest::qWait(1000);
    engine.stop();

    const QList<ProbeSample> s = c.of(QStringLiteral("h"));
    QVERIFY2(s.size() >= 100, qPrintable(QString::number(s.size())));
    int firstFail = -1;
    int firstOkAfter = -1;
    int failures = 0;
    for (int i = 0; i < s.size(); ++i) {
        if (!s[i].ok) {
            ++failures;
            QCOMPARE(s[i].status, 503);
            QCOMPARE(s[i].error, QStringLiteral("HTTP 503"));
            if (firstFail < 0)
                firstFail = i;
            QVERIFY2(firstOkAfter < 0, "the failures form one run");
        } else if (firstFail >= 0 && firstOkAfter < 0) {
            firstOkAfter = i;
        }
    }
    QVERIFY(firstFail > 0);
    QVERIFY(firstOkAfter > firstFail);
    const double spanMs = double(s[firstOkAfter].monoNs - s[firstFail].monoNs) / 1e6;
    QVERIFY2(qAbs(spanMs - 500) <= 150, qPrintable(QStringLiteral("outage seen as %1 ms").arg(spanMs)));
    QVERIFY2(failures >= 35 && failures <= 65, qPrintable(QString::number(failures)));
}

void TestProbeEngine::tcpClosedPortFailsFastRedisSucceeds()
{
    const quint16 closed = freePort();
    ProbeEngine engine;
    Collector c(&engine);
    engine.setProbes({tcpProbe(QStringLiteral("closed"), closed, 50, 2000),
                      tcpProbe(QStringLiteral("redis"), m_stack.redisPort, 50, 2000)});
    engine.start();
    QTest::qWait(600);
    engine.stop();

    const QList<ProbeSample> closedSamples = c.of(QStringLiteral("closed"));
    QVERIFY2(closedSamples.size() >= 9, qPrintable(QString::number(closedSamples.size())));
    for (const ProbeSample &s : closedSamples) {
        QVERIFY(!s.ok);
        QVERIFY2(s.latencyMs < 200, qPrintable(describe(s))); // refused, not timed out
        QVERIFY2(!s.error.isEmpty() && !s.error.contains(QStringLiteral("timeout")), qPrintable(describe(s)));
    }
    const QList<ProbeSample> redis = c.of(QStringLiteral("redis"));
    QVERIFY2(redis.size() >= 9, qPrintable(QString::number(redis.size())));
    for (const ProbeSample &s : redis)
        QVERIFY2(s.ok && s.error.isEmpty(), qPrintable(describe(s)));
}

void TestProbeEngine::blackholeTimesOutWithBoundedAttempts()
{
    // Listens but never accepts: connects hang in the backlog, nothing is ever answered.
    QTcpServer hole;
    QVERIFY(hole.listen(QHostAddress::LocalHost, 0));
    hole.pauseAccepting();
    ProbeEngine engine;
    Collector c(&engine);
    engine.setProbes({httpProbe(QStringLiteral("hole"), QStringLiteral("http://127.0.0.1:%1/health").arg(hole.serverPort()), 20, 200)});
    engine.start();
    QTest::qWait(1200);
    engine.stop();

    // Every slot has its sample; at most 6 attempts hang at once, the slots beyond are skipped
    // (the console held back), never counted as more failures of the target.
    const QList<ProbeSample> s = c.of(QStringLiteral("hole"));
    QVERIFY2(s.size() >= 40 && s.size() <= 60, qPrintable(QString::number(s.size())));
    int timeouts = 0;
    int skipped = 0;
    for (int i = 0; i < s.size(); ++i) {
        QVERIFY(!s[i].ok);
        QCOMPARE(s[i].status, 0);
        if (s[i].skipped) {
            QCOMPARE(s[i].error, QStringLiteral("previous attempt still running"));
            ++skipped;
        } else {
            QCOMPARE(s[i].error, QStringLiteral("timed out after 200 ms"));
            QVERIFY2(s[i].latencyMs >= 190 && s[i].latencyMs < 400, qPrintable(describe(s[i])));
            ++timeouts;
        }
        // on the 20 ms grid; attempts still in flight at stop() are abandoned without a sample
        if (i > 0)
            QCOMPARE((s[i].monoNs - s[i - 1].monoNs) % (20 * Ms), 0);
    }
    QVERIFY2(timeouts >= 20 && skipped >= 8, qPrintable(QStringLiteral("%1 timeouts, %2 skipped").arg(timeouts).arg(skipped)));
    QCOMPARE(engine.skippedCount(QStringLiteral("hole")), qint64(skipped + c.consoleLate(QStringLiteral("hole"))));
}

void TestProbeEngine::hungServerGetsBoundedConnections()
{
    // Accepts and reads but never answers. A full timeout at the full rate would need 11
    // attempts (200 ms timeout, 20 ms interval); the engine holds at most 6 connections open.
    QTcpServer hung;
    QVERIFY(hung.listen(QHostAddress::LocalHost, 0));
    QList<QTcpSocket *> accepted;
    connect(&hung, &QTcpServer::newConnection, &hung, [&hung, &accepted]() {
        while (QTcpSocket *socket = hung.nextPendingConnection())
            accepted.append(socket);
    });
    int maxOpen = 0;
    QTimer poll;
    connect(&poll, &QTimer::timeout, &poll, [&accepted, &maxOpen]() {
        int open = 0;
        for (QTcpSocket *socket : std::as_const(accepted)) {
            socket->readAll();
            open += socket->state() == QAbstractSocket::ConnectedState ? 1 : 0;
        }
        maxOpen = std::max(maxOpen, open);
    });
    poll.start(5);
    ProbeEngine engine;
    Collector c(&engine);
    engine.setProbes({httpProbe(QStringLiteral("hung"), QStringLiteral("http://127.0.0.1:%1/").arg(hung.serverPort()), 20, 200)});
    engine.start();
    QTest::qWait(800);
    engine.stop();
    poll.stop();

    const QList<ProbeSample> s = c.of(QStringLiteral("hung"));
    QVERIFY2(s.size() >= 25, qPrintable(QString::number(s.size())));
    for (const ProbeSample &sample : s)
        QCOMPARE(sample.error, sample.skipped ? QStringLiteral("previous attempt still running") : QStringLiteral("timed out after 200 ms"));
    QVERIFY2(maxOpen >= 4 && maxOpen <= 6, qPrintable(QStringLiteral("at most %1 connections open at once").arg(maxOpen)));
}

void TestProbeEngine::pausedProcessIsDetectedAndRecovers()
{
    const qint64 pid = m_stack.apiPid();
    QVERIFY(pid > 0);
    ProbeEngine engine;
    Collector c(&engine);
    engine.setProbes({httpProbe(QStringLiteral("h"), m_stack.url(QStringLiteral("/health")), 20, 100)});
    engine.start();
    QTest::qWait(300); // keep-alive connections are open now
    const qint64 pausedAt = MonoClock::nowNs();
    QCOMPARE(::kill(pid_t(pid), SIGSTOP), 0);
    QTest::qWait(600);
    const qint64 resumedAt = MonoClock::nowNs();
    QCOMPARE(::kill(pid_t(pid), SIGCONT), 0);
    QTest::qWait(500);
    engine.stop();

    const QList<ProbeSample> s = c.of(QStringLiteral("h"));
    QVERIFY2(s.size() >= 55, qPrintable(QString::number(s.size())));
    int timeouts = 0;
    for (const ProbeSample &sample : s) {
        if (sample.monoNs < pausedAt - 50 * Ms || sample.monoNs > resumedAt + 150 * Ms)
            QVERIFY2(sample.ok, qPrintable(describe(sample)));
        if (!sample.ok && !sample.skipped) {
            QCOMPARE(sample.error, QStringLiteral("timed out after 100 ms"));
            ++timeouts;
        }
    }
    // slots due from the pause until 100 ms before the resume time out: ~25 of them
    QVERIFY2(timeouts >= 15, qPrintable(QString::number(timeouts)));
}

void TestProbeEngine::commandExtractsValueAndHonoursExitAndTimeout()
{
    ProbeEngine engine;
    Collector c(&engine);
    ProbeSpec value = commandProbe(QStringLiteral("value"), {QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("echo value=42")}, 100, 2000);
    value.regex = QStringLiteral(R"(value=(\d+))");
    ProbeSpec exit3 = commandProbe(QStringLiteral("exit3"), {QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("echo oops >&2; exit 3")}, 100, 2000);
    ProbeSpec expect3 = exit3;
    expect3.id = QStringLiteral("expect3");
    expect3.expectExit = 3;
    ProbeSpec slow = commandProbe(QStringLiteral("slow"), {QStringLiteral("sleep"), QStringLiteral("5")}, 50, 150);
    ProbeSpec missing = commandProbe(QStringLiteral("missing"), {QStringLiteral("/nonexistent/halab-probe")}, 100, 500);
    engine.setProbes({value, exit3, expect3, slow, missing});
    engine.start();
    QTest::qWait(800);
    engine.stop();

    const QList<ProbeSample> v = c.of(QStringLiteral("value"));
    QVERIFY2(v.size() >= 5, qPrintable(QString::number(v.size())));
    for (const ProbeSample &s : v) {
        QVERIFY2(s.ok, qPrintable(describe(s)));
        QCOMPARE(s.value, QStringLiteral("42"));
        QCOMPARE(s.status, 0);
    }
    const QList<ProbeSample> e = c.of(QStringLiteral("exit3"));
    QVERIFY(!e.isEmpty());
    QVERIFY(!e.first().ok);
    QCOMPARE(e.first().status, 3);
    QCOMPARE(e.first().error, QStringLiteral("exit code 3: oops"));
    for (const ProbeSample &s : c.of(QStringLiteral("expect3")))
        QVERIFY2(s.ok, qPrintable(describe(s)));
    // sleep 5 is killed at 150 ms; the slots due while it runs are skipped, not new processes
    const QList<ProbeSample> sl = c.of(QStringLiteral("slow"));
    QVERIFY2(sl.size() >= 9, qPrintable(QString::number(sl.size())));
    int slowTimeouts = 0;
    for (const ProbeSample &s : sl) {
        QVERIFY(!s.ok);
        if (s.skipped) {
            // due while it ran, or in the instant between the kill and the reaping of the
            // timed-out attempt: nothing was asked, so no failure is claimed for that slot
            QCOMPARE(s.error, QStringLiteral("previous attempt still running"));
        } else {
            QCOMPARE(s.error, QStringLiteral("timed out after 150 ms"));
            ++slowTimeouts;
        }
    }
    QVERIFY2(slowTimeouts >= 3, qPrintable(QString::number(slowTimeouts)));
    const QList<ProbeSample> m = c.of(QStringLiteral("missing"));
    QVERIFY(!m.isEmpty());
    QVERIFY(!m.first().ok);
    QVERIFY(!m.first().error.isEmpty());
}

void TestProbeEngine::badSpecsFailEverySlot()
{
    ProbeEngine engine;
    Collector c(&engine);
    ProbeSpec badUrl = httpProbe(QStringLiteral("url"), QStringLiteral("not a url"), 50, 100);
    ProbeSpec badAddress = tcpProbe(QStringLiteral("addr"), 1, 50, 100);
    badAddress.address = QStringLiteral("nocolon");
    ProbeSpec fast = httpProbe(QStringLiteral("fast"), m_stack.url(QStringLiteral("/health")), 1, 100);
    engine.setProbes({badUrl, badAddress, fast});
    engine.start();
    QTest::qWait(500);
    engine.stop();

    const QList<ProbeSample> u = c.of(QStringLiteral("url"));
    QVERIFY2(u.size() >= 8, qPrintable(QString::number(u.size())));
    QVERIFY(u.first().error.startsWith(QStringLiteral("invalid URL")));
    const QList<ProbeSample> a = c.of(QStringLiteral("addr"));
    QVERIFY(a.size() >= 8);
    QVERIFY(a.first().error.startsWith(QStringLiteral("bad tcp address")));
    // 1 ms is raised to the 10 ms floor
    const QList<ProbeSample> f = c.of(QStringLiteral("fast"));
    QVERIFY(f.size() >= 2);
    QCOMPARE(f[1].monoNs - f[0].monoNs, 10 * Ms);
}

void TestProbeEngine::stopAbandonsInFlightAndFlushes()
{
    QTcpServer hole;
    QVERIFY(hole.listen(QHostAddress::LocalHost, 0));
    hole.pauseAccepting();
    ProbeEngine engine;
    Collector c(&engine);
    engine.setProbes({httpProbe(QStringLiteral("hole"), QStringLiteral("http://127.0.0.1:%1/").arg(hole.serverPort()), 50, 5000),
                      commandProbe(QStringLiteral("sleep"), {QStringLiteral("sleep"), QStringLiteral("5")}, 50, 5000),
                      httpProbe(QStringLiteral("ok"), m_stack.url(QStringLiteral("/health")), 50, 5000)});
    engine.start();
    QTest::qWait(300);
    QElapsedTimer stopClock;
    stopClock.start();
    engine.stop();
    // stop() abandons the 5 s attempts instead of waiting for them (not a speed bound: any wait
    // for them would take the full 5 s)
    QVERIFY2(stopClock.elapsed() < 4000, qPrintable(QString::number(stopClock.elapsed())));
    // every sample of the run is out when stop() returns; abandoned attempts produce none
    const int afterStop = int(c.all.size());
    // (slots that found the earlier attempts still running are skipped samples, not answers)
    for (const QString &id : {QStringLiteral("hole"), QStringLiteral("sleep")})
        for (const ProbeSample &sample : c.of(id))
            QVERIFY2(sample.skipped, qPrintable(describe(sample)));
    QVERIFY2(c.of(QStringLiteral("ok")).size() >= 5, qPrintable(QString::number(c.of(QStringLiteral("ok")).size())));
    QTest::qWait(300);
    QCOMPARE(int(c.all.size()), afterStop);

    // a second run works and restarts the statistics
    engine.start();
    QTRY_VERIFY_WITH_TIMEOUT(c.of(QStringLiteral("ok")).size() > afterStop + 2, 3000);
    engine.stop();
}

void TestProbeEngine::busyCallerThreadDoesNotDelaySamples()
{
    ProbeEngine engine;
    Collector c(&engine);
    engine.setProbes({httpProbe(QStringLiteral("h"), m_stack.url(QStringLiteral("/health")), 10, 500)});
    engine.start();
    QTest::qWait(100);
    // A GUI thread stuck for 500 ms: the probes run on in their own thread.
    QElapsedTimer busy;
    busy.start();
    while (busy.elapsed() < 500) {
    }
    QTest::qWait(200);
    engine.stop();

    const QList<ProbeSample> s = c.of(QStringLiteral("h"));
    QVERIFY2(s.size() >= 70, qPrintable(QString::number(s.size())));
    // A loaded host may still delay the probe thread: then slots are skipped as "console late",
    // never failures of the target.
    // (after such a stall the catch-up slots may also find the probe's attempts all in flight)
    int skipped = c.consoleLate(QStringLiteral("h"));
    for (const ProbeSample &sample : s) {
        if (sample.skipped) {
            QCOMPARE(sample.error, QStringLiteral("previous attempt still running"));
            ++skipped;
            continue;
        }
        QVERIFY2(sample.ok, qPrintable(describe(sample)));
    }
    QVERIFY2(skipped < (s.size() + c.consoleLate(QStringLiteral("h"))) / 10, qPrintable(QString::number(skipped)));
    const qint64 maxLate = engine.maxLateNs().value(QStringLiteral("h"));
    // Probes on the caller's thread would start >= 450 ms late behind the 500 ms busy loop.
    QVERIFY2(maxLate < 400 * Ms, qPrintable(QStringLiteral("max lateness %1 ms").arg(double(maxLate) / 1e6)));
}

QTEST_GUILESS_MAIN(TestProbeEngine)
#include "tst_probeengine.moc"
