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
        QCOMPARE(tabNames, (QStringList{QStringLiteral("Check"), QStringLiteral("Live"), QStringLiteral("Runs"), QStringLiteral("Readiness")}));
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
        const std::optional<Run> run = w.runStore()->run(w.currentRunId());
        QVERIFY(run);
        QCOMPARE(run->operatorName, QStringLiteral("Grace"));
        QCOMPARE(run->results.size(), 1);
        QCOMPARE(run->results.first().verdict, Verdict::NotApplicable);
        QVERIFY(run->results.first().note.contains(QLatin1String("single-tenant")));
        QVERIFY(run->stackVersions.contains(QStringLiteral("redis"))); // asked before the run was created
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
