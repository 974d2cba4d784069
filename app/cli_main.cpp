// halab-cli: the lab console without a window, for CI and terminals. Links no Widgets.
#include "clicommands.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("halab"));
    QCoreApplication::setOrganizationName(QStringLiteral("halab"));
    QCoreApplication::setApplicationVersion(QStringLiteral(HALAB_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "HA Lab Console, headless.\n\n"
        "Commands:\n"
        "  validate LAB...   check lab files; exit 2 with file:line:column errors when one is invalid"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("validate"));
    parser.addPositionalArgument(QStringLiteral("args"), QStringLiteral("arguments of the command"), QStringLiteral("[args...]"));
    parser.process(app);

    QTextStream out(stdout);
    QTextStream err(stderr);
    const QStringList args = parser.positionalArguments();
    if (args.isEmpty()) {
        err << parser.helpText();
        return CliCommands::BadInput;
    }
    CliCommands commands(out, err);
    const QString command = args.first();
    if (command == QLatin1String("validate"))
        return commands.validate(args.mid(1));
    err << "halab-cli: unknown command '" << command << "' (try --help)\n";
    return CliCommands::BadInput;
}
