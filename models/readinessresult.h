#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

// A readiness level judged over runs: READY or NOT YET, each criterion with its status and reason.
struct ReadinessResult
{
    enum class Status { Ok, Missing, Stale, Fail, Deferred };

    struct Criterion
    {
        enum class Kind { CheckPasses, Metric, Window };

        Kind kind = Kind::CheckPasses;
        QString text;          // "Check failover passes", "failover: failover_ms <= 5000", "Evidence within one 6 h window"
        Status status = Status::Missing;
        QString reason;        // why this status, with the evidence's run and time
        QString checkId;       // empty for the window criterion
        QString runId;         // the run whose result was used; empty when none
        QDateTime evidenceAt;  // when that result was produced; invalid when none
    };

    QString levelId;
    QString name;
    QString description;
    bool ready = false;
    qint64 windowMs = 0;
    QDateTime oldestEvidence; // of the evidence used; invalid when none
    QDateTime newestEvidence;
    QList<Criterion> criteria;

    static QString statusText(Status s)
    {
        switch (s) {
        case Status::Ok: return QStringLiteral("OK");
        case Status::Missing: return QStringLiteral("MISSING");
        case Status::Stale: return QStringLiteral("STALE");
        case Status::Fail: return QStringLiteral("FAIL");
        case Status::Deferred: return QStringLiteral("DEFERRED");
        }
        return {};
    }

    static QString kindText(Criterion::Kind k)
    {
        switch (k) {
        case Criterion::Kind::CheckPasses: return QStringLiteral("check_passes");
        case Criterion::Kind::Metric: return QStringLiteral("metric");
        case Criterion::Kind::Window: return QStringLiteral("window");
        }
        return {};
    }
};
