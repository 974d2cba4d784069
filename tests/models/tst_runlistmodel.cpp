// RunListModel: runs and their check results as a tree, appends and in-place updates, under the model tester.
#include "runlistmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

namespace {

using Tester = QAbstractItemModelTester;
constexpr auto QtTestMode = QAbstractItemModelTester::FailureReportingMode::QtTest;

CheckResult result(const QString &id, const QString &title, Verdict v, const QMap<QString, double> &metrics = {},
                   const QString &note = {})
{
    CheckResult r;
    r.checkId = id;
    r.title = title;
    r.verdict = v;
    r.metrics = metrics;
    r.note = note;
    return r;
}

// The seed's six checks: 3 pass, 2 deferred, 1 N/A.
QList<CheckResult> sixResults()
{
    return {
        result(QStringLiteral("1"), QStringLiteral("Shared asset readability"), Verdict::Pass),
        result(QStringLiteral("2"), QStringLiteral("Leader failover"), Verdict::Pass,
               {{QStringLiteral("failover_ms"), 412}, {QStringLiteral("availability_pct"), 100}},
               QStringLiteral("api2 took over")),
        result(QStringLiteral("3"), QStringLiteral("Tenant isolation"), Verdict::NotApplicable),
        result(QStringLiteral("4"), QStringLiteral("Replica lag"), Verdict::Pass, {{QStringLiteral("lag_ms"), 12.5}}),
        result(QStringLiteral("5"), QStringLiteral("Disk full"), Verdict::Deferred),
        result(QStringLiteral("9"), QStringLiteral("Cross-region"), Verdict::Deferred),
    };
}

Run makeRun(const QString &id, int resultCount, Run::State state = Run::State::Finished)
{
    Run run;
    run.id = id;
    run.labName = QStringLiteral("Seed lab");
    run.labPath = QStringLiteral("/labs/seed.yaml");
    run.operatorName = QStringLiteral("alice");
    run.started = QDateTime(QDate(2024, 5, 1), QTime(14, 30), Qt::LocalTime);
    run.state = state;
    run.results = sixResults().mid(0, resultCount);
    return run;
}

QString text(const QAbstractItemModel &m, int row, int column, const QModelIndex &parent = {})
{
    return m.data(m.index(row, column, parent)).toString();
}

} // namespace

class TestRunListModel : public QObject
{
    Q_OBJECT

private slots:
    void emptyModel();
    void structure();
    void runText_data();
    void runText();
    void resultText_data();
    void resultText();
    void summary_data();
    void summary();
    void startedIsLocalTime();
    void roles();
    void addRun();
    void addRunWithKnownIdUpdates();
    void updateRunMoreResults();
    void updateRunFewerResults();
    void updateRunSameCount();
    void updateRunUnknownIdAppends();
    void setRunsResets();
    void headerFlagsRoleNames();
};

void TestRunListModel::emptyModel()
{
    RunListModel model;
    Tester tester(&model, QtTestMode);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(RunListModel::ColumnCount));
    QVERIFY(!model.index(0, 0).isValid());
}

void TestRunListModel::structure()
{
    RunListModel model;
    Tester tester(&model, QtTestMode);
    model.setRuns({makeRun(QStringLiteral("r1"), 6), makeRun(QStringLiteral("r2"), 0)});

    QCOMPARE(model.rowCount(), 2);
    const QModelIndex r1 = model.index(0, 0);
    QCOMPARE(model.rowCount(r1), 6);
    QVERIFY(model.hasChildren(r1));
    QCOMPARE(model.rowCount(model.index(1, 0)), 0);
    QVERIFY(!model.hasChildren(model.index(1, 0)));

    // Only column 0 of a run parents results.
    const QModelIndex r1lab = model.index(0, RunListModel::LabColumn);
    QCOMPARE(model.rowCount(r1lab), 0);
    QVERIFY(!model.hasChildren(r1lab));
    QVERIFY(!model.index(0, 0, r1lab).isValid());

    const QModelIndex res = model.index(5, RunListModel::NoteColumn, r1);
    QVERIFY(res.isValid());
    QCOMPARE(model.parent(res), r1);
    QCOMPARE(model.rowCount(res), 0);
    QVERIFY(!model.hasChildren(res));
    QVERIFY(!model.index(6, 0, r1).isValid());

    QCOMPARE(model.indexOfRun(QStringLiteral("r2")), model.index(1, 0));
    QCOMPARE(model.runAt(res)->id, QStringLiteral("r1"));
    QCOMPARE(model.resultAt(res)->checkId, QStringLiteral("9"));
    QVERIFY(model.resultAt(r1) == nullptr);
}

void TestRunListModel::runText_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("expected");
    QTest::newRow("started") << int(RunListModel::StartedColumn) << QStringLiteral("2024-05-01 14:30");
    QTest::newRow("lab") << int(RunListModel::LabColumn) << QStringLiteral("Seed lab");
    QTest::newRow("operator") << int(RunListModel::OperatorColumn) << QStringLiteral("alice");
    QTest::newRow("state") << int(RunListModel::StateColumn) << QStringLiteral("finished");
    QTest::newRow("summary") << int(RunListModel::SummaryColumn) << QStringLiteral("3/6 PASS, 2 DEFERRED, 1 N/A");
}

void TestRunListModel::runText()
{
    QFETCH(int, column);
    QFETCH(QString, expected);
    RunListModel model;
    Tester tester(&model, QtTestMode);
    model.setRuns({makeRun(QStringLiteral("r1"), 6)});
    QCOMPARE(text(model, 0, column), expected);
}

void TestRunListModel::resultText_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("expected");
    QTest::newRow("check") << 1 << int(RunListModel::CheckColumn) << QStringLiteral("2. Leader failover");
    QTest::newRow("verdict pass") << 1 << int(RunListModel::VerdictColumn) << QStringLiteral("PASS");
    QTest::newRow("verdict n/a") << 2 << int(RunListModel::VerdictColumn) << QStringLiteral("N/A");
    QTest::newRow("metrics") << 1 << int(RunListModel::MetricsColumn)
                             << QStringLiteral("availability_pct=100 failover_ms=412");
    QTest::newRow("fractional metric") << 3 << int(RunListModel::MetricsColumn) << QStringLiteral("lag_ms=12.5");
    QTest::newRow("no metrics") << 0 << int(RunListModel::MetricsColumn) << QString();
    QTest::newRow("note") << 1 << int(RunListModel::NoteColumn) << QStringLiteral("api2 took over");
    QTest::newRow("fifth column blank") << 1 << int(RunListModel::SummaryColumn) << QString();
}

void TestRunListModel::resultText()
{
    QFETCH(int, row);
    QFETCH(int, column);
    QFETCH(QString, expected);
    RunListModel model;
    Tester tester(&model, QtTestMode);
    model.setRuns({makeRun(QStringLiteral("r1"), 6)});
    QCOMPARE(text(model, row, column, model.index(0, 0)), expected);
}

void TestRunListModel::summary_data()
{
    QTest::addColumn<QList<int>>("verdicts");
    QTest::addColumn<QString>("expected");
    const auto v = [](std::initializer_list<Verdict> list) {
        QList<int> out;
        for (Verdict x : list)
            out << int(x);
        return out;
    };
    QTest::newRow("none") << QList<int>() << QStringLiteral("no results");
    QTest::newRow("all pass") << v({Verdict::Pass, Verdict::Pass}) << QStringLiteral("2/2 PASS");
    QTest::newRow("seed") << v({Verdict::Pass, Verdict::Deferred, Verdict::Pass, Verdict::NotApplicable,
                                Verdict::Deferred, Verdict::Pass})
                          << QStringLiteral("3/6 PASS, 2 DEFERRED, 1 N/A");
    QTest::newRow("failures first") << v({Verdict::NotApplicable, Verdict::Fail, Verdict::Error, Verdict::Running})
                                    << QStringLiteral("0/4 PASS, 1 FAIL, 1 ERROR, 1 RUNNING, 1 N/A");
}

void TestRunListModel::summary()
{
    QFETCH(QList<int>, verdicts);
    QFETCH(QString, expected);
    Run run;
    for (int i = 0; i < verdicts.size(); ++i)
        run.results << result(QString::number(i + 1), {}, Verdict(verdicts.at(i)));
    QCOMPARE(RunListModel::summaryText(run), expected);
}

void TestRunListModel::startedIsLocalTime()
{
    RunListModel model;
    Tester tester(&model, QtTestMode);
    Run run = makeRun(QStringLiteral("r1"), 1);
    run.started = QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5), Qt::UTC);
    model.setRuns({run});
    QCOMPARE(text(model, 0, RunListModel::StartedColumn),
             run.started.toLocalTime().toString(QStringLiteral("yyyy-MM-dd hh:mm")));
}

void TestRunListModel::roles()
{
    RunListModel model;
    Tester tester(&model, QtTestMode);
    model.setRuns({makeRun(QStringLiteral("r1"), 6)});

    const QModelIndex run = model.index(0, RunListModel::StateColumn);
    QCOMPARE(run.data(RunListModel::RunIdRole).toString(), QStringLiteral("r1"));
    QCOMPARE(run.data(RunListModel::IsRunRole).toBool(), true);
    QVERIFY(!run.data(RunListModel::CheckIdRole).isValid());
    QVERIFY(!run.data(RunListModel::VerdictRole).isValid());

    const QModelIndex res = model.index(4, RunListModel::NoteColumn, model.index(0, 0));
    QCOMPARE(res.data(RunListModel::RunIdRole).toString(), QStringLiteral("r1"));
    QCOMPARE(res.data(RunListModel::IsRunRole).toBool(), false);
    QCOMPARE(res.data(RunListModel::CheckIdRole).toString(), QStringLiteral("5"));
    QCOMPARE(res.data(RunListModel::VerdictRole).toInt(), int(Verdict::Deferred));
    QCOMPARE(model.index(1, 0, model.index(0, 0)).data(Qt::ToolTipRole).toString(), QStringLiteral("api2 took over"));
}

void TestRunListModel::addRun()
{
    RunListModel model;
    Tester tester(&model, QtTestMode);
    model.setRuns({makeRun(QStringLiteral("r1"), 6)});
    QSignalSpy aboutToInsert(&model, &QAbstractItemModel::rowsAboutToBeInserted);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);

    model.addRun(makeRun(QStringLiteral("r2"), 2, Run::State::Running));
    QCOMPARE(aboutToInsert.count(), 1);
    QCOMPARE(inserted.count(), 1);
    QVERIFY(!inserted.at(0).at(0).value<QModelIndex>().isValid());
    QCOMPARE(inserted.at(0).at(1).toInt(), 1);
    QCOMPARE(inserted.at(0).at(2).toInt(), 1);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowCount(model.index(1, 0)), 2);
    QCOMPARE(text(model, 1, RunListModel::StateColumn), QStringLiteral("running"));
    QCOMPARE(text(model, 1, RunListModel::SummaryColumn), QStringLiteral("2/2 PASS"));
}

void TestRunListModel::addRunWithKnownIdUpdates()
{
    RunListModel model;
    Tester tester(&model, QtTestMode);
    model.setRuns({makeRun(QStringLiteral("r1"), 2, Run::State::Running)});
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    model.addRun(makeRun(QStringLiteral("r1"), 2, Run::State::Finished));
    QCOMPARE(inserted.count(), 0);
    QVERIFY(changed.count() >= 1);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(text(model, 0, RunListModel::StateColumn), QStringLiteral("finished"));
}

void TestRunListModel::updateRunMoreResults()
{
    RunListModel model;
    Tester tester(&model, QtTestMode);
    model.setRuns({makeRun(QStringLiteral("r0"), 1), makeRun(QStringLiteral("r1"), 2, Run::State::Running)});
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    Run run = makeRun(QStringLiteral("r1"), 5, Run::State::Running);
    run.results[0].note = QStringLiteral("re-checked");
    model.updateRun(run);

    QCOMPARE(removed.count(), 0);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(inserted.at(0).at(0).value<QModelIndex>(), model.index(1, 0));
    QCOMPARE(inserted.at(0).at(1).toInt(), 2);
    QCOMPARE(inserted.at(0).at(2).toInt(), 4);
    QCOMPARE(model.rowCount(model.index(1, 0)), 5);

    // The run row and the results that were already there are announced.
    QCOMPARE(changed.count(), 2);
    QCOMPARE(changed.at(0).at(0).value<QModelIndex>(), model.index(1, 0));
    QCOMPARE(changed.at(0).at(1).value<QModelIndex>(), model.index(1, RunListModel::ColumnCount - 1));
    QCOMPARE(changed.at(1).at(0).value<QModelIndex>().parent(), model.index(1, 0));
    QCOMPARE(changed.at(1).at(1).value<QModelIndex>().row(), 1);
    QCOMPARE(text(model, 0, RunListModel::NoteColumn, model.index(1, 0)), QStringLiteral("re-checked"));
    QCOMPARE(text(model, 4, RunListModel::VerdictColumn, model.index(1, 0)), QStringLiteral("DEFERRED"));
    QCOMPARE(text(model, 1, RunListModel::SummaryColumn), QStringLiteral("3/5 PASS, 1 DEFERRED, 1 N/A"));
    QCOMPARE(model.rowCount(model.index(0, 0)), 1); // the other run is untouched
}

void TestRunListModel::updateRunFewerResults()
{
    RunListModel model;
    Tester tester(&model, QtTestMode);
    model.setRuns({makeRun(QStringLiteral("r1"), 6)});
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    model.updateRun(makeRun(QStringLiteral("r1"), 2, Run::State::Interrupted));
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(0).value<QModelIndex>(), model.index(0, 0));
    QCOMPARE(removed.at(0).at(1).toInt(), 2);
    QCOMPARE(removed.at(0).at(2).toInt(), 5);
    QCOMPARE(model.rowCount(model.index(0, 0)), 2);
    QCOMPARE(text(model, 0, RunListModel::StateColumn), QStringLiteral("interrupted"));

    // Down to none.
    model.updateRun(makeRun(QStringLiteral("r1"), 0));
    QCOMPARE(removed.count(), 2);
    QVERIFY(!model.hasChildren(model.index(0, 0)));
    QCOMPARE(text(model, 0, RunListModel::SummaryColumn), QStringLiteral("no results"));
}

void TestRunListModel::updateRunSameCount()
{
    RunListModel model;
    Tester tester(&model, QtTestMode);
    model.setRuns({makeRun(QStringLiteral("r1"), 3, Run::State::Running)});
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    Run run = makeRun(QStringLiteral("r1"), 3, Run::State::Finished);
    run.results[2].verdict = Verdict::Fail;
    model.updateRun(run);
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(removed.count(), 0);
    QCOMPARE(changed.count(), 2);
    QCOMPARE(text(model, 2, RunListModel::VerdictColumn, model.index(0, 0)), QStringLiteral("FAIL"));
    QCOMPARE(text(model, 0, RunListModel::SummaryColumn), QStringLiteral("2/3 PASS, 1 FAIL"));
}

void TestRunListModel::updateRunUnknownIdAppends()
{
    RunListModel model;
    Tester tester(&model, QtTestMode);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.updateRun(makeRun(QStringLiteral("new"), 1));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.index(0, 0).data(RunListModel::RunIdRole).toString(), QStringLiteral("new"));
}

void TestRunListModel::setRunsResets()
{
    RunListModel model;
    Tester tester(&model, QtTestMode);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setRuns({makeRun(QStringLiteral("r1"), 6), makeRun(QStringLiteral("r2"), 3)});
    model.setRuns({makeRun(QStringLiteral("r3"), 1)});
    QCOMPARE(reset.count(), 2);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.runs().first().id, QStringLiteral("r3"));
    model.setRuns({});
    QCOMPARE(model.rowCount(), 0);
}

void TestRunListModel::headerFlagsRoleNames()
{
    RunListModel model;
    Tester tester(&model, QtTestMode);
    model.setRuns({makeRun(QStringLiteral("r1"), 2)});

    const QStringList headers{QStringLiteral("Started"), QStringLiteral("Lab"), QStringLiteral("Operator"),
                              QStringLiteral("State"), QStringLiteral("Summary")};
    for (int c = 0; c < RunListModel::ColumnCount; ++c)
        QCOMPARE(model.headerData(c, Qt::Horizontal).toString(), headers.at(c));

    const Qt::ItemFlags expected = Qt::ItemIsSelectable | Qt::ItemIsEnabled;
    QCOMPARE(model.flags(model.index(0, 0)), expected);
    QCOMPARE(model.flags(model.index(1, 3, model.index(0, 0))), expected);

    const QHash<int, QByteArray> names = model.roleNames();
    QCOMPARE(names.value(RunListModel::RunIdRole), QByteArrayLiteral("runId"));
    QCOMPARE(names.value(RunListModel::IsRunRole), QByteArrayLiteral("isRun"));
    QCOMPARE(int(RunListModel::RunIdRole), Qt::UserRole + 1);
    QCOMPARE(int(RunListModel::IsRunRole), Qt::UserRole + 4);
}

QTEST_GUILESS_MAIN(TestRunListModel)
#include "tst_runlistmodel.moc"
