// Turns SIGTERM/SIGINT into a Qt signal via a socketpair (self-pipe) + QSocketNotifier.
#pragma once

#include <QObject>

class QSocketNotifier;

class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

    // Installs handlers for the given signals; returns false if the socketpair failed.
    bool watch(std::initializer_list<int> signums);

Q_SIGNALS:
    void signalReceived(int signum);

private:
    void onReadable();

    QSocketNotifier *m_notifier = nullptr;
};
