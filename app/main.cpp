// halab: the HA Lab Console window. Composition only; the work lives in views/, runners/, models/.
#include "checklistmodel.h"
#include "datapaths.h"
#include "guicommandline.h"
#include "labparser.h"
#include "mainwindow.h"
#include "networkcleaner.h"
#include "pidledger.h"
#include "servicemodel.h"

#include <QApplication>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>

int main(int argc, char *argv[])
{
    DataPaths::chooseRuntimeDirIfUnset();
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("halab"));
    QApplication::setOrganizationName(QStringLiteral("halab"));
    QApplication::setApplicationDisplayName(QStringLiteral("HA Lab Console"));
    QApplication::setApplicationVersion(QStringLiteral(HALAB_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.halab.Console"));

    GuiCommandLine options;
    if (!options.parse(QApplication::arguments()))
        return options.exitCode();

    // Services of a console that was killed (SIGKILL, crash) must not outlive it: reap them now.
    if (const int reaped = PidLedger::reapLeftovers(PidLedger::defaultDir()))
        fprintf(stderr, "halab: stopped %d service process(es) left behind by a console that did not exit cleanly\n", reaped);

    // Lab hosts of a killed console (namespaces, links, iptables rules): removed in the background.
    auto *networkCleaner = new NetworkCleaner(NetworkLedger::defaultDir(), &app);
    QObject::connect(networkCleaner, &NetworkCleaner::finished, networkCleaner, [networkCleaner](int removed, const QString &error) {
        if (removed > 0 || !error.isEmpty())
            fprintf(stderr, "halab: removed %d lab host namespace(s), link(s) and rule(s) left behind%s%s\n", removed,
                    error.isEmpty() ? "" : "; not all: ", qPrintable(error));
        networkCleaner->deleteLater();
    });
    networkCleaner->start();

    const QString lab = options.labPath().isEmpty() ? DataPaths::demoLabPath() : options.labPath();
    MainWindow::Options windowOptions;
    windowOptions.storePath = options.storePath();
    MainWindow window(windowOptions);
    const bool loaded = window.loadLab(lab);

    if (options.selfTest()) {
        // Smoke run for CTest: the window came up, the lab parsed and the models hold it.
        const int checks = window.checkModel()->rowCount();
        const int services = window.serviceModel()->rowCount();
        window.show();
        QTimer::singleShot(0, &app, [&] {
            if (!loaded || checks == 0 || services == 0) {
                // Say why, as `halab-cli validate` does: one file:line:column line per problem.
                for (const LabDiagnostic &problem : LabParser::parseFile(lab).errors)
                    fprintf(stderr, "%s\n", qPrintable(problem.toString()));
                fprintf(stderr, "halab --self-test: FAILED loading %s (loaded=%d, %d checks, %d services)\n",
                        qPrintable(lab), int(loaded), checks, services);
                app.exit(1);
                return;
            }
            printf("halab --self-test: ok, %s: %d checks, %d services\n", qPrintable(QFileInfo(lab).fileName()), checks, services);
            app.exit(0);
        });
        return app.exec();
    }

    window.show();
    if (!options.demoCheck().isEmpty() && loaded) {
        window.startStack();
        // Wait, without blocking, for the stack to elect a leader, then run the check once.
        auto *ready = new QTimer(&window);
        ready->setInterval(200);
        QObject::connect(ready, &QTimer::timeout, &window, [&window, ready, check = options.demoCheck()] {
            const ServiceModel *services = window.serviceModel();
            for (int row = 0; row < services->rowCount(); ++row)
                if (ServiceStatus::State(services->index(row, 0).data(ServiceModel::StateRole).toInt()) != ServiceStatus::State::Running)
                    return;
            if (services->leader().isEmpty())
                return;
            ready->stop();
            ready->deleteLater();
            window.selectCheck(check);
            window.runSelectedCheck();
        });
        ready->start();
    }
    return app.exec();
}
