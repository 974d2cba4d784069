// A stand-in runner for the crash test: creates a run, then appends a sample batch, a step and an
// event per sequence number, printing "seq N" only after all three committed. The test SIGKILLs it.
#include "runstore.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QStringList>
#include <QThread>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() < 2) {
        std::fputs("usage: run_writer DB [MAX_SEQ]\n", stderr);
        return 2;
    }
    const qint64 maxSeq = args.size() > 2 ? args.at(2).toLongLong() : 0;

    RunStore store;
    QString error;
    if (!store.open(args.at(1), &error)) {
        std::fprintf(stderr, "run_writer: %s\n", qPrintable(error));
        return 1;
    }
    Run header;
    header.labName = QStringLiteral("Crash lab");
    header.operatorName = QStringLiteral("run_writer");
    header.started = QDateTime::currentDateTimeUtc();
    CheckResult running;
    running.checkId = QStringLiteral("c1");
    running.title = QStringLiteral("Keeps writing");
    running.verdict = Verdict::Running;
    CheckResult later;
    later.checkId = QStringLiteral("c2");
    later.title = QStringLiteral("Never reached");
    header.results = {running, later};
    const QString runId = store.createRun(header);
    if (runId.isEmpty()) {
        std::fprintf(stderr, "run_writer: %s\n", qPrintable(store.lastError()));
        return 1;
    }
    std::printf("run %s\n", qPrintable(runId));
    std::fflush(stdout);

    const QString check = QStringLiteral("c1");
    for (qint64 seq = 1; maxSeq == 0 || seq <= maxSeq; ++seq) {
        ProbeSampleBatch batch;
        batch.reserve(100);
        for (int i = 0; i < 100; ++i) {
            ProbeSample s;
            s.probeId = QStringLiteral("p");
            s.monoNs = seq * 1000 + i; // the test reads the sequence back from here
            s.wallMs = QDateTime::currentMSecsSinceEpoch();
            s.ok = true;
            s.latencyMs = 1.5;
            s.status = 200;
            s.value = QString::number(seq);
            batch.append(s);
        }
        StepOutcome step;
        step.index = int(seq);
        step.summary = QStringLiteral("step %1").arg(seq);
        step.startedWallMs = QDateTime::currentMSecsSinceEpoch();
        step.body = QString(2000, QLatin1Char('x')); // makes each transaction span several pages
        RunEvent event;
        event.kind = RunEvent::Kind::Mark;
        event.monoNs = seq;
        event.wallMs = QDateTime::currentMSecsSinceEpoch();
        event.detail = QString::number(seq);
        if (!store.appendSamples(runId, check, batch) || !store.appendStep(runId, check, step) || !store.appendEvent(runId, check, event)) {
            std::fprintf(stderr, "run_writer: %s\n", qPrintable(store.lastError()));
            return 1;
        }
        std::printf("seq %lld\n", static_cast<long long>(seq));
        std::fflush(stdout);
        QThread::msleep(1);
    }
    store.finishRun(runId, Run::State::Finished);
    return 0;
}
