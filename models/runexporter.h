#pragma once

#include "expectationoutcome.h"
#include "lab.h"
#include "readinessresult.h"
#include "run.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

// A stored run as the documents engineers keep: the markdown run log (the seed's shape), JSON
// (schema "halab.run/2", docs/run-schema.md), JUnit XML for CI. Qt Core only.
// With a lab, each check lists all its expectations; without, only the failed ones (read from failures).
class RunExporter
{
public:
    static QString schemaId() { return QStringLiteral("halab.run/2"); }

    static QString markdown(const Run &run, const QList<ReadinessResult> &readiness = {}, const Lab *lab = nullptr);
    static QByteArray json(const Run &run, const QList<ReadinessResult> &readiness = {}, const Lab *lab = nullptr);
    static QJsonObject jsonObject(const Run &run, const QList<ReadinessResult> &readiness = {}, const Lab *lab = nullptr);
    static QByteArray junit(const Run &run, const Lab *lab = nullptr);

    // Shared with ReportRenderer so the HTML/PDF report says the same as the run log.
    // "[✓]" PASS, "[✗]" FAIL, "[-]" DEFERRED, "[N/A]", "[ ]" NOT RUN, "[!]" ERROR, "[~]" RUNNING, "[?]" INCONCLUSIVE.
    static QString mark(Verdict verdict);
    // Step bodies in the run log: up to this many lines each, whole lines, the rest counted.
    static constexpr int BodyLineCap = 200;
    // The step's title from the lab (its first line of request otherwise): what the engineer wrote.
    static QString stepTitle(const StepOutcome &step, qsizetype position, const CheckResult &result, const Lab *lab);
    static QString markdownCell(const QString &text);
    // "PASS", "N/A (single-tenant stack)": the verdict with the N/A reason.
    static QString verdictText(const CheckResult &result, const Lab *lab);
    // Why a check is N/A, DEFERRED or not passing: the note, else the lab's reason, else the failures.
    static QString reason(const CheckResult &result, const Lab *lab);
    // "split_brain at 12.3 s until 13 s (api1, api2): …": one line of "Notes / anomalies".
    static QString anomalyText(const ClusterAnomaly &anomaly);
    // "3/6 PASS, 2/6 DEFERRED, 1/6 N/A"
    static QString summary(const Run &run);
    static QList<ExpectationOutcome> expectations(const CheckResult &result, const Lab *lab);
    // The first `maxLines` non-empty lines, each cut at `maxWidth` characters, "… (N more lines)" after.
    static QStringList trimmed(const QString &text, int maxLines = 4, int maxWidth = 160);
    // The title, or the lab's, or the id.
    static QString title(const CheckResult &result, const Lab *lab);
    // Step number as people count (1-based).
    static int stepNumber(const StepOutcome &step, qsizetype position);
};
