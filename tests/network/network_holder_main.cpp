// Makes lab hosts like a console would and keeps them, for tst_hostnetwork's crash test.
// Usage: network_holder LEDGER_DIR HOST...
// Partitions the first host from the others, prints "READY <prefix> <root link>" and runs until
// killed; prints "FAILED: <error>" and exits 1 when it cannot.
#include "hostnetwork.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 4) {
        std::fprintf(stderr, "usage: network_holder LEDGER_DIR HOST HOST...\n");
        return 2;
    }
    const QStringList hosts = args.mid(2);
    HostNetwork network(args.at(1));
    auto fail = [](const QString &error) {
        std::printf("FAILED: %s\n", qUtf8Printable(error));
        std::fflush(stdout);
        QCoreApplication::exit(1);
    };
    QObject::connect(&network, &HostNetwork::upFinished, &app, [&](bool ok, const QString &error) {
        if (!ok)
            return fail(error);
        NetworkFault partition;
        partition.id = QStringLiteral("cut");
        partition.groups = {hosts.mid(0, 1), hosts.mid(1)};
        network.apply(partition);
    });
    QObject::connect(&network, &HostNetwork::faultApplied, &app, [&](const QString &, bool ok, const QString &error) {
        if (!ok)
            return fail(error);
        std::printf("READY %s %s\n", qUtf8Printable(network.prefix()), qUtf8Printable(network.rootLink()));
        std::fflush(stdout);
    });
    network.up(hosts);
    return app.exec();
}
