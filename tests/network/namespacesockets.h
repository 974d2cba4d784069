#pragma once

// Plain sockets opened inside a lab host's network namespace, for tests that check what the
// network between hosts lets through. setns(CLONE_NEWNET) changes only the calling thread, so
// each socket is made on a short-lived thread that joined the namespace; the socket stays in it.
#include <QByteArray>
#include <QString>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace NamespaceSockets {

// Runs fn in the namespace at nsPath (empty: the console's own namespace); -1 when setns failed.
template<typename F>
int inNamespace(const QString &nsPath, F fn)
{
    int result = -1;
    std::thread t([&] {
        if (!nsPath.isEmpty()) {
            const int fd = ::open(nsPath.toLocal8Bit().constData(), O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                return;
            const int rc = ::setns(fd, CLONE_NEWNET);
            ::close(fd);
            if (rc != 0)
                return;
        }
        result = fn();
    });
    t.join();
    return result;
}

inline sockaddr_in socketAddress(const QString &address, quint16 port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, address.toLatin1().constData(), &a.sin_addr);
    return a;
}

// A socket of `type` bound to address:port in the namespace; -1 on failure.
inline int bound(const QString &nsPath, int type, const QString &address, quint16 port)
{
    return inNamespace(nsPath, [&] {
        const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        const sockaddr_in a = socketAddress(address, port);
        if (::bind(fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0
            || (type == SOCK_STREAM && ::listen(fd, 64) != 0)) {
            ::close(fd);
            return -1;
        }
        return fd;
    });
}

inline quint16 portOf(int fd)
{
    sockaddr_in a{};
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
    return ntohs(a.sin_port);
}

// True when a TCP connection from the namespace to address:port completes within waitMs.
inline bool tcpConnects(const QString &fromNsPath, const QString &address, quint16 port, int waitMs = 1500)
{
    const int fd = inNamespace(fromNsPath, [] { return ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0); });
    if (fd < 0)
        return false;
    const sockaddr_in a = socketAddress(address, port);
    bool ok = ::connect(fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) == 0;
    if (!ok && errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, waitMs) == 1) {
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            ok = err == 0;
        }
    }
    ::close(fd);
    return ok;
}

// Sends `count` datagrams from the namespace to address:port in bursts and counts how many the
// receiving socket got (waiting at most quietMs after each burst for stragglers).
inline int udpDelivered(const QString &fromNsPath, int receiver, const QString &address, int count, int quietMs = 150)
{
    const int fd = inNamespace(fromNsPath, [] { return ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0); });
    if (fd < 0)
        return -1;
    const sockaddr_in a = socketAddress(address, portOf(receiver));
    int received = 0;
    const QByteArray payload(64, 'x');
    constexpr int Burst = 50; // well below the receive buffer, so only the network drops
    for (int sent = 0; sent < count;) {
        for (int i = 0; i < Burst && sent < count; ++i, ++sent)
            ::sendto(fd, payload.constData(), size_t(payload.size()), 0, reinterpret_cast<const sockaddr *>(&a), sizeof a);
        pollfd p{receiver, POLLIN, 0};
        char buffer[128];
        while (::poll(&p, 1, quietMs) == 1)
            if (::recv(receiver, buffer, sizeof buffer, 0) > 0)
                ++received;
    }
    ::close(fd);
    return received;
}

} // namespace NamespaceSockets
