// What a stalled store commit does to the thread that records: the window's event loop before
// (RunStore::appendSamples on the calling thread) and now (RunStoreWriter, its own thread).
// A 5 ms timer on the main thread measures the event loop; every 50 ms a batch of 100 samples is
// stored; at 1 s another connection takes SQLite's write lock for --stall-ms (a stand-in for a disk
// that stalls a commit: the write waits the same way), then lets go. Both paths run in one process,
// one after the other, each on a fresh store.
// Usage: bench_storestall [--stall-ms 2000] [--seconds 4]
// Prints one Markdown table row per path: path, batches, longest event-loop gap, p99 gap, failed writes, samples stored.
#include "runstore.h"
#include "runstorewriter.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>

namespace {

ProbeSampleBatch batchAt(qint64 &seq)
{
    ProbeSampleBatch b;
    for (int i = 0; i < 100; ++i, ++seq) {
        ProbeSample s;
        s.probeId = QStringLiteral("lb");
        s.monoNs = seq * 10'000'000;
        s.ok = true;
        s.latencyMs = 1.5;
        s.status = 200;
        b.append(s);
    }
    return b;
}

// Holds the store's write lock from another thread for stallMs.
class Locker : public QThread
{
public:
    Locker(QString path, int stallMs)
        : m_path(std::move(path))
        , m_stallMs(stallMs)
    {
    }

protected:
    void run() override
    {
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("locker"));
            db.setDatabaseName(m_path);
            db.open();
            QSqlQuery q(db);
            q.exec(QStringLiteral("BEGIN EXCLUSIVE"));
            QThread::msleep(m_stallMs);
            q.exec(QStringLiteral("ROLLBACK"));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("locker"));
    }

private:
    QString m_path;
    int m_stallMs;
};

void measure(bool writerThread, int stallMs, int seconds)
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("runs.db"));
    RunStore store;
    store.open(path);
    Run header;
    header.labName = QStringLiteral("bench");
    header.started = QDateTime::currentDateTimeUtc();
    const QString runId = store.createRun(header);
    auto *writer = writerThread ? new RunStoreWriter(path) : nullptr;
    int failed = 0;
    if (writer)
        QObject::connect(writer, &RunStoreWriter::writeFailed, writer, [&failed] { ++failed; });

    QList<double> gaps;
    QElapsedTimer clock;
    clock.start();
    qint64 lastTick = 0, seq = 0;
    int batches = 0;
    QTimer tick, store50, stop;
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (lastTick > 0)
            gaps.append((now - lastTick) / 1e6);
        lastTick = now;
    });
    QObject::connect(&store50, &QTimer::timeout, [&] {
        const ProbeSampleBatch b = batchAt(seq);
        ++batches;
        if (writer)
            writer->post(QStringLiteral("samples"), [runId, b](RunStore &s) { return s.appendSamples(runId, QStringLiteral("c"), b); });
        else if (!store.appendSamples(runId, QStringLiteral("c"), b))
            ++failed;
    });
    Locker locker(path, stallMs);
    QTimer::singleShot(1000, [&] { locker.start(); });
    QEventLoop loop;
    QObject::connect(&stop, &QTimer::timeout, &loop, &QEventLoop::quit);
    tick.start(5);
    store50.start(50);
    stop.setSingleShot(true);
    stop.start(seconds * 1000);
    loop.exec();
    tick.stop();
    store50.stop();
    locker.wait();
    delete writer; // runs what is still queued
    QCoreApplication::processEvents(); // the writer's last failures, if any (a bench: nothing to keep responsive)
    std::sort(gaps.begin(), gaps.end());
    const double p99 = gaps.isEmpty() ? 0 : gaps.at(qsizetype(0.99 * double(gaps.size() - 1)));
    const std::optional<Run> run = store.run(runId, true);
    const qsizetype stored = run && !run->results.isEmpty() ? run->results.first().samples.size() : 0;
    std::printf("| %s | %d | %.0f ms | %.1f ms | %d | %lld |\n", writerThread ? "writer thread (now)" : "calling thread (before)", batches,
                gaps.isEmpty() ? 0.0 : gaps.last(), p99, failed, qlonglong(stored));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    int stallMs = 2000, seconds = 4;
    for (int i = 1; i + 1 < args.size(); ++i) {
        if (args.at(i) == QLatin1String("--stall-ms"))
            stallMs = args.at(i + 1).toInt();
        else if (args.at(i) == QLatin1String("--seconds"))
            seconds = args.at(i + 1).toInt();
    }
    std::printf("| path | batches of 100 | longest event-loop gap | p99 gap | failed writes | samples stored |\n|---|---|---|---|---|---|\n");
    measure(false, stallMs, seconds);
    measure(true, stallMs, seconds);
    return 0;
}
