#include "signalwatcher.h"

#include <QSocketNotifier>

#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {
int g_fds[2] = {-1, -1};

// Async-signal-safe: only write(2) the signal number into the pair.
void onSignal(int signum)
{
    const unsigned char b = static_cast<unsigned char>(signum);
    const ssize_t n = ::write(g_fds[0], &b, 1);
    (void)n;
}
} // namespace

SignalWatcher::SignalWatcher(QObject *parent) : QObject(parent) {}

SignalWatcher::~SignalWatcher()
{
    delete m_notifier;
}

bool SignalWatcher::watch(std::initializer_list<int> signums)
{
    if (g_fds[0] < 0) {
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_fds) != 0)
            return false;
        ::fcntl(g_fds[0], F_SETFL, ::fcntl(g_fds[0], F_GETFL) | O_NONBLOCK);
        m_notifier = new QSocketNotifier(g_fds[1], QSocketNotifier::Read);
        // The read end becomes readable in the event loop once a handler wrote to it.
        connect(m_notifier, &QSocketNotifier::activated, this, &SignalWatcher::onReadable);
    }
    for (int signum : signums) {
        struct sigaction sa = {};
        sa.sa_handler = onSignal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        if (::sigaction(signum, &sa, nullptr) != 0)
            return false;
    }
    return true;
}

void SignalWatcher::onReadable()
{
    unsigned char b = 0;
    if (::read(g_fds[1], &b, 1) == 1)
        emit signalReceived(int(b));
}
