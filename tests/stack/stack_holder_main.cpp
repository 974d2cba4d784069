// Holds a stack up like a console would, for tst_processstack's console-crash test.
// Usage: stack_holder LEDGER_DIR RUN_DIR SERVICE_JSON...
//   SERVICE_JSON: {"name": "redis", "command": ["redis-server", ...], "readyTcp": "127.0.0.1:6379",
//                  "env": {"NAME": "value"}}
// Prints READY once the stack is up (FAILED: <error> and exits 1 otherwise), then runs until killed.
#include "processstackbackend.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 4) {
        std::fprintf(stderr, "usage: stack_holder LEDGER_DIR RUN_DIR SERVICE_JSON...\n");
        return 2;
    }
    StackSpec stack;
    for (qsizetype i = 3; i < args.size(); ++i) {
        const QJsonObject o = QJsonDocument::fromJson(args.at(i).toUtf8()).object();
        ServiceSpec s;
        s.name = o.value(QStringLiteral("name")).toString();
        const QJsonArray command = o.value(QStringLiteral("command")).toArray();
        for (const QJsonValue &v : command)
            s.command.append(v.toString());
        const QJsonObject env = o.value(QStringLiteral("env")).toObject();
        for (auto it = env.constBegin(); it != env.constEnd(); ++it)
            s.env.insert(it.key(), it.value().toString());
        const QString readyTcp = o.value(QStringLiteral("readyTcp")).toString();
        if (!readyTcp.isEmpty()) {
            ProbeSpec ready;
            ready.kind = ProbeSpec::Kind::Tcp;
            ready.address = readyTcp;
            ready.intervalMs = 50;
            ready.timeoutMs = 10000;
            s.ready = ready;
        }
        stack.services.append(s);
    }
    ProcessStackBackend backend(stack, {}, args.at(2));
    backend.setLedgerDir(args.at(1));
    QObject::connect(&backend, &StackBackend::upFinished, &app, [](bool ok, const QString &error) {
        if (ok) {
            std::printf("READY\n");
        } else {
            std::printf("FAILED: %s\n", qUtf8Printable(error));
            QCoreApplication::exit(1);
        }
        std::fflush(stdout);
    });
    backend.up();
    return app.exec();
}
