#pragma once

#include "probesample.h"
#include "quantilehistogram.h"

#include <QList>

#include <limits>

// One probe's samples in time order, kept in bounded memory: counts, latency and lateness
// histograms (fed on arrival: they do not depend on order), and the runs of equal outcome
// (ok / failed, fed in time order) with their first and last samples —
// enough for every figure CheckMetrics reports, and as exact: outages and their intervals come
// from run boundaries, the longest gap between two consecutive successes is kept per run, and
// the first sample at or after each fault ("anchor") is noted as it passes. Memory grows with the
// number of outcome changes and anchors, never with the number of samples.
// Assumes a probe's attempts start in the order they were due (the engine starts them so).
class ProbeSequence
{
public:
    // The part of a sample the metrics need.
    struct Sample
    {
        qint64 monoNs = 0; // due
        qint64 lateNs = 0;
        double latencyMs = 0;
        bool ok = false;
        bool skipped = false;
        bool stillRunning = false; // skipped: the executor still had an earlier attempt out
        bool stillWaiting = false; // failed with no attempt of its own: an earlier one still holds the probe

        static Sample from(const ProbeSample &s)
        {
            return {s.monoNs, s.lateNs, s.latencyMs, s.ok, s.skipped, s.skippedStillRunning(), s.stillWaiting()};
        }
        qint64 startNs() const { return monoNs + lateNs; }
        qint64 endNs() const;
    };

    // When an attempt really started, and when its answer (or timeout) came.
    struct Point
    {
        qint64 startNs = 0;
        qint64 endNs = 0;
    };

    // A maximal stretch of taken samples with the same outcome.
    struct Run
    {
        bool ok = false;
        qint64 count = 0;
        Point first;
        Point last; // the last real attempt: a still-waiting slot counts but never moves it
        qint64 maxOkGapNs = 0; // ok runs: the largest end(i+1) − start(i) of two consecutive samples
    };

    // The first taken sample that started at or after atNs.
    struct Anchor
    {
        qint64 atNs = 0;
        bool found = false;
        Point sample;
        bool ok = false;
        qsizetype run = -1; // index in runs()
        bool exact = true;  // false: added after the samples it names had passed (see addAnchor)
    };

    // Notes the first sample at or after atNs from now on. An anchor older than samples already
    // appended is resolved from the runs: exact when it falls before a run's first sample, else
    // that run's last sample stands for it (exact = false).
    void addAnchor(qint64 atNs);
    // What does not depend on order (counts, histograms): every sample once, on arrival.
    void count(const Sample &s);
    // What does (runs, anchors, slots skipped with nothing in flight): every sample once, in time
    // order (due).
    void append(const Sample &s);

    qint64 ok() const { return m_ok; }
    qint64 taken() const { return m_taken; }
    qint64 skipped() const { return m_skipped; }
    // Skipped with no attempt of this probe in flight: the console could not start it. A slot the
    // executor refused because an attempt was still out never counts, even when no sample shows
    // that attempt (it was still waiting when the check ended).
    qint64 consoleSkipped() const { return m_consoleSkipped; }
    bool isEmpty() const { return m_taken + m_skipped == 0; }
    const QList<Run> &runs() const { return m_runs; }
    const QuantileHistogram &latency() const { return m_latency; } // ok samples
    const QuantileHistogram &lateness() const { return m_lateness; } // taken samples
    const Anchor *anchor(qint64 atNs) const;
    qsizetype anchorCount() const { return m_anchors.size(); }

private:
    QList<Run> m_runs;
    QList<Anchor> m_anchors;
    qsizetype m_unresolved = 0;
    QuantileHistogram m_latency;
    QuantileHistogram m_lateness;
    qint64 m_ok = 0;
    qint64 m_taken = 0;
    qint64 m_skipped = 0;
    qint64 m_consoleSkipped = 0;
    qint64 m_inFlightUntil = std::numeric_limits<qint64>::min();
};
