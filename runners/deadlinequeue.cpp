#include "deadlinequeue.h"

#include "monoclock.h"

#include <QSocketNotifier>
#include <QTimer>

#include <chrono>

#ifdef Q_OS_LINUX
#include <sys/timerfd.h>
#include <unistd.h>
#endif

DeadlineQueue::DeadlineQueue(std::function<void(quint64)> onExpired, QObject *parent)
    : QObject(parent)
    , m_onExpired(std::move(onExpired))
{
#ifdef Q_OS_LINUX
    m_timerFd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (m_timerFd >= 0) {
        m_notifier = new QSocketNotifier(qintptr(m_timerFd), QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, &DeadlineQueue::onTimer);
        return;
    }
#endif
    m_fallback = new QTimer(this);
    m_fallback->setSingleShot(true);
    m_fallback->setTimerType(Qt::PreciseTimer);
    connect(m_fallback, &QTimer::timeout, this, &DeadlineQueue::onTimer);
}

DeadlineQueue::~DeadlineQueue()
{
#ifdef Q_OS_LINUX
    if (m_timerFd >= 0)
        ::close(m_timerFd);
#endif
}

void DeadlineQueue::add(qint64 atNs, quint64 id)
{
    m_queue.emplace(atNs, id);
    m_live.insert(id);
    if (m_armedNs == 0 || atNs < m_armedNs)
        arm(atNs);
}

void DeadlineQueue::cancel(quint64 id)
{
    if (!m_live.remove(id))
        return;
    // Re-arming for the next live deadline is one syscall; a wake-up for a dead one costs more.
    if (!m_queue.empty() && m_queue.top().second == id)
        rearm();
}

void DeadlineQueue::clear()
{
    m_queue = {};
    m_live.clear();
    rearm();
}

void DeadlineQueue::rearm()
{
    while (!m_queue.empty() && !m_live.contains(m_queue.top().second))
        m_queue.pop();
    if (m_queue.empty()) {
        if (m_armedNs != 0)
            arm(0);
        return;
    }
    if (m_queue.top().first != m_armedNs)
        arm(m_queue.top().first);
}

void DeadlineQueue::arm(qint64 atNs)
{
    m_armedNs = atNs;
#ifdef Q_OS_LINUX
    if (m_timerFd >= 0) {
        itimerspec spec{};
        if (atNs == 0) { // disarm
            ::timerfd_settime(m_timerFd, 0, &spec, nullptr);
            return;
        }
        spec.it_value.tv_sec = time_t(atNs / 1'000'000'000);
        spec.it_value.tv_nsec = long(atNs % 1'000'000'000);
        if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0)
            spec.it_value.tv_nsec = 1; // all-zero would disarm the timer
        ::timerfd_settime(m_timerFd, TFD_TIMER_ABSTIME, &spec, nullptr);
        return;
    }
#endif
    if (atNs == 0) {
        m_fallback->stop();
        return;
    }
    // Rounded up: a precise QTimer never fires before its interval, so never before the deadline.
    const qint64 waitNs = std::max<qint64>(atNs - MonoClock::nowNs(), 0);
    m_fallback->start(std::chrono::milliseconds((waitNs + 999'999) / 1'000'000));
}

void DeadlineQueue::onTimer()
{
#ifdef Q_OS_LINUX
    if (m_timerFd >= 0) {
        quint64 expirations = 0;
        [[maybe_unused]] const auto n = ::read(m_timerFd, &expirations, sizeof expirations); // non-blocking
    }
#endif
    m_armedNs = 0;
    const qint64 now = MonoClock::nowNs();
    while (!m_queue.empty() && m_queue.top().first <= now) {
        const quint64 id = m_queue.top().second;
        m_queue.pop();
        if (m_live.remove(id))
            m_onExpired(id); // may add() or cancel() deadlines
    }
    rearm();
}
