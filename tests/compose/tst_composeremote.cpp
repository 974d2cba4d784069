// A compose stack on a Docker engine that only the lab names: the test starts a private dockerd
// on a unix socket in a temporary directory, points the environment's DOCKER_HOST at a socket
// where no engine listens (and DOCKER_CONFIG at an empty directory of its own, so the user's
// contexts are never read or changed), and runs a lab with `docker: {host: unix://…}` and one
// with `docker: {context: …}`: the stack comes up on the private engine, its log arrives, and
// kill / pause / start reach it (`docker -H … inspect` proves it). A lab engine that is down
// fails `up` even when the environment names a working one. ssh:// cannot be tested here (no
// sshd on another machine); it takes the same path (DOCKER_HOST) through the docker CLI.
// Skips when dockerd, the docker CLI, a compose CLI, redis-server or root is missing.
#include "testports.h"
#include "composestackbackend.h"
#include "labcontext.h"
#include "labparser.h"
#include "privatedockerd.h"

#include <QFile>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

using State = ServiceStatus::State;
using Health = ServiceStatus::Health;

namespace {
constexpr int UpTimeoutMs = 90000;
constexpr int ActionTimeoutMs = 45000;

using TestPorts::freePort;

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

class TestComposeRemote : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void labHostDrivesThatEngine();
    void labContextDrivesThatEngine();
    void labEngineWinsOverAWorkingEnvironment();
    void missingContextIsNamed();

private:
    // A lab with `docker:` set to `dockerLine`, one redis service, its compose file beside it.
    std::unique_ptr<ComposeStackBackend> makeBackend(const QString &name, const QString &dockerLine);
    void runLifecycle(ComposeStackBackend *b);
    QString containerState(const QString &container) const;
    QStringList projectContainers(const QString &project) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    PrivateDockerd m_engine;
    QString m_deadHost; // where the environment's DOCKER_HOST points: nothing listens there
    QString m_context;
    QByteArray m_savedDockerHost;
    QByteArray m_savedDockerContext;
    QByteArray m_savedDockerConfig;
    QString m_redisPort;
};

void TestComposeRemote::initTestCase()
{
    qRegisterMetaType<QHash<QString, ServiceStatus>>();
    qRegisterMetaType<QList<LogLine>>();
    if (PrivateDockerd::dockerdPath().isEmpty())
        QSKIP("dockerd is not installed (apt-get install docker.io): no engine to test against");
    if (::geteuid() != 0)
        QSKIP("starting a private dockerd needs root");
    if (QStandardPaths::findExecutable(QStringLiteral("docker")).isEmpty())
        QSKIP("the docker CLI is not installed");
    if (QStandardPaths::findExecutable(QStringLiteral("docker-compose")).isEmpty()
        && QProcess::execute(QStringLiteral("docker"), {QStringLiteral("compose"), QStringLiteral("version")}) != 0)
        QSKIP("neither 'docker compose' nor 'docker-compose' is installed");
    for (const QString &bin : {QStringLiteral("/usr/bin/redis-server"), QStringLiteral("/usr/sbin/nginx"),
                               QStringLiteral(HALAB_BIN_DIR "/halab-demo-api")})
        if (!QFileInfo(bin).isExecutable())
            QSKIP(qPrintable(bin + QStringLiteral(" is missing: the demo images are made from it")));

    m_savedDockerHost = qgetenv("DOCKER_HOST");
    m_savedDockerContext = qgetenv("DOCKER_CONTEXT");
    m_savedDockerConfig = qgetenv("DOCKER_CONFIG");
    m_dir = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/hr-XXXXXX"));
    QVERIFY(m_dir->isValid());
    QString error;
    QVERIFY2(m_engine.start(m_dir->path(), &error), qPrintable(error));

    // The environment names another engine (none listens there) and a config dir of the test's own.
    m_deadHost = QStringLiteral("unix://") + m_dir->filePath(QStringLiteral("elsewhere.sock"));
    qputenv("DOCKER_HOST", m_deadHost.toUtf8());
    qunsetenv("DOCKER_CONTEXT");
    QVERIFY(QDir().mkpath(m_dir->filePath(QStringLiteral("docker-config"))));
    qputenv("DOCKER_CONFIG", m_dir->filePath(QStringLiteral("docker-config")).toUtf8());
    QProcess plain;
    plain.start(QStringLiteral("docker"), {QStringLiteral("ps")});
    QVERIFY(plain.waitForFinished(30000));
    QVERIFY2(plain.exitCode() != 0, "the environment's DOCKER_HOST must not reach an engine in this test");

    const PrivateDockerd::Result images = m_engine.withEngine(QStringLiteral(HALAB_SOURCE_DIR "/demo/compose/make-images.sh"),
                                                              {QStringLiteral(HALAB_BIN_DIR)}, 180000);
    QVERIFY2(images.ok, qPrintable(images.out));
    m_redisPort = QString::number(freePort());

    // A context of the test's own, in its own DOCKER_CONFIG (created offline: no engine is asked).
    m_context = QStringLiteral("halab-test-%1").arg(::getpid());
    const PrivateDockerd::Result created = m_engine.withEngine(QStringLiteral("docker"),
        {QStringLiteral("context"), QStringLiteral("create"), m_context, QStringLiteral("--docker"), QStringLiteral("host=") + m_engine.host()}, 30000);
    QVERIFY2(created.ok, qPrintable(created.out));
}

void TestComposeRemote::cleanupTestCase()
{
    if (!m_dir)
        return;
    // Whatever the tests left in the private engine.
    const PrivateDockerd::Result ids = m_engine.docker({QStringLiteral("ps"), QStringLiteral("-aq")}, 15000);
    const QStringList list = ids.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (ids.ok && !list.isEmpty())
        m_engine.docker(QStringList{QStringLiteral("rm"), QStringLiteral("-f")} + list, 30000);
    const QString problems = m_engine.stop();
    m_savedDockerHost.isNull() ? qunsetenv("DOCKER_HOST") : qputenv("DOCKER_HOST", m_savedDockerHost);
    m_savedDockerContext.isNull() ? qunsetenv("DOCKER_CONTEXT") : qputenv("DOCKER_CONTEXT", m_savedDockerContext);
    m_savedDockerConfig.isNull() ? qunsetenv("DOCKER_CONFIG") : qputenv("DOCKER_CONFIG", m_savedDockerConfig);
    QVERIFY2(problems.isEmpty(), qPrintable(problems));
    QVERIFY2(m_dir->remove(), qPrintable(QStringLiteral("cannot remove ") + m_dir->path()));
}

std::unique_ptr<ComposeStackBackend> TestComposeRemote::makeBackend(const QString &name, const QString &dockerLine)
{
    const QString labDir = m_dir->filePath(name);
    QDir().mkpath(labDir);
    QFile compose(labDir + QStringLiteral("/compose.yaml"));
    if (!compose.open(QIODevice::WriteOnly))
        return nullptr;
    compose.write("services:\n"
                  "  redis:\n"
                  "    image: halab/redis:local\n"
                  "    network_mode: host\n"
                  "    command: [--port, \"${REDIS_PORT}\", --bind, 127.0.0.1, --save, \"\"]\n");
    compose.close();
    QFile lab(labDir + QStringLiteral("/remote.halab.yaml"));
    if (!lab.open(QIODevice::WriteOnly))
        return nullptr;
    lab.write(QStringLiteral("halab: 1\n"
                             "name: remote %1\n"
                             "variables: { REDIS_PORT: \"%2\" }\n"
                             "%3\n"
                             "stack:\n"
                             "  backend: compose\n"
                             "  project: halab-remote-%1\n"
                             "  files: [compose.yaml]\n"
                             "  services:\n"
                             "    redis:\n"
                             "      ready: { tcp: \"127.0.0.1:${REDIS_PORT}\", every: 100ms, timeout: 30s }\n")
                  .arg(name, m_redisPort, dockerLine).toUtf8());
    lab.close();
    const LabParser::Result parsed = LabParser::parseFile(lab.fileName());
    if (!parsed.ok()) {
        qWarning("%s", qPrintable(parsed.errors.first().toString()));
        return nullptr;
    }
    LabContext context(parsed.lab, {{QStringLiteral("LAB_DIR"), labDir}, {QStringLiteral("RUN_DIR"), labDir + QStringLiteral("/run")}});
    QStringList unresolved;
    const StackSpec stack = context.resolvedStack(&unresolved);
    if (!unresolved.isEmpty())
        return nullptr;
    auto backend = std::make_unique<ComposeStackBackend>(stack, labDir, labDir + QStringLiteral("/run"));
    backend->setComposeEnvironment(context.publicValues());
    return backend;
}

QString TestComposeRemote::containerState(const QString &container) const
{
    const PrivateDockerd::Result r = m_engine.docker({QStringLiteral("inspect"), QStringLiteral("-f"),
                                                      QStringLiteral("{{.State.Status}} {{.State.ExitCode}}"), container}, 15000);
    return r.ok ? r.out.trimmed() : QStringLiteral("inspect failed: ") + r.out.trimmed();
}

QStringList TestComposeRemote::projectContainers(const QString &project) const
{
    const PrivateDockerd::Result r = m_engine.docker({QStringLiteral("ps"), QStringLiteral("-a"), QStringLiteral("-q"),
                                                      QStringLiteral("--filter"), QStringLiteral("label=com.docker.compose.project=") + project}, 15000);
    return r.ok ? r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts) : QStringList{QStringLiteral("docker ps failed: ") + r.out};
}

void TestComposeRemote::runLifecycle(ComposeStackBackend *b)
{
    QSignalSpy up(b, &StackBackend::upFinished);
    QSignalSpy down(b, &StackBackend::downFinished);
    QSignalSpy actions(b, &StackBackend::actionFinished);
    QList<LogLine> lines;
    connect(b, &StackBackend::logLines, this, [&lines](const QList<LogLine> &batch) { lines += batch; });
    const auto sawLine = [&lines](const QString &needle) {
        for (const LogLine &l : std::as_const(lines))
            if (l.text.contains(needle))
                return true;
        return false;
    };

    // Up on the lab's engine, while the environment's DOCKER_HOST leads nowhere.
    b->up();
    QVERIFY(up.wait(UpTimeoutMs));
    QVERIFY2(up.first().at(0).toBool(), qPrintable(up.first().at(1).toString()));
    QCOMPARE(b->status(QStringLiteral("redis")).state, State::Running);
    QCOMPARE(b->status(QStringLiteral("redis")).health, Health::Healthy);
    const QString container = b->status(QStringLiteral("redis")).container;
    QCOMPARE(projectContainers(b->projectName()).size(), 1);
    QVERIFY(projectContainers(b->projectName()).first().startsWith(container));
    QCOMPARE(containerState(container), QStringLiteral("running 0"));
    // The log comes through the same engine.
    QTRY_VERIFY_WITH_TIMEOUT(sawLine(QStringLiteral("Ready to accept connections")), 20000);

    // Pause: the engine's own record says paused; resume: running again.
    b->pause(QStringLiteral("redis"));
    QTRY_VERIFY_WITH_TIMEOUT(actionResult(actions, QStringLiteral("redis"), QStringLiteral("pause")).has_value(), ActionTimeoutMs);
    QVERIFY2(actionResult(actions, QStringLiteral("redis"), QStringLiteral("pause"))->first,
             qPrintable(actionResult(actions, QStringLiteral("redis"), QStringLiteral("pause"))->second));
    QCOMPARE(containerState(container), QStringLiteral("paused 0"));
    QTRY_COMPARE_WITH_TIMEOUT(b->status(QStringLiteral("redis")).state, State::Paused, 10000);
    b->resume(QStringLiteral("redis"));
    QTRY_VERIFY_WITH_TIMEOUT(actionResult(actions, QStringLiteral("redis"), QStringLiteral("resume")).has_value(), ActionTimeoutMs);
    QVERIFY(actionResult(actions, QStringLiteral("redis"), QStringLiteral("resume"))->first);
    QCOMPARE(containerState(container), QStringLiteral("running 0"));

    // Kill: SIGKILL reaches the container on that engine (exit 137), and the console sees it.
    b->kill(QStringLiteral("redis"));
    QTRY_VERIFY_WITH_TIMEOUT(actionResult(actions, QStringLiteral("redis"), QStringLiteral("kill")).has_value(), ActionTimeoutMs);
    QVERIFY2(actionResult(actions, QStringLiteral("redis"), QStringLiteral("kill"))->first,
             qPrintable(actionResult(actions, QStringLiteral("redis"), QStringLiteral("kill"))->second));
    QTRY_COMPARE_WITH_TIMEOUT(containerState(container), QStringLiteral("exited 137"), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(b->status(QStringLiteral("redis")).state, State::Exited, 10000);
    QCOMPARE(b->status(QStringLiteral("redis")).exitCode, 137);

    // Start: running and healthy again on that engine.
    b->start(QStringLiteral("redis"));
    QTRY_VERIFY_WITH_TIMEOUT(actionResult(actions, QStringLiteral("redis"), QStringLiteral("start")).has_value(), ActionTimeoutMs);
    QVERIFY2(actionResult(actions, QStringLiteral("redis"), QStringLiteral("start"))->first,
             qPrintable(actionResult(actions, QStringLiteral("redis"), QStringLiteral("start"))->second));
    QCOMPARE(containerState(container), QStringLiteral("running 0"));
    QTRY_COMPARE_WITH_TIMEOUT(b->status(QStringLiteral("redis")).health, Health::Healthy, 30000);

    // Down removes the project from that engine.
    b->down();
    QVERIFY(down.wait(UpTimeoutMs));
    QCOMPARE(projectContainers(b->projectName()), QStringList());
}

void TestComposeRemote::labHostDrivesThatEngine()
{
    auto backend = makeBackend(QStringLiteral("by-host"), QStringLiteral("docker: { host: \"%1\" }").arg(m_engine.host()));
    QVERIFY(backend);
    QCOMPARE(backend->engine().host, m_engine.host());
    runLifecycle(backend.get());
}

void TestComposeRemote::labContextDrivesThatEngine()
{
    auto backend = makeBackend(QStringLiteral("by-context"), QStringLiteral("docker: { context: %1 }").arg(m_context));
    QVERIFY(backend);
    QCOMPARE(backend->engine().context, m_context);
    runLifecycle(backend.get());
}

void TestComposeRemote::labEngineWinsOverAWorkingEnvironment()
{
    // Now the environment names the working engine, and the lab one where nothing listens.
    const QString labEngine = QStringLiteral("unix://") + m_dir->filePath(QStringLiteral("lab-engine.sock"));
    auto backend = makeBackend(QStringLiteral("dead-engine"), QStringLiteral("docker: { host: \"%1\" }").arg(labEngine));
    QVERIFY(backend);
    qputenv("DOCKER_HOST", m_engine.host().toUtf8()); // read by the backend at each call
    QSignalSpy up(backend.get(), &StackBackend::upFinished);
    backend->up();
    QVERIFY(up.wait(UpTimeoutMs));
    qputenv("DOCKER_HOST", m_deadHost.toUtf8());
    QVERIFY(!up.first().at(0).toBool());
    const QString error = up.first().at(1).toString();
    QVERIFY2(error.startsWith(QStringLiteral("cannot reach the Docker engine at ") + labEngine + QStringLiteral(": is dockerd running?")),
             qPrintable(error));
    QCOMPARE(projectContainers(backend->projectName()), QStringList()); // nothing started on the environment's engine
}

void TestComposeRemote::missingContextIsNamed()
{
    auto backend = makeBackend(QStringLiteral("no-context"), QStringLiteral("docker: { context: halab-no-such-context }"));
    QVERIFY(backend);
    QSignalSpy up(backend.get(), &StackBackend::upFinished);
    backend->up();
    QVERIFY(up.wait(UpTimeoutMs));
    QVERIFY(!up.first().at(0).toBool());
    const QString error = up.first().at(1).toString();
    QVERIFY2(error.startsWith(QStringLiteral("the lab's docker context 'halab-no-such-context' cannot be read")), qPrintable(error));
    // The CLI's own words follow: docker 28 says "not found", docker 20.10 "does not exist".
    QVERIFY2(QRegularExpression(QStringLiteral("\\): .*halab-no-such-context.*(not found|does not exist)")).match(error).hasMatch(),
             qPrintable(error));
}

QTEST_GUILESS_MAIN(TestComposeRemote)
#include "tst_composeremote.moc"
