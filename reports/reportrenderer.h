#pragma once

#include "lab.h"
#include "readinessresult.h"
#include "run.h"

#include <QHash>
#include <QImage>
#include <QList>
#include <QString>

// The run report for people: self-contained HTML (charts inline as base64 PNG) and an A4 PDF of
// the same content with page numbers. QtGui only (QTextDocument, QPdfWriter); needs a QGuiApplication.
// Charts come from the caller, keyed by check id; a check without one simply has no chart.
class ReportRenderer
{
public:
    static QString html(const Run &run, const QList<ReadinessResult> &readiness, const QHash<QString, QImage> &chartsByCheckId,
                        const Lab *lab = nullptr);
    static bool pdf(const QString &path, const Run &run, const QList<ReadinessResult> &readiness,
                    const QHash<QString, QImage> &chartsByCheckId, QString *error = nullptr, const Lab *lab = nullptr);

    // PASS when no check failed and one passed, FAIL when any failed, errored or was aborted, else NO VERDICT.
    static QString overallVerdict(const Run &run);

private:
    enum class Images { Inline, Resources };
    static QString document(const Run &run, const QList<ReadinessResult> &readiness, const QHash<QString, QImage> &charts,
                            const Lab *lab, Images images);
    static QString chartName(const QString &checkId);
};
