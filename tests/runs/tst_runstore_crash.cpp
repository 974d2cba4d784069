// Crash safety: a writer process is SIGKILLed mid-run; on reopen everything it reported committed
// is there, sample batches are whole, and markInterruptedRuns() marks the run interrupted.
#include "runstore.h"

#include <QDeadlineTimer>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

class TestRunStoreCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sigkillLosesNothingCommitted_data()
    {
        QTest::addColumn<int>("killAfter");
        QTest::newRow("early") << 3;
        QTest::newRow("middle") << 40;
        QTest::newRow("late") << 150;
    }

    void sigkillLosesNothingCommitted()
    {
        QFETCH(int, killAfter);
        const QString writer = QStringLiteral(HALAB_BIN_DIR "/run_writer");
        QVERIFY2(QFileInfo::exists(writer), "build the run_writer target");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString db = dir.filePath(QStringLiteral("runs.sqlite"));

        QProcess proc;
        proc.setProcessChannelMode(QProcess::SeparateChannels);
        proc.start(writer, {db});
        QVERIFY(proc.waitForStarted());

        QString runId;
        qint64 lastSeq = 0;
        QByteArray pending;
        auto readLines = [&] {
            pending += proc.readAllStandardOutput();
            qsizetype nl;
            while ((nl = pending.indexOf('\n')) >= 0) {
                const QString line = QString::fromUtf8(pending.left(nl));
                pending.remove(0, nl + 1);
                if (line.startsWith(QStringLiteral("run ")))
                    runId = line.mid(4);
                else if (line.startsWith(QStringLiteral("seq ")))
                    lastSeq = line.mid(4).toLongLong();
            }
        };
        QDeadlineTimer deadline(60000);
        while (lastSeq < killAfter && !deadline.hasExpired() && proc.state() == QProcess::Running) {
            proc.waitForReadyRead(1000);
            readLines();
        }
        QVERIFY2(lastSeq >= killAfter, proc.readAllStandardError().constData());
        QVERIFY(!runId.isEmpty());

        // While the writer lives, a second process's store reads its run and leaves it alone.
        {
            RunStore reader;
            QString error;
            QVERIFY2(reader.open(db, &error), qPrintable(error));
            QCOMPARE(reader.markInterruptedRuns(), 0);
            const QList<Run> runs = reader.runs();
            QCOMPARE(runs.size(), 1);
            QCOMPARE(runs.at(0).state, Run::State::Running);
        }

        // Let it write on, so the kill lands mid-stream rather than right after a line we waited for.
        const qint64 target = lastSeq + 5;
        while (lastSeq < target && !deadline.hasExpired() && proc.state() == QProcess::Running) {
            proc.waitForReadyRead(1000);
            readLines();
        }
        QThread::usleep(QRandomGenerator::global()->bounded(3000)); // anywhere in a write, not only between them
        proc.kill(); // SIGKILL: no destructor, no rollback, no flush
        QVERIFY(proc.waitForFinished(10000));
        QCOMPARE(proc.exitStatus(), QProcess::CrashExit);
        readLines(); // lines already in the pipe were committed before they were printed
        QVERIFY(lastSeq >= killAfter);

        RunStore store;
        QString error;
        QVERIFY2(store.open(db, &error), qPrintable(error));
        QVERIFY2(store.markInterruptedRuns() == 1, qPrintable(store.lastError()));
        const std::optional<Run> run = store.run(runId, true);
        QVERIFY(run);
        QCOMPARE(run->state, Run::State::Interrupted);
        QVERIFY(run->finished.isValid());
        QCOMPARE(run->results.size(), 2);
        const CheckResult &c1 = run->results.at(0);
        QCOMPARE(c1.verdict, Verdict::Error);
        QCOMPARE(run->results.at(1).verdict, Verdict::NotRun);

        // Steps: 1..lastSeq all there (one more may have committed before its line was printed).
        QSet<int> steps;
        for (const StepOutcome &s : c1.steps)
            steps.insert(s.index);
        QVERIFY2(c1.steps.size() == lastSeq || c1.steps.size() == lastSeq + 1,
                 qPrintable(QStringLiteral("%1 steps, last printed %2").arg(c1.steps.size()).arg(lastSeq)));
        for (int seq = 1; seq <= c1.steps.size(); ++seq)
            QVERIFY2(steps.contains(seq), qPrintable(QStringLiteral("step %1 missing").arg(seq)));

        // Samples: whole batches only (a batch is one transaction), at least one per printed seq.
        QVERIFY(c1.samples.size() % 100 == 0);
        QVERIFY(c1.samples.size() >= lastSeq * 100);
        QVERIFY(c1.samples.size() <= (lastSeq + 1) * 100);
        QSet<qint64> batches;
        for (const ProbeSample &s : c1.samples)
            batches.insert(s.monoNs / 1000);
        for (qint64 seq = 1; seq <= lastSeq; ++seq)
            QVERIFY(batches.contains(seq));

        QVERIFY(c1.events.size() >= lastSeq);
        QVERIFY(c1.events.size() <= lastSeq + 1);
        QCOMPARE(store.markInterruptedRuns(), 0); // already marked
        qInfo("killed after seq %lld: %lld steps, %lld samples", static_cast<long long>(lastSeq),
              static_cast<long long>(c1.steps.size()), static_cast<long long>(c1.samples.size()));
    }
};

QTEST_GUILESS_MAIN(TestRunStoreCrash)
#include "tst_runstore_crash.moc"
