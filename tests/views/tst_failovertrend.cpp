// The failover trend across runs: one series per check that measured failover_ms, one point per run.
#include "failovertrendview.h"

#include <QTest>

class TestFailoverTrend : public QObject
{
    Q_OBJECT

private:
    static Run run(const QDateTime &when, const QList<QPair<QString, double>> &failovers)
    {
        Run r;
        r.id = when.toString(Qt::ISODate);
        r.started = when;
        for (const auto &[check, ms] : failovers) {
            CheckResult c;
            c.checkId = check;
            c.title = check;
            c.finished = when;
            c.verdict = Verdict::Pass;
            if (ms >= 0) {
                c.metrics.insert(QStringLiteral("failover_ms"), ms);
                c.intervals.insert(QStringLiteral("failover_ms"), {c.metrics.value(QStringLiteral("failover_ms")) - 50, c.metrics.value(QStringLiteral("failover_ms")) + 50});
            }
            r.results.append(c);
        }
        return r;
    }

private Q_SLOTS:
    void pointsPerCheckAcrossRuns()
    {
        const QDateTime t0 = QDateTime::currentDateTimeUtc().addDays(-3);
        const QList<Run> runs{run(t0, {{QStringLiteral("leader-failover"), 2100}, {QStringLiteral("7"), -1}}),
                              run(t0.addDays(1), {{QStringLiteral("leader-failover"), 2050}, {QStringLiteral("4"), 1900}}),
                              run(t0.addDays(2), {{QStringLiteral("leader-failover"), 4800}})};
        FailoverTrendView view;
        view.resize(800, 400);
        view.setRuns(runs);
        QCOMPARE(view.seriesCount(), 2); // leader-failover and 4; check 7 never measured it
        QCOMPARE(view.pointCount(), 4);
        view.setRuns(runs, QStringLiteral("leader-failover"));
        QCOMPARE(view.seriesCount(), 1);
        QCOMPARE(view.pointCount(), 3);
        view.setRuns(runs, QStringLiteral("7"));
        QCOMPARE(view.seriesCount(), 0);
    }
};

QTEST_MAIN(TestFailoverTrend)
#include "tst_failovertrend.moc"
