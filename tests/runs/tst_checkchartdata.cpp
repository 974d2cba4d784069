// Charts of stored runs in bounded memory: CheckChartData reads a check's samples from the store in
// batches and must draw exactly what the old whole-list path drew (the same timeline columns, the
// same latency distribution, the same report chart pixels), while never being handed more than one
// batch at a time.
#include "checkchartdata.h"
#include "reportchart.h"
#include "runstore.h"

#include <QDateTime>
#include <QImage>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

namespace {

constexpr qint64 Ms = 1'000'000;
constexpr qint64 Sec = 1'000'000'000;
constexpr qint64 T0 = 5'000 * Sec; // the MonoClock does not start at zero

RunEvent runEvent(RunEvent::Kind kind, qint64 monoNs, const QString &service = {}, const QString &action = {})
{
    RunEvent e;
    e.kind = kind;
    e.monoNs = monoNs;
    e.wallMs = 1'764'000'000'000 + monoNs / Ms;
    e.service = service;
    e.action = action;
    return e;
}

// A probe's samples as the engine hands them over: batches of 50 ms in completion order, so a
// sample that timed out after 1 s arrives twenty batches after its slot.
QList<ProbeSampleBatch> completionBatches(qint64 durationNs)
{
    struct Pending
    {
        qint64 doneNs;
        ProbeSample sample;
    };
    QList<Pending> all;
    QRandomGenerator rng(7);
    const auto add = [&](const QString &probe, qint64 everyNs, int skipEvery) {
        int i = 0;
        for (qint64 t = 0; t < durationNs; t += everyNs, ++i) {
            ProbeSample s;
            s.probeId = probe;
            s.monoNs = T0 + t;
            s.wallMs = 1'764'000'000'000 + s.monoNs / Ms;
            const bool outage = t >= 400 * Sec && t < 403 * Sec;
            s.skipped = i % skipEvery == skipEvery - 1;
            s.ok = !outage && !s.skipped;
            s.latencyMs = s.skipped ? 0 : outage ? 1000.0 : 2.0 + rng.bounded(40) / 10.0 + (i % 997 == 0 ? 250.0 : 0.0);
            s.status = s.ok ? 200 : 0;
            s.error = s.ok ? QString() : QStringLiteral("timed out after 1000 ms");
            all.append({s.monoNs + qint64(s.latencyMs * Ms), s});
        }
    };
    add(QStringLiteral("api"), 10 * Ms, 1000);
    add(QStringLiteral("db"), 50 * Ms, 400);
    std::stable_sort(all.begin(), all.end(), [](const Pending &a, const Pending &b) { return a.doneNs < b.doneNs; });
    QList<ProbeSampleBatch> batches;
    qint64 flushAt = std::numeric_limits<qint64>::min();
    for (const Pending &p : std::as_const(all)) {
        if (batches.isEmpty() || p.doneNs >= flushAt) {
            batches.append(ProbeSampleBatch());
            flushAt = p.doneNs + 50 * Ms;
        }
        batches.last().append(p.sample);
    }
    return batches;
}

} // namespace

class TestCheckChartData : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    RunStore m_store;
    QString m_runId;
    qint64 m_storedSamples = 0;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QString error;
        QVERIFY2(m_store.open(m_dir.filePath(QStringLiteral("runs.sqlite")), &error), qPrintable(error));
        Run header;
        header.labName = QStringLiteral("charts");
        header.started = QDateTime::currentDateTimeUtc();
        header.state = Run::State::Running;
        m_runId = m_store.createRun(header);
        QVERIFY2(!m_runId.isEmpty(), qPrintable(m_store.lastError()));

        // "long": 1,000 s of two probes (120,000 samples), an outage at 400 s, a fault and a new leader.
        const QString check = QStringLiteral("long");
        QVERIFY(m_store.appendEvent(m_runId, check, runEvent(RunEvent::Kind::CheckStarted, T0)));
        for (const ProbeSampleBatch &b : completionBatches(1'000 * Sec)) {
            QVERIFY2(m_store.appendSamples(m_runId, check, b), qPrintable(m_store.lastError()));
            m_storedSamples += b.size();
        }
        QVERIFY(m_store.appendEvent(m_runId, check, runEvent(RunEvent::Kind::RoleChange, T0 + 1 * Sec, QStringLiteral("node1"))));
        QVERIFY(m_store.appendEvent(m_runId, check, runEvent(RunEvent::Kind::Fault, T0 + 400 * Sec, QStringLiteral("node1"), QStringLiteral("kill"))));
        QVERIFY(m_store.appendEvent(m_runId, check, runEvent(RunEvent::Kind::RoleChange, T0 + 402 * Sec, QStringLiteral("node2"))));
        QVERIFY(m_store.appendEvent(m_runId, check, runEvent(RunEvent::Kind::CheckFinished, T0 + 1'000 * Sec)));
        // "faults-only": a manual check that injected a fault but ran no probe still has a chart.
        QVERIFY(m_store.appendEvent(m_runId, QStringLiteral("faults-only"), runEvent(RunEvent::Kind::Fault, T0, QStringLiteral("node2"), QStringLiteral("stop"))));
        // "nothing": a note only; no chart.
        QVERIFY(m_store.appendEvent(m_runId, QStringLiteral("nothing"), runEvent(RunEvent::Kind::Note, T0)));
        QVERIFY(m_store.finishRun(m_runId, Run::State::Finished));
        QCOMPARE(m_storedSamples, qint64(120'000));
    }

    void theStoreHandsSamplesOverOneBatchAtATime()
    {
        qint64 seen = 0;
        int batches = 0;
        qsizetype largest = 0;
        QVERIFY(m_store.forEachSampleBatch(m_runId, QStringLiteral("long"), CheckChartData::ReadBatch, [&](const ProbeSampleBatch &b) {
            ++batches;
            largest = std::max(largest, b.size());
            seen += b.size();
            return true;
        }));
        QCOMPARE(seen, m_storedSamples);
        QCOMPARE(largest, CheckChartData::ReadBatch);
        QCOMPARE(batches, int((m_storedSamples + CheckChartData::ReadBatch - 1) / CheckChartData::ReadBatch));

        // The consumer can stop early; the same rows come back in the same order as samples().
        const ProbeSampleBatch all = m_store.samples(m_runId, QStringLiteral("long"));
        QCOMPARE(all.size(), m_storedSamples);
        int calls = 0;
        QVERIFY(m_store.forEachSampleBatch(m_runId, QStringLiteral("long"), 1'000, [&](const ProbeSampleBatch &b) {
            for (qsizetype i = 0; i < b.size(); ++i) {
                const ProbeSample &want = all.at(calls * 1'000 + i);
                if (b.at(i).probeId != want.probeId || b.at(i).monoNs != want.monoNs || b.at(i).ok != want.ok
                    || b.at(i).skipped != want.skipped || b.at(i).latencyMs != want.latencyMs || b.at(i).error != want.error)
                    return false;
            }
            return ++calls < 3;
        }));
        QCOMPARE(calls, 3);
    }

    void streamedChartsEqualTheWholeListPath()
    {
        std::optional<Run> run = m_store.run(m_runId, true); // the old path: every sample in memory
        QVERIFY(run);
        const RunChartData whole = CheckChartData::fromRun(*run);
        std::optional<Run> header = m_store.run(m_runId);
        QVERIFY(header);
        for (const CheckResult &r : header->results)
            QVERIFY(r.samples.isEmpty());
        QString error;
        const RunChartData streamed = CheckChartData::readRun(m_store, *header, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));

        QCOMPARE(QStringList(streamed.keys()).size(), 2);
        QVERIFY(streamed.contains(QStringLiteral("long")));
        QVERIFY(streamed.contains(QStringLiteral("faults-only")));
        QVERIFY(!streamed.contains(QStringLiteral("nothing")));
        QVERIFY(!whole.contains(QStringLiteral("nothing")));

        const CheckChartData &a = *whole.value(QStringLiteral("long"));
        const CheckChartData &b = *streamed.value(QStringLiteral("long"));
        QCOMPARE(b.fromNs, T0);
        QCOMPARE(b.toNs, T0 + 1'000 * Sec);
        QCOMPARE(b.fromNs, a.fromNs);
        QCOMPARE(b.toNs, a.toNs);
        QCOMPARE(b.timeline.probeIds(), a.timeline.probeIds());
        QCOMPARE(b.timeline.sampleCount(), a.timeline.sampleCount());
        // Skipped slots are the console's, not drawn: 100 + 50 of them.
        QCOMPARE(b.timeline.sampleCount(), m_storedSamples - 150);
        // Memory: raw samples only for the newest 10 minutes of each probe, the rest in buckets.
        QVERIFY2(b.timeline.rawSampleCount() < b.timeline.sampleCount(), qPrintable(QString::number(b.timeline.rawSampleCount())));
        QCOMPARE(b.okLatencyMs.count(), a.okLatencyMs.count());
        QCOMPARE(b.okLatencyMs.percentile(99), a.okLatencyMs.percentile(99));
        QCOMPARE(b.okLatencyMs.max(), a.okLatencyMs.max());
        QVERIFY(b.okLatencyMs.max() >= 250.0);

        struct Window
        {
            qint64 from, to;
            int columns;
        };
        // The whole check (buckets), the outage close up (raw samples in the newest 10 minutes),
        // the first minutes (buckets only: their raw samples were dropped).
        for (const Window &w : {Window{T0, T0 + 1'000 * Sec, 800}, Window{T0 + 399 * Sec, T0 + 404 * Sec, 500},
                                Window{T0, T0 + 120 * Sec, 300}}) {
            for (const QString &probe : a.timeline.probeIds()) {
                const QVector<SampleTimeline::Column> ca = a.timeline.decimate(probe, w.from, w.to, w.columns);
                const QVector<SampleTimeline::Column> cb = b.timeline.decimate(probe, w.from, w.to, w.columns);
                QCOMPARE(cb.size(), ca.size());
                int failures = 0;
                for (qsizetype i = 0; i < ca.size(); ++i) {
                    QCOMPARE(cb.at(i).total, ca.at(i).total);
                    QCOMPARE(cb.at(i).ok, ca.at(i).ok);
                    if (ca.at(i).ok > 0) {
                        QCOMPARE(cb.at(i).latMin, ca.at(i).latMin);
                        QCOMPARE(cb.at(i).latMax, ca.at(i).latMax);
                    }
                    failures += cb.at(i).total - cb.at(i).ok;
                }
                if (w.from == T0 + 399 * Sec)
                    QVERIFY2(failures > 0, "the outage must be in the close-up");
            }
        }
        QCOMPARE(b.timeline.events().size(), a.timeline.events().size());
        QCOMPARE(b.timeline.leaderSpans(b.toNs).size(), 2);

        // The report chart drawn from either is the same picture, and not a blank one.
        const QImage fromWhole = ReportChart::render(a);
        const QImage fromStream = ReportChart::render(b);
        QCOMPARE(fromStream.size(), fromWhole.size());
        QVERIFY(fromStream == fromWhole);
        QImage blank(fromStream.size(), fromStream.format());
        blank.fill(Qt::white);
        QVERIFY(fromStream != blank);
        const QHash<QString, QImage> images = ReportChart::images(streamed);
        QCOMPARE(QStringList(images.keys()), QStringList{QStringLiteral("long")}); // the report charts checks with samples
    }

    void recordedSplitBrainIsHatchedInTheLeaderLane()
    {
        // 10 s of one probe, api1 leads; the run recorded api1 and api2 both claiming 4 s .. 6 s.
        CheckResult r;
        r.checkId = QStringLiteral("split");
        for (qint64 t = 0; t < 10 * Sec; t += 100 * Ms) {
            ProbeSample s;
            s.probeId = QStringLiteral("lb");
            s.monoNs = T0 + t;
            s.ok = true;
            s.latencyMs = 2;
            r.samples.append(s);
        }
        r.events = {runEvent(RunEvent::Kind::CheckStarted, T0), runEvent(RunEvent::Kind::RoleChange, T0, QStringLiteral("api1")),
                    runEvent(RunEvent::Kind::CheckFinished, T0 + 10 * Sec)};
        ClusterAnomaly split;
        split.kind = ClusterAnomaly::Kind::SplitBrain;
        split.atMs = 4000;
        split.untilMs = 6000;
        split.services = {QStringLiteral("api1"), QStringLiteral("api2")};
        r.anomalies = {split};
        const auto data = CheckChartData::fromResult(r);
        const QList<SampleTimeline::SplitBrainSpan> spans = data->timeline.splitBrainSpans(data->toNs);
        QCOMPARE(spans.size(), 1);
        QCOMPARE(spans[0].fromNs, T0 + 4 * Sec);
        QCOMPARE(spans[0].toNs, T0 + 6 * Sec);
        QCOMPARE(spans[0].leaders, split.services);

        // Red hatching in the lane's middle row inside the span, none outside it.
        const QImage image = ReportChart::render(*data);
        const auto redIn = [&](double fromFrac, double toFrac) {
            int red = 0;
            const int w = image.width();
            // The lane is the last coloured band above the time axis: scan rows from the bottom up.
            for (int y = image.height() - 1; y > image.height() / 2; --y)
                for (int x = int(w * fromFrac); x < int(w * toFrac); ++x) {
                    const QColor c = image.pixelColor(x, y);
                    if (c.red() > 180 && c.green() < 90 && c.blue() < 90)
                        ++red;
                }
            return red;
        };
        // The plot spans the image from x = 70 to width − 16 (of 640); 4..6 s is 40..60 % of it.
        const double left = 70.0 / 640.0, width = (640.0 - 16.0 - 70.0) / 640.0;
        QVERIFY2(redIn(left + 0.42 * width, left + 0.58 * width) > 50, "no split brain hatching where the run recorded it");
        QCOMPARE(redIn(left + 0.05 * width, left + 0.35 * width), 0);
        QCOMPARE(redIn(left + 0.65 * width, left + 0.95 * width), 0);
    }

    void aStoreThatCannotBeReadSaysSo()
    {
        RunStore closed;
        CheckResult r;
        r.checkId = QStringLiteral("long");
        QString error;
        QVERIFY(!CheckChartData::read(closed, m_runId, r, &error));
        QVERIFY2(error.contains(QStringLiteral("not open")), qPrintable(error));
    }
};

QTEST_MAIN(TestCheckChartData)
#include "tst_checkchartdata.moc"
