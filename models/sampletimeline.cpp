#include "sampletimeline.h"

#include <QtNumeric>

#include <algorithm>
#include <functional>
#include <iterator>

namespace {

constexpr float Inf = std::numeric_limits<float>::infinity();

qint64 floorDiv(qint64 a, qint64 b)
{
    const qint64 q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

qint64 ceilDiv(qint64 a, qint64 b)
{
    return -floorDiv(-a, b);
}

// Start of column i of `columns` over [fromNs, fromNs + spanNs): exact floor, no overflow for long spans.
qint64 columnStart(qint64 fromNs, qint64 spanNs, int i, int columns)
{
    return fromNs + (spanNs / columns) * i + ((spanNs % columns) * i) / columns;
}

// lower_bound that starts at `first` and doubles its stride: successive columns are close, so
// this touches a few cache lines instead of a full binary search over an hour of samples.
template <typename It, typename T, typename Less>
It gallop(It first, It last, const T &value, Less less)
{
    typename std::iterator_traits<It>::difference_type step = 1;
    It lo = first;
    while (lo != last) {
        const auto room = last - lo;
        const It probe = lo + std::min(step, room - 1);
        if (!less(*probe, value))
            return std::lower_bound(lo, probe + 1, value, less);
        lo = probe + 1;
        step *= 2;
    }
    return last;
}

// Running min/max of the ok latencies in one column.
struct Envelope
{
    float min = Inf;
    float max = -Inf;
    void add(float v)
    {
        min = std::min(min, v);
        max = std::max(max, v);
    }
};

} // namespace

void SampleTimeline::addSamples(const ProbeSampleBatch &batch)
{
    if (batch.isEmpty())
        return;
    // Batches usually carry one probe; cache the lookup across consecutive samples.
    const QString *lastId = nullptr;
    Series *series = nullptr;
    for (const ProbeSample &sample : batch) {
        if (sample.skipped)
            continue; // no attempt was made: the console's problem, not a failure of the target to draw
        if (!lastId || *lastId != sample.probeId) {
            auto it = m_series.find(sample.probeId);
            if (it == m_series.end()) {
                it = m_series.insert(sample.probeId, Series());
                m_probeOrder.append(sample.probeId);
            }
            series = &it.value();
            lastId = &sample.probeId;
        }
        const float latency = qIsFinite(sample.latencyMs) ? float(sample.latencyMs) : 0.0f;
        insertSample(*series, sample.monoNs, latency, sample.ok);
        touch(sample.monoNs);
    }
    ++m_revision;
}

void SampleTimeline::insertSample(Series &s, qint64 monoNs, float latencyMs, bool ok)
{
    const quint32 okBit = ok ? 1 : 0;
    ++s.count;
    if (monoNs < s.rawFromNs) {
        // Later than the raw window: the buckets still count it.
    } else if (s.monoNs.empty() || monoNs >= s.monoNs.back()) {
        s.monoNs.push_back(monoNs);
        s.latencyMs.push_back(latencyMs);
        s.okPrefix.push_back(s.okPrefix.back() + okBit);
    } else {
        // Concurrent probe attempts can finish out of order; keep the columns sorted by schedule time.
        const auto pos = std::upper_bound(s.monoNs.begin(), s.monoNs.end(), monoNs) - s.monoNs.begin();
        s.monoNs.insert(s.monoNs.begin() + pos, monoNs);
        s.latencyMs.insert(s.latencyMs.begin() + pos, latencyMs);
        s.okPrefix.insert(s.okPrefix.begin() + pos + 1, s.okPrefix[size_t(pos)] + okBit);
        for (size_t j = size_t(pos) + 2; j < s.okPrefix.size(); ++j)
            s.okPrefix[j] += okBit;
    }
    for (int level = 0; level < LevelCount; ++level)
        addToBucket(s.levels[level], floorDiv(monoNs, LevelBucketNs[level]), latencyMs, ok);
    dropOldRaw(s);
}

void SampleTimeline::dropOldRaw(Series &s)
{
    // Dropped in chunks (a minute, or an eighth of the cap) so the erase is amortised.
    const qint64 n = qint64(s.monoNs.size());
    const bool tooOld = n > 0 && s.monoNs.front() < s.monoNs.back() - RawWindowNs - 60'000'000'000;
    const bool tooMany = n > MaxRawSamples + MaxRawSamples / 8;
    if (!tooOld && !tooMany)
        return;
    qint64 cut = s.monoNs.back() - RawWindowNs;
    if (n > MaxRawSamples)
        cut = std::max(cut, s.monoNs[size_t(n - MaxRawSamples)]);
    const qint64 widest = LevelBucketNs[LevelCount - 1];
    cut = floorDiv(cut, widest) * widest;
    if (cut <= s.rawFromNs)
        return;
    const auto k = lowerIndex(s, cut);
    s.monoNs.erase(s.monoNs.begin(), s.monoNs.begin() + k);
    s.latencyMs.erase(s.latencyMs.begin(), s.latencyMs.begin() + k);
    s.okPrefix.erase(s.okPrefix.begin(), s.okPrefix.begin() + k); // prefix differences stay valid
    s.rawFromNs = cut;
}

void SampleTimeline::addToBucket(std::vector<Bucket> &buckets, qint64 index, float latencyMs, bool ok)
{
    auto it = buckets.end();
    if (buckets.empty() || buckets.back().index < index) {
        buckets.push_back(Bucket{index, 0, 0, 0, 0});
        it = buckets.end() - 1;
    } else if (buckets.back().index == index) {
        it = buckets.end() - 1;
    } else {
        it = std::lower_bound(buckets.begin(), buckets.end(), index, [](const Bucket &b, qint64 i) { return b.index < i; });
        if (it == buckets.end() || it->index != index)
            it = buckets.insert(it, Bucket{index, 0, 0, 0, 0});
    }
    ++it->total;
    if (!ok)
        return;
    if (it->ok == 0) {
        it->latMin = latencyMs;
        it->latMax = latencyMs;
    } else {
        it->latMin = std::min(it->latMin, latencyMs);
        it->latMax = std::max(it->latMax, latencyMs);
    }
    ++it->ok;
}

void SampleTimeline::touch(qint64 ns)
{
    m_firstNs = std::min(m_firstNs, ns);
    m_lastNs = std::max(m_lastNs, ns);
}

void SampleTimeline::addEvent(const RunEvent &event)
{
    // Events arrive nearly in order; upper_bound keeps equal times in arrival order.
    const auto it = std::upper_bound(m_events.begin(), m_events.end(), event.monoNs,
                                     [](qint64 ns, const RunEvent &e) { return ns < e.monoNs; });
    m_events.insert(it, event);
    touch(event.monoNs);
    ++m_revision;
}

void SampleTimeline::addMeasuredSpan(const Span &span)
{
    m_spans.append(span);
    ++m_revision;
}

void SampleTimeline::addRoleRounds(const RoleSampleBatch &rounds)
{
    for (const RoleSample &round : rounds) {
        RoleSourceSplits &source = m_splits[round.source];
        // Rounds may complete out of order (a hung member): as the runner, only newer ones count.
        if (!round.error.isEmpty() || round.startNs < source.lastRoundNs)
            continue;
        source.lastRoundNs = round.startNs;
        QStringList leaders = round.leaders();
        SplitBrainSpan *open = !source.spans.isEmpty() && source.spans.last().open ? &source.spans.last() : nullptr;
        if (leaders.size() < 2) {
            if (!open)
                continue;
            const bool leftOutAClaimant = std::any_of(open->leaders.cbegin(), open->leaders.cend(),
                                                      [&](const QString &l) { return round.unasked.contains(l); });
            if (leftOutAClaimant)
                continue; // says nothing about the claim it did not hear again
            open->open = false;
            open->toNs = round.startNs;
        } else if (open) {
            for (const QString &l : std::as_const(leaders))
                if (!open->leaders.contains(l))
                    open->leaders.append(l);
            open->leaders.sort();
            open->toNs = round.endNs;
        } else {
            leaders.sort();
            source.spans.append({leaders, round.startNs, round.endNs, true});
        }
        touch(round.startNs);
        ++m_revision;
    }
}

void SampleTimeline::addRecordedSplitBrain(const SplitBrainSpan &span)
{
    m_recordedSplits.append(span);
    ++m_revision;
}

QList<SampleTimeline::SplitBrainSpan> SampleTimeline::splitBrainSpans(qint64 untilNs) const
{
    if (!m_recordedSplits.isEmpty()) {
        QList<SplitBrainSpan> spans = m_recordedSplits;
        for (SplitBrainSpan &s : spans)
            if (s.open)
                s.toNs = std::max(s.toNs, untilNs);
        return spans;
    }
    // The cluster timeline's choice: the stack's role source when it has answered at all.
    const auto cluster = m_splits.constFind(QStringLiteral("cluster"));
    const auto members = m_splits.constFind(QStringLiteral("members"));
    const auto chosen = cluster != m_splits.cend() && cluster->lastRoundNs != std::numeric_limits<qint64>::min() ? cluster : members;
    if (chosen == m_splits.cend())
        return {};
    QList<SplitBrainSpan> spans = chosen->spans;
    if (!spans.isEmpty() && spans.last().open)
        spans.last().toNs = std::max(spans.last().toNs, untilNs);
    return spans;
}

void SampleTimeline::clear()
{
    m_series.clear();
    m_probeOrder.clear();
    m_events.clear();
    m_spans.clear();
    m_splits.clear();
    m_recordedSplits.clear();
    m_firstNs = std::numeric_limits<qint64>::max();
    m_lastNs = std::numeric_limits<qint64>::min();
    m_originNs = 0;
    m_hasOrigin = false;
    ++m_revision;
}

qint64 SampleTimeline::originNs() const
{
    if (m_hasOrigin)
        return m_originNs;
    for (const RunEvent &e : m_events) {
        if (e.kind == RunEvent::Kind::CheckStarted)
            return e.monoNs;
    }
    return firstNs();
}

qint64 SampleTimeline::sampleCount(const QString &probeId) const
{
    const auto it = m_series.constFind(probeId);
    return it == m_series.cend() ? 0 : it->count;
}

qint64 SampleTimeline::sampleCount() const
{
    qint64 n = 0;
    for (const Series &s : m_series)
        n += s.count;
    return n;
}

qint64 SampleTimeline::rawSampleCount() const
{
    qint64 n = 0;
    for (const Series &s : m_series)
        n += qint64(s.monoNs.size());
    return n;
}

qint64 SampleTimeline::bucketCount() const
{
    qint64 n = 0;
    for (const Series &s : m_series)
        for (const std::vector<Bucket> &level : s.levels)
            n += qint64(level.size());
    return n;
}

qint64 SampleTimeline::memoryBytes() const
{
    qint64 bytes = 0;
    for (const Series &s : m_series) {
        bytes += qint64(sizeof(Series));
        bytes += qint64(s.monoNs.capacity() * sizeof(qint64));
        bytes += qint64(s.latencyMs.capacity() * sizeof(float));
        bytes += qint64(s.okPrefix.capacity() * sizeof(quint32));
        for (const std::vector<Bucket> &level : s.levels)
            bytes += qint64(level.capacity() * sizeof(Bucket));
    }
    bytes += qint64(m_events.capacity()) * qint64(sizeof(RunEvent));
    return bytes;
}

qsizetype SampleTimeline::lowerIndex(const Series &s, qint64 ns)
{
    return std::lower_bound(s.monoNs.begin(), s.monoNs.end(), ns) - s.monoNs.begin();
}

int SampleTimeline::levelFor(qint64 columnNs)
{
    for (int level = LevelCount; level >= 1; --level) {
        if (columnNs >= LevelBucketNs[level - 1] * CoarseMinBucketsPerColumn)
            return level;
    }
    return 0;
}

QVector<SampleTimeline::Column> SampleTimeline::decimate(const QString &probeId, qint64 fromNs, qint64 toNs, int columns) const
{
    return decimate(probeId, fromNs, toNs, columns, -1);
}

QVector<SampleTimeline::Column> SampleTimeline::decimate(const QString &probeId, qint64 fromNs, qint64 toNs, int columns,
                                                         int level) const
{
    if (columns <= 0 || toNs <= fromNs)
        return {};
    QVector<Column> out(columns);
    const qint64 span = toNs - fromNs;
    for (int c = 0; c < columns; ++c)
        out[c].startNs = columnStart(fromNs, span, c, columns);
    const auto it = m_series.constFind(probeId);
    if (it == m_series.cend() || it->count == 0)
        return out;
    if (level < 0)
        level = levelFor(span / columns);
    level = std::min(level, int(LevelCount));
    if (!it->monoNs.empty()) {
        if (level == 0)
            decimateFine(*it, out, fromNs, toNs);
        else
            decimateCoarse(*it, level, out, fromNs, toNs);
    }
    addDropped(*it, level, out, fromNs, toNs);
    return out;
}

void SampleTimeline::addDropped(const Series &s, int level, QVector<Column> &out, qint64 fromNs, qint64 toNs)
{
    if (s.rawFromNs <= fromNs)
        return;
    level = std::max(level, 1); // no raw samples there: the finest buckets are the detail left
    const qint64 width = LevelBucketNs[level - 1];
    const std::vector<Bucket> &buckets = s.levels[level - 1];
    const qint64 end = std::min(toNs, s.rawFromNs);
    const int columns = int(out.size());
    const qint64 span = toNs - fromNs;
    // A bucket counts in the column holding its start (the raw stretch is aligned to bucket edges).
    auto b = std::lower_bound(buckets.begin(), buckets.end(), ceilDiv(fromNs, width), [](const Bucket &x, qint64 k) { return x.index < k; });
    int c = 0;
    for (; b != buckets.end() && b->index * width < end; ++b) {
        const qint64 start = b->index * width;
        while (c + 1 < columns && columnStart(fromNs, span, c + 1, columns) <= start)
            ++c;
        Column &col = out[c];
        if (b->ok > 0) {
            col.latMin = col.ok > 0 ? std::min(col.latMin, b->latMin) : b->latMin;
            col.latMax = col.ok > 0 ? std::max(col.latMax, b->latMax) : b->latMax;
        }
        col.total += b->total;
        col.ok += b->ok;
    }
}

void SampleTimeline::decimateFine(const Series &s, QVector<Column> &out, qint64 fromNs, qint64 toNs)
{
    const int columns = int(out.size());
    const qint64 span = toNs - fromNs;
    const qsizetype n = qsizetype(s.monoNs.size());
    qsizetype i = lowerIndex(s, fromNs);
    for (int c = 0; c < columns && i < n; ++c) {
        const qint64 end = columnStart(fromNs, span, c + 1, columns);
        const qsizetype first = i;
        Envelope env;
        for (; i < n && s.monoNs[size_t(i)] < end; ++i) {
            if (s.okPrefix[size_t(i) + 1] != s.okPrefix[size_t(i)])
                env.add(s.latencyMs[size_t(i)]);
        }
        Column &col = out[c];
        col.total = int(i - first);
        col.ok = int(s.okPrefix[size_t(i)] - s.okPrefix[size_t(first)]);
        if (col.ok > 0) {
            col.latMin = env.min;
            col.latMax = env.max;
        }
    }
}

void SampleTimeline::decimateCoarse(const Series &s, int level, QVector<Column> &out, qint64 fromNs, qint64 toNs)
{
    const qint64 width = LevelBucketNs[level - 1];
    const std::vector<Bucket> &buckets = s.levels[level - 1];
    const int columns = int(out.size());
    const qint64 span = toNs - fromNs;
    auto bucket = buckets.begin();
    qsizetype ia = lowerIndex(s, fromNs);
    for (int c = 0; c < columns; ++c) {
        const qint64 a = out[c].startNs;
        const qint64 b = columnStart(fromNs, span, c + 1, columns);
        // Counts are exact at any boundary thanks to the prefix sums: two binary searches.
        const qsizetype ib = gallop(s.monoNs.begin() + ia, s.monoNs.end(), b, std::less<qint64>()) - s.monoNs.begin();
        Column &col = out[c];
        col.total = int(ib - ia);
        col.ok = int(s.okPrefix[size_t(ib)] - s.okPrefix[size_t(ia)]);
        if (col.ok > 0) {
            // Whole buckets [ka, kb) from the level; the partial buckets at both edges from raw samples.
            const qint64 ka = ceilDiv(a, width);
            const qint64 kb = floorDiv(b, width);
            Envelope env;
            auto addRaw = [&](qsizetype from, qsizetype to) {
                for (qsizetype j = from; j < to; ++j) {
                    if (s.okPrefix[size_t(j) + 1] != s.okPrefix[size_t(j)])
                        env.add(s.latencyMs[size_t(j)]);
                }
            };
            if (ka >= kb) {
                addRaw(ia, ib);
            } else {
                const qint64 leftEnd = ka * width;
                qsizetype j = ia;
                while (j < ib && s.monoNs[size_t(j)] < leftEnd)
                    ++j;
                addRaw(ia, j);
                bucket = gallop(bucket, buckets.end(), ka, [](const Bucket &x, qint64 k) { return x.index < k; });
                for (; bucket != buckets.end() && bucket->index < kb; ++bucket) {
                    if (bucket->ok > 0) {
                        env.min = std::min(env.min, bucket->latMin);
                        env.max = std::max(env.max, bucket->latMax);
                    }
                }
                const qint64 rightStart = kb * width;
                qsizetype k = ib;
                while (k > j && s.monoNs[size_t(k) - 1] >= rightStart)
                    --k;
                addRaw(k, ib);
            }
            col.latMin = env.min;
            col.latMax = env.max;
        }
        ia = ib;
    }
}

QList<RunEvent> SampleTimeline::events(qint64 fromNs, qint64 toNs) const
{
    const auto first = std::lower_bound(m_events.begin(), m_events.end(), fromNs,
                                        [](const RunEvent &e, qint64 ns) { return e.monoNs < ns; });
    QList<RunEvent> out;
    for (auto it = first; it != m_events.end() && it->monoNs < toNs; ++it)
        out.append(*it);
    return out;
}

QList<SampleTimeline::RoleSpan> SampleTimeline::leaderSpans(qint64 untilNs) const
{
    QList<RoleSpan> spans;
    RoleSpan open;
    bool isOpen = false;
    for (const RunEvent &e : m_events) {
        if (e.monoNs >= untilNs)
            break;
        if (e.kind != RunEvent::Kind::RoleChange)
            continue;
        if (isOpen && e.service == open.member)
            continue; // the same leader reported again: one continuous span
        if (isOpen) {
            open.toNs = e.monoNs;
            if (open.toNs > open.fromNs)
                spans.append(open);
            isOpen = false;
        }
        if (!e.service.isEmpty()) {
            open = RoleSpan{e.service, e.monoNs, 0};
            isOpen = true;
        }
    }
    if (isOpen && untilNs > open.fromNs) {
        open.toNs = untilNs;
        spans.append(open);
    }
    return spans;
}
