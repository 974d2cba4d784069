// halab-demo-api: one replica of the HA demo service (two run behind nginx, sharing Redis).
#include "democonfig.h"
#include "demoapiserver.h"
#include "jsonlog.h"
#include "signalwatcher.h"

#include <QCoreApplication>
#include <QJsonObject>

#include <csignal>
#include <cstdio>

int main(int argc, char *argv[])
{
    // A vanished log reader must not kill the replica.
    std::signal(SIGPIPE, SIG_IGN);

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("halab-demo-api"));
    QCoreApplication::setApplicationVersion(QStringLiteral(HALAB_DEMO_API_VERSION));

    DemoConfig config;
    QString error;
    if (!DemoConfig::load(app, &config, &error)) {
        std::fprintf(stderr, "halab-demo-api: %s\n", qPrintable(error));
        return 2;
    }
    JsonLog::setNode(config.nodeId);

    SignalWatcher signalWatcher;
    if (!signalWatcher.watch({SIGTERM, SIGINT})) {
        std::fprintf(stderr, "halab-demo-api: cannot install signal handlers\n");
        return 1;
    }

    DemoApiServer server(config);
    // SIGTERM/SIGINT arrive through the self-pipe; the server shuts down gracefully.
    QObject::connect(&signalWatcher, &SignalWatcher::signalReceived, &server, &DemoApiServer::shutdown);
    if (!server.start(&error)) {
        JsonLog::error(QStringLiteral("startup failed"), {{QStringLiteral("error"), error}});
        return 1;
    }
    return app.exec();
}
