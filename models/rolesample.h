#pragma once

#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>

// One round of the cluster's view of its roles: what the stack's role source (one probe that
// names the leader, e.g. Patroni /cluster) or the per-service role probes said, taken between
// startNs and endNs on MonoClock. The cluster timeline (leader spans, no-leader spans, split
// brain, leader regressions) is derived from these rounds in time order.
struct RoleSample
{
    qint64 startNs = 0; // when the round's first request started (not when it was due)
    qint64 endNs = 0;   // when its last answer arrived
    qint64 wallMs = 0;
    QString source;     // "cluster" (the stack's role source) or "members" (per-service role probes)
    // service -> role as the cluster reported it ("leader", "replica", ...); members the round
    // did not name are absent.
    QMap<QString, QString> roles;
    // A term / epoch / timeline that only moves forward (Patroni timeline, Sentinel config-epoch,
    // etcd raft term), when the source reports one; empty otherwise.
    QString term;
    QString error; // the round failed: it says nothing about roles
    // Members this round did not ask because their answer to an earlier round was still out (a
    // slow or hung role probe): absent from roles, and their absence says nothing about them.
    QStringList unasked;
    // How many identical consecutive rounds this one stands for: CheckMetrics keeps only the first
    // and last of a stretch of rounds that said the same (bounded memory).
    int repeats = 1;

    QStringList leaders() const
    {
        QStringList out;
        for (auto it = roles.cbegin(); it != roles.cend(); ++it)
            if (it.value() == QLatin1String("leader"))
                out.append(it.key());
        return out;
    }
};

using RoleSampleBatch = QList<RoleSample>;
Q_DECLARE_METATYPE(RoleSample)
Q_DECLARE_METATYPE(RoleSampleBatch)
