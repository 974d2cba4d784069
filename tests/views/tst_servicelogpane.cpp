// The service log pane: find, hide-by-pattern and follow, over lines shaped like the demo stack's.
#include "servicelogpane.h"

#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTest>

class TestServiceLogPane : public QObject
{
    Q_OBJECT

    static LogLine line(const QString &service, const QString &text)
    {
        LogLine l;
        l.service = service;
        l.text = text;
        l.time = QDateTime::currentDateTime();
        return l;
    }

    static QList<LogLine> demoLines(int n)
    {
        QList<LogLine> lines;
        for (int i = 0; i < n; ++i) {
            lines << line(QStringLiteral("lb"), QStringLiteral(R"({"msg":"request","method":"GET","path":"/health","statusCode":200})"));
            lines << line(QStringLiteral("lb"), QStringLiteral(R"({"msg":"request","method":"POST","path":"/templates","statusCode":201,"n":%1})").arg(i));
            lines << line(QStringLiteral("api1"), QStringLiteral(R"({"msg":"lease renewed","n":%1})").arg(i));
        }
        return lines;
    }

private Q_SLOTS:
    void probeRequestsAreHiddenByDefault()
    {
        ServiceLogPane pane;
        pane.appendLines(demoLines(3));
        pane.showService(QStringLiteral("lb"));
        QCOMPARE(pane.shownText().count(QLatin1Char('\n')) + 1, 3);
        QVERIFY(!pane.shownText().contains(QLatin1String("/health")));
        pane.setHidePattern(QString());
        QCOMPARE(pane.shownText().count(QLatin1Char('\n')) + 1, 6);
    }

    void findShowsOnlyMatchingLines()
    {
        ServiceLogPane pane;
        pane.showService(QStringLiteral("lb"));
        pane.appendLines(demoLines(12));
        pane.setFind(QStringLiteral("\"n\":11"));
        QCOMPARE(pane.shownText().count(QLatin1Char('\n')) + 1, 1);
        pane.appendLines({line(QStringLiteral("lb"), QStringLiteral(R"({"path":"/templates","n":11,"again":true})"))});
        QCOMPARE(pane.shownText().count(QLatin1Char('\n')) + 1, 2); // new lines are filtered the same way
    }

    // Follow keeps the newest line in view even when the bounded log drops old lines off the top;
    // without it the view stays where the reader left it.
    void followKeepsTheTailInView()
    {
        ServiceLogPane pane;
        pane.resize(600, 300);
        pane.show();
        pane.showService(QStringLiteral("api1"));
        auto *text = pane.findChild<QPlainTextEdit *>(QStringLiteral("serviceLog"));
        QVERIFY(text);
        for (int i = 0; i < 4; ++i)
            pane.appendLines(demoLines(ServiceLogPane::MaxLinesPerService / 2));
        QScrollBar *bar = text->verticalScrollBar();
        QVERIFY(bar->maximum() > 0);
        QCOMPARE(bar->value(), bar->maximum());
        pane.setFollow(false);
        bar->setValue(bar->maximum() / 2);
        pane.appendLines(demoLines(10));
        QVERIFY(bar->value() <= bar->maximum() / 2 + 1); // not pulled to the tail (old lines dropping off may shift it up)
        pane.setFollow(true);
        QCOMPARE(bar->value(), bar->maximum());
    }
};

QTEST_MAIN(TestServiceLogPane)
#include "tst_servicelogpane.moc"
