// Memory of a long run: synthetic probe samples at a fixed rate for a simulated duration, fed as
// fast as possible through the console's recording path: ProbeEngine-sized batches (50 ms) in
// completion order to CheckMetrics (the runner's metrics, summarised once per simulated second as
// the live pane does), the live chart's SampleTimeline, and RunStore::appendSamples (what
// RunRecorder calls for every batch). Prints peak RSS (VmHWM) and throughput.
// Usage: bench_memory [--rate N] [--seconds S] [--probes P] [--summary-every S] [--window-ms W] [--no-store] [--no-timeline]
//                     [--keep-store FILE]
//   --keep-store: write the run store to FILE and keep it (bench_storedread opens it afterwards).
//   --window-ms: CheckMetrics' reorder window; default what ScenarioRunner sets for these probes
//   (1 s timeout + one interval + 10 s).
//   --summary-every 0: summarise only at the end (the old code's summary copies every sample).
// Markdown on stdout. Timestamps are synthetic: nothing waits for a clock.
#include "checkmetrics.h"
#include "procstatus.h"
#include "runstore.h"
#include "sampletimeline.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <cstdio>
#include <map>
#include <vector>

namespace {

int intArg(const QStringList &args, const QString &name, int fallback)
{
    const qsizetype i = args.indexOf(name);
    return i >= 0 && i + 1 < args.size() ? args.at(i + 1).toInt() : fallback;
}

int intervalArg(const QStringList &args, qint64 intervalMs)
{
    return intArg(args, QStringLiteral("--window-ms"), int(1000 + intervalMs + 10'000));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int rate = intArg(args, QStringLiteral("--rate"), 2000);
    const int seconds = intArg(args, QStringLiteral("--seconds"), 3600);
    const int probes = std::max(1, intArg(args, QStringLiteral("--probes"), 20));
    const int summaryEvery = intArg(args, QStringLiteral("--summary-every"), 1);
    const bool useStore = !args.contains(QStringLiteral("--no-store"));
    const bool useTimeline = !args.contains(QStringLiteral("--no-timeline"));

    QTemporaryDir dir;
    RunStore store;
    QString runId;
    if (useStore) {
        QString error;
        const qsizetype keep = args.indexOf(QStringLiteral("--keep-store"));
        const QString path = keep >= 0 && keep + 1 < args.size() ? args.at(keep + 1) : dir.filePath(QStringLiteral("runs.sqlite"));
        if (!store.open(path, &error)) {
            fprintf(stderr, "cannot open the run store: %s\n", qPrintable(error));
            return 1;
        }
        Run header;
        header.labName = QStringLiteral("bench-memory");
        header.started = QDateTime::currentDateTimeUtc();
        header.state = Run::State::Running;
        runId = store.createRun(header);
        if (runId.isEmpty()) {
            fprintf(stderr, "cannot create the run: %s\n", qPrintable(store.lastError()));
            return 1;
        }
    }
    const QString checkId = QStringLiteral("soak");

    CheckMetrics metrics;
    const qint64 intervalMs = 1000LL * probes / rate;
    metrics.setReorderWindowNs(qint64(intervalArg(args, intervalMs)) * 1'000'000);
    SampleTimeline timeline;
    QStringList ids;
    for (int p = 0; p < probes; ++p) {
        ids.append(QStringLiteral("probe-%1").arg(p));
        metrics.addProbe({ids.last(), intervalMs, 0});
    }
    RunEvent started;
    started.kind = RunEvent::Kind::CheckStarted;
    metrics.addEvent(started);
    timeline.addEvent(started);

    // Samples complete at due + lateness + latency; a 1 s timeout every 2,000 samples completes
    // long after the later ones, and a 3 s outage of one probe each minute.
    const QString timeoutError = QStringLiteral("timeout after 1000 ms");
    const qint64 stepNs = 1'000'000'000LL / rate; // one sample of some probe every stepNs
    const qint64 flushNs = 50'000'000;            // ProbeEngine::FlushMs
    std::multimap<qint64, ProbeSample> inFlight;  // completion time -> sample
    QRandomGenerator rng(42);
    qint64 due = 0, fed = 0, nextSummaryNs = 1'000'000'000;
    const qint64 endNs = qint64(seconds) * 1'000'000'000;
    QElapsedTimer wall;
    wall.start();
    double summarizeMs = 0;
    int summaries = 0;
    for (qint64 flushAt = flushNs; flushAt <= endNs + 2'000'000'000; flushAt += flushNs) {
        for (; due < flushAt && due < endNs; due += stepNs) {
            ProbeSample s;
            const qint64 k = due / stepNs;
            s.probeId = ids.at(int(k % probes));
            s.monoNs = due;
            s.wallMs = 1'700'000'000'000 + due / 1'000'000;
            s.lateNs = qint64(rng.bounded(200'000));
            const bool outage = (k % probes) == 0 && (due % 60'000'000'000) < 3'000'000'000;
            const bool timeout = k % 2000 == 1999;
            s.ok = !outage && !timeout;
            s.latencyMs = timeout ? 1000.0 : 1.0 + rng.generateDouble() * 4.0;
            s.status = s.ok ? 200 : 0;
            if (!s.ok)
                s.error = outage ? QStringLiteral("connection refused") : timeoutError;
            inFlight.emplace(due + s.lateNs + qint64(s.latencyMs * 1e6), s);
        }
        ProbeSampleBatch batch;
        while (!inFlight.empty() && inFlight.begin()->first <= flushAt) {
            batch.append(inFlight.begin()->second);
            inFlight.erase(inFlight.begin());
        }
        if (!batch.isEmpty()) {
            metrics.addSamples(batch);
            if (useTimeline)
                timeline.addSamples(batch);
            if (useStore && !store.appendSamples(runId, checkId, batch)) {
                fprintf(stderr, "store refused a batch: %s\n", qPrintable(store.lastError()));
                return 1;
            }
            fed += batch.size();
        }
        if (flushAt >= nextSummaryNs) {
            if (summaryEvery > 0 && (nextSummaryNs / 1'000'000'000) % summaryEvery == 0) {
                QElapsedTimer t;
                t.start();
                const CheckMetrics::Summary live = metrics.summarize(); // the live pane's refresh
                summarizeMs += double(t.nsecsElapsed()) / 1e6;
                ++summaries;
                Q_UNUSED(live);
            }
            nextSummaryNs += 1'000'000'000;
            if (nextSummaryNs % 600'000'000'000 == 0)
                fprintf(stderr, "%lld s simulated, %lld samples, RSS %lld MB\n", nextSummaryNs / 1'000'000'000, fed,
                        procStatusKb("VmRSS") / 1024);
        }
    }
    if (useStore)
        store.finishRun(runId, Run::State::Finished);
    const CheckMetrics::Summary final = metrics.summarize();
    const double elapsed = double(wall.nsecsElapsed()) / 1e9;
    const qint64 hwmKb = procStatusKb("VmHWM");
    printf("| rate | simulated | probes | samples | store | timeline | peak RSS (VmHWM) | wall | samples/s | live summarize (mean) |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|\n");
    printf("| %d/s | %d s | %d | %lld | %s | %s | %.1f MB | %.1f s | %.0f | %.2f ms |\n", rate, seconds, probes, fed,
           useStore ? "yes" : "no", useTimeline ? "yes" : "no", double(hwmKb) / 1024.0, elapsed, double(fed) / elapsed,
           summarizeMs / std::max(1, summaries));
    printf("\nprobes_total %.0f, availability_pct %.3f, longest_outage_ms %.1f, latency_p50_ms %.3f, latency_p99_ms %.3f\n",
           final.values.value(QStringLiteral("probes_total")), final.values.value(QStringLiteral("availability_pct")),
           final.values.value(QStringLiteral("longest_outage_ms")), final.values.value(QStringLiteral("latency_p50_ms")),
           final.values.value(QStringLiteral("latency_p99_ms")));
    return 0;
}
