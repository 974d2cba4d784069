// What labs of real clusters need from the processes backend (issue 11): a service that runs
// once before its dependents, a service run as another user with no wrapper process, a run
// directory wiped on up only when the console made it, and a readiness failure that says
// what was awaited and what the service last wrote. Real processes (sh, sleep), no mocks.
#include "testports.h"
#include "pidledger.h"
#include "processstackbackend.h"
#include "processtree.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

#include <pwd.h>
#include <unistd.h>

namespace {

ServiceSpec shService(const QString &name, const QString &script)
{
    ServiceSpec s;
    s.name = name;
    s.command = {QStringLiteral("sh"), QStringLiteral("-c"), script};
    s.stopGraceMs = 3000;
    return s;
}

using TestPorts::freePort;

bool hasLine(const QList<LogLine> &lines, const QString &text)
{
    for (const LogLine &l : lines)
        if (l.text == text)
            return true;
    return false;
}

// Field "Uid:" of /proc/<pid>/status: real, effective, saved, fs.
QString uidLine(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("Uid:"))
            return QString::fromLatin1(line.mid(4)).simplified();
    return {};
}

} // namespace

class TestRealClusterServices : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void onceRunsBeforeItsDependents();
    void onceFailureFailsUpWithItsLastLines();
    void readinessFailureSaysWhatItAwaitedAndTheLog();
    void userRunsTheDaemonItselfAsThatUser();
    void userWhoCannotReachTheRunDirIsToldWhy();
    void wipeOnUpEmptiesOnlyAMarkedRunDir();

private:
    ProcessStackBackend *makeBackend(const StackSpec &spec, const QString &runDir);
    bool bringUp(QString *error);
    bool bringDown();

    QTemporaryDir m_ledgerDir;
    std::unique_ptr<QTemporaryDir> m_runDir;
    std::unique_ptr<ProcessStackBackend> m_backend;
};

void TestRealClusterServices::init()
{
    m_runDir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_runDir->isValid());
}

void TestRealClusterServices::cleanup()
{
    if (m_backend && m_backend->isUp())
        QVERIFY(bringDown());
    m_backend.reset();
    QVERIFY(PidLedger(m_ledgerDir.path()).entries().isEmpty());
}

ProcessStackBackend *TestRealClusterServices::makeBackend(const StackSpec &spec, const QString &runDir)
{
    m_backend = std::make_unique<ProcessStackBackend>(spec, QMap<QString, QString>{}, runDir);
    m_backend->setLedgerDir(m_ledgerDir.path());
    return m_backend.get();
}

bool TestRealClusterServices::bringUp(QString *error)
{
    QSignalSpy spy(m_backend.get(), &StackBackend::upFinished);
    m_backend->up();
    if (!spy.wait(20000))
        return false;
    *error = spy.at(0).at(1).toString();
    return spy.at(0).at(0).toBool();
}

bool TestRealClusterServices::bringDown()
{
    QSignalSpy spy(m_backend.get(), &StackBackend::downFinished);
    m_backend->down();
    return spy.wait(20000);
}

void TestRealClusterServices::onceRunsBeforeItsDependents()
{
    const QString conf = m_runDir->filePath(QStringLiteral("app.conf"));
    StackSpec spec;
    ServiceSpec prep = shService(QStringLiteral("prep"), QStringLiteral("sleep 0.3; echo v1 > '%1'; echo wrote the config").arg(conf));
    prep.once = true;
    // The dependent reads what prep wrote: it must not start before prep has exited 0.
    ServiceSpec app = shService(QStringLiteral("app"), QStringLiteral("echo \"config: $(cat '%1')\"; exec sleep 60").arg(conf));
    app.dependsOn = {QStringLiteral("prep")};
    spec.services << app << prep;
    ProcessStackBackend *backend = makeBackend(spec, m_runDir->path());
    QString error;
    QVERIFY2(bringUp(&error), qPrintable(error));
    const ServiceStatus p = backend->status(QStringLiteral("prep"));
    QCOMPARE(p.state, ServiceStatus::State::Exited);
    QCOMPARE(p.exitCode, 0);
    QCOMPARE(p.detail, QStringLiteral("ran once: exit 0"));
    QVERIFY(hasLine(backend->logs(QStringLiteral("prep")), QStringLiteral("wrote the config")));
    QTRY_VERIFY(hasLine(backend->logs(QStringLiteral("app")), QStringLiteral("config: v1")));
    QCOMPARE(backend->status(QStringLiteral("app")).state, ServiceStatus::State::Running);

    // A second up runs it again (a fresh config every time).
    QVERIFY(bringDown());
    QVERIFY(QFile::remove(conf));
    QVERIFY2(bringUp(&error), qPrintable(error));
    QVERIFY(QFile::exists(conf));
}

void TestRealClusterServices::onceFailureFailsUpWithItsLastLines()
{
    StackSpec spec;
    ServiceSpec prep = shService(QStringLiteral("prep"),
                                 QStringLiteral("for i in $(seq 1 12); do echo \"initdb line $i\"; done; echo 'initdb: directory exists' >&2; exit 2"));
    prep.once = true;
    ServiceSpec db = shService(QStringLiteral("db"), QStringLiteral("exec sleep 60"));
    db.dependsOn = {QStringLiteral("prep")};
    spec.services << prep << db;
    ProcessStackBackend *backend = makeBackend(spec, m_runDir->path());
    QString error;
    QVERIFY(!bringUp(&error));
    QVERIFY2(error.startsWith(QStringLiteral("prep (runs once before the services that depend on it) exited with code 2")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("initdb: directory exists")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("initdb line 12")), qPrintable(error));
    QVERIFY2(!error.contains(QStringLiteral("initdb line 2\n")), qPrintable(error)); // only the last 10 lines
    QCOMPARE(backend->status(QStringLiteral("prep")).exitCode, 2);
    QCOMPARE(backend->status(QStringLiteral("db")).pid, 0); // never started
}

void TestRealClusterServices::readinessFailureSaysWhatItAwaitedAndTheLog()
{
    const quint16 port = freePort();
    StackSpec spec;
    ServiceSpec deaf = shService(QStringLiteral("deaf"),
                                 QStringLiteral("for i in $(seq 1 12); do echo \"starting step $i\"; done; exec sleep 60"));
    ProbeSpec ready;
    ready.kind = ProbeSpec::Kind::Tcp;
    ready.address = QStringLiteral("127.0.0.1:%1").arg(port);
    ready.intervalMs = 100;
    ready.timeoutMs = 800;
    deaf.ready = ready;
    spec.services << deaf;
    makeBackend(spec, m_runDir->path());
    QString error;
    QVERIFY(!bringUp(&error));
    QVERIFY2(error.startsWith(QStringLiteral("deaf: not ready after 800ms: waited for a TCP connection to 127.0.0.1:%1; last attempt: ").arg(port)),
             qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("the last lines of its log:\n")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("    starting step 12")), qPrintable(error));
    QVERIFY2(error.contains(QStringLiteral("    starting step 3")), qPrintable(error));
    QVERIFY2(!error.contains(QStringLiteral("starting step 2\n")), qPrintable(error));
}

void TestRealClusterServices::userRunsTheDaemonItselfAsThatUser()
{
    if (::geteuid() != 0)
        QSKIP("switching users needs root: run this test as root");
    const passwd *nobody = ::getpwnam("nobody");
    QVERIFY2(nobody, "no 'nobody' user on this machine");
    const uint nobodyUid = nobody->pw_uid;
    // A run dir nobody can enter: QTemporaryDir is 0700, so use its parent's sticky /tmp via 0755.
    QVERIFY(QFile::setPermissions(m_runDir->path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner
                                                         | QFileDevice::ReadOther | QFileDevice::ExeOther));
    StackSpec spec;
    ServiceSpec daemon = shService(QStringLiteral("daemon"), QStringLiteral("echo \"uid $(id -u) gid $(id -g) home $HOME user $USER\"; exec sleep 60"));
    daemon.user = QStringLiteral("nobody");
    spec.services << daemon;
    ProcessStackBackend *backend = makeBackend(spec, m_runDir->path());
    QString error;
    QVERIFY2(bringUp(&error), qPrintable(error));
    const qint64 pid = backend->status(QStringLiteral("daemon")).pid;
    QVERIFY(pid > 0);
    // The pid the console holds is the daemon itself, a direct child, with every uid switched.
    QTRY_COMPARE(uidLine(pid), QStringLiteral("%1 %1 %1 %1").arg(nobodyUid));
    QCOMPARE(ProcessTree::info(pid)->ppid, qint64(::getpid()));
    QTRY_VERIFY(hasLine(backend->logs(QStringLiteral("daemon")),
                        QStringLiteral("uid %1 gid %2 home %3 user nobody").arg(nobodyUid).arg(nobody->pw_gid).arg(QString::fromLocal8Bit(nobody->pw_dir))));
}

void TestRealClusterServices::userWhoCannotReachTheRunDirIsToldWhy()
{
    if (::geteuid() != 0)
        QSKIP("switching users needs root: run this test as root");
    QVERIFY(QFile::setPermissions(m_runDir->path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner));
    const QString runDir = m_runDir->filePath(QStringLiteral("stack"));
    StackSpec spec;
    ServiceSpec daemon = shService(QStringLiteral("daemon"), QStringLiteral("exec sleep 60"));
    daemon.user = QStringLiteral("nobody");
    spec.services << daemon;
    makeBackend(spec, runDir);
    QString error;
    QVERIFY(!bringUp(&error));
    QVERIFY2(error.contains(QStringLiteral("it runs as 'nobody', who cannot enter %1 on the way to the run directory").arg(m_runDir->path())),
             qPrintable(error));

    // And a user that does not exist is named as such.
    spec.services[0].user = QStringLiteral("halab-no-such-user");
    makeBackend(spec, m_runDir->path());
    QVERIFY(!bringUp(&error));
    QVERIFY2(error.contains(QStringLiteral("user 'halab-no-such-user' does not exist on this machine")), qPrintable(error));
}

void TestRealClusterServices::wipeOnUpEmptiesOnlyAMarkedRunDir()
{
    const QString runDir = m_runDir->filePath(QStringLiteral("lab"));
    StackSpec spec;
    spec.runDir.wipeOnUp = true;
    spec.services << shService(QStringLiteral("app"), QStringLiteral("echo data > data.txt; exec sleep 60"));
    spec.services[0].workdir = runDir;
    QVERIFY(QDir().mkpath(runDir));
    ProcessStackBackend *backend = makeBackend(spec, runDir);
    QString error;
    QVERIFY2(bringUp(&error), qPrintable(error)); // empty: fine, and now marked
    QTRY_VERIFY(QFile::exists(runDir + QStringLiteral("/data.txt")));
    QVERIFY(QFile::exists(runDir + QLatin1Char('/') + QLatin1String(ProcessStackBackend::RunDirMarker)));
    QVERIFY(bringDown());
    QFile stale(runDir + QStringLiteral("/stale.txt"));
    QVERIFY(stale.open(QIODevice::WriteOnly));
    stale.close();
    QVERIFY2(bringUp(&error), qPrintable(error));
    QVERIFY(!QFile::exists(runDir + QStringLiteral("/stale.txt")));
    QVERIFY(bringDown());
    Q_UNUSED(backend);

    // Someone else's directory with files in it is never wiped.
    const QString foreign = m_runDir->filePath(QStringLiteral("foreign"));
    QVERIFY(QDir().mkpath(foreign));
    QFile keep(foreign + QStringLiteral("/precious.txt"));
    QVERIFY(keep.open(QIODevice::WriteOnly));
    keep.close();
    spec.services[0].workdir = foreign;
    makeBackend(spec, foreign);
    QVERIFY(!bringUp(&error));
    QVERIFY2(error.startsWith(QStringLiteral("refusing to wipe the run directory %1").arg(foreign)), qPrintable(error));
    QVERIFY(QFile::exists(foreign + QStringLiteral("/precious.txt")));
}

QTEST_GUILESS_MAIN(TestRealClusterServices)
#include "tst_realclusterservices.moc"
