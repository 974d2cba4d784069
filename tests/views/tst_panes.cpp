// The window's panes driven offscreen against a REAL halab-demo-api and redis-server: steps of a
// check run by hand from their Run buttons (http, matrix, command, prompt), the evidence they
// show, the verdict with an override reason, the run in the store; then the Runs tab (list,
// open, compare, re-judge), the Readiness tab, File → Export and the fault-ledger offer at start.
// Only the processes started here are ever signalled, by their own pid.
#include "../probes/demostack.h"

#include "checkdetailpane.h"
#include "consolesettings.h"
#include "faultledger.h"
#include "livechartview.h"
#include "livepane.h"
#include "mainwindow.h"
#include "readinesspane.h"
#include "rejudgedialog.h"
#include "runcompareview.h"
#include "rundetailview.h"
#include "runlistmodel.h"
#include "runsitting.h"
#include "runspane.h"
#include "runstore.h"
#include "stepevidenceview.h"

#include <QComboBox>
#include <QFile>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTreeView>
#include <QTreeWidget>

#include <memory>

using namespace ProbeTestSupport;

namespace {
constexpr int Slow = 20000; // generous bound for anything that waits on a real process

QString labText(quint16 apiPort, int rows)
{
    return QStringLiteral(R"(halab: 1
id: io.github.halab.test-panes
name: Panes test lab
variables:
  API_PORT: "%1"
  ROWS: "%2"
endpoints:
  api: http://127.0.0.1:${API_PORT}
secrets:
  - name: API_KEY_ADMIN
    description: admin key of the demo API
stack:
  backend: processes
  services:
    api:
      command: ["%3", --port, "${API_PORT}", --node-id, api1]
checks:
  - id: smoke
    title: Health, auth matrix and a command
    mode: manual
    probes:
      - { id: health, http: "${api}/health", every: 100ms, timeout: 1s, expect_status: 200 }
    steps:
      - title: Health answers
        http: "${api}/health"
        expect_status: 200
      - title: Keys are checked
        matrix:
          - { name: good key, url: "${api}/templates", headers: { x-api-key: "${API_KEY_ADMIN}" }, expect_status: 200 }
          - { name: bad key, url: "${api}/templates", headers: { x-api-key: not-the-key }, expect_status: 401 }
          - { name: no key (deliberately wrong expectation), url: "${api}/templates", expect_status: 200 }
      - title: Count rows
        command: [sh, -c, 'echo rows=${ROWS}; echo a note on stderr >&2']
        regex: 'rows=(\d+)'
        save_as: rows
        expect_exit: 0
      - prompt: Does the body of step 1 name this node?
    expect:
      - matrix_failures == 0
      - rows >= 1
  - id: never
    title: A check nobody ran
    mode: manual
    steps:
      - prompt: Never asked.
readiness:
  - id: ready
    name: Test ready
    checks_pass: [smoke, never]
)")
        .arg(apiPort)
        .arg(rows)
        .arg(QStringLiteral(HALAB_BIN_DIR "/halab-demo-api"));
}

template<typename T>
T *child(QWidget *w, const QString &name)
{
    T *found = w->findChild<T *>(name);
    if (!found)
        qWarning("no %s named %s", T::staticMetaObject.className(), qPrintable(name));
    return found;
}

// The dialog a window opened with open(), once it shows.
template<typename T>
T *openDialog(QWidget *w, const QString &name)
{
    for (T *d : w->findChildren<T *>(name))
        if (d->isVisible())
            return d;
    return nullptr;
}
} // namespace

class TestPanes : public QObject
{
    Q_OBJECT

private:
    DemoStack m_demo;
    QTemporaryDir m_dir;
    QString m_labV1;
    QString m_labV2;
    MainWindow::Options m_options;
    std::unique_ptr<MainWindow> m_window;
    QString m_run1;
    QString m_run2;

    CheckDetailPane *pane() const { return m_window->checkPane(); }
    QPushButton *button(const QString &name) const { return child<QPushButton>(m_window.get(), name); }
    QString labelText(const QString &name) const
    {
        auto *label = child<QLabel>(pane(), name); // the Runs tab has an evidence view of its own
        return label ? label->text() : QString();
    }

    // Presses Run on a step; the first one of a sitting asks who runs it.
    void runStep(int index)
    {
        QPushButton *run = button(QStringLiteral("runStep_%1").arg(index));
        QVERIFY(run);
        QTRY_VERIFY(run->isEnabled());
        run->click();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QString why;
        if (!DemoStack::available(&why))
            QSKIP(qPrintable(why));
        QVERIFY(m_dir.isValid());
        QVERIFY2(m_demo.start(&why), qPrintable(why));
        // CI style: the secret comes from the environment, the keychain is not asked.
        qputenv("HALAB_SECRET_API_KEY_ADMIN", DemoStack::AdminKey);
        for (const char *proxy : {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"})
            qunsetenv(proxy);
        m_labV1 = m_dir.filePath(QStringLiteral("v1.halab.yaml"));
        m_labV2 = m_dir.filePath(QStringLiteral("v2.halab.yaml"));
        for (const auto &[path, rows] : {std::pair{m_labV1, 40}, std::pair{m_labV2, 42}}) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(labText(m_demo.apiPort, rows).toUtf8());
        }
        m_options.storePath = m_dir.filePath(QStringLiteral("runs.sqlite"));
        m_options.faultLedgerDir = m_dir.filePath(QStringLiteral("ledger"));
        ConsoleSettings::setOperatorName(QString()); // asked at the first check run
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_demo.stop();
    }

    // The evidence view alone, on outcomes as the runner writes them (no lab spec: the kind is inferred).
    void evidenceViewShowsEachKind()
    {
        StepEvidenceView view;
        view.resize(800, 600);
        view.show();
        auto *body = view.findChild<QPlainTextEdit *>(QStringLiteral("evidenceBody"));
        auto *showAll = view.findChild<QPushButton *>(QStringLiteral("showAllBody"));
        auto *status = view.findChild<QLabel *>(QStringLiteral("evidenceStatus"));
        auto *tabs = view.findChild<QTabWidget *>(QStringLiteral("evidenceTabs"));

        StepOutcome http;
        http.index = 0;
        http.request = QStringLiteral("GET http://127.0.0.1:1/big");
        http.status = 200;
        http.headers = QStringLiteral("content-type: text/plain\n");
        http.body = QString(10 * 1024, QLatin1Char('x'));
        http.startedWallMs = QDateTime(QDate(2026, 4, 21), QTime(10, 3, 7, 123)).toMSecsSinceEpoch();
        http.durationMs = 12.5;
        view.showOutcome(http, nullptr);
        QVERIFY(status->text().contains(QLatin1String("HTTP 200")));
        QCOMPARE(body->toPlainText().size(), StepEvidenceView::BodyPreviewBytes); // the first 4 KB
        QVERIFY(showAll->isVisible());
        showAll->click();
        QCOMPARE(body->toPlainText().size(), 10 * 1024);
        QVERIFY(view.findChild<QLabel *>(QStringLiteral("evidenceHeader"))->text().contains(QLatin1String("2026-04-21 10:03:07.123")));

        StepOutcome command;
        command.index = 1;
        command.request = QStringLiteral("sh -c false");
        command.status = 1;
        command.ok = false;
        command.stderrText = QStringLiteral("boom");
        view.showOutcome(command, nullptr);
        QVERIFY(status->text().contains(QLatin1String("Exit code: <b>1</b>")));
        QVERIFY(!showAll->isVisible());
        QCOMPARE(view.findChild<QPlainTextEdit *>(QStringLiteral("evidenceStderr"))->toPlainText(), QStringLiteral("boom"));
        QCOMPARE(tabs->tabText(0), QStringLiteral("stdout"));

        StepOutcome scan;
        scan.index = 2;
        scan.request = QStringLiteral("count /Auth failure/ in api1, api2 since T0");
        scan.status = 2;
        scan.ok = false;
        scan.body = QStringLiteral("api1: Auth failure one\napi2: Auth failure two");
        view.showOutcome(scan, nullptr);
        QVERIFY(status->text().contains(QLatin1String("Matching lines: <b>2</b>")));
        QCOMPARE(tabs->tabText(0), QStringLiteral("Matching lines"));
        QVERIFY(body->toPlainText().contains(QLatin1String("api2: Auth failure two")));
    }

    void faultLeftoversAreOfferedAndCleared()
    {
        FaultLedger ledger(m_options.faultLedgerDir);
        FaultLedger::Entry e;
        e.id = QStringLiteral("leftover-1");
        e.lab = m_labV1;
        e.check = QStringLiteral("smoke");
        e.service = QStringLiteral("api");
        e.action = QStringLiteral("kill");
        e.consolePid = 2147480000; // above any pid_max: a console that is gone
        e.time = QDateTime::currentDateTimeUtc();
        QVERIFY(ledger.record(e));
        QCOMPARE(ledger.leftovers().size(), 1);

        MainWindow w(m_options);
        w.show();
        QMessageBox *box = nullptr;
        QTRY_VERIFY((box = openDialog<QMessageBox>(&w, QStringLiteral("faultLeftoversDialog"))) != nullptr);
        QVERIFY(box->text().contains(QLatin1String("kill api")));
        QVERIFY(box->text().contains(QLatin1String("ended with it")));
        child<QPushButton>(box, QStringLiteral("clearLeftovers"))->click();
        QTRY_VERIFY(ledger.leftovers().isEmpty());
        QVERIFY(w.runStore()->isOpen());
        QCOMPARE(w.runStore()->path(), m_options.storePath);
    }

    void checkPaneRunsStepsByHand()
    {
        m_window = std::make_unique<MainWindow>(m_options);
        MainWindow &w = *m_window;
        QVERIFY(w.loadLab(m_labV1));
        w.resize(1400, 900);
        w.show();
        w.selectCheck(QStringLiteral("smoke"));
        QTRY_COMPARE(pane()->shownCheckId(), QStringLiteral("smoke"));
        QVERIFY(child<QTextBrowser>(&w, QStringLiteral("checkDetail"))->toPlainText().contains(QLatin1String("Health, auth matrix")));
        QVERIFY(w.currentRunId().isEmpty()); // the run is created lazily

        // Step 1 (http). The first Run of the sitting asks the operator's name, once.
        runStep(0);
        QInputDialog *who = nullptr;
        QTRY_VERIFY((who = openDialog<QInputDialog>(&w, QStringLiteral("operatorDialog"))) != nullptr);
        who->setTextValue(QStringLiteral("Ada Tester"));
        who->accept();
        QTRY_VERIFY_WITH_TIMEOUT(labelText(QStringLiteral("stepResult_0")).contains(QStringLiteral("✓")), Slow);
        QCOMPARE(ConsoleSettings::operatorName(), QStringLiteral("Ada Tester"));
        QVERIFY(!w.currentRunId().isEmpty());
        m_run1 = w.currentRunId();
        QVERIFY(labelText(QStringLiteral("evidenceStatus")).contains(QLatin1String("HTTP 200")));
        QVERIFY(labelText(QStringLiteral("evidenceRequest")).contains(QLatin1String("/health")));
        QVERIFY(child<QPlainTextEdit>(pane(), QStringLiteral("evidenceHeaders"))->toPlainText().contains(QLatin1String("content-type"), Qt::CaseInsensitive));
        QVERIFY(!child<QPlainTextEdit>(pane(), QStringLiteral("evidenceBody"))->toPlainText().isEmpty());
        QVERIFY(labelText(QStringLiteral("evidenceHeader")).contains(QLatin1String("took")));

        // Step 2 (matrix): expected vs actual with ✓ / ✗ per row.
        runStep(1);
        auto *matrix = child<QTableWidget>(pane(), QStringLiteral("evidenceMatrix"));
        QTRY_VERIFY_WITH_TIMEOUT(matrix->isVisible() && matrix->rowCount() == 3, Slow);
        QCOMPARE(matrix->item(0, 2)->text(), QStringLiteral("200"));
        QCOMPARE(matrix->item(0, 3)->text(), QStringLiteral("✓"));
        QCOMPARE(matrix->item(1, 1)->text(), QStringLiteral("401"));
        QCOMPARE(matrix->item(1, 2)->text(), QStringLiteral("401"));
        QCOMPARE(matrix->item(1, 3)->text(), QStringLiteral("✓"));
        QCOMPARE(matrix->item(2, 1)->text(), QStringLiteral("200"));
        QCOMPARE(matrix->item(2, 2)->text(), QStringLiteral("401"));
        QCOMPARE(matrix->item(2, 3)->text(), QStringLiteral("✗"));
        QVERIFY(matrix->item(0, 0)->text().contains(QLatin1String("good key")));
        QVERIFY(labelText(QStringLiteral("stepResult_1")).contains(QLatin1String("2/3 as expected")));

        // Step 3 (command): exit code, stdout and stderr.
        runStep(2);
        QTRY_VERIFY_WITH_TIMEOUT(labelText(QStringLiteral("stepResult_2")).contains(QLatin1String("exit 0")), Slow);
        QVERIFY(labelText(QStringLiteral("evidenceStatus")).contains(QLatin1String("Exit code: <b>0</b>")));
        QVERIFY(child<QPlainTextEdit>(pane(), QStringLiteral("evidenceBody"))->toPlainText().contains(QLatin1String("rows=40")));
        QVERIFY(child<QPlainTextEdit>(pane(), QStringLiteral("evidenceStderr"))->toPlainText().contains(QLatin1String("a note on stderr")));

        // Selecting an earlier step shows its evidence again.
        pane()->selectStep(0);
        QVERIFY(labelText(QStringLiteral("evidenceStatus")).contains(QLatin1String("HTTP 200")));

        // Step 4 (prompt), answered inline.
        runStep(3);
        auto *prompt = child<QWidget>(&w, QStringLiteral("promptPanel"));
        QTRY_VERIFY(prompt->isVisible());
        child<QLineEdit>(&w, QStringLiteral("promptNote"))->setText(QStringLiteral("node_id api1 is there"));
        button(QStringLiteral("promptYes"))->click();
        QTRY_VERIFY(labelText(QStringLiteral("stepResult_3")).contains(QLatin1String("confirmed")));
        QVERIFY(!prompt->isVisible());

        // The check's probe runs while the engineer works; wait for a few samples so the run has a chart.
        QTRY_VERIFY_WITH_TIMEOUT(w.livePane()->timeline().sampleCount() >= 3, Slow);

        // While the session is open the verdict waits for Finish.
        QVERIFY(!button(QStringLiteral("recordVerdict"))->isEnabled());
        QSignalSpy finished(&w, &MainWindow::checkFinished);
        button(QStringLiteral("finishCheck"))->click();
        QTRY_COMPARE(finished.count(), 1);
        QVERIFY(labelText(QStringLiteral("proposedVerdict")).contains(QLatin1String("FAIL")));
        QVERIFY(button(QStringLiteral("verdictFail"))->isChecked());

        // Overriding the proposed FAIL needs a reason.
        button(QStringLiteral("verdictPass"))->click();
        auto *reason = child<QLineEdit>(&w, QStringLiteral("overrideReason"));
        QVERIFY(reason->isVisible());
        QVERIFY(!button(QStringLiteral("recordVerdict"))->isEnabled());
        child<QLineEdit>(&w, QStringLiteral("verdictNote"))->setText(QStringLiteral("health, auth and rows all fine"));
        reason->setText(QStringLiteral("row 3 expects 200 without a key: a mistake in the lab, not the service"));
        QVERIFY(button(QStringLiteral("recordVerdict"))->isEnabled());
        QSignalSpy recorded(&w, &MainWindow::verdictRecorded);
        button(QStringLiteral("recordVerdict"))->click();
        QTRY_COMPARE(recorded.count(), 1);
        QVERIFY(labelText(QStringLiteral("recordedVerdict")).contains(QLatin1String("PASS")));

        // The store holds the run: operator, verdict, note, override reason and every step's evidence
        // (written on the store's own thread: there once the override is).
        std::optional<Run> run;
        QTRY_VERIFY((run = w.runStore()->run(m_run1)) && run->results.size() == 1 && !run->results.first().overrideReason.isEmpty());
        QCOMPARE(run->operatorName, QStringLiteral("Ada Tester"));
        QCOMPARE(run->state, Run::State::Finished); // a window run ends when its checks end...
        QCOMPARE(w.currentRunId(), m_run1);         // ...and the sitting's next check reopens it
        QCOMPARE(run->results.size(), 1);
        const CheckResult &r = run->results.first();
        QCOMPARE(r.checkId, QStringLiteral("smoke"));
        QCOMPARE(r.verdict, Verdict::Pass);
        QCOMPARE(r.note, QStringLiteral("health, auth and rows all fine"));
        QVERIFY(r.overrideReason.startsWith(QLatin1String("row 3 expects 200")));
        QCOMPARE(r.metrics.value(QStringLiteral("rows")), 40.0);
        QCOMPARE(r.metrics.value(QStringLiteral("matrix_failures")), 1.0);
        QCOMPARE(r.steps.size(), 4);
        QCOMPARE(r.steps.at(0).status, 200);
        QCOMPARE(r.steps.at(1).matrix, (QList<QPair<int, int>>{{200, 200}, {401, 401}, {200, 401}}));
        QVERIFY(r.steps.at(2).body.contains(QLatin1String("rows=40")));
        QVERIFY(r.steps.at(3).ok);
        for (const StepOutcome &o : r.steps) // secrets never reach the store
            QVERIFY(!QString(o.request + o.headers + o.body + o.summary).contains(QLatin1String(DemoStack::AdminKey)));
        const QList<RunStore::VerdictChange> history = w.runStore()->verdictHistory(m_run1, QStringLiteral("smoke"));
        QVERIFY(history.size() >= 2);
        QCOMPARE(history.last().source, QStringLiteral("override"));
        const std::optional<Run> withSamples = w.runStore()->run(m_run1, true);
        QVERIFY(!withSamples->results.first().samples.isEmpty()); // the check's probe ran meanwhile
    }

    void secondSittingOnAnotherLabFile()
    {
        QVERIFY(m_window);
        MainWindow &w = *m_window;
        // Another lab file: this sitting's run ends, the next check run starts a new one.
        QVERIFY(w.loadLab(m_labV2));
        QVERIFY(w.currentRunId().isEmpty());
        QCOMPARE(w.runStore()->run(m_run1)->state, Run::State::Finished);
        w.selectCheck(QStringLiteral("smoke"));
        QTRY_COMPARE(pane()->shownCheckId(), QStringLiteral("smoke"));

        // Known operator: no question this time. Only http and command: the proposal is PASS.
        runStep(0);
        QTRY_VERIFY_WITH_TIMEOUT(labelText(QStringLiteral("stepResult_0")).contains(QStringLiteral("✓")), Slow);
        QVERIFY(!openDialog<QInputDialog>(&w, QStringLiteral("operatorDialog")));
        runStep(2);
        QTRY_VERIFY_WITH_TIMEOUT(labelText(QStringLiteral("stepResult_2")).contains(QLatin1String("exit 0")), Slow);
        m_run2 = w.currentRunId();
        QVERIFY(!m_run2.isEmpty() && m_run2 != m_run1);
        button(QStringLiteral("finishCheck"))->click();
        QTRY_VERIFY(labelText(QStringLiteral("proposedVerdict")).contains(QLatin1String("PASS")));
        QVERIFY(button(QStringLiteral("verdictPass"))->isChecked());
        QVERIFY(!child<QLineEdit>(&w, QStringLiteral("overrideReason"))->isVisible());
        child<QLineEdit>(&w, QStringLiteral("verdictNote"))->setText(QStringLiteral("matrix not rerun"));
        QSignalSpy recorded(&w, &MainWindow::verdictRecorded);
        button(QStringLiteral("recordVerdict"))->click();
        QTRY_COMPARE(recorded.count(), 1);
        QTRY_COMPARE(w.runStore()->run(m_run2)->results.value(0).note, QStringLiteral("matrix not rerun"));
        const CheckResult r = w.runStore()->run(m_run2)->results.value(0);
        QCOMPARE(r.verdict, Verdict::Pass);
        QVERIFY(r.overrideReason.isEmpty());
        QCOMPARE(r.metrics.value(QStringLiteral("rows")), 42.0);
    }

    void runsTabListsOpensAndCompares()
    {
        QVERIFY(m_window);
        MainWindow &w = *m_window;
        RunsPane *runs = w.runsPane();
        w.findChild<QTabWidget *>(QStringLiteral("centreTabs"))->setCurrentWidget(runs);
        QTRY_COMPARE(runs->model()->rowCount(), 2);
        QVERIFY(runs->model()->indexOfRun(m_run1).isValid());
        QVERIFY(runs->model()->indexOfRun(m_run2).isValid());

        // Filter by lab and verdict through the store.
        runs->setFilter(QString(), QStringLiteral("smoke"), Verdict::Fail);
        QCOMPARE(runs->model()->rowCount(), 0);
        runs->setFilter(QString(), QStringLiteral("smoke"), Verdict::Pass);
        QCOMPARE(runs->model()->rowCount(), 2);
        runs->setFilter(QString(), QString(), std::nullopt);

        // Run 1 kept a service log line (this stack's services write none of their own).
        QVERIFY(w.runStore()->appendServiceLogs(m_run1, {ServiceLogLine{QDateTime::currentDateTimeUtc(), QStringLiteral("api"),
                                                                         QStringLiteral("smoke"), QStringLiteral("GET /health 200"), false}}));

        // Open run 1: results, steps evidence and its chart, read-only.
        QSignalSpy shown(runs, &RunsPane::runShown);
        runs->selectRun(m_run1);
        button(QStringLiteral("openRunButton"))->click();
        QTRY_COMPARE(shown.count(), 1);
        RunDetailView *detail = runs->detailView();
        QTRY_VERIFY(detail->isVisible());
        QVERIFY(child<QTextBrowser>(detail, QStringLiteral("runSummary"))->toPlainText().contains(QLatin1String("Health, auth matrix")));
        QVERIFY(child<QTextBrowser>(detail, QStringLiteral("runSummary"))->toPlainText().contains(QLatin1String("Ada Tester")));
        QCOMPARE(child<QListWidget>(detail, QStringLiteral("runSteps"))->count(), 4);
        QCOMPARE(detail->run().serviceLogLines.size(), 1); // a run opened on its own comes with its service logs
        child<QListWidget>(detail, QStringLiteral("runSteps"))->setCurrentRow(1);
        auto *storedMatrix = child<QTableWidget>(detail, QStringLiteral("evidenceMatrix"));
        QCOMPARE(storedMatrix->rowCount(), 3);
        QCOMPARE(storedMatrix->item(2, 3)->text(), QStringLiteral("✗"));
        QVERIFY(!detail->timeline().isEmpty());
        QVERIFY(detail->timeline().probeIds().contains(QStringLiteral("health")));
        QVERIFY(!detail->chartView()->isFollowingLatest());

        // Compare the two runs: a metric delta (rows 40 → 42) and the stacked charts.
        QSignalSpy compared(runs, &RunsPane::comparisonShown);
        runs->selectRun(m_run1);
        runs->findChild<QTreeView *>(QStringLiteral("runsTree"))->selectionModel()->select(
            runs->model()->indexOfRun(m_run2), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QCOMPARE(runs->selectedRunIds().size(), 2);
        QVERIFY(button(QStringLiteral("compareRunsButton"))->isEnabled());
        button(QStringLiteral("compareRunsButton"))->click();
        QTRY_COMPARE(compared.count(), 1);
        QCOMPARE(compared.first().at(0).toString(), m_run1); // the older one is A
        QVERIFY(runs->compareView()->runA().serviceLogLines.isEmpty()); // a comparison shows none, so reads none
        auto *metrics = child<QTableWidget>(runs->compareView(), QStringLiteral("compareMetrics"));
        bool sawRows = false;
        for (int row = 0; row < metrics->rowCount(); ++row) {
            if (metrics->item(row, 1)->text() != QLatin1String("rows"))
                continue;
            sawRows = true;
            QCOMPARE(metrics->horizontalHeaderItem(2)->text(), QStringLiteral("Δ (B − A)"));
            QCOMPARE(metrics->item(row, 2)->text(), QStringLiteral("+2"));
            QCOMPARE(metrics->item(row, 3)->text(), QStringLiteral("40"));
            QCOMPARE(metrics->item(row, 4)->text(), QStringLiteral("42"));
        }
        QVERIFY(sawRows);
        auto *verdicts = child<QTableWidget>(runs->compareView(), QStringLiteral("compareVerdicts"));
        QCOMPARE(verdicts->rowCount(), 1);
        QCOMPARE(verdicts->item(0, 3)->text(), QStringLiteral("same"));
        auto *chartA = child<LiveChartView>(runs->compareView(), QStringLiteral("compareChartA"));
        auto *chartB = child<LiveChartView>(runs->compareView(), QStringLiteral("compareChartB"));
        QVERIFY(chartA->isVisible() && chartB->isVisible());
        QVERIFY(chartA->y() < chartB->y()); // stacked, A above B
        QCOMPARE(chartA->shownToNs() - chartA->shownFromNs(), chartB->shownToNs() - chartB->shownFromNs()); // one time scale
        QCOMPARE(chartA->latencyAxisMax(), chartB->latencyAxisMax());                                       // one latency scale
    }

    void rejudgeWithATighterBound()
    {
        QVERIFY(m_window);
        MainWindow &w = *m_window;
        RunsPane *runs = w.runsPane();
        runs->selectRun(m_run2, QStringLiteral("smoke"));
        QCOMPARE(runs->selectedCheckId(), QStringLiteral("smoke"));
        QVERIFY(button(QStringLiteral("rejudgeButton"))->isEnabled());
        button(QStringLiteral("rejudgeButton"))->click();
        RejudgeDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = openDialog<RejudgeDialog>(&w, QStringLiteral("rejudgeDialog"))) != nullptr);
        const QList<Expectation> bounds = dialog->expectations();
        QCOMPARE(bounds.size(), 2); // the lab's: matrix_failures == 0, rows >= 1
        QCOMPARE(dialog->preview(), Verdict::Pass);
        dialog->setBound(1, 100); // rows >= 100: run 2 measured 42
        QCOMPARE(dialog->preview(), Verdict::Fail);
        QVERIFY(child<QLabel>(dialog, QStringLiteral("rejudgePreview"))->text().contains(QLatin1String("FAIL")));
        QSignalSpy changed(runs, &RunsPane::runsChanged);
        dialog->accept();
        QTRY_COMPARE(changed.count(), 1);
        const CheckResult r = w.runStore()->run(m_run2)->results.value(0);
        QCOMPARE(r.verdict, Verdict::Fail);
        QVERIFY(r.failures.join(QLatin1Char(' ')).contains(QLatin1String("rows >= 100")));
        QCOMPARE(w.runStore()->verdictHistory(m_run2, QStringLiteral("smoke")).last().source, QStringLiteral("rejudge"));
        // The list follows, and a comparison now shows the verdict change.
        QTRY_VERIFY(runs->model()->indexOfRun(m_run2).isValid()
                    && runs->model()->runAt(runs->model()->indexOfRun(m_run2))->results.value(0).verdict == Verdict::Fail);
        QSignalSpy compared(runs, &RunsPane::comparisonShown);
        runs->compareRuns(m_run2, m_run1);
        QTRY_COMPARE(compared.count(), 1);
        auto *verdicts = child<QTableWidget>(runs->compareView(), QStringLiteral("compareVerdicts"));
        QCOMPARE(verdicts->item(0, 3)->text(), QStringLiteral("PASS → FAIL"));
    }

    void readinessListsEveryCriterion()
    {
        QVERIFY(m_window);
        MainWindow &w = *m_window;
        ReadinessPane *readiness = w.readinessPane();
        w.findChild<QTabWidget *>(QStringLiteral("centreTabs"))->setCurrentWidget(readiness);
        auto *tree = child<QTreeWidget>(readiness, QStringLiteral("readinessTree"));
        const auto criteria = [tree] {
            QStringList statuses;
            QTreeWidgetItem *level = tree->topLevelItemCount() == 1 ? tree->topLevelItem(0) : nullptr;
            if (level)
                statuses << level->text(0) + QLatin1Char('=') + level->text(1);
            for (int i = 0; level && i < level->childCount(); ++i)
                statuses << level->child(i)->text(0) + QLatin1Char('=') + level->child(i)->text(1);
            return statuses.join(QLatin1Char(' '));
        };
        // The re-judged run 2 is the latest evidence of smoke: FAIL; nobody ran 'never': MISSING.
        QTRY_VERIFY2(criteria().contains(QLatin1String("(smoke) passes=FAIL")), qPrintable(criteria()));
        QVERIFY2(criteria().startsWith(QLatin1String("Test ready")), qPrintable(criteria()));
        QVERIFY2(criteria().contains(QLatin1String("=NOT YET")), qPrintable(criteria()));
        QVERIFY2(criteria().contains(QLatin1String("(never) passes=MISSING")), qPrintable(criteria()));
        QVERIFY(child<QLabel>(readiness, QStringLiteral("readinessVerdict"))->text().contains(QLatin1String("no level is ready")));

        // A verdict given without running anything (DEFERRED) reaches readiness at once.
        w.selectCheck(QStringLiteral("never"));
        QTRY_COMPARE(pane()->shownCheckId(), QStringLiteral("never"));
        button(QStringLiteral("verdictDeferred"))->click();
        child<QLineEdit>(&w, QStringLiteral("verdictNote"))->setText(QStringLiteral("needs a second site"));
        QVERIFY(button(QStringLiteral("recordVerdict"))->isEnabled());
        button(QStringLiteral("recordVerdict"))->click();
        QTRY_VERIFY2(criteria().contains(QLatin1String("(never) passes=DEFERRED")), qPrintable(criteria()));
    }

    void exportWritesEveryFormatWithCharts()
    {
        QVERIFY(m_window);
        MainWindow &w = *m_window;
        QSignalSpy exported(&w, &MainWindow::exportFinished);
        const QStringList names = {QStringLiteral("run.md"), QStringLiteral("run.json"), QStringLiteral("run.xml"),
                                   QStringLiteral("run.html"), QStringLiteral("run.pdf")};
        for (const QString &name : names)
            w.exportRun(m_run1, m_dir.filePath(name));
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), int(names.size()), Slow);
        for (const QList<QVariant> &args : std::as_const(exported))
            QVERIFY2(args.at(1).toBool(), qPrintable(args.at(2).toString()));
        const auto read = [this](const QString &name) {
            QFile f(m_dir.filePath(name));
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        };
        QVERIFY(read(QStringLiteral("run.md")).contains("Health, auth matrix and a command"));
        QVERIFY(read(QStringLiteral("run.md")).contains("Ada Tester"));
        QVERIFY(read(QStringLiteral("run.json")).contains("halab.run/2"));
        QVERIFY(read(QStringLiteral("run.xml")).contains("<testsuite"));
        QVERIFY(read(QStringLiteral("run.html")).contains("data:image/png;base64,")); // the chart is embedded
        QVERIFY(read(QStringLiteral("run.pdf")).startsWith("%PDF"));
        for (const QString &name : names)
            QVERIFY(!read(name).contains(DemoStack::AdminKey));
    }

    void closingEndsTheRun()
    {
        QVERIFY(m_window);
        const QString run = m_window->currentRunId();
        QVERIFY(!run.isEmpty());
        m_window->close();
        RunStore store;
        QVERIFY(store.open(m_options.storePath));
        QCOMPARE(store.run(run)->state, Run::State::Finished);
        m_window.reset();
    }
};

QTEST_MAIN(TestPanes)
#include "tst_panes.moc"
