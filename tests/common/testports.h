#pragma once
// Ports for a test's own servers on 127.0.0.1, picked below the kernel's ephemeral range. A port
// from listen(0) comes from that range, and before the server binds it any outgoing connection
// on the machine may take it as its local port ("cannot listen on 127.0.0.1:37881", a fresh-clone
// CI run); below the range only an explicit bind takes a port.

#include <QFile>
#include <QList>
#include <QRandomGenerator>
#include <QSet>
#include <QTcpServer>

namespace TestPorts {

// [first, last) to pick from: below the ephemeral range, or above it if that starts too low.
inline std::pair<int, int> pickRange()
{
    int low = 32768, high = 60999;
    QFile f(QStringLiteral("/proc/sys/net/ipv4/ip_local_port_range"));
    if (f.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> parts = f.readAll().simplified().split(' ');
        if (parts.size() == 2) {
            low = parts[0].toInt();
            high = parts[1].toInt();
        }
    }
    if (low >= 12000)
        return {10000, low};
    return {std::min(high + 1, 64000), 65535};
}

// n distinct ports, each free when picked; never one this process was given before.
inline QList<quint16> freePorts(int n)
{
    static QSet<quint16> given;
    static const std::pair<int, int> range = pickRange();
    const auto [first, last] = range;
    QList<quint16> ports;
    for (int attempt = 0; ports.size() < n && attempt < 1000; ++attempt) {
        const auto port = quint16(QRandomGenerator::global()->bounded(first, last));
        if (given.contains(port))
            continue;
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, port))
            continue;
        given.insert(port);
        ports.append(port);
    }
    return ports.size() == n ? ports : QList<quint16>{};
}

inline quint16 freePort()
{
    const QList<quint16> ports = freePorts(1);
    return ports.isEmpty() ? 0 : ports.first();
}

} // namespace TestPorts
