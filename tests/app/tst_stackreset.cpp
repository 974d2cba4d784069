// Start Stack fails readiness; the window shows the failure (service, what it waited for, its last lines)
// and offers Reset stack…, which runs the lab's `reset:` (LabReset, as `halab-cli stack reset` does)
// without blocking the GUI thread; after it, Start stack comes up. Real processes, offscreen.
#include "mainwindow.h"
#include "servicemodel.h"
#include "stackfailuredialog.h"

#include <QFile>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

class TestStackReset : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void readinessFailureOffersReset()
    {
        QTemporaryDir dir;
        const QString flag = dir.filePath(QStringLiteral("cluster-is-whole"));
        // db is ready only once the flag exists: the broken state; the lab's reset creates it.
        const QString yaml = QStringLiteral(R"(halab: 1
name: Reset offer
stack:
  backend: processes
  services:
    db:
      command: [sh, -c, 'echo "db: data directory is rewound, refusing to serve"; exec sleep 300']
      ready: { command: [test, -e, "%1"], every: 100ms, timeout: 2s }
reset:
  - title: Bring the cluster back
    command: [sh, -c, 'echo "restoring the cluster"; sleep 0.5; touch "$FLAG"']
    env: { FLAG: "%1" }
checks:
  - id: noop
    title: Nothing
    mode: automated
    steps:
      - wait: 100ms
)")
                                 .arg(flag);
        const QString labPath = dir.filePath(QStringLiteral("reset.halab.yaml"));
        {
            QFile f(labPath);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(yaml.toUtf8());
        }

        MainWindow window;
        QVERIFY(window.loadLab(labPath));
        window.show();
        window.startStack();

        StackFailureDialog *dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = window.findChild<StackFailureDialog *>()) != nullptr, 30000);
        const QString failure = dialog->findChild<QPlainTextEdit *>(QStringLiteral("stackFailureText"))->toPlainText();
        QVERIFY2(failure.contains(QStringLiteral("db")) && failure.contains(QStringLiteral("not ready after 2s")), qPrintable(failure));
        QVERIFY2(failure.contains(QStringLiteral("waited for 'test -e %1' to exit 0").arg(flag)), qPrintable(failure));
        QVERIFY2(failure.contains(QStringLiteral("data directory is rewound")), qPrintable(failure)); // its last log lines

        auto *reset = dialog->findChild<QPushButton *>(QStringLiteral("resetStackButton"));
        auto *startAgain = dialog->findChild<QPushButton *>(QStringLiteral("startAgainButton"));
        QVERIFY(reset && startAgain);
        QVERIFY(reset->isEnabled());
        QVERIFY(!startAgain->isEnabled());
        QVERIFY(!QFile::exists(flag));

        reset->click();
        // The click returned while the reset still runs: the GUI thread did not wait for it.
        QVERIFY(dialog->isResetting());
        QVERIFY(!reset->isEnabled());
        auto *outcome = dialog->findChild<QLabel *>(QStringLiteral("resetOutcome"));
        QTRY_VERIFY_WITH_TIMEOUT(outcome->text().contains(QStringLiteral("reset done: 1 command(s) ran")), 30000);
        QVERIFY(QFile::exists(flag)); // the reset really did something
        const QString log = dialog->findChild<QPlainTextEdit *>(QStringLiteral("stackFailureText"))->toPlainText();
        QVERIFY2(log.contains(QStringLiteral("restoring the cluster")), qPrintable(log));
        QVERIFY(startAgain->isEnabled());

        if (const QByteArray shot = qgetenv("HALAB_SCREENSHOT"); !shot.isEmpty())
            dialog->grab().save(QString::fromLocal8Bit(shot));

        startAgain->click(); // the stack comes up now that the cluster is whole
        ServiceModel *services = window.serviceModel();
        const auto dbState = [services] {
            return ServiceStatus::State(services->index(services->indexOfService(QStringLiteral("db")).row(), 0).data(ServiceModel::StateRole).toInt());
        };
        QTRY_COMPARE_WITH_TIMEOUT(dbState(), ServiceStatus::State::Running, 30000);
        const auto stackUp = [&window] {
            for (const QLabel *l : window.findChildren<QLabel *>())
                if (l->text() == QLatin1String("stack: up"))
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(stackUp(), 30000); // up, not only started: readiness passed this time
        QTRY_VERIFY_WITH_TIMEOUT(window.findChild<StackFailureDialog *>() == nullptr, 5000);
        window.stopStack();
        QTRY_VERIFY_WITH_TIMEOUT(dbState() != ServiceStatus::State::Running, 30000);
    }
};

QTEST_MAIN(TestStackReset)
#include "tst_stackreset.moc"
