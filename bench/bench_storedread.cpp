// Memory of opening a long stored run: what the Runs tab and an HTML/PDF export do with a run's
// samples, on a store bench_memory wrote (--keep-store). Two paths, one per process so each has
// its own peak RSS:
//   streamed (the console's): the run without samples, then CheckChartData::readRun (batches of
//             CheckChartData::ReadBatch into each check's SampleTimeline) and the report charts;
//   whole:    RunStore::run(id, true) (every sample as one list, the code before), then the same
//             charts from those samples (CheckChartData::fromRun).
// Usage: QT_QPA_PLATFORM=offscreen bench_storedread STORE [--whole]
// Prints one Markdown table row: path, samples drawn, charts, peak RSS (VmHWM) before reading and after, wall time.
#include "checkchartdata.h"
#include "procstatus.h"
#include "reportchart.h"
#include "runstore.h"

#include <QElapsedTimer>
#include <QGuiApplication>

#include <cstdio>

int main(int argc, char **argv)
{
    QGuiApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 2) {
        fprintf(stderr, "usage: bench_storedread STORE [--whole]\n");
        return 2;
    }
    const bool whole = args.contains(QStringLiteral("--whole"));
    RunStore store;
    QString error;
    if (!store.open(args.at(1), &error)) {
        fprintf(stderr, "cannot open %s: %s\n", qPrintable(args.at(1)), qPrintable(error));
        return 1;
    }
    const QList<Run> runs = store.runs();
    if (runs.isEmpty()) {
        fprintf(stderr, "the store holds no run\n");
        return 1;
    }
    const qint64 before = procStatusKb("VmHWM");
    QElapsedTimer wall;
    wall.start();
    std::optional<Run> run = store.run(runs.first().id, whole);
    if (!run) {
        fprintf(stderr, "cannot read the run: %s\n", qPrintable(store.lastError()));
        return 1;
    }
    const RunChartData charts = whole ? CheckChartData::fromRun(*run) : CheckChartData::readRun(store, *run, &error);
    if (!error.isEmpty()) {
        fprintf(stderr, "cannot read the samples: %s\n", qPrintable(error));
        return 1;
    }
    const QHash<QString, QImage> images = ReportChart::images(charts);
    const double seconds = double(wall.nsecsElapsed()) / 1e9;
    qint64 samples = 0;
    for (const auto &c : charts)
        samples += c->timeline.sampleCount();
    printf("| %s | %lld | %zu | %.1f MB | %.1f MB | %.1f s |\n", whole ? "whole list (before)" : "streamed (after)", samples,
           size_t(images.size()), double(before) / 1024.0, double(procStatusKb("VmHWM")) / 1024.0, seconds);
    return images.isEmpty() ? 1 : 0;
}
