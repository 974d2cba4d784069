#pragma once

#include "checkspec.h"

#include <QString>

#include <functional>
#include <optional>

class LabContext;

// Whether a check runs in this sitting, decided once for the window and the CLI alike: N/A when its
// applies_when does not match (a variable that is not set never matches), DEFERRED when the lab
// defers it, else it runs. The reason says which variable decided.
struct CheckApplicability
{
    enum class Decision { Runs, NotApplicable, Deferred };

    Decision decision = Decision::Runs;
    QString reason;

    using Lookup = std::function<std::optional<QString>(const QString &name)>;
    static CheckApplicability of(const CheckSpec &check, const Lookup &lookup);
    // Through the lab's variables, built-ins and --set overrides, as the runners substitute them.
    static CheckApplicability of(const CheckSpec &check, const LabContext &context);

    bool applies() const { return decision != Decision::NotApplicable; }
    // "runs", "N/A", "DEFERRED": the column of `halab-cli checks`.
    QString decisionText() const;
};
