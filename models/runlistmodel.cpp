#include "runlistmodel.h"

#include <QStringList>

namespace {

// internalId of a top-level (run) index; result rows carry their run's row + 1.
constexpr quintptr TopLevelId = 0;

QString resultTitle(const CheckResult &r)
{
    return r.title.isEmpty() ? r.checkId : QString(r.checkId + QStringLiteral(". ") + r.title);
}

} // namespace

RunListModel::RunListModel(QObject *parent)
    : QAbstractItemModel(parent)
{
}

void RunListModel::setRuns(const QList<Run> &runs)
{
    beginResetModel();
    m_runs = runs;
    endResetModel();
}

void RunListModel::addRun(const Run &run)
{
    if (rowOfRun(run.id) >= 0) {
        updateRun(run); // one row per run id, whatever the caller believed
        return;
    }
    const int row = int(m_runs.size());
    beginInsertRows({}, row, row);
    m_runs.append(run);
    endInsertRows();
}

void RunListModel::updateRun(const Run &run)
{
    const int row = rowOfRun(run.id);
    if (row < 0) {
        addRun(run);
        return;
    }
    const QModelIndex runIndex = index(row, 0);
    const int oldCount = int(m_runs.at(row).results.size());
    const int newCount = int(run.results.size());
    // First make the child count match (views must see consistent data at each signal), then replace.
    if (newCount < oldCount) {
        beginRemoveRows(runIndex, newCount, oldCount - 1);
        m_runs[row].results.resize(newCount);
        endRemoveRows();
    } else if (newCount > oldCount) {
        beginInsertRows(runIndex, oldCount, newCount - 1);
        for (int i = oldCount; i < newCount; ++i)
            m_runs[row].results.append(run.results.at(i));
        endInsertRows();
    }
    m_runs[row] = run;
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    const int common = qMin(oldCount, newCount);
    if (common > 0)
        emit dataChanged(index(0, 0, runIndex), index(common - 1, ColumnCount - 1, runIndex));
}

QModelIndex RunListModel::indexOfRun(const QString &runId, int column) const
{
    const int row = rowOfRun(runId);
    return row < 0 ? QModelIndex() : index(row, column);
}

const Run *RunListModel::runAt(const QModelIndex &idx) const
{
    if (!idx.isValid() || idx.model() != this)
        return nullptr;
    const int row = idx.internalId() == TopLevelId ? idx.row() : int(idx.internalId() - 1);
    return row >= 0 && row < m_runs.size() ? &m_runs.at(row) : nullptr;
}

const CheckResult *RunListModel::resultAt(const QModelIndex &idx) const
{
    if (!idx.isValid() || idx.model() != this || idx.internalId() == TopLevelId)
        return nullptr;
    const Run *run = runAt(idx);
    return run && idx.row() < run->results.size() ? &run->results.at(idx.row()) : nullptr;
}

QString RunListModel::summaryText(const Run &run)
{
    if (run.results.isEmpty())
        return tr("no results");
    QMap<Verdict, int> counts;
    for (const CheckResult &r : run.results)
        ++counts[r.verdict];
    QStringList parts;
    parts << QStringLiteral("%1/%2 PASS").arg(counts.value(Verdict::Pass)).arg(run.results.size());
    // Problems first, then the benign outcomes.
    for (Verdict v : {Verdict::Fail, Verdict::Error, Verdict::Inconclusive, Verdict::Aborted, Verdict::Running, Verdict::NotRun, Verdict::Deferred,
                      Verdict::NotApplicable}) {
        if (const int n = counts.value(v); n > 0)
            parts << QString::number(n) + QLatin1Char(' ') + VerdictText::toString(v);
    }
    return parts.join(QStringLiteral(", "));
}

QString RunListModel::metricsText(const QMap<QString, double> &metrics)
{
    QStringList parts;
    for (auto it = metrics.cbegin(); it != metrics.cend(); ++it)
        parts << it.key() + QLatin1Char('=') + QString::number(it.value(), 'g', 12);
    return parts.join(QLatin1Char(' '));
}

QModelIndex RunListModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (!parent.isValid())
        return row < m_runs.size() ? createIndex(row, column, TopLevelId) : QModelIndex();
    // Only column 0 of a run has children; results have none.
    if (parent.internalId() != TopLevelId || parent.column() != 0 || parent.row() >= m_runs.size())
        return {};
    if (row >= m_runs.at(parent.row()).results.size())
        return {};
    return createIndex(row, column, quintptr(parent.row()) + 1);
}

QModelIndex RunListModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == TopLevelId)
        return {};
    return createIndex(int(child.internalId() - 1), 0, TopLevelId);
}

int RunListModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_runs.size());
    // Results and non-first columns have no children.
    if (parent.internalId() != TopLevelId || parent.column() != 0 || parent.row() >= m_runs.size())
        return 0;
    return int(m_runs.at(parent.row()).results.size());
}

int RunListModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

bool RunListModel::hasChildren(const QModelIndex &parent) const
{
    return rowCount(parent) > 0;
}

QVariant RunListModel::data(const QModelIndex &idx, int role) const
{
    if (!idx.isValid())
        return {};
    Q_ASSERT(checkIndex(idx, CheckIndexOption::IndexIsValid));
    if (idx.internalId() == TopLevelId)
        return runData(idx.row(), idx.column(), role);
    return resultData(int(idx.internalId() - 1), idx.row(), idx.column(), role);
}

QVariant RunListModel::runData(int row, int column, int role) const
{
    const Run &run = m_runs.at(row);
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case StartedColumn:
            return run.started.isValid() ? run.started.toLocalTime().toString(QStringLiteral("yyyy-MM-dd hh:mm"))
                                         : QString();
        case LabColumn: return run.labName;
        case OperatorColumn: return run.operatorName;
        case StateColumn: return Run::stateText(run.state);
        case SummaryColumn: return summaryText(run);
        default: return {};
        }
    case Qt::ToolTipRole: {
        QString tip = run.labPath;
        if (!run.notes.isEmpty())
            tip += (tip.isEmpty() ? QString() : QStringLiteral("\n")) + run.notes;
        return tip.isEmpty() ? QVariant() : QVariant(tip);
    }
    case RunIdRole: return run.id;
    case IsRunRole: return true;
    default: return {};
    }
}

QVariant RunListModel::resultData(int runRow, int resultRow, int column, int role) const
{
    const Run &run = m_runs.at(runRow);
    const CheckResult &r = run.results.at(resultRow);
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case CheckColumn: return resultTitle(r);
        case VerdictColumn: return VerdictText::toString(r.verdict);
        case MetricsColumn: return metricsText(r.metrics);
        case NoteColumn: return r.note;
        default: return QString(); // results have four columns; the fifth stays blank
        }
    case Qt::ToolTipRole: return r.note.isEmpty() ? QVariant() : QVariant(r.note);
    case RunIdRole: return run.id;
    case CheckIdRole: return r.checkId;
    case VerdictRole: return int(r.verdict);
    case IsRunRole: return false;
    default: return {};
    }
}

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractItemModel::headerData(section, orientation, role);
    switch (section) {
    case StartedColumn: return tr("Started");
    case LabColumn: return tr("Lab");
    case OperatorColumn: return tr("Operator");
    case StateColumn: return tr("State");
    case SummaryColumn: return tr("Summary");
    default: return {};
    }
}

Qt::ItemFlags RunListModel::flags(const QModelIndex &idx) const
{
    if (!idx.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsSelectable | Qt::ItemIsEnabled; // read-only rows
}

QHash<int, QByteArray> RunListModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractItemModel::roleNames();
    names.insert(RunIdRole, QByteArrayLiteral("runId"));
    names.insert(CheckIdRole, QByteArrayLiteral("checkId"));
    names.insert(VerdictRole, QByteArrayLiteral("verdict"));
    names.insert(IsRunRole, QByteArrayLiteral("isRun"));
    return names;
}

int RunListModel::rowOfRun(const QString &runId) const
{
    for (int row = 0; row < m_runs.size(); ++row)
        if (m_runs.at(row).id == runId)
            return row;
    return -1;
}
