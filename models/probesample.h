#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

// One probe measurement. Times: monoNs on MonoClock (when the attempt was scheduled to start),
// wallMs since the epoch (for reports), latencyMs from send to answer (or to the timeout).
struct ProbeSample
{
    QString probeId;
    qint64 monoNs = 0;
    qint64 wallMs = 0;
    bool ok = false;
    double latencyMs = 0;
    int status = 0;       // HTTP status / exit code; 0 when none
    QString value;        // extracted by jsonPointer / regex
    QString error;        // why it failed, empty when ok
    qint64 lateNs = 0;    // how far after its scheduled time the attempt really started (jitter)
    // No attempt was made in this slot (the previous attempt was still running, or the console
    // could not start it in time). A skipped sample is the console's problem, never the target's:
    // metrics leave it out of availability and outages and count it separately.
    bool skipped = false;

    // The error of a slot skipped because this probe's earlier attempt was still out (waiting for
    // the target, or killed at its timeout and not yet reaped): the target's slowness, not the
    // console's, even when that attempt never reports (the check ended first).
    static constexpr const char *SkippedStillRunning = "previous attempt still running";
    bool skippedStillRunning() const { return skipped && error == QLatin1String(SkippedStillRunning); }

    // The error of a slot whose earlier attempt outlived its timeout and still holds the probe (a
    // blocking SQL connect, say): a failure of the target, but no attempt of its own, so it says
    // nothing about whether a new attempt at its time would have been answered.
    static constexpr const char *StillWaiting = "no answer: the previous attempt timed out and is still waiting";
    bool stillWaiting() const { return !skipped && !ok && error == QLatin1String(StillWaiting); }
};

using ProbeSampleBatch = QList<ProbeSample>;
Q_DECLARE_METATYPE(ProbeSample)
Q_DECLARE_METATYPE(ProbeSampleBatch)
