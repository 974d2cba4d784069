#include "runcharts.h"

#include "livechartview.h"
#include "sampletimeline.h"

#include <algorithm>

namespace RunCharts {

bool hasChart(const CheckResult &result)
{
    if (!result.samples.isEmpty())
        return true;
    return std::any_of(result.events.cbegin(), result.events.cend(), [](const RunEvent &e) { return e.kind == RunEvent::Kind::Fault; });
}

Span fill(SampleTimeline &timeline, const CheckResult &result)
{
    timeline.clear();
    timeline.addSamples(result.samples);
    Span span;
    for (const RunEvent &e : result.events) {
        timeline.addEvent(e);
        // The same check run twice in one sitting: the latest attempt is the one its verdict is about.
        if (e.kind == RunEvent::Kind::CheckStarted && e.monoNs >= span.fromNs) {
            span.fromNs = e.monoNs;
            span.toNs = 0;
        } else if (e.kind == RunEvent::Kind::CheckFinished && e.monoNs >= span.fromNs) {
            span.toNs = e.monoNs;
        }
    }
    if (span.fromNs == 0)
        span.fromNs = timeline.firstNs();
    if (span.toNs <= span.fromNs)
        span.toNs = timeline.lastNs();
    if (span.toNs - span.fromNs < 1'000'000'000)
        span.toNs = span.fromNs + 1'000'000'000; // a blink of a check still gets a readable axis
    timeline.setOriginNs(span.fromNs);
    return span;
}

QHash<QString, QImage> images(const Run &run, const QSize &size)
{
    QHash<QString, QImage> out;
    for (const CheckResult &r : run.results) {
        if (!hasChart(r))
            continue;
        SampleTimeline timeline;
        const Span span = fill(timeline, r);
        LiveChartView view(&timeline);
        view.setWindow(span.fromNs, span.toNs);
        out.insert(r.checkId, view.grabImage(size));
    }
    return out;
}

} // namespace RunCharts
