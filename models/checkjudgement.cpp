#include "checkjudgement.h"

#include "expectationoutcome.h"

CheckJudgement CheckJudgement::judge(const Input &in)
{
    CheckJudgement j;
    j.failures = in.failures;
    for (const Expectation &e : in.expectations) {
        const ExpectationOutcome o = ExpectationOutcome::judge(e, in.metrics, in.saved);
        if (!o.passed)
            j.failures.append(o.failureText());
    }
    if (in.aborted) {
        j.verdict = Verdict::Aborted; // stopped on purpose: not an error of the stack or the console
    } else if (!in.overload.isEmpty()) {
        // Late or skipped samples are the console's problem: neither a PASS nor a FAIL can be trusted.
        j.verdict = Verdict::Inconclusive;
        j.failures.prepend(in.overload);
    } else {
        j.verdict = j.failures.isEmpty() ? Verdict::Pass : Verdict::Fail;
    }
    j.note = j.failures.join(QStringLiteral("; "));
    return j;
}

QMap<QString, QString> CheckJudgement::comparedValues(const QList<Expectation> &expectations, const QMap<QString, QString> &saved)
{
    QMap<QString, QString> out;
    for (const Expectation &e : expectations)
        for (const QString &name : {e.metric, e.right == Expectation::Operand::Name ? e.rightText : QString()})
            if (saved.contains(name))
                out.insert(name, saved.value(name));
    return out;
}
