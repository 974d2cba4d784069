#include "probeengine.h"

#include "probeworker.h"

#include <QMetaObject>

ProbeEngine::ProbeEngine(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<ProbeSample>();
    qRegisterMetaType<ProbeSampleBatch>();
    m_thread.setObjectName(QStringLiteral("halab-probes"));
    m_worker = new ProbeWorker(FlushMs);
    m_worker->moveToThread(&m_thread);
    // The worker is deleted in its own thread, after its event loop has stopped.
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    // Only a wake-up crosses threads; the samples wait in the worker's locked outbox.
    connect(m_worker, &ProbeWorker::samplesReady, this, &ProbeEngine::drain, Qt::QueuedConnection);
    m_thread.start();
}

ProbeEngine::~ProbeEngine()
{
    stop();
    ProbeWorker *worker = m_worker;
    QMetaObject::invokeMethod(worker, [worker]() { worker->shutdown(); }, Qt::QueuedConnection);
    m_thread.wait(); // the worker never blocks: this lasts until killed commands are reaped
}

void ProbeEngine::setProbes(const QList<ProbeSpec> &probes)
{
    const bool restart = m_running;
    if (restart)
        stop();
    m_probes = probes;
    if (restart)
        start();
}

void ProbeEngine::start()
{
    if (m_running)
        return;
    m_running = true;
    m_lateness.clear();
    m_allLateness.clear();
    m_skipped.clear();
    m_allSkipped = 0;
    qCInfo(lcProbe) << "starting" << m_probes.size() << "probes";
    ProbeWorker *worker = m_worker;
    const QList<ProbeSpec> probes = m_probes;
    QMetaObject::invokeMethod(worker, [worker, probes]() { worker->start(probes); }, Qt::QueuedConnection);
}

void ProbeEngine::stop()
{
    if (!m_running)
        return;
    m_running = false;
    ProbeWorker *worker = m_worker;
    // The one cross-thread wait: the worker only runs short non-blocking handlers, so this
    // returns within one of them, and afterwards no sample of this run is left behind.
    QMetaObject::invokeMethod(worker, [worker]() { worker->stop(); }, Qt::BlockingQueuedConnection);
    drain();
    qCInfo(lcProbe).nospace() << "stopped; scheduling jitter p99 " << schedulingJitterP99Ms() << " ms over "
                              << m_allLateness.count() << " samples, " << m_allSkipped << " skipped";
}

void ProbeEngine::drain()
{
    const ProbeSampleBatch batch = m_worker->takeSamples();
    if (batch.isEmpty())
        return; // a late wake-up whose samples an earlier drain already took
    for (const ProbeSample &s : batch) {
        m_lateness[s.probeId].add(s.lateNs);
        m_allLateness.add(s.lateNs);
        if (s.skipped) {
            ++m_skipped[s.probeId];
            ++m_allSkipped;
        }
    }
    Q_EMIT samples(batch);
}

QHash<QString, qint64> ProbeEngine::maxLateNs() const
{
    QHash<QString, qint64> out;
    for (auto it = m_lateness.cbegin(); it != m_lateness.cend(); ++it)
        out.insert(it.key(), it.value().maxNs());
    return out;
}

double ProbeEngine::schedulingJitterP99Ms(const QString &probeId) const
{
    const auto it = m_lateness.constFind(probeId);
    if (it == m_lateness.cend() || it->count() == 0)
        return -1;
    return double(it->quantileNs(0.99)) / 1e6;
}

double ProbeEngine::schedulingJitterP99Ms() const
{
    if (m_allLateness.count() == 0)
        return -1;
    return double(m_allLateness.quantileNs(0.99)) / 1e6;
}
