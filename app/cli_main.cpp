// halab-cli: the lab console without a window, for CI and terminals. Links no Widgets.
#include "clicommands.h"
#include "datapaths.h"
#include "networkcleaner.h"
#include "pidledger.h"
#include "secretscommands.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QGuiApplication>

#include <memory>
#include <QTextStream>

#include <cstdio>

int main(int argc, char *argv[])
{
    // HTML and PDF reports lay out text and paint charts: that needs QtGui (never Widgets).
    QStringList raw;
    for (int i = 0; i < argc; ++i)
        raw << QString::fromLocal8Bit(argv[i]);
    std::unique_ptr<QCoreApplication> application;
    if (CliCommands::needsGui(raw)) {
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        DataPaths::chooseRuntimeDirIfUnset();
        application = std::make_unique<QGuiApplication>(argc, argv);
    } else {
        application = std::make_unique<QCoreApplication>(argc, argv);
    }
    QCoreApplication &app = *application;
    QCoreApplication::setApplicationName(QStringLiteral("halab"));
    QCoreApplication::setOrganizationName(QStringLiteral("halab"));
    QCoreApplication::setApplicationVersion(QStringLiteral(HALAB_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "HA Lab Console, headless.\n\n"
        "Commands:\n"
        "  validate LAB...          check lab files; exit 2 with file:line:column errors when one is invalid\n"
        "  checks LAB [--json]      each check: runs / N/A / DEFERRED (with --set) and why\n"
        "  stack up LAB             start the lab's stack in the foreground; Ctrl-C or SIGTERM brings it down\n"
        "  stack status LAB [--json] state, health and role of each service of the lab's stack\n"
        "  stack reset LAB          kill what a crashed console left running, run the lab's 'reset:' commands\n"
        "  run LAB [--check ID]... [--json FILE] [--keep-stack]\n"
        "                           run the automated checks (or the named ones) on the lab's stack;\n"
        "                           exit 0 all pass, 1 any fails, 2 bad lab or stack, 3 aborted\n"
        "  run … [--markdown F] [--junit F] [--html F] [--pdf F] [--store DB] [--operator NAME]\n"
        "                           also write those exports of the stored run\n"
        "  report (--run ID | --latest) --format markdown|json|junit|html|pdf -o FILE|- [--store DB]\n"
        "                           ID may be the short id the console shows; -o - writes to standard output\n"
        "  logs (--run ID | --latest) [--service S] [--store DB]\n"
        "                           print the service log lines stored with a run (redacted, bounded)\n"
        "  readiness LAB [--json] [--store DB] [--level ID]\n"
        "                           readiness levels over the stored runs; exit 1 when NOT YET\n"
        "  secrets list LAB | secrets set LAB NAME (value on stdin) | secrets clear LAB NAME"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption set(QStringLiteral("set"), QStringLiteral("Override a lab variable (repeatable)."), QStringLiteral("NAME=VALUE"));
    // --json is a flag for 'stack status' and takes a FILE for 'run': strip the run form by hand.
    QStringList arguments = QCoreApplication::arguments();
    QString runJsonPath;
    if (arguments.size() > 1 && arguments.at(1) == QLatin1String("run")) {
        for (int i = 2; i < arguments.size(); ++i) {
            if (arguments.at(i) == QLatin1String("--json") && i + 1 < arguments.size()) {
                runJsonPath = arguments.at(i + 1);
                arguments.remove(i, 2);
                break;
            }
            if (arguments.at(i).startsWith(QLatin1String("--json="))) {
                runJsonPath = arguments.at(i).mid(7);
                arguments.remove(i);
                break;
            }
        }
    }
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Machine-readable output (stack status); with run: --json FILE."));
    const QCommandLineOption check(QStringLiteral("check"), QStringLiteral("Run this check (repeatable)."), QStringLiteral("ID"));
    const QCommandLineOption keepStack(QStringLiteral("keep-stack"), QStringLiteral("Leave the stack up after 'run'."));
    parser.addOption(set);
    parser.addOption(check);
    parser.addOption(keepStack);
    const QCommandLineOption markdown(QStringLiteral("markdown"), QStringLiteral("run: write the Markdown run log."), QStringLiteral("FILE"));
    const QCommandLineOption junit(QStringLiteral("junit"), QStringLiteral("run: write JUnit XML."), QStringLiteral("FILE"));
    const QCommandLineOption html(QStringLiteral("html"), QStringLiteral("run: write the HTML report."), QStringLiteral("FILE"));
    const QCommandLineOption pdf(QStringLiteral("pdf"), QStringLiteral("run: write the PDF report."), QStringLiteral("FILE"));
    const QCommandLineOption store(QStringLiteral("store"), QStringLiteral("Run store file (default: the console's)."), QStringLiteral("DB"));
    const QCommandLineOption operatorName(QStringLiteral("operator"), QStringLiteral("run: operator name for the run log."), QStringLiteral("NAME"));
    const QCommandLineOption runId(QStringLiteral("run"), QStringLiteral("report: the run to export."), QStringLiteral("ID"));
    const QCommandLineOption latest(QStringLiteral("latest"), QStringLiteral("report: the newest run."));
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("report: markdown, json, junit, html or pdf."), QStringLiteral("F"));
    const QCommandLineOption output(QStringList{QStringLiteral("o"), QStringLiteral("output")}, QStringLiteral("report: output file."), QStringLiteral("FILE"));
    const QCommandLineOption serviceName(QStringLiteral("service"), QStringLiteral("logs: only this service's lines."), QStringLiteral("S"));
    const QCommandLineOption level(QStringLiteral("level"), QStringLiteral("readiness: exit 1 unless this level is READY."), QStringLiteral("ID"));
    const QCommandLineOption confirmFaults(QStringLiteral("confirm-faults"), QStringLiteral("run: ask before every fault."));
    const QCommandLineOption rollbackLeftovers(QStringLiteral("rollback-leftovers"),
                                               QStringLiteral("First roll back the faults a crashed console left behind."));
    for (const QCommandLineOption &o : {markdown, junit, html, pdf, store, operatorName, runId, latest, format, output, serviceName, level, confirmFaults, rollbackLeftovers})
        parser.addOption(o);
    parser.addOption(json);
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("validate | stack"));
    parser.addPositionalArgument(QStringLiteral("args"), QStringLiteral("arguments of the command"), QStringLiteral("[args...]"));
    parser.process(arguments);

    QTextStream out(stdout);
    QTextStream err(stderr);
    const QStringList args = parser.positionalArguments();
    if (args.isEmpty() && !parser.isSet(rollbackLeftovers)) {
        err << parser.helpText();
        return CliCommands::BadInput;
    }
    CliCommands commands(out, err);
    QMap<QString, QString> overrides;
    for (const QString &kv : parser.values(set)) {
        const qsizetype eq = kv.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            err << "halab-cli: --set needs NAME=VALUE, got '" << kv << "'\n";
            return CliCommands::BadInput;
        }
        overrides.insert(kv.left(eq), kv.mid(eq + 1));
    }
    commands.setOverrides(overrides);

    // Services of a console that was killed must not outlive it: reap them before doing anything.
    if (const int reaped = PidLedger::reapLeftovers(PidLedger::defaultDir()))
        err << "halab-cli: stopped " << reaped << " service process(es) left behind by a console that did not exit cleanly\n";

    // Lab hosts of a killed console (namespaces, links, iptables rules): removed before anything runs.
    NetworkCleaner cleaner;
    cleaner.setIncludeUnrecorded(parser.isSet(rollbackLeftovers)); // sweeping by name only when asked
    if (!cleaner.plan().isEmpty()) {
        QEventLoop loop;
        QObject::connect(&cleaner, &NetworkCleaner::finished, &loop, [&](int removed, const QString &error) {
            err << "halab-cli: removed " << removed << " lab host namespace(s), link(s) and rule(s) left behind by a console that did not exit cleanly\n";
            if (!error.isEmpty())
                err << "halab-cli: could not remove all of them: " << error << "\n";
            loop.quit();
        });
        cleaner.start();
        loop.exec();
    }

    if (parser.isSet(rollbackLeftovers)) {
        const int rolled = commands.rollbackLeftovers();
        if (args.isEmpty() || rolled != CliCommands::Ok)
            return rolled;
    }
    const QString command = args.first();
    if (command == QLatin1String("secrets")) {
        SecretsCommands secrets(out, err);
        const int secretsCode = secrets.run(args.mid(1));
        if (secretsCode != SecretsCommands::Async)
            return secretsCode;
        QObject::connect(&secrets, &SecretsCommands::finished, &app, &QCoreApplication::exit);
        return app.exec();
    }
    int code = CliCommands::BadInput;
    if (command == QLatin1String("validate")) {
        return commands.validate(args.mid(1));
    } else if (command == QLatin1String("stack") && args.size() == 3 && args.at(1) == QLatin1String("up")) {
        code = commands.stackUp(args.at(2));
    } else if (command == QLatin1String("stack") && args.size() == 3 && args.at(1) == QLatin1String("status")) {
        code = commands.stackStatus(args.at(2), parser.isSet(json));
    } else if (command == QLatin1String("stack") && args.size() == 3 && args.at(1) == QLatin1String("reset")) {
        code = commands.stackReset(args.at(2));
    } else if (command == QLatin1String("run") && args.size() == 2) {
        CliCommands::RunOptions run;
        run.checks = parser.values(check);
        run.jsonPath = runJsonPath;
        run.keepStack = parser.isSet(keepStack);
        run.markdownPath = parser.value(markdown);
        run.junitPath = parser.value(junit);
        run.htmlPath = parser.value(html);
        run.pdfPath = parser.value(pdf);
        run.storePath = parser.value(store);
        run.operatorName = parser.value(operatorName);
        run.confirmFaults = parser.isSet(confirmFaults);
        code = commands.run(args.at(1), run);
    } else if (command == QLatin1String("report") && args.size() == 1) {
        return commands.report(parser.value(runId), parser.isSet(latest), parser.value(format), parser.value(output), parser.value(store));
    } else if (command == QLatin1String("logs") && args.size() == 1) {
        return commands.logs(parser.value(runId), parser.isSet(latest), parser.value(serviceName), parser.value(store));
    } else if (command == QLatin1String("readiness") && args.size() == 2) {
        return commands.readiness(args.at(1), parser.isSet(json), parser.value(store), parser.value(level));
    } else if (command == QLatin1String("checks") && args.size() == 2) {
        return commands.checks(args.at(1), parser.isSet(json));
    } else if (command == QLatin1String("stack")) {
        err << "halab-cli: use 'stack up LAB', 'stack status LAB [--json]' or 'stack reset LAB'\n";
        return CliCommands::BadInput;
    } else {
        err << "halab-cli: unknown command '" << command << "' (try --help)\n";
        return CliCommands::BadInput;
    }
    if (code != CliCommands::Async)
        return code;
    QObject::connect(&commands, &CliCommands::finished, &app, &QCoreApplication::exit);
    return app.exec();
}
