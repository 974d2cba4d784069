#pragma once

#include <QObject>

#include <initializer_list>

class QSocketNotifier;

// Delivers SIGINT / SIGTERM as a Qt signal on the event loop (self-pipe), so Ctrl-C can bring a
// stack down in order instead of killing the console mid-action.
class UnixSignalWatcher : public QObject
{
    Q_OBJECT

public:
    explicit UnixSignalWatcher(std::initializer_list<int> signums, QObject *parent = nullptr);
    ~UnixSignalWatcher() override;

Q_SIGNALS:
    void signalled(int signum);

private:
    void onReadable();

    QSocketNotifier *m_notifier = nullptr;
};
