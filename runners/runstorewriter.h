#pragma once

#include "run.h"

#include <QObject>
#include <QString>
#include <QThread>

#include <functional>

class RunStore;

// The run store's writes, on a thread of their own: a disk that stalls (a WAL checkpoint's fsync,
// a host flushing its dirty pages) stalls that thread, never the window or the probes' timers.
// Writes run in the order they were posted, each committed on a connection of the writer's own.
class RunStoreWriter : public QObject
{
    Q_OBJECT

public:
    // What the writes so far came to.
    struct Tally
    {
        int failed = 0;
        QString firstFailure; // "samples of check c not stored: disk I/O error"
    };
    using Write = std::function<bool(RunStore &)>;

    explicit RunStoreWriter(const QString &storePath, QObject *parent = nullptr);
    // Runs every write already posted (evidence is never dropped), then ends the thread.
    ~RunStoreWriter() override;

    // Queues a write; `what` names it in the failure text.
    void post(const QString &what, Write write);
    // Ends the run: as `state`, or Incomplete with a note naming the lost writes when any failed.
    void endRun(const QString &runId, Run::State state);
    // Calls done(tally) on this object's thread once every write posted before has run.
    void flush(std::function<void(const Tally &)> done);

Q_SIGNALS:
    // A write failed: "what: the store's error". Every failure, in order.
    void writeFailed(const QString &error);

private:
    class Worker;
    QThread m_thread;
    Worker *m_worker;
};
