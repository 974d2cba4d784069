// ProcessStackBackend against real processes: redis-server, nginx, the demo API (or python's
// http.server standing in for it) and small sh scripts. Traffic goes to 127.0.0.1 only.
#include "testports.h"
#include "cgroupv2.h"
#include "pidledger.h"
#include "processstackbackend.h"
#include "processtree.h"
#include "serviceprober.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>

using State = ServiceStatus::State;
using Health = ServiceStatus::Health;

namespace {
constexpr int UpTimeoutMs = 30000;

QString demoApiPath()
{
    return QStringLiteral(HALAB_BIN_DIR "/halab-demo-api");
}

bool haveDemoApi()
{
    return QFileInfo(demoApiPath()).isExecutable();
}

using TestPorts::freePort;

ProbeSpec tcpProbe(quint16 port, qint64 timeoutMs = 10000)
{
    ProbeSpec p;
    p.kind = ProbeSpec::Kind::Tcp;
    p.address = QStringLiteral("127.0.0.1:%1").arg(port);
    p.intervalMs = 50;
    p.timeoutMs = timeoutMs;
    return p;
}

ProbeSpec httpProbe(quint16 port, const QString &path, qint64 intervalMs, qint64 timeoutMs)
{
    ProbeSpec p;
    p.kind = ProbeSpec::Kind::Http;
    p.url = QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path);
    p.intervalMs = intervalMs;
    p.timeoutMs = timeoutMs;
    return p;
}

ServiceSpec shService(const QString &name, const QString &script, const QMap<QString, QString> &env = {})
{
    ServiceSpec s;
    s.name = name;
    s.command = {QStringLiteral("sh"), QStringLiteral("-c"), script};
    s.env = env;
    s.stopGraceMs = 3000;
    return s;
}

bool hasLine(const QList<LogLine> &lines, const QString &text)
{
    for (const LogLine &l : lines)
        if (l.text == text)
            return true;
    return false;
}

int lineCount(const QSignalSpy &batches)
{
    int n = 0;
    for (const QList<QVariant> &args : batches)
        n += int(args.at(0).value<QList<LogLine>>().size());
    return n;
}

// A process counts as gone once it is reaped or a zombie nobody reaped yet.
bool processGone(qint64 pid)
{
    return ProcessTree::startTime(pid) == 0;
}

char procState(qint64 pid)
{
    const auto info = ProcessTree::info(pid);
    return info ? info->state : '-';
}

// Stopped by SIGSTOP ('T'), or in a frozen cgroup v2 (which /proc shows as sleeping).
bool isStopped(qint64 pid)
{
    if (procState(pid) == 'T')
        return true;
    QFile file(QStringLiteral("/proc/%1/cgroup").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return false;
    for (const QByteArray &line : file.readAll().split('\n'))
        if (line.startsWith("0::") && line.size() > 4)
            return CgroupV2::isFrozen(CgroupV2::mountPoint() + QString::fromUtf8(line.mid(3)));
    return false;
}

// The HA stack: redis, two API replicas behind nginx. Ports are free loopback ports.
struct HaStack
{
    QTemporaryDir dir;
    quint16 redisPort = freePort();
    quint16 api1Port = freePort();
    quint16 api2Port = freePort();
    quint16 lbPort = freePort();
    StackSpec spec;
    QMap<QString, QString> vars;

    explicit HaStack(bool withRoles = false)
    {
        ServiceSpec redis;
        redis.name = QStringLiteral("redis");
        redis.command = {QStringLiteral("redis-server"), QStringLiteral("--port"), QString::number(redisPort),
                         QStringLiteral("--bind"), QStringLiteral("127.0.0.1"), QStringLiteral("--save"),
                         QString(), QStringLiteral("--appendonly"), QStringLiteral("no")};
        redis.ready = tcpProbe(redisPort);
        spec.services.append(redis);
        spec.services.append(api(QStringLiteral("api1"), api1Port, withRoles));
        spec.services.append(api(QStringLiteral("api2"), api2Port, withRoles));

        QFile health(dir.filePath(QStringLiteral("health")));
        if (health.open(QIODevice::WriteOnly))
            health.write("ok\n");
        health.close();
        QFile conf(dir.filePath(QStringLiteral("nginx.conf.in")));
        if (conf.open(QIODevice::WriteOnly))
            conf.write(R"(daemon off;
worker_processes 1;
pid ${DIR}/nginx.pid;
error_log stderr notice;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ${DIR}/client_body;
    proxy_temp_path ${DIR}/proxy;
    fastcgi_temp_path ${DIR}/fastcgi;
    uwsgi_temp_path ${DIR}/uwsgi;
    scgi_temp_path ${DIR}/scgi;
    upstream apis {
        server 127.0.0.1:${API1_PORT} max_fails=1 fail_timeout=5s;
        server 127.0.0.1:${API2_PORT} max_fails=1 fail_timeout=5s;
    }
    server {
        listen 127.0.0.1:${LB_PORT};
        location / {
            proxy_pass http://apis;
            proxy_connect_timeout 1s;
            proxy_next_upstream error timeout http_502 http_503;
        }
    }
}
)");
        conf.close();
        vars = {{QStringLiteral("DIR"), dir.path()},
                {QStringLiteral("API1_PORT"), QString::number(api1Port)},
                {QStringLiteral("API2_PORT"), QString::number(api2Port)},
                {QStringLiteral("LB_PORT"), QString::number(lbPort)}};
        ServiceSpec lb;
        lb.name = QStringLiteral("lb");
        lb.command = {QStringLiteral("nginx"), QStringLiteral("-e"), QStringLiteral("stderr"), QStringLiteral("-p"),
                      dir.path(), QStringLiteral("-c"), dir.filePath(QStringLiteral("nginx.conf"))};
        lb.templates.append({dir.filePath(QStringLiteral("nginx.conf.in")), dir.filePath(QStringLiteral("nginx.conf")), {}});
        lb.dependsOn = {QStringLiteral("api1"), QStringLiteral("api2")};
        lb.ready = tcpProbe(lbPort);
        spec.services.append(lb);
    }

    ServiceSpec api(const QString &name, quint16 port, bool withRole) const
    {
        ServiceSpec s;
        s.name = name;
        s.dependsOn = {QStringLiteral("redis")};
        s.stopGraceMs = 3000;
        if (haveDemoApi()) {
            s.command = {demoApiPath(), QStringLiteral("--port"), QString::number(port), QStringLiteral("--node-id"),
                         name, QStringLiteral("--redis"), QStringLiteral("127.0.0.1:%1").arg(redisPort)};
            s.ready = httpProbe(port, QStringLiteral("/health/ready"), 100, 15000);
        } else {
            // Stand-in until the demo API exists: answers 200 on every GET.
            s.command = {QStringLiteral("python3"), QStringLiteral("-m"), QStringLiteral("http.server"),
                         QString::number(port), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                         QStringLiteral("--directory"), dir.path()};
            s.ready = httpProbe(port, QStringLiteral("/"), 100, 15000);
        }
        if (withRole) {
            RoleProbeSpec role;
            role.probe = httpProbe(port, QStringLiteral("/v1/ha/status"), 200, 1000);
            role.probe.jsonPointer = QStringLiteral("/holder_id");
            role.leaderIfEquals = name;
            s.role = role;
        }
        return s;
    }
};
} // namespace

class TestProcessStack : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void roleDecision_data();
    void roleDecision();
    void upStartsInDependencyOrder();
    void logsArriveInBatches();
    void killReplicaLoadBalancerStillAnswers();
    void pauseAndResume();
    void restartWithNewEnv();
    void stopIsGracefulThenForced();
    void signalsReachTheWholeTree();
    void missingBinaryFailsUp();
    void readinessTimeoutFailsUp();
    void dependencyErrorsFailUp();
    void destructorKillsServices();
    void leaderRoleMovesOnKill();
    void consoleSigkillTakesServicesDown();

private:
    ProcessStackBackend *makeBackend(const StackSpec &spec, const QMap<QString, QString> &vars = {});
    bool bringUp(QString *error = nullptr);
    bool bringDown();
    bool act(const QString &service, const std::function<void()> &action, QString *error = nullptr);
    int lbGet(quint16 port);

    QTemporaryDir m_ledgerDir;
    QTemporaryDir m_runDir;
    std::unique_ptr<ProcessStackBackend> m_backend;
    QList<qint64> m_seenPids; // every service pid seen, checked gone after each test
    QNetworkAccessManager m_nam;
};

void TestProcessStack::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    qRegisterMetaType<QList<LogLine>>();
    qRegisterMetaType<QHash<QString, ServiceStatus>>();
    QVERIFY(m_ledgerDir.isValid());
    QVERIFY(m_runDir.isValid());
    m_nam.setProxy(QNetworkProxy::NoProxy);
    if (QStandardPaths::findExecutable(QStringLiteral("redis-server")).isEmpty()
        || QStandardPaths::findExecutable(QStringLiteral("nginx"), {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin")}).isEmpty())
        QSKIP("redis-server and nginx are needed for these tests");
    if (!haveDemoApi())
        qInfo("halab-demo-api not built at %s: python3 -m http.server stands in for the API replicas",
              qUtf8Printable(demoApiPath()));
}

void TestProcessStack::cleanup()
{
    if (m_backend) {
        bool anyLive = false;
        for (const QString &name : m_backend->serviceNames())
            anyLive = anyLive || m_backend->status(name).pid != 0;
        if (anyLive)
            QVERIFY(bringDown());
        m_backend.reset();
    }
    // No process of any test may outlive it, nor anything in its group.
    for (const qint64 pid : std::as_const(m_seenPids)) {
        QTRY_VERIFY2_WITH_TIMEOUT(processGone(pid), qPrintable(QStringLiteral("pid %1 still runs").arg(pid)), 5000);
        QTRY_VERIFY2_WITH_TIMEOUT(ProcessTree::groupMembers(pid).isEmpty(),
                                  qPrintable(QStringLiteral("group %1 still has members").arg(pid)), 5000);
    }
    m_seenPids.clear();
    QVERIFY(PidLedger(m_ledgerDir.path()).entries().isEmpty());
}

ProcessStackBackend *TestProcessStack::makeBackend(const StackSpec &spec, const QMap<QString, QString> &vars)
{
    m_backend = std::make_unique<ProcessStackBackend>(spec, vars, m_runDir.path());
    m_backend->setLedgerDir(m_ledgerDir.path());
    connect(m_backend.get(), &StackBackend::statusesChanged, this, [this](const QHash<QString, ServiceStatus> &changed) {
        for (const ServiceStatus &s : changed)
            if (s.pid != 0 && !m_seenPids.contains(s.pid))
                m_seenPids.append(s.pid);
    });
    return m_backend.get();
}

bool TestProcessStack::bringUp(QString *error)
{
    QSignalSpy spy(m_backend.get(), &StackBackend::upFinished);
    m_backend->up();
    if (!spy.wait(UpTimeoutMs))
        return false;
    if (error)
        *error = spy.at(0).at(1).toString();
    if (!spy.at(0).at(0).toBool())
        qWarning("up failed: %s", qUtf8Printable(spy.at(0).at(1).toString()));
    return spy.at(0).at(0).toBool();
}

bool TestProcessStack::bringDown()
{
    QSignalSpy spy(m_backend.get(), &StackBackend::downFinished);
    m_backend->down();
    return spy.wait(UpTimeoutMs);
}

bool TestProcessStack::act(const QString &service, const std::function<void()> &action, QString *error)
{
    QSignalSpy spy(m_backend.get(), &StackBackend::actionFinished);
    action();
    if (!spy.wait(UpTimeoutMs))
        return false;
    const QList<QVariant> args = spy.at(0);
    if (args.at(0).toString() != service)
        return false;
    if (error)
        *error = args.at(3).toString();
    return args.at(2).toBool();
}

int TestProcessStack::lbGet(quint16 port)
{
    // /health answers on the demo API; python's http.server serves the file HaStack writes.
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/health").arg(port)));
    request.setTransferTimeout(5000);
    QNetworkReply *reply = m_nam.get(request);
    QSignalSpy spy(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        spy.wait(10000);
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    reply->deleteLater();
    return status;
}

void TestProcessStack::roleDecision_data()
{
    QTest::addColumn<int>("leaderIfStatus");
    QTest::addColumn<QString>("jsonPointer");
    QTest::addColumn<QString>("regex");
    QTest::addColumn<QString>("leaderIfEquals");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("output");
    QTest::addColumn<QString>("role");

    const QByteArray json = R"({"holder_id":"api1","members":[{"id":"a"},{"id":"b"}],"n":3})";
    QTest::newRow("status leader") << 200 << QString() << QString() << QString() << true << 200 << QByteArray() << "leader";
    QTest::newRow("status replica") << 200 << QString() << QString() << QString() << false << 503 << QByteArray() << "replica";
    QTest::newRow("status no answer") << 200 << QString() << QString() << QString() << false << 0 << QByteArray() << "";
    QTest::newRow("pointer equals") << 0 << "/holder_id" << QString() << "api1" << true << 200 << json << "leader";
    QTest::newRow("pointer differs") << 0 << "/holder_id" << QString() << "api2" << true << 200 << json << "replica";
    QTest::newRow("pointer text") << 0 << "/members/1/id" << QString() << QString() << true << 200 << json << "b";
    QTest::newRow("pointer number") << 0 << "/n" << QString() << QString() << true << 200 << json << "3";
    QTest::newRow("pointer missing") << 0 << "/nope" << QString() << "api1" << true << 200 << json << "";
    QTest::newRow("not json") << 0 << "/holder_id" << QString() << "api1" << true << 200 << QByteArray("<html>") << "";
    QTest::newRow("regex group") << 0 << QString() << "role:(\\w+)" << QString() << true << 0 << QByteArray("x role:primary y") << "primary";
    QTest::newRow("regex equals") << 0 << QString() << "role:(\\w+)" << "primary" << true << 0 << QByteArray("role:standby") << "replica";
    QTest::newRow("plain output") << 0 << QString() << QString() << QString() << true << 0 << QByteArray(" leader\n") << "leader";
    QTest::newRow("probe failed") << 0 << "/holder_id" << QString() << "api1" << false << 500 << json << "";
}

void TestProcessStack::roleDecision()
{
    QFETCH(int, leaderIfStatus);
    QFETCH(QString, jsonPointer);
    QFETCH(QString, regex);
    QFETCH(QString, leaderIfEquals);
    QFETCH(bool, ok);
    QFETCH(int, status);
    QFETCH(QByteArray, output);
    QFETCH(QString, role);

    RoleProbeSpec spec;
    spec.leaderIfStatus = leaderIfStatus;
    spec.probe.jsonPointer = jsonPointer;
    spec.probe.regex = regex;
    spec.leaderIfEquals = leaderIfEquals;
    ServiceProber::Outcome outcome;
    outcome.ok = ok;
    outcome.responded = status != 0;
    outcome.status = status;
    outcome.output = output;
    QCOMPARE(ServiceProber::decideRole(spec, outcome), role);
}

void TestProcessStack::upStartsInDependencyOrder()
{
    HaStack stack;
    QVERIFY(stack.dir.isValid());
    ProcessStackBackend *backend = makeBackend(stack.spec, stack.vars);
    QStringList startOrder;
    connect(backend, &StackBackend::statusesChanged, this, [&startOrder](const QHash<QString, ServiceStatus> &changed) {
        for (auto it = changed.cbegin(); it != changed.cend(); ++it)
            if (it->state == State::Starting && !startOrder.contains(it.key()))
                startOrder.append(it.key());
    });
    QVERIFY(bringUp());
    QVERIFY(backend->isUp());
    for (const QString &name : backend->serviceNames()) {
        const ServiceStatus s = backend->status(name);
        QCOMPARE(ServiceStatus::stateText(s.state), QStringLiteral("running"));
        QVERIFY(s.pid > 0);
        QVERIFY(s.since.isValid());
        QVERIFY2(!processGone(s.pid), qPrintable(name));
    }
    // redis before the apis, the apis before the load balancer
    QCOMPARE(startOrder.size(), 4);
    QCOMPARE(startOrder.first(), QStringLiteral("redis"));
    QCOMPARE(startOrder.last(), QStringLiteral("lb"));
    QCOMPARE(lbGet(stack.lbPort), 200);
    // the template was rendered with the variables
    QFile conf(stack.dir.filePath(QStringLiteral("nginx.conf")));
    QVERIFY(conf.open(QIODevice::ReadOnly));
    const QByteArray rendered = conf.readAll();
    QVERIFY(rendered.contains(QByteArray("listen 127.0.0.1:").append(QByteArray::number(stack.lbPort))));
    QVERIFY(!rendered.contains("${"));

    // the ledger knows every service with its pid, group and start time
    const QList<PidLedger::Entry> entries = PidLedger(m_ledgerDir.path()).entries();
    QCOMPARE(entries.size(), 4);
    for (const PidLedger::Entry &e : entries) {
        QCOMPARE(e.pid, backend->status(e.service).pid);
        QCOMPARE(e.pgid, e.pid);
        QCOMPARE(e.startTime, ProcessTree::startTime(e.pid));
    }
    QVERIFY(PidLedger::leftovers(m_ledgerDir.path()).isEmpty()); // our console is alive

    // down: everything stopped (not exited), nothing left in /proc
    const QList<qint64> pids = m_seenPids;
    QVERIFY(bringDown());
    QVERIFY(!backend->isUp());
    for (const QString &name : backend->serviceNames()) {
        QCOMPARE(backend->status(name).state, State::Stopped);
        QCOMPARE(backend->status(name).pid, 0);
    }
    for (const qint64 pid : pids)
        QVERIFY(processGone(pid));
    QVERIFY(PidLedger(m_ledgerDir.path()).entries().isEmpty());
}

void TestProcessStack::logsArriveInBatches()
{
    StackSpec spec;
    spec.services.append(shService(QStringLiteral("chatty"),
                                   QStringLiteral("seq 1 6000; echo oops >&2; printf 'no newline'; exec sleep 60")));
    ProcessStackBackend *backend = makeBackend(spec);
    QSignalSpy batches(backend, &StackBackend::logLines);
    QVERIFY(bringUp());
    QTRY_VERIFY_WITH_TIMEOUT(hasLine(backend->logs(QStringLiteral("chatty")), QStringLiteral("oops")), 10000);
    // all 6002 lines arrive, far fewer signals than lines
    QTRY_VERIFY_WITH_TIMEOUT(lineCount(batches) >= 6001, 10000);
    QVERIFY2(batches.size() < 100, qPrintable(QString::number(batches.size())));
    const QList<LogLine> first = batches.at(0).at(0).value<QList<LogLine>>();
    QCOMPARE(first.at(0).text, QStringLiteral("1"));
    QCOMPARE(first.at(0).service, QStringLiteral("chatty"));
    QCOMPARE(first.at(0).time.timeSpec(), Qt::UTC);
    QVERIFY(!first.at(0).stderrStream);

    // the ring keeps the newest 5000 lines
    const QList<LogLine> kept = backend->logs(QStringLiteral("chatty"));
    QCOMPARE(kept.size(), ProcessStackBackend::MaxLogLinesPerService);
    QVERIFY(hasLine(kept, QStringLiteral("6000")));
    QVERIFY(!hasLine(kept, QStringLiteral("1")));
    for (const LogLine &l : kept)
        if (l.text == QStringLiteral("oops"))
            QVERIFY(l.stderrStream);

    // a partial last line is kept when the process ends
    QVERIFY(act(QStringLiteral("chatty"), [backend]() { backend->stop(QStringLiteral("chatty")); }));
    QTRY_COMPARE_WITH_TIMEOUT(backend->status(QStringLiteral("chatty")).state, State::Stopped, 5000);
    QVERIFY(hasLine(backend->logs(QStringLiteral("chatty")), QStringLiteral("no newline")));
}

void TestProcessStack::killReplicaLoadBalancerStillAnswers()
{
    HaStack stack;
    ProcessStackBackend *backend = makeBackend(stack.spec, stack.vars);
    QVERIFY(bringUp());
    const qint64 api1Pid = backend->status(QStringLiteral("api1")).pid;
    QVERIFY(act(QStringLiteral("api1"), [backend]() { backend->kill(QStringLiteral("api1")); }));
    // kill is applied at once; the exit follows as a status change
    QTRY_COMPARE_WITH_TIMEOUT(backend->status(QStringLiteral("api1")).state, State::Exited, 5000);
    const ServiceStatus s = backend->status(QStringLiteral("api1"));
    QCOMPARE(s.state, State::Exited);
    QCOMPARE(s.exitCode, 128 + SIGKILL);
    QCOMPARE(ServiceStatus::stateText(s.state, s.exitCode), QStringLiteral("exited(137)"));
    QCOMPARE(s.pid, 0);
    QVERIFY(processGone(api1Pid));
    QVERIFY(backend->isUp()); // a member down is a fault, not a stopped stack
    for (int i = 0; i < 10; ++i)
        QCOMPARE(lbGet(stack.lbPort), 200);
    QCOMPARE(backend->status(QStringLiteral("api2")).state, State::Running);
    // kill of a dead service is refused
    QString error;
    QVERIFY(!act(QStringLiteral("api1"), [backend]() { backend->kill(QStringLiteral("api1")); }, &error));
    QCOMPARE(error, QStringLiteral("not running"));
    // start brings it back
    QTRY_VERIFY_WITH_TIMEOUT(backend->processesOf(QStringLiteral("api1")).isEmpty(), 5000);
    QVERIFY(act(QStringLiteral("api1"), [backend]() { backend->start(QStringLiteral("api1")); }));
    QCOMPARE(backend->status(QStringLiteral("api1")).state, State::Running);
}

void TestProcessStack::pauseAndResume()
{
    HaStack stack;
    ProcessStackBackend *backend = makeBackend(stack.spec, stack.vars);
    QVERIFY(bringUp());
    const QString api2 = QStringLiteral("api2");
    const qint64 pid = backend->status(api2).pid;
    QTRY_COMPARE_WITH_TIMEOUT(backend->status(api2).health, Health::Healthy, 5000);

    QVERIFY(act(api2, [backend, api2]() { backend->pause(api2); }));
    QCOMPARE(backend->status(api2).state, State::Paused);
    QTRY_VERIFY_WITH_TIMEOUT(isStopped(pid), 5000);
    // the ready probe doubles as health check: a frozen process stops answering
    QTRY_COMPARE_WITH_TIMEOUT(backend->status(api2).health, Health::Unhealthy, 10000);

    QVERIFY(act(api2, [backend, api2]() { backend->resume(api2); }));
    QCOMPARE(backend->status(api2).state, State::Running);
    QTRY_VERIFY_WITH_TIMEOUT(!isStopped(pid), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(backend->status(api2).health, Health::Healthy, 10000);
    QCOMPARE(backend->status(api2).pid, pid);

    // a paused service still stops (SIGCONT follows SIGTERM)
    QVERIFY(act(api2, [backend, api2]() { backend->pause(api2); }));
    QVERIFY(act(api2, [backend, api2]() { backend->stop(api2); }));
    QTRY_COMPARE_WITH_TIMEOUT(backend->status(api2).state, State::Stopped, 10000);
    QVERIFY(processGone(pid));
}

void TestProcessStack::restartWithNewEnv()
{
    StackSpec spec;
    spec.services.append(shService(QStringLiteral("echo"), QStringLiteral("echo \"FOO=$FOO\"; exec sleep 60"),
                                    {{QStringLiteral("FOO"), QStringLiteral("one")}}));
    ProcessStackBackend *backend = makeBackend(spec);
    const QString echo = QStringLiteral("echo");
    QVERIFY(bringUp());
    QTRY_VERIFY_WITH_TIMEOUT(hasLine(backend->logs(echo), QStringLiteral("FOO=one")), 5000);
    const qint64 firstPid = backend->status(echo).pid;

    QVERIFY(act(echo, [backend, echo]() { backend->restart(echo, {{QStringLiteral("FOO"), QStringLiteral("two")}}); }));
    QCOMPARE(backend->status(echo).state, State::Running);
    QVERIFY(backend->status(echo).pid != firstPid);
    QVERIFY(processGone(firstPid));
    QTRY_VERIFY_WITH_TIMEOUT(hasLine(backend->logs(echo), QStringLiteral("FOO=two")), 5000);

    // overrides persist for a later start ...
    QVERIFY(act(echo, [backend, echo]() { backend->stop(echo); }));
    QTRY_COMPARE_WITH_TIMEOUT(backend->status(echo).state, State::Stopped, 10000);
    QVERIFY(act(echo, [backend, echo]() { backend->start(echo); }));
    QTRY_COMPARE_WITH_TIMEOUT(backend->logs(echo).last().text, QStringLiteral("FOO=two"), 5000);
    // ... until down()
    QVERIFY(bringDown());
    QVERIFY(bringUp());
    QTRY_COMPARE_WITH_TIMEOUT(backend->logs(echo).last().text, QStringLiteral("FOO=one"), 5000);
}

void TestProcessStack::stopIsGracefulThenForced()
{
    StackSpec spec;
    spec.services.append(shService(QStringLiteral("polite"),
                                   QStringLiteral("trap 'echo got TERM; exit 0' TERM; echo up; while :; do sleep 0.05; done")));
    ServiceSpec stubborn = shService(QStringLiteral("stubborn"),
                                     QStringLiteral("trap '' TERM; echo up; while :; do sleep 0.05; done"));
    stubborn.stopGraceMs = 400;
    spec.services.append(stubborn);
    ProcessStackBackend *backend = makeBackend(spec);
    QVERIFY(bringUp());
    QTRY_VERIFY_WITH_TIMEOUT(hasLine(backend->logs(QStringLiteral("polite")), QStringLiteral("up")), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(hasLine(backend->logs(QStringLiteral("stubborn")), QStringLiteral("up")), 5000);

    QVERIFY(act(QStringLiteral("polite"), [backend]() { backend->stop(QStringLiteral("polite")); }));
    QTRY_COMPARE_WITH_TIMEOUT(backend->status(QStringLiteral("polite")).state, State::Stopped, 5000);
    QCOMPARE(backend->status(QStringLiteral("polite")).detail, QStringLiteral("stopped"));
    QVERIFY(hasLine(backend->logs(QStringLiteral("polite")), QStringLiteral("got TERM")));

    QElapsedTimer clock;
    clock.start();
    QVERIFY(act(QStringLiteral("stubborn"), [backend]() { backend->stop(QStringLiteral("stubborn")); }));
    // stop is applied (SIGTERM sent), not awaited: the stubborn one still runs when it reports
    QVERIFY(backend->status(QStringLiteral("stubborn")).pid != 0);
    QVERIFY(!processGone(backend->status(QStringLiteral("stubborn")).pid));
    QTRY_COMPARE_WITH_TIMEOUT(backend->status(QStringLiteral("stubborn")).state, State::Stopped, 5000);
    QVERIFY(clock.elapsed() >= 400);
    QVERIFY2(backend->status(QStringLiteral("stubborn")).detail.contains(QStringLiteral("SIGKILL")),
             qPrintable(backend->status(QStringLiteral("stubborn")).detail));
}

void TestProcessStack::signalsReachTheWholeTree()
{
    // One child stays in the service's group, one escapes it with setsid.
    StackSpec spec;
    spec.services.append(shService(QStringLiteral("tree"),
                                   QStringLiteral("sleep 300 & echo grp=$!; setsid sleep 301 & echo esc=$!; wait")));
    ProcessStackBackend *backend = makeBackend(spec);
    QVERIFY(bringUp());
    qint64 groupChild = 0;
    qint64 escaped = 0;
    QTRY_VERIFY_WITH_TIMEOUT([&]() {
        for (const LogLine &l : backend->logs(QStringLiteral("tree"))) {
            if (l.text.startsWith(QStringLiteral("grp=")))
                groupChild = l.text.mid(4).toLongLong();
            if (l.text.startsWith(QStringLiteral("esc=")))
                escaped = l.text.mid(4).toLongLong();
        }
        return groupChild > 0 && escaped > 0;
    }(), 5000);
    m_seenPids << groupChild << escaped;
    QTRY_VERIFY_WITH_TIMEOUT(ProcessTree::info(escaped) && ProcessTree::info(escaped)->pgid == escaped, 5000);

    QVERIFY(act(QStringLiteral("tree"), [backend]() { backend->pause(QStringLiteral("tree")); }));
    QTRY_VERIFY_WITH_TIMEOUT(isStopped(groupChild), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(isStopped(escaped), 5000);
    QVERIFY(act(QStringLiteral("tree"), [backend]() { backend->resume(QStringLiteral("tree")); }));
    QTRY_VERIFY_WITH_TIMEOUT(!isStopped(escaped), 5000);

    QVERIFY(act(QStringLiteral("tree"), [backend]() { backend->kill(QStringLiteral("tree")); }));
    QTRY_COMPARE_WITH_TIMEOUT(backend->status(QStringLiteral("tree")).state, State::Exited, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(processGone(groupChild), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(processGone(escaped), 5000);
}

void TestProcessStack::missingBinaryFailsUp()
{
    StackSpec spec;
    ServiceSpec missing;
    missing.name = QStringLiteral("redis");
    missing.command = {QStringLiteral("halab-no-such-server-7f3"), QStringLiteral("--port"), QStringLiteral("1")};
    spec.services.append(missing);
    ServiceSpec dependent = shService(QStringLiteral("app"), QStringLiteral("exec sleep 60"));
    dependent.dependsOn = {QStringLiteral("redis")};
    spec.services.append(dependent);
    ProcessStackBackend *backend = makeBackend(spec);
    QString error;
    QVERIFY(!bringUp(&error));
    QVERIFY2(error.startsWith(QStringLiteral("redis: failed to start: ")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("halab-no-such-server-7f3")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("not installed")), qPrintable(error));
    QCOMPARE(backend->status(QStringLiteral("redis")).state, State::Exited);
    QCOMPARE(backend->status(QStringLiteral("app")).state, State::Stopped); // never started
    QVERIFY(!backend->isUp());

    // the same through start()
    QVERIFY(!act(QStringLiteral("redis"), [backend]() { backend->start(QStringLiteral("redis")); }, &error));
    QVERIFY2(error.contains(QStringLiteral("halab-no-such-server-7f3")), qPrintable(error));
}

void TestProcessStack::readinessTimeoutFailsUp()
{
    StackSpec spec;
    ServiceSpec deaf = shService(QStringLiteral("deaf"), QStringLiteral("exec sleep 60"));
    deaf.ready = tcpProbe(freePort(), 600);
    spec.services.append(deaf);
    ProcessStackBackend *backend = makeBackend(spec);
    QElapsedTimer clock;
    clock.start();
    QString error;
    QVERIFY(!bringUp(&error));
    QVERIFY(clock.elapsed() >= 600);
    QVERIFY2(error.startsWith(QStringLiteral("deaf: not ready after 600ms: ")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("refused")), qPrintable(error));
    QCOMPARE(backend->status(QStringLiteral("deaf")).health, Health::Unhealthy);

    // a service that dies before it is ready fails up() with its last words
    StackSpec spec2;
    ServiceSpec dies = shService(QStringLiteral("dies"), QStringLiteral("echo 'bind: address in use' >&2; exit 3"));
    dies.ready = tcpProbe(freePort(), 5000);
    spec2.services.append(dies);
    QVERIFY(bringDown());
    backend = makeBackend(spec2);
    QVERIFY(!bringUp(&error));
    QCOMPARE(error, QStringLiteral("dies: exited with code 3 before it was ready: bind: address in use"));
    QCOMPARE(backend->status(QStringLiteral("dies")).exitCode, 3);
}

void TestProcessStack::dependencyErrorsFailUp()
{
    StackSpec spec;
    ServiceSpec a = shService(QStringLiteral("a"), QStringLiteral("exec sleep 60"));
    a.dependsOn = {QStringLiteral("b")};
    ServiceSpec b = shService(QStringLiteral("b"), QStringLiteral("exec sleep 60"));
    b.dependsOn = {QStringLiteral("a")};
    spec.services = {a, b};
    makeBackend(spec);
    QString error;
    QVERIFY(!bringUp(&error));
    QCOMPARE(error, QStringLiteral("depends_on cycle among: a, b"));

    spec.services = {shService(QStringLiteral("c"), QStringLiteral("exec sleep 60"))};
    spec.services[0].dependsOn = {QStringLiteral("nope")};
    ProcessStackBackend *backend = makeBackend(spec);
    QVERIFY(!bringUp(&error));
    QCOMPARE(error, QStringLiteral("c: depends on unknown service 'nope'"));
    QCOMPARE(backend->status(QStringLiteral("c")).state, State::Stopped);
}

void TestProcessStack::destructorKillsServices()
{
    StackSpec spec;
    spec.services.append(shService(QStringLiteral("a"), QStringLiteral("sleep 300 & exec sleep 301")));
    ProcessStackBackend *backend = makeBackend(spec);
    QVERIFY(bringUp());
    const qint64 pid = backend->status(QStringLiteral("a")).pid;
    QVERIFY(!PidLedger(m_ledgerDir.path()).entries().isEmpty());
    m_backend.reset();
    QVERIFY(processGone(pid));
    QTRY_VERIFY_WITH_TIMEOUT(ProcessTree::groupMembers(pid).isEmpty(), 5000);
    QVERIFY(PidLedger(m_ledgerDir.path()).entries().isEmpty());
}

void TestProcessStack::leaderRoleMovesOnKill()
{
    if (!haveDemoApi())
        QSKIP("halab-demo-api is not built yet (" HALAB_BIN_DIR "/halab-demo-api); it serves /v1/ha/status");
    HaStack stack(true);
    ProcessStackBackend *backend = makeBackend(stack.spec, stack.vars);
    QVERIFY(bringUp());
    const QString api1 = QStringLiteral("api1");
    const QString api2 = QStringLiteral("api2");
    auto roles = [backend, api1, api2]() {
        return QStringList{backend->status(api1).role, backend->status(api2).role};
    };
    QTRY_VERIFY_WITH_TIMEOUT(roles().contains(QStringLiteral("leader")) && roles().contains(QStringLiteral("replica")), 20000);
    const QString leader = backend->status(api1).role == QStringLiteral("leader") ? api1 : api2;
    const QString survivor = leader == api1 ? api2 : api1;

    QVERIFY(act(leader, [backend, leader]() { backend->kill(leader); }));
    QTRY_COMPARE_WITH_TIMEOUT(backend->status(leader).state, State::Exited, 5000);
    // The role monitor keeps asking the killed member: its next round finds no one to answer.
    QTRY_COMPARE_WITH_TIMEOUT(backend->status(leader).role, QString(), 5000);
    QCOMPARE(lbGet(stack.lbPort), 200);
    QTRY_COMPARE_WITH_TIMEOUT(backend->status(survivor).role, QStringLiteral("leader"), 30000);
}

void TestProcessStack::consoleSigkillTakesServicesDown()
{
    const QString holderPath = QStringLiteral(HALAB_BIN_DIR "/stack_holder");
    QVERIFY(QFileInfo(holderPath).isExecutable());
    QTemporaryDir ledger;
    QVERIFY(ledger.isValid());
    const quint16 redisPort = freePort();
    const QString redisJson = QStringLiteral(
        R"({"name":"redis","command":["redis-server","--port","%1","--bind","127.0.0.1","--save","","--appendonly","no"],)"
        R"("readyTcp":"127.0.0.1:%1"})").arg(redisPort);
    // "sleep 300" stays in the group without a death signal of its own: only the ledger finds it.
    const QString sleeperJson = QStringLiteral(R"({"name":"sleeper","command":["sh","-c","sleep 300 & exec sleep 301"]})");

    QProcess holder;
    holder.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    // Without the watchdog only the ledger is left to find what the holder's services left.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HALAB_NO_WATCHDOG"), QStringLiteral("1"));
    holder.setProcessEnvironment(env);
    holder.start(holderPath, {ledger.path(), m_runDir.path(), redisJson, sleeperJson});
    QVERIFY(holder.waitForStarted(5000));
    QByteArray holderOut;
    auto readyOrGone = [&holder, &holderOut]() {
        holderOut += holder.readAllStandardOutput(); // accumulate: QTRY evaluates more than once
        return holderOut.contains("READY") || holder.state() != QProcess::Running;
    };
    QTRY_VERIFY_WITH_TIMEOUT(readyOrGone(), UpTimeoutMs);
    QCOMPARE(holder.state(), QProcess::Running);

    const QList<PidLedger::Entry> entries = PidLedger::read(ledger.path());
    QCOMPARE(entries.size(), 2);
    QList<qint64> groupPids;
    for (const PidLedger::Entry &e : entries) {
        QCOMPARE(e.consolePid, holder.processId());
        QVERIFY(!processGone(e.pid));
        groupPids << ProcessTree::groupMembers(e.pgid);
    }
    QVERIFY(PidLedger::leftovers(ledger.path()).isEmpty()); // the holder is alive

    QVERIFY(::kill(static_cast<pid_t>(holder.processId()), SIGKILL) == 0);
    QVERIFY(holder.waitForFinished(5000));
    // PR_SET_PDEATHSIG: the services die with their console
    for (const PidLedger::Entry &e : entries)
        QTRY_VERIFY2_WITH_TIMEOUT(processGone(e.pid), qPrintable(e.service), 5000);
    // what they left in their groups is found through the ledger and reaped
    // a service whose last threads are still exiting counts as alive until its cgroup is empty
    QTRY_COMPARE_WITH_TIMEOUT(PidLedger::leftovers(ledger.path()).size(), 1, 5000);
    const QList<PidLedger::Entry> left = PidLedger::leftovers(ledger.path());
    QCOMPARE(left.size(), 1);
    QCOMPARE(left.first().service, QStringLiteral("sleeper"));
    QCOMPARE(PidLedger::reapLeftovers(ledger.path()), 1);
    for (const qint64 pid : std::as_const(groupPids))
        QTRY_VERIFY2_WITH_TIMEOUT(processGone(pid), qPrintable(QString::number(pid)), 5000);
    QVERIFY(PidLedger::leftovers(ledger.path()).isEmpty());
    QVERIFY(PidLedger::read(ledger.path()).isEmpty());
}

QTEST_GUILESS_MAIN(TestProcessStack)
#include "tst_processstack.moc"
