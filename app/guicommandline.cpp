#include "guicommandline.h"

#include <QCommandLineParser>
#include <QCoreApplication>

bool GuiCommandLine::parse(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QCoreApplication::translate("main",
        "HA Lab Console: prove that a replicated service stack survives failures."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const QCommandLineOption selfTest(QStringLiteral("self-test"),
                                      QCoreApplication::translate("main", "Start, load the lab (the demo lab by default), check it and quit."));
    parser.addOption(selfTest);
    const QCommandLineOption store(QStringLiteral("store"), QCoreApplication::translate("main", "Run store file (default: the console's own)."),
                                   QStringLiteral("DB"));
    parser.addOption(store);
    const QCommandLineOption demoCheck(QStringLiteral("start-and-run"),
                                       QCoreApplication::translate("main", "Start the lab's stack and, once a leader is elected, run this check (demos, screenshots)."),
                                       QStringLiteral("CHECK"));
    parser.addOption(demoCheck);
    parser.addPositionalArgument(QStringLiteral("lab"), QCoreApplication::translate("main", "Lab file to open (default: the bundled demo lab)."),
                                 QStringLiteral("[lab]"));
    if (!parser.parse(arguments)) {
        fprintf(stderr, "halab: %s\n", qPrintable(parser.errorText()));
        m_exitCode = 2;
        return false;
    }
    if (parser.isSet(help)) {
        parser.showHelp(0); // exits
    }
    if (parser.isSet(version)) {
        parser.showVersion(); // exits
    }
    m_selfTest = parser.isSet(selfTest);
    m_storePath = parser.value(store);
    m_demoCheck = parser.value(demoCheck);
    const QStringList positional = parser.positionalArguments();
    if (positional.size() > 1) {
        fprintf(stderr, "halab: open one lab at a time\n");
        m_exitCode = 2;
        return false;
    }
    m_labPath = positional.value(0);
    return true;
}
