// The main window, offscreen: the demo lab fills the panes and the four centre tabs; a broken lab
// shows its problems and keeps what was open; a verdict given without running anything (N/A)
// lands in a run of its own, in a temporary store. (tests/views/tst_panes drives real checks.)
#include "checkdetailpane.h"
#include "checklistmodel.h"
#include "labproblemspane.h"
#include "mainwindow.h"
#include "runstore.h"
#include "servicemodel.h"
#include "consolesettings.h"

#include <QFile>
#include <QInputDialog>
#include <QPushButton>
#include <QTabWidget>
#include <QListWidget>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QProcess>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QDir>
#include "runsession.h"
#include "runspane.h"
#include <QStatusBar>
#include <QAbstractScrollArea>
#include "rejudgedialog.h"
#include "runlistmodel.h"
#include <QTableWidget>
#include <QProgressBar>
#include <QMessageBox>
#include <QAction>
#include "labeditorpane.h"
#include <QTest>
#include <QTextBrowser>
#include <QTreeView>

class TestMainWindow : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    MainWindow::Options options() const
    {
        MainWindow::Options o;
        o.storePath = m_dir.filePath(QStringLiteral("runs.sqlite"));
        o.faultLedgerDir = m_dir.filePath(QStringLiteral("ledger"));
        return o;
    }

private Q_SLOTS:
    void windowIconShipsWithTheWindow()
    {
        // The window's own resource, not the app's: every binary that shows the window has it.
        QVERIFY(QFile::exists(QStringLiteral(":/icons/halab.svg")));
    }

    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
    }

    void demoLabFillsThePanes()
    {
        MainWindow w(options());
        QVERIFY(w.loadLab(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml")));
        w.show();
        auto *tabs = w.findChild<QTabWidget *>(QStringLiteral("centreTabs"));
        QStringList tabNames;
        for (int i = 0; i < tabs->count(); ++i)
            tabNames << tabs->tabText(i);
        QCOMPARE(tabNames, (QStringList{QStringLiteral("Check"), QStringLiteral("Live"), QStringLiteral("Runs"), QStringLiteral("Readiness"), QStringLiteral("Lab")}));
        QVERIFY(w.runStore()->isOpen());
        QCOMPARE(w.checkModel()->rowCount(), 11);
        QCOMPARE(w.serviceModel()->rowCount(), 4);
        auto *tree = w.findChild<QTreeView *>(QStringLiteral("checkTree"));
        QVERIFY(tree);
        QCOMPARE(tree->model()->rowCount(), 11);
        // The first check is selected and shown.
        auto *detail = w.findChild<CheckDetailPane *>(QStringLiteral("checkDetailPane"));
        QTRY_COMPARE(detail->shownCheckId(), QStringLiteral("1"));
        auto *browser = w.findChild<QTextBrowser *>(QStringLiteral("checkDetail"));
        QVERIFY(browser->toPlainText().contains(QLatin1String("Shared asset readability")));
        // Check 5 is N/A on the single-tenant demo stack.
        const QModelIndex five = w.checkModel()->indexOfCheck(QStringLiteral("5"), CheckListModel::VerdictColumn);
        QCOMPARE(five.data().toString(), QStringLiteral("N/A"));
        QCOMPARE(w.shownProblemCount(), 0);
    }

    void brokenLabShowsProblemsAndKeepsTheOpenLab()
    {
        MainWindow w(options());
        QVERIFY(w.loadLab(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml")));
        QTemporaryDir dir;
        QFile broken(dir.filePath(QStringLiteral("broken.halab.yaml")));
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write("halab: 1\nname: broken\nstakc: {}\n");
        broken.close();
        QVERIFY(!w.loadLab(broken.fileName()));
        QVERIFY(w.shownProblemCount() >= 1);
        auto *list = w.findChild<QListWidget *>(QStringLiteral("labProblems"));
        QStringList shown;
        for (int i = 0; i < list->count(); ++i)
            shown << list->item(i)->text();
        QVERIFY2(shown.join(QLatin1Char('\n')).contains(QLatin1String("broken.halab.yaml:3:1: unknown key 'stakc'")), qPrintable(shown.join(QLatin1Char('\n'))));
        QCOMPARE(w.lab().name, QStringLiteral("Demo HA stack")); // nothing lost
        QCOMPARE(w.checkModel()->rowCount(), 11);
    }

    void notApplicableIsRecordedWithoutRunning()
    {
        ConsoleSettings::setOperatorName(QString());
        MainWindow w(options());
        QVERIFY(w.loadLab(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml")));
        w.show();
        w.selectCheck(QStringLiteral("5"));
        auto *detail = w.findChild<CheckDetailPane *>(QStringLiteral("checkDetailPane"));
        QTRY_COMPARE(detail->shownCheckId(), QStringLiteral("5"));
        // The check does not apply to the single-tenant demo stack: N/A is proposed with the lab's reason.
        auto *na = detail->findChild<QPushButton *>(QStringLiteral("verdictNotApplicable"));
        QVERIFY(na->isChecked());
        auto *record = detail->findChild<QPushButton *>(QStringLiteral("recordVerdict"));
        QVERIFY(record->isEnabled());
        record->click();
        QInputDialog *who = nullptr;
        QTRY_VERIFY((who = w.findChild<QInputDialog *>(QStringLiteral("operatorDialog"))) != nullptr && who->isVisible());
        who->setTextValue(QStringLiteral("Grace"));
        who->accept();
        QTRY_VERIFY(!w.currentRunId().isEmpty());
        QTRY_COMPARE(w.checkModel()->verdict(QStringLiteral("5")), Verdict::NotApplicable);
        std::optional<Run> run; // written on the store's own thread
        QTRY_VERIFY((run = w.runStore()->run(w.currentRunId())) && !run->results.isEmpty());
        QCOMPARE(run->operatorName, QStringLiteral("Grace"));
        QCOMPARE(run->results.size(), 1);
        QCOMPARE(run->results.first().verdict, Verdict::NotApplicable);
        QVERIFY(run->results.first().note.contains(QLatin1String("single-tenant")));
        QVERIFY(run->stackVersions.contains(QStringLiteral("redis"))); // asked before the run was created
    }

    // The window and halab-cli decide applicability through the same RunSession: the check list's
    // N/A column matches `halab-cli checks` row by row, with and without an override.
    void windowAndCliAgreeOnApplicability()
    {
        MainWindow w(options());
        QVERIFY(w.loadLab(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml")));
        QProcess cli;
        cli.start(QStringLiteral(HALAB_BIN_DIR "/halab-cli"),
                  {QStringLiteral("checks"), QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml"), QStringLiteral("--json")});
        QVERIFY(cli.waitForFinished(30000));
        QCOMPARE(cli.exitCode(), 0);
        const QJsonArray rows = QJsonDocument::fromJson(cli.readAllStandardOutput()).array();
        QCOMPARE(rows.size(), w.checkModel()->rowCount());
        int notApplicable = 0;
        for (const QJsonValue &row : rows) {
            const QString id = row[QStringLiteral("id")].toString();
            const bool cliApplies = row[QStringLiteral("decision")].toString() != QLatin1String("N/A");
            const QModelIndex index = w.checkModel()->indexOfCheck(id, 0);
            QVERIFY2(index.isValid(), qPrintable(id));
            QCOMPARE(index.data(CheckListModel::ApplicableRole).toBool(), cliApplies);
            const CheckSpec *spec = w.lab().check(id);
            QCOMPARE(w.runSession()->applicability(*spec).decisionText(), row[QStringLiteral("decision")].toString());
            notApplicable += cliApplies ? 0 : 1;
        }
        QCOMPARE(notApplicable, 1); // check 5, single-tenant
    }

    // At 1280×800 no pane may push the window wider: long titles, stack versions and lab paths
    // wrap or elide. Every tab, an opened run, a comparison and the failover trend.
    void windowFitsEveryPaneAt1280()
    {
        const QString store = m_dir.filePath(QStringLiteral("wide.sqlite"));
        {
            RunStore writer;
            QVERIFY(writer.open(store));
            for (int i = 0; i < 2; ++i) {
                Run run;
                run.labName = QStringLiteral("Demo HA stack");
                run.labPath = QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml");
                run.started = QDateTime::currentDateTimeUtc().addSecs(-600 + i * 60);
                run.operatorName = QStringLiteral("An operator with a rather long name, Jr.");
                run.appVersion = QStringLiteral("0.1.0");
                run.hostOs = QStringLiteral("Debian GNU/Linux 12 (bookworm) x86_64 with a very long kernel build string 6.1.0-27-amd64 SMP PREEMPT_DYNAMIC");
                run.stackVersions = {{QStringLiteral("redis"), QStringLiteral("Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0")},
                                     {QStringLiteral("lb"), QStringLiteral("nginx version: nginx/1.22.1 built with OpenSSL 3.0.11 19 Sep 2023, TLS SNI support enabled")},
                                     {QStringLiteral("api1"), QStringLiteral("halab-demo-api 0.1.0 (commit 0123456789abcdef0123456789abcdef01234567)")}};
                run.id = writer.createRun(run);
                CheckResult r;
                r.checkId = QStringLiteral("leader-failover");
                r.title = QStringLiteral("Leader failover (SIGTERM, SIGKILL, 3 rapid cycles), zero data loss, with a title long enough to "
                                         "push any legend or header that does not wrap far beyond the right edge of the screen");
                r.verdict = Verdict::Pass;
                r.started = run.started;
                r.finished = run.started.addSecs(30);
                r.metrics = {{QStringLiteral("failover_ms"), 2957 + i * 100}, {QStringLiteral("lb.availability_pct"), 41.44}};
                QVERIFY(writer.setCheckResult(run.id, r));
                QVERIFY(writer.finishRun(run.id, Run::State::Finished));
            }
        }
        // The demo lab under a long name and file name: the status bar and the Runs filters show both.
        QFile demo(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml"));
        QVERIFY(demo.open(QIODevice::ReadOnly));
        QByteArray text = demo.readAll();
        text.replace("\nname: Demo HA stack\n", "\nname: Demo HA stack of the payments platform team, staging cluster in the second data centre, replicated\n");
        QFile longLab(m_dir.filePath(QStringLiteral("demo-copy-with-a-rather-long-file-name-for-the-staging-cluster-of-the-payments-team.halab.yaml")));
        QVERIFY(longLab.open(QIODevice::WriteOnly));
        longLab.write(text);
        longLab.close();
        MainWindow::Options o = options();
        o.storePath = store;
        MainWindow w(o);
        QVERIFY(w.loadLab(longLab.fileName()));
        w.resize(1280, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        // The window stays 1280 wide, and no visible widget reaches past its right edge (a cut filter,
        // button or status bar); widgets inside scroll areas scroll, so they do not count.
        const auto fits = [&w](const char *where) {
            if (!qEnvironmentVariableIsEmpty("HALAB_SCREENSHOT_DIR")) // for people: docs/screenshot-fits-*.png
                w.grab().save(QDir(qEnvironmentVariable("HALAB_SCREENSHOT_DIR"))
                                  .filePath(QStringLiteral("fits-%1.png").arg(QString::fromLatin1(where).replace(QLatin1Char(' '), QLatin1Char('-')).toLower())));
            QStringList widest; // the culprits, for the failure message
            for (QWidget *child : w.findChildren<QWidget *>())
                if (child->isVisible() && child->minimumSizeHint().width() > 500)
                    widest << QStringLiteral("%1 '%2' %3").arg(QLatin1String(child->metaObject()->className()), child->objectName()).arg(child->minimumSizeHint().width());
            QVERIFY2(w.minimumSizeHint().width() <= 1280, qPrintable(QStringLiteral("%1: minimum width %2: %3").arg(QLatin1String(where)).arg(w.minimumSizeHint().width()).arg(widest.join(QStringLiteral(", ")))));
            QVERIFY2(w.width() <= 1280, qPrintable(QStringLiteral("%1: width %2").arg(QLatin1String(where)).arg(w.width())));
            QStringList tallest;
            for (QWidget *child : w.findChildren<QWidget *>())
                if (child->minimumSizeHint().height() > 250)
                    tallest << QStringLiteral("%1 '%2' %3").arg(QLatin1String(child->metaObject()->className()), child->objectName()).arg(child->minimumSizeHint().height());
            QVERIFY2(w.minimumSizeHint().height() <= 800 - 40, // a title bar and a panel still fit on the screen
                     qPrintable(QStringLiteral("%1: minimum height %2: %3").arg(QLatin1String(where)).arg(w.minimumSizeHint().height()).arg(tallest.join(QStringLiteral(", ")))));
            QVERIFY2(w.statusBar()->minimumSizeHint().width() <= 1280,
                     qPrintable(QStringLiteral("%1: status bar needs %2").arg(QLatin1String(where)).arg(w.statusBar()->minimumSizeHint().width())));
            for (QWidget *child : w.findChildren<QWidget *>()) {
                if (!child->isVisible() || child->isWindow())
                    continue;
                bool scrolled = false;
                for (QWidget *p = child->parentWidget(); p && p != &w; p = p->parentWidget())
                    scrolled = scrolled || qobject_cast<QAbstractScrollArea *>(p) != nullptr;
                if (scrolled)
                    continue;
                const int right = child->mapTo(&w, QPoint(child->width(), 0)).x();
                QVERIFY2(right <= w.width(), qPrintable(QStringLiteral("%1: %2 '%3' ends at x=%4 (needs %5 px)")
                                                            .arg(QLatin1String(where), QLatin1String(child->metaObject()->className()), child->objectName())
                                                            .arg(right)
                                                            .arg(child->minimumSizeHint().width())));
            }
        };
        auto *tabs = w.findChild<QTabWidget *>(QStringLiteral("centreTabs"));
        for (int i = 0; i < tabs->count(); ++i) {
            tabs->setCurrentIndex(i);
            QTest::qWait(0);
            fits(qPrintable(tabs->tabText(i)));
        }
        for (const CheckSpec &c : w.lab().checks) {
            w.selectCheck(c.id);
            fits("check list");
        }
        tabs->setCurrentWidget(w.runsPane());
        const QList<Run> runs = w.runStore()->runs();
        QCOMPARE(runs.size(), 2);
        QSignalSpy shown(w.runsPane(), &RunsPane::runShown);
        w.runsPane()->openRun(runs.first().id, QStringLiteral("leader-failover"));
        QTRY_COMPARE(shown.size(), 1); // loaded in the background
        QTest::qWait(50);
        fits("opened run");
        QSignalSpy compared(w.runsPane(), &RunsPane::comparisonShown);
        w.runsPane()->compareRuns(runs.at(0).id, runs.at(1).id);
        QTRY_COMPARE(compared.size(), 1);
        QTest::qWait(50);
        fits("comparison");
        auto *trend = w.findChild<QPushButton *>(QStringLiteral("failoverTrendButton"));
        QVERIFY(trend);
        trend->click();
        QTest::qWait(50);
        fits("failover trend");
    }

    // The Runs tab opens on the open lab's runs, compares only runs of one lab, re-judges from a
    // run row (not only a check row), and a bound can be removed from the re-judgement.
    void runsPaneStaysWithinTheLab()
    {
        const QString store = m_dir.filePath(QStringLiteral("labs.sqlite"));
        {
            RunStore writer;
            QVERIFY(writer.open(store));
            for (const QString &lab : {QStringLiteral("Demo HA stack"), QStringLiteral("Demo HA stack"), QStringLiteral("Another lab")}) {
                Run run;
                run.labName = lab;
                run.started = QDateTime::currentDateTimeUtc().addSecs(-60);
                run.id = writer.createRun(run);
                CheckResult r;
                r.checkId = QStringLiteral("7");
                r.title = QStringLiteral("Outage");
                r.verdict = Verdict::Pass;
                r.metrics = {{QStringLiteral("lb.availability_pct"), 99.5}, {QStringLiteral("failover_ms"), 800}};
                QVERIFY(writer.setCheckResult(run.id, r));
                QVERIFY(writer.finishRun(run.id, Run::State::Finished));
            }
        }
        MainWindow::Options o = options();
        o.storePath = store;
        MainWindow w(o);
        QVERIFY(w.loadLab(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml")));
        w.show();
        RunsPane *runs = w.runsPane();
        QTRY_COMPARE(runs->model()->rowCount(), 2); // the open lab's runs only
        runs->setFilter(QString(), QString(), std::nullopt);
        QTRY_COMPARE(runs->model()->rowCount(), 3);
        QString demoA, demoB, other;
        for (const Run &r : runs->model()->runs())
            (r.labName == QLatin1String("Another lab") ? other : demoA.isEmpty() ? demoA : demoB) = r.id;
        auto *tree = runs->findChild<QTreeView *>(QStringLiteral("runsTree"));
        auto *compare = runs->findChild<QPushButton *>(QStringLiteral("compareRunsButton"));
        runs->selectRun(demoA);
        tree->selectionModel()->select(runs->model()->indexOfRun(other), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QCOMPARE(runs->selectedRunIds().size(), 2);
        QVERIFY(!compare->isEnabled());
        runs->selectRun(demoA);
        tree->selectionModel()->select(runs->model()->indexOfRun(demoB), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QVERIFY(compare->isEnabled());

        runs->selectRun(demoA); // the run row, no check row
        auto *rejudge = runs->findChild<QPushButton *>(QStringLiteral("rejudgeButton"));
        QVERIFY(rejudge->isEnabled());
        rejudge->click();
        RejudgeDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = runs->findChild<RejudgeDialog *>()) != nullptr);
        auto *table = dialog->findChild<QTableWidget *>(QStringLiteral("rejudgeTable"));
        const int bounds = table->rowCount();
        QVERIFY(bounds >= 1);
        dialog->findChild<QPushButton *>(QStringLiteral("rejudgeRemove"))->click();
        QCOMPARE(table->rowCount(), bounds - 1);
        QCOMPARE(dialog->expectations().size(), bounds - 1);
        dialog->reject();
    }

    // Run All on a one-process stack: automated checks run, N/A and DEFERRED are recorded, the manual
    // check prompts (skipped here), and the progress bar ends at the last check.
    void runAllIsAGameDay()
    {
        ConsoleSettings::setOperatorName(QStringLiteral("Game Day"));
        MainWindow w(options());
        QVERIFY(w.loadLab(QStringLiteral(HALAB_TEST_DATA_DIR "/cli-run.halab.yaml")));
        w.show();
        w.startStack();
        QTRY_VERIFY_WITH_TIMEOUT(w.runSession()->isStackUp(), 30000);
        auto *runAll = w.findChild<QAction *>(QStringLiteral("actionRunAll"));
        QVERIFY(runAll);
        QTRY_VERIFY(runAll->isEnabled());
        QSignalSpy finished(w.runSession(), &RunSession::queueFinished);
        runAll->trigger();
        auto *progress = w.findChild<QProgressBar *>(QStringLiteral("runAllProgress"));
        QTRY_VERIFY(progress->isVisible());
        QCOMPARE(progress->maximum(), 5);
        QMessageBox *prompt = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((prompt = w.findChild<QMessageBox *>(QStringLiteral("runAllManualPrompt"))) != nullptr && prompt->isVisible(), 60000);
        QVERIFY(prompt->text().contains(QLatin1String("An operator looks")));
        QCOMPARE(progress->value(), 4); // the fifth check, by hand
        prompt->findChild<QPushButton *>(QStringLiteral("runAllSkip"))->click();
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
        QCOMPARE(finished.first().at(0).toBool(), false);
        QCOMPARE(w.checkModel()->verdict(QStringLiteral("passes")), Verdict::Pass);
        QCOMPARE(w.checkModel()->verdict(QStringLiteral("fails")), Verdict::Fail);
        QCOMPARE(w.checkModel()->verdict(QStringLiteral("gated")), Verdict::NotApplicable);
        QCOMPARE(w.checkModel()->verdict(QStringLiteral("later")), Verdict::Deferred);
        QCOMPARE(w.checkModel()->verdict(QStringLiteral("by-hand")), Verdict::NotRun);
        std::optional<Run> run; // written on the store's own thread
        QTRY_VERIFY((run = w.runStore()->run(w.currentRunId())) && run->results.size() >= 4 && run->state == Run::State::Finished);
        QCOMPARE(run->results.size(), 4);
        QCOMPARE(run->state, Run::State::Finished); // its checks ended
        w.stopStack();
        QTRY_VERIFY_WITH_TIMEOUT(!w.runSession()->isStackBusy() && !w.runSession()->isStackUp(), 30000);
    }

    // File → New Lab writes the template and opens it in the Lab tab; a typo shows as file:line:col
    // under the text before anything is saved; Save reloads the lab.
    void newLabAndItsEditor()
    {
        MainWindow w(options());
        w.show();
        const QString path = m_dir.filePath(QStringLiteral("fresh.halab.yaml"));
        QVERIFY(w.newLab(path));
        QCOMPARE(w.lab().name, QStringLiteral("New lab"));
        LabEditorPane *editor = w.editorPane();
        QCOMPARE(editor->filePath(), path);
        QVERIFY(editor->problems().isEmpty());
        QString text = editor->text();
        text.replace(QStringLiteral("    title: The web server answers"), QStringLiteral("    tilte: The web server answers"));
        editor->setText(text);
        QTRY_VERIFY(!editor->problems().isEmpty()); // checked a moment after the edit
        QVERIFY2(editor->problems().first().toString().startsWith(QStringLiteral("fresh.halab.yaml:")), qPrintable(editor->problems().first().toString()));
        bool named = false;
        for (const LabDiagnostic &d : editor->problems())
            named = named || (d.message.contains(QLatin1String("tilte")) && d.where.line > 0);
        QVERIFY(named);
        text.replace(QStringLiteral("    tilte: The web server answers"), QStringLiteral("    title: The web page answers"));
        editor->setText(text);
        editor->checkNow();
        QVERIFY(editor->problems().isEmpty());
        QVERIFY(editor->save());
        QCOMPARE(w.lab().checks.value(0).title, QStringLiteral("The web page answers"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
