// RunRecorder checks every store call: a real SQLite run store that refuses writes for a while
// (a trigger stands in for a full disk) must give storeFailed and an incomplete run.
#include "runrecorder.h"
#include "runstore.h"

#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

class TestRunRecorder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void completeRunIsFinished();
    void refusedWriteMarksRunIncomplete_data();
    void refusedWriteMarksRunIncomplete();

private:
    // Runs sql on a second connection to the same database file.
    static bool exec(const QString &path, const QString &sql);
};

bool TestRunRecorder::exec(const QString &path, const QString &sql)
{
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("saboteur"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery q(db);
            ok = q.exec(sql);
            if (!ok)
                qWarning() << q.lastError().text();
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("saboteur"));
    return ok;
}

void TestRunRecorder::completeRunIsFinished()
{
    QTemporaryDir dir;
    RunStore store;
    QVERIFY(store.open(dir.filePath(QStringLiteral("runs.db"))));
    RunRecorder recorder(&store);
    QSignalSpy failed(&recorder, &RunRecorder::storeFailed);
    Lab lab;
    lab.name = QStringLiteral("lab");
    QVERIFY(recorder.begin(lab, QStringLiteral("op"), {}, QStringLiteral("1")));
    CheckResult r;
    r.checkId = QStringLiteral("c");
    r.verdict = Verdict::Pass;
    recorder.record(r);
    QVERIFY(recorder.end(Run::State::Finished));
    QVERIFY(failed.isEmpty());
    QVERIFY(recorder.isComplete());
    QCOMPARE(store.run(recorder.runId())->state, Run::State::Finished);
}

void TestRunRecorder::refusedWriteMarksRunIncomplete_data()
{
    QTest::addColumn<QString>("table");
    QTest::newRow("check result") << QStringLiteral("check_results");
}

void TestRunRecorder::refusedWriteMarksRunIncomplete()
{
    QFETCH(QString, table);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    RunStore store;
    QVERIFY(store.open(path));
    RunRecorder recorder(&store);
    QSignalSpy failed(&recorder, &RunRecorder::storeFailed);
    Lab lab;
    lab.name = QStringLiteral("lab");
    QVERIFY(recorder.begin(lab, QStringLiteral("op"), {}, QStringLiteral("1")));

    QVERIFY(exec(path, QStringLiteral("CREATE TRIGGER refuse BEFORE INSERT ON %1 BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END").arg(table)));
    CheckResult r;
    r.checkId = QStringLiteral("c");
    r.verdict = Verdict::Pass;
    recorder.record(r);
    recorder.record(r);
    QCOMPARE(failed.size(), 1); // reported once, counted every time
    QCOMPARE(recorder.failedWrites(), 2);
    QVERIFY2(failed.first().first().toString().contains(QStringLiteral("check c")), qPrintable(failed.first().first().toString()));
    QVERIFY(exec(path, QStringLiteral("DROP TRIGGER refuse")));

    QVERIFY(recorder.end(Run::State::Finished));
    QVERIFY(!recorder.isComplete());
    const std::optional<Run> run = store.run(recorder.runId());
    QVERIFY(run);
    QCOMPARE(run->state, Run::State::Incomplete);
    QVERIFY2(run->notes.contains(QStringLiteral("2 store write(s) failed")), qPrintable(run->notes));
}

QTEST_GUILESS_MAIN(TestRunRecorder)
#include "tst_runrecorder.moc"
