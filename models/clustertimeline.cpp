#include "clustertimeline.h"

#include <algorithm>
#include <optional>

namespace {

double msBetween(qint64 fromNs, qint64 toNs)
{
    return double(toNs - fromNs) / 1e6;
}

QStringList sortedLeaders(const RoleSample &round)
{
    QStringList leaders = round.leaders();
    leaders.sort();
    return leaders;
}

std::optional<double> numericTerm(const QString &term)
{
    bool ok = false;
    const double value = term.trimmed().toDouble(&ok);
    return ok ? std::optional<double>(value) : std::nullopt;
}

} // namespace

bool ClusterTimeline::isFaultAction(const QString &action)
{
    return action == QLatin1String("kill") || action == QLatin1String("stop") || action == QLatin1String("pause")
           || action == QLatin1String("restart") || action == QLatin1String("scale") || action == QLatin1String("drain")
           // network faults name the member they cut off (the leader on the smaller side)
           || action == QLatin1String("isolate") || action == QLatin1String("partition") || action == QLatin1String("link");
}

QString ClusterTimeline::leaderAt(qint64 ns, const QString &among) const
{
    // What the cluster said before ns: the newest round whose answers had all arrived by then (a
    // round still out at ns may answer after a fault it straddles).
    qsizetype newest = -1;
    for (qsizetype i = 0; i < m_leaderRounds.size() && m_leaderRounds.at(i).startNs <= ns; ++i)
        if (m_leaderRounds.at(i).endNs <= ns)
            newest = i;
    if (newest < 0)
        return {};
    const RoleSample *last = &m_leaderRounds.at(newest);
    if (!among.isEmpty()) {
        // Back over rounds in which `among` did not answer and nobody led: silence, not yet a change.
        qsizetype k = newest;
        while (k > 0 && m_leaderRounds.at(k).leaders().isEmpty() && !m_leaderRounds.at(k).roles.contains(among))
            --k;
        if (k < newest && m_leaderRounds.at(k).leaders() == QStringList{among}
            && ns - m_leaderRounds.at(k + 1).startNs < qint64(LeaderSilenceGraceMs) * 1'000'000)
            return among;
    }
    const QStringList leaders = last->leaders();
    if (leaders.size() == 1)
        return leaders.first();
    return !among.isEmpty() && leaders.contains(among) ? among : QString();
}

ClusterTimeline ClusterTimeline::derive(const RoleSampleBatch &rounds, const QList<RunEvent> &events, qint64 checkStartNs)
{
    ClusterTimeline t;
    bool haveCluster = false;
    for (const RoleSample &r : rounds)
        haveCluster = haveCluster || (r.source == QLatin1String("cluster") && r.error.isEmpty());
    for (const RoleSample &r : rounds)
        if (r.error.isEmpty() && (!haveCluster || r.source == QLatin1String("cluster")))
            t.m_rounds.append(r);
    // Rounds complete out of order (a slow answer arrives after a quick later one): time order.
    std::stable_sort(t.m_rounds.begin(), t.m_rounds.end(), [](const RoleSample &a, const RoleSample &b) { return a.startNs < b.startNs; });
    // A round that did not ask the leader (or one of two claimants; its earlier answer still out)
    // and heard no claim says nothing about who leads: not a leaderless moment. (It stays in rounds(): the other
    // members' answers in it still time a failover.)
    QStringList lastLeaders;
    for (const RoleSample &r : std::as_const(t.m_rounds)) {
        const QStringList leaders = r.leaders();
        if (leaders.isEmpty() && !lastLeaders.isEmpty()
            && std::any_of(lastLeaders.cbegin(), lastLeaders.cend(), [&r](const QString &l) { return r.unasked.contains(l); }))
            continue;
        lastLeaders = leaders;
        t.m_leaderRounds.append(r);
    }
    const RoleSampleBatch &rs = t.m_leaderRounds;
    const qsizetype n = rs.size();
    if (n == 0)
        return t;

    QList<RunEvent> faults;
    for (const RunEvent &e : events)
        if (e.kind == RunEvent::Kind::Fault && isFaultAction(e.action))
            faults.append(e);
    std::stable_sort(faults.begin(), faults.end(), [](const RunEvent &a, const RunEvent &b) { return a.monoNs < b.monoNs; });
    const auto faulted = [&faults](const QString &service, qint64 fromNs, qint64 toNs) {
        for (const RunEvent &f : std::as_const(faults))
            if (f.service == service && f.monoNs >= fromNs && f.monoNs <= toNs)
                return true;
        return false;
    };
    const auto sinceStart = [checkStartNs](qint64 ns) { return msBetween(checkStartNs, ns); };

    // Spans: runs of rounds with the same leaders.
    for (qsizetype i = 0; i < n;) {
        const QStringList leaders = sortedLeaders(rs.at(i));
        qsizetype j = i;
        while (j + 1 < n && sortedLeaders(rs.at(j + 1)) == leaders)
            ++j;
        Span s;
        s.fromNs = rs.at(i).startNs;
        s.open = j + 1 >= n;
        s.toNs = s.open ? rs.at(j).endNs : rs.at(j + 1).startNs;
        s.leaders = leaders;
        t.m_spans.append(s);
        i = j + 1;
    }

    // No-leader and split-brain stretches: consecutive rounds with none / several leaders.
    // A stretch began between the round before it (prev) and its first round; it ended between its
    // last round and the round after it (next).
    for (qsizetype i = 0; i < n;) {
        const qsizetype leaders = rs.at(i).leaders().size();
        if (leaders == 1) {
            ++i;
            continue;
        }
        const bool none = leaders == 0;
        qsizetype j = i;
        while (j + 1 < n && (rs.at(j + 1).leaders().isEmpty()) == none && rs.at(j + 1).leaders().size() != 1)
            ++j;
        const RoleSample *prev = i > 0 ? &rs.at(i - 1) : nullptr;
        const RoleSample *next = j + 1 < n ? &rs.at(j + 1) : nullptr;
        const RoleSample &first = rs.at(i);
        const RoleSample &last = rs.at(j);
        ClusterAnomaly a;
        a.atMs = sinceStart(first.startNs);
        if (next)
            a.untilMs = sinceStart(next->startNs);
        if (none) {
            const double value = msBetween(first.startNs, next ? next->startNs : last.endNs);
            const double lo = std::max(0.0, msBetween(first.endNs, last.startNs));
            const double hi = msBetween(prev ? prev->startNs : first.startNs, next ? next->endNs : last.endNs);
            t.m_leaderlessMs += std::clamp(value, lo, hi);
            t.m_leaderlessInterval = t.m_leaderlessInterval.plus({lo, hi});
            // The gap of a healthy failover: the leader before it was faulted during its term, and a leader came back.
            const QStringList before = prev ? prev->leaders() : QStringList();
            bool explained = false;
            if (next && before.size() == 1) {
                qint64 termStart = prev->startNs;
                for (qsizetype k = i - 1; k >= 0 && rs.at(k).leaders() == before; --k)
                    termStart = rs.at(k).startNs;
                explained = faulted(before.first(), termStart, first.endNs);
            }
            if (!explained) {
                a.kind = ClusterAnomaly::Kind::Leaderless;
                a.services = before;
                if (!prev)
                    a.detail = QStringLiteral("no member held the leader role from the first role round");
                else if (!next)
                    a.detail = QStringLiteral("no member held the leader role until the end of the check");
                else
                    a.detail = QStringLiteral("no member held the leader role for %1 ms and no fault on the leader explains it")
                                   .arg(qint64(value));
                if (!before.isEmpty() && prev)
                    a.detail += QStringLiteral(" (last leader %1)").arg(before.join(QStringLiteral(", ")));
                t.m_anomalies.append(a);
            }
        } else {
            QStringList services;
            for (qsizetype k = i; k <= j; ++k)
                for (const QString &s : rs.at(k).leaders())
                    if (!services.contains(s))
                        services.append(s);
            services.sort();
            int rounds = 0; // a kept round may stand for several identical ones
            for (qsizetype k = i; k <= j; ++k)
                rounds += rs.at(k).repeats;
            t.m_splitBrainSamples += rounds;
            a.kind = ClusterAnomaly::Kind::SplitBrain;
            a.services = services;
            a.detail = QStringLiteral("%1 held the leader role at once in %2 role round(s)").arg(services.join(QStringLiteral(", "))).arg(rounds);
            t.m_anomalies.append(a);
        }
        i = j + 1;
    }

    // Leader changes and regressions over the rounds that name exactly one leader.
    QString current;
    QString currentTerm;
    qint64 currentSince = 0;
    QStringList former;
    for (const RoleSample &r : rs) {
        const QStringList leaders = r.leaders();
        if (leaders.size() != 1)
            continue;
        const QString x = leaders.first();
        if (x == current) {
            if (!r.term.isEmpty())
                currentTerm = r.term;
            continue;
        }
        if (!current.isEmpty()) {
            ++t.m_leaderChanges;
            const std::optional<double> termNow = numericTerm(r.term);
            const std::optional<double> termBefore = numericTerm(currentTerm);
            bool regression = false;
            QString why;
            if (termNow && termBefore) {
                regression = *termNow <= *termBefore;
                why = QStringLiteral("term %1 → %2").arg(currentTerm, r.term);
            } else if (former.contains(x) && !faulted(current, currentSince, r.startNs)) {
                regression = true;
                why = QStringLiteral("%1 was not faulted").arg(current);
            }
            if (regression) {
                ++t.m_leaderRegressions;
                ClusterAnomaly a;
                a.kind = ClusterAnomaly::Kind::LeaderRegression;
                a.atMs = sinceStart(r.startNs);
                a.services = {x, current};
                a.detail = QStringLiteral("%1 took the leader role back from %2 (%3): %2's term is discarded").arg(x, current, why);
                t.m_anomalies.append(a);
            }
            former.removeAll(current);
            former.append(current);
        }
        current = x;
        currentTerm = r.term;
        currentSince = r.startNs;
    }
    std::stable_sort(t.m_anomalies.begin(), t.m_anomalies.end(),
                     [](const ClusterAnomaly &a, const ClusterAnomaly &b) { return a.atMs < b.atMs; });
    return t;
}
