#include "checkapplicability.h"

#include "labcontext.h"

CheckApplicability CheckApplicability::of(const CheckSpec &check, const Lookup &lookup)
{
    CheckApplicability a;
    for (auto it = check.appliesWhen.cbegin(); it != check.appliesWhen.cend(); ++it) {
        const std::optional<QString> value = lookup(it.key());
        if (value && *value == it.value())
            continue;
        a.decision = Decision::NotApplicable;
        const QString why = value ? QStringLiteral("%1 is '%2', it applies when '%3'").arg(it.key(), *value, it.value())
                                  : QStringLiteral("%1 is not set, it applies when '%2'").arg(it.key(), it.value());
        a.reason = check.notApplicableReason.isEmpty() ? why : check.notApplicableReason; // the lab's words win
        return a;
    }
    if (!check.deferredReason.isEmpty()) {
        a.decision = Decision::Deferred;
        a.reason = check.deferredReason;
    }
    return a;
}

CheckApplicability CheckApplicability::of(const CheckSpec &check, const LabContext &context)
{
    return of(check, [&context](const QString &name) { return context.lookup(name); });
}

QString CheckApplicability::decisionText() const
{
    switch (decision) {
    case Decision::Runs: return QStringLiteral("runs");
    case Decision::NotApplicable: return QStringLiteral("N/A");
    case Decision::Deferred: return QStringLiteral("DEFERRED");
    }
    return {};
}
