#pragma once

#include <QString>

// The outcome of one check in one run.
enum class Verdict { NotRun, Running, Pass, Fail, Deferred, NotApplicable, Error };

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
    }
    return {};
}

inline Verdict fromString(const QString &text)
{
    for (Verdict v : {Verdict::NotRun, Verdict::Running, Verdict::Pass, Verdict::Fail, Verdict::Deferred,
                      Verdict::NotApplicable, Verdict::Error})
        if (toString(v).compare(text, Qt::CaseInsensitive) == 0)
            return v;
    return Verdict::NotRun;
}
} // namespace VerdictText
