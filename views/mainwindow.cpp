#include "mainwindow.h"

#include "stackfailuredialog.h"

#include "checkdetailpane.h"
#include "checklistmodel.h"
#include "checklistpane.h"
#include "elidedlabel.h"
#include "consolesettings.h"
#include "datapaths.h"
#include "elidedname.h"
#include "faultledger.h"
#include "labcontext.h"
#include "labmatch.h"
#include "labparser.h"
#include "labeditorpane.h"
#include "labproblemspane.h"
#include "livepane.h"
#include "readinessevaluator.h"
#include "readinesspane.h"
#include "runexport.h"
#include "runloader.h"
#include "runsession.h"
#include "runsitting.h"
#include "verdictexplanation.h"
#include "runspane.h"
#include "runlistmodel.h"
#include "runstore.h"
#include "scenariorunner.h"
#include "secretsdialog.h"
#include "servicelogpane.h"
#include "servicemodel.h"
#include "servicespane.h"
#include "stacksession.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QIcon>
#include <QInputDialog>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>

MainWindow::MainWindow(QWidget *parent)
    : MainWindow(Options(), parent)
{
}

MainWindow::MainWindow(const Options &options, QWidget *parent)
    : QMainWindow(parent)
    , m_options(options)
    , m_store(std::make_unique<RunStore>())
    , m_loader(new RunLoader(QString(), this))
    , m_run(new RunSession(m_store.get(), this))
    , m_checkModel(new CheckListModel(this))
    , m_serviceModel(new ServiceModel(this))
    , m_checkPane(new CheckListPane(m_checkModel, this))
    , m_servicesPane(new ServicesPane(m_serviceModel, this))
    , m_detailPane(new CheckDetailPane(this))
    , m_problemsPane(new LabProblemsPane(this))
    , m_centreTabs(new QTabWidget(this))
    , m_centre(new QStackedWidget(this))
    , m_statusLab(new ElidedLabel(this))
    , m_statusRun(new QLabel(this))
    , m_statusStack(new QLabel(this))
    , m_logPane(new ServiceLogPane(this))
    , m_livePane(new LivePane(this))
    , m_runsPane(new RunsPane(m_store.get(), m_loader, this))
    , m_readinessPane(new ReadinessPane(this))
    , m_liveMetricsTimer(new QTimer(this))
    , m_runsRefresh(new QTimer(this))
    , m_runAllProgress(new QProgressBar(this))
    , m_runAllText(new QLabel(this))
    , m_runAllTicker(new QTimer(this))
    , m_editorPane(new LabEditorPane(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("HA Lab Console"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/halab.svg")));

    auto *sidebar = new QSplitter(Qt::Vertical, this);
    sidebar->addWidget(m_checkPane);
    sidebar->addWidget(m_servicesPane);
    sidebar->setStretchFactor(0, 3);
    sidebar->setStretchFactor(1, 2);

    m_centreTabs->setObjectName(QStringLiteral("centreTabs"));
    m_centreTabs->addTab(m_detailPane, tr("Check"));
    m_centreTabs->addTab(m_livePane, tr("Live"));
    m_centreTabs->addTab(m_runsPane, tr("Runs"));
    m_centreTabs->addTab(m_readinessPane, tr("Readiness"));
    m_centreTabs->addTab(m_editorPane, tr("Lab"));
    m_centre->addWidget(m_centreTabs);
    m_centre->addWidget(m_problemsPane);

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(sidebar);
    split->addWidget(m_centre);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 5);
    split->setSizes({380, 900});
    setCentralWidget(split);

    auto *logDock = new QDockWidget(tr("Service log"), this);
    logDock->setObjectName(QStringLiteral("serviceLogDock"));
    logDock->setWidget(m_logPane);
    addDockWidget(Qt::BottomDockWidgetArea, logDock);

    m_statusRun->setObjectName(QStringLiteral("statusRun"));
    m_runAllProgress->setObjectName(QStringLiteral("runAllProgress"));
    m_runAllProgress->setMaximumWidth(220);
    m_runAllProgress->setFormat(tr("check %v of %m"));
    m_runAllProgress->hide();
    m_runAllText->setObjectName(QStringLiteral("runAllText"));
    m_runAllText->hide();
    statusBar()->addPermanentWidget(m_runAllText);
    statusBar()->addPermanentWidget(m_runAllProgress);
    m_runAllTicker->setInterval(1000);
    connect(m_runAllTicker, &QTimer::timeout, this, &MainWindow::updateRunAllText);
    statusBar()->addWidget(m_statusLab, 1);
    statusBar()->addPermanentWidget(m_statusRun);
    statusBar()->addPermanentWidget(m_statusStack);
    createActions();

    m_runsRefresh->setSingleShot(true);
    m_runsRefresh->setInterval(150); // bursts of writes (verdict + result + run end) refresh the lists once
    connect(m_runsRefresh, &QTimer::timeout, this, &MainWindow::refreshRuns);

    connect(m_checkPane, &CheckListPane::checkSelected, this, &MainWindow::showCheck);
    connect(m_editorPane, &LabEditorPane::saved, this, [this](const QString &path) {
        if (loadLab(path))
            statusBar()->showMessage(tr("Saved and reloaded %1").arg(QFileInfo(path).fileName()), 8000);
    });
    connect(m_servicesPane, &ServicesPane::serviceSelected, m_logPane, &ServiceLogPane::showService);
    connect(m_servicesPane, &ServicesPane::actionRequested, this, &MainWindow::onServiceAction);
    connect(m_detailPane, &CheckDetailPane::runStepRequested, this, &MainWindow::runStep);
    connect(m_detailPane, &CheckDetailPane::finishRequested, this, &MainWindow::finishCheck);
    connect(m_detailPane, &CheckDetailPane::promptAnswered, this, [this](bool ok, const QString &note) {
        if (m_run->runner())
            m_run->runner()->answerPrompt(ok, note);
    });
    connect(m_detailPane, &CheckDetailPane::verdictSubmitted, this, &MainWindow::onVerdictSubmitted);
    connect(m_runsPane, &RunsPane::exportRequested, this, [this](const QString &runId) {
        m_runsPane->selectRun(runId);
        exportDialog();
    });
    connect(m_runsPane, &RunsPane::runsChanged, this, &MainWindow::scheduleRunsRefresh);
    connect(m_readinessPane, &ReadinessPane::runRequested, this, [this](const QString &runId, const QString &checkId) {
        m_centreTabs->setCurrentWidget(m_runsPane);
        m_runsPane->selectRun(runId, checkId);
        m_runsPane->openRun(runId, checkId);
    });
    connect(m_run, &RunSession::runStarted, this, [this] {
        updateStatus();
        scheduleRunsRefresh();
    });
    connect(m_run, &RunSession::runEnded, this, [this] {
        updateStatus();
        scheduleRunsRefresh();
    });
    connect(m_run, &RunSession::runStored, this, &MainWindow::scheduleRunsRefresh); // written on the store's own thread

    connect(m_run, &RunSession::stackPrepared, this, &MainWindow::onSessionPrepared);
    connect(m_run->sitting(), &RunSitting::storeFailed, this, [this](const QString &error) {
        // Non-modal: the check goes on; the run will be marked incomplete.
        auto *box = new QMessageBox(QMessageBox::Warning, tr("Evidence not stored"),
                                    tr("The run store refused a write, so this run will be marked incomplete:\n%1").arg(error),
                                    QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        statusBar()->showMessage(tr("Run INCOMPLETE: evidence not stored (%1)").arg(error));
    });
    connect(m_run, &RunSession::stackStateChanged, this, &MainWindow::updateStackActions);
    connect(m_run, &RunSession::checkStarted, this, &MainWindow::presentRunner);
    connect(m_run, &RunSession::checkFinished, this, &MainWindow::onRunnerFinished);
    connect(m_run, &RunSession::queueProgress, this, &MainWindow::onQueueProgress);
    connect(m_run, &RunSession::manualCheckReached, this, &MainWindow::onManualCheckReached);
    connect(m_run, &RunSession::queueFinished, this, [this](bool stopped) {
        m_runAllTicker->stop();
        m_runAllProgress->hide();
        m_runAllText->hide();
        statusBar()->showMessage(stopped ? tr("Run All stopped") : tr("Run All finished: every check has a verdict or waits for one"), 15000);
        updateStackActions();
        scheduleRunsRefresh();
    });
    connect(m_run, &RunSession::resultRecorded, this, [this](const CheckResult &r) {
        m_checkModel->setVerdict(r.checkId, r.verdict); // N/A and DEFERRED recorded by Run All
        if (m_run->isQueueRunning() && r.checkId == m_waitingManual) {
            m_waitingManual.clear();
            m_run->continueQueue(); // the engineer recorded the manual check Run All waited for
        }
    });
    connect(m_loader, &RunLoader::loaded, this, [this](int ticket, const Run &run, const RunChartData &charts, const QString &error) {
        const QString path = m_pendingExports.take(ticket);
        if (path.isEmpty())
            return;
        QString why = error;
        bool ok = error.isEmpty();
        if (ok) {
            const Lab *lab = labOfRun(run, m_lab);
            ok = RunExport::write(run, charts, lab ? readiness() : QList<ReadinessResult>(), lab, path, RunExport::formatOfPath(path), &why);
        }
        statusBar()->showMessage(ok ? tr("Exported %1").arg(QDir::toNativeSeparators(path)) : tr("Export failed: %1").arg(why), 10000);
        Q_EMIT exportFinished(path, ok, why);
    });
    resize(1280, 800);

    openStore();
    updateStatus();
    // After the window shows: a dialog about a crashed console's faults should not precede it.
    QTimer::singleShot(0, this, &MainWindow::offerFaultRollback);
}

StackSession *MainWindow::stackSession() const
{
    return m_run->stack();
}

ScenarioRunner *MainWindow::runner() const
{
    return m_run->runner();
}

RunSitting *MainWindow::sitting() const
{
    return m_run->sitting();
}

MainWindow::~MainWindow()
{
    endSitting();
}

void MainWindow::openStore()
{
    const QString path = m_options.storePath.isEmpty() ? RunStore::defaultPath() : m_options.storePath;
    QString error;
    if (!m_store->open(path, &error)) {
        statusBar()->showMessage(tr("Runs are not stored: cannot open %1: %2").arg(QDir::toNativeSeparators(path), error));
        return;
    }
    m_loader->setStorePath(path);
    const int interrupted = m_store->markInterruptedRuns();
    if (interrupted > 0)
        statusBar()->showMessage(tr("%n run(s) of a console that did not exit cleanly were marked interrupted", nullptr, interrupted), 15000);
    refreshRuns();
}

void MainWindow::offerFaultRollback()
{
    const FaultLedger ledger(m_options.faultLedgerDir.isEmpty() ? FaultLedger::defaultDir() : m_options.faultLedgerDir);
    const QList<FaultLedger::Entry> leftovers = ledger.leftovers();
    if (leftovers.isEmpty())
        return;
    QStringList lines;
    bool compose = false;
    QHash<QString, bool> composeLab;
    for (const FaultLedger::Entry &e : leftovers) {
        if (!composeLab.contains(e.lab)) {
            const LabParser::Result parsed = LabParser::parseFile(e.lab);
            composeLab.insert(e.lab, parsed.ok() && parsed.lab.stack.backend == StackSpec::Backend::Compose);
        }
        compose = compose || composeLab.value(e.lab);
        lines << tr("• %1 %2 — check %3 of %4, %5")
                     .arg(e.action, e.service, e.check, QFileInfo(e.lab).fileName(), e.time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
    }
    QString text = tr("A console that is gone injected these faults and never rolled them back:\n\n%1\n\n").arg(lines.join(QLatin1Char('\n')));
    text += tr("On a 'processes' stack the services were children of that console: they ended with it (and any left "
               "behind were stopped when this console started), so nothing is still broken — the next Start Stack "
               "starts every service afresh. Clearing the record is all that is left to do.");
    if (compose)
        text += tr("\n\nOn a 'compose' stack the containers outlive the console: start or unpause them (docker compose "
                   "start / unpause <service>, or Start Stack) before clearing the record.");
    auto *box = new QMessageBox(QMessageBox::Warning, tr("Faults left by a console that exited abnormally"), text, QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("faultLeftoversDialog"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *clear = box->addButton(tr("Clear the record"), QMessageBox::AcceptRole);
    clear->setObjectName(QStringLiteral("clearLeftovers"));
    box->addButton(tr("Keep for now"), QMessageBox::RejectRole);
    connect(clear, &QPushButton::clicked, this, [this, leftovers] {
        FaultLedger ledger(m_options.faultLedgerDir.isEmpty() ? FaultLedger::defaultDir() : m_options.faultLedgerDir);
        QString error;
        if (ledger.clear(leftovers, &error))
            statusBar()->showMessage(tr("Cleared %n leftover fault(s) from the ledger", nullptr, int(leftovers.size())), 8000);
        else
            showWarning(tr("Cannot clear the fault ledger"), error);
    });
    box->open(); // asynchronous: the window stays usable
}

void MainWindow::createActions()
{
    auto *fileMenu = menuBar()->addMenu(tr("&File"));
    auto *open = fileMenu->addAction(QIcon::fromTheme(QStringLiteral("document-open")), tr("&Open Lab…"));
    open->setObjectName(QStringLiteral("actionOpenLab"));
    open->setShortcut(QKeySequence::Open);
    connect(open, &QAction::triggered, this, &MainWindow::openLabDialog);
    auto *newLab = fileMenu->addAction(QIcon::fromTheme(QStringLiteral("document-new")), tr("&New Lab…"));
    newLab->setObjectName(QStringLiteral("actionNewLab"));
    newLab->setShortcut(QKeySequence::New);
    connect(newLab, &QAction::triggered, this, &MainWindow::newLabDialog);
    m_recentMenu = fileMenu->addMenu(tr("Recent &Labs"));
    m_recentMenu->setObjectName(QStringLiteral("menuRecentLabs"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::fillRecentLabs);
    auto *reload = fileMenu->addAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Reload Lab"));
    reload->setObjectName(QStringLiteral("actionReloadLab"));
    reload->setShortcut(QKeySequence::Refresh);
    connect(reload, &QAction::triggered, this, &MainWindow::reloadLab);
    fileMenu->addSeparator();
    auto *exportAction = fileMenu->addAction(QIcon::fromTheme(QStringLiteral("document-save-as")), tr("&Export…"));
    exportAction->setObjectName(QStringLiteral("actionExport"));
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    exportAction->setToolTip(tr("Export the current or selected run: markdown run log, JSON, JUnit, HTML or PDF with charts"));
    connect(exportAction, &QAction::triggered, this, &MainWindow::exportDialog);
    fileMenu->addSeparator();
    auto *quit = fileMenu->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    auto *stackMenu = menuBar()->addMenu(tr("&Stack"));
    m_startStack = stackMenu->addAction(QIcon::fromTheme(QStringLiteral("media-playback-start")), tr("Start Stack"));
    m_startStack->setObjectName(QStringLiteral("actionStartStack"));
    m_startStack->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_U));
    connect(m_startStack, &QAction::triggered, this, &MainWindow::startStack);
    m_stopStack = stackMenu->addAction(QIcon::fromTheme(QStringLiteral("media-playback-stop")), tr("Stop Stack"));
    m_stopStack->setObjectName(QStringLiteral("actionStopStack"));
    m_stopStack->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_U));
    connect(m_stopStack, &QAction::triggered, this, &MainWindow::stopStack);

    auto *checkMenu = menuBar()->addMenu(tr("&Check"));
    m_runCheck = checkMenu->addAction(QIcon::fromTheme(QStringLiteral("system-run")), tr("Run Check"));
    m_runCheck->setObjectName(QStringLiteral("actionRunCheck"));
    m_runCheck->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    connect(m_runCheck, &QAction::triggered, this, &MainWindow::runSelectedCheck);
    m_abort = checkMenu->addAction(QIcon::fromTheme(QStringLiteral("process-stop")), tr("Abort"));
    m_abort->setObjectName(QStringLiteral("actionAbort"));
    m_abort->setShortcut(QKeySequence(Qt::Key_Escape));
    m_abort->setToolTip(tr("Stop the check and roll back every injected fault (Esc)"));
    connect(m_abort, &QAction::triggered, this, &MainWindow::abortCheck);
    m_runAll = checkMenu->addAction(QIcon::fromTheme(QStringLiteral("media-seek-forward")), tr("Run All (Game Day)"));
    m_runAll->setObjectName(QStringLiteral("actionRunAll"));
    m_runAll->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    m_runAll->setToolTip(tr("Every check in order: automated ones run, manual ones wait for you, N/A and DEFERRED are recorded"));
    connect(m_runAll, &QAction::triggered, this, &MainWindow::runAll);
    checkMenu->addSeparator();
    m_confirmFaults = checkMenu->addAction(tr("Confirm Before Each Fault"));
    m_confirmFaults->setObjectName(QStringLiteral("actionConfirmFaults"));
    m_confirmFaults->setCheckable(true);
    m_confirmFaults->setToolTip(tr("Ask before every kill, stop, pause or restart: for stacks other people use too"));
    m_confirmFaults->setChecked(QSettings().value(QStringLiteral("confirmFaults"), false).toBool());
    connect(m_confirmFaults, &QAction::toggled, this, [](bool on) { QSettings().setValue(QStringLiteral("confirmFaults"), on); });
    auto *operatorAction = checkMenu->addAction(tr("Operator Name…"));
    operatorAction->setObjectName(QStringLiteral("actionOperator"));
    connect(operatorAction, &QAction::triggered, this, [this] {
        askOperator([this](bool) { updateStatus(); });
    });

    auto *helpMenu = menuBar()->addMenu(tr("&Help"));
    auto *metricsHelp = helpMenu->addAction(tr("&Metrics and Shortcuts"));
    metricsHelp->setObjectName(QStringLiteral("actionHelpMetrics"));
    metricsHelp->setShortcut(QKeySequence::HelpContents);
    connect(metricsHelp, &QAction::triggered, this, &MainWindow::showMetricsHelp);
    auto *about = helpMenu->addAction(tr("&About HA Lab Console"));
    connect(about, &QAction::triggered, this, [this] {
        auto *box = new QMessageBox(QMessageBox::Information, tr("About HA Lab Console"),
                                    tr("<h3>HA Lab Console %1</h3><p>Prove that a replicated service stack survives "
                                       "failures: manual checks with evidence, live failover measurements, run logs.</p>")
                                        .arg(QApplication::applicationVersion()),
                                    QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });

    auto *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(open);
    toolbar->addAction(reload);
    toolbar->addSeparator();
    toolbar->addAction(m_startStack);
    toolbar->addAction(m_stopStack);
    toolbar->addSeparator();
    toolbar->addAction(m_runCheck);
    toolbar->addAction(m_runAll);
    toolbar->addAction(m_abort);
    if (QWidget *abortButton = toolbar->widgetForAction(m_abort)) {
        abortButton->setObjectName(QStringLiteral("abortButton"));
        abortButton->setStyleSheet(QStringLiteral("QToolButton:enabled { background:#c62828; color:white; font-weight:bold; border-radius:3px; padding:2px 8px; }"));
    }
    toolbar->addSeparator();
    toolbar->addAction(exportAction);
    auto *secrets = toolbar->addAction(QIcon::fromTheme(QStringLiteral("dialog-password")), tr("Secrets…"));
    secrets->setObjectName(QStringLiteral("secretsAction"));
    connect(secrets, &QAction::triggered, this, [this] {
        auto *dialog = new SecretsDialog(m_lab, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    m_liveMetricsTimer->setInterval(1000);
    connect(m_liveMetricsTimer, &QTimer::timeout, this, [this] {
        if (m_run->isCheckRunning()) {
            const CheckMetrics::Summary live = m_run->runner()->metrics().summarize();
            m_livePane->setMetrics(live.values, live.intervals, {}); // the interval while running too
        }
    });
    updateStackActions();
}

void MainWindow::showWarning(const QString &title, const QString &text)
{
    auto *box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open(); // never a nested event loop: probes and charts keep running
}

// --- Preparing a run -------------------------------------------------------------------------

void MainWindow::ensureSession(const std::function<void(bool)> &done)
{
    m_run->prepareStack(done);
}

void MainWindow::onSessionPrepared(bool ok, const QString &error, const QString &warning)
{
    if (!ok) {
        showWarning(tr("Cannot use the lab's stack"), error);
        updateStackActions();
        return;
    }
    if (!warning.isEmpty())
        statusBar()->showMessage(warning, 15000);
    // A new backend each time the session prepares one: the window presents it.
    StackBackend *backend = m_run->stack()->backend();
    connect(backend, &StackBackend::statusesChanged, m_serviceModel, &ServiceModel::setStatuses);
    connect(backend, &StackBackend::logLines, this, [this](const QList<LogLine> &lines) {
        // Service logs can echo a secret: redact before anything shows or keeps them.
        const SecretRedactor redactor = m_run->stack()->redactor();
        QList<LogLine> clean = lines;
        for (LogLine &l : clean)
            l.text = redactor.redact(l.text);
        m_logPane->appendLines(clean);
    });
    connect(backend, &StackBackend::upFinished, this, &MainWindow::onUpFinished);
    connect(backend, &StackBackend::downFinished, this, &MainWindow::onDownFinished);
    connect(backend, &StackBackend::actionFinished, this, &MainWindow::onActionFinished);
    updateStackActions();
}

void MainWindow::askOperator(const std::function<void(bool)> &done)
{
    auto *dialog = new QInputDialog(this);
    dialog->setObjectName(QStringLiteral("operatorDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Who runs the checks?"));
    dialog->setLabelText(tr("Your name, as the run log records it (asked once, remembered):"));
    const QString known = ConsoleSettings::operatorName();
    dialog->setTextValue(known.isEmpty() ? qEnvironmentVariable("USER") : known);
    connect(dialog, &QInputDialog::textValueSelected, this, [done](const QString &name) {
        if (name.trimmed().isEmpty()) {
            done(false);
            return;
        }
        ConsoleSettings::setOperatorName(name.trimmed());
        done(true);
    });
    connect(dialog, &QDialog::rejected, this, [done] { done(false); });
    dialog->open();
}

void MainWindow::prepareRun(bool needSession, const std::function<void()> &then)
{
    if (m_preparing)
        return;
    if (m_run->stackIsOfAnotherLab()) {
        showWarning(tr("Another lab's stack is running"), tr("Stop the stack of the lab opened before, then run this lab's checks."));
        return;
    }
    m_preparing = true;
    const auto finish = [this] {
        m_preparing = false;
        m_detailPane->setBusy(false);
        updateStackActions();
    };
    const auto createRun = [this, finish, then] {
        m_detailPane->setBusy(true, tr("Preparing the run: asking each service for its version…"));
        m_run->ensureRun(ConsoleSettings::operatorName(), [this, finish, then](RunSitting::Outcome outcome) {
            finish();
            updateStatus();
            if (outcome == RunSitting::Outcome::Cancelled)
                return; // the lab changed or the window closes
            if (outcome == RunSitting::Outcome::NotRecorded)
                statusBar()->showMessage(tr("This check is NOT being recorded: %1").arg(m_run->sitting()->lastError()), 15000);
            then();
        });
    };
    const auto withOperator = [this, finish, createRun] {
        if (!ConsoleSettings::operatorName().isEmpty()) {
            createRun();
            return;
        }
        m_detailPane->setBusy(true, tr("Preparing the run: who runs it?"));
        askOperator([this, finish, createRun](bool ok) {
            if (!ok) {
                finish();
                statusBar()->showMessage(tr("A run records who ran it: nothing was started"), 10000);
                return;
            }
            createRun();
        });
    };
    if (!needSession) {
        withOperator();
        return;
    }
    m_detailPane->setBusy(true, tr("Preparing the run: loading the lab's secrets…"));
    explainKeyring();
    ensureSession([finish, withOperator](bool ok) {
        if (!ok) {
            finish();
            return;
        }
        withOperator();
    });
}

void MainWindow::startRunner(const CheckSpec &check, bool manual)
{
    RunSession::CheckOptions options;
    options.manual = manual;
    options.confirmFaults = m_confirmFaults->isChecked();
    options.faultLedgerDir = m_options.faultLedgerDir;
    m_livePane->beginCheck(check.title);
    m_run->startCheck(check, options); // checkStarted() → presentRunner
    updateStackActions();
    updateStatus();
}

void MainWindow::presentRunner(ScenarioRunner *runner, const QString &checkId)
{
    const bool manual = m_run->isManualCheck();
    connect(runner, &ScenarioRunner::faultConfirmationRequested, this, [this](int index, const QString &service, const QString &action) {
        auto *box = new QMessageBox(QMessageBox::Warning, tr("Step %1: apply a fault?").arg(index + 1),
                                    tr("<b>%1 %2</b> on the stack now?").arg(action.toHtmlEscaped(), service.toHtmlEscaped()),
                                    QMessageBox::Yes | QMessageBox::No, this);
        box->setObjectName(QStringLiteral("faultConfirmation"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->setInformativeText(tr("No skips it and fails the step; Abort (Esc) stops the check."));
        connect(box, &QMessageBox::finished, this, [this](int result) {
            if (m_run->runner())
                m_run->runner()->confirmFault(result == QMessageBox::Yes);
        });
        box->open(); // asynchronous: probes keep measuring while the operator decides
    });
    connect(runner, &ScenarioRunner::samplesArrived, m_livePane, &LivePane::addSamples);
    connect(runner, &ScenarioRunner::eventOccurred, m_livePane, &LivePane::addEvent);
    connect(runner, &ScenarioRunner::roleSamplesArrived, m_livePane, &LivePane::addRoleRounds);
    connect(runner, &ScenarioRunner::failoverMeasured, m_livePane, &LivePane::addFailover);
    connect(runner, &ScenarioRunner::stepStarted, this, [this, id = checkId](int index) { m_detailPane->stepStarted(id, index); });
    connect(runner, &ScenarioRunner::stepFinished, this, [this, id = checkId](const StepOutcome &o) {
        m_detailPane->stepFinished(id, o);
        statusBar()->showMessage(tr("step %1: %2").arg(o.index + 1).arg(o.summary), 8000);
    });
    connect(runner, &ScenarioRunner::promptRequested, this, [this, id = checkId](int index, const QString &text) {
        if (m_run->isManualCheck()) {
            m_detailPane->promptRequested(id, index, text); // answered inline in the Check tab
            m_centreTabs->setCurrentWidget(m_detailPane);
            return;
        }
        auto *box = new QMessageBox(QMessageBox::Question, tr("Step %1").arg(index + 1), text, QMessageBox::Yes | QMessageBox::No, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->setInformativeText(tr("Does it hold?"));
        connect(box, &QMessageBox::finished, this, [this](int result) {
            if (m_run->runner())
                m_run->runner()->answerPrompt(result == QMessageBox::Yes, {});
        });
        box->open(); // window-modal and asynchronous: probes and charts keep running
    });
    m_detailPane->setSession(checkId, manual ? CheckDetailPane::Session::Manual : CheckDetailPane::Session::Automated);
    m_checkModel->setVerdict(checkId, Verdict::Running);
    m_liveMetricsTimer->start();
}

void MainWindow::onRunnerFinished(const CheckResult &r, bool manual)
{
    const QString id = r.checkId;
    m_liveMetricsTimer->stop();
    m_checkModel->setVerdict(id, r.verdict);
    const CheckSpec *spec = m_lab.check(id);
    m_livePane->setMetrics(r.metrics, r.intervals, VerdictText::toString(r.verdict));
    m_livePane->setExplanation(VerdictExplanation::of(r, spec), r.metrics);
    m_detailPane->checkFinished(r);
    if (!manual)
        m_detailPane->verdictRecorded(id, r.verdict, r.note, {}); // the recorder stored the runner's verdict
    statusBar()->showMessage(tr("%1: %2 %3").arg(id, VerdictText::toString(r.verdict), r.note), 15000);
    updateStackActions();
    updateStatus();
    scheduleRunsRefresh();
    Q_EMIT checkFinished(id, int(r.verdict));
}

// --- Checks ----------------------------------------------------------------------------------

void MainWindow::runSelectedCheck()
{
    const QString id = m_checkPane->currentCheckId();
    const CheckSpec *check = m_lab.check(id);
    if (!check || m_run->isCheckRunning() || m_preparing)
        return;
    if (!m_run->isStackUp()) {
        auto *box = new QMessageBox(QMessageBox::Information, tr("Start the stack first"),
                                    tr("The check runs against the lab's stack: press <b>Start Stack</b> and run it again."), QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
        return;
    }
    prepareRun(true, [this, id] {
        const CheckSpec *check = m_lab.check(id);
        if (!check || m_run->isCheckRunning())
            return;
        startRunner(*check, false);
        m_centreTabs->setCurrentWidget(m_livePane);
    });
}

void MainWindow::runAll()
{
    if (m_run->isCheckRunning() || m_run->isQueueRunning() || m_preparing || !m_run->isStackUp())
        return;
    prepareRun(true, [this] {
        QStringList ids;
        for (const CheckSpec &c : std::as_const(m_lab.checks))
            ids << c.id;
        RunSession::CheckOptions options;
        options.confirmFaults = m_confirmFaults->isChecked();
        options.faultLedgerDir = m_options.faultLedgerDir;
        m_runAllClock.start();
        m_runAllProgress->setRange(0, int(ids.size()));
        m_runAllProgress->setValue(0);
        m_runAllProgress->show();
        m_runAllText->show();
        m_runAllTicker->start();
        m_centreTabs->setCurrentWidget(m_livePane);
        m_run->startQueue(ids, options);
        updateStackActions();
    });
}

void MainWindow::onQueueProgress(int index, int total, const QString &checkId)
{
    m_runAllProgress->setRange(0, total);
    m_runAllProgress->setValue(index);
    m_runAllCheck = checkId;
    if (!checkId.isEmpty()) {
        if (const CheckSpec *check = m_lab.check(checkId))
            m_livePane->beginCheck(check->title);
        selectCheck(checkId);
    }
    updateRunAllText();
}

void MainWindow::updateRunAllText()
{
    const int done = m_runAllProgress->value();
    const int total = m_runAllProgress->maximum();
    const qint64 elapsed = m_runAllClock.isValid() ? m_runAllClock.elapsed() : 0;
    const auto mmss = [](qint64 ms) { return QStringLiteral("%1:%2").arg(ms / 60000).arg((ms / 1000) % 60, 2, 10, QLatin1Char('0')); };
    // The average so far times what is left: rough, and said to be.
    const QString left = done > 0 ? tr(" · ~%1 left").arg(mmss(elapsed / done * (total - done))) : QString();
    m_runAllText->setText(tr("Run All: %1 · %2 elapsed%3").arg(m_runAllCheck.isEmpty() ? tr("done") : m_runAllCheck, mmss(elapsed), left));
}

void MainWindow::onManualCheckReached(const QString &checkId)
{
    const CheckSpec *check = m_lab.check(checkId);
    selectCheck(checkId);
    m_centreTabs->setCurrentWidget(m_detailPane);
    auto *box = new QMessageBox(QMessageBox::Question, tr("Run All: check %1 needs you").arg(checkId),
                                tr("<b>%1</b> is %2: work it in the Check tab and record its verdict; Run All goes on after that.")
                                    .arg((check ? check->title : checkId).toHtmlEscaped(), check ? CheckSpec::modeText(check->mode) : QString()),
                                QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("runAllManualPrompt"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *now = box->addButton(tr("Do It Now"), QMessageBox::AcceptRole);
    now->setObjectName(QStringLiteral("runAllDoIt"));
    QPushButton *skip = box->addButton(tr("Skip"), QMessageBox::RejectRole);
    skip->setObjectName(QStringLiteral("runAllSkip"));
    QPushButton *stop = box->addButton(tr("Stop Run All"), QMessageBox::DestructiveRole);
    stop->setObjectName(QStringLiteral("runAllStop"));
    connect(now, &QPushButton::clicked, this, [this, checkId] { m_waitingManual = checkId; });
    connect(skip, &QPushButton::clicked, m_run, &RunSession::continueQueue);
    connect(stop, &QPushButton::clicked, m_run, &RunSession::stopQueue);
    box->open(); // asynchronous: the window stays usable
}

void MainWindow::showMetricsHelp()
{
    auto *box = new QMessageBox(QMessageBox::Information, tr("Metrics and shortcuts"), QString(), QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("metricsHelp"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextFormat(Qt::RichText);
    box->setText(tr("<h3>Metrics</h3><table cellpadding='2'>"
                    "<tr><td><b>availability_pct</b></td><td>ok samples / all samples of a probe, in %</td></tr>"
                    "<tr><td><b>longest_outage_ms</b></td><td>the longest run of failed samples</td></tr>"
                    "<tr><td><b>failover_ms</b></td><td>a fault on the leader → a different member holds the leader role</td></tr>"
                    "<tr><td><b>detection_ms / recovery_ms</b></td><td>fault → first failed sample; fault → first ok sample after it</td></tr>"
                    "<tr><td><b>latency_p50_ms / _p99_ms</b></td><td>latency percentiles of the ok samples</td></tr>"
                    "<tr><td><b>probes_ok / probes_total</b></td><td>the counts behind availability</td></tr>"
                    "<tr><td><b>log_count</b>, <b>lost_records</b>, …</td><td>from log scans and saved step values</td></tr>"
                    "</table><p>A metric prefixed with a probe id (<b>lb.</b>availability_pct) is that probe's. Timings "
                    "carry the interval that holds the truth. Only metrics an <i>expect</i> line bounds decide a "
                    "verdict; the others are shown greyed as <i>not judged</i>.</p>"
                    "<h3>Shortcuts</h3><table cellpadding='2'>"
                    "<tr><td>Ctrl+O</td><td>Open lab</td></tr><tr><td>F5</td><td>Reload lab</td></tr>"
                    "<tr><td>Ctrl+U / Ctrl+Shift+U</td><td>Start / stop stack</td></tr>"
                    "<tr><td>Ctrl+R</td><td>Run check</td></tr><tr><td>Ctrl+Shift+R</td><td>Run All (game day)</td></tr>"
                    "<tr><td>Esc</td><td>Abort: stop the check, roll back every fault</td></tr>"
                    "<tr><td>Ctrl+E</td><td>Export</td></tr>"
                    "<tr><td>Chart</td><td>wheel: zoom time · drag: pan · double-click: reset · hover: values</td></tr></table>"));
    box->open();
}

bool MainWindow::newLab(const QString &path)
{
    // The minimal lab of docs/lab-format.md: one service, one automated check, ready to edit.
    static const char *const templateText =
        "# A new lab: edit it in the Lab tab; Save reloads it. Reference: docs/lab-format.md\n"
        "halab: 1\n"
        "name: New lab\n"
        "variables:\n"
        "  PORT: \"18090\"\n"
        "endpoints:\n"
        "  web: http://127.0.0.1:${PORT}\n"
        "stack:\n"
        "  backend: processes\n"
        "  services:\n"
        "    web:\n"
        "      command: [python3, -m, http.server, \"${PORT}\", --bind, 127.0.0.1]\n"
        "      ready: { http: \"${web}/\", every: 100ms, timeout: 10s }\n"
        "checks:\n"
        "  - id: up\n"
        "    title: The web server answers\n"
        "    mode: automated\n"
        "    probes:\n"
        "      - { id: web, http: \"${web}/\", every: 100ms }\n"
        "    steps:\n"
        "      - http: \"${web}/\"\n"
        "        expect_status: 200\n"
        "      - wait: 2s\n"
        "    expect:\n"
        "      - web.availability_pct >= 99\n";
    QSaveFile file(path);
    const QByteArray data(templateText);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        showWarning(tr("Cannot create the lab"), file.errorString());
        return false;
    }
    if (!loadLab(path))
        return false;
    m_centreTabs->setCurrentWidget(m_editorPane);
    return true;
}

void MainWindow::newLabDialog()
{
    auto *dialog = new QFileDialog(this, tr("New Lab"), m_labPath.isEmpty() ? QString() : QFileInfo(m_labPath).absolutePath(),
                                   tr("Lab files (*.halab.yaml)"));
    dialog->setObjectName(QStringLiteral("newLabDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->selectFile(QStringLiteral("new.halab.yaml"));
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        newLab(path.endsWith(QLatin1String(".yaml")) ? path : path + QStringLiteral(".halab.yaml"));
    });
    dialog->open();
}

void MainWindow::explainKeyring()
{
    if (m_run->isStackPrepared() || m_lab.secrets.isEmpty())
        return;
    bool allFromEnvironment = true;
    for (const SecretSpec &s : std::as_const(m_lab.secrets))
        allFromEnvironment = allFromEnvironment && !qEnvironmentVariableIsEmpty(QByteArray(QByteArray("HALAB_SECRET_") + s.name.toUtf8()).constData());
    if (allFromEnvironment)
        return;
    // Said before it happens: the desktop's prompt is otherwise a surprise with no context.
    statusBar()->showMessage(tr("The lab's %n secret(s) live in your desktop keyring: it may now ask you to create or unlock it "
                                "(once per login). Secrets → shows them; HALAB_SECRET_<NAME> variables skip the keyring.",
                                nullptr, int(m_lab.secrets.size())),
                             20000);
}

void MainWindow::fillRecentLabs()
{
    m_recentMenu->clear();
    const QStringList labs = ConsoleSettings::recentLabs();
    for (const QString &path : labs) {
        QAction *open = m_recentMenu->addAction(QFileInfo(path).fileName());
        open->setToolTip(path);
        open->setStatusTip(path);
        connect(open, &QAction::triggered, this, [this, path] { loadLab(path); });
    }
    if (labs.isEmpty())
        m_recentMenu->addAction(tr("(none yet)"))->setEnabled(false);
}

void MainWindow::runStep(const QString &checkId, int index)
{
    if (ScenarioRunner *runner = m_run->isCheckRunning() ? m_run->runner() : nullptr) {
        if (runner->isManual() && m_run->runningCheckId() == checkId && !runner->isStepRunning())
            runner->runStep(index);
        return; // another check is in progress: the Check pane says so
    }
    const CheckSpec *check = m_lab.check(checkId);
    if (!check || index < 0 || index >= check->steps.size() || m_preparing)
        return;
    prepareRun(true, [this, checkId, index] {
        const CheckSpec *check = m_lab.check(checkId);
        if (!check || m_run->isCheckRunning())
            return;
        startRunner(*check, true);
        if (m_run->runner())
            m_run->runner()->runStep(index);
    });
}

void MainWindow::finishCheck()
{
    if (m_run->isCheckRunning() && m_run->runner()->isManual())
        m_run->runner()->finishManual();
}

void MainWindow::abortCheck()
{
    m_run->abortCheck();
}

void MainWindow::onVerdictSubmitted(const QString &checkId, Verdict verdict, const QString &note, const QString &overrideReason)
{
    const CheckSpec *check = m_lab.check(checkId);
    if (!check || (m_run->isCheckRunning() && m_run->runningCheckId() == checkId))
        return;
    // A verdict given without running anything (N/A, DEFERRED, checked elsewhere) needs no secrets.
    prepareRun(false, [this, checkId, verdict, note, overrideReason] {
        if (!m_lab.check(checkId))
            return;
        const CheckResult r = m_run->recordVerdict(checkId, verdict, note, overrideReason);
        m_checkModel->setVerdict(checkId, verdict);
        m_detailPane->verdictRecorded(checkId, verdict, r.note, overrideReason);
        statusBar()->showMessage(tr("%1: recorded %2").arg(checkId, VerdictText::toString(verdict)), 8000);
        scheduleRunsRefresh();
        Q_EMIT verdictRecorded(checkId, int(verdict));
    });
}

void MainWindow::selectCheck(const QString &checkId)
{
    m_checkPane->selectCheck(checkId);
}

// --- Stack -----------------------------------------------------------------------------------

void MainWindow::startStack()
{
    if (m_run->isStackBusy() || m_run->isStackUp())
        return;
    m_statusStack->setText(tr("stack: loading secrets…"));
    explainKeyring();
    m_run->startStack();
    if (m_run->isStackBusy() && m_run->isStackPrepared())
        m_statusStack->setText(tr("stack: starting…"));
    updateStackActions();
}

void MainWindow::stopStack()
{
    if (!m_run->isStackPrepared() || m_run->isStackBusy())
        return;
    m_statusStack->setText(tr("stack: stopping…"));
    m_run->stopStack();
    updateStackActions();
}

void MainWindow::onUpFinished(bool ok, const QString &error)
{
    m_statusStack->setText(ok ? tr("stack: up") : tr("stack: failed to start"));
    if (!ok)
        showStackFailure(error);
    updateStackActions();
}

void MainWindow::showStackFailure(const QString &error)
{
    // The failure in full (service, what it waited for, its last lines) and the lab's reset, if it has one.
    const StackSession *session = m_run->stack();
    auto *dialog = new StackFailureDialog(error, session ? &session->context() : nullptr,
                                          session ? session->redactor() : SecretRedactor(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &StackFailureDialog::resetFinished, this, [this](bool ok, const QString &summary) {
        statusBar()->showMessage(ok ? tr("Reset done: %1").arg(summary) : tr("Reset failed: %1").arg(summary), 15000);
    });
    connect(dialog, &StackFailureDialog::startAgainRequested, this, &MainWindow::startStack);
    dialog->open(); // never a nested event loop
}

void MainWindow::onDownFinished()
{
    m_statusStack->setText(tr("stack: down"));
    updateStackActions();
}

void MainWindow::onServiceAction(const QString &service, const QString &action)
{
    if (!m_run->isStackPrepared())
        return;
    StackBackend *b = m_run->stack()->backend();
    if (action == QLatin1String("start"))
        b->start(service);
    else if (action == QLatin1String("stop"))
        b->stop(service);
    else if (action == QLatin1String("kill"))
        b->kill(service);
    else if (action == QLatin1String("pause"))
        b->pause(service);
    else if (action == QLatin1String("resume"))
        b->resume(service);
    else if (action == QLatin1String("restart"))
        b->restart(service, {});
    statusBar()->showMessage(tr("%1 %2…").arg(action, service), 3000);
}

void MainWindow::onActionFinished(const QString &service, const QString &action, bool ok, const QString &error)
{
    statusBar()->showMessage(ok ? tr("%1 %2: done").arg(action, service) : tr("%1 %2 failed: %3").arg(action, service, error), 5000);
}

void MainWindow::updateStackActions()
{
    const bool up = m_run->isStackUp();
    const bool busy = m_run->isStackBusy();
    if (busy && m_run->isStackPrepared() && !up && m_statusStack->text() == tr("stack: loading secrets…"))
        m_statusStack->setText(tr("stack: starting…"));
    if (!busy && !up && m_statusStack->text() == tr("stack: loading secrets…"))
        m_statusStack->setText(tr("stack: cannot start"));
    m_startStack->setEnabled(!busy && !up && !m_lab.name.isEmpty());
    m_stopStack->setEnabled(!busy && m_run->isStackPrepared());
    m_servicesPane->setActionsEnabled(m_run->isStackPrepared());
    const bool running = m_run->isCheckRunning();
    if (m_runCheck) {
        m_runCheck->setEnabled(up && !running && !busy && !m_preparing && !m_run->isQueueRunning());
        m_runAll->setEnabled(up && !running && !busy && !m_preparing && !m_run->isQueueRunning());
        m_abort->setEnabled(running);
    }
}

// --- Lab -------------------------------------------------------------------------------------

bool MainWindow::loadLab(const QString &path)
{
    if (m_run->isCheckRunning()) {
        showWarning(tr("A check is running"), tr("Finish or abort check %1 before opening another lab.").arg(m_run->runningCheckId()));
        return false;
    }
    if (m_preparing) {
        showWarning(tr("A check is about to start"), tr("Let it start (or answer its question) before opening another lab."));
        return false;
    }
    const LabParser::Result result = LabParser::parseFile(path);
    if (!result.ok()) {
        // Keep the lab that was open: a typo in another file must not cost the current session.
        m_problemsPane->setProblems(path, result.errors);
        if (m_editorPane->filePath() != path)
            m_editorPane->openFile(path); // fix it in the Lab tab, Save reloads
        m_centre->setCurrentWidget(m_problemsPane);
        statusBar()->showMessage(tr("%1: %n problem(s), not loaded", nullptr, int(result.errors.size())).arg(QFileInfo(path).fileName()));
        if (m_labPath.isEmpty())
            m_labPath = path; // so Reload retries the broken file
        return false;
    }
    // Another lab file is another sitting: the session ends its run. Reloading the same file keeps it.
    if (result.lab.filePath != m_lab.filePath)
        m_detailPane->clearAll();
    const StackSession *before = m_run->stack();
    m_run->setLab(result.lab);
    if (before && !m_run->stack())
        m_logPane->clear(); // the previous lab's stopped stack is gone
    m_lab = result.lab;
    m_labPath = path;
    m_checkModel->setLab(m_lab, m_run->context());
    m_serviceModel->setStack(m_lab.stack);
    m_problemsPane->setProblems(path, {});
    m_centre->setCurrentWidget(m_centreTabs);
    m_runsPane->setLab(m_lab);
    ConsoleSettings::setLastLab(QFileInfo(path).absoluteFilePath());
    ConsoleSettings::addRecentLab(QFileInfo(path).absoluteFilePath());
    if (m_editorPane->filePath() != path || !m_editorPane->isModified())
        m_editorPane->openFile(path);
    setWindowTitle(tr("%1 — HA Lab Console").arg(elidedName(m_lab.name)));
    if (!m_lab.checks.isEmpty())
        m_checkPane->selectCheck(m_lab.checks.first().id);
    updateStatus();
    updateStackActions();
    refreshRuns();
    return true;
}

int MainWindow::shownProblemCount() const
{
    return m_centre->currentWidget() == m_problemsPane ? m_problemsPane->problemCount() : 0;
}

void MainWindow::openLabDialog()
{
    auto *dialog = new QFileDialog(this, tr("Open Lab"), m_labPath.isEmpty() ? QString() : QFileInfo(m_labPath).absolutePath(),
                                   tr("Lab files (*.halab.yaml *.yaml *.yml);;All files (*)"));
    dialog->setObjectName(QStringLiteral("openLabDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) { loadLab(path); });
    dialog->open();
}

void MainWindow::reloadLab()
{
    if (!m_labPath.isEmpty())
        loadLab(m_labPath);
}

void MainWindow::showCheck(const QString &checkId)
{
    const CheckSpec *check = m_lab.check(checkId);
    m_detailPane->showCheck(check, check ? m_run->applicability(*check).applies() : true);
    m_centre->setCurrentWidget(m_centreTabs);
}

void MainWindow::updateStatus()
{
    m_statusLab->setFullText(tr("Lab: %1 (%2) · %3 checks · %4 services · stack: %5")
                             .arg(elidedName(m_lab.name), QFileInfo(m_labPath).fileName())
                             .arg(m_lab.checks.size())
                             .arg(m_lab.stack.services.size())
                             .arg(m_lab.stack.backend == StackSpec::Backend::Compose ? tr("compose") : tr("processes")));
    const RunSitting *sitting = m_run->sitting();
    const QString who = sitting->hasRun() ? sitting->operatorName() : ConsoleSettings::operatorName();
    QString run = sitting->hasRun() ? tr("run %1").arg(sitting->runId().left(8)) : tr("no run yet");
    if (!m_store->isOpen())
        run = tr("runs not stored");
    m_statusRun->setText(tr("%1 · operator: %2").arg(run, who.isEmpty() ? tr("(asked at the first check)") : who));
}

// --- Runs, readiness, export -----------------------------------------------------------------

QString MainWindow::currentRunId() const
{
    return m_run->sitting()->runId();
}

void MainWindow::scheduleRunsRefresh()
{
    if (!m_runsRefresh->isActive())
        m_runsRefresh->start();
}

QList<ReadinessResult> MainWindow::readiness() const
{
    if (!m_store->isOpen() || m_lab.name.isEmpty())
        return {};
    RunStore::Filter filter;
    filter.lab = m_lab.filePath.isEmpty() ? m_lab.name : m_lab.filePath; // as `halab-cli readiness` judges it
    return ReadinessEvaluator::evaluate(m_lab, m_store->runs(filter), QDateTime::currentDateTimeUtc());
}

void MainWindow::refreshRuns()
{
    if (!m_store->isOpen())
        return;
    m_runsPane->refresh();
    m_readinessPane->showResults(elidedName(m_lab.name), readiness());
}

QString MainWindow::exportCandidate() const
{
    // What the engineer looks at: the run selected in the Runs tab, else this sitting's, else the latest.
    if (m_centreTabs->currentWidget() == m_runsPane) {
        if (!m_runsPane->selectedRunId().isEmpty())
            return m_runsPane->selectedRunId();
        if (!m_runsPane->shownRunId().isEmpty())
            return m_runsPane->shownRunId();
    }
    if (m_run->sitting()->hasRun())
        return m_run->sitting()->runId();
    if (!m_runsPane->selectedRunId().isEmpty())
        return m_runsPane->selectedRunId();
    const QList<Run> runs = m_store->isOpen() ? m_store->runs() : QList<Run>();
    return runs.isEmpty() ? QString() : runs.first().id;
}

void MainWindow::exportDialog()
{
    const QString runId = exportCandidate();
    if (runId.isEmpty()) {
        showWarning(tr("Nothing to export yet"), tr("No run is stored yet: run a check (by hand or automated) first."));
        return;
    }
    QString stamp = runId.left(8);
    for (const Run &r : m_runsPane->model()->runs())
        if (r.id == runId)
            stamp = r.started.toLocalTime().toString(QStringLiteral("yyyyMMdd-HHmm"));
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    auto *dialog = new QFileDialog(this, tr("Export Run"), dir);
    dialog->setObjectName(QStringLiteral("exportDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setNameFilters(RunExport::nameFilters());
    dialog->setDefaultSuffix(QStringLiteral("md"));
    dialog->selectFile(QStringLiteral("halab-run-%1.md").arg(stamp));
    connect(dialog, &QFileDialog::filterSelected, dialog, [dialog](const QString &filter) {
        const QString suffix = RunExport::suffix(RunExport::formatOfFilter(filter));
        dialog->setDefaultSuffix(suffix);
        const QStringList files = dialog->selectedFiles();
        if (!files.isEmpty())
            dialog->selectFile(QFileInfo(files.first()).completeBaseName() + QLatin1Char('.') + suffix);
    });
    connect(dialog, &QFileDialog::fileSelected, this, [this, dialog, runId](const QString &path) {
        // The chosen filter decides the format; make the suffix say the same.
        const QString suffix = RunExport::suffix(RunExport::formatOfFilter(dialog->selectedNameFilter()));
        const QString target = QFileInfo(path).suffix().compare(suffix, Qt::CaseInsensitive) == 0 ? path : path + QLatin1Char('.') + suffix;
        exportRun(runId, target);
    });
    dialog->open();
}

void MainWindow::exportRun(const QString &runId, const QString &path)
{
    if (!m_store->isOpen()) {
        Q_EMIT exportFinished(path, false, tr("the run store is not open"));
        return;
    }
    statusBar()->showMessage(tr("Exporting to %1…").arg(QDir::toNativeSeparators(path)));
    m_pendingExports.insert(m_loader->load(runId, RunLoader::Detail::ChartsAndLogs), path);
}

// --- Closing ---------------------------------------------------------------------------------

void MainWindow::endSitting()
{
    m_run->endSitting(Run::State::Finished); // aborts a running check first: its faults roll back
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    endSitting();
    event->accept();
}
