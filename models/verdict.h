#pragma once

#include <QString>

// The outcome of one check in one run.
// Inconclusive: the console could not keep its probes' schedule (overloaded), so the metrics
// cannot say PASS or FAIL; it counts as not passing.
// Aborted: the operator (or a signal) stopped the check; its faults were rolled back, nothing was judged.
enum class Verdict { NotRun, Running, Pass, Fail, Deferred, NotApplicable, Error, Inconclusive, Aborted };

namespace VerdictText {
inline QString toString(Verdict v)
{
    switch (v) {
    case Verdict::NotRun: return QStringLiteral("NOT RUN");
    case Verdict::Running: return QStringLiteral("RUNNING");
    case Verdict::Pass: return QStringLiteral("PASS");
    case Verdict::Fail: return QStringLiteral("FAIL");
    case Verdict::Deferred: return QStringLiteral("DEFERRED");
    case Verdict::NotApplicable: return QStringLiteral("N/A");
    case Verdict::Error: return QStringLiteral("ERROR");
    case Verdict::Inconclusive: return QStringLiteral("INCONCLUSIVE");
    case Verdict::Aborted: return QStringLiteral("ABORTED");
    }
    return {};
}

inline Verdict fromString(const QString &text)
{
    for (Verdict v : {Verdict::NotRun, Verdict::Running, Verdict::Pass, Verdict::Fail, Verdict::Deferred,
                      Verdict::NotApplicable, Verdict::Error, Verdict::Inconclusive, Verdict::Aborted})
        if (toString(v).compare(text, Qt::CaseInsensitive) == 0)
            return v;
    return Verdict::NotRun;
}
} // namespace VerdictText
