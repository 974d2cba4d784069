#include "probesequence.h"

#include <cmath>

qint64 ProbeSequence::Sample::endNs() const
{
    return startNs() + qint64(std::llround(latencyMs * 1e6));
}

void ProbeSequence::addAnchor(qint64 atNs)
{
    for (const Anchor &a : std::as_const(m_anchors))
        if (a.atNs == atNs)
            return;
    Anchor a;
    a.atNs = atNs;
    for (qsizetype i = 0; i < m_runs.size() && !a.found; ++i) {
        const Run &r = m_runs.at(i);
        if (r.last.startNs < atNs)
            continue;
        a.found = true;
        a.ok = r.ok;
        a.run = i;
        a.exact = r.first.startNs >= atNs || r.count == 1;
        a.sample = r.first.startNs >= atNs ? r.first : r.last;
    }
    if (!a.found)
        ++m_unresolved;
    m_anchors.append(a);
}

const ProbeSequence::Anchor *ProbeSequence::anchor(qint64 atNs) const
{
    for (const Anchor &a : m_anchors)
        if (a.atNs == atNs)
            return &a;
    return nullptr;
}

void ProbeSequence::count(const Sample &s)
{
    if (s.skipped) {
        ++m_skipped;
        return;
    }
    ++m_taken;
    m_lateness.add(double(s.lateNs) / 1e6);
    if (s.ok) {
        ++m_ok;
        m_latency.add(s.latencyMs);
    }
}

void ProbeSequence::append(const Sample &s)
{
    if (s.skipped) {
        if (!s.stillRunning && s.monoNs >= m_inFlightUntil)
            ++m_consoleSkipped;
        return;
    }
    const Point p{s.startNs(), s.endNs()};
    m_inFlightUntil = std::max(m_inFlightUntil, p.endNs);
    if (m_runs.isEmpty() || m_runs.last().ok != s.ok) {
        Run r;
        r.ok = s.ok;
        r.first = p;
        r.last = p;
        r.count = 1;
        m_runs.append(r);
    } else {
        Run &r = m_runs.last();
        if (r.ok)
            r.maxOkGapNs = std::max(r.maxOkGapNs, p.endNs - r.last.startNs);
        // "Still down" at a still-waiting slot's time would be a guess: the attempt that fails
        // there started earlier, so the outage's end is bounded by the last attempt really made.
        if (!s.stillWaiting)
            r.last = p;
        ++r.count;
    }
    if (m_unresolved == 0)
        return;
    for (Anchor &a : m_anchors) {
        if (a.found || p.startNs < a.atNs)
            continue;
        a.found = true;
        a.sample = p;
        a.ok = s.ok;
        a.run = m_runs.size() - 1;
        --m_unresolved;
    }
}
