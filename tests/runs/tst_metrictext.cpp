// How a metric reads wherever the window shows one (live table, compare): its unit, a timing's
// interval, and B − A rounded as the values are shown.
#include "verdictexplanation.h"

#include <QTest>

class TestMetricText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void valueCarriesUnitAndInterval_data()
    {
        QTest::addColumn<QString>("metric");
        QTest::addColumn<double>("value");
        QTest::addColumn<QString>("text");
        QTest::newRow("timing with interval") << QStringLiteral("failover_ms") << 2102.4 << QStringLiteral("2102 ms (2000–2113)");
        QTest::newRow("timing without interval") << QStringLiteral("lb.latency_p99_ms") << 3.642952 << QStringLiteral("4 ms");
        QTest::newRow("percentage") << QStringLiteral("lb.availability_pct") << 99.96 << QStringLiteral("99.9 %");
        QTest::newRow("count") << QStringLiteral("probes_ok") << 62.0 << QStringLiteral("62");
        QTest::newRow("plain fraction") << QStringLiteral("ratio") << 0.18333 << QStringLiteral("0.18");
    }

    void valueCarriesUnitAndInterval()
    {
        QFETCH(QString, metric);
        QFETCH(double, value);
        QFETCH(QString, text);
        const MetricIntervals intervals{{QStringLiteral("failover_ms"), MetricInterval{2000.2, 2112.3}}};
        QCOMPARE(VerdictExplanation::valueText(metric, value, intervals), text);
    }

    void deltaReadsAsTheValuesDo_data()
    {
        QTest::addColumn<QString>("metric");
        QTest::addColumn<double>("a");
        QTest::addColumn<double>("b");
        QTest::addColumn<QString>("text");
        QTest::newRow("ms down") << QStringLiteral("failover_ms") << 2102.04 << 2036.32 << QStringLiteral("−66 ms");
        QTest::newRow("ms below what shows") << QStringLiteral("console_late_p99_ms") << 0.18 << 0.44 << QStringLiteral("0"); // both read "0 ms"
        QTest::newRow("pct up") << QStringLiteral("lb.availability_pct") << 61.3 << 62.04 << QStringLiteral("+0.7 %");
        QTest::newRow("pct same as shown") << QStringLiteral("lb.availability_pct") << 61.3 << 61.32 << QStringLiteral("0");
        QTest::newRow("count") << QStringLiteral("rows") << 40.0 << 42.0 << QStringLiteral("+2");
        QTest::newRow("equal") << QStringLiteral("failover_ms") << 5.0 << 5.0 << QStringLiteral("0");
    }

    void deltaReadsAsTheValuesDo()
    {
        QFETCH(QString, metric);
        QFETCH(double, a);
        QFETCH(double, b);
        QFETCH(QString, text);
        QCOMPARE(VerdictExplanation::deltaText(metric, a, b), text);
    }
};

QTEST_GUILESS_MAIN(TestMetricText)
#include "tst_metrictext.moc"
