// What the live chart costs: repaint time (refresh() + grab() of a 1600x900 LiveChartView) and
// process memory for an hour of 4 probes at 100 Hz, next to a naive chart that appends every raw
// sample of one probe (10 min) to a QLineSeries.
// Usage: bench_chart [iterations]        (prints Markdown tables; run with QT_QPA_PLATFORM=offscreen)
//        bench_chart --show [seconds [hour]]  (a real window: the 60 s leader-kill scenario, or the
//                                             synthetic hour; for screenshots)
#include "livechartview.h"
#include "procstatus.h"
#include "sampletimeline.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QElapsedTimer>
#include <QLineSeries>
#include <QTimer>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace {

constexpr qint64 Ms = 1'000'000;
constexpr qint64 Sec = 1'000'000'000;
constexpr qint64 T0 = 5000 * Sec; // MonoClock counts from boot

RunEvent event(RunEvent::Kind kind, qint64 ns, const QString &service, const QString &action = {})
{
    RunEvent e;
    e.kind = kind;
    e.monoNs = ns;
    e.service = service;
    e.action = action;
    return e;
}

// Cheap deterministic noise in [0, 1).
double noise(quint64 i)
{
    i ^= i >> 33;
    i *= 0xff51afd7ed558ccdULL;
    i ^= i >> 33;
    i *= 0xc4ceb9fe1a85ec53ULL;
    i ^= i >> 33;
    return double(i >> 11) / double(1ULL << 53);
}

// One injected fault of the synthetic hour: the leader is hit, probes fail for outageNs, and
// the next member takes over.
struct SyntheticFault
{
    qint64 atNs;
    QString action;
    qint64 outageNs;
};

// `seconds` of `probes` at 100 Hz, with a fault every 8 minutes (kill/stop/pause/restart of the leader).
void syntheticRun(SampleTimeline &t, const QStringList &probes, int seconds)
{
    const QStringList members{QStringLiteral("api1"), QStringLiteral("api2"), QStringLiteral("api3")};
    const QStringList actions{QStringLiteral("kill"), QStringLiteral("stop"), QStringLiteral("pause"), QStringLiteral("restart")};
    QList<SyntheticFault> faults;
    for (qint64 s = 300, k = 0; s < seconds; s += 480, ++k)
        faults.append({T0 + s * Sec, actions[k % 4], (400 + 700 * (k % 3)) * Ms});

    t.addEvent(event(RunEvent::Kind::CheckStarted, T0, {}));
    t.addEvent(event(RunEvent::Kind::RoleChange, T0 + 250 * Ms, members[0]));
    for (int k = 0; k < faults.size(); ++k) {
        const SyntheticFault &f = faults[k];
        t.addEvent(event(RunEvent::Kind::Fault, f.atNs, members[k % 3], f.action));
        t.addEvent(event(RunEvent::Kind::RoleChange, f.atNs + 40 * Ms, QString()));
        t.addEvent(event(RunEvent::Kind::RoleChange, f.atNs + f.outageNs, members[(k + 1) % 3]));
        t.addMeasuredSpan({f.atNs, f.atNs + f.outageNs,
                           QStringLiteral("failover %1 ms ± 26 ms").arg(f.outageNs / Ms)});
    }
    const qint64 n = qint64(seconds) * 100;
    for (int p = 0; p < probes.size(); ++p) {
        ProbeSampleBatch batch;
        batch.reserve(2000);
        int nextFault = 0;
        for (qint64 i = 0; i < n; ++i) {
            const qint64 ns = T0 + i * 10 * Ms + p * Ms;
            while (nextFault < faults.size() && ns >= faults[nextFault].atNs + faults[nextFault].outageNs)
                ++nextFault;
            const bool down = nextFault < faults.size() && ns >= faults[nextFault].atNs;
            const double r = noise(quint64(i) * 31 + quint64(p));
            ProbeSample s;
            s.probeId = probes[p];
            s.monoNs = ns;
            s.ok = !down && r > 0.0005; // a rare stray failure outside outages too
            s.latencyMs = down ? 1000.0 : 2.0 + 2.0 * p + 1.5 * r + (r > 0.999 ? 40 * r : 0);
            batch.append(s);
            if (batch.size() == 2000) { // the probe engine hands over batches, not single samples
                t.addSamples(batch);
                batch.clear();
            }
        }
        t.addSamples(batch);
    }
}

// The screenshot scenario: 60 s, two probes, api1 killed at 20 s, api2 leads from 20.412 s.
void leaderKillScenario(SampleTimeline &t)
{
    const QString read = QStringLiteral("api-read");
    const QString write = QStringLiteral("api-write");
    const qint64 kill = T0 + 20 * Sec;
    const qint64 newLeader = kill + 412 * Ms;
    t.addEvent(event(RunEvent::Kind::CheckStarted, T0, {}));
    t.addEvent(event(RunEvent::Kind::RoleChange, T0 + 300 * Ms, QStringLiteral("api1")));
    RunEvent fault = event(RunEvent::Kind::Fault, kill, QStringLiteral("api1"), QStringLiteral("kill"));
    fault.detail = QStringLiteral("SIGKILL to the leader's process group");
    t.addEvent(fault);
    t.addEvent(event(RunEvent::Kind::RoleChange, kill + 45 * Ms, QString()));
    t.addEvent(event(RunEvent::Kind::RoleChange, newLeader, QStringLiteral("api2")));
    t.addEvent(event(RunEvent::Kind::Fault, T0 + 42 * Sec, QStringLiteral("api1"), QStringLiteral("restart")));
    t.addMeasuredSpan({kill, newLeader, QStringLiteral("failover 412 ms ± 26 ms")});
    for (qint64 i = 0; i < 6000; ++i) {
        const qint64 at = T0 + i * 10 * Ms;
        const double r = noise(quint64(i));
        const double warmup = at > newLeader ? 9.0 * std::exp(-double(at - newLeader) / 1.5e9) : 0; // cold caches on api2
        ProbeSample rd;
        rd.probeId = read;
        rd.monoNs = at;
        // Reads go to any replica: only those routed to the dead leader fail, until the balancer notices.
        rd.ok = !(at >= kill && at < kill + 180 * Ms && r < 0.5);
        rd.latencyMs = rd.ok ? 2.2 + 1.2 * r + 0.6 * std::sin(double(i) / 90.0) + warmup / 3 : 1000;
        ProbeSample wr;
        wr.probeId = write;
        wr.monoNs = at + 4 * Ms;
        wr.ok = !(wr.monoNs >= kill && wr.monoNs < newLeader + 20 * Ms);
        wr.latencyMs = wr.ok ? 5.5 + 2.0 * noise(quint64(i) + 77) + (r > 0.995 ? 9 : 0) + warmup : 1000;
        t.addSamples({rd, wr});
    }
}

struct Stats
{
    double median = 0;
    double p95 = 0;
};

template <typename F>
Stats measure(int iterations, F &&repaint)
{
    repaint(); // warm-up: first layout, glyph caches
    std::vector<double> ms;
    for (int i = 0; i < iterations; ++i) {
        QElapsedTimer t;
        t.start();
        repaint();
        ms.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    std::sort(ms.begin(), ms.end());
    const size_t p95 = std::min(ms.size() - 1, size_t(std::ceil(0.95 * double(ms.size()))) - 1);
    return {ms[ms.size() / 2], ms[p95]};
}

Stats measureChart(LiveChartView &view, int iterations)
{
    return measure(iterations, [&view] {
        view.refresh();
        const QPixmap frame = view.grab();
        Q_UNUSED(frame);
    });
}

int show(QApplication &app, int seconds, bool hour)
{
    SampleTimeline timeline;
    if (hour)
        syntheticRun(timeline, {QStringLiteral("api-read"), QStringLiteral("api-write"), QStringLiteral("db-read"), QStringLiteral("db-write")}, 3600);
    else
        leaderKillScenario(timeline);
    LiveChartView view(&timeline);
    view.setWindowTitle(QStringLiteral("HA Lab Console — live failover"));
    view.setWindow(T0, T0 + (hour ? 3600 : 60) * Sec);
    view.resize(1400, hour ? 800 : 560);
    view.move(0, 0);
    view.show();
    view.refresh();
    QTimer::singleShot(seconds * 1000, &app, &QCoreApplication::quit);
    return app.exec();
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() > 1 && args[1] == QLatin1String("--show"))
        return show(app, args.size() > 2 ? std::max(1, args[2].toInt()) : 30, args.size() > 3 && args[3] == QLatin1String("hour"));
    const int iterations = args.size() > 1 ? std::max(5, args[1].toInt()) : 50;

    const qint64 rssStart = procStatusKb("VmRSS");
    SampleTimeline hour;
    syntheticRun(hour, {QStringLiteral("api-read"), QStringLiteral("api-write"), QStringLiteral("db-read"), QStringLiteral("db-write")},
                 3600);
    const qint64 rssLoaded = procStatusKb("VmRSS");

    LiveChartView view(&hour);
    view.resize(1600, 900);
    view.show();
    view.setWindow(hour.originNs(), hour.originNs() + 3600 * Sec);
    const Stats wholeHour = measureChart(view, iterations);
    view.setFollowLatest(60 * Sec);
    const Stats liveMinute = measureChart(view, iterations);
    view.setFollowLatest(600 * Sec);
    const Stats liveTen = measureChart(view, iterations);
    const qint64 rssChart = procStatusKb("VmRSS");
    const int columns = view.columns();

    // Same data for both sides of the ratio: one probe, 10 minutes at 100 Hz (60 000 samples).
    SampleTimeline tenMin;
    syntheticRun(tenMin, {QStringLiteral("api-read")}, 600);
    LiveChartView small(&tenMin);
    small.resize(1600, 900);
    small.show();
    small.setWindow(tenMin.originNs(), tenMin.originNs() + 600 * Sec);
    const Stats oursTen = measureChart(small, iterations);

    const qint64 rssBeforeNaive = procStatusKb("VmRSS");
    // The raw samples back as points: one 10 ms column holds exactly one sample.
    QList<QPointF> raw;
    const QVector<SampleTimeline::Column> cols = tenMin.decimate(QStringLiteral("api-read"), tenMin.originNs(),
                                                                 tenMin.originNs() + 600 * Sec, 60'000); // 1 sample per column
    for (const SampleTimeline::Column &c : cols) {
        if (c.ok > 0)
            raw.append(QPointF(double(c.startNs - tenMin.originNs()) / 1e9, c.latMin));
    }
    QChartView naive;
    auto *chart = new QChart();
    auto *series = new QLineSeries();
    chart->addSeries(series);
    chart->createDefaultAxes();
    chart->axes(Qt::Horizontal).first()->setRange(0, 600);
    chart->axes(Qt::Vertical).first()->setRange(0, 50);
    naive.setChart(chart);
    naive.setRenderHint(QPainter::Antialiasing);
    naive.resize(1600, 900);
    naive.show();
    // Bulk replace() is the naive chart's best case; append(list) emits pointAdded per point and
    // re-lays the whole series each time (quadratic), timed once below on a minute of data.
    const Stats naiveTen = measure(std::max(5, iterations / 5), [&] {
        series->replace(raw);
        const QPixmap frame = naive.grab();
        Q_UNUSED(frame);
    });
    QElapsedTimer appendTimer;
    series->clear();
    appendTimer.start();
    series->append(raw.mid(0, 6000));
    const double appendMinuteMs = double(appendTimer.nsecsElapsed()) / 1e6;
    series->replace(raw);
    const qint64 rssNaive = procStatusKb("VmRSS");

    printf("samples: %lld (%d probes x 3600 s x 100 Hz); store %.1f MB by capacity; plot %d columns; %d iterations\n\n",
           hour.sampleCount(), int(hour.probeIds().size()), double(hour.memoryBytes()) / 1e6, columns, iterations);
    printf("| case | median | p95 |\n|---|---|---|\n");
    printf("| LiveChartView, 1 h x 4 probes, whole hour in view | %.1f ms | %.1f ms |\n", wholeHour.median, wholeHour.p95);
    printf("| LiveChartView, 1 h x 4 probes, following the last 60 s | %.1f ms | %.1f ms |\n", liveMinute.median, liveMinute.p95);
    printf("| LiveChartView, 1 h x 4 probes, following the last 10 min | %.1f ms | %.1f ms |\n", liveTen.median, liveTen.p95);
    printf("| LiveChartView, 1 probe x 10 min (60 000 samples) | %.1f ms | %.1f ms |\n", oursTen.median, oursTen.p95);
    printf("| naive QLineSeries, same 1 probe x 10 min, all %lld points | %.1f ms | %.1f ms |\n", qlonglong(raw.size()),
           naiveTen.median, naiveTen.p95);
    printf("| ratio naive / LiveChartView (1 probe x 10 min) | %.0fx | %.0fx |\n", naiveTen.median / oursTen.median,
           naiveTen.p95 / oursTen.p95);
    printf("| naive QLineSeries::append() of 1 min (6 000 points), once | %.0f ms | |\n\n", appendMinuteMs);
    printf("| memory (VmRSS) | MB |\n|---|---|\n");
    printf("| at start (Qt loaded, nothing stored) | %.0f |\n", double(rssStart) / 1024);
    printf("| after loading 1.44 M samples | %.0f (+%.0f) |\n", double(rssLoaded) / 1024, double(rssLoaded - rssStart) / 1024);
    printf("| after the chart benches | %.0f |\n", double(rssChart) / 1024);
    printf("| naive series of 60 000 points, added | +%.0f |\n", double(rssNaive - rssBeforeNaive) / 1024);
    return 0;
}
