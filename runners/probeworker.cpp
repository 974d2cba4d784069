#include "probeworker.h"

#include "monoclock.h"
#include "probeexecutor.h"

#include <QDateTime>
#include <QMutexLocker>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <limits>

#ifdef Q_OS_LINUX
#include <sys/timerfd.h>
#include <unistd.h>
#endif

Q_LOGGING_CATEGORY(lcProbe, "halab.runners.probe", QtWarningMsg)

namespace {
constexpr qint64 MinIntervalMs = 10;
constexpr qint64 NsPerMs = 1'000'000;
constexpr qint64 PhaseStepNs = NsPerMs;
// A slot up to this late (or two intervals, if longer) is still worth trying: its lateNs says how
// late. An older one is skipped; trying it would only add to a burst after a stall.
constexpr qint64 CatchUpNs = 50 * NsPerMs;
} // namespace

ProbeWorker::ProbeWorker(int flushMs, QObject *parent)
    : QObject(parent)
    , m_flushMs(flushMs)
{
}

ProbeWorker::~ProbeWorker()
{
#ifdef Q_OS_LINUX
    if (m_timerFd >= 0)
        ::close(m_timerFd);
#endif
}

void ProbeWorker::ensureSetup()
{
    if (m_executor)
        return;
    // Created here, in the worker thread, so every timer, notifier and socket lives where it is used.
    m_executor = new ProbeExecutor(this);
    m_flushTimer = new QTimer(this);
    m_flushTimer->setInterval(std::chrono::milliseconds(m_flushMs));
    connect(m_flushTimer, &QTimer::timeout, this, &ProbeWorker::flush);
#ifdef Q_OS_LINUX
    // timerfd wakes us at an absolute CLOCK_MONOTONIC ns deadline: the glib event dispatcher
    // rounds QTimer waits up to whole milliseconds, which would be most of our jitter budget.
    m_timerFd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (m_timerFd >= 0) {
        m_timerNotifier = new QSocketNotifier(qintptr(m_timerFd), QSocketNotifier::Read, this);
        connect(m_timerNotifier, &QSocketNotifier::activated, this, &ProbeWorker::onTimer);
        return;
    }
    qCWarning(lcProbe) << "timerfd_create failed; falling back to QTimer (ms resolution)";
#endif
    m_fallbackTimer = new QTimer(this);
    m_fallbackTimer->setSingleShot(true);
    m_fallbackTimer->setTimerType(Qt::PreciseTimer);
    connect(m_fallbackTimer, &QTimer::timeout, this, &ProbeWorker::onTimer);
}

void ProbeWorker::start(const QList<ProbeSpec> &probes)
{
    stop();
    ensureSetup();
    m_executor->clear();
    m_probes.clear();
    m_probes.reserve(size_t(probes.size()));
    const qint64 startNs = MonoClock::nowNs();
    const int count = int(probes.size());
    for (int i = 0; i < count; ++i) {
        ProbeSpec spec = probes.at(i);
        if (spec.intervalMs < MinIntervalMs)
            qCWarning(lcProbe) << "probe" << spec.id << "interval" << spec.intervalMs << "ms raised to" << MinIntervalMs << "ms";
        spec.intervalMs = std::max(spec.intervalMs, MinIntervalMs);
        Probe p;
        p.id = spec.id;
        p.intervalNs = spec.intervalMs * NsPerMs;
        // Probes are spread over their interval, on whole milliseconds: N probes neither fire in
        // the same microsecond (a self-made burst at the target) nor wake the thread N times.
        const qint64 phaseNs = count > 1 ? p.intervalNs * i / count / PhaseStepNs * PhaseStepNs : 0;
        p.firstDueNs = startNs + phaseNs;
        ProbeExecutor::Options options;
        options.timeoutMs = spec.timeoutMs > 0 ? spec.timeoutMs : spec.intervalMs;
        p.channel = m_executor->add(spec, options);
        const QString setupError = m_executor->setupError(p.channel);
        if (!setupError.isEmpty())
            qCWarning(lcProbe) << "probe" << spec.id << "cannot run:" << setupError;
        m_probes.push_back(p);
    }
    m_running = true;
    if (m_probes.empty())
        return;
    m_flushTimer->start();
    onTimer();
}

void ProbeWorker::stop()
{
    ++m_generation;
    const bool wasRunning = m_running;
    m_running = false;
    if (m_flushTimer)
        m_flushTimer->stop();
    disarm();
    if (m_executor)
        m_executor->abandonAll(); // their outcomes never come; connections stay for a restart
    if (wasRunning)
        flush();
}

void ProbeWorker::shutdown()
{
    stop();
    if (m_executor)
        m_executor->clear();
    // Commands killed by stop() are reaped by this thread's event loop; quitting before that
    // would leave QProcess to wait for them in its destructor.
    if (!m_executor || m_executor->runningProcesses() == 0) {
        thread()->quit();
        return;
    }
    connect(m_executor, &ProbeExecutor::processReaped, this, [this]() {
        if (m_executor->runningProcesses() == 0)
            thread()->quit();
    });
    // SIGKILLed children go in milliseconds; this only bounds a pathological case.
    QTimer::singleShot(std::chrono::seconds(2), this, [this]() { thread()->quit(); });
}

void ProbeWorker::arm(qint64 dueNs)
{
#ifdef Q_OS_LINUX
    if (m_timerFd >= 0) {
        itimerspec spec{};
        spec.it_value.tv_sec = time_t(dueNs / 1'000'000'000);
        spec.it_value.tv_nsec = long(dueNs % 1'000'000'000);
        if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0)
            spec.it_value.tv_nsec = 1; // all-zero would disarm the timer
        ::timerfd_settime(m_timerFd, TFD_TIMER_ABSTIME, &spec, nullptr);
        return;
    }
#endif
    // Rounded up: a precise QTimer never fires before its interval, so never before the due time.
    const qint64 waitNs = std::max<qint64>(dueNs - MonoClock::nowNs(), 0);
    m_fallbackTimer->start(std::chrono::milliseconds((waitNs + NsPerMs - 1) / NsPerMs));
}

void ProbeWorker::disarm()
{
#ifdef Q_OS_LINUX
    if (m_timerFd >= 0) {
        const itimerspec off{};
        ::timerfd_settime(m_timerFd, 0, &off, nullptr);
        quint64 expirations = 0;
        [[maybe_unused]] const auto n = ::read(m_timerFd, &expirations, sizeof expirations); // drop a pending wake-up
        return;
    }
#endif
    if (m_fallbackTimer)
        m_fallbackTimer->stop();
}

void ProbeWorker::onTimer()
{
#ifdef Q_OS_LINUX
    if (m_timerFd >= 0) {
        quint64 expirations = 0;
        [[maybe_unused]] const auto n = ::read(m_timerFd, &expirations, sizeof expirations); // non-blocking
    }
#endif
    tick();
}

void ProbeWorker::pollSchedule()
{
    // Queued reply events are handled before the timer's wake-up gets its turn; checking the
    // clock after each completion keeps a busy thread from starting attempts late.
    if (!m_inTick && m_running && MonoClock::nowNs() >= m_nextWakeNs)
        tick();
}

void ProbeWorker::tick()
{
    if (!m_running || m_probes.empty())
        return;
    m_inTick = true;
    const quint64 generation = m_generation;
    qint64 next = std::numeric_limits<qint64>::max();
    for (int i = 0; i < int(m_probes.size()) && generation == m_generation; ++i) {
        const qint64 now = MonoClock::nowNs();
        Probe &p = m_probes[size_t(i)];
        // After a stall, slots more than the catch-up window late are skipped (their lateNs shows by how
        // much) unless they are the newest due one: the sample count still matches elapsed time /
        // interval, and no burst of stale attempts follows a stall.
        while (p.dueNs() + p.intervalNs <= now && now - p.dueNs() > std::max(CatchUpNs, 2 * p.intervalNs)) {
            recordSkipped(p.id, p.dueNs(), now, QStringLiteral("console late: not started within its interval"));
            ++p.slot;
        }
        while (p.dueNs() <= now && generation == m_generation) {
            const qint64 due = p.dueNs();
            ++p.slot;
            launch(i, due);
        }
        next = std::min(next, m_probes[size_t(i)].dueNs());
    }
    m_inTick = false;
    if (generation != m_generation || !m_running)
        return;
    m_nextWakeNs = next;
    arm(next);
}

void ProbeWorker::launch(int index, qint64 dueNs)
{
    const Probe &p = m_probes[size_t(index)];
    const quint64 generation = m_generation;
    const QString id = p.id;
    const auto admission = m_executor->run(p.channel, [this, id, dueNs, generation](const ProbeOutcome &o) {
        if (generation != m_generation)
            return;
        record(id, dueNs, o.startNs, o);
        pollSchedule();
    });
    switch (admission) {
    case ProbeExecutor::Admission::Started:
        return;
    case ProbeExecutor::Admission::Busy:
        recordSkipped(id, dueNs, MonoClock::nowNs(), QString::fromLatin1(ProbeSample::SkippedStillRunning));
        return;
    case ProbeExecutor::Admission::Stuck: {
        // The target has not answered the earlier attempt within its timeout and still holds it:
        // that is the target's failure, not a slot the console failed to take.
        ProbeOutcome o;
        o.startNs = o.endNs = MonoClock::nowNs();
        o.error = QString::fromLatin1(ProbeSample::StillWaiting);
        record(id, dueNs, o.startNs, o);
        return;
    }
    }
}

void ProbeWorker::record(const QString &id, qint64 dueNs, qint64 startNs, const ProbeOutcome &outcome)
{
    ProbeSample s;
    s.probeId = id;
    s.monoNs = dueNs;
    // Wall time of the due instant, read now so a wall-clock step mid-run shows up at once.
    s.wallMs = QDateTime::currentMSecsSinceEpoch() - (MonoClock::nowNs() - dueNs) / NsPerMs;
    s.ok = outcome.ok;
    s.latencyMs = double(outcome.endNs - outcome.startNs) / 1e6;
    s.status = outcome.status;
    s.value = outcome.value;
    s.error = outcome.error;
    s.lateNs = std::max<qint64>(startNs - dueNs, 0);
    m_buffer.append(std::move(s));
}

void ProbeWorker::recordSkipped(const QString &id, qint64 dueNs, qint64 nowNs, const QString &why)
{
    ProbeSample s;
    s.probeId = id;
    s.monoNs = dueNs;
    s.wallMs = QDateTime::currentMSecsSinceEpoch() - (MonoClock::nowNs() - dueNs) / NsPerMs;
    s.skipped = true;
    s.error = why;
    s.lateNs = std::max<qint64>(nowNs - dueNs, 0);
    m_buffer.append(std::move(s));
}

void ProbeWorker::flush()
{
    if (m_buffer.isEmpty())
        return;
    bool wasEmpty = false;
    {
        QMutexLocker lock(&m_outboxMutex);
        wasEmpty = m_outbox.isEmpty();
        if (wasEmpty)
            m_outbox.swap(m_buffer);
        else
            m_outbox.append(m_buffer);
    }
    m_buffer.clear();
    if (wasEmpty)
        Q_EMIT samplesReady();
}

ProbeSampleBatch ProbeWorker::takeSamples()
{
    QMutexLocker lock(&m_outboxMutex);
    ProbeSampleBatch batch;
    batch.swap(m_outbox);
    return batch;
}
