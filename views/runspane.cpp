#include "runspane.h"

#include "elidedname.h"
#include "labmatch.h"
#include "rejudgedialog.h"
#include "runcompareview.h"
#include "rundetailview.h"
#include "runexporter.h"
#include "runlistmodel.h"
#include "runloader.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>

#include "failovertrendview.h"
#include <QStackedWidget>
#include <QTreeView>
#include <QVBoxLayout>

#include <utility>

RunsPane::RunsPane(RunStore *store, RunLoader *loader, QWidget *parent)
    : QWidget(parent)
    , m_store(store)
    , m_loader(loader)
    , m_model(new RunListModel(this))
    , m_labFilter(new QComboBox(this))
    , m_checkFilter(new QComboBox(this))
    , m_verdictFilter(new QComboBox(this))
    , m_tree(new QTreeView(this))
    , m_open(new QPushButton(tr("Open"), this))
    , m_compareButton(new QPushButton(tr("Compare"), this))
    , m_rejudge(new QPushButton(tr("Re-judge…"), this))
    , m_export(new QPushButton(tr("Export…"), this))
    , m_status(new QLabel(this))
    , m_stack(new QStackedWidget(this))
    , m_placeholder(new QLabel(tr("<p style='color:#666'>Select a run to open it; select two (Ctrl+click) and press "
                                  "<b>Compare</b> to see what changed.</p>"),
                               this))
    , m_detail(new RunDetailView(this))
    , m_compare(new RunCompareView(this))
{
    setObjectName(QStringLiteral("runsPane"));
    m_labFilter->setObjectName(QStringLiteral("runsFilterLab"));
    for (QComboBox *filter : {m_labFilter, m_checkFilter}) { // long lab names and check titles must not widen the window
        filter->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        filter->setMinimumContentsLength(18);
    }
    m_checkFilter->setObjectName(QStringLiteral("runsFilterCheck"));
    m_verdictFilter->setObjectName(QStringLiteral("runsFilterVerdict"));
    m_verdictFilter->addItem(tr("Any verdict"), -1);
    for (Verdict v : {Verdict::Pass, Verdict::Fail, Verdict::Inconclusive, Verdict::Deferred, Verdict::NotApplicable, Verdict::Error, Verdict::Aborted,
                      Verdict::Running, Verdict::NotRun})
        m_verdictFilter->addItem(VerdictText::toString(v), int(v));
    m_labFilter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_checkFilter->setSizeAdjustPolicy(QComboBox::AdjustToContents);

    m_tree->setObjectName(QStringLiteral("runsTree"));
    m_tree->setModel(m_model);
    m_tree->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_tree->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tree->setAlternatingRowColors(true);
    m_tree->setUniformRowHeights(true);
    m_tree->header()->setSectionResizeMode(QHeaderView::Interactive);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setColumnWidth(RunListModel::StartedColumn, 200);
    m_tree->setColumnWidth(RunListModel::LabColumn, 170);
    m_tree->setColumnWidth(RunListModel::OperatorColumn, 110);
    m_tree->setColumnWidth(RunListModel::StateColumn, 90);

    m_open->setObjectName(QStringLiteral("openRunButton"));
    m_compareButton->setObjectName(QStringLiteral("compareRunsButton"));
    m_compareButton->setToolTip(tr("Select two runs (Ctrl+click) to compare verdicts, metrics and charts"));
    m_rejudge->setObjectName(QStringLiteral("rejudgeButton"));
    m_rejudge->setToolTip(tr("Select a PASS or FAIL result to judge its stored metrics against other bounds"));
    m_export->setObjectName(QStringLiteral("exportRunButton"));
    m_status->setObjectName(QStringLiteral("runsStatus"));
    m_status->setStyleSheet(QStringLiteral("color:#666"));
    m_status->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred); // long messages are cut, never widen the window
    auto *refresh = new QPushButton(tr("Refresh"), this);
    refresh->setObjectName(QStringLiteral("refreshRunsButton"));

    auto *filterBar = new QHBoxLayout;
    filterBar->addWidget(new QLabel(tr("Lab:"), this));
    filterBar->addWidget(m_labFilter);
    filterBar->addWidget(new QLabel(tr("Check:"), this));
    filterBar->addWidget(m_checkFilter);
    filterBar->addWidget(new QLabel(tr("Verdict:"), this));
    filterBar->addWidget(m_verdictFilter);
    filterBar->addStretch(1);
    filterBar->addWidget(refresh);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_open);
    buttons->addWidget(m_compareButton);
    buttons->addWidget(m_rejudge);
    buttons->addWidget(m_export);
    auto *trend = new QPushButton(tr("Failover Trend"), this);
    trend->setObjectName(QStringLiteral("failoverTrendButton"));
    trend->setToolTip(tr("failover_ms of every stored run, per check: a regression shows at a glance"));
    buttons->addWidget(trend);
    buttons->addWidget(m_status, 1);

    auto *listBox = new QWidget(this);
    auto *listLayout = new QVBoxLayout(listBox);
    listLayout->setContentsMargins(0, 0, 0, 0);
    listLayout->addLayout(filterBar);
    listLayout->addWidget(m_tree, 1);
    listLayout->addLayout(buttons);

    m_placeholder->setAlignment(Qt::AlignCenter);
    m_stack->addWidget(m_placeholder);
    m_stack->addWidget(m_detail);
    m_stack->addWidget(m_compare);
    m_trend = new FailoverTrendView(this);
    m_stack->addWidget(m_trend);
    connect(trend, &QPushButton::clicked, this, [this] {
        m_trend->setRuns(m_store->runs(), m_checkFilter->currentData().toString());
        m_stack->setCurrentWidget(m_trend);
    });

    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(listBox);
    split->addWidget(m_stack);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 5);
    split->setChildrenCollapsible(false);
    // A real list: at least six runs visible above the opened one.
    m_tree->setMinimumHeight(m_tree->fontMetrics().height() * 6 + m_tree->header()->sizeHint().height() + 8);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(split);

    for (QComboBox *combo : {m_labFilter, m_checkFilter, m_verdictFilter})
        connect(combo, &QComboBox::currentIndexChanged, this, &RunsPane::refresh);
    connect(refresh, &QPushButton::clicked, this, &RunsPane::refresh);
    connect(m_tree->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunsPane::updateButtons);
    connect(m_tree, &QTreeView::activated, this, &RunsPane::openCurrent);
    connect(m_open, &QPushButton::clicked, this, &RunsPane::openCurrent);
    connect(m_compareButton, &QPushButton::clicked, this, [this] {
        const QStringList ids = selectedRunIds();
        if (ids.size() == 2)
            compareRuns(ids.at(0), ids.at(1));
    });
    connect(m_rejudge, &QPushButton::clicked, this, [this] {
        const QPair<QString, QString> target = rejudgeTarget();
        if (!target.second.isEmpty())
            rejudge(target.first, target.second);
    });
    connect(m_export, &QPushButton::clicked, this, [this] {
        const QString id = selectedRunId().isEmpty() ? m_shownRunId : selectedRunId();
        if (!id.isEmpty())
            Q_EMIT exportRequested(id);
    });
    connect(m_loader, &RunLoader::loaded, this, &RunsPane::onLoaded);
    rebuildFilters({});
    updateButtons();
}

void RunsPane::setLab(const Lab &lab)
{
    const bool another = lab.name != m_lab.name;
    m_lab = lab;
    m_detail->setLab(lab);
    if (another && !lab.name.isEmpty())
        setFilter(lab.name, QString(), std::nullopt); // the open lab's runs first; "All labs" is one click away
}

RunStore::Filter RunsPane::filter() const
{
    RunStore::Filter f;
    f.lab = m_labFilter->currentData().toString();
    f.checkId = m_checkFilter->currentData().toString();
    const int v = m_verdictFilter->currentData().toInt();
    if (v >= 0)
        f.verdict = Verdict(v);
    return f;
}

void RunsPane::setFilter(const QString &lab, const QString &checkId, std::optional<Verdict> verdict)
{
    {
        const QSignalBlocker a(m_labFilter), b(m_checkFilter), c(m_verdictFilter);
        int i = m_labFilter->findData(lab);
        if (i < 0 && !lab.isEmpty()) {
            m_labFilter->addItem(lab, lab);
            i = m_labFilter->count() - 1;
        }
        m_labFilter->setCurrentIndex(std::max(0, i));
        i = m_checkFilter->findData(checkId);
        if (i < 0 && !checkId.isEmpty()) {
            m_checkFilter->addItem(checkId, checkId);
            i = m_checkFilter->count() - 1;
        }
        m_checkFilter->setCurrentIndex(std::max(0, i));
        m_verdictFilter->setCurrentIndex(std::max(0, m_verdictFilter->findData(verdict ? int(*verdict) : -1)));
    }
    refresh();
}

void RunsPane::rebuildFilters(const QList<Run> &all)
{
    const QString lab = m_labFilter->currentData().toString();
    const QString check = m_checkFilter->currentData().toString();
    const QSignalBlocker a(m_labFilter), b(m_checkFilter);
    m_labFilter->clear();
    m_labFilter->addItem(tr("All labs"), QString());
    QStringList labs;
    if (!m_lab.name.isEmpty())
        labs << m_lab.name;
    for (const Run &r : all)
        if (!r.labName.isEmpty() && !labs.contains(r.labName))
            labs << r.labName;
    for (const QString &l : std::as_const(labs))
        m_labFilter->addItem(elidedName(l, 60), l);
    m_labFilter->setCurrentIndex(std::max(0, m_labFilter->findData(lab)));

    m_checkFilter->clear();
    m_checkFilter->addItem(tr("All checks"), QString());
    QStringList ids;
    QHash<QString, QString> titles;
    for (const CheckSpec &c : m_lab.checks) {
        ids << c.id;
        titles.insert(c.id, c.title);
    }
    for (const Run &r : all)
        for (const CheckResult &c : r.results)
            if (!ids.contains(c.checkId)) {
                ids << c.checkId;
                titles.insert(c.checkId, c.title);
            }
    for (const QString &id : std::as_const(ids)) {
        QString title = titles.value(id);
        if (title.size() > 40)
            title = title.left(39) + QStringLiteral("…");
        m_checkFilter->addItem(title.isEmpty() ? id : QStringLiteral("%1. %2").arg(id, title), id);
    }
    m_checkFilter->setCurrentIndex(std::max(0, m_checkFilter->findData(check)));
}

void RunsPane::refresh()
{
    if (!m_store || !m_store->isOpen()) {
        m_status->setText(tr("The run store is not open."));
        return;
    }
    const QStringList selected = selectedRunIds();
    const QString current = selectedRunId();
    const QList<Run> all = m_store->runs();
    rebuildFilters(all);
    const RunStore::Filter f = filter();
    const bool unfiltered = f.lab.isEmpty() && f.checkId.isEmpty() && !f.verdict;
    m_model->setRuns(unfiltered ? all : m_store->runs(f));
    m_status->setText(tr("%n run(s)", nullptr, m_model->rowCount()) + (unfiltered ? QString() : tr(" (filtered)")));
    // Keep what was selected across the reset.
    QItemSelection keep;
    for (const QString &id : selected) {
        const QModelIndex i = m_model->indexOfRun(id);
        if (i.isValid())
            keep.select(i, m_model->index(i.row(), RunListModel::ColumnCount - 1));
    }
    m_tree->selectionModel()->select(keep, QItemSelectionModel::ClearAndSelect);
    if (const QModelIndex i = m_model->indexOfRun(current); i.isValid())
        m_tree->selectionModel()->setCurrentIndex(i, QItemSelectionModel::NoUpdate);
    updateButtons();
    // The opened run may be the one this sitting is writing: read it again.
    // Not while a comparison loads: its runs replace the detail, a late reload must not come back over them.
    const bool comparing = m_compareTickets[0] >= 0 || m_compareTickets[1] >= 0;
    if (!comparing && m_stack->currentWidget() == m_detail && !m_shownRunId.isEmpty() && m_model->indexOfRun(m_shownRunId).isValid()) {
        m_openTicket = m_loader->load(m_shownRunId, RunLoader::Detail::ChartsAndLogs);
        m_openIsReload = true; // the same run read again: no new runShown()
    }
}

QStringList RunsPane::selectedRunIds() const
{
    QStringList ids;
    for (const QModelIndex &i : m_tree->selectionModel()->selectedRows()) {
        const QString id = i.data(RunListModel::RunIdRole).toString();
        if (!id.isEmpty() && !ids.contains(id))
            ids << id;
    }
    return ids;
}

QString RunsPane::selectedRunId() const
{
    const QModelIndex current = m_tree->currentIndex();
    if (current.isValid() && m_tree->selectionModel()->isSelected(current))
        return current.data(RunListModel::RunIdRole).toString();
    const QStringList ids = selectedRunIds();
    return ids.value(0);
}

QString RunsPane::selectedCheckId() const
{
    const QModelIndex current = m_tree->currentIndex();
    return current.isValid() ? current.data(RunListModel::CheckIdRole).toString() : QString();
}

void RunsPane::selectRun(const QString &runId, const QString &checkId)
{
    QModelIndex index = m_model->indexOfRun(runId);
    if (!index.isValid())
        return;
    if (!checkId.isEmpty()) {
        for (int r = 0; r < m_model->rowCount(index); ++r) {
            const QModelIndex child = m_model->index(r, 0, index);
            if (child.data(RunListModel::CheckIdRole).toString() == checkId) {
                m_tree->expand(index);
                index = child;
                break;
            }
        }
    }
    m_tree->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_tree->scrollTo(index);
}

void RunsPane::updateButtons()
{
    const QStringList ids = selectedRunIds();
    m_open->setEnabled(!ids.isEmpty());
    m_export->setEnabled(!ids.isEmpty() || !m_shownRunId.isEmpty());
    // Two runs of different labs measure different things: compare only within a lab.
    bool sameLab = ids.size() == 2;
    if (sameLab) {
        QString labs[2];
        for (const Run &r : m_model->runs())
            for (int i = 0; i < 2; ++i)
                if (r.id == ids.at(i))
                    labs[i] = r.labName; // by name: the same lab across edits of its file compares
        sameLab = labs[0] == labs[1];
    }
    m_compareButton->setEnabled(sameLab);
    m_compareButton->setToolTip(ids.size() == 2 && !sameLab ? tr("These runs are of different labs: compare runs of one lab")
                                                            : tr("Compare the two selected runs of one lab"));
    const QModelIndex current = m_tree->currentIndex();
    const bool result = current.isValid() && !current.data(RunListModel::IsRunRole).toBool();
    const int v = current.data(RunListModel::VerdictRole).toInt();
    // From a check row, or from a run (selected or open): then the check it shows, else its first judged one.
    m_rejudge->setEnabled((result && (v == int(Verdict::Pass) || v == int(Verdict::Fail))) || !rejudgeTarget().second.isEmpty());
}

QPair<QString, QString> RunsPane::rejudgeTarget() const
{
    if (!selectedCheckId().isEmpty())
        return {selectedRunId(), selectedCheckId()};
    const QString runId = selectedRunId().isEmpty() ? m_shownRunId : selectedRunId();
    if (runId.isEmpty())
        return {};
    const QString shownCheck = runId == m_shownRunId ? m_detail->shownCheckId() : QString();
    for (const Run &r : m_model->runs()) {
        if (r.id != runId)
            continue;
        for (const CheckResult &c : r.results)
            if ((shownCheck.isEmpty() || c.checkId == shownCheck) && (c.verdict == Verdict::Pass || c.verdict == Verdict::Fail))
                return {runId, c.checkId};
    }
    return {};
}

void RunsPane::openCurrent()
{
    const QString id = selectedRunId();
    if (!id.isEmpty())
        openRun(id, selectedCheckId());
}

void RunsPane::openRun(const QString &runId, const QString &checkId)
{
    m_shownRunId = runId;
    m_shownCheckId = checkId;
    m_openIsReload = false;
    m_compareTickets[0] = m_compareTickets[1] = -1;
    m_status->setText(tr("Loading the run…"));
    m_openTicket = m_loader->load(runId, RunLoader::Detail::ChartsAndLogs);
}

void RunsPane::compareRuns(const QString &a, const QString &b)
{
    m_openTicket = -1;
    m_compareLoaded = 0;
    m_compareTickets[0] = m_loader->load(a, RunLoader::Detail::Charts);
    m_compareTickets[1] = m_loader->load(b, RunLoader::Detail::Charts);
    m_status->setText(tr("Loading both runs…"));
}

bool RunsPane::isComparing() const
{
    return m_stack->currentWidget() == m_compare;
}

void RunsPane::onLoaded(int ticket, const Run &run, const RunChartData &charts, const QString &error)
{
    if (ticket == m_openTicket) {
        m_openTicket = -1;
        if (!error.isEmpty()) {
            m_status->setText(tr("Cannot read the run: %1").arg(error));
            return;
        }
        const QString keepCheck = m_shownCheckId.isEmpty() && m_stack->currentWidget() == m_detail ? m_detail->shownCheckId() : m_shownCheckId;
        m_detail->showRun(run, charts);
        if (!keepCheck.isEmpty())
            m_detail->selectCheck(keepCheck);
        m_shownCheckId.clear();
        m_stack->setCurrentWidget(m_detail);
        m_status->setText(tr("%n run(s)", nullptr, m_model->rowCount()));
        updateButtons();
        if (!std::exchange(m_openIsReload, false))
            Q_EMIT runShown(run.id);
        return;
    }
    for (int i = 0; i < 2; ++i) {
        if (ticket != m_compareTickets[i])
            continue;
        m_compareTickets[i] = -1;
        if (!error.isEmpty()) {
            m_status->setText(tr("Cannot read the run: %1").arg(error));
            m_compareTickets[0] = m_compareTickets[1] = -1;
            return;
        }
        m_compareRuns[i] = run;
        m_compareCharts[i] = charts;
        if (++m_compareLoaded < 2)
            return;
        const int ia = m_compareRuns[1].started < m_compareRuns[0].started ? 1 : 0;
        const Run &a = m_compareRuns[ia];
        const Run &b = m_compareRuns[1 - ia];
        m_compare->showRuns(a, m_compareCharts[ia], b, m_compareCharts[1 - ia]);
        m_stack->setCurrentWidget(m_compare);
        m_status->setText(tr("Comparing two runs"));
        Q_EMIT comparisonShown(a.id, b.id);
        return;
    }
}

RejudgeDialog *RunsPane::rejudge(const QString &runId, const QString &checkId)
{
    const QModelIndex runIndex = m_model->indexOfRun(runId);
    const Run *run = m_model->runAt(runIndex);
    if (!run)
        return nullptr;
    const CheckResult *result = nullptr;
    for (const CheckResult &r : run->results)
        if (r.checkId == checkId)
            result = &r;
    if (!result || (result->verdict != Verdict::Pass && result->verdict != Verdict::Fail)) {
        m_status->setText(tr("Only PASS and FAIL results are judged on their metrics."));
        return nullptr;
    }
    QList<Expectation> expectations;
    for (const ExpectationOutcome &o : RunExporter::expectations(*result, labOfRun(*run, m_lab))) {
        Expectation e;
        e.metric = o.metric;
        e.op = o.op;
        e.bound = o.bound;
        e.text = o.text;
        expectations << e;
    }
    auto *dialog = new RejudgeDialog(runId, *result, expectations, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        if (!m_store->rejudge(dialog->runId(), dialog->checkId(), dialog->expectations())) {
            m_status->setText(tr("Re-judge failed: %1").arg(m_store->lastError()));
            return;
        }
        m_status->setText(tr("%1 re-judged").arg(dialog->checkId()));
        const QString run = dialog->runId();
        refresh();
        if (m_shownRunId == run && m_stack->currentWidget() == m_detail)
            openRun(run, dialog->checkId());
        Q_EMIT runsChanged();
    });
    dialog->open();
    return dialog;
}
