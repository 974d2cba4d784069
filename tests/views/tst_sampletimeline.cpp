// SampleTimeline: per-pixel-column decimation (fine and coarse paths agree), leader spans from
// role changes, and the memory an hour of 4 probes at 100 Hz takes. No timing here.
#include "sampletimeline.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 Ms = 1'000'000;
constexpr qint64 Sec = 1'000'000'000;
const QString ProbeA = QStringLiteral("api-read");
const QString ProbeB = QStringLiteral("api-write");

ProbeSample sample(const QString &probe, qint64 ns, double latencyMs, bool ok = true)
{
    ProbeSample s;
    s.probeId = probe;
    s.monoNs = ns;
    s.ok = ok;
    s.latencyMs = latencyMs;
    return s;
}

RunEvent roleChange(qint64 ns, const QString &leader)
{
    RunEvent e;
    e.kind = RunEvent::Kind::RoleChange;
    e.monoNs = ns;
    e.service = leader;
    return e;
}

// Deterministic pseudo-random latencies so min/max are not trivially monotonic.
float latencyAt(qint64 i)
{
    return float(1 + ((i * 7919) % 97)) / 4.0f;
}

// `seconds` of samples every `periodMs`, failing inside [failFrom, failTo).
void fill(SampleTimeline &t, const QString &probe, qint64 startNs, int seconds, int periodMs, qint64 failFrom = -1,
          qint64 failTo = -1)
{
    ProbeSampleBatch batch;
    const qint64 n = qint64(seconds) * 1000 / periodMs;
    for (qint64 i = 0; i < n; ++i) {
        const qint64 ns = startNs + i * periodMs * Ms;
        batch.append(sample(probe, ns, latencyAt(i), !(ns >= failFrom && ns < failTo)));
        if (batch.size() == 500) {
            t.addSamples(batch);
            batch.clear();
        }
    }
    t.addSamples(batch);
}

} // namespace

class TestSampleTimeline : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void skippedSlotsAreNotDrawnAsFailures()
    {
        SampleTimeline t;
        ProbeSample skipped = sample(QStringLiteral("lb"), 20, 0, false);
        skipped.skipped = true;
        t.addSamples({sample(QStringLiteral("lb"), 10, 1), skipped, sample(QStringLiteral("lb"), 30, 1)});
        QCOMPARE(t.sampleCount(QStringLiteral("lb")), 2);
    }

    void emptyTimeline()
    {
        SampleTimeline t;
        QVERIFY(t.isEmpty());
        QCOMPARE(t.firstNs(), 0);
        QCOMPARE(t.lastNs(), 0);
        QVERIFY(t.probeIds().isEmpty());
        const auto cols = t.decimate(ProbeA, 0, 10 * Sec, 10);
        QCOMPARE(cols.size(), 10);
        for (const auto &c : cols)
            QCOMPARE(c.total, 0);
        QVERIFY(t.decimate(ProbeA, 10, 10, 10).isEmpty());
        QVERIFY(t.decimate(ProbeA, 0, 10, 0).isEmpty());
    }

    void columnsHoldMinMaxAndCounts()
    {
        SampleTimeline t;
        // Column [0, 100ms): 10, 30(fail), 20; column [100, 200): 5, 50; column [200, 300): nothing; [300,400): fail only.
        t.addSamples({sample(ProbeA, 1000 * Ms, 10), sample(ProbeA, 1020 * Ms, 30, false), sample(ProbeA, 1099 * Ms, 20),
                      sample(ProbeA, 1100 * Ms, 5), sample(ProbeA, 1150 * Ms, 50), sample(ProbeA, 1350 * Ms, 900, false)});
        QCOMPARE(t.probeIds(), QStringList{ProbeA});
        QCOMPARE(t.firstNs(), 1000 * Ms);
        QCOMPARE(t.lastNs(), 1350 * Ms);
        const auto cols = t.decimate(ProbeA, 1000 * Ms, 1400 * Ms, 4);
        QCOMPARE(cols.size(), 4);
        QCOMPARE(cols[0].startNs, 1000 * Ms);
        QCOMPARE(cols[1].startNs, 1100 * Ms);
        QCOMPARE(cols[0].total, 3);
        QCOMPARE(cols[0].ok, 2);
        QCOMPARE(cols[0].latMin, 10.0f); // the failed 30 ms does not count as latency
        QCOMPARE(cols[0].latMax, 20.0f);
        QCOMPARE(cols[1].total, 2);
        QCOMPARE(cols[1].ok, 2);
        QCOMPARE(cols[1].latMin, 5.0f);
        QCOMPARE(cols[1].latMax, 50.0f);
        QCOMPARE(cols[2].total, 0);
        QCOMPARE(cols[3].total, 1);
        QCOMPARE(cols[3].ok, 0);
    }

    void windowEdgesAreHalfOpen()
    {
        SampleTimeline t;
        t.addSamples({sample(ProbeA, 99 * Ms, 1), sample(ProbeA, 100 * Ms, 2), sample(ProbeA, 199 * Ms, 3),
                      sample(ProbeA, 200 * Ms, 4)});
        const auto cols = t.decimate(ProbeA, 100 * Ms, 200 * Ms, 2);
        QCOMPARE(cols[0].total, 1); // 100 ms is in, 99 ms is before the window
        QCOMPARE(cols[0].latMin, 2.0f);
        QCOMPARE(cols[1].total, 1); // 199 ms in, 200 ms is the (excluded) end
        QCOMPARE(cols[1].latMax, 3.0f);
        // A window entirely before or after the data is empty, not an error.
        for (const auto &c : t.decimate(ProbeA, 300 * Ms, 400 * Ms, 5))
            QCOMPARE(c.total, 0);
        for (const auto &c : t.decimate(ProbeA, 0, 50 * Ms, 5))
            QCOMPARE(c.total, 0);
    }

    void unevenColumnsCoverTheWindowExactly()
    {
        SampleTimeline t;
        fill(t, ProbeA, 0, 10, 10);
        const auto cols = t.decimate(ProbeA, 0, 10 * Sec, 7);
        int total = 0;
        for (const auto &c : cols)
            total += c.total;
        QCOMPARE(total, 1000);
        QCOMPARE(t.sampleCount(ProbeA), 1000);
    }

    void unknownProbeIsEmpty()
    {
        SampleTimeline t;
        fill(t, ProbeA, 0, 2, 10);
        const auto cols = t.decimate(ProbeB, 0, 2 * Sec, 10);
        QCOMPARE(cols.size(), 10);
        for (const auto &c : cols)
            QCOMPARE(c.total, 0);
    }

    void outOfOrderSamplesAreSorted()
    {
        SampleTimeline t;
        t.addSamples({sample(ProbeA, 300 * Ms, 3), sample(ProbeA, 100 * Ms, 1, false), sample(ProbeA, 200 * Ms, 2)});
        t.addSamples({sample(ProbeA, 150 * Ms, 9)});
        const auto cols = t.decimate(ProbeA, 0, 400 * Ms, 4, 0);
        QCOMPARE(cols[1].total, 2);
        QCOMPARE(cols[1].ok, 1);
        QCOMPARE(cols[1].latMax, 9.0f);
        QCOMPARE(cols[2].ok, 1);
        QCOMPARE(cols[3].ok, 1);
        const auto coarse = t.decimate(ProbeA, 0, 400 * Ms, 1, 1);
        QCOMPARE(coarse[0].ok, 3);
        QCOMPARE(coarse[0].total, 4);
    }

    void coarseLevelsMatchFine_data()
    {
        QTest::addColumn<qint64>("fromNs");
        QTest::addColumn<qint64>("toNs");
        QTest::addColumn<int>("columns");
        QTest::newRow("aligned 10 min / 60") << qint64(0) << 600 * Sec << 60;
        QTest::newRow("unaligned edges") << 1234 * Ms << 598'765 * Ms << 97;
        QTest::newRow("window past the data") << 300 * Sec << 900 * Sec << 50;
        QTest::newRow("hour of pixels") << qint64(0) << 600 * Sec << 1600;
    }

    void coarseLevelsMatchFine()
    {
        QFETCH(qint64, fromNs);
        QFETCH(qint64, toNs);
        QFETCH(int, columns);
        SampleTimeline t;
        fill(t, ProbeA, 0, 600, 10, 100 * Sec + 5 * Ms, 112 * Sec + 333 * Ms); // a 12 s outage, off bucket edges
        const auto fine = t.decimate(ProbeA, fromNs, toNs, columns, 0);
        for (int level = 1; level <= SampleTimeline::LevelCount; ++level) {
            const auto coarse = t.decimate(ProbeA, fromNs, toNs, columns, level);
            QCOMPARE(coarse.size(), fine.size());
            for (int c = 0; c < fine.size(); ++c) {
                QCOMPARE(coarse[c].startNs, fine[c].startNs);
                QCOMPARE(coarse[c].ok, fine[c].ok);
                QCOMPARE(coarse[c].total, fine[c].total);
                if (fine[c].ok > 0) {
                    QCOMPARE(coarse[c].latMin, fine[c].latMin);
                    QCOMPARE(coarse[c].latMax, fine[c].latMax);
                }
            }
        }
    }

    void autoLevelFollowsColumnWidth()
    {
        QCOMPARE(SampleTimeline::levelFor(37 * Ms), 0);         // 60 s over 1600 px: raw samples
        QCOMPARE(SampleTimeline::levelFor(2250 * Ms), 1);       // 1 h over 1600 px: 100 ms buckets
        QCOMPARE(SampleTimeline::levelFor(54 * Sec), 2);        // 24 h over 1600 px: 1 s buckets
        QCOMPARE(SampleTimeline::levelFor(10 * 60 * Sec), 3);   // a week: 10 s buckets
    }

    void leaderSpansFollowRoleChanges()
    {
        SampleTimeline t;
        t.addEvent(roleChange(1 * Sec, QStringLiteral("api1")));
        t.addEvent(roleChange(5 * Sec, QStringLiteral("api1"))); // repeated report, same span
        RunEvent fault;
        fault.kind = RunEvent::Kind::Fault;
        fault.monoNs = 10 * Sec;
        fault.service = QStringLiteral("api1");
        fault.action = QStringLiteral("kill");
        t.addEvent(fault);
        t.addEvent(roleChange(10 * Sec + 50 * Ms, QString())); // nobody leads
        t.addEvent(roleChange(10 * Sec + 412 * Ms, QStringLiteral("api2")));

        const auto spans = t.leaderSpans(20 * Sec);
        QCOMPARE(spans.size(), 2);
        QCOMPARE(spans[0].member, QStringLiteral("api1"));
        QCOMPARE(spans[0].fromNs, 1 * Sec);
        QCOMPARE(spans[0].toNs, 10 * Sec + 50 * Ms);
        QCOMPARE(spans[1].member, QStringLiteral("api2"));
        QCOMPARE(spans[1].fromNs, 10 * Sec + 412 * Ms);
        QCOMPARE(spans[1].toNs, 20 * Sec);

        // Cut before the handover: only api1, open until the cut.
        const auto early = t.leaderSpans(8 * Sec);
        QCOMPARE(early.size(), 1);
        QCOMPARE(early[0].toNs, 8 * Sec);

        QCOMPARE(t.events().size(), 5);
        QCOMPARE(t.events(9 * Sec, 11 * Sec).size(), 3);
        QCOMPARE(t.lastNs(), 10 * Sec + 412 * Ms);
    }

    void splitBrainSpansFromRoleRounds()
    {
        const auto round = [](qint64 startNs, const QString &source, const QMap<QString, QString> &roles,
                              const QStringList &unasked = {}) {
            RoleSample r;
            r.startNs = startNs;
            r.endNs = startNs + 20 * Ms;
            r.source = source;
            r.roles = roles;
            r.unasked = unasked;
            return r;
        };
        const QString leader = QStringLiteral("leader"), replica = QStringLiteral("replica");
        const QString m = QStringLiteral("members");
        SampleTimeline t;
        t.addRoleRounds({round(1 * Sec, m, {{u"e1"_s, leader}, {u"e2"_s, replica}, {u"e3"_s, replica}}),
                         round(2 * Sec, m, {{u"e1"_s, leader}, {u"e2"_s, leader}, {u"e3"_s, replica}})});
        // Out of order (older than the newest round): ignored, as the runner does.
        t.addRoleRounds({round(1500 * Ms, m, {{u"e1"_s, leader}, {u"e3"_s, leader}})});
        t.addRoleRounds({round(3 * Sec, m, {{u"e1"_s, leader}, {u"e2"_s, leader}, {u"e3"_s, leader}}),
                         // e2 not asked (its earlier answer still out): no word on the claim
                         round(4 * Sec, m, {{u"e1"_s, leader}, {u"e3"_s, replica}}, {QStringLiteral("e2")}),
                         round(5 * Sec, m, {{u"e1"_s, replica}, {u"e2"_s, leader}, {u"e3"_s, replica}})});
        QList<SampleTimeline::SplitBrainSpan> spans = t.splitBrainSpans(10 * Sec);
        QCOMPARE(spans.size(), 1);
        QCOMPARE(spans[0].leaders, (QStringList{u"e1"_s, u"e2"_s, u"e3"_s}));
        QCOMPARE(spans[0].fromNs, 2 * Sec);
        QCOMPARE(spans[0].toNs, 5 * Sec);
        QVERIFY(!spans[0].open);

        // A second split, still going: open until the cut.
        t.addRoleRounds({round(6 * Sec, m, {{u"e1"_s, leader}, {u"e2"_s, leader}})});
        spans = t.splitBrainSpans(9 * Sec);
        QCOMPARE(spans.size(), 2);
        QVERIFY(spans[1].open);
        QCOMPARE(spans[1].fromNs, 6 * Sec);
        QCOMPARE(spans[1].toNs, 9 * Sec);

        // Once the stack's role source answers, its rounds are the cluster's word; failed rounds
        // say nothing.
        RoleSample failed = round(6500 * Ms, QStringLiteral("cluster"), {});
        failed.error = QStringLiteral("timed out after 500 ms");
        t.addRoleRounds({failed});
        QCOMPARE(t.splitBrainSpans(9 * Sec).size(), 2);
        t.addRoleRounds({round(7 * Sec, QStringLiteral("cluster"), {{u"e1"_s, leader}, {u"e2"_s, replica}})});
        QVERIFY(t.splitBrainSpans(9 * Sec).isEmpty());

        t.clear();
        QVERIFY(t.splitBrainSpans(9 * Sec).isEmpty());
    }

    void eventsStaySortedAndOriginIsCheckStart()
    {
        SampleTimeline t;
        fill(t, ProbeA, 5 * Sec, 1, 100);
        QCOMPARE(t.originNs(), 5 * Sec);
        RunEvent start;
        start.kind = RunEvent::Kind::CheckStarted;
        start.monoNs = 4 * Sec;
        t.addEvent(roleChange(6 * Sec, QStringLiteral("api1")));
        t.addEvent(start);
        QCOMPARE(t.events().first().kind, RunEvent::Kind::CheckStarted);
        QCOMPARE(t.originNs(), 4 * Sec);
        QCOMPARE(t.firstNs(), 4 * Sec);
        t.setOriginNs(3 * Sec);
        QCOMPARE(t.originNs(), 3 * Sec);
    }

    void measuredSpansAndClear()
    {
        SampleTimeline t;
        fill(t, ProbeA, 0, 1, 10);
        const quint64 rev = t.revision();
        t.addMeasuredSpan({10 * Sec, 10 * Sec + 412 * Ms, QStringLiteral("failover 412 ms ± 26 ms")});
        QVERIFY(t.revision() != rev);
        QCOMPARE(t.measuredSpans().size(), 1);
        QCOMPARE(t.measuredSpans().first().label, QStringLiteral("failover 412 ms ± 26 ms"));
        t.clear();
        QVERIFY(t.isEmpty());
        QVERIFY(t.measuredSpans().isEmpty());
        QVERIFY(t.probeIds().isEmpty());
        QCOMPARE(t.sampleCount(), 0);
    }

    void anHourOfFourProbesFitsInMemory()
    {
        SampleTimeline t;
        const QStringList probes{ProbeA, ProbeB, QStringLiteral("db-read"), QStringLiteral("db-write")};
        for (const QString &p : probes)
            fill(t, p, 0, 3600, 10, 1800 * Sec, 1803 * Sec);
        QCOMPARE(t.sampleCount(), qint64(1'440'000));
        const qint64 bytes = t.memoryBytes();
        qInfo("1.44 M samples hold %.1f MB (capacity)", double(bytes) / 1e6);
        QVERIFY2(bytes < 100 * 1000 * 1000, qPrintable(QString::number(bytes)));
        // 1 h into 1600 columns reads the 100 ms level, and still counts every sample.
        const auto cols = t.decimate(ProbeA, 0, 3600 * Sec, 1600);
        qint64 total = 0, ok = 0;
        for (const auto &c : cols) {
            total += c.total;
            ok += c.ok;
        }
        QCOMPARE(total, qint64(360'000));
        QCOMPARE(ok, qint64(360'000 - 300));
    }

    void aLongRunKeepsABoundedRawWindow()
    {
        // 2 h of one probe at 500 Hz with a 3 s outage at 30 min: 3.6 M samples.
        SampleTimeline t;
        fill(t, ProbeA, 0, 7200, 2, 1800 * Sec, 1803 * Sec);
        QCOMPARE(t.sampleCount(), qint64(3'600'000));
        // Raw samples only for the newest ~10 min (+ the chunk not yet dropped), the rest in buckets.
        const qint64 rawWindow = (SampleTimeline::RawWindowNs + 70 * Sec) / (2 * Ms);
        QVERIFY2(t.rawSampleCount() <= rawWindow, qPrintable(QString::number(t.rawSampleCount())));
        QVERIFY(t.rawSampleCount() >= SampleTimeline::RawWindowNs / (2 * Ms));
        QVERIFY2(t.bucketCount() <= 7200 * 10 + 7200 + 720 + 3, qPrintable(QString::number(t.bucketCount())));
        qInfo("3.6 M samples hold %.1f MB (capacity)", double(t.memoryBytes()) / 1e6);
        QVERIFY2(t.memoryBytes() < 16 * 1000 * 1000, qPrintable(QString::number(t.memoryBytes())));
        // Every sample still counted, at any column width, over the dropped stretch and across its end.
        for (const int columns : {1, 7, 1600, 72'000}) {
            const auto cols = t.decimate(ProbeA, 0, 7200 * Sec, columns);
            qint64 total = 0, ok = 0;
            for (const auto &c : cols) {
                total += c.total;
                ok += c.ok;
            }
            QCOMPARE(total, qint64(3'600'000));
            QCOMPARE(ok, qint64(3'600'000 - 1500));
        }
        // The outage is still where it was, from the 100 ms buckets: 30 columns of 100 ms, none ok.
        const auto outage = t.decimate(ProbeA, 1800 * Sec, 1803 * Sec, 30);
        for (const auto &c : outage) {
            QCOMPARE(c.total, 50);
            QCOMPARE(c.ok, 0);
        }
        const auto before = t.decimate(ProbeA, 1799 * Sec, 1800 * Sec, 10);
        for (const auto &c : before) {
            QCOMPARE(c.ok, 50);
            QVERIFY(c.latMin >= 0.25f && c.latMax <= 24.25f && c.latMin <= c.latMax);
        }
    }
};

QTEST_GUILESS_MAIN(TestSampleTimeline)
#include "tst_sampletimeline.moc"
