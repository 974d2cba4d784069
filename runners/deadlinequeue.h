#pragma once

#include <QObject>
#include <QSet>

#include <functional>
#include <queue>
#include <utility>
#include <vector>

class QSocketNotifier;
class QTimer;

// Calls onExpired(id) once MonoClock passes a deadline: one timerfd (ns precision) for any number
// of deadlines instead of a QTimer per attempt. Lives in, and fires in, its owner's thread.
class DeadlineQueue : public QObject
{
    Q_OBJECT

public:
    explicit DeadlineQueue(std::function<void(quint64)> onExpired, QObject *parent = nullptr);
    ~DeadlineQueue() override;

    void add(qint64 atNs, quint64 id);
    // The attempt ended in time: its deadline is never reported.
    void cancel(quint64 id);
    // Forgets every deadline.
    void clear();

private:
    void onTimer();
    void rearm();
    void arm(qint64 atNs);

    std::function<void(quint64)> m_onExpired;
    std::priority_queue<std::pair<qint64, quint64>, std::vector<std::pair<qint64, quint64>>, std::greater<>> m_queue;
    QSet<quint64> m_live;  // cancelled ids stay in the heap until they reach its top
    qint64 m_armedNs = 0; // 0: not armed
    int m_timerFd = -1;
    QSocketNotifier *m_notifier = nullptr;
    QTimer *m_fallback = nullptr; // where timerfd is not available
};
