// sql and redis probes against a real PostgreSQL 15 and redis-server on loopback.
//   cost:   the same probe native (sql / redis) and as a command (psql / redis-cli), one after the
//           other in one run: samples/s and console CPU (this process + its reaped children).
//   soak:   a sql write probe and a redis probe, both every 50 ms, for S seconds: skipped samples,
//           failures, lateness (the "0 skipped in 60 s" check of issue 9).
//   loaded: N http probes at 10 ms on the demo API with CPU hogs beside: does the host's load show
//           as lateness / skipped samples, or as a false outage of the target?
// Usage: bench_storeprobes [cost] [soak] [loaded] [--seconds S] [--soak-seconds S] [--hogs N] [--probes N]
// Markdown on stdout. Every loop is bounded; only processes started here are signalled.
#include "monoclock.h"
#include "probeengine.h"
#include "storestack.h"

#include <QCoreApplication>
#include <QFile>
#include <QMap>
#include <QProcess>

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

using namespace ProbeTestSupport;

namespace {

double cpuSeconds(int who)
{
    rusage ru{};
    getrusage(who, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double percentile(std::vector<double> v, double q)
{
    if (v.empty())
        return qQNaN();
    std::sort(v.begin(), v.end());
    const size_t rank = size_t(std::max(1.0, std::ceil(q * double(v.size()))));
    return v[std::min(rank, v.size()) - 1];
}

struct RunResult
{
    qint64 samples = 0, ok = 0, failed = 0, skipped = 0;
    double seconds = 0, selfCpu = 0, childCpu = 0, lateP99Ms = 0, latencyP50 = 0, latencyP99 = 0;
    double longestFailRunMs = 0; // consecutive non-ok, non-skipped samples in due order
    QString firstError;
    QMap<QString, int> skippedWhy; // "probe: reason" -> count
};

RunResult runProbes(const QList<ProbeSpec> &probes, int seconds)
{
    ProbeEngine engine;
    QList<ProbeSample> all;
    QObject::connect(&engine, &ProbeEngine::samples, &engine, [&all](const ProbeSampleBatch &b) { all += b; });
    const double self0 = cpuSeconds(RUSAGE_SELF), child0 = cpuSeconds(RUSAGE_CHILDREN);
    const qint64 t0 = MonoClock::nowNs();
    engine.setProbes(probes);
    engine.start();
    spinFor(seconds * 1000);
    engine.stop();
    RunResult r;
    r.seconds = double(MonoClock::nowNs() - t0) / 1e9;
    spinFor(300); // let killed / finishing commands be reaped so their CPU is counted
    r.selfCpu = cpuSeconds(RUSAGE_SELF) - self0;
    r.childCpu = cpuSeconds(RUSAGE_CHILDREN) - child0;
    std::vector<double> latency;
    std::sort(all.begin(), all.end(), [](const ProbeSample &a, const ProbeSample &b) { return a.monoNs < b.monoNs; });
    QHash<QString, qint64> runStart;
    for (const ProbeSample &s : std::as_const(all)) {
        ++r.samples;
        if (s.skipped) {
            ++r.skipped;
            ++r.skippedWhy[s.probeId.section(QLatin1Char('-'), 0, 0) + QStringLiteral(": ") + s.error];
            continue;
        }
        if (s.ok) {
            ++r.ok;
            latency.push_back(s.latencyMs);
            runStart.remove(s.probeId);
        } else {
            ++r.failed;
            if (r.firstError.isEmpty())
                r.firstError = s.error;
            const qint64 start = runStart.value(s.probeId, s.monoNs);
            runStart.insert(s.probeId, start);
            r.longestFailRunMs = std::max(r.longestFailRunMs, double(s.monoNs - start) / 1e6 + double(s.latencyMs));
        }
    }
    r.lateP99Ms = engine.schedulingJitterP99Ms();
    r.latencyP50 = percentile(latency, 0.5);
    r.latencyP99 = percentile(latency, 0.99);
    return r;
}

ProbeSpec sqlSpec(const PostgresServer &pg, qint64 intervalMs)
{
    ProbeSpec p;
    p.kind = ProbeSpec::Kind::Sql;
    p.connection = pg.connection();
    p.query = QStringLiteral("insert into bench_writes default values returning inet_server_port()");
    p.expectRows = 1;
    p.env.insert(QStringLiteral("PGPASSWORD"), QString::fromLatin1(PostgresServer::Password));
    p.intervalMs = intervalMs;
    p.timeoutMs = 1000;
    return p;
}

ProbeSpec psqlSpec(const PostgresServer &pg, qint64 intervalMs)
{
    ProbeSpec p;
    p.kind = ProbeSpec::Kind::Command;
    p.command = {QStringLiteral("psql"), QStringLiteral("-X"), QStringLiteral("-At"), QStringLiteral("-v"), QStringLiteral("ON_ERROR_STOP=1"),
                 QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(pg.port),
                 QStringLiteral("-U"), QStringLiteral("postgres"), QStringLiteral("-d"), QStringLiteral("postgres"),
                 QStringLiteral("-c"), QStringLiteral("insert into bench_writes default values returning inet_server_port()")};
    p.env.insert(QStringLiteral("PGPASSWORD"), QString::fromLatin1(PostgresServer::Password));
    p.intervalMs = intervalMs;
    p.timeoutMs = 1000;
    return p;
}

ProbeSpec redisSpec(const RedisServer &redis, qint64 intervalMs)
{
    ProbeSpec p;
    p.kind = ProbeSpec::Kind::Redis;
    p.address = redis.address();
    p.redisCommand = {QStringLiteral("INCR"), QStringLiteral("bench_counter")};
    p.env.insert(QStringLiteral("REDISCLI_AUTH"), QString::fromLatin1(RedisServer::Password));
    p.intervalMs = intervalMs;
    p.timeoutMs = 1000;
    return p;
}

ProbeSpec redisCliSpec(const RedisServer &redis, qint64 intervalMs)
{
    ProbeSpec p;
    p.kind = ProbeSpec::Kind::Command;
    p.command = {QStringLiteral("redis-cli"), QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                 QString::number(redis.port), QStringLiteral("INCR"), QStringLiteral("bench_counter")};
    p.env.insert(QStringLiteral("REDISCLI_AUTH"), QString::fromLatin1(RedisServer::Password));
    p.intervalMs = intervalMs;
    p.timeoutMs = 1000;
    return p;
}

QList<ProbeSpec> copies(ProbeSpec spec, int n, const QString &prefix)
{
    QList<ProbeSpec> out;
    for (int i = 0; i < n; ++i) {
        spec.id = QStringLiteral("%1-%2").arg(prefix).arg(i);
        out.append(spec);
    }
    return out;
}

void printRow(const char *what, int probes, qint64 intervalMs, const RunResult &r)
{
    const double perSample = r.ok > 0 ? (r.selfCpu + r.childCpu) / double(r.ok) * 1e6 : qQNaN();
    std::printf("| %s | %d x %lld ms | %.1f | %lld / %lld / %lld | %.0f%% | %.0f%% | %.0f µs | %.2f / %.2f ms | %s |\n",
                what, probes, static_cast<long long>(intervalMs), double(r.ok) / r.seconds, static_cast<long long>(r.ok),
                static_cast<long long>(r.failed), static_cast<long long>(r.skipped), 100.0 * r.selfCpu / r.seconds,
                100.0 * r.childCpu / r.seconds, perSample, r.latencyP50, r.latencyP99,
                r.firstError.isEmpty() ? "" : qPrintable(r.firstError.left(60)));
    std::fflush(stdout);
}

void cost(PostgresServer &pg, RedisServer &redis, int seconds, int probes, qint64 intervalMs)
{
    std::printf("\n### Probe cost: native vs command (%d probes every %lld ms, %d s each, one after the other)\n\n",
                probes, static_cast<long long>(intervalMs), seconds);
    std::printf("| probe | load | ok samples/s | ok / failed / skipped | console CPU (own) | CPU of children | console CPU per ok sample | latency p50 / p99 | first error |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|\n");
    RunResult sql = runProbes(copies(sqlSpec(pg, intervalMs), probes, QStringLiteral("sql")), seconds);
    printRow("sql (Qt SQL)", probes, intervalMs, sql);
    RunResult psql = runProbes(copies(psqlSpec(pg, intervalMs), probes, QStringLiteral("psql")), seconds);
    printRow("command: psql", probes, intervalMs, psql);
    RunResult native = runProbes(copies(redisSpec(redis, intervalMs), probes, QStringLiteral("redis")), seconds);
    printRow("redis (RESP)", probes, intervalMs, native);
    RunResult cli = runProbes(copies(redisCliSpec(redis, intervalMs), probes, QStringLiteral("cli")), seconds);
    printRow("command: redis-cli", probes, intervalMs, cli);
    const auto per = [](const RunResult &r) { return r.ok > 0 ? (r.selfCpu + r.childCpu) / double(r.ok) : qQNaN(); };
    std::printf("\nCPU per sample, command / native: sql %.0fx, redis %.0fx\n", per(psql) / per(sql), per(cli) / per(native));
}

void soak(PostgresServer &pg, RedisServer &redis, int seconds)
{
    std::printf("\n### Soak: one sql write probe + one redis probe, every 50 ms, %d s\n\n", seconds);
    std::printf("| probes | samples | ok | failed | skipped | p99 lateness | latency p50 / p99 | console CPU |\n|---|---|---|---|---|---|---|---|\n");
    ProbeSpec sql = sqlSpec(pg, 50);
    sql.id = QStringLiteral("sql-write");
    ProbeSpec r = redisSpec(redis, 50);
    r.id = QStringLiteral("redis-incr");
    const RunResult res = runProbes({sql, r}, seconds);
    std::printf("| sql write + redis INCR | %lld | %lld | %lld | %lld | %.2f ms | %.2f / %.2f ms | %.1f%% |\n",
                static_cast<long long>(res.samples), static_cast<long long>(res.ok), static_cast<long long>(res.failed),
                static_cast<long long>(res.skipped), res.lateP99Ms, res.latencyP50, res.latencyP99,
                100.0 * (res.selfCpu + res.childCpu) / res.seconds);
    if (!res.firstError.isEmpty())
        std::printf("\nfirst error: %s\n", qPrintable(res.firstError));
    for (auto it = res.skippedWhy.cbegin(); it != res.skippedWhy.cend(); ++it)
        std::printf("\nskipped: %d x %s\n", it.value(), qPrintable(it.key()));
}

void loaded(int seconds, int hogs, int probes)
{
    DemoStack stack;
    QString error;
    if (!stack.start(&error)) {
        std::fprintf(stderr, "demo stack: %s\n", qPrintable(error));
        return;
    }
    std::printf("\n### Loaded host: %d http probes at 10 ms on demo-api /health, %d CPU hogs beside, %d s\n\n", probes, hogs, seconds);
    std::printf("| hogs | samples | ok | failed (target) | skipped (console) | p99 lateness | longest failed run | latency p50 / p99 | first error |\n|---|---|---|---|---|---|---|---|---|\n");
    for (int h : {0, hogs}) {
        std::vector<std::unique_ptr<QProcess>> hogProcesses;
        for (int i = 0; i < h; ++i) {
            auto p = std::make_unique<QProcess>();
            ChildProcessSetup::apply(p.get());
            p->start(QStringLiteral("sh"), {QStringLiteral("-c"), QStringLiteral("while :; do :; done")});
            hogProcesses.push_back(std::move(p));
        }
        QList<ProbeSpec> specs;
        for (int i = 0; i < probes; ++i) {
            ProbeSpec p;
            p.id = QStringLiteral("h%1").arg(i);
            p.kind = ProbeSpec::Kind::Http;
            p.url = stack.url(QStringLiteral("/health"));
            p.intervalMs = 10;
            p.timeoutMs = 1000;
            specs.append(p);
        }
        const RunResult r = runProbes(specs, seconds);
        for (auto &p : hogProcesses) {
            p->kill(); // the pid we started
            p->waitForFinished(2000);
        }
        std::printf("| %d | %lld | %lld | %lld | %lld | %.2f ms | %.0f ms | %.2f / %.2f ms | %s |\n", h,
                    static_cast<long long>(r.samples), static_cast<long long>(r.ok), static_cast<long long>(r.failed),
                    static_cast<long long>(r.skipped), r.lateP99Ms, r.longestFailRunMs, r.latencyP50, r.latencyP99,
                    r.firstError.isEmpty() ? "" : qPrintable(r.firstError.left(60)));
        std::fflush(stdout);
    }
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QStringList args = app.arguments().mid(1);
    const auto option = [&args](const QString &name, int fallback) {
        const int i = int(args.indexOf(name));
        if (i < 0 || i + 1 >= args.size())
            return fallback;
        const int v = args.at(i + 1).toInt();
        args.remove(i, 2);
        return v;
    };
    const int seconds = option(QStringLiteral("--seconds"), 10);
    const int soakSeconds = option(QStringLiteral("--soak-seconds"), 60);
    const int hogs = option(QStringLiteral("--hogs"), 4);
    const int probes = option(QStringLiteral("--probes"), 20);
    const bool all = args.isEmpty();
    std::printf("Load average at start: %s\n", qPrintable([] {
        QFile f(QStringLiteral("/proc/loadavg"));
        return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll()).section(QLatin1Char(' '), 0, 2) : QString();
    }()));
    if (all || args.contains(QStringLiteral("cost")) || args.contains(QStringLiteral("soak"))) {
        QString why;
        PostgresServer pg;
        RedisServer redis;
        if (!PostgresServer::available(&why) || !pg.start(&why) || !redis.start(&why)) {
            std::fprintf(stderr, "%s\n", qPrintable(why));
            return 1;
        }
        pg.exec(QStringLiteral("create table bench_writes (id bigserial primary key, at timestamptz default now())"));
        if (all || args.contains(QStringLiteral("cost")))
            cost(pg, redis, seconds, 2, 100);
        if (all || args.contains(QStringLiteral("soak")))
            soak(pg, redis, soakSeconds);
    }
    if (all || args.contains(QStringLiteral("loaded")))
        loaded(seconds, hogs, probes);
    return 0;
}
