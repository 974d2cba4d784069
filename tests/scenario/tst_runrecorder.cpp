// RunRecorder checks every store call: a real SQLite run store that refuses writes for a while
// (a trigger stands in for a full disk) must give storeFailed and an incomplete run. Its writes run
// on a thread of their own: a store another connection holds locked never holds up the caller.
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
    void aLockedStoreNeverHoldsUpTheCaller();

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
    QSignalSpy ended(&recorder, &RunRecorder::ended);
    Lab lab;
    lab.name = QStringLiteral("lab");
    QVERIFY(recorder.begin(lab, QStringLiteral("op"), {}, QStringLiteral("1")));
    CheckResult r;
    r.checkId = QStringLiteral("c");
    r.verdict = Verdict::Pass;
    recorder.record(r);
    recorder.end(Run::State::Finished);
    QVERIFY(ended.wait(10000));
    QCOMPARE(ended.first().first().toBool(), true);
    QVERIFY(failed.isEmpty());
    QVERIFY(recorder.isComplete());
    QCOMPARE(store.run(recorder.runId())->state, Run::State::Finished);
    QCOMPARE(store.run(recorder.runId())->results.value(0).verdict, Verdict::Pass);
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
    QSignalSpy stored(&recorder, &RunRecorder::stored);
    QSignalSpy ended(&recorder, &RunRecorder::ended);
    Lab lab;
    lab.name = QStringLiteral("lab");
    QVERIFY(recorder.begin(lab, QStringLiteral("op"), {}, QStringLiteral("1")));

    QVERIFY(exec(path, QStringLiteral("CREATE TRIGGER refuse BEFORE INSERT ON %1 BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END").arg(table)));
    CheckResult r;
    r.checkId = QStringLiteral("c");
    r.verdict = Verdict::Pass;
    recorder.record(r);
    recorder.record(r);
    recorder.flush();
    QVERIFY(stored.wait(10000)); // the failures were reported before it
    QCOMPARE(failed.size(), 1); // reported once, counted every time
    QCOMPARE(recorder.failedWrites(), 2);
    QVERIFY2(failed.first().first().toString().contains(QStringLiteral("check c")), qPrintable(failed.first().first().toString()));
    QVERIFY2(failed.first().first().toString().contains(QStringLiteral("disk full (test)")), qPrintable(failed.first().first().toString()));
    QVERIFY(exec(path, QStringLiteral("DROP TRIGGER refuse")));

    recorder.end(Run::State::Finished);
    QVERIFY(ended.wait(10000));
    QCOMPARE(ended.first().first().toBool(), false);
    QVERIFY(!recorder.isComplete());
    const std::optional<Run> run = store.run(recorder.runId());
    QVERIFY(run);
    QCOMPARE(run->state, Run::State::Incomplete);
    QVERIFY2(run->notes.contains(QStringLiteral("2 store write(s) failed")), qPrintable(run->notes));
}

void TestRunRecorder::aLockedStoreNeverHoldsUpTheCaller()
{
    // Another connection holds the write lock (as a stalled disk would hold a commit). A recorder
    // writing on the caller's thread would wait here for SQLite's busy timeout and then fail.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    RunStore store;
    QVERIFY(store.open(path));
    RunRecorder recorder(&store);
    QSignalSpy failed(&recorder, &RunRecorder::storeFailed);
    QSignalSpy stored(&recorder, &RunRecorder::stored);
    Lab lab;
    lab.name = QStringLiteral("lab");
    QVERIFY(recorder.begin(lab, QStringLiteral("op"), {}, QStringLiteral("1")));

    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("locker"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("BEGIN EXCLUSIVE")));
        CheckResult r;
        r.checkId = QStringLiteral("c");
        r.verdict = Verdict::Fail;
        recorder.record(r);
        recorder.flush();
        // Back without having failed: a write on this thread would have met the lock, waited out the
        // busy timeout and reported the loss before returning.
        QVERIFY(failed.isEmpty());
        QVERIFY(q.exec(QStringLiteral("ROLLBACK")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("locker"));
    QVERIFY(stored.wait(10000));
    QVERIFY(failed.isEmpty());
    QCOMPARE(store.run(recorder.runId())->results.value(0).verdict, Verdict::Fail);
}

QTEST_GUILESS_MAIN(TestRunRecorder)
#include "tst_runrecorder.moc"
