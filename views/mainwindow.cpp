#include "mainwindow.h"

#include "checkdetailpane.h"
#include "checklistmodel.h"
#include "checklistpane.h"
#include "labparser.h"
#include "labproblemspane.h"
#include "livepane.h"
#include "scenariorunner.h"
#include "servicemodel.h"
#include "secretsdialog.h"
#include "servicelogpane.h"
#include "servicespane.h"
#include "stacksession.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QIcon>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_checkModel(new CheckListModel(this))
    , m_serviceModel(new ServiceModel(this))
    , m_checkPane(new CheckListPane(m_checkModel, this))
    , m_servicesPane(new ServicesPane(m_serviceModel, this))
    , m_detailPane(new CheckDetailPane(this))
    , m_problemsPane(new LabProblemsPane(this))
    , m_centreTabs(new QTabWidget(this))
    , m_centre(new QStackedWidget(this))
    , m_statusLab(new QLabel(this))
    , m_statusStack(new QLabel(this))
    , m_logPane(new ServiceLogPane(this))
    , m_livePane(new LivePane(this))
    , m_liveMetricsTimer(new QTimer(this))
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
    m_centre->addWidget(m_centreTabs);
    m_centre->addWidget(m_problemsPane);

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(sidebar);
    split->addWidget(m_centre);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    setCentralWidget(split);

    auto *logDock = new QDockWidget(tr("Service log"), this);
    logDock->setObjectName(QStringLiteral("serviceLogDock"));
    logDock->setWidget(m_logPane);
    addDockWidget(Qt::BottomDockWidgetArea, logDock);

    statusBar()->addWidget(m_statusLab, 1);
    statusBar()->addPermanentWidget(m_statusStack);
    createActions();

    connect(m_checkPane, &CheckListPane::checkSelected, this, &MainWindow::showCheck);
    connect(m_servicesPane, &ServicesPane::serviceSelected, m_logPane, &ServiceLogPane::showService);
    connect(m_servicesPane, &ServicesPane::actionRequested, this, &MainWindow::onServiceAction);
    resize(1280, 800);
}

void MainWindow::createActions()
{
    auto *fileMenu = menuBar()->addMenu(tr("&File"));
    auto *open = fileMenu->addAction(QIcon::fromTheme(QStringLiteral("document-open")), tr("&Open Lab…"));
    open->setObjectName(QStringLiteral("actionOpenLab"));
    open->setShortcut(QKeySequence::Open);
    connect(open, &QAction::triggered, this, &MainWindow::openLabDialog);
    auto *reload = fileMenu->addAction(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("&Reload Lab"));
    reload->setObjectName(QStringLiteral("actionReloadLab"));
    reload->setShortcut(QKeySequence::Refresh);
    connect(reload, &QAction::triggered, this, &MainWindow::reloadLab);
    fileMenu->addSeparator();
    auto *quit = fileMenu->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    auto *helpMenu = menuBar()->addMenu(tr("&Help"));
    auto *about = helpMenu->addAction(tr("&About HA Lab Console"));
    connect(about, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About HA Lab Console"),
                           tr("<h3>HA Lab Console %1</h3><p>Prove that a replicated service stack survives "
                              "failures: manual checks with evidence, live failover measurements, run logs.</p>")
                               .arg(QApplication::applicationVersion()));
    });

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

    auto *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(open);
    toolbar->addAction(reload);
    toolbar->addSeparator();
    toolbar->addAction(m_startStack);
    toolbar->addAction(m_stopStack);
    toolbar->addSeparator();
    auto *secrets = toolbar->addAction(QIcon::fromTheme(QStringLiteral("dialog-password")), tr("Secrets…"));
    secrets->setObjectName(QStringLiteral("secretsAction"));
    connect(secrets, &QAction::triggered, this, [this] {
        auto *dialog = new SecretsDialog(m_lab, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
    toolbar->addSeparator();
    toolbar->addAction(m_runCheck);
    toolbar->addAction(m_abort);
    if (QWidget *abortButton = toolbar->widgetForAction(m_abort)) {
        abortButton->setObjectName(QStringLiteral("abortButton"));
        abortButton->setStyleSheet(QStringLiteral("QToolButton:enabled { background:#c62828; color:white; font-weight:bold; border-radius:3px; padding:2px 8px; }"));
    }
    m_liveMetricsTimer->setInterval(1000);
    connect(m_liveMetricsTimer, &QTimer::timeout, this, [this] {
        if (m_runner && m_runner->isRunning())
            m_livePane->setMetrics(m_runner->metrics().compute(), {}, {});
    });
    updateStackActions();
}

void MainWindow::runSelectedCheck()
{
    const QString id = m_checkPane->currentCheckId();
    const CheckSpec *check = m_lab.check(id);
    if (!check || (m_runner && m_runner->isRunning()))
        return;
    if (!m_session || !m_session->backend() || !m_session->backend()->isUp()) {
        QMessageBox::information(this, tr("Start the stack first"), tr("The check runs against the lab's stack: press <b>Start Stack</b> and run it again."));
        return;
    }
    if (m_runner)
        m_runner->deleteLater();
    m_runner = new ScenarioRunner(*check, &m_session->context(), m_session->backend(), this);
    m_runner->setRedactor(m_session->redactor());
    m_runner->setLabPath(m_labPath);
    m_runner->setUnattended(false);
    m_livePane->beginCheck(check->title);
    m_centreTabs->setCurrentWidget(m_livePane);
    m_checkModel->setVerdict(check->id, Verdict::Running);
    connect(m_runner, &ScenarioRunner::samplesArrived, m_livePane, &LivePane::addSamples);
    connect(m_runner, &ScenarioRunner::eventOccurred, m_livePane, &LivePane::addEvent);
    connect(m_runner, &ScenarioRunner::failoverMeasured, m_livePane, &LivePane::addFailover);
    connect(m_runner, &ScenarioRunner::stepFinished, this, [this](const StepOutcome &o) {
        statusBar()->showMessage(tr("step %1: %2").arg(o.index + 1).arg(o.summary), 8000);
    });
    connect(m_runner, &ScenarioRunner::promptRequested, this, [this](int index, const QString &text) {
        auto *box = new QMessageBox(QMessageBox::Question, tr("Step %1").arg(index + 1), text, QMessageBox::Yes | QMessageBox::No, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->setInformativeText(tr("Does it hold?"));
        connect(box, &QMessageBox::finished, this, [this](int result) {
            if (m_runner)
                m_runner->answerPrompt(result == QMessageBox::Yes, {});
        });
        box->open(); // window-modal and asynchronous: probes and charts keep running
    });
    connect(m_runner, &ScenarioRunner::finished, this, [this, id = check->id](const CheckResult &r) {
        m_liveMetricsTimer->stop();
        m_checkModel->setVerdict(id, r.verdict);
        m_livePane->setMetrics(r.metrics, m_runner->resolutions(), VerdictText::toString(r.verdict));
        statusBar()->showMessage(tr("%1: %2 %3").arg(id, VerdictText::toString(r.verdict), r.note), 15000);
        updateStackActions();
        Q_EMIT checkFinished(id, int(r.verdict));
    });
    m_liveMetricsTimer->start();
    m_runner->start();
    updateStackActions();
}

void MainWindow::abortCheck()
{
    if (m_runner && m_runner->isRunning())
        m_runner->abort();
}

void MainWindow::startStack()
{
    if (m_stackBusy || (m_session && m_session->backend() && m_session->backend()->isUp()))
        return;
    m_stackBusy = true;
    m_statusStack->setText(tr("stack: loading secrets…"));
    updateStackActions();
    if (!m_session) {
        m_session = new StackSession(m_lab, {}, this);
        connect(m_session, &StackSession::prepared, this, [this](bool ok, const QString &error, const QString &warning) {
            if (!ok) {
                m_session->deleteLater();
                m_session = nullptr;
                m_stackBusy = false;
                m_statusStack->setText(tr("stack: cannot start"));
                updateStackActions();
                QMessageBox::warning(this, tr("Cannot start the stack"), error);
                return;
            }
            if (!warning.isEmpty())
                statusBar()->showMessage(warning, 15000);
            StackBackend *backend = m_session->backend();
            if (!m_backendConnected) {
                m_backendConnected = true;
                connect(backend, &StackBackend::statusesChanged, m_serviceModel, &ServiceModel::setStatuses);
                connect(backend, &StackBackend::logLines, this, [this](const QList<LogLine> &lines) {
                    // Service logs can echo a secret: redact before anything shows or keeps them.
                    const SecretRedactor redactor = m_session->redactor();
                    QList<LogLine> clean = lines;
                    for (LogLine &l : clean)
                        l.text = redactor.redact(l.text);
                    m_logPane->appendLines(clean);
                });
                connect(backend, &StackBackend::upFinished, this, &MainWindow::onUpFinished);
                connect(backend, &StackBackend::downFinished, this, &MainWindow::onDownFinished);
                connect(backend, &StackBackend::actionFinished, this, &MainWindow::onActionFinished);
            }
            m_statusStack->setText(tr("stack: starting…"));
            backend->up();
        });
    }
    m_session->prepare();
}

void MainWindow::stopStack()
{
    if (!m_session || m_stackBusy)
        return;
    m_stackBusy = true;
    m_statusStack->setText(tr("stack: stopping…"));
    m_session->backend()->down();
    updateStackActions();
}

void MainWindow::onUpFinished(bool ok, const QString &error)
{
    m_stackBusy = false;
    m_statusStack->setText(ok ? tr("stack: up") : tr("stack: failed to start"));
    if (!ok)
        QMessageBox::warning(this, tr("The stack did not start"), error);
    updateStackActions();
}

void MainWindow::onDownFinished()
{
    m_stackBusy = false;
    m_statusStack->setText(tr("stack: down"));
    updateStackActions();
}

void MainWindow::onServiceAction(const QString &service, const QString &action)
{
    if (!m_session)
        return;
    StackBackend *b = m_session->backend();
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
    const bool up = m_session && m_session->backend() && m_session->backend()->isUp();
    m_startStack->setEnabled(!m_stackBusy && !up && !m_lab.name.isEmpty());
    m_stopStack->setEnabled(!m_stackBusy && m_session != nullptr && m_session->isPrepared());
    m_servicesPane->setActionsEnabled(m_session != nullptr && m_session->isPrepared());
    const bool running = m_runner && m_runner->isRunning();
    if (m_runCheck) {
        m_runCheck->setEnabled(up && !running && !m_stackBusy);
        m_abort->setEnabled(running);
    }
}

bool MainWindow::loadLab(const QString &path)
{
    const LabParser::Result result = LabParser::parseFile(path);
    if (!result.ok()) {
        // Keep the lab that was open: a typo in another file must not cost the current session.
        m_problemsPane->setProblems(path, result.errors);
        m_centre->setCurrentWidget(m_problemsPane);
        statusBar()->showMessage(tr("%1: %n problem(s), not loaded", nullptr, int(result.errors.size())).arg(QFileInfo(path).fileName()));
        if (m_labPath.isEmpty())
            m_labPath = path; // so Reload retries the broken file
        return false;
    }
    if (m_session && !m_stackBusy && !(m_session->backend() && m_session->backend()->isUp())) {
        delete m_session; // a stopped stack of the previous lab: the new lab gets its own
        m_session = nullptr;
        m_backendConnected = false;
        m_logPane->clear();
    }
    m_lab = result.lab;
    m_labPath = path;
    m_checkModel->setLab(m_lab);
    m_serviceModel->setStack(m_lab.stack);
    m_problemsPane->setProblems(path, {});
    m_centre->setCurrentWidget(m_centreTabs);
    QSettings().setValue(QStringLiteral("lastLab"), QFileInfo(path).absoluteFilePath());
    setWindowTitle(tr("%1 — HA Lab Console").arg(m_lab.name));
    if (!m_lab.checks.isEmpty())
        m_checkPane->selectCheck(m_lab.checks.first().id);
    updateStatus();
    updateStackActions();
    return true;
}

int MainWindow::shownProblemCount() const
{
    return m_centre->currentWidget() == m_problemsPane ? m_problemsPane->problemCount() : 0;
}

void MainWindow::openLabDialog()
{
    const QString dir = m_labPath.isEmpty() ? QString() : QFileInfo(m_labPath).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Lab"), dir,
                                                      tr("Lab files (*.halab.yaml *.yaml *.yml);;All files (*)"));
    if (!path.isEmpty())
        loadLab(path);
}

void MainWindow::reloadLab()
{
    if (!m_labPath.isEmpty())
        loadLab(m_labPath);
}

void MainWindow::showCheck(const QString &checkId)
{
    const CheckSpec *check = m_lab.check(checkId);
    m_detailPane->showCheck(check, check ? CheckListModel::isApplicable(*check, m_lab.variables) : true);
    m_centre->setCurrentWidget(m_centreTabs);
}

void MainWindow::updateStatus()
{
    m_statusLab->setText(tr("Lab: %1 (%2) · %3 checks · %4 services · stack: %5")
                             .arg(m_lab.name, QFileInfo(m_labPath).fileName())
                             .arg(m_lab.checks.size())
                             .arg(m_lab.stack.services.size())
                             .arg(m_lab.stack.backend == StackSpec::Backend::Compose ? tr("compose") : tr("processes")));
}
