// A check whose step fails: the steps stop, but the probes are summarised up to that point, the
// result says where the check stopped, and expectations over saved text are judged by the runner.
// Real parts: the probe engine against a real TCP listener, real `sh` command steps.
#include "labcontext.h"
#include "scenariorunner.h"

#include <QTcpServer>
#include <QTest>

namespace {

StepSpec command(const QString &script, int expectExit = 0)
{
    StepSpec s;
    s.kind = StepSpec::Kind::Command;
    s.argv = {QStringLiteral("sh"), QStringLiteral("-c"), script};
    s.expectExit = expectExit;
    s.timeoutMs = 10'000;
    return s;
}

Expectation expectation(const QString &metric, Expectation::Op op, double bound, const QString &text)
{
    Expectation e;
    e.metric = metric;
    e.op = op;
    e.bound = bound;
    e.text = text;
    return e;
}

} // namespace

class TestStoppedCheck : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void probesAreSummarisedUpToTheFailedStep()
    {
        QTcpServer listener;
        QVERIFY(listener.listen(QHostAddress::LocalHost, 0)); // a free port: other tests run beside this one

        CheckSpec check;
        check.id = QStringLiteral("stops");
        check.title = QStringLiteral("stops at step 2");
        ProbeSpec probe;
        probe.id = QStringLiteral("lb");
        probe.kind = ProbeSpec::Kind::Tcp;
        probe.address = QStringLiteral("127.0.0.1:%1").arg(listener.serverPort());
        probe.intervalMs = 50;
        probe.timeoutMs = 1000;
        check.probes = {probe};
        StepSpec save = command(QStringLiteral("sleep 0.4; echo NOQUORUM 1 usable"));
        save.regex = QStringLiteral("^(\\S+)");
        save.saveAs = QStringLiteral("ckquorum");
        StepSpec never = command(QStringLiteral("echo never"));
        StepSpec token = command(QStringLiteral("echo minted-token-123"));
        token.regex = QStringLiteral("(\\S+)");
        token.saveAs = QStringLiteral("token");
        check.steps = {save, token, command(QStringLiteral("exit 3")), never};
        Expectation quorum;
        quorum.metric = QStringLiteral("ckquorum");
        quorum.op = Expectation::Op::Equal;
        quorum.right = Expectation::Operand::Text;
        quorum.rightText = QStringLiteral("NOQUORUM");
        quorum.text = QStringLiteral("ckquorum == \"NOQUORUM\"");
        check.expectations = {quorum, expectation(QStringLiteral("lb.availability_pct"), Expectation::Op::GreaterEqual, 99, QStringLiteral("lb.availability_pct >= 99")),
                              expectation(QStringLiteral("failover_ms"), Expectation::Op::LessEqual, 5000, QStringLiteral("failover_ms <= 5s"))};

        Lab lab;
        LabContext context(lab, {});
        ScenarioRunner runner(check, &context, nullptr);
        bool finished = false;
        connect(&runner, &ScenarioRunner::finished, this, [&finished] { finished = true; });
        runner.start();
        QTRY_VERIFY_WITH_TIMEOUT(finished, 30'000);
        const CheckResult r = runner.result();

        QCOMPARE(r.verdict, Verdict::Fail);
        QCOMPARE(r.stoppedAtStep, 2);
        QCOMPARE(runner.steps().size(), 3); // the fourth step never ran
        // The probe ran until the check stopped (~0.4 s at 50 ms) and is summarised.
        QVERIFY2(r.metrics.value(QStringLiteral("lb.probes_total")) >= 3, qPrintable(QString::number(r.metrics.value(QStringLiteral("lb.probes_total")))));
        QCOMPARE(r.metrics.value(QStringLiteral("lb.availability_pct")), 100.0);
        QVERIFY(r.intervals.contains(QStringLiteral("lb.longest_outage_ms")));
        QCOMPARE(r.saved.value(QStringLiteral("ckquorum")), QStringLiteral("NOQUORUM"));
        QVERIFY(!r.saved.contains(QStringLiteral("token"))); // no expectation compares it: not kept in the result
        QCOMPARE(r.failures.size(), 2);
        QVERIFY2(r.failures.at(0).startsWith(QStringLiteral("step 3: sh -c exit 3 → exit 3")), qPrintable(r.failures.at(0)));
        QCOMPARE(r.failures.at(1), QStringLiteral("failover_ms <= 5s: failover_ms was not measured"));
    }
};

QTEST_GUILESS_MAIN(TestStoppedCheck)
#include "tst_stoppedcheck.moc"
