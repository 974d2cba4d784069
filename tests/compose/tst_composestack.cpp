// ComposeStackBackend against a real Docker engine that this test starts itself (its own
// dockerd with a private data root, no bridge, no iptables), with the demo stack's images made
// by demo/compose/make-images.sh. Every container uses the host network; traffic goes to
// 127.0.0.1 only. Skips when dockerd, a compose CLI, redis-server, nginx or root is missing.
#include "testports.h"
#include "childprocesssetup.h"
#include "composestackbackend.h"
#include "labcontext.h"
#include "labparser.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <algorithm>
#include <csignal>
#include <memory>
#include <optional>
#include <utility>

#include <sys/mount.h>
#include <unistd.h>

using State = ServiceStatus::State;
using Health = ServiceStatus::Health;

namespace {
constexpr int UpTimeoutMs = 90000;
constexpr int ActionTimeoutMs = 45000;
const QString Project = QStringLiteral("halab-demo");

using TestPorts::freePort;

struct ToolResult
{
    bool ok = false;
    int exitCode = -1;
    QString out;
};

// Test-side helper (never the backend): runs a tool to completion with a time limit.
ToolResult runTool(const QString &program, const QStringList &args, int timeoutMs = 60000)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    ToolResult r;
    if (!p.waitForStarted(10000))
        return r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        r.out = QStringLiteral("timed out");
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.ok = r.exitCode == 0;
    r.out = QString::fromUtf8(p.readAll());
    return r;
}

bool alive(qint64 pid)
{
    return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) == 0;
}

// Only a zombie nobody reaped yet counts as gone too.
bool gone(qint64 pid)
{
    if (!alive(pid))
        return true;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return true;
    const QByteArray text = stat.readAll();
    const qsizetype paren = text.lastIndexOf(')');
    return paren > 0 && paren + 2 < text.size() && text.at(paren + 2) == 'Z';
}

// Processes whose command line names our private directory: the daemons and shims we started.
QList<qint64> processesMentioning(const QString &dir)
{
    QList<qint64> pids;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &e : entries) {
        bool ok = false;
        const qint64 pid = e.toLongLong(&ok);
        if (!ok || pid == ::getpid())
            continue;
        QFile f(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(dir.toUtf8()) && !gone(pid))
            pids.append(pid);
    }
    return pids;
}

bool anyCommandLineContains(const QByteArray &needle)
{
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &e : entries) {
        QFile f(QStringLiteral("/proc/%1/cmdline").arg(e));
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(needle))
            return true;
    }
    return false;
}

int httpStatus(const QString &url, const QByteArray &apiKey = {}, int timeoutMs = 5000)
{
    QNetworkAccessManager nam;
    nam.setProxy(QNetworkProxy::NoProxy);
    QNetworkRequest request{QUrl(url)};
    request.setTransferTimeout(timeoutMs);
    if (!apiKey.isEmpty())
        request.setRawHeader("x-api-key", apiKey);
    std::unique_ptr<QNetworkReply> reply(nam.get(request));
    QSignalSpy done(reply.get(), &QNetworkReply::finished);
    if (!done.wait(timeoutMs + 1000))
        return -1;
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

int countLines(const QList<LogLine> &lines, const QString &needle)
{
    int n = 0;
    for (const LogLine &l : lines)
        n += l.text.contains(needle) ? 1 : 0;
    return n;
}

// The last actionFinished of (service, action): {ok, error}; nullopt while none arrived.
std::optional<std::pair<bool, QString>> actionResult(const QSignalSpy &spy, const QString &service, const QString &action)
{
    for (qsizetype i = spy.size() - 1; i >= 0; --i) {
        const QList<QVariant> &args = spy.at(i);
        if (args.at(0).toString() == service && args.at(1).toString() == action)
            return std::make_pair(args.at(2).toBool(), args.at(3).toString());
    }
    return std::nullopt;
}
} // namespace

class TestComposeStack : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void missingDockerCli();
    void deadEngine();
    void brokenComposeFile();
    void unknownLabService();
    void demoStackLifecycle();

private:
    std::unique_ptr<ComposeStackBackend> makeDemoBackend();
    QString composeFile() const { return QStringLiteral(HALAB_SOURCE_DIR "/demo/compose/docker-compose.yml"); }
    QString labFile() const { return QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo-compose.halab.yaml"); }
    QString overrideFilesIn(const QString &dir) const;
    void composeDown();

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_socket;
    QByteArray m_dockerHost;
    QProcess *m_dockerd = nullptr;
    qint64 m_dockerdPid = 0;
    qint64 m_containerdPid = 0;
    QStringList m_compose; // program + leading args of the compose CLI, for cleanup
    QMap<QString, QString> m_ports;
    QList<qint64> m_containerPids;
    QElapsedTimer m_clock;
};

void TestComposeStack::initTestCase()
{
    m_clock.start();
    qRegisterMetaType<QHash<QString, ServiceStatus>>();
    qRegisterMetaType<QList<LogLine>>();
    const QString dockerd = QStandardPaths::findExecutable(QStringLiteral("dockerd"),
                                                           {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin"), QStringLiteral("/usr/local/bin")});
    if (dockerd.isEmpty())
        QSKIP("dockerd is not installed (apt-get install docker.io): no engine to test against");
    if (::geteuid() != 0)
        QSKIP("starting a private dockerd needs root");
    if (QStandardPaths::findExecutable(QStringLiteral("docker")).isEmpty())
        QSKIP("the docker CLI is not installed");
    if (runTool(QStringLiteral("docker"), {QStringLiteral("compose"), QStringLiteral("version")}, 15000).ok)
        m_compose = {QStringLiteral("docker"), QStringLiteral("compose")};
    else if (runTool(QStringLiteral("docker-compose"), {QStringLiteral("version")}, 15000).ok)
        m_compose = {QStringLiteral("docker-compose")};
    else
        QSKIP("neither 'docker compose' nor 'docker-compose' is installed");
    for (const QString &bin : {QStringLiteral("/usr/bin/redis-server"), QStringLiteral("/usr/sbin/nginx"),
                               QStringLiteral(HALAB_BIN_DIR "/halab-demo-api")})
        if (!QFileInfo(bin).isExecutable())
            QSKIP(qPrintable(bin + QStringLiteral(" is missing: the demo images are made from it")));

    // Short: the engine's unix sockets live under it (sun_path holds ~100 bytes).
    m_dir = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/hc-XXXXXX"));
    QVERIFY(m_dir->isValid());
    const QString t = m_dir->path();
    m_socket = t + QStringLiteral("/docker.sock");
    m_dockerd = new QProcess(this);
    m_dockerd->setProgram(dockerd);
    m_dockerd->setArguments({QStringLiteral("--iptables=false"), QStringLiteral("--ip-masq=false"),
                             QStringLiteral("--bridge=none"), QStringLiteral("--storage-driver=vfs"),
                             QStringLiteral("--log-level=warn"),
                             QStringLiteral("--data-root"), t + QStringLiteral("/data"),
                             QStringLiteral("--exec-root"), t + QStringLiteral("/exec"),
                             QStringLiteral("--pidfile"), t + QStringLiteral("/docker.pid"),
                             QStringLiteral("-H"), QStringLiteral("unix://") + m_socket});
    m_dockerd->setStandardOutputFile(t + QStringLiteral("/dockerd.log"));
    m_dockerd->setStandardErrorFile(t + QStringLiteral("/dockerd.log"), QIODevice::Append);
    ChildProcessSetup::apply(m_dockerd); // a crashed test must not leave its engine running
    m_dockerd->start();
    QVERIFY2(m_dockerd->waitForStarted(10000), qPrintable(m_dockerd->errorString()));
    m_dockerdPid = m_dockerd->processId();

    m_dockerHost = "unix://" + m_socket.toUtf8();
    qputenv("DOCKER_HOST", m_dockerHost); // for the backend's docker calls and make-images.sh
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(m_socket) || m_dockerd->state() == QProcess::NotRunning, 30000);
    QVERIFY2(m_dockerd->state() == QProcess::Running, "dockerd exited: see dockerd.log in the test dir");
    QTRY_VERIFY_WITH_TIMEOUT(runTool(QStringLiteral("docker"), {QStringLiteral("version")}, 5000).ok, 30000);
    QFile containerdPid(t + QStringLiteral("/exec/containerd/containerd.pid"));
    if (containerdPid.open(QIODevice::ReadOnly))
        m_containerdPid = containerdPid.readAll().trimmed().toLongLong();
    qInfo("dockerd pid %lld (containerd %lld) ready after %lld ms", m_dockerdPid, m_containerdPid, m_clock.elapsed());

    const ToolResult images = runTool(QStringLiteral(HALAB_SOURCE_DIR "/demo/compose/make-images.sh"),
                                      {QStringLiteral(HALAB_BIN_DIR)}, 180000);
    QVERIFY2(images.ok, qPrintable(images.out));
    qInfo("images made after %lld ms", m_clock.elapsed());

    for (const QString &name : {QStringLiteral("LB_PORT"), QStringLiteral("API1_PORT"), QStringLiteral("API2_PORT"),
                                QStringLiteral("REDIS_PORT")})
        m_ports.insert(name, QString::number(freePort()));
}

void TestComposeStack::composeDown()
{
    if (m_compose.isEmpty() || !m_dockerd || m_dockerd->state() != QProcess::Running)
        return;
    runTool(m_compose.first(), m_compose.mid(1) + QStringList{QStringLiteral("-p"), Project, QStringLiteral("-f"), composeFile(),
                                                              QStringLiteral("down"), QStringLiteral("-v"), QStringLiteral("-t"), QStringLiteral("1")}, 60000);
    // Whatever else the tests created in this private engine.
    const ToolResult ids = runTool(QStringLiteral("docker"), {QStringLiteral("ps"), QStringLiteral("-aq")}, 15000);
    const QStringList list = ids.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (ids.ok && !list.isEmpty())
        runTool(QStringLiteral("docker"), QStringList{QStringLiteral("rm"), QStringLiteral("-f")} + list, 30000);
}

void TestComposeStack::cleanupTestCase()
{
    if (!m_dir)
        return;
    const QString t = m_dir->path();
    composeDown();
    if (m_dockerd && m_dockerd->state() != QProcess::NotRunning) {
        m_dockerd->terminate(); // SIGTERM: dockerd stops containerd and unmounts what it mounted
        if (!m_dockerd->waitForFinished(20000)) {
            m_dockerd->kill();
            m_dockerd->waitForFinished(5000);
        }
    }
    // containerd normally leaves with dockerd; anything still naming our dir is ours.
    QElapsedTimer wait;
    wait.start();
    while (wait.elapsed() < 10000 && (!gone(m_containerdPid) || !processesMentioning(t).isEmpty()))
        QTest::qWait(100);
    const QList<qint64> left = processesMentioning(t);
    for (const qint64 pid : left) {
        qWarning("killing leftover pid %lld", pid);
        ::kill(static_cast<pid_t>(pid), SIGKILL);
    }
    if (!gone(m_containerdPid))
        ::kill(static_cast<pid_t>(m_containerdPid), SIGKILL);
    QTRY_VERIFY_WITH_TIMEOUT(processesMentioning(t).isEmpty() && gone(m_containerdPid), 10000);
    QVERIFY(gone(m_dockerdPid));
    for (const qint64 pid : std::as_const(m_containerPids))
        QVERIFY2(gone(pid), qPrintable(QStringLiteral("container process %1 is still running").arg(pid)));

    // Mounts dockerd left behind (its data root, the netns file), deepest first.
    QFile mountinfo(QStringLiteral("/proc/self/mountinfo"));
    QStringList mounts;
    if (mountinfo.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> lines = mountinfo.readAll().split('\n');
        for (const QByteArray &line : lines) {
            const QList<QByteArray> fields = line.split(' ');
            if (fields.size() > 4 && QString::fromUtf8(fields.at(4)).startsWith(t))
                mounts.append(QString::fromUtf8(fields.at(4)));
        }
    }
    std::sort(mounts.begin(), mounts.end(), [](const QString &a, const QString &b) { return a.size() > b.size(); });
    for (const QString &m : std::as_const(mounts))
        ::umount2(m.toLocal8Bit().constData(), MNT_DETACH);
    QVERIFY2(m_dir->remove(), qPrintable(QStringLiteral("cannot remove ") + t));
    qInfo("whole test %lld ms", m_clock.elapsed());
}

QString TestComposeStack::overrideFilesIn(const QString &dir) const
{
    return QDir(dir).entryList({QStringLiteral("compose-env-*")}, QDir::Files | QDir::Hidden).join(QLatin1Char(','));
}

std::unique_ptr<ComposeStackBackend> TestComposeStack::makeDemoBackend()
{
    const LabParser::Result parsed = LabParser::parseFile(labFile());
    if (!parsed.ok())
        return nullptr;
    QMap<QString, QString> builtins{{QStringLiteral("LAB_DIR"), QFileInfo(labFile()).absolutePath()},
                                    {QStringLiteral("RUN_DIR"), m_dir->path() + QStringLiteral("/run")},
                                    {QStringLiteral("BIN_DIR"), QStringLiteral(HALAB_BIN_DIR)}};
    LabContext context(parsed.lab, builtins, m_ports);
    context.setSecret(QStringLiteral("API_KEY_ADMIN"), QStringLiteral("admin-key-1"));
    context.setSecret(QStringLiteral("API_KEY_EDITOR"), QStringLiteral("editor-key-1"));
    context.setSecret(QStringLiteral("EDITOR_TOKEN_SECRET"), QStringLiteral("token-secret-1"));
    QStringList unresolved;
    const StackSpec stack = context.resolvedStack(&unresolved);
    if (!unresolved.isEmpty())
        return nullptr;
    auto backend = std::make_unique<ComposeStackBackend>(stack, QFileInfo(labFile()).absolutePath(),
                                                         m_dir->path() + QStringLiteral("/run"));
    backend->setComposeEnvironment(context.publicValues());
    return backend;
}

void TestComposeStack::missingDockerCli()
{
    auto backend = makeDemoBackend();
    QVERIFY(backend);
    backend->setDockerProgram(QStringLiteral("/nonexistent/docker"));
    QSignalSpy up(backend.get(), &StackBackend::upFinished);
    backend->up();
    QVERIFY(up.wait(10000));
    QCOMPARE(up.first().at(0).toBool(), false);
    QVERIFY2(up.first().at(1).toString().contains(QLatin1String("docker is not installed: apt-get install docker.io docker-compose")),
             qPrintable(up.first().at(1).toString()));
}

void TestComposeStack::deadEngine()
{
    const QString dead = m_dir->path() + QStringLiteral("/dead.sock");
    qputenv("DOCKER_HOST", "unix://" + dead.toUtf8());
    auto backend = makeDemoBackend();
    QVERIFY(backend);
    QSignalSpy up(backend.get(), &StackBackend::upFinished);
    QElapsedTimer clock;
    clock.start();
    backend->up();
    const bool reported = up.wait(20000);
    qputenv("DOCKER_HOST", m_dockerHost);
    QVERIFY(reported);
    qInfo("dead engine reported after %lld ms", clock.elapsed());
    QVERIFY(clock.elapsed() < 10000);
    QCOMPARE(up.first().at(0).toBool(), false);
    const QString error = up.first().at(1).toString();
    QVERIFY2(error.contains(QLatin1String("cannot reach the Docker engine at unix://") + dead), qPrintable(error));
    QVERIFY2(error.contains(QLatin1String("is dockerd running?")), qPrintable(error));

    // An action on a dead engine fails too, with the same words, and never hangs.
    qputenv("DOCKER_HOST", "unix://" + dead.toUtf8());
    QSignalSpy actions(backend.get(), &StackBackend::actionFinished);
    backend->kill(QStringLiteral("api1"));
    const bool acted = actions.wait(20000);
    qputenv("DOCKER_HOST", m_dockerHost);
    QVERIFY(acted);
    QCOMPARE(actions.first().at(2).toBool(), false);
    QVERIFY2(actions.first().at(3).toString().contains(QLatin1String("cannot reach the Docker engine at unix://") + dead),
             qPrintable(actions.first().at(3).toString()));
}

void TestComposeStack::brokenComposeFile()
{
    const QString dir = m_dir->path() + QStringLiteral("/broken");
    QVERIFY(QDir().mkpath(dir));
    QFile f(dir + QStringLiteral("/docker-compose.yml"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("services:\n  web:\n    image: halab/redis:local\n    network_mode: host\n    bogus_option_xyz: 1\n");
    f.close();
    StackSpec stack;
    stack.backend = StackSpec::Backend::Compose;
    stack.project = QStringLiteral("halab-broken");
    stack.composeFiles = {QStringLiteral("docker-compose.yml")}; // relative to the lab dir
    ServiceSpec web;
    web.name = QStringLiteral("web");
    stack.services = {web};
    ComposeStackBackend backend(stack, dir, dir + QStringLiteral("/run"));
    QSignalSpy up(&backend, &StackBackend::upFinished);
    backend.up();
    QVERIFY(up.wait(30000));
    QCOMPARE(up.first().at(0).toBool(), false);
    const QString error = up.first().at(1).toString();
    QVERIFY2(error.contains(QLatin1String("bogus_option_xyz")), qPrintable(error));
    QCOMPARE(runTool(QStringLiteral("docker"), {QStringLiteral("ps"), QStringLiteral("-aq")}).out.trimmed(), QString());
}

void TestComposeStack::unknownLabService()
{
    StackSpec stack;
    stack.backend = StackSpec::Backend::Compose;
    stack.project = QStringLiteral("halab-unknown");
    stack.composeFiles = {composeFile()};
    ServiceSpec ghost;
    ghost.name = QStringLiteral("ghost");
    stack.services = {ghost};
    ComposeStackBackend backend(stack, m_dir->path(), m_dir->path() + QStringLiteral("/run-unknown"));
    QSignalSpy up(&backend, &StackBackend::upFinished);
    backend.up();
    QVERIFY(up.wait(30000));
    QCOMPARE(up.first().at(0).toBool(), false);
    const QString error = up.first().at(1).toString();
    QVERIFY2(error.contains(QLatin1String("ghost")) && error.contains(QLatin1String("api1")), qPrintable(error));
}

void TestComposeStack::demoStackLifecycle()
{
    auto backend = makeDemoBackend();
    QVERIFY(backend);
    ComposeStackBackend *b = backend.get();
    const QString runDir = b->runDir();
    const QString lb = QStringLiteral("http://127.0.0.1:") + m_ports.value(QStringLiteral("LB_PORT"));
    const QString api1 = QStringLiteral("http://127.0.0.1:") + m_ports.value(QStringLiteral("API1_PORT"));
    QSignalSpy up(b, &StackBackend::upFinished);
    QSignalSpy down(b, &StackBackend::downFinished);
    QSignalSpy actions(b, &StackBackend::actionFinished);
    QSignalSpy statuses(b, &StackBackend::statusesChanged);
    QSignalSpy logs(b, &StackBackend::logLines);
    QList<LogLine> allLines;
    connect(b, &StackBackend::logLines, this, [&allLines](const QList<LogLine> &lines) { allLines += lines; });
    std::pair<bool, QString> result;
// Waits for the action's actionFinished and keeps {ok, error} in `result`.
#define WAIT_ACTION(service, action)                                                                \
    QTRY_VERIFY_WITH_TIMEOUT(actionResult(actions, service, action).has_value(), ActionTimeoutMs); \
    result = *actionResult(actions, service, action)

    // up: every service running and healthy, the LB answers.
    QElapsedTimer clock;
    clock.start();
    b->up();
    QVERIFY(up.wait(UpTimeoutMs));
    QVERIFY2(up.first().at(0).toBool(), qPrintable(up.first().at(1).toString()));
    qInfo("up in %lld ms with %s", clock.elapsed(), qPrintable(b->composeCommand()));
    QVERIFY(b->isUp());
    QVERIFY(statuses.size() > 0);
    for (const QString &name : b->serviceNames()) {
        const ServiceStatus st = b->status(name);
        QVERIFY2(st.state == State::Running, qPrintable(name + QStringLiteral(": ") + ServiceStatus::stateText(st.state) + QLatin1Char(' ') + st.detail));
        QCOMPARE(st.health, Health::Healthy);
        QCOMPARE(st.container.size(), 12);
        QVERIFY(st.pid > 0);
        m_containerPids.append(st.pid);
    }
    QCOMPARE(httpStatus(lb + QStringLiteral("/health")), 200);
    QCOMPARE(overrideFilesIn(runDir), QString());
    // The lab's secrets reached the containers (admin key works), never a command line.
    QCOMPARE(httpStatus(api1 + QStringLiteral("/templates"), "admin-key-1"), 200);

    // A leader role appears; the other replica is "replica".
    QTRY_VERIFY_WITH_TIMEOUT(b->status(QStringLiteral("api1")).role == QLatin1String("leader")
                                 || b->status(QStringLiteral("api2")).role == QLatin1String("leader"), 15000);
    const QString leader = b->status(QStringLiteral("api1")).role == QLatin1String("leader") ? QStringLiteral("api1") : QStringLiteral("api2");
    const QString replica = leader == QLatin1String("api1") ? QStringLiteral("api2") : QStringLiteral("api1");
    QTRY_COMPARE_WITH_TIMEOUT(b->status(replica).role, QStringLiteral("replica"), 10000);

    // Logs: timestamped lines per service, in batches.
    QTRY_VERIFY_WITH_TIMEOUT(countLines(b->logs(QStringLiteral("api1")), QStringLiteral("\"msg\":\"listening\"")) == 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!b->logs(QStringLiteral("redis")).isEmpty(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!b->logs(QStringLiteral("lb")).isEmpty(), 10000);
    // Coalesced: redis prints its banner at once, which arrives as one batch of many lines.
    const auto biggestBatch = [&logs]() {
        qsizetype biggest = 0;
        for (const QList<QVariant> &args : std::as_const(logs))
            biggest = std::max(biggest, args.at(0).value<QList<LogLine>>().size());
        return biggest;
    };
    QTRY_VERIFY_WITH_TIMEOUT(biggestBatch() > 1, 5000);
    for (const LogLine &l : b->logs(QStringLiteral("api1"))) {
        QVERIFY(l.time.isValid());
        QVERIFY(qAbs(l.time.secsTo(QDateTime::currentDateTimeUtc())) < 300);
        QVERIFY(!l.text.startsWith(QLatin1String("20"))); // the docker timestamp was split off
    }

    // kill the replica: exited(137); the LB keeps answering.
    clock.restart();
    b->kill(replica);
    WAIT_ACTION(replica, QStringLiteral("kill"));
    QVERIFY2(result.first, qPrintable(result.second));
    qInfo("kill in %lld ms", clock.elapsed());
    QCOMPARE(b->status(replica).state, State::Exited);
    QCOMPARE(b->status(replica).exitCode, 137);
    QCOMPARE(ServiceStatus::stateText(b->status(replica).state, b->status(replica).exitCode), QStringLiteral("exited(137)"));
    for (int i = 0; i < 5; ++i)
        QCOMPARE(httpStatus(lb + QStringLiteral("/health")), 200);

    // start it again: the same container, its old output not repeated.
    clock.restart();
    const QString killedContainer = b->status(replica).container;
    b->start(replica);
    WAIT_ACTION(replica, QStringLiteral("start"));
    QVERIFY2(result.first, qPrintable(result.second));
    qInfo("start in %lld ms", clock.elapsed());
    QCOMPARE(b->status(replica).state, State::Running);
    QCOMPARE(b->status(replica).container, killedContainer);
    QTRY_VERIFY_WITH_TIMEOUT(countLines(b->logs(replica), QStringLiteral("\"msg\":\"listening\"")) == 2, 10000);
    QTest::qWait(1000);
    QCOMPARE(countLines(b->logs(replica), QStringLiteral("\"msg\":\"listening\"")), 2);

    // pause / resume the replica (the LB may still bench the other one for its fail_timeout
    // after the kill above, so pausing that one could leave no upstream).
    b->pause(replica);
    WAIT_ACTION(replica, QStringLiteral("pause"));
    QVERIFY2(result.first, qPrintable(result.second));
    QCOMPARE(b->status(replica).state, State::Paused);
    QCOMPARE(httpStatus(lb + QStringLiteral("/health")), 200); // the fixed LB config skips it
    b->resume(replica);
    WAIT_ACTION(replica, QStringLiteral("resume"));
    QVERIFY2(result.first, qPrintable(result.second));
    QCOMPARE(b->status(replica).state, State::Running);
    QTRY_COMPARE_WITH_TIMEOUT(b->status(replica).health, Health::Healthy, 10000);

    // restart with env overrides: a new container with the new key; the override file (0600,
    // holding the secret) exists only while compose runs, and the secret is on no command line.
    const QString newKey = QStringLiteral("new-admin-$key-2");
    clock.restart();
    const QString oldContainer = b->status(QStringLiteral("api1")).container;
    b->restart(QStringLiteral("api1"), {{QStringLiteral("API_KEY_ADMIN"), newKey},
                                        {QStringLiteral("API_KEY_ADMIN_PREVIOUS"), QStringLiteral("admin-key-1")}});
    QTRY_VERIFY_WITH_TIMEOUT(!overrideFilesIn(runDir).isEmpty() || actionResult(actions, QStringLiteral("api1"), QStringLiteral("restart")), 10000);
    const QString overrideName = overrideFilesIn(runDir);
    if (!overrideName.isEmpty()) {
        const QFileInfo info(runDir + QLatin1Char('/') + overrideName.section(QLatin1Char(','), 0, 0));
        QCOMPARE(info.permissions() & ~(QFileDevice::ReadUser | QFileDevice::WriteUser),
                 QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        QVERIFY(!anyCommandLineContains(newKey.toUtf8()));
        qInfo("override file seen while compose ran: %s (0600)", qPrintable(overrideName));
    }
    WAIT_ACTION(QStringLiteral("api1"), QStringLiteral("restart"));
    QVERIFY2(result.first, qPrintable(result.second));
    qInfo("restart in %lld ms", clock.elapsed());
    QCOMPARE(overrideFilesIn(runDir), QString());
    QVERIFY(b->status(QStringLiteral("api1")).container != oldContainer);
    QCOMPARE(b->status(QStringLiteral("api1")).state, State::Running);
    QCOMPARE(b->status(QStringLiteral("api1")).health, Health::Healthy);
    QCOMPARE(httpStatus(api1 + QStringLiteral("/templates"), newKey.toUtf8()), 200); // '$' survived compose
    QCOMPARE(httpStatus(api1 + QStringLiteral("/templates"), "admin-key-1"), 401);
    m_containerPids.append(b->status(QStringLiteral("api1")).pid);

    // stop: a deliberate stop is "stopped", not "exited".
    b->stop(QStringLiteral("api2"));
    WAIT_ACTION(QStringLiteral("api2"), QStringLiteral("stop"));
    QVERIFY2(result.first, qPrintable(result.second));
    QCOMPARE(b->status(QStringLiteral("api2")).state, State::Stopped);
    // nginx may still bench api1 (fail_timeout 5 s) from the pause above: then it answers 502 briefly.
    QTRY_COMPARE_WITH_TIMEOUT(httpStatus(lb + QStringLiteral("/health")), 200, 10000);

    // down: containers removed, every service stopped.
    clock.restart();
    b->down();
    QVERIFY(down.wait(UpTimeoutMs));
    qInfo("down in %lld ms", clock.elapsed());
    QVERIFY(!b->isUp());
    for (const QString &name : b->serviceNames()) {
        QCOMPARE(b->status(name).state, State::Stopped);
        QVERIFY(b->status(name).container.isEmpty());
    }
    const ToolResult ps = runTool(QStringLiteral("docker"), {QStringLiteral("ps"), QStringLiteral("-aq"), QStringLiteral("--filter"),
                                                             QStringLiteral("label=com.docker.compose.project=") + Project});
    QVERIFY(ps.ok);
    QCOMPARE(ps.out.trimmed(), QString());
    QCOMPARE(overrideFilesIn(runDir), QString());
    for (const qint64 pid : std::as_const(m_containerPids))
        QTRY_VERIFY_WITH_TIMEOUT(gone(pid), 5000);
}

QTEST_GUILESS_MAIN(TestComposeStack)
#include "tst_composestack.moc"
