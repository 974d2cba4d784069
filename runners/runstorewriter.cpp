#include "runstorewriter.h"

#include "runstore.h"

#include <memory>

// Lives in the writer's thread; owns the connection, which must be used where it was opened.
class RunStoreWriter::Worker : public QObject
{
public:
    explicit Worker(const QString &path)
        : m_path(path)
    {
    }

    void write(const QString &what, const Write &write)
    {
        if (!m_store) {
            m_store = std::make_unique<RunStore>();
            if (!m_store->open(m_path, &m_openError) && m_openError.isEmpty())
                m_openError = QStringLiteral("cannot open %1").arg(m_path);
        }
        if (m_store->isOpen() && write(*m_store))
            return;
        const QString error = QStringLiteral("%1: %2").arg(what, m_store->isOpen() ? m_store->lastError() : m_openError);
        if (m_tally.failed++ == 0)
            m_tally.firstFailure = error;
        m_failed(error);
    }

    void close() { m_store.reset(); }

    Tally tally() const { return m_tally; }
    std::function<void(const QString &)> m_failed;

private:
    QString m_path;
    QString m_openError;
    std::unique_ptr<RunStore> m_store;
    Tally m_tally;
};

RunStoreWriter::RunStoreWriter(const QString &storePath, QObject *parent)
    : QObject(parent)
    , m_worker(new Worker(storePath))
{
    m_thread.setObjectName(QStringLiteral("halab-store-writer"));
    // Failures reach the owner's thread in the order they happened, before any later flush's answer.
    m_worker->m_failed = [this](const QString &error) {
        QMetaObject::invokeMethod(this, [this, error]() { Q_EMIT writeFailed(error); }, Qt::QueuedConnection);
    };
    m_worker->moveToThread(&m_thread);
    m_thread.start();
}

RunStoreWriter::~RunStoreWriter()
{
    // Queued behind every write: they all run before the connection closes and the thread ends.
    Worker *worker = m_worker;
    QThread *thread = &m_thread;
    QMetaObject::invokeMethod(worker, [worker, thread]() {
        worker->close();
        thread->quit();
    }, Qt::QueuedConnection);
    m_thread.wait(); // at most the writes still queued: the writer never waits on anything else
    delete m_worker;
}

void RunStoreWriter::post(const QString &what, Write write)
{
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(worker, [worker, what, write = std::move(write)]() { worker->write(what, write); }, Qt::QueuedConnection);
}

void RunStoreWriter::endRun(const QString &runId, Run::State state)
{
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(worker, [worker, runId, state]() {
        const Tally t = worker->tally();
        Run::State end = state;
        if (t.failed > 0) {
            end = Run::State::Incomplete;
            // Say in the run itself what is missing, if the store still takes that much.
            worker->write(QStringLiteral("the run's note"), [&](RunStore &store) {
                return store.setNotes(runId, QStringLiteral("Incomplete: %1 store write(s) failed; the first: %2").arg(t.failed).arg(t.firstFailure));
            });
        }
        worker->write(QStringLiteral("the run's end"), [&](RunStore &store) { return store.finishRun(runId, end); });
    }, Qt::QueuedConnection);
}

void RunStoreWriter::flush(std::function<void(const Tally &)> done)
{
    Worker *worker = m_worker;
    QMetaObject::invokeMethod(worker, [this, worker, done = std::move(done)]() {
        const Tally t = worker->tally();
        QMetaObject::invokeMethod(this, [done, t]() { done(t); }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
}
