// Timing truth: on the real demo stack, for every fault kind (kill, stop, pause, restart) and
// role probe intervals of 10 ms and 100 ms, the failover interval the console reports must hold
// the server-side truth: the new leader's own "lease acquired" instant (wall µs in its JSON log).
// RUNS failovers per row; the lease TTL is shortened so the whole test takes a few minutes.
#include "demolab.h"
#include "labcontext.h"
#include "labparser.h"
#include "monoclock.h"
#include "processstackbackend.h"
#include "scenariorunner.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <chrono>
#include <memory>

namespace {
constexpr int Runs = 20;
constexpr int LeaseTtlMs = 1000; // short, yet long enough that a loaded 2-core host does not flap the lease

qint64 wallUsNow()
{
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

QByteArray stepsFor(const QString &kind)
{
    QByteArray s = "      - wait: { until: leader_elected, timeout: 10s }\n";
    if (kind == QLatin1String("kill"))
        s += "      - fault: { action: kill, role: leader }\n"
             "      - wait: { until: leader_changed, timeout: 10s }\n"
             "      - fault: { action: start, role: last_faulted }\n";
    else if (kind == QLatin1String("stop"))
        s += "      - fault: { action: stop, role: leader }\n"
             "      - wait: { until: leader_changed, timeout: 10s }\n"
             "      - fault: { action: start, role: last_faulted }\n";
    else if (kind == QLatin1String("pause"))
        s += "      - fault: { action: pause, role: leader }\n"
             "      - wait: { until: leader_changed, timeout: 10s }\n"
             "      - fault: { action: resume, role: last_faulted }\n";
    else
        // The restarted member waits before it contends, so the other one takes over (a restart
        // that wins its own lease back at once is no failover to time).
        s += "      - fault: { action: restart, role: leader, env: { LEASE_START_DELAY_MS: \"1000\" } }\n"
             "      - wait: { until: leader_changed, timeout: 10s }\n";
    // Settled before the next run: the old leader is back and knows it lost the lease.
    s += "      - wait: { until: { service: last_faulted, state: healthy }, timeout: 20s }\n"
         "      - wait: " + QByteArray::number(LeaseTtlMs * 2) + "ms\n";
    return s;
}
} // namespace

class TestTimingTruth : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void truthInsideInterval_data();
    void truthInsideInterval();

private:
    struct Acquired
    {
        QString service;
        qint64 wallUs = 0;
    };
    QList<Acquired> m_acquired;
    QStringList m_leaseLog;
};

void TestTimingTruth::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    if (QStandardPaths::findExecutable(QStringLiteral("redis-server")).isEmpty())
        QFAIL("redis-server is needed (scripts/dev installs redis-server)");
    if (!QFileInfo(QStringLiteral(HALAB_BIN_DIR "/halab-demo-api")).isExecutable())
        QFAIL("halab-demo-api is not built (cmake --build build --target halab-demo-api)");
}

void TestTimingTruth::truthInsideInterval_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("every");
    for (const char *kind : {"kill", "stop", "pause", "restart"})
        for (const char *every : {"10ms", "100ms"})
            QTest::addRow("%s %s", kind, every) << QString::fromLatin1(kind) << QString::fromLatin1(every);
}

void TestTimingTruth::truthInsideInterval()
{
    QFETCH(QString, kind);
    QFETCH(QString, every);
    QTemporaryDir runDir, ledgerDir, pidDir;
    QVERIFY(runDir.isValid() && ledgerDir.isValid() && pidDir.isValid());
    const ScenarioTestSupport::DemoLabPorts ports;
    const QByteArray yaml = "halab: 1\nid: t.timing\nname: timing truth\n"
                            + ScenarioTestSupport::demoStackYaml(ports, runDir.path(), every, LeaseTtlMs)
                            + "checks:\n  - id: failover\n    title: leader failover\n    mode: automated\n    steps:\n"
                            + stepsFor(kind);
    const LabParser::Result parsed = LabParser::parseText(yaml, QStringLiteral("timing.halab.yaml"));
    QVERIFY2(parsed.ok(), qPrintable(parsed.errors.isEmpty() ? QString() : parsed.errors.first().message));
    LabContext context(parsed.lab, {});
    ProcessStackBackend backend(context.resolvedStack(), context.publicValues(), runDir.path());
    backend.setLedgerDir(pidDir.path());
    m_acquired.clear();
    connect(&backend, &StackBackend::logLines, this, [this](const QList<LogLine> &lines) {
        for (const LogLine &l : lines) {
            const QJsonObject o = QJsonDocument::fromJson(l.text.toUtf8()).object();
            if (l.text.contains(QLatin1String("lease")) || l.text.contains(QLatin1String("shutting")) || l.text.contains(QLatin1String("listening")))
                m_leaseLog.append(l.service + QStringLiteral(": ") + l.text);
            if (o.value(QStringLiteral("msg")).toString() == QLatin1String("lease acquired"))
                m_acquired.append({l.service, qint64(o.value(QStringLiteral("wall_us")).toDouble())});
        }
    });
    QSignalSpy up(&backend, &StackBackend::upFinished);
    backend.up();
    QVERIFY(up.wait(30000));
    QVERIFY2(up.first().at(0).toBool(), qPrintable(up.first().at(1).toString()));

    int hits = 0;
    QList<double> widths;
    QStringList misses;
    for (int run = 0; run < Runs; ++run) {
        ScenarioRunner runner(parsed.lab.checks.first(), &context, &backend);
        runner.setFaultLedgerDir(ledgerDir.path());
        QSignalSpy finished(&runner, &ScenarioRunner::finished);
        const qint64 offsetBeforeUs = wallUsNow() - MonoClock::nowNs() / 1000; // wall = mono + offset on this host
        runner.start();
        QVERIFY2(finished.wait(60000), "the check did not finish");
        // The wall clock may be slewed (NTP) while the run lasts: take the middle, and say how far it moved.
        const qint64 offsetAfterUs = wallUsNow() - MonoClock::nowNs() / 1000;
        const qint64 offsetUs = (offsetBeforeUs + offsetAfterUs) / 2;
        const double clockDriftMs = double(std::abs(offsetAfterUs - offsetBeforeUs)) / 1000.0;
        const CheckResult result = finished.first().first().value<CheckResult>();
        if (result.verdict != Verdict::Pass) {
            const RoleSampleBatch rounds = runner.metrics().roleSamples();
            for (qsizetype i = std::max<qsizetype>(0, rounds.size() - 5); i < rounds.size(); ++i)
                qInfo() << "round" << rounds.at(i).source << rounds.at(i).roles << rounds.at(i).error;
            for (const RunEvent &e : runner.metrics().events())
                qInfo() << "event" << int(e.kind) << e.service << e.action << e.detail;
            for (const QString &l : m_leaseLog.mid(std::max<qsizetype>(0, m_leaseLog.size() - 12)))
                qInfo().noquote() << l;
        }
        QVERIFY2(result.verdict == Verdict::Pass, qPrintable(QStringLiteral("run %1: %2").arg(run).arg(result.note)));
        QTest::qWait(2 * ProcessStackBackend::LogFlushMs); // the last log batch

        qint64 faultNs = 0;
        QString faulted;
        for (const RunEvent &e : runner.metrics().events())
            if (e.kind == RunEvent::Kind::Fault && !CheckMetrics::isRecoveryAction(e.action) && !faultNs) {
                faultNs = e.monoNs;
                faulted = e.service;
            }
        QVERIFY(faultNs > 0);
        const qint64 faultWallUs = faultNs / 1000 + offsetUs;
        std::optional<qint64> truthUs;
        for (const Acquired &a : std::as_const(m_acquired))
            if (a.service != faulted && a.wallUs >= faultWallUs && (!truthUs || a.wallUs < *truthUs))
                truthUs = a.wallUs;
        if (!truthUs)
            for (const Acquired &a : std::as_const(m_acquired))
                qInfo() << "acquired" << a.service << double(a.wallUs - faultWallUs) / 1000.0 << "ms after the fault";
        QVERIFY2(truthUs, qPrintable(QStringLiteral("run %1: no other member logged 'lease acquired' after the %2 of %3").arg(run).arg(kind, faulted)));
        const double truthMs = double(*truthUs - faultWallUs) / 1000.0;
        const MetricIntervals intervals = runner.metrics().intervals();
        if (!intervals.contains(QStringLiteral("failover_ms"))) {
            const QMap<QString, double> values = runner.metrics().compute();
            for (auto it = values.cbegin(); it != values.cend(); ++it)
                qInfo() << it.key() << it.value();
            for (const RoleSample &r : runner.metrics().roleSamples())
                qInfo() << "round" << r.source << double(r.startNs - faultNs) / 1e6 << double(r.endNs - faultNs) / 1e6 << r.roles << r.error;
        }
        QVERIFY2(intervals.contains(QStringLiteral("failover_ms")), qPrintable(QStringLiteral("run %1: no failover_ms interval").arg(run)));
        const MetricInterval iv = intervals.value(QStringLiteral("failover_ms"));
        widths.append(iv.width());
        if (iv.contains(truthMs))
            ++hits;
        else {
            misses.append(QStringLiteral("run %1: truth %2 ms outside %3–%4 (wall/mono drift %5 ms)")
                              .arg(run).arg(truthMs, 0, 'f', 2).arg(iv.lo, 0, 'f', 2).arg(iv.hi, 0, 'f', 2).arg(clockDriftMs, 0, 'f', 3));
            for (const RoleSample &r : runner.metrics().roleSamples())
                if (double(r.startNs - faultNs) / 1e6 > truthMs - 40 && double(r.startNs - faultNs) / 1e6 < truthMs + 40)
                    qInfo() << "round" << double(r.startNs - faultNs) / 1e6 << double(r.endNs - faultNs) / 1e6 << r.roles;
        }
    }
    std::sort(widths.begin(), widths.end());
    // The numbers docs/benchmarks.md quotes.
    qInfo().noquote() << QStringLiteral("TIMING %1 every %2: truth inside %3/%4, interval width median %5 ms, max %6 ms")
                             .arg(kind, every)
                             .arg(hits)
                             .arg(Runs)
                             .arg(widths.at(widths.size() / 2), 0, 'f', 1)
                             .arg(widths.last(), 0, 'f', 1);
    QVERIFY2(misses.isEmpty(), qPrintable(misses.join(QStringLiteral("; "))));

    QSignalSpy down(&backend, &StackBackend::downFinished);
    backend.down();
    QVERIFY(down.wait(30000));
}

QTEST_GUILESS_MAIN(TestTimingTruth)
#include "tst_timingtruth.moc"
