#include "mainwindow.h"

#include "checkdetailpane.h"
#include "checklistmodel.h"
#include "checklistpane.h"
#include "labparser.h"
#include "labproblemspane.h"
#include "servicemodel.h"
#include "servicespane.h"

#include <QAction>
#include <QApplication>
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
    m_centre->addWidget(m_centreTabs);
    m_centre->addWidget(m_problemsPane);

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(sidebar);
    split->addWidget(m_centre);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    setCentralWidget(split);

    statusBar()->addWidget(m_statusLab, 1);
    createActions();

    connect(m_checkPane, &CheckListPane::checkSelected, this, &MainWindow::showCheck);
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

    auto *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(open);
    toolbar->addAction(reload);
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
