// Judging a finished check: expectations over numbers, text and saved values (parsed from a lab),
// failure lines that name the left value, the right value and the operator, and the verdict rules
// (ERROR when aborted, INCONCLUSIVE when the console was overloaded, else PASS / FAIL).
#include "checkjudgement.h"
#include "expectationoutcome.h"
#include "labparser.h"

#include <QTest>

namespace {

QByteArray labWith(const QByteArray &expect)
{
    return "halab: 1\n"
           "name: judged\n"
           "stack:\n"
           "  backend: processes\n"
           "  services:\n"
           "    web:\n"
           "      command: [nginx]\n"
           "checks:\n"
           "  - id: c\n"
           "    title: c\n"
           "    probes:\n"
           "      - { id: lb, http: \"http://127.0.0.1:1/\", every: 50ms }\n"
           "    steps:\n"
           "      - { command: [sh, -c, 'echo x'], json: /a, save_as: master_before }\n"
           "      - { command: [sh, -c, 'echo x'], regex: '(.*)', save_as: master_after }\n"
           "      - { command: [sh, -c, 'echo x'], regex: '(.*)', save_as: ckquorum }\n"
           "    expect:\n"
           + expect;
}

QList<Expectation> parsed(const QByteArray &expect, QStringList *errors = nullptr)
{
    const LabParser::Result r = LabParser::parseText(labWith(expect), QStringLiteral("judged.yaml"));
    if (errors)
        for (const LabDiagnostic &d : r.errors)
            errors->append(d.toString());
    return r.lab.checks.isEmpty() ? QList<Expectation>() : r.lab.checks.first().expectations;
}

} // namespace

class TestCheckJudgement : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesTextAndNames()
    {
        QStringList errors;
        const QList<Expectation> e = parsed("      - ckquorum == \"NOQUORUM\"\n"
                                            "      - master_after == master_before\n"
                                            "      - failover_count == 0\n"
                                            "      - leader_regressions == 0\n"
                                            "      - ckquorum != 'OK \"quoted\"'\n"
                                            "      - lb.availability_pct >= 99\n"
                                            "      - leaderless_ms < 2s\n",
                                            &errors);
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join(QLatin1Char('\n'))));
        QCOMPARE(e.size(), 7);
        QCOMPARE(e.at(0).right, Expectation::Operand::Text);
        QCOMPARE(e.at(0).rightText, QStringLiteral("NOQUORUM"));
        QCOMPARE(e.at(1).right, Expectation::Operand::Name);
        QCOMPARE(e.at(1).rightText, QStringLiteral("master_before"));
        QCOMPARE(e.at(2).right, Expectation::Operand::Number);
        QCOMPARE(e.at(3).metric, QStringLiteral("leader_regressions"));
        QCOMPARE(e.at(4).rightText, QStringLiteral("OK \"quoted\""));
        QCOMPARE(e.at(4).op, Expectation::Op::NotEqual);
        QCOMPARE(e.at(6).bound, 2000.0);
    }

    void rejectsWhatCannotBeJudged_data()
    {
        QTest::addColumn<QByteArray>("expect");
        QTest::addColumn<QString>("error");
        QTest::newRow("order on text") << QByteArray("      - ckquorum < \"NOQUORUM\"\n") << QStringLiteral("18:9: expectation 'ckquorum < \"NOQUORUM\"' in check 'c' compares text: use == or !=");
        QTest::newRow("unknown right name") << QByteArray("      - master_after == master_befor\n")
                                            << QStringLiteral("18:9: unknown metric 'master_befor' in check 'c' (did you mean 'master_before'?)");
        QTest::newRow("unclosed quote") << QByteArray("      - 'ckquorum == \"NOQUORUM'\n") << QStringLiteral("must read 'metric op number'");
    }

    void rejectsWhatCannotBeJudged()
    {
        QFETCH(QByteArray, expect);
        QFETCH(QString, error);
        QStringList errors;
        parsed(expect, &errors);
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors.first().contains(error), qPrintable(errors.first()));
    }

    void judgesTextAndSavedValues()
    {
        const QList<Expectation> e = parsed("      - ckquorum == \"NOQUORUM\"\n"
                                            "      - master_after == master_before\n"
                                            "      - failover_count == 0\n"
                                            "      - lb.availability_pct >= 99\n");
        QCOMPARE(e.size(), 4);
        const QMap<QString, double> metrics = {{QStringLiteral("failover_count"), 1}, {QStringLiteral("lb.availability_pct"), 41.4}};
        QMap<QString, QString> saved = {{QStringLiteral("ckquorum"), QStringLiteral("NOQUORUM")},
                                        {QStringLiteral("master_before"), QStringLiteral("10.0.0.1 6379")},
                                        {QStringLiteral("master_after"), QStringLiteral("10.0.0.1 6379")}};
        QVERIFY(ExpectationOutcome::judge(e.at(0), metrics, saved).passed);
        QVERIFY(ExpectationOutcome::judge(e.at(1), metrics, saved).passed);

        saved[QStringLiteral("ckquorum")] = QStringLiteral("OK 3 usable Sentinels");
        saved[QStringLiteral("master_after")] = QStringLiteral("10.0.0.2 6379");
        const QStringList expected = {
            QStringLiteral("ckquorum == \"NOQUORUM\": ckquorum \"OK 3 usable Sentinels\" != \"NOQUORUM\""),
            QStringLiteral("master_after == master_before: master_after \"10.0.0.2 6379\" != master_before \"10.0.0.1 6379\""),
            QStringLiteral("failover_count == 0: failover_count 1 != 0"),
            QStringLiteral("lb.availability_pct >= 99: lb.availability_pct 41.4 < 99"),
        };
        for (int i = 0; i < e.size(); ++i) {
            const ExpectationOutcome o = ExpectationOutcome::judge(e.at(i), metrics, saved);
            QVERIFY(o.evaluated && o.measured && !o.passed);
            QCOMPARE(o.failureText(), expected.at(i));
            // Stored failure lines parse back to the same expectation (rejudge and exports without the lab rely on it).
            const std::optional<ExpectationOutcome> back = ExpectationOutcome::fromFailure(o.failureText());
            QVERIFY2(back, qPrintable(o.failureText()));
            QCOMPARE(back->text, o.text);
            QCOMPARE(back->metric, o.metric);
            QCOMPARE(back->op, e.at(i).op);
            QCOMPARE(back->valueText, o.valueText);
            QCOMPARE(back->boundText, o.boundText);
            QCOMPARE(back->right, e.at(i).right);
        }
        QCOMPARE(ExpectationOutcome::fromFailure(expected.at(3))->value, 41.4);
        QCOMPARE(ExpectationOutcome::fromFailure(expected.at(3))->bound, 99.0);

        // Saved numbers compare as numbers: "5432" == "5432.0".
        saved[QStringLiteral("master_before")] = QStringLiteral("5432");
        saved[QStringLiteral("master_after")] = QStringLiteral("5432.0");
        QVERIFY(ExpectationOutcome::judge(e.at(1), metrics, saved).passed);

        // A side without a value is named.
        saved.remove(QStringLiteral("master_before"));
        const ExpectationOutcome missing = ExpectationOutcome::judge(e.at(1), metrics, saved);
        QVERIFY(!missing.measured && !missing.passed);
        QCOMPARE(missing.failureText(), QStringLiteral("master_after == master_before: master_before was not measured"));
        QCOMPARE(ExpectationOutcome::fromFailure(missing.failureText())->metric, QStringLiteral("master_after"));
    }

    void orderingOnTextFails()
    {
        Expectation e;
        e.metric = QStringLiteral("master_after");
        e.op = Expectation::Op::Greater;
        e.right = Expectation::Operand::Name;
        e.rightText = QStringLiteral("master_before");
        e.text = QStringLiteral("master_after > master_before");
        const ExpectationOutcome o = ExpectationOutcome::judge(e, {}, {{QStringLiteral("master_after"), QStringLiteral("b")},
                                                                       {QStringLiteral("master_before"), QStringLiteral("a")}});
        QVERIFY(o.measured && !o.passed);
        QCOMPARE(o.failureText(), QStringLiteral("master_after > master_before: master_after \"b\" and master_before \"a\" are not both numbers"));
        QVERIFY(ExpectationOutcome::fromFailure(o.failureText()));
    }

    void verdictRules()
    {
        const QList<Expectation> e = parsed("      - leader_regressions == 0\n");
        CheckJudgement::Input in;
        in.expectations = e;
        in.metrics = {{QStringLiteral("leader_regressions"), 0}};
        QCOMPARE(CheckJudgement::judge(in).verdict, Verdict::Pass);
        QVERIFY(CheckJudgement::judge(in).failures.isEmpty());

        in.metrics[QStringLiteral("leader_regressions")] = 1;
        CheckJudgement j = CheckJudgement::judge(in);
        QCOMPARE(j.verdict, Verdict::Fail);
        QCOMPARE(j.failures, QStringList{QStringLiteral("leader_regressions == 0: leader_regressions 1 != 0")});
        QCOMPARE(j.note, j.failures.join(QStringLiteral("; ")));

        // The console could not keep the schedule: neither PASS nor FAIL, the reason first.
        in.overload = QStringLiteral("console overloaded: 5 of 100 samples skipped (5.0 %), more than 1 %");
        j = CheckJudgement::judge(in);
        QCOMPARE(j.verdict, Verdict::Inconclusive);
        QCOMPARE(j.failures.first(), in.overload);
        QCOMPARE(j.failures.size(), 2);
        in.metrics[QStringLiteral("leader_regressions")] = 0;
        QCOMPARE(CheckJudgement::judge(in).verdict, Verdict::Inconclusive);

        // An abort is ABORTED whatever else happened.
        in.aborted = true;
        in.failures = {QStringLiteral("aborted by the operator")};
        QCOMPARE(CheckJudgement::judge(in).verdict, Verdict::Aborted);

        QCOMPARE(VerdictText::toString(Verdict::Inconclusive), QStringLiteral("INCONCLUSIVE"));
        QCOMPARE(VerdictText::fromString(QStringLiteral("inconclusive")), Verdict::Inconclusive);
    }
};

QTEST_GUILESS_MAIN(TestCheckJudgement)
#include "tst_checkjudgement.moc"
