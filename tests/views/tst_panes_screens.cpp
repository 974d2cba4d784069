// Not a regression test: drives the real window through a sitting on the demo stack so the
// docs screenshots (docs/screenshot-check-pane.png, -runs.png, -readiness.png, and
// -live-leader-kill.png from liveLeaderKill) show real data.
// Skipped unless HALAB_SCREENSHOT_DIR is set; run it on a display (Xvfb) and take each picture
// with `import` when "<name>.ready" appears in that folder, then create "<name>.done".
// It uses a copy of the demo lab on other ports (HALAB_SCREENSHOT_PORT_BASE, default 28080) so a
// demo stack already running elsewhere on this machine is left alone.
#include "checkdetailpane.h"
#include "checklistmodel.h"
#include "consolesettings.h"
#include "livechartview.h"
#include "livepane.h"
#include "mainwindow.h"
#include "readinesspane.h"
#include "runcompareview.h"
#include "runlistmodel.h"
#include "runspane.h"
#include "runstore.h"
#include "scenariorunner.h"
#include "stacksession.h"
#include "servicemodel.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTest>
#include <QTreeView>

#include <memory>

namespace {
constexpr int StackTimeout = 90'000;
constexpr int CheckTimeout = 180'000;
constexpr int ShotTimeout = 300'000;

bool stackUp(const MainWindow &w)
{
    return w.stackSession() && w.stackSession()->backend() && w.stackSession()->backend()->isUp();
}

// Every service has stopped (not merely "the stack is no longer up": down() says that at once).
bool stackDown(const MainWindow &w)
{
    for (int r = 0; r < w.serviceModel()->rowCount(); ++r) {
        const QString state = w.serviceModel()->index(r, 1).data().toString();
        if (state != QLatin1String("stopped") && !state.startsWith(QLatin1String("exited")))
            return false;
    }
    return true;
}
} // namespace

class TestPanesScreens : public QObject
{
    Q_OBJECT

private:
    QString m_out;
    QString m_lab;
    MainWindow::Options m_options;

    // Tells the shell the window is ready to be photographed and waits until it has been; with
    // HALAB_SCREENSHOT_GRAB set, grabs the window itself into <name>.png instead.
    void shot(const QString &name)
    {
        if (!qEnvironmentVariableIsEmpty("HALAB_SCREENSHOT_GRAB")) {
            QTest::qWait(300); // delayed item layouts and coalesced refreshes, as a person would see them
            for (QWidget *top : QApplication::topLevelWidgets())
                if (qobject_cast<MainWindow *>(top) && top->isVisible())
                    QVERIFY(top->grab().save(QDir(m_out).filePath(name + QStringLiteral(".png"))));
            return;
        }
        QFile ready(QDir(m_out).filePath(name + QStringLiteral(".ready")));
        QVERIFY(ready.open(QIODevice::WriteOnly));
        ready.close();
        const QString done = QDir(m_out).filePath(name + QStringLiteral(".done"));
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(done), ShotTimeout);
        QFile::remove(done);
        QFile::remove(ready.fileName());
    }

    void startStack(MainWindow &w)
    {
        w.startStack();
        QTRY_VERIFY_WITH_TIMEOUT(stackUp(w), StackTimeout);
    }

    void stopStack(MainWindow &w)
    {
        w.stopStack();
        QTRY_VERIFY_WITH_TIMEOUT(!stackUp(w) && stackDown(w), StackTimeout);
    }

    void runAutomated(MainWindow &w, const QString &checkId)
    {
        QSignalSpy finished(&w, &MainWindow::checkFinished);
        w.selectCheck(checkId);
        QTRY_COMPARE(w.checkPane()->shownCheckId(), checkId);
        w.runSelectedCheck();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, CheckTimeout);
        qInfo("check %s: %s", qPrintable(checkId), qPrintable(VerdictText::toString(Verdict(finished.first().at(1).toInt()))));
    }

    // Every step by hand, prompts answered yes; then Finish and record the proposed verdict.
    void runByHand(MainWindow &w, const QString &checkId, const QString &note)
    {
        w.findChild<QTabWidget *>(QStringLiteral("centreTabs"))->setCurrentWidget(w.checkPane());
        w.selectCheck(checkId);
        CheckDetailPane *pane = w.checkPane();
        QTRY_COMPARE(pane->shownCheckId(), checkId);
        const CheckSpec *check = w.lab().check(checkId);
        QVERIFY(check);
        for (int i = 0; i < check->steps.size(); ++i) {
            auto *run = pane->findChild<QPushButton *>(QStringLiteral("runStep_%1").arg(i));
            QTRY_VERIFY_WITH_TIMEOUT(run->isEnabled(), CheckTimeout);
            run->click();
            if (check->steps.at(i).kind == StepSpec::Kind::Prompt) {
                auto *yes = pane->findChild<QPushButton *>(QStringLiteral("promptYes"));
                QTRY_VERIFY_WITH_TIMEOUT(yes->isVisible(), CheckTimeout);
                pane->findChild<QLineEdit *>(QStringLiteral("promptNote"))->setText(QStringLiteral("checked by eye"));
                yes->click();
            }
            QTRY_VERIFY_WITH_TIMEOUT(pane->outcome(checkId, i).index == i, CheckTimeout);
            qInfo("  %s step %d: %s", qPrintable(checkId), i + 1, qPrintable(pane->outcome(checkId, i).summary));
        }
        QSignalSpy finished(&w, &MainWindow::checkFinished);
        auto *finish = pane->findChild<QPushButton *>(QStringLiteral("finishCheck"));
        QTRY_VERIFY_WITH_TIMEOUT(finish->isEnabled(), CheckTimeout);
        finish->click();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, CheckTimeout);
        qInfo("check %s by hand: proposed %s", qPrintable(checkId), qPrintable(VerdictText::toString(Verdict(finished.first().at(1).toInt()))));
        pane->findChild<QLineEdit *>(QStringLiteral("verdictNote"))->setText(note);
        QSignalSpy recorded(&w, &MainWindow::verdictRecorded);
        auto *record = pane->findChild<QPushButton *>(QStringLiteral("recordVerdict"));
        QTRY_VERIFY(record->isEnabled());
        record->click();
        QTRY_COMPARE_WITH_TIMEOUT(recorded.count(), 1, CheckTimeout);
    }

    void recordWithoutRunning(MainWindow &w, const QString &checkId)
    {
        w.selectCheck(checkId);
        CheckDetailPane *pane = w.checkPane();
        QTRY_COMPARE(pane->shownCheckId(), checkId);
        QSignalSpy recorded(&w, &MainWindow::verdictRecorded);
        auto *record = pane->findChild<QPushButton *>(QStringLiteral("recordVerdict"));
        QTRY_VERIFY(record->isEnabled()); // N/A and DEFERRED come preset with the lab's reason
        record->click();
        QTRY_COMPARE_WITH_TIMEOUT(recorded.count(), 1, CheckTimeout);
    }

    void place(MainWindow &w)
    {
        // HALAB_SCREENSHOT_SIZE=1280x800: the size of the screen the pictures are for.
        const QStringList size = qEnvironmentVariable("HALAB_SCREENSHOT_SIZE", QStringLiteral("1400x900")).split(QLatin1Char('x'));
        w.setGeometry(0, 0, size.value(0).toInt(), size.value(1).toInt());
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_out = qEnvironmentVariable("HALAB_SCREENSHOT_DIR");
        if (m_out.isEmpty())
            QSKIP("set HALAB_SCREENSHOT_DIR to drive the window for the docs screenshots");
        QStandardPaths::setTestModeEnabled(true);
        QDir().mkpath(m_out);
        const int base = qEnvironmentVariableIntValue("HALAB_SCREENSHOT_PORT_BASE") > 0 ? qEnvironmentVariableIntValue("HALAB_SCREENSHOT_PORT_BASE") : 28080;
        // The bundled lab, on ports of its own and with the demo folder named absolutely.
        QFile in(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml"));
        QVERIFY(in.open(QIODevice::ReadOnly));
        QString text = QString::fromUtf8(in.readAll());
        text.replace(QStringLiteral("LB_PORT: \"18080\""), QStringLiteral("LB_PORT: \"%1\"").arg(base));
        text.replace(QStringLiteral("API1_PORT: \"18081\""), QStringLiteral("API1_PORT: \"%1\"").arg(base + 1));
        text.replace(QStringLiteral("API2_PORT: \"18082\""), QStringLiteral("API2_PORT: \"%1\"").arg(base + 2));
        text.replace(QStringLiteral("REDIS_PORT: \"16379\""), QStringLiteral("REDIS_PORT: \"%1\"").arg(base - 1701));
        text.replace(QStringLiteral("DEMO_DIR: ${LAB_DIR}/../../demo"), QStringLiteral("DEMO_DIR: " HALAB_SOURCE_DIR "/demo"));
        QDir().mkpath(QDir(m_out).filePath(QStringLiteral("lab")));
        m_lab = QDir(m_out).filePath(QStringLiteral("lab/demo.halab.yaml"));
        QFile out(m_lab);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(text.toUtf8());
        out.close();
        QDir(QDir(m_out).filePath(QStringLiteral("store"))).removeRecursively();
        m_options.storePath = QDir(m_out).filePath(QStringLiteral("store/runs.sqlite"));
        m_options.faultLedgerDir = QDir(m_out).filePath(QStringLiteral("store/ledger"));
        ConsoleSettings::setOperatorName(QStringLiteral("Ada Lovelace"));
        // No keychain on the screenshot display: the demo's secrets come from the environment.
        for (const char *name : {"API_KEY_ADMIN", "API_KEY_EDITOR", "API_KEY_ADMIN_NEW", "EDITOR_TOKEN_SECRET"})
            qputenv(QByteArray(QByteArray("HALAB_SECRET_") + name).constData(), QByteArray(QByteArray("screens-") + QByteArray(name).toLower() + "-0123456789"));
    }

    void sitting()
    {
        // An earlier sitting: check 4 once, to compare against.
        {
            MainWindow w(m_options);
            QVERIFY(w.loadLab(m_lab));
            place(w);
            startStack(w);
            runAutomated(w, QStringLiteral("4"));
            stopStack(w);
        }
        MainWindow w(m_options);
        QVERIFY(w.loadLab(m_lab));
        place(w);
        startStack(w);
        for (const char *id : {"2", "4", "7", "8", "leader-failover", "quorum-loss"})
            runAutomated(w, QString::fromLatin1(id));
        runByHand(w, QStringLiteral("1"), QStringLiteral("same 24 bytes via api2"));
        runByHand(w, QStringLiteral("3"), QStringLiteral("PUT on api2 answered 200"));
        runByHand(w, QStringLiteral("6"), QStringLiteral("restart window clean, 200/200/401/401"));
        recordWithoutRunning(w, QStringLiteral("5"));
        recordWithoutRunning(w, QStringLiteral("9"));

        // Check 6 with its matrix evidence.
        auto *tabs = w.findChild<QTabWidget *>(QStringLiteral("centreTabs"));
        tabs->setCurrentWidget(w.checkPane());
        w.selectCheck(QStringLiteral("6"));
        QTRY_COMPARE(w.checkPane()->shownCheckId(), QStringLiteral("6"));
        w.checkPane()->selectStep(8);
        if (auto *dock = w.findChild<QDockWidget *>(QStringLiteral("serviceLogDock")))
            dock->hide(); // the log is not what these pictures are about
        shot(QStringLiteral("check-pane"));

        // Runs: the two sittings compared on check 4.
        tabs->setCurrentWidget(w.runsPane());
        RunsPane *runs = w.runsPane();
        QTRY_COMPARE(runs->model()->rowCount(), 2);
        const QString newer = runs->model()->runs().at(0).id;
        const QString older = runs->model()->runs().at(1).id;
        QSignalSpy compared(runs, &RunsPane::comparisonShown);
        runs->selectRun(newer);
        runs->findChild<QTreeView *>(QStringLiteral("runsTree"))->selectionModel()->select(
            runs->model()->indexOfRun(older), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        runs->findChild<QPushButton *>(QStringLiteral("compareRunsButton"))->click();
        QTRY_COMPARE(compared.count(), 1);
        runs->compareView()->selectCheck(QStringLiteral("4"));
        shot(QStringLiteral("runs"));

        tabs->setCurrentWidget(w.readinessPane());
        shot(QStringLiteral("readiness"));
        stopStack(w);
    }

    // The Live tab while leader-failover runs (Run Check) on the demo stack, taken just after its
    // first two failovers: the lb probe, the stop/kill markers, the leader lane switching, the
    // measured spans with their ± and the live metrics. Run alone: tst_panes_screens liveLeaderKill
    void liveLeaderKill()
    {
        MainWindow w(m_options);
        QVERIFY(w.loadLab(m_lab));
        place(w);
        if (auto *dock = w.findChild<QDockWidget *>(QStringLiteral("serviceLogDock")))
            dock->hide(); // the log is not what this picture is about
        startStack(w);
        const QString id = QStringLiteral("leader-failover");
        QSignalSpy finished(&w, &MainWindow::checkFinished);
        w.selectCheck(id);
        QTRY_COMPARE(w.checkPane()->shownCheckId(), id);
        w.runSelectedCheck();
        QTRY_VERIFY_WITH_TIMEOUT(w.runner() && w.runner()->isRunning(), StackTimeout);
        auto *tabs = w.findChild<QTabWidget *>(QStringLiteral("centreTabs"));
        QCOMPARE(tabs->currentWidget(), w.livePane());

        const SampleTimeline &timeline = w.livePane()->timeline();
        QTRY_VERIFY_WITH_TIMEOUT(timeline.measuredSpans().size() >= 2 || finished.count() > 0, CheckTimeout);
        QVERIFY2(finished.isEmpty(), "the check ended before its second failover");
        // The live chart follows the last 60 s from check start: a few seconds in, most of it would
        // be empty. Follow a window just wider than the run so far, as a narrower live view would.
        const qint64 elapsedNs = timeline.lastNs() - timeline.originNs();
        const qint64 widthNs = std::max<qint64>(4'000'000'000, (elapsedNs / 1'000'000'000 + 3) * 1'000'000'000);
        w.livePane()->chartView()->setFollowLatest(widthNs);
        QTest::qWait(1200); // one tick of the live metrics, a chart refresh
        qInfo("live shot %.1f s into the check, %d failovers, window %lld s", double(elapsedNs) / 1e9,
              int(timeline.measuredSpans().size()), widthNs / 1'000'000'000);
        shot(QStringLiteral("live-leader-kill"));
        tabs->setCurrentWidget(w.checkPane());
        QTest::qWait(300);
        shot(QStringLiteral("check-during-leader-kill"));
        tabs->setCurrentWidget(w.livePane());

        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, CheckTimeout);
        qInfo("check %s: %s", qPrintable(id), qPrintable(VerdictText::toString(Verdict(finished.first().at(1).toInt()))));
        QTest::qWait(500);
        shot(QStringLiteral("live-after-leader-kill"));
        tabs->setCurrentWidget(w.checkPane());
        QTest::qWait(300);
        shot(QStringLiteral("check-after-leader-kill")); // the verdict bar says what decided it
        tabs->setCurrentWidget(w.runsPane());
        QSignalSpy shown(w.runsPane(), &RunsPane::runShown);
        w.runsPane()->openRun(w.currentRunId(), id);
        QTRY_COMPARE_WITH_TIMEOUT(shown.count(), 1, StackTimeout);
        QTest::qWait(300);
        shot(QStringLiteral("runs-after-leader-kill"));
        tabs->setCurrentWidget(w.readinessPane());
        QTest::qWait(300);
        shot(QStringLiteral("readiness-after-leader-kill"));
        stopStack(w);
    }
};

QTEST_MAIN(TestPanesScreens)
#include "tst_panes_screens.moc"
