// ScenarioRunner driven headless against a fake stack backend: one row per step kind, abort
// rolls every fault back, role targets resolve, wait timeouts, the ledger is written first.
#include "fakestackbackend.h"
#include "faultledger.h"
#include "labcontext.h"
#include "labparser.h"
#include "scenariorunner.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>
#include <QTest>

#include <memory>

namespace {
// A lab with three members (api1 leads) and one check whose steps are `steps` (YAML list items).
QByteArray labText(const QByteArray &steps, const QByteArray &checkExtra = {})
{
    return QByteArray("halab: 1\nid: t.scenario\nname: scenario runner test\n"
                      "stack:\n  backend: processes\n  services:\n"
                      "    api1:\n      command: [x]\n      role: { http: \"http://127.0.0.1:9/a\", json: /r, leader_if_equals: leader }\n"
                      "    api2:\n      command: [x]\n      role: { http: \"http://127.0.0.1:9/b\", json: /r, leader_if_equals: leader }\n"
                      "    api3:\n      command: [x]\n      role: { http: \"http://127.0.0.1:9/c\", json: /r, leader_if_equals: leader }\n"
                      "checks:\n  - id: c\n    title: the check\n    mode: automated\n")
        + checkExtra + "    steps:\n" + steps;
}
} // namespace

class TestScenarioRunner : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void stepKinds_data();
    void stepKinds();
    void roleTargetsResolve_data();
    void roleTargetsResolve();
    void ledgerWrittenBeforeEachFault_data();
    void ledgerWrittenBeforeEachFault();
    void abortRollsEveryFaultBack_data();
    void abortRollsEveryFaultBack();
    void rollbackWaitsForFreshState();
    void failedUndoStaysInLedger();
    void faultUndoneByAStepIsJudgedOnce();
    void faultStepDoesNotWaitForLateActionFinished();
    void failingStepStillSummarises();
    void steadyLeaderBearsWithSilence_data();
    void steadyLeaderBearsWithSilence();
    void silentLeaderIsStillTheTarget_data();
    void silentLeaderIsStillTheTarget();
    void silentLeaderIsTheBaselineOfTheFault();

private:
    // Parses the lab, builds the runner against a fresh fake backend whose leader is api1.
    ScenarioRunner *makeRunner(const QByteArray &yaml);
    CheckResult runToEnd(ScenarioRunner *runner, int timeoutMs = 10000);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LabContext> m_context;
    std::unique_ptr<FakeStackBackend> m_backend;
    std::unique_ptr<ScenarioRunner> m_runner;
};

void TestScenarioRunner::init()
{
    m_runner.reset();
    m_backend.reset();
    m_context.reset();
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

ScenarioRunner *TestScenarioRunner::makeRunner(const QByteArray &yaml)
{
    const LabParser::Result parsed = LabParser::parseText(yaml, QStringLiteral("test.halab.yaml"));
    if (!parsed.ok()) {
        for (const auto &e : parsed.errors)
            qWarning().noquote() << e.where.toString() << e.message;
        return nullptr;
    }
    m_context = std::make_unique<LabContext>(parsed.lab, QMap<QString, QString>{});
    m_backend = std::make_unique<FakeStackBackend>(QStringList{QStringLiteral("api1"), QStringLiteral("api2"), QStringLiteral("api3")});
    m_backend->ledgerDir = m_dir->path();
    m_backend->publishRoles({{QStringLiteral("api1"), QStringLiteral("leader")},
                             {QStringLiteral("api2"), QStringLiteral("replica")},
                             {QStringLiteral("api3"), QStringLiteral("replica")}});
    m_runner = std::make_unique<ScenarioRunner>(parsed.lab.checks.first(), m_context.get(), m_backend.get());
    m_runner->setFaultLedgerDir(m_dir->path());
    return m_runner.get();
}

CheckResult TestScenarioRunner::runToEnd(ScenarioRunner *runner, int timeoutMs)
{
    QSignalSpy finished(runner, &ScenarioRunner::finished);
    runner->start();
    if (!finished.wait(timeoutMs) && finished.isEmpty())
        return {};
    return finished.first().first().value<CheckResult>();
}

void TestScenarioRunner::stepKinds_data()
{
    QTest::addColumn<QByteArray>("steps");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("summary");   // the last step's summary contains this
    QTest::addColumn<QStringList>("actions"); // what the backend was asked, in order (rollback included)

    QTest::newRow("mark") << QByteArray("      - mark: T0\n") << true << "mark T0" << QStringList();
    QTest::newRow("wait duration") << QByteArray("      - wait: 50ms\n") << true << "wait 50ms" << QStringList();
    QTest::newRow("wait leader_elected") << QByteArray("      - wait: { until: leader_elected, timeout: 1s }\n") << true
                                         << "api1 leads" << QStringList();
    QTest::newRow("wait timeout") << QByteArray("      - wait: { until: { service: api2, state: stopped }, timeout: 200ms }\n")
                                  << false << "timed out after 200ms" << QStringList();
    QTest::newRow("wait leader_changed timeout") << QByteArray("      - wait: { until: leader_changed, timeout: 150ms }\n")
                                                 << false << "timed out after 150ms" << QStringList();
    QTest::newRow("command ok") << QByteArray("      - command: [sh, -c, 'echo hi']\n") << true << "exit 0" << QStringList();
    QTest::newRow("command exit code") << QByteArray("      - command: [sh, -c, 'exit 3']\n        expect_exit: 0\n") << false
                                       << "expected 0" << QStringList();
    QTest::newRow("command timeout") << QByteArray("      - command: [sleep, '5']\n        timeout: 200ms\n") << false
                                     << "timed out after 200ms" << QStringList();
    QTest::newRow("http no answer") << QByteArray("      - http: \"http://127.0.0.1:9/x\"\n        timeout: 1s\n") << false
                                    << "http://127.0.0.1:9/x" << QStringList();
    QTest::newRow("fault kill by name") << QByteArray("      - fault: { action: kill, service: api2 }\n") << true << "kill api2"
                                        << QStringList{QStringLiteral("kill api2"), QStringLiteral("start api2")};
    QTest::newRow("fault stop by name") << QByteArray("      - fault: { action: stop, service: api3 }\n") << true << "stop api3"
                                        << QStringList{QStringLiteral("stop api3"), QStringLiteral("start api3")};
    QTest::newRow("fault pause") << QByteArray("      - fault: { action: pause, service: api2 }\n") << true << "pause api2"
                                 << QStringList{QStringLiteral("pause api2"), QStringLiteral("resume api2")};
    QTest::newRow("fault pause then resume") << QByteArray("      - fault: { action: pause, service: api2 }\n"
                                                           "      - fault: { action: resume, service: api2 }\n")
                                             << true << "resume api2"
                                             << QStringList{QStringLiteral("pause api2"), QStringLiteral("resume api2")};
    QTest::newRow("fault restart") << QByteArray("      - fault: { action: restart, service: api1 }\n") << true << "restart api1"
                                   << QStringList{QStringLiteral("restart api1")};
    QTest::newRow("log_scan") << QByteArray("      - mark: T0\n      - log_scan: { services: [api1], pattern: boom, since: T0, expect_count: 0 }\n")
                              << true << "0 matching" << QStringList();
    QTest::newRow("prompt unattended") << QByteArray("      - prompt: Look at the dashboard.\n") << true << "skipped" << QStringList();
}

void TestScenarioRunner::stepKinds()
{
    QFETCH(QByteArray, steps);
    QFETCH(bool, ok);
    QFETCH(QString, summary);
    QFETCH(QStringList, actions);
    ScenarioRunner *runner = makeRunner(labText(steps));
    QVERIFY(runner);
    const CheckResult result = runToEnd(runner);
    QVERIFY2(!runner->isRunning(), "the check did not finish");
    QVERIFY(!runner->steps().isEmpty());
    const StepOutcome last = runner->steps().last();
    QVERIFY2(last.summary.contains(summary), qPrintable(last.summary));
    QCOMPARE(last.ok, ok);
    QVERIFY2(!last.summary.contains(QStringLiteral("Operation canceled")), qPrintable(last.summary));
    QCOMPARE(result.verdict, ok ? Verdict::Pass : Verdict::Fail);
    QCOMPARE(m_backend->actions(), actions);
    // Whatever was broken is rolled back: the ledger drops settled faults of a live console.
    for (const FaultLedger::Entry &e : FaultLedger(m_dir->path()).entries())
        QFAIL(qPrintable(QStringLiteral("still outstanding: %1 %2").arg(e.action, e.service)));
}

void TestScenarioRunner::roleTargetsResolve_data()
{
    QTest::addColumn<QByteArray>("steps");
    QTest::addColumn<QStringList>("faulted"); // the services the fault steps hit, in order

    QTest::newRow("leader") << QByteArray("      - fault: { action: kill, role: leader }\n") << QStringList{QStringLiteral("api1")};
    QTest::newRow("replica") << QByteArray("      - fault: { action: kill, role: replica }\n") << QStringList{QStringLiteral("api2")};
    QTest::newRow("any") << QByteArray("      - fault: { action: pause, role: any }\n") << QStringList{QStringLiteral("api1")};
    QTest::newRow("last_faulted") << QByteArray("      - fault: { action: stop, role: leader }\n"
                                                "      - fault: { action: start, role: last_faulted }\n")
                                  << QStringList{QStringLiteral("api1"), QStringLiteral("api1")};
    QTest::newRow("service last_faulted") << QByteArray("      - fault: { action: kill, service: api3 }\n"
                                                        "      - fault: { action: start, service: last_faulted }\n")
                                          << QStringList{QStringLiteral("api3"), QStringLiteral("api3")};
}

void TestScenarioRunner::roleTargetsResolve()
{
    QFETCH(QByteArray, steps);
    QFETCH(QStringList, faulted);
    ScenarioRunner *runner = makeRunner(labText(steps));
    QVERIFY(runner);
    runToEnd(runner);
    QStringList hit;
    for (int i = 0; i < faulted.size(); ++i)
        hit.append(m_backend->calls.value(i).service);
    QCOMPARE(hit, faulted);
    for (const StepOutcome &o : runner->steps())
        QVERIFY2(o.ok, qPrintable(o.summary));
}

void TestScenarioRunner::ledgerWrittenBeforeEachFault_data()
{
    QTest::addColumn<QString>("action");
    for (const char *a : {"kill", "stop", "pause", "restart"})
        QTest::newRow(a) << QString::fromLatin1(a);
}

void TestScenarioRunner::ledgerWrittenBeforeEachFault()
{
    QFETCH(QString, action);
    ScenarioRunner *runner = makeRunner(labText(QStringLiteral("      - fault: { action: %1, service: api2 }\n"
                                                               "      - fault: { action: %1, service: api3 }\n").arg(action).toUtf8()));
    QVERIFY(runner);
    runToEnd(runner);
    int faults = 0;
    for (const FakeStackBackend::Call &c : std::as_const(m_backend->calls)) {
        if (c.action != action)
            continue;
        ++faults;
        QVERIFY2(c.ledgerHadIt, qPrintable(QStringLiteral("%1 %2 reached the stack before the ledger named it").arg(c.action, c.service)));
    }
    QCOMPARE(faults, 2);
}

void TestScenarioRunner::abortRollsEveryFaultBack_data()
{
    QTest::addColumn<QByteArray>("steps");
    QTest::addColumn<QStringList>("undo"); // the rollback calls, newest fault first

    QTest::newRow("kill") << QByteArray("      - fault: { action: kill, service: api2 }\n") << QStringList{QStringLiteral("start api2")};
    QTest::newRow("stop pause") << QByteArray("      - fault: { action: stop, service: api2 }\n"
                                              "      - fault: { action: pause, service: api3 }\n")
                                << QStringList{QStringLiteral("resume api3"), QStringLiteral("start api2")};
    QTest::newRow("kill leader, pause, restart")
        << QByteArray("      - fault: { action: kill, role: leader }\n"
                      "      - fault: { action: pause, service: api2 }\n"
                      "      - fault: { action: restart, service: api3 }\n")
        << QStringList{QStringLiteral("restart api3"), QStringLiteral("resume api2"), QStringLiteral("start api1")};
}

void TestScenarioRunner::abortRollsEveryFaultBack()
{
    QFETCH(QByteArray, steps);
    QFETCH(QStringList, undo);
    ScenarioRunner *runner = makeRunner(labText(steps + "      - wait: 30s\n"));
    QVERIFY(runner);
    QSignalSpy started(runner, &ScenarioRunner::stepStarted);
    QSignalSpy finished(runner, &ScenarioRunner::finished);
    runner->start();
    const int waitStep = int(undo.size());
    QTRY_VERIFY(!started.isEmpty() && started.last().first().toInt() == waitStep);
    const qsizetype before = m_backend->calls.size();
    runner->abort();
    QVERIFY(finished.wait(5000) || !finished.isEmpty());
    QCOMPARE(finished.first().first().value<CheckResult>().verdict, Verdict::Aborted);
    QCOMPARE(m_backend->actions().mid(before), undo);
    // Every fault was in the ledger before it was applied, and is settled (dropped) now.
    QCOMPARE(before, undo.size());
    for (qsizetype i = 0; i < before; ++i)
        QVERIFY(m_backend->calls.at(i).ledgerHadIt);
    QCOMPARE(FaultLedger(m_dir->path()).entries().size(), 0);
}

void TestScenarioRunner::rollbackWaitsForFreshState()
{
    ScenarioRunner *runner = makeRunner(labText("      - fault: { action: kill, service: api2 }\n      - wait: 30s\n"));
    QVERIFY(runner);
    m_backend->holdStartStatus = true; // start() says ok at once; "running" arrives 300 ms later
    QSignalSpy started(runner, &ScenarioRunner::stepStarted);
    QSignalSpy finished(runner, &ScenarioRunner::finished);
    runner->start();
    QTRY_VERIFY(!started.isEmpty() && started.last().first().toInt() == 1);
    runner->abort();
    // The undo was asked for and answered ok, but the service is not running yet: not rolled back.
    QTRY_VERIFY(m_backend->actions().contains(QStringLiteral("start api2")));
    QTest::qWait(100);
    QCOMPARE(FaultLedger(m_dir->path()).entries().size(), 1);
    QCOMPARE(FaultLedger(m_dir->path()).entries().value(0).rolledBack, false);
    QVERIFY(finished.isEmpty());
    QVERIFY(finished.wait(5000) || !finished.isEmpty());
    QCOMPARE(FaultLedger(m_dir->path()).entries().size(), 0); // confirmed running: settled
}

void TestScenarioRunner::faultUndoneByAStepIsJudgedOnce()
{
    // A later step already started the killed member, so the rollback has only to confirm it
    // running. Status reports keep coming meanwhile (a real backend's role polling): one of them
    // between that confirmation and the next rollback step confirmed it again, and the check
    // was judged (finished) twice, which made halab-cli start the next check twice and skip one.
    ScenarioRunner *runner = makeRunner(labText("      - fault: { action: kill, service: api2 }\n"
                                                "      - fault: { action: start, service: api2 }\n"));
    QVERIFY(runner);
    QTimer storm;
    storm.setInterval(0);
    connect(&storm, &QTimer::timeout, m_backend.get(), [this] {
        m_backend->publishRoles({{QStringLiteral("api1"), QStringLiteral("leader")},
                                 {QStringLiteral("api2"), QStringLiteral("replica")},
                                 {QStringLiteral("api3"), QStringLiteral("replica")}});
    });
    QSignalSpy finished(runner, &ScenarioRunner::finished);
    storm.start();
    runner->start();
    QVERIFY(finished.wait(5000) || !finished.isEmpty());
    QTest::qWait(200); // a second judgement would come on the next turns of the event loop
    storm.stop();
    QCOMPARE(finished.size(), 1);
    QCOMPARE(FaultLedger(m_dir->path()).entries().size(), 0);
}

void TestScenarioRunner::failedUndoStaysInLedger()
{
    ScenarioRunner *runner = makeRunner(labText("      - fault: { action: kill, service: api2 }\n"));
    QVERIFY(runner);
    m_backend->failStarts = true;
    const CheckResult result = runToEnd(runner);
    QCOMPARE(FaultLedger(m_dir->path()).entries().size(), 1);
    QCOMPARE(FaultLedger(m_dir->path()).entries().first().rolledBack, false);
    QVERIFY2(result.note.contains(QStringLiteral("rollback of kill api2")), qPrintable(result.note));
}

void TestScenarioRunner::faultStepDoesNotWaitForLateActionFinished()
{
    ScenarioRunner *runner = makeRunner(labText("      - fault: { action: stop, role: leader }\n"
                                                "      - wait: { until: leader_changed, timeout: 5s }\n"));
    QVERIFY(runner);
    m_backend->actionFinishedDelayMs = 3000; // e.g. a backend that reports only after the exit
    QSignalSpy stepDone(runner, &ScenarioRunner::stepFinished);
    QSignalSpy finished(runner, &ScenarioRunner::finished);
    runner->start();
    QTRY_COMPARE_WITH_TIMEOUT(stepDone.size(), 1, 1000); // the fault step ends once the stack acted
    QVERIFY(stepDone.first().first().value<StepOutcome>().ok);
    // The timeline goes on: a new leader is seen while the old member's answer is still pending.
    m_backend->publishRoles({{QStringLiteral("api2"), QStringLiteral("leader")}, {QStringLiteral("api3"), QStringLiteral("replica")}});
    QTRY_COMPARE_WITH_TIMEOUT(stepDone.size(), 2, 1000);
    const StepOutcome wait = stepDone.at(1).first().value<StepOutcome>();
    QVERIFY2(wait.ok && wait.summary.contains(QStringLiteral("api1 → api2")), qPrintable(wait.summary));
    QVERIFY(finished.wait(10000) || !finished.isEmpty());
    bool exitEvent = false;
    for (const RunEvent &e : runner->metrics().events())
        exitEvent = exitEvent || (e.kind == RunEvent::Kind::ServiceState && e.service == QLatin1String("api1") && e.action == QLatin1String("stopped"));
    QVERIFY2(exitEvent, "the stop's effect is an event on the timeline");
    QVERIFY(runner->metrics().compute().contains(QStringLiteral("failover_ms")));
}

void TestScenarioRunner::failingStepStillSummarises()
{
    ScenarioRunner *runner = makeRunner(labText("      - command: [sh, -c, 'sleep 0.5; exit 1']\n        expect_exit: 0\n      - fault: { action: kill, service: api2 }\n",
                                                "    probes:\n      - { id: p, tcp: \"127.0.0.1:9\", every: 100ms, timeout: 100ms }\n"
                                                "    expect:\n      - failover_ms <= 1000\n      - p.availability_pct >= 0\n"));
    QVERIFY(runner);
    const CheckResult result = runToEnd(runner);
    // FAIL, or INCONCLUSIVE when a loaded host started the probe late: never a pass.
    QVERIFY2(result.verdict != Verdict::Pass && result.verdict != Verdict::Error, qPrintable(VerdictText::toString(result.verdict)));
    QCOMPARE(runner->steps().size(), 1); // the fault after the failure never ran
    QVERIFY(m_backend->calls.isEmpty());
    QCOMPARE(result.metrics.value(QStringLiteral("stopped_at_step")), 1.0);
    QVERIFY(result.metrics.contains(QStringLiteral("p.availability_pct"))); // probes summarised up to there
    QVERIFY2(result.note.contains(QStringLiteral("failover_ms was not measured")), qPrintable(result.note));
}

void TestScenarioRunner::steadyLeaderBearsWithSilence_data()
{
    // Role rounds every 100 ms during a 3 s `steady: leader` wait; from 300 ms on, for silentMs,
    // api1 (the leader) is answered as `then` says; afterwards it leads again.
    QTest::addColumn<QString>("then"); // "silent": no answer; "replica": answers replica; "api2": api2 leads
    QTest::addColumn<int>("silentMs");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("summary");
    QTest::newRow("a slow role API is not a change") << "silent" << 600 << true << "api1 unchanged for 3s";
    QTest::newRow("a leader silent past the grace") << "silent" << 5000 << false << "api1 did not answer its role probe";
    // Its answer to an earlier round still out: the rounds did not ask it (no silence, however long).
    QTest::newRow("a leader not asked") << "unasked" << 2000 << true << "api1 unchanged for 3s";
    QTest::newRow("an answer of no leader") << "replica" << 600 << false << "leader changed api1 → none";
    QTest::newRow("another member leads") << "api2" << 600 << false << "leader changed api1 → api2";
}

void TestScenarioRunner::steadyLeaderBearsWithSilence()
{
    QFETCH(QString, then);
    QFETCH(int, silentMs);
    QFETCH(bool, ok);
    QFETCH(QString, summary);
    ScenarioRunner *runner = makeRunner(labText("      - wait: { until: { steady: leader, for: 3s } }\n"));
    QVERIFY(runner);
    QElapsedTimer clock;
    QTimer rounds;
    rounds.setInterval(100);
    connect(&rounds, &QTimer::timeout, this, [&] {
        const qint64 t = clock.elapsed();
        QMap<QString, QString> roles{{QStringLiteral("api1"), QStringLiteral("leader")},
                                     {QStringLiteral("api2"), QStringLiteral("replica")},
                                     {QStringLiteral("api3"), QStringLiteral("replica")}};
        if (t >= 300 && t < 300 + silentMs) {
            if (then == QLatin1String("unasked")) {
                roles.remove(QStringLiteral("api1"));
                m_backend->publishRoles(roles, QStringLiteral("members"), {QStringLiteral("api1")});
                return;
            }
            if (then == QLatin1String("silent"))
                roles.remove(QStringLiteral("api1"));
            else if (then == QLatin1String("replica"))
                roles.insert(QStringLiteral("api1"), QStringLiteral("replica"));
            else
                roles = {{QStringLiteral("api1"), QStringLiteral("replica")}, {QStringLiteral("api2"), QStringLiteral("leader")},
                         {QStringLiteral("api3"), QStringLiteral("replica")}};
        }
        m_backend->publishRoles(roles);
    });
    clock.start();
    rounds.start();
    const CheckResult result = runToEnd(runner);
    rounds.stop();
    QVERIFY2(!runner->isRunning(), "the check did not finish");
    QCOMPARE(runner->steps().size(), 1);
    const StepOutcome step = runner->steps().first();
    QVERIFY2(step.ok == ok && step.summary.contains(summary), qPrintable(step.summary));
    QCOMPARE(result.verdict == Verdict::Pass, ok);
    if (then == QLatin1String("unasked"))
        for (const RunEvent &e : runner->metrics().events())
            QVERIFY2(e.kind != RunEvent::Kind::RoleChange || e.service == QLatin1String("api1"), "a round that did not ask the leader changed it");
}

void TestScenarioRunner::silentLeaderIsStillTheTarget_data()
{
    // api1 leads in a round 50 ms after the start; from 150 ms on its role probe gets no answer
    // (nobody else leads); `fault: {role: leader}` comes after waitMs.
    QTest::addColumn<int>("waitMs");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("summary");
    QTest::newRow("silent for a moment") << 400 << true << "kill api1";
    QTest::newRow("silent past the grace") << 2500 << false << "the last leader api1 has not answered its role probe";
}

void TestScenarioRunner::silentLeaderIsStillTheTarget()
{
    QFETCH(int, waitMs);
    QFETCH(bool, ok);
    QFETCH(QString, summary);
    ScenarioRunner *runner = makeRunner(labText(QByteArray("      - wait: ") + QByteArray::number(waitMs)
                                                + "ms\n      - fault: { action: kill, role: leader }\n"));
    QVERIFY(runner);
    QElapsedTimer clock;
    QTimer rounds;
    rounds.setInterval(50);
    connect(&rounds, &QTimer::timeout, this, [&] {
        QMap<QString, QString> roles{{QStringLiteral("api2"), QStringLiteral("replica")}, {QStringLiteral("api3"), QStringLiteral("replica")}};
        if (clock.elapsed() < 150)
            roles.insert(QStringLiteral("api1"), QStringLiteral("leader"));
        m_backend->publishRoles(roles);
    });
    clock.start();
    rounds.start();
    runToEnd(runner);
    rounds.stop();
    QVERIFY2(!runner->isRunning(), "the check did not finish");
    QCOMPARE(runner->steps().size(), 2);
    const StepOutcome fault = runner->steps().at(1);
    QVERIFY2(fault.ok == ok && fault.summary.contains(summary), qPrintable(fault.summary));
    QCOMPARE(!m_backend->calls.isEmpty() && m_backend->calls.first().action == QLatin1String("kill")
                 && m_backend->calls.first().service == QLatin1String("api1"),
             ok);
}

void TestScenarioRunner::silentLeaderIsTheBaselineOfTheFault()
{
    // api1 leads; from 150 ms its role probe gets no answer; `fault: {role: leader}` at ~250 ms
    // hits it; from 400 ms it answers "leader" again (an isolated leader that has not stepped down
    // yet), from 1000 ms api2 leads. The change is api1 → api2, not "none → api1" at 400 ms.
    ScenarioRunner *runner = makeRunner(labText("      - wait: 250ms\n"
                                                "      - fault: { action: pause, role: leader }\n"
                                                "      - wait: { until: leader_changed, timeout: 5s }\n"));
    QVERIFY(runner);
    QElapsedTimer clock;
    QTimer rounds;
    rounds.setInterval(50);
    connect(&rounds, &QTimer::timeout, this, [&] {
        const qint64 t = clock.elapsed();
        QMap<QString, QString> roles{{QStringLiteral("api2"), QStringLiteral("replica")}, {QStringLiteral("api3"), QStringLiteral("replica")}};
        if (t < 150 || (t >= 400 && t < 1000))
            roles.insert(QStringLiteral("api1"), QStringLiteral("leader"));
        if (t >= 1000)
            roles.insert(QStringLiteral("api2"), QStringLiteral("leader"));
        m_backend->publishRoles(roles);
    });
    clock.start();
    rounds.start();
    const CheckResult result = runToEnd(runner);
    rounds.stop();
    QVERIFY2(!runner->isRunning(), "the check did not finish");
    QCOMPARE(runner->steps().size(), 3);
    QVERIFY2(runner->steps().at(1).summary.contains(QStringLiteral("pause api1")), qPrintable(runner->steps().at(1).summary));
    const StepOutcome wait = runner->steps().at(2);
    QVERIFY2(wait.ok && wait.summary.contains(QStringLiteral("api1 → api2")), qPrintable(wait.summary));
    QVERIFY2(result.metrics.contains(QStringLiteral("failover_ms")), "the fault hit the leader: a failover to measure");
}

QTEST_GUILESS_MAIN(TestScenarioRunner)
#include "tst_scenariorunner.moc"
