// halab-cli-secrets-harness: only the `secrets` dispatch of halab-cli, exactly as app/cli_main.cpp
// wires it, so SecretsCommands is tested end to end even while cli_main.cpp is being changed.
#include "secretscommands.h"

#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("halab"));
    QCoreApplication::setOrganizationName(QStringLiteral("halab"));
    QTextStream out(stdout);
    QTextStream err(stderr);
    const QStringList args = QCoreApplication::arguments().mid(1);
    if (args.value(0) != QLatin1String("secrets")) {
        err << "halab-cli: unknown command '" << args.value(0) << "' (try --help)\n";
        return 2;
    }
    // --- the lines for cli_main.cpp ---
    SecretsCommands secrets(out, err);
    const int code = secrets.run(args.mid(1));
    if (code != SecretsCommands::Async)
        return code;
    QObject::connect(&secrets, &SecretsCommands::finished, &app, &QCoreApplication::exit);
    return app.exec();
}
