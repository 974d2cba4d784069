#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <optional>

// Something the cluster timeline found that a healthy failover does not do: two leaders in one
// round, a former leader taking the role back, or a time without a leader that no leader fault
// explains. Times are ms since the check started (the JSON export's "at_ms" / "until_ms").
struct ClusterAnomaly
{
    enum class Kind { SplitBrain, LeaderRegression, Leaderless };

    Kind kind = Kind::Leaderless;
    double atMs = 0;
    std::optional<double> untilMs; // empty: an instant, or still going when the check ended
    QStringList services;
    QString detail;

    static QString kindText(Kind kind)
    {
        switch (kind) {
        case Kind::SplitBrain: return QStringLiteral("split_brain");
        case Kind::LeaderRegression: return QStringLiteral("leader_regression");
        case Kind::Leaderless: return QStringLiteral("leaderless");
        }
        return {};
    }

    static std::optional<Kind> kindFromText(const QString &text)
    {
        for (Kind k : {Kind::SplitBrain, Kind::LeaderRegression, Kind::Leaderless})
            if (kindText(k) == text)
                return k;
        return std::nullopt;
    }

    // {"kind", "at_ms", "until_ms" (null: an instant or still going), "services", "detail"}: the
    // shape of the JSON export (docs/run-schema.md) and of the run store.
    QJsonObject toJson() const
    {
        return QJsonObject{
            {QStringLiteral("kind"), kindText(kind)},
            {QStringLiteral("at_ms"), atMs},
            {QStringLiteral("until_ms"), untilMs ? QJsonValue(*untilMs) : QJsonValue()},
            {QStringLiteral("services"), QJsonArray::fromStringList(services)},
            {QStringLiteral("detail"), detail},
        };
    }

    static std::optional<ClusterAnomaly> fromJson(const QJsonObject &o)
    {
        const std::optional<Kind> k = kindFromText(o.value(QStringLiteral("kind")).toString());
        if (!k)
            return std::nullopt;
        ClusterAnomaly a;
        a.kind = *k;
        a.atMs = o.value(QStringLiteral("at_ms")).toDouble();
        if (o.value(QStringLiteral("until_ms")).isDouble())
            a.untilMs = o.value(QStringLiteral("until_ms")).toDouble();
        for (const QJsonValue &v : o.value(QStringLiteral("services")).toArray())
            a.services.append(v.toString());
        a.detail = o.value(QStringLiteral("detail")).toString();
        return a;
    }

    bool operator==(const ClusterAnomaly &o) const
    {
        return kind == o.kind && atMs == o.atMs && untilMs == o.untilMs && services == o.services && detail == o.detail;
    }
};
