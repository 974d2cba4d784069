#pragma once

#include "quantilehistogram.h"
#include "run.h"
#include "sampletimeline.h"

#include <QHash>
#include <QString>

#include <memory>

class RunStore;
class CheckChartData;

// Chart data of a run's checks by check id: only checks that have something to chart.
using RunChartData = QHash<QString, std::shared_ptr<const CheckChartData>>;

// What one check's charts are drawn from, in bounded memory however long it ran: its samples and
// events in a SampleTimeline (raw samples for the newest minutes, buckets before), the
// distribution of its ok latencies (the report chart's scale) and the span of its latest attempt.
// The window's Runs tab and the HTML/PDF reports both read stored runs through it, so opening an
// hour at 2,000 samples/s never holds the hour's samples at once.
class CheckChartData
{
public:
    // Samples read from the store per batch.
    static constexpr qsizetype ReadBatch = 20'000;

    SampleTimeline timeline;
    QuantileHistogram okLatencyMs;
    // The latest attempt on the MonoClock (CheckStarted .. CheckFinished; the samples' extent when
    // those are missing), at least one second wide; the timeline's origin is set to fromNs.
    qint64 fromNs = 0;
    qint64 toNs = 0;

    // Samples (taken ones) or faults to draw.
    bool hasChart() const;
    qint64 spanNs() const { return toNs - fromNs; }

    // Reads the result's samples from the store in batches of ReadBatch; its events come from
    // `result`. nullptr on a read error (*error says why).
    static std::shared_ptr<CheckChartData> read(const RunStore &store, const QString &runId, const CheckResult &result,
                                                QString *error = nullptr);
    // From the samples the result holds in memory.
    static std::shared_ptr<CheckChartData> fromResult(const CheckResult &result);
    // Every check of a stored run that has a chart. On a read error the checks read so far and *error.
    static RunChartData readRun(const RunStore &store, const Run &run, QString *error = nullptr);
    // Every check of a run read with its samples (RunStore::run(id, true)) that has a chart.
    static RunChartData fromRun(const Run &run);

private:
    void addSamples(const ProbeSampleBatch &batch);
    void finish(const CheckResult &result);
};
