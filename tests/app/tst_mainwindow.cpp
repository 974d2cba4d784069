// The main window, offscreen: the demo lab fills both panes; a broken lab shows its problems
// and keeps what was open.
#include "checkdetailpane.h"
#include "checklistmodel.h"
#include "labproblemspane.h"
#include "mainwindow.h"
#include "servicemodel.h"

#include <QFile>
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

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void demoLabFillsThePanes()
    {
        MainWindow w;
        QVERIFY(w.loadLab(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml")));
        w.show();
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
        MainWindow w;
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
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
