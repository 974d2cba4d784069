#include "checkchartdata.h"

#include "runstore.h"

#include <algorithm>

bool CheckChartData::hasChart() const
{
    if (timeline.sampleCount() > 0)
        return true;
    const QList<RunEvent> events = timeline.events();
    return std::any_of(events.cbegin(), events.cend(), [](const RunEvent &e) { return e.kind == RunEvent::Kind::Fault; });
}

void CheckChartData::addSamples(const ProbeSampleBatch &batch)
{
    timeline.addSamples(batch);
    for (const ProbeSample &s : batch)
        if (s.ok && !s.skipped)
            okLatencyMs.add(s.latencyMs);
}

void CheckChartData::finish(const CheckResult &result)
{
    for (const RunEvent &e : result.events) {
        timeline.addEvent(e);
        // The same check run twice in one sitting: the latest attempt is the one its verdict is about.
        if (e.kind == RunEvent::Kind::CheckStarted && e.monoNs >= fromNs) {
            fromNs = e.monoNs;
            toNs = 0;
        } else if (e.kind == RunEvent::Kind::CheckFinished && e.monoNs >= fromNs) {
            toNs = e.monoNs;
        }
    }
    if (fromNs == 0)
        fromNs = timeline.firstNs();
    if (toNs <= fromNs)
        toNs = timeline.lastNs();
    if (toNs - fromNs < 1'000'000'000)
        toNs = fromNs + 1'000'000'000; // a blink of a check still gets a readable axis
    timeline.setOriginNs(fromNs);
    // Split brain as the run recorded it (ms since the check started), for the leader lane.
    for (const ClusterAnomaly &a : result.anomalies) {
        if (a.kind != ClusterAnomaly::Kind::SplitBrain)
            continue;
        SampleTimeline::SplitBrainSpan span;
        span.leaders = a.services;
        span.fromNs = fromNs + qint64(a.atMs * 1e6);
        span.open = !a.untilMs;
        span.toNs = a.untilMs ? fromNs + qint64(*a.untilMs * 1e6) : toNs;
        timeline.addRecordedSplitBrain(span);
    }
}

std::shared_ptr<CheckChartData> CheckChartData::read(const RunStore &store, const QString &runId, const CheckResult &result, QString *error)
{
    auto data = std::make_shared<CheckChartData>();
    const bool ok = store.forEachSampleBatch(runId, result.checkId, ReadBatch, [&data](const ProbeSampleBatch &batch) {
        data->addSamples(batch);
        return true;
    });
    if (!ok) {
        if (error)
            *error = store.lastError();
        return nullptr;
    }
    data->finish(result);
    return data;
}

std::shared_ptr<CheckChartData> CheckChartData::fromResult(const CheckResult &result)
{
    auto data = std::make_shared<CheckChartData>();
    data->addSamples(result.samples);
    data->finish(result);
    return data;
}

RunChartData CheckChartData::readRun(const RunStore &store, const Run &run, QString *error)
{
    RunChartData out;
    for (const CheckResult &r : run.results) {
        std::shared_ptr<CheckChartData> data = read(store, run.id, r, error);
        if (!data)
            break;
        if (data->hasChart())
            out.insert(r.checkId, std::move(data));
    }
    return out;
}

RunChartData CheckChartData::fromRun(const Run &run)
{
    RunChartData out;
    for (const CheckResult &r : run.results)
        if (std::shared_ptr<CheckChartData> data = fromResult(r); data->hasChart())
            out.insert(r.checkId, std::move(data));
    return out;
}
