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

// A recorder on a fresh store, with its signals watched.
struct Recording
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    RunStore store;
    const bool opened = store.open(path);
    RunRecorder recorder{&store};
    QSignalSpy failed{&recorder, &RunRecorder::storeFailed};
    QSignalSpy stored{&recorder, &RunRecorder::stored};
    QSignalSpy ended{&recorder, &RunRecorder::ended};

    bool begin()
    {
        Lab lab;
        lab.name = QStringLiteral("lab");
        return opened && recorder.begin(lab, QStringLiteral("op"), {}, QStringLiteral("1"));
    }
};

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
    Recording f;
    QVERIFY(f.begin());
    CheckResult r;
    r.checkId = QStringLiteral("c");
    r.verdict = Verdict::Pass;
    f.recorder.record(r);
    f.recorder.end(Run::State::Finished);
    QVERIFY(f.ended.wait(10000));
    QCOMPARE(f.ended.first().first().toBool(), true);
    QVERIFY(f.failed.isEmpty());
    QVERIFY(f.recorder.isComplete());
    QCOMPARE(f.store.run(f.recorder.runId())->state, Run::State::Finished);
    QCOMPARE(f.store.run(f.recorder.runId())->results.value(0).verdict, Verdict::Pass);
}

void TestRunRecorder::refusedWriteMarksRunIncomplete_data()
{
    QTest::addColumn<QString>("table");
    QTest::newRow("check result") << QStringLiteral("check_results");
}

void TestRunRecorder::refusedWriteMarksRunIncomplete()
{
    QFETCH(QString, table);
    Recording f;
    QVERIFY(f.begin());

    QVERIFY(exec(f.path, QStringLiteral("CREATE TRIGGER refuse BEFORE INSERT ON %1 BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END").arg(table)));
    CheckResult r;
    r.checkId = QStringLiteral("c");
    r.verdict = Verdict::Pass;
    f.recorder.record(r);
    f.recorder.record(r);
    f.recorder.flush();
    QVERIFY(f.stored.wait(10000)); // the failures were reported before it
    QCOMPARE(f.failed.size(), 1); // reported once, counted every time
    QCOMPARE(f.recorder.failedWrites(), 2);
    QVERIFY2(f.failed.first().first().toString().contains(QStringLiteral("check c")), qPrintable(f.failed.first().first().toString()));
    QVERIFY2(f.failed.first().first().toString().contains(QStringLiteral("disk full (test)")), qPrintable(f.failed.first().first().toString()));
    QVERIFY(exec(f.path, QStringLiteral("DROP TRIGGER refuse")));

    f.recorder.end(Run::State::Finished);
    QVERIFY(f.ended.wait(10000));
    QCOMPARE(f.ended.first().first().toBool(), false);
    QVERIFY(!f.recorder.isComplete());
    const std::optional<Run> run = f.store.run(f.recorder.runId());
    QVERIFY(run);
    QCOMPARE(run->state, Run::State::Incomplete);
    QVERIFY2(run->notes.contains(QStringLiteral("2 store write(s) failed")), qPrintable(run->notes));
}

void TestRunRecorder::aLockedStoreNeverHoldsUpTheCaller()
{
    // Another connection holds the write lock (as a stalled disk would hold a commit). A recorder
    // writing on the caller's thread would wait here for SQLite's busy timeout and then fail.
    Recording f;
    QVERIFY(f.begin());

    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("locker"));
        db.setDatabaseName(f.path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("BEGIN EXCLUSIVE")));
        CheckResult r;
        r.checkId = QStringLiteral("c");
        r.verdict = Verdict::Fail;
        f.recorder.record(r);
        f.recorder.flush();
        // Back without having failed: a write on this thread would have met the lock, waited out the
        // busy timeout and reported the loss before returning.
        QVERIFY(f.failed.isEmpty());
        QVERIFY(q.exec(QStringLiteral("ROLLBACK")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("locker"));
    QVERIFY(f.stored.wait(10000));
    QVERIFY(f.failed.isEmpty());
    QCOMPARE(f.store.run(f.recorder.runId())->results.value(0).verdict, Verdict::Fail);
}

QTEST_GUILESS_MAIN(TestRunRecorder)
#include "tst_runrecorder.moc"
