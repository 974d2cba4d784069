#pragma once

#include "probesample.h"
#include "rolesample.h"
#include "runevent.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVector>

#include <limits>
#include <vector>

// What the live chart reads from: probe samples in columns (time, latency, ok) plus events, role
// spans and measured spans. Views never keep raw samples; they ask for a decimated window. Owned
// by one thread (the GUI's); samples arrive in batches. Memory is bounded: raw samples are kept
// for the newest RawWindowNs of each probe (at most about MaxRawSamples); older windows are drawn
// from the pre-aggregated buckets (one per 100 ms, 1 s and 10 s with samples, so they grow with
// the run's length, never with its sample rate). The run store keeps every sample.
class SampleTimeline
{
public:
    // One pixel column of a window. latMin/latMax cover the *successful* samples only (a
    // timeout's "latency" is the timeout, not the service), so they are valid only when ok > 0.
    struct Column
    {
        qint64 startNs = 0;
        float latMin = 0;
        float latMax = 0;
        int ok = 0;
        int total = 0;
    };

    // A member holding the leader role over [fromNs, toNs).
    struct RoleSpan
    {
        QString member;
        qint64 fromNs = 0;
        qint64 toNs = 0;
    };

    // Two or more members claiming the leader role in the same role rounds, from the first such
    // round to the first round after it that did not (open: still going).
    struct SplitBrainSpan
    {
        QStringList leaders; // sorted
        qint64 fromNs = 0;
        qint64 toNs = 0;
        bool open = false;
    };

    // A measured interval the scenario engine reports, e.g. fault -> new leader.
    struct Span
    {
        qint64 fromNs = 0;
        qint64 toNs = 0;
        QString label;
    };

    // Widths of the pre-aggregated levels (100 ms, 1 s, 10 s): a window whose columns span
    // many buckets of a level reads that level instead of the samples.
    static constexpr int LevelCount = 3;
    static constexpr qint64 LevelBucketNs[LevelCount] = {100'000'000, 1'000'000'000, 10'000'000'000};
    // A column must span at least this many buckets of a level before that level is used.
    static constexpr qint64 CoarseMinBucketsPerColumn = 8;

    // Raw samples older than this (behind a probe's newest) live on in the buckets only.
    static constexpr qint64 RawWindowNs = 600'000'000'000;
    static constexpr qint64 MaxRawSamples = qint64(1) << 19;

    SampleTimeline() = default;
    SampleTimeline(const SampleTimeline &) = delete;
    SampleTimeline &operator=(const SampleTimeline &) = delete;

    void addSamples(const ProbeSampleBatch &batch);
    void addEvent(const RunEvent &event);
    void addMeasuredSpan(const Span &span);
    // Role rounds as the runner hears them: only split brain is kept (leader spans come from the
    // RoleChange events). The same rounds as the cluster timeline: the stack's role source once it
    // has answered, else the members' role probes; a round that left out a claimant says nothing.
    void addRoleRounds(const RoleSampleBatch &rounds);
    // A split brain a stored run recorded (its cluster anomalies): stored runs keep no rounds.
    void addRecordedSplitBrain(const SplitBrainSpan &span);
    void clear();

    // Probe ids in order of first sample, so colours stay stable while a run grows.
    QStringList probeIds() const { return m_probeOrder; }
    bool isEmpty() const { return m_firstNs > m_lastNs; }
    // Earliest / latest time of any sample or event; 0 when empty.
    qint64 firstNs() const { return isEmpty() ? 0 : m_firstNs; }
    qint64 lastNs() const { return isEmpty() ? 0 : m_lastNs; }
    // Time zero of the chart axis: explicit origin, else the first CheckStarted, else firstNs().
    void setOriginNs(qint64 ns) { m_originNs = ns; m_hasOrigin = true; ++m_revision; }
    qint64 originNs() const;
    // Bumped by every change, so a view can skip a refresh when nothing moved.
    quint64 revision() const { return m_revision; }

    // Every sample added (taken ones; skipped slots are not drawn).
    qint64 sampleCount(const QString &probeId) const;
    qint64 sampleCount() const;
    // Raw samples still held (the rest are in the buckets).
    qint64 rawSampleCount() const;
    qint64 bucketCount() const;
    // Bytes held by the sample columns and buckets, by capacity (what the allocator really holds).
    qint64 memoryBytes() const;

    QVector<Column> decimate(const QString &probeId, qint64 fromNs, qint64 toNs, int columns) const;
    // Same result through a chosen path: -1 = automatic, 0 = raw samples, 1.. = bucket level
    // (LevelBucketNs[level - 1]); for tests and benches.
    QVector<Column> decimate(const QString &probeId, qint64 fromNs, qint64 toNs, int columns, int level) const;
    // The path decimate() picks for a column width: 0 = raw samples, else the bucket level.
    static int levelFor(qint64 columnNs);

    QList<RunEvent> events() const { return m_events; }
    // Events with fromNs <= monoNs < toNs, found by binary search (events are kept sorted).
    QList<RunEvent> events(qint64 fromNs, qint64 toNs) const;
    QList<RoleSpan> leaderSpans(qint64 untilNs) const;
    QList<Span> measuredSpans() const { return m_spans; }
    // An open span ends at untilNs.
    QList<SplitBrainSpan> splitBrainSpans(qint64 untilNs) const;

private:
    // Split brain as one role source's rounds tell it.
    struct RoleSourceSplits
    {
        qint64 lastRoundNs = std::numeric_limits<qint64>::min();
        QList<SplitBrainSpan> spans; // the last one may be open
    };
    struct Bucket
    {
        qint64 index = 0; // floor(monoNs / bucket width)
        float latMin = 0;
        float latMax = 0;
        qint32 ok = 0;
        qint32 total = 0;
    };

    // Columnar: one entry per sample in the first two, sorted by time. okPrefix[i] counts the
    // ok samples before i (size n + 1), so ok counts over any index range are one subtraction.
    struct Series
    {
        std::vector<qint64> monoNs;
        std::vector<float> latencyMs;
        std::vector<quint32> okPrefix{0};
        std::vector<Bucket> levels[LevelCount]; // each sorted by index, only non-empty buckets
        // Raw samples before this were dropped; a multiple of the widest bucket, so every bucket
        // is wholly before it (drawn from buckets) or wholly after (drawn from raw samples).
        qint64 rawFromNs = std::numeric_limits<qint64>::min();
        qint64 count = 0;
    };

    static void insertSample(Series &s, qint64 monoNs, float latencyMs, bool ok);
    static void dropOldRaw(Series &s);
    // Adds the buckets of the dropped stretch (before rawFromNs) to the columns.
    static void addDropped(const Series &s, int level, QVector<Column> &out, qint64 fromNs, qint64 toNs);
    static void addToBucket(std::vector<Bucket> &buckets, qint64 index, float latencyMs, bool ok);
    static qsizetype lowerIndex(const Series &s, qint64 ns);
    void touch(qint64 ns);
    static void decimateFine(const Series &s, QVector<Column> &out, qint64 fromNs, qint64 toNs);
    static void decimateCoarse(const Series &s, int level, QVector<Column> &out, qint64 fromNs, qint64 toNs);

    QHash<QString, Series> m_series;
    QStringList m_probeOrder;
    QList<RunEvent> m_events; // sorted by monoNs, stable for equal times
    QList<Span> m_spans;
    QHash<QString, RoleSourceSplits> m_splits; // by RoleSample::source
    QList<SplitBrainSpan> m_recordedSplits;
    qint64 m_firstNs = std::numeric_limits<qint64>::max();
    qint64 m_lastNs = std::numeric_limits<qint64>::min();
    qint64 m_originNs = 0;
    bool m_hasOrigin = false;
    quint64 m_revision = 0;
};
