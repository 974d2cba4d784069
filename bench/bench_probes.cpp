// ProbeEngine against a real halab-demo-api (+ redis-server) on loopback.
//   accuracy: outages of known length D (POST /admin/unavailable?ms=D) as a check reports them
//             (CheckMetrics, the console's own code) at 10/50/100 ms intervals, with the interval
//             that should hold D, beside the runbook's curl loop (curl + sleep 0.05).
//   capacity: N probes at 10 ms on /health: samples/s and p99 scheduling lateness per load.
// Usage: bench_probes [accuracy] [capacity] [--reps N] [--seconds S] [--repeat K] [--probes N]
//        (Markdown on stdout; defaults: both parts, 3 outage runs, 5 s x 3 runs per load)
// Every loop is bounded in count and time; only processes started here are signalled.
#include "checkmetrics.h"
#include "demostack.h"
#include "monoclock.h"
#include "probeengine.h"

#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <time.h>
#include <vector>

using namespace ProbeTestSupport;

namespace {
constexpr int WarmupMs = 1000;
constexpr int TailMs = 1000;

ProbeSpec healthProbe(const QString &id, const QString &url, qint64 intervalMs, qint64 timeoutMs)
{
    ProbeSpec p;
    p.id = id;
    p.kind = ProbeSpec::Kind::Http;
    p.url = url;
    p.intervalMs = intervalMs;
    p.timeoutMs = timeoutMs;
    return p;
}

// What a method saw of one outage: first failed sample and first success after it (ns).
struct Seen
{
    qint64 firstFailNs = 0;
    qint64 firstOkAfterNs = 0;
    double durationMs() const { return double(firstOkAfterNs - firstFailNs) / 1e6; }
};

std::optional<Seen> outage(std::vector<std::pair<qint64, bool>> timeOk)
{
    std::sort(timeOk.begin(), timeOk.end());
    std::optional<qint64> firstFail;
    for (const auto &[t, ok] : timeOk) {
        if (!ok && !firstFail)
            firstFail = t;
        else if (ok && firstFail)
            return Seen{*firstFail, t};
    }
    return std::nullopt;
}

// What the console reports for one probe, through the same CheckMetrics code as every check:
// samples in arrival order, the injection as a fault event.
struct Reported
{
    double outageMs = 0;
    MetricInterval interval;
    double detectionMs = 0;
};

std::optional<Reported> reported(const QList<ProbeSample> &all, const QString &id, qint64 intervalMs, qint64 injectedNs)
{
    CheckMetrics metrics;
    metrics.addProbe({id, intervalMs, 0});
    ProbeSampleBatch mine;
    for (const ProbeSample &s : all)
        if (s.probeId == id)
            mine.append(s);
    metrics.addSamples(mine);
    RunEvent fault;
    fault.kind = RunEvent::Kind::Fault;
    fault.monoNs = injectedNs;
    fault.service = QStringLiteral("demo-api");
    fault.action = QStringLiteral("pause");
    metrics.addEvent(fault);
    const CheckMetrics::Summary summary = metrics.summarize();
    const QString key = id + QStringLiteral(".longest_outage_ms");
    if (!summary.values.contains(key) || summary.values.value(key) <= 0 || !summary.values.contains(QStringLiteral("detection_ms")))
        return std::nullopt;
    return Reported{summary.values.value(key), summary.intervals.value(key), summary.values.value(QStringLiteral("detection_ms"))};
}

// The seeds' method: a shell loop of curl every 50 ms, stamped with date +%s%N.
const char *CurlLoop = R"sh(
url=$1; end=$(( $(date +%s%N) + $2 * 1000000 ))
while :; do
  t=$(date +%s%N)
  [ "$t" -ge "$end" ] && break
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url")
  echo "$t $code"
  sleep 0.05
done
)sh";

// The curl loop's outage (realtime ns) and its mean period between requests.
std::optional<Seen> curlOutage(const QByteArray &out, double *periodMs)
{
    std::vector<std::pair<qint64, bool>> v;
    const QList<QByteArray> lines = out.split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> f = line.trimmed().split(' ');
        if (f.size() == 2)
            v.emplace_back(f[0].toLongLong(), f[1] == "200");
    }
    if (v.size() > 1)
        *periodMs = double(v.back().first - v.front().first) / 1e6 / double(v.size() - 1);
    return outage(v);
}

qint64 realtimeNs()
{
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct Stat
{
    std::vector<double> values;
    void add(double v) { values.push_back(v); }
    double mean() const
    {
        double s = 0;
        for (double v : values)
            s += v;
        return values.empty() ? qQNaN() : s / double(values.size());
    }
    double maxAbs() const
    {
        double m = 0;
        for (double v : values)
            m = std::max(m, std::abs(v));
        return values.empty() ? qQNaN() : m;
    }
    double meanAbs() const
    {
        double s = 0;
        for (double v : values)
            s += std::abs(v);
        return values.empty() ? qQNaN() : s / double(values.size());
    }
};

double percentile(std::vector<double> v, double q)
{
    if (v.empty())
        return qQNaN();
    std::sort(v.begin(), v.end());
    const size_t rank = size_t(std::max(1.0, std::ceil(q * double(v.size()))));
    return v[std::min(rank, v.size()) - 1];
}

double cpuSecondsSelf()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double cpuSecondsOf(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray stat = f.readAll();
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15
    return fields.size() > 12 ? double(fields[11].toLongLong() + fields[12].toLongLong()) / double(sysconf(_SC_CLK_TCK)) : 0;
}

void accuracy(DemoStack &stack, int reps)
{
    // 333 and 1234 ms are not multiples of the intervals: there the duration is not exact by construction.
    const QList<int> durations = {100, 333, 1000, 1234, 5000};
    const QList<int> intervals = {10, 50, 100};
    printf("\n### Outage timing accuracy (D injected with /admin/unavailable, %d runs each)\n\n", reps);
    printf("Console = what a check reports (CheckMetrics, samples in arrival order): `longest_outage_ms` with its "
           "interval, and `detection_ms` (injection -> first failed sample; injection = midpoint of the admin request). "
           "Error = reported - D. Curl loop: first failed sample -> first success after it.\n\n");
    printf("| D | interval | console outage (mean) | error mean / max abs | D inside the interval | interval width mean / max | "
           "detection mean / max | curl loop duration (mean) | curl error mean / max abs | curl start edge mean / max |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|\n");
    fflush(stdout);
    double curlPeriod = 0;
    int curlPeriods = 0;
    for (int d : durations) {
        QList<Stat> engineErr(intervals.size());
        QList<Stat> engineDur(intervals.size());
        QList<Stat> engineEdge(intervals.size());
        QList<Stat> width(intervals.size());
        QList<int> inside(intervals.size(), 0);
        Stat curlErr;
        Stat curlDur;
        Stat curlEdge;
        for (int rep = 0; rep < reps; ++rep) {
            QProcess curl;
            curl.setStandardErrorFile(QProcess::nullDevice());
            const int loopMs = WarmupMs + 100 + d + TailMs + 300;
            curl.start(QStringLiteral("bash"), {QStringLiteral("-c"), QString::fromLatin1(CurlLoop), QStringLiteral("curl-loop"),
                                                stack.url(QStringLiteral("/health")), QString::number(loopMs)});
            ProbeEngine engine;
            QList<ProbeSample> all;
            QObject::connect(&engine, &ProbeEngine::samples, &engine, [&all](const ProbeSampleBatch &b) { all += b; });
            QList<ProbeSpec> specs;
            for (int interval : intervals)
                specs.append(healthProbe(QStringLiteral("i%1").arg(interval), stack.url(QStringLiteral("/health")), interval, 500));
            engine.setProbes(specs);
            engine.start();
            // A random phase between the probe grid and the fault, as in real life.
            spinFor(WarmupMs + int(QRandomGenerator::global()->bounded(100)));
            const qint64 sentNs = MonoClock::nowNs();
            const qint64 sentRealNs = realtimeNs();
            if (stack.injectUnavailable(d) != 200) {
                fprintf(stderr, "injection failed\n");
                std::exit(1);
            }
            const qint64 halfTripNs = (MonoClock::nowNs() - sentNs) / 2;
            const qint64 injectedNs = sentNs + halfTripNs;
            const qint64 injectedRealNs = sentRealNs + halfTripNs;
            spinFor(d + TailMs);
            engine.stop();
            if (!spinUntil([&curl]() { return curl.state() == QProcess::NotRunning; }, loopMs + 3000))
                curl.kill();
            spinUntil([&curl]() { return curl.state() == QProcess::NotRunning; }, 2000);
            for (int i = 0; i < intervals.size(); ++i) {
                if (const auto seen = reported(all, QStringLiteral("i%1").arg(intervals[i]), intervals[i], injectedNs)) {
                    engineDur[i].add(seen->outageMs);
                    engineErr[i].add(seen->outageMs - d);
                    engineEdge[i].add(seen->detectionMs);
                    width[i].add(seen->interval.width());
                    inside[i] += seen->interval.contains(d) ? 1 : 0;
                }
            }
            double period = 0;
            if (const auto seen = curlOutage(curl.readAllStandardOutput(), &period)) {
                curlDur.add(seen->durationMs());
                curlErr.add(seen->durationMs() - d);
                curlEdge.add(double(seen->firstFailNs - injectedRealNs) / 1e6);
            }
            if (period > 0) {
                curlPeriod += period;
                ++curlPeriods;
            }
            spinFor(200);
        }
        for (int i = 0; i < intervals.size(); ++i) {
            printf("| %d ms | %d ms | %.1f ms | %+.1f / %.1f ms | %d / %d | %.1f / %.1f ms | %.1f / %.1f ms | %.1f ms | %+.1f / %.1f ms | "
                   "%+.1f / %.1f ms |\n",
                   d, intervals[i], engineDur[i].mean(), engineErr[i].mean(), engineErr[i].maxAbs(), inside[i], reps, width[i].mean(),
                   width[i].maxAbs(), engineEdge[i].mean(), engineEdge[i].maxAbs(), curlDur.mean(), curlErr.mean(), curlErr.maxAbs(),
                   curlEdge.mean(), curlEdge.maxAbs());
            fflush(stdout);
        }
        if (curlDur.values.size() < size_t(reps))
            printf("| %d ms | curl loop missed the outage in %d of %d runs | | | | | | | | |\n", d,
                   reps - int(curlDur.values.size()), reps);
    }
    printf("\ncurl loop: one request every %.1f ms on average (sleep 0.05 + curl + date).\n",
           curlPeriods ? curlPeriod / curlPeriods : 0.0);
    fflush(stdout);
}

struct LoadResult
{
    double samplesPerSec = 0;
    double okPct = 0;
    double p99LateMs = 0;
    double maxLateMs = 0;
    double latencyP50 = 0;
    double latencyP99 = 0;
    double engineCpuPct = 0;
    double apiCpuPct = 0;
};

// N probes at 10 ms for seconds s; busyCaller keeps this (the engine's) thread 80% busy.
LoadResult load(DemoStack &stack, int probes, int seconds, bool busyCaller)
{
    ProbeEngine engine;
    qint64 count = 0;
    qint64 ok = 0;
    std::vector<double> latency;
    QObject::connect(&engine, &ProbeEngine::samples, &engine, [&](const ProbeSampleBatch &b) {
        for (const ProbeSample &s : b) {
            ++count;
            ok += s.ok ? 1 : 0;
            latency.push_back(s.latencyMs);
        }
    });
    QList<ProbeSpec> specs;
    for (int i = 0; i < probes; ++i)
        specs.append(healthProbe(QStringLiteral("p%1").arg(i), stack.url(QStringLiteral("/health")), 10, 1000));
    engine.setProbes(specs);
    QTimer busy;
    // A GUI thread that spends 40 of every 50 ms painting.
    QObject::connect(&busy, &QTimer::timeout, &busy, []() {
        const qint64 until = MonoClock::nowNs() + 40'000'000;
        while (MonoClock::nowNs() < until) {
        }
    });
    const double cpu0 = cpuSecondsSelf();
    const double api0 = cpuSecondsOf(stack.apiPid());
    const qint64 t0 = MonoClock::nowNs();
    engine.start();
    if (busyCaller)
        busy.start(50);
    spinFor(seconds * 1000);
    busy.stop();
    engine.stop();
    const double wall = double(MonoClock::nowNs() - t0) / 1e9;
    LoadResult r;
    r.samplesPerSec = double(count) / wall;
    r.okPct = count ? 100.0 * double(ok) / double(count) : 0;
    r.p99LateMs = engine.schedulingJitterP99Ms();
    qint64 maxLate = 0;
    const QHash<QString, qint64> late = engine.maxLateNs();
    for (auto it = late.cbegin(); it != late.cend(); ++it)
        maxLate = std::max(maxLate, it.value());
    r.maxLateMs = double(maxLate) / 1e6;
    r.latencyP50 = percentile(latency, 0.50);
    r.latencyP99 = percentile(latency, 0.99);
    r.engineCpuPct = 100.0 * (cpuSecondsSelf() - cpu0) / wall;
    r.apiCpuPct = 100.0 * (cpuSecondsOf(stack.apiPid()) - api0) / wall;
    return r;
}

// Median of one field over repeated runs of a load, with its range.
template<typename F>
std::string medianOf(const std::vector<LoadResult> &runs, F field, int decimals, const char *unit, bool range)
{
    std::vector<double> v;
    for (const LoadResult &r : runs)
        v.push_back(field(r));
    std::sort(v.begin(), v.end());
    char buf[96];
    if (range && v.size() > 1)
        snprintf(buf, sizeof buf, "%.*f%s (%.*f - %.*f)", decimals, v[v.size() / 2], unit, decimals, v.front(), decimals, v.back());
    else
        snprintf(buf, sizeof buf, "%.*f%s", decimals, v[v.size() / 2], unit);
    return buf;
}

void printLoad(const char *label, int target, const std::vector<LoadResult> &runs)
{
    printf("| %s | %d | %s | %s | %s | %s | %s / %s ms | %s | %s |\n", label, target,
           medianOf(runs, [](const LoadResult &r) { return r.samplesPerSec; }, 0, "", false).c_str(),
           medianOf(runs, [](const LoadResult &r) { return r.okPct; }, 2, "%", false).c_str(),
           medianOf(runs, [](const LoadResult &r) { return r.p99LateMs; }, 2, " ms", true).c_str(),
           medianOf(runs, [](const LoadResult &r) { return r.maxLateMs; }, 1, " ms", false).c_str(),
           medianOf(runs, [](const LoadResult &r) { return r.latencyP50; }, 2, "", false).c_str(),
           medianOf(runs, [](const LoadResult &r) { return r.latencyP99; }, 2, "", false).c_str(),
           medianOf(runs, [](const LoadResult &r) { return r.engineCpuPct; }, 0, "%", false).c_str(),
           medianOf(runs, [](const LoadResult &r) { return r.apiCpuPct; }, 0, "%", false).c_str());
    fflush(stdout);
}

void capacity(DemoStack &stack, int seconds, const QList<int> &loads, int repeat)
{
    printf("\n### Probe capacity (N probes at 10 ms on demo-api /health, %d s per run, median of %d runs, %ld CPUs)\n\n",
           seconds, repeat, sysconf(_SC_NPROCESSORS_ONLN));
    printf("| probes | target samples/s | samples/s | ok | p99 lateness (range) | max lateness | latency p50 / p99 | "
           "bench process CPU | demo-api CPU |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    fflush(stdout);
    int best = 0;
    double bestRate = 0;
    for (int n : loads) {
        std::vector<LoadResult> runs;
        for (int k = 0; k < repeat; ++k) {
            runs.push_back(load(stack, n, seconds, false));
            spinFor(500);
        }
        printLoad(std::to_string(n).c_str(), n * 100, runs);
        std::vector<LoadResult> sorted = runs;
        std::sort(sorted.begin(), sorted.end(), [](const LoadResult &a, const LoadResult &b) { return a.p99LateMs < b.p99LateMs; });
        const LoadResult &median = sorted[sorted.size() / 2];
        if (median.p99LateMs <= 2.0 && median.okPct >= 99.9 && median.samplesPerSec > bestRate) {
            best = n;
            bestRate = median.samplesPerSec;
        }
    }
    std::vector<LoadResult> busy;
    for (int k = 0; k < repeat; ++k) {
        busy.push_back(load(stack, 20, seconds, true));
        spinFor(500);
    }
    printLoad("20, caller thread 80% busy", 2000, busy);
    printf("\nHighest load with median p99 lateness <= 2 ms and >= 99.9%% ok: %d probes, %.0f samples/s\n", best, bestRate);
    fflush(stdout);
}
} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments().mid(1);
    int reps = 3;
    int seconds = 5;
    QList<int> loads = {5, 10, 20, 30, 40};
    int repeat = 3;
    bool runAccuracy = args.isEmpty();
    bool runCapacity = args.isEmpty();
    for (int i = 0; i < args.size(); ++i) {
        if (args[i] == QLatin1String("accuracy"))
            runAccuracy = true;
        else if (args[i] == QLatin1String("capacity"))
            runCapacity = true;
        else if (args[i] == QLatin1String("--reps") && i + 1 < args.size())
            reps = std::clamp(args[++i].toInt(), 1, 20);
        else if (args[i] == QLatin1String("--seconds") && i + 1 < args.size())
            seconds = std::clamp(args[++i].toInt(), 1, 60);
        else if (args[i] == QLatin1String("--repeat") && i + 1 < args.size())
            repeat = std::clamp(args[++i].toInt(), 1, 10);
        else if (args[i] == QLatin1String("--probes") && i + 1 < args.size())
            loads = {std::clamp(args[++i].toInt(), 1, 500)};
    }
    if (!runAccuracy && !runCapacity) {
        runAccuracy = true;
        runCapacity = true;
    }
    QString why;
    if (!DemoStack::available(&why)) {
        fprintf(stderr, "bench_probes: %s\n", qPrintable(why));
        return 1;
    }
    DemoStack stack;
    QString error;
    if (!stack.start(&error)) {
        fprintf(stderr, "bench_probes: %s\n", qPrintable(error));
        return 1;
    }
    if (runAccuracy)
        accuracy(stack, reps);
    if (runCapacity)
        capacity(stack, seconds, loads, repeat);
    stack.stop();
    return 0;
}
