// A service is a whole node, and nothing outlives the console: real processes only.
// Runs twice from CTest: as tst_cgroups (cgroup v2; every test skips, saying why, where the
// machine has no writable cgroup v2) and as tst_cgroups_treewalk (HALAB_NO_CGROUPS=1: the
// process-tree fallback, which always runs). Only processes this test started are ever signalled.
#include "testports.h"
#include "cgroupv2.h"
#include "pidledger.h"
#include "processscope.h"
#include "processstackbackend.h"
#include "processtree.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <csignal>
#include <memory>

#include <unistd.h>

using State = ServiceStatus::State;

namespace {
constexpr int UpTimeoutMs = 30000;
constexpr int GoneWithinMs = 5000; // the issue's bound for "nothing outlives the console"

// The child daemonizes as the postmaster under Patroni does: a subshell starts it with setsid in
// the background and exits at once, so it has its own session and has lost its parent.
const QString DaemonizingScript = QStringLiteral(
    R"(( setsid sh -c 'echo daemon=$$; exec sleep 300' & ); echo main=$$; exec sleep 301)");

using TestPorts::freePort;

bool wantsTreeWalk()
{
    return CgroupV2::disabledByEnvironment();
}

// Stopped by SIGSTOP ('T'), or in a frozen cgroup v2 (which /proc shows as sleeping).
bool isStopped(qint64 pid)
{
    const auto info = ProcessTree::info(pid);
    if (!info)
        return false;
    if (info->state == 'T')
        return true;
    QFile file(QStringLiteral("/proc/%1/cgroup").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return false;
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (const QByteArray &line : lines)
        if (line.startsWith("0::") && line.size() > 4)
            return CgroupV2::isFrozen(CgroupV2::mountPoint() + QString::fromUtf8(line.mid(3)));
    return false;
}

bool isGone(qint64 pid)
{
    return ProcessTree::startTime(pid) == 0; // reaped, or a zombie nobody reaped yet
}

QByteArray procFile(qint64 pid, const char *name)
{
    QFile f(QStringLiteral("/proc/%1/%2").arg(pid).arg(QLatin1String(name)));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

QString describe(qint64 pid)
{
    QByteArray cmd = procFile(pid, "cmdline");
    cmd.replace('\0', ' ');
    const auto info = ProcessTree::info(pid);
    return QStringLiteral("%1 (ppid %2, state %3): %4")
        .arg(pid)
        .arg(info ? info->ppid : -1)
        .arg(QLatin1Char(info ? info->state : '-'))
        .arg(QString::fromLocal8Bit(cmd.trimmed()));
}

// A process of one test's lab, told apart from everyone else's by its start time.
struct LabProcess
{
    qint64 pid = 0;
    quint64 startTime = 0;
};

// Every live process of a lab: descendants of the console (with the groups and sessions they
// lead), and any process carrying the lab's marker in its environment or its run dir on its
// command line (daemonized children that lost their parent).
QList<LabProcess> labProcesses(qint64 consolePid, const QByteArray &marker, const QString &runDir)
{
    QList<std::pair<qint64, quint64>> roots{{consolePid, 0}};
    const QByteArray needle = QByteArray("HALAB_TEST_MARK=") + marker;
    const QByteArray dirNeedle = runDir.toLocal8Bit();
    const QList<ProcessTree::Info> everyone = ProcessTree::all();
    for (const ProcessTree::Info &i : everyone) {
        if (i.state == 'Z' || i.pid == ::getpid())
            continue;
        if (procFile(i.pid, "environ").split('\0').contains(needle)
            || (!dirNeedle.isEmpty() && procFile(i.pid, "cmdline").contains(dirNeedle)))
            roots.append({i.pid, i.startTime});
    }
    QList<LabProcess> result;
    const QList<ProcessTree::Info> tree = ProcessTree::tree(roots, 0);
    for (const ProcessTree::Info &i : tree)
        result.append({i.pid, i.startTime});
    return result;
}

// The long-lived processes of the labs here: their `sleep 30x`.
int sleepsAmong(const QList<LabProcess> &processes)
{
    int n = 0;
    for (const LabProcess &p : processes)
        n += procFile(p.pid, "cmdline").startsWith("sleep\0" "30");
    return n;
}

QStringList alive(const QList<LabProcess> &processes)
{
    QStringList result;
    for (const LabProcess &p : processes)
        if (ProcessTree::isAlive(p.pid, p.startTime))
            result.append(describe(p.pid));
    return result;
}

qint64 logValue(const QList<LogLine> &lines, const QString &prefix)
{
    for (const LogLine &l : lines)
        if (l.text.startsWith(prefix))
            return l.text.mid(prefix.size()).toLongLong();
    return 0;
}

// Without cgroups the watchdog knows what the tree walk saw, every TrackIntervalMs: a process
// born just before a SIGKILL of the console can be missed (documented in docs/lab-format.md).
void letTheTreeWalkSeeEverything()
{
    if (wantsTreeWalk())
        QTest::qWait(3 * ProcessScope::TrackIntervalMs);
}

bool isDescendantOf(qint64 pid, qint64 ancestor)
{
    for (int depth = 0; pid > 1 && depth < 64; ++depth) {
        if (pid == ancestor)
            return true;
        const auto info = ProcessTree::info(pid);
        if (!info)
            return false;
        pid = info->ppid;
    }
    return false;
}
} // namespace

class TestCgroups : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void daemonizedChildIsKilledAndFrozenWithItsService();
    void stopIsSigtermToTheMainProcessThenTheWholeService();
    void killWhilePausedThenStartRuns();
    void commandScopeEndsEverythingItStarted();
    void consoleSigkillLeavesNothing();
    void cliSigkillMidCheckLeavesNoProcessOfTheDemoLab();
    void cliSigkillMidCommandStepLeavesNothing();
    void cliSigtermExitsOnlyAfterItsProcessesAreGone();
    void stepTimeoutEndsWhatTheStepStarted();
    void aStepsBackgroundProcessRunsUntilTheCheckEnds();

private:
    struct Cli
    {
        QTemporaryDir dir;
        QByteArray marker = QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
        QProcess process;
        QByteArray out;
        QString runDir() const { return dir.path() + QStringLiteral("/data"); }
    };
    void startCli(Cli &cli, const QStringList &args);
    bool waitForOutput(Cli &cli, const QByteArray &text, int timeoutMs);
    QString writeLab(const QTemporaryDir &dir, const QString &stepCommand, const QString &timeout);
    bool bringUp(ProcessStackBackend *backend);
    bool bringDown(ProcessStackBackend *backend);

    QTemporaryDir m_ledgerDir;
    QTemporaryDir m_runDir;
};

void TestCgroups::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    qRegisterMetaType<QList<LogLine>>();
    qRegisterMetaType<QHash<QString, ServiceStatus>>();
    QVERIFY(m_ledgerDir.isValid());
    QVERIFY(m_runDir.isValid());
    qInfo("process control: %s", qUtf8Printable(ProcessScope::methodDescription()));
    QCOMPARE(ProcessStackBackend::processControl(), ProcessScope::methodDescription());
}

void TestCgroups::init()
{
    if (wantsTreeWalk()) {
        QCOMPARE(ProcessScope::consoleMethod(), ProcessScope::Method::TreeWalk);
        QVERIFY(ProcessScope::methodDescription().contains(QStringLiteral("HALAB_NO_CGROUPS")));
        return;
    }
    QString why;
    if (CgroupV2::consoleRoot(&why).isEmpty())
        QSKIP(qPrintable(QStringLiteral("no writable cgroup v2 here (%1); tst_cgroups_treewalk covers the fallback").arg(why)));
    QCOMPARE(ProcessScope::consoleMethod(), ProcessScope::Method::Cgroup);
}

void TestCgroups::cleanup()
{
    QVERIFY(PidLedger(m_ledgerDir.path()).entries().isEmpty());
}

bool TestCgroups::bringUp(ProcessStackBackend *backend)
{
    QSignalSpy spy(backend, &StackBackend::upFinished);
    backend->up();
    return spy.wait(UpTimeoutMs) && spy.at(0).at(0).toBool();
}

bool TestCgroups::bringDown(ProcessStackBackend *backend)
{
    QSignalSpy spy(backend, &StackBackend::downFinished);
    backend->down();
    return spy.wait(UpTimeoutMs);
}

void TestCgroups::daemonizedChildIsKilledAndFrozenWithItsService()
{
    StackSpec spec;
    ServiceSpec node;
    node.name = QStringLiteral("node");
    node.command = {QStringLiteral("sh"), QStringLiteral("-c"), DaemonizingScript};
    spec.services.append(node);
    ProcessStackBackend backend(spec, {}, m_runDir.path());
    backend.setLedgerDir(m_ledgerDir.path());
    QVERIFY(bringUp(&backend));

    // The n-th (0-based) "prefix<pid>" line of the service's log: one per incarnation.
    const auto nth = [&backend, &node](const QString &prefix, int n) -> qint64 {
        int seen = 0;
        const QList<LogLine> lines = backend.logs(node.name);
        for (const LogLine &l : lines)
            if (l.text.startsWith(prefix) && seen++ == n)
                return l.text.mid(prefix.size()).toLongLong();
        return 0;
    };
    for (int round = 0; round < 2; ++round) {
        qint64 main = 0;
        qint64 daemon = 0;
        QTRY_VERIFY_WITH_TIMEOUT((main = nth(QStringLiteral("main="), round)) > 0
                                     && (daemon = nth(QStringLiteral("daemon="), round)) > 0,
                                 5000);
        QCOMPARE(backend.status(node.name).pid, main);
        // The daemon: own session, its parent gone (it is no child of the shell that started it)
        QTRY_VERIFY_WITH_TIMEOUT(ProcessTree::info(daemon) && ProcessTree::info(daemon)->sid == daemon, 5000);
        QVERIFY(!isDescendantOf(daemon, ::getpid()) || wantsTreeWalk());
        if (wantsTreeWalk()) // the main process is its subreaper, so the tree still holds it
            QTRY_COMPARE_WITH_TIMEOUT(ProcessTree::info(daemon)->ppid, main, 5000);
        else
            QVERIFY2(ProcessTree::info(daemon)->ppid != main, qPrintable(describe(daemon)));
        QTRY_VERIFY_WITH_TIMEOUT(backend.processesOf(node.name).contains(daemon), 5000);
        QVERIFY(backend.processesOf(node.name).contains(main));
        if (!wantsTreeWalk()) {
            QVERIFY(!backend.cgroupOf(node.name).isEmpty());
            QVERIFY(CgroupV2::pids(backend.cgroupOf(node.name)).contains(daemon));
        }

        // pause freezes both, resume thaws both
        QSignalSpy actions(&backend, &StackBackend::actionFinished);
        backend.pause(node.name);
        QVERIFY(actions.wait(5000));
        QVERIFY(actions.last().at(2).toBool());
        QCOMPARE(backend.status(node.name).state, State::Paused);
        QTRY_VERIFY_WITH_TIMEOUT(isStopped(main), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(isStopped(daemon), 5000);
        backend.resume(node.name);
        QVERIFY(actions.wait(5000));
        QCOMPARE(backend.status(node.name).state, State::Running);
        QTRY_VERIFY_WITH_TIMEOUT(!isStopped(main) && !isStopped(daemon), 5000);

        if (round == 0) {
            // kill takes both; the action reports once applied, the exit follows as a status
            backend.kill(node.name);
            QVERIFY(actions.wait(5000));
            QCOMPARE(actions.last().at(1).toString(), QStringLiteral("kill"));
            QVERIFY(actions.last().at(2).toBool());
            QTRY_COMPARE_WITH_TIMEOUT(backend.status(node.name).state, State::Exited, 5000);
            QCOMPARE(backend.status(node.name).exitCode, 128 + SIGKILL);
            QTRY_VERIFY2_WITH_TIMEOUT(isGone(daemon), qPrintable(describe(daemon)), 5000);
            QVERIFY(isGone(main));
            backend.start(node.name);
            QVERIFY(actions.wait(5000));
            QVERIFY2(actions.last().at(2).toBool(), qPrintable(actions.last().at(3).toString()));
        } else {
            // nothing of it survives stack down, paused or not
            backend.pause(node.name);
            QVERIFY(actions.wait(5000));
            const QString cgroup = backend.cgroupOf(node.name);
            QVERIFY(bringDown(&backend));
            QVERIFY2(isGone(main), qPrintable(describe(main)));
            QVERIFY2(isGone(daemon), qPrintable(describe(daemon)));
            QVERIFY(backend.processesOf(node.name).isEmpty());
            if (!cgroup.isEmpty())
                QVERIFY2(!QFileInfo::exists(cgroup), qPrintable(cgroup)); // removed once empty
        }
    }
}

void TestCgroups::stopIsSigtermToTheMainProcessThenTheWholeService()
{
    // The main process ignores SIGTERM; its setsid child would die of it. stop must not signal
    // the child (a supervisor signals its main process), and must take it down after the grace.
    StackSpec spec;
    ServiceSpec node;
    node.name = QStringLiteral("stubborn");
    node.command = {QStringLiteral("sh"), QStringLiteral("-c"),
                    QStringLiteral(R"(trap '' TERM; ( setsid sh -c 'echo daemon=$$; exec sleep 300' & ); echo main=$$; while :; do sleep 0.05; done)")};
    node.stopGraceMs = 600;
    spec.services.append(node);
    ProcessStackBackend backend(spec, {}, m_runDir.path());
    backend.setLedgerDir(m_ledgerDir.path());
    QVERIFY(bringUp(&backend));
    qint64 daemon = 0;
    QTRY_VERIFY_WITH_TIMEOUT((daemon = logValue(backend.logs(node.name), QStringLiteral("daemon="))) > 0, 5000);
    const qint64 main = backend.status(node.name).pid;

    QSignalSpy actions(&backend, &StackBackend::actionFinished);
    backend.stop(node.name);
    QVERIFY(actions.wait(5000));
    QCOMPARE(actions.last().at(1).toString(), QStringLiteral("stop"));
    QVERIFY(actions.last().at(2).toBool());
    // reported at once: the grace has not run out, both still live
    QVERIFY(!isGone(main));
    QVERIFY(!isGone(daemon));
    QTRY_COMPARE_WITH_TIMEOUT(backend.status(node.name).state, State::Stopped, 10000);
    QVERIFY2(backend.status(node.name).detail.contains(QStringLiteral("SIGKILL")), qPrintable(backend.status(node.name).detail));
    QTRY_VERIFY2_WITH_TIMEOUT(isGone(daemon), qPrintable(describe(daemon)), 5000);
    QTRY_VERIFY(PidLedger(m_ledgerDir.path()).entries().isEmpty());
}

void TestCgroups::killWhilePausedThenStartRuns()
{
    StackSpec spec;
    ServiceSpec node;
    node.name = QStringLiteral("node");
    node.command = {QStringLiteral("sh"), QStringLiteral("-c"), DaemonizingScript};
    spec.services.append(node);
    ProcessStackBackend backend(spec, {}, m_runDir.path());
    backend.setLedgerDir(m_ledgerDir.path());
    QVERIFY(bringUp(&backend));
    qint64 daemon = 0;
    QTRY_VERIFY_WITH_TIMEOUT((daemon = logValue(backend.logs(node.name), QStringLiteral("daemon="))) > 0, 5000);
    QSignalSpy actions(&backend, &StackBackend::actionFinished);
    backend.pause(node.name);
    QVERIFY(actions.wait(5000));
    QTRY_VERIFY_WITH_TIMEOUT(isStopped(daemon), 5000);
    backend.kill(node.name);
    QVERIFY(actions.wait(5000));
    QTRY_COMPARE_WITH_TIMEOUT(backend.status(node.name).state, State::Exited, 5000);
    QTRY_VERIFY2_WITH_TIMEOUT(isGone(daemon), qPrintable(describe(daemon)), 5000);
    // the next incarnation runs: it does not inherit the frozen state
    backend.start(node.name);
    QVERIFY(actions.wait(5000));
    QVERIFY2(actions.last().at(2).toBool(), qPrintable(actions.last().at(3).toString()));
    const qint64 main = backend.status(node.name).pid;
    QVERIFY(main > 0);
    QTRY_VERIFY_WITH_TIMEOUT(backend.logs(node.name).size() >= 4, 5000); // main= and daemon= again
    QVERIFY(!isStopped(main));
    QVERIFY(bringDown(&backend));
    QVERIFY(isGone(main));
}

void TestCgroups::commandScopeEndsEverythingItStarted()
{
    ProcessScope scope(QStringLiteral("step-test"));
    QProcess process;
    process.setProgram(QStringLiteral("sh"));
    process.setArguments({QStringLiteral("-c"),
                          QStringLiteral("sleep 300 & echo grp=$!; setsid sleep 301 & echo esc=$!; exec sleep 302")});
    QString error;
    QVERIFY2(scope.prepare(&process, &error), qPrintable(error));
    process.start();
    QVERIFY(process.waitForStarted(5000));
    scope.setMainProcess(process.processId());
    QByteArray out;
    QTRY_VERIFY_WITH_TIMEOUT((out += process.readAllStandardOutput()).contains("esc="), 5000);
    qint64 grp = 0, esc = 0;
    for (const QByteArray &line : out.split('\n')) {
        if (line.startsWith("grp="))
            grp = line.mid(4).toLongLong();
        if (line.startsWith("esc="))
            esc = line.mid(4).toLongLong();
    }
    QVERIFY(grp > 0 && esc > 0);
    QTRY_VERIFY_WITH_TIMEOUT(scope.pids().contains(esc) && scope.pids().contains(grp), 5000);
    QCOMPARE(scope.method(), wantsTreeWalk() ? ProcessScope::Method::TreeWalk : ProcessScope::Method::Cgroup);
    const QString cgroup = scope.cgroupPath();

    QSignalSpy ended(&scope, &ProcessScope::ended);
    scope.end();
    QVERIFY(ended.wait(ProcessScope::EndTimeoutMs + 1000));
    QVERIFY(scope.isEmpty());
    // the event loop of ended.wait() may already have seen it finish
    QTRY_COMPARE_WITH_TIMEOUT(process.state(), QProcess::NotRunning, 5000);
    QCOMPARE(process.exitStatus(), QProcess::CrashExit);
    QVERIFY2(isGone(grp), qPrintable(describe(grp)));
    QVERIFY2(isGone(esc), qPrintable(describe(esc)));
    if (!cgroup.isEmpty())
        QVERIFY(!QFileInfo::exists(cgroup));
}

void TestCgroups::consoleSigkillLeavesNothing()
{
    // A stand-in console with a daemonizing service and one whose child stays in its group;
    // SIGKILL it and nothing is left within seconds, without the next start's ledger clean-up.
    const QString holderPath = QStringLiteral(HALAB_BIN_DIR "/stack_holder");
    QVERIFY(QFileInfo(holderPath).isExecutable());
    QTemporaryDir ledger;
    QVERIFY(ledger.isValid());
    const QByteArray marker = QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
    const QString env = QStringLiteral(R"("env":{"HALAB_TEST_MARK":"%1"})").arg(QString::fromLatin1(marker));
    const QString nodeJson = QStringLiteral(R"({"name":"node","command":["sh","-c","%1"],%2})").arg(DaemonizingScript, env);
    const QString groupJson = QStringLiteral(R"({"name":"group","command":["sh","-c","sleep 300 & exec sleep 301"],%1})").arg(env);

    QProcess holder;
    holder.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    holder.start(holderPath, {ledger.path(), m_runDir.path(), nodeJson, groupJson});
    QVERIFY(holder.waitForStarted(5000));
    QByteArray holderOut;
    QTRY_VERIFY_WITH_TIMEOUT((holderOut += holder.readAllStandardOutput()).contains("READY") || holder.state() != QProcess::Running,
                             UpTimeoutMs);
    QCOMPARE(holder.state(), QProcess::Running);
    // both services and the daemon run: each service's sleep 300 and sleep 301 (one is the daemon),
    // counted by the sleeps, which stay (a shell about to exec may be seen once, then not)
    QList<LabProcess> lab;
    QTRY_VERIFY_WITH_TIMEOUT(sleepsAmong(lab = labProcesses(holder.processId(), marker, {})) == 4, 5000);
    QVERIFY2(lab.size() >= 5, qPrintable(alive(lab).join(QStringLiteral("\n"))));
    const QList<PidLedger::Entry> entries = PidLedger::read(ledger.path());
    QCOMPARE(entries.size(), 2);
    for (const PidLedger::Entry &e : entries)
        QCOMPARE(e.cgroup.isEmpty(), wantsTreeWalk());

    letTheTreeWalkSeeEverything();
    QVERIFY(::kill(static_cast<pid_t>(holder.processId()), SIGKILL) == 0);
    QVERIFY(holder.waitForFinished(5000));
    QTRY_VERIFY2_WITH_TIMEOUT(alive(lab).isEmpty(), qPrintable(alive(lab).join(QStringLiteral("\n"))), GoneWithinMs);
    QVERIFY2(labProcesses(0, marker, {}).isEmpty(), "a marked process appeared after the kill");
    // the watchdog removed the console's cgroup directory too
    for (const PidLedger::Entry &e : entries)
        if (!e.cgroup.isEmpty())
            QTRY_VERIFY2_WITH_TIMEOUT(!QFileInfo::exists(QFileInfo(e.cgroup).path()), qPrintable(e.cgroup), GoneWithinMs);
    QCOMPARE(PidLedger::leftovers(ledger.path()).size(), 0);
    PidLedger::reapLeftovers(ledger.path()); // drops the dead console's entries
}

void TestCgroups::startCli(Cli &cli, const QStringList &args)
{
    QVERIFY(cli.dir.isValid());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // Everything the CLI keeps (run dir, ledger, store) lives in this test's directory.
    env.insert(QStringLiteral("XDG_DATA_HOME"), cli.runDir());
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), cli.dir.path() + QStringLiteral("/config"));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), cli.dir.path() + QStringLiteral("/cache"));
    env.insert(QStringLiteral("HALAB_TEST_MARK"), QString::fromLatin1(cli.marker));
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    cli.process.setProcessEnvironment(env);
    cli.process.setWorkingDirectory(cli.dir.path());
    cli.process.setProcessChannelMode(QProcess::MergedChannels);
    cli.process.start(QStringLiteral(HALAB_BIN_DIR "/halab-cli"),
                      QStringList{QStringLiteral("run")} + args
                          + QStringList{QStringLiteral("--store"), cli.dir.path() + QStringLiteral("/runs.sqlite")});
    QVERIFY(cli.process.waitForStarted(5000));
}

bool TestCgroups::waitForOutput(Cli &cli, const QByteArray &text, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        cli.out += cli.process.readAll();
        if (cli.out.contains(text))
            return true;
        if (cli.process.state() != QProcess::Running)
            return false;
        cli.process.waitForReadyRead(100);
    }
    return false;
}

QString TestCgroups::writeLab(const QTemporaryDir &dir, const QString &stepCommand, const QString &timeout)
{
    const QString path = dir.filePath(QStringLiteral("orphans.halab.yaml"));
    QFile lab(path);
    if (!lab.open(QIODevice::WriteOnly))
        return {};
    QString daemonizing = DaemonizingScript;
    daemonizing.replace(QStringLiteral("$$"), QStringLiteral("$$$$")); // a shell's $$ in a lab
    daemonizing.replace(QStringLiteral("'"), QStringLiteral("''"));
    QString step = stepCommand;
    step.replace(QStringLiteral("'"), QStringLiteral("''"));
    lab.write(QStringLiteral(R"(halab: 1
id: test.orphans
name: Orphans lab
stack:
  backend: processes
  services:
    node:
      command: [sh, -c, '%1']
      stop_grace: 1s
checks:
  - id: step
    title: A command step that leaves children
    mode: automated
    steps:
      - title: Leave children
        command: [sh, -c, '%2']
        timeout: %3
)").arg(daemonizing, step, timeout).toUtf8());
    return path;
}

void TestCgroups::cliSigkillMidCheckLeavesNoProcessOfTheDemoLab()
{
    if (!QFileInfo(QStringLiteral(HALAB_BIN_DIR "/halab-demo-api")).isExecutable())
        QSKIP("halab-demo-api is not built (" HALAB_BIN_DIR ")");
    Cli cli;
    // Check 7 pauses api2 for 12 s under a 50 ms probe: killed while api2 is frozen.
    startCli(cli, {QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml"), QStringLiteral("--check"), QStringLiteral("7"),
                   QStringLiteral("--set"), QStringLiteral("LB_PORT=%1").arg(freePort()),
                   QStringLiteral("--set"), QStringLiteral("API1_PORT=%1").arg(freePort()),
                   QStringLiteral("--set"), QStringLiteral("API2_PORT=%1").arg(freePort()),
                   QStringLiteral("--set"), QStringLiteral("REDIS_PORT=%1").arg(freePort())});
    QVERIFY2(waitForOutput(cli, "pause api2", UpTimeoutMs), cli.out.constData());
    letTheTreeWalkSeeEverything();
    QList<LabProcess> lab = labProcesses(cli.process.processId(), cli.marker, cli.runDir());
    QStringList names;
    for (const LabProcess &p : std::as_const(lab))
        names.append(describe(p.pid));
    const QString all = names.join(QStringLiteral("\n"));
    // redis, two API replicas, the nginx master and its worker(s), the console and its watchdog
    QVERIFY2(all.contains(QStringLiteral("nginx: worker process")), qPrintable(all));
    QVERIFY2(all.contains(QStringLiteral("redis-server")), qPrintable(all));
    QVERIFY2(all.count(QStringLiteral("halab-demo-api")) == 2, qPrintable(all));

    QVERIFY(::kill(static_cast<pid_t>(cli.process.processId()), SIGKILL) == 0);
    QVERIFY(cli.process.waitForFinished(5000));
    QTRY_VERIFY2_WITH_TIMEOUT(alive(lab).isEmpty(), qPrintable(alive(lab).join(QStringLiteral("\n"))), GoneWithinMs);
    const QList<LabProcess> after = labProcesses(0, cli.marker, cli.runDir());
    QVERIFY2(after.isEmpty(), qPrintable(alive(after).join(QStringLiteral("\n"))));
}

void TestCgroups::cliSigkillMidCommandStepLeavesNothing()
{
    Cli cli;
    const QString lab = writeLab(cli.dir, QStringLiteral("sleep 302 & setsid sleep 303 & echo children-started >&2; exec sleep 304"),
                                 QStringLiteral("5m"));
    QVERIFY(!lab.isEmpty());
    startCli(cli, {lab});
    QVERIFY2(waitForOutput(cli, "running 1 check(s)", UpTimeoutMs), cli.out.constData());
    // the step's three sleeps and the service's two are running
    QList<LabProcess> procs;
    QTRY_VERIFY_WITH_TIMEOUT(sleepsAmong(procs = labProcesses(cli.process.processId(), cli.marker, cli.runDir())) == 5, 10000);
    letTheTreeWalkSeeEverything();

    QVERIFY(::kill(static_cast<pid_t>(cli.process.processId()), SIGKILL) == 0);
    QVERIFY(cli.process.waitForFinished(5000));
    QTRY_VERIFY2_WITH_TIMEOUT(alive(procs).isEmpty(), qPrintable(alive(procs).join(QStringLiteral("\n"))), GoneWithinMs);
    const QList<LabProcess> after = labProcesses(0, cli.marker, cli.runDir());
    QVERIFY2(after.isEmpty(), qPrintable(alive(after).join(QStringLiteral("\n"))));
}

void TestCgroups::cliSigtermExitsOnlyAfterItsProcessesAreGone()
{
    Cli cli;
    const QString lab = writeLab(cli.dir, QStringLiteral("sleep 302 & setsid sleep 303 & exec sleep 304"), QStringLiteral("5m"));
    QVERIFY(!lab.isEmpty());
    startCli(cli, {lab});
    QVERIFY2(waitForOutput(cli, "running 1 check(s)", UpTimeoutMs), cli.out.constData());
    // The step's three sleeps and the service's two, the console and its watchdog. Counted by the
    // sleeps: a shell about to exec is in the tree for an instant, and the macro asks again.
    QList<LabProcess> procs;
    QTRY_VERIFY_WITH_TIMEOUT(sleepsAmong(procs = labProcesses(cli.process.processId(), cli.marker, cli.runDir())) == 5, 10000);
    QVERIFY2(procs.size() >= 7, qPrintable(alive(procs).join(QStringLiteral("\n"))));

    QVERIFY(::kill(static_cast<pid_t>(cli.process.processId()), SIGTERM) == 0);
    QVERIFY(cli.process.waitForFinished(UpTimeoutMs));
    cli.out += cli.process.readAll();
    QCOMPARE(cli.process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(cli.process.exitCode(), 3); // aborted
    // At the CLI's exit every process it started is already gone; only its watchdog may still
    // be on its way out.
    QStringList left;
    for (const LabProcess &p : std::as_const(procs))
        if (ProcessTree::isAlive(p.pid, p.startTime) && procFile(p.pid, "comm").trimmed() != "halab-watchdog")
            left.append(describe(p.pid));
    QVERIFY2(left.isEmpty(), qPrintable(left.join(QStringLiteral("\n")) + QStringLiteral("\n") + QString::fromUtf8(cli.out)));
    QTRY_VERIFY2_WITH_TIMEOUT(alive(procs).isEmpty(), qPrintable(alive(procs).join(QStringLiteral("\n"))), GoneWithinMs);
}

void TestCgroups::stepTimeoutEndsWhatTheStepStarted()
{
    Cli cli;
    const QString pidFile = cli.dir.filePath(QStringLiteral("step-pids"));
    const QString lab = writeLab(cli.dir,
                                 QStringLiteral("sleep 302 & echo $! > %1; setsid sleep 303 & echo $! >> %1; wait").arg(pidFile),
                                 QStringLiteral("1s"));
    QVERIFY(!lab.isEmpty());
    startCli(cli, {lab});
    QVERIFY(cli.process.waitForFinished(UpTimeoutMs));
    cli.out += cli.process.readAll();
    QVERIFY2(cli.out.contains("timed out"), cli.out.constData());
    QFile pids(pidFile);
    QVERIFY(pids.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = pids.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    for (const QByteArray &line : lines) {
        const qint64 pid = line.toLongLong();
        QVERIFY(pid > 1);
        // never left running: ended with the step's timeout / the check, before the CLI exits
        QVERIFY2(isGone(pid) || procFile(pid, "environ").split('\0').indexOf(QByteArray("HALAB_TEST_MARK=") + cli.marker) < 0,
                 qPrintable(describe(pid)));
    }
    const QList<LabProcess> after = labProcesses(0, cli.marker, cli.runDir());
    QTRY_VERIFY2_WITH_TIMEOUT(alive(after).isEmpty(), qPrintable(alive(after).join(QStringLiteral("\n"))), GoneWithinMs);

    // the run log says how the console reached the processes
    QProcess report;
    report.setProcessEnvironment(cli.process.processEnvironment());
    const QString markdown = cli.dir.filePath(QStringLiteral("run.md"));
    report.start(QStringLiteral(HALAB_BIN_DIR "/halab-cli"),
                 {QStringLiteral("report"), QStringLiteral("--latest"), QStringLiteral("--format"), QStringLiteral("markdown"),
                  QStringLiteral("-o"), markdown, QStringLiteral("--store"), cli.dir.path() + QStringLiteral("/runs.sqlite")});
    QVERIFY(report.waitForFinished(UpTimeoutMs));
    QCOMPARE(report.exitCode(), 0);
    QFile log(markdown);
    QVERIFY(log.open(QIODevice::ReadOnly));
    const QByteArray text = log.readAll();
    // The run log's environment list says which method ended the processes ("- **Process control:** …").
    const QRegularExpression method(wantsTreeWalk() ? QStringLiteral("Process control:\\W*process tree walk")
                                                    : QStringLiteral("Process control:\\W*cgroup v2 \\("));
    QVERIFY2(method.match(QString::fromUtf8(text)).hasMatch(), text.constData());
}

void TestCgroups::aStepsBackgroundProcessRunsUntilTheCheckEnds()
{
    // A step may start something on purpose (a load generator): it lives through later steps
    // (a wait's deadline must not end it) and ends with the check.
    Cli cli;
    const QString pidFile = cli.dir.filePath(QStringLiteral("bg-pid"));
    const QString path = cli.dir.filePath(QStringLiteral("bg.halab.yaml"));
    QFile lab(path);
    QVERIFY(lab.open(QIODevice::WriteOnly));
    lab.write(QStringLiteral(R"LAB(halab: 1
id: test.orphans.bg
name: Background lab
stack:
  backend: processes
  services:
    idle:
      command: [sleep, "300"]
checks:
  - id: bg
    title: A step leaves a process running on purpose
    mode: automated
    steps:
      - command: [sh, -c, 'setsid sleep 305 > /dev/null 2>&1 & echo $$! > %1']
        expect_exit: 0
      - wait: 1s
      - title: Still running after the wait (a zombie answers kill -0, so read its state)
        command: [sh, -c, 'grep -q "^State:[[:space:]]*[RSD]" "/proc/$$(cat %1)/status"']
        expect_exit: 0
)LAB").arg(pidFile).toUtf8());
    lab.close();
    startCli(cli, {path});
    QVERIFY(cli.process.waitForFinished(UpTimeoutMs));
    cli.out += cli.process.readAll();
    QVERIFY2(cli.process.exitStatus() == QProcess::NormalExit && cli.process.exitCode() == 0, cli.out.constData());
    QFile pids(pidFile);
    QVERIFY(pids.open(QIODevice::ReadOnly));
    const qint64 pid = pids.readAll().trimmed().toLongLong();
    QVERIFY(pid > 1);
    QVERIFY2(isGone(pid), qPrintable(describe(pid))); // ended with the check, before the CLI exited
}

QTEST_GUILESS_MAIN(TestCgroups)
#include "tst_cgroups.moc"
