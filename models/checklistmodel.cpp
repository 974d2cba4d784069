#include "checklistmodel.h"

#include "checkapplicability.h"
#include "labcontext.h"

#include "duration.h"

#include <QStringList>

#include <utility>

namespace {

// internalId of a top-level (check) index; children carry their check's row + 1.
constexpr quintptr TopLevelId = 0;


QString faultTargetText(const StepSpec &step)
{
    if (!step.service.isEmpty())
        return step.service;
    switch (step.role) {
    case StepSpec::Role::Leader: return QStringLiteral("leader");
    case StepSpec::Role::Replica: return QStringLiteral("a replica");
    case StepSpec::Role::Any: return QStringLiteral("any service");
    case StepSpec::Role::LastFaulted: return QStringLiteral("the last faulted service");
    case StepSpec::Role::None: break;
    }
    return QStringLiteral("(no target)");
}

// "1. Title" for numbered checks (the run-log convention); named ids already read as titles.
QString displayTitle(const CheckSpec &c)
{
    if (c.title.isEmpty())
        return c.id;
    bool numeric = false;
    c.id.toInt(&numeric);
    return numeric ? QString(c.id + QStringLiteral(". ") + c.title) : c.title;
}

QString mapText(const QMap<QString, QString> &map)
{
    QStringList parts;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        parts << it.key() + QLatin1Char('=') + it.value();
    return parts.join(QStringLiteral(", "));
}

QString timesText(int times)
{
    return times > 1 ? QStringLiteral(" %1 times in a row").arg(times) : QString();
}

QString waitText(const StepSpec &step)
{
    const WaitConditionSpec &u = step.until;
    QString what;
    switch (u.kind) {
    case WaitConditionSpec::Kind::None:
        return QStringLiteral("wait ") + Duration::format(step.durationMs);
    case WaitConditionSpec::Kind::Steady:
        return QStringLiteral("wait: the ") + u.steady + QStringLiteral(" stays the same for ") + Duration::format(u.steadyForMs);
    case WaitConditionSpec::Kind::LeaderChanged: what = QStringLiteral("leader changes"); break;
    case WaitConditionSpec::Kind::LeaderElected: what = QStringLiteral("a leader is elected"); break;
    case WaitConditionSpec::Kind::ProbeOk:
        what = QStringLiteral("probe ") + u.probe + QStringLiteral(" succeeds") + timesText(u.times);
        break;
    case WaitConditionSpec::Kind::ProbeFails:
        what = QStringLiteral("probe ") + u.probe + QStringLiteral(" fails") + timesText(u.times);
        break;
    case WaitConditionSpec::Kind::ServiceState: what = u.service + QStringLiteral(" is ") + u.state; break;
    }
    QString text = QStringLiteral("wait until ") + what;
    if (step.timeoutMs > 0)
        text += QStringLiteral(" (timeout ") + Duration::format(step.timeoutMs) + QLatin1Char(')');
    return text;
}

} // namespace

CheckListModel::CheckListModel(QObject *parent)
    : QAbstractItemModel(parent)
{
}

void CheckListModel::setLab(const Lab &lab)
{
    setLab(lab, LabContext(lab, {}));
}

void CheckListModel::setLab(const Lab &lab, const LabContext &context)
{
    beginResetModel();
    m_lab = lab;
    m_states.clear();
    m_states.reserve(m_lab.checks.size());
    for (const CheckSpec &c : std::as_const(m_lab.checks)) {
        CheckState s;
        s.applicable = CheckApplicability::of(c, context).applies();
        m_states.append(s);
    }
    endResetModel();
}

void CheckListModel::setVerdict(const QString &checkId, Verdict v)
{
    const int row = rowOfCheck(checkId);
    if (row < 0)
        return;
    CheckState &s = m_states[row];
    if (s.verdictSet && s.verdict == v)
        return; // nothing to tell the views
    const Verdict before = effectiveVerdict(row);
    s.verdictSet = true;
    s.verdict = v;
    if (before != v)
        emit dataChanged(index(row, TitleColumn), index(row, ColumnCount - 1), {Qt::DisplayRole, VerdictRole});
}

Verdict CheckListModel::verdict(const QString &checkId) const
{
    const int row = rowOfCheck(checkId);
    return row < 0 ? Verdict::NotRun : effectiveVerdict(row);
}

void CheckListModel::resetVerdicts()
{
    int first = -1;
    int last = -1;
    for (int row = 0; row < m_states.size(); ++row) {
        const Verdict before = effectiveVerdict(row);
        m_states[row].verdictSet = false;
        m_states[row].verdict = Verdict::NotRun;
        if (effectiveVerdict(row) != before) {
            if (first < 0)
                first = row;
            last = row;
        }
    }
    // One signal over the span of changed rows keeps a reset cheap for views.
    if (first >= 0)
        emit dataChanged(index(first, TitleColumn), index(last, ColumnCount - 1), {Qt::DisplayRole, VerdictRole});
}

QModelIndex CheckListModel::indexOfCheck(const QString &checkId, int column) const
{
    const int row = rowOfCheck(checkId);
    return row < 0 ? QModelIndex() : index(row, column);
}

const CheckSpec *CheckListModel::checkAt(const QModelIndex &idx) const
{
    if (!idx.isValid() || idx.model() != this)
        return nullptr;
    const int row = idx.internalId() == TopLevelId ? idx.row() : int(idx.internalId() - 1);
    return row >= 0 && row < m_lab.checks.size() ? &m_lab.checks.at(row) : nullptr;
}

const StepSpec *CheckListModel::stepAt(const QModelIndex &idx) const
{
    if (!idx.isValid() || idx.model() != this || idx.internalId() == TopLevelId)
        return nullptr;
    const CheckSpec *check = checkAt(idx);
    return check && idx.row() < check->steps.size() ? &check->steps.at(idx.row()) : nullptr;
}

bool CheckListModel::isApplicable(const CheckSpec &check, const QMap<QString, QString> &variables)
{
    return CheckApplicability::of(check, [&variables](const QString &name) -> std::optional<QString> {
               const auto var = variables.constFind(name);
               return var == variables.cend() ? std::nullopt : std::optional<QString>(var.value());
           }).applies();
}

QString CheckListModel::stepDescription(const StepSpec &step)
{
    switch (step.kind) {
    case StepSpec::Kind::Http: return step.method + QLatin1Char(' ') + step.url;
    case StepSpec::Kind::Command:
        if (step.argv.isEmpty())
            return QStringLiteral("run command");
        return QStringLiteral("run ") + step.argv.join(QLatin1Char(' '));
    case StepSpec::Kind::Fault: {
        QString text = StepSpec::actionText(step.action) + QLatin1Char(' ') + faultTargetText(step);
        if (step.action == StepSpec::FaultAction::Restart && !step.overrides.isEmpty())
            text += QStringLiteral(" with ") + mapText(step.overrides);
        return text;
    }
    case StepSpec::Kind::Wait: return waitText(step);
    case StepSpec::Kind::LogScan: {
        const QString who = step.services.isEmpty() ? QStringLiteral("all services") : step.services.join(QStringLiteral(", "));
        // Slashes, not quotes: patterns often hold quotes of their own ("statusCode":401).
        QString text = QStringLiteral("scan logs of ") + who + QStringLiteral(" for /") + step.pattern + QLatin1Char('/');
        if (!step.since.isEmpty())
            text += QStringLiteral(" since ") + step.since;
        return text;
    }
    case StepSpec::Kind::Matrix:
        return step.rows.size() == 1 ? QStringLiteral("request matrix (1 row)")
                                     : QStringLiteral("request matrix (%1 rows)").arg(step.rows.size());
    case StepSpec::Kind::Prompt: return QStringLiteral("operator prompt");
    case StepSpec::Kind::Mark: return QStringLiteral("mark ") + step.mark;
    case StepSpec::Kind::Network: return step.network.text();
    }
    return {};
}

QModelIndex CheckListModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount)
        return {};
    if (!parent.isValid())
        return row < m_lab.checks.size() ? createIndex(row, column, TopLevelId) : QModelIndex();
    // Only column 0 of a check has children; steps have none.
    if (parent.internalId() != TopLevelId || parent.column() != 0 || parent.row() >= m_lab.checks.size())
        return {};
    if (row >= m_lab.checks.at(parent.row()).steps.size())
        return {};
    return createIndex(row, column, quintptr(parent.row()) + 1);
}

QModelIndex CheckListModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == TopLevelId)
        return {};
    return createIndex(int(child.internalId() - 1), 0, TopLevelId);
}

int CheckListModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_lab.checks.size());
    // Steps and non-first columns have no children.
    if (parent.internalId() != TopLevelId || parent.column() != 0 || parent.row() >= m_lab.checks.size())
        return 0;
    return int(m_lab.checks.at(parent.row()).steps.size());
}

int CheckListModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

bool CheckListModel::hasChildren(const QModelIndex &parent) const
{
    return rowCount(parent) > 0;
}

QVariant CheckListModel::data(const QModelIndex &idx, int role) const
{
    if (!idx.isValid())
        return {};
    Q_ASSERT(checkIndex(idx, CheckIndexOption::IndexIsValid));
    if (idx.internalId() == TopLevelId)
        return checkData(idx.row(), idx.column(), role);
    return stepData(int(idx.internalId() - 1), idx.row(), idx.column(), role);
}

QVariant CheckListModel::checkData(int row, int column, int role) const
{
    const CheckSpec &c = m_lab.checks.at(row);
    const CheckState &s = m_states.at(row);
    switch (role) {
    case Qt::DisplayRole:
        switch (column) {
        case TitleColumn: return displayTitle(c);
        case ModeColumn: return CheckSpec::modeText(c.mode);
        case VerdictColumn: return VerdictText::toString(effectiveVerdict(row));
        default: return {};
        }
    case Qt::ToolTipRole: {
        QString tip = c.description;
        const auto addLine = [&tip](const QString &line) {
            if (!tip.isEmpty())
                tip += QLatin1Char('\n');
            tip += line;
        };
        if (!s.applicable)
            addLine(c.notApplicableReason.isEmpty() ? QStringLiteral("Not applicable to this lab's variables.")
                                                    : QString(QStringLiteral("Not applicable: ") + c.notApplicableReason));
        if (!c.deferredReason.isEmpty())
            addLine(QStringLiteral("Deferred: ") + c.deferredReason);
        return tip;
    }
    case CheckIdRole: return c.id;
    case IsCheckRole: return true;
    case StepIndexRole: return -1;
    case ModeRole: return int(c.mode);
    case VerdictRole: return int(effectiveVerdict(row));
    case ApplicableRole: return s.applicable;
    case DeferredRole: return !c.deferredReason.isEmpty();
    case DescriptionRole: return c.description;
    default: return {};
    }
}

QVariant CheckListModel::stepData(int checkRow, int stepRow, int column, int role) const
{
    const CheckSpec &c = m_lab.checks.at(checkRow);
    const StepSpec &step = c.steps.at(stepRow);
    switch (role) {
    case Qt::DisplayRole:
        if (column == TitleColumn)
            return step.title.isEmpty() ? stepDescription(step) : step.title;
        return QString(); // steps have no mode or verdict of their own
    case Qt::ToolTipRole:
        return step.instructions.isEmpty() ? stepDescription(step)
                                           : QString(stepDescription(step) + QStringLiteral("\n\n") + step.instructions);
    case CheckIdRole: return c.id;
    case IsCheckRole: return false;
    case StepIndexRole: return stepRow;
    case StepKindRole: return int(step.kind);
    case ApplicableRole: return m_states.at(checkRow).applicable;
    case DeferredRole: return !c.deferredReason.isEmpty();
    case DescriptionRole: return stepDescription(step);
    default: return {};
    }
}

QVariant CheckListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractItemModel::headerData(section, orientation, role);
    switch (section) {
    case TitleColumn: return tr("Check");
    case ModeColumn: return tr("Mode");
    case VerdictColumn: return tr("Verdict");
    default: return {};
    }
}

Qt::ItemFlags CheckListModel::flags(const QModelIndex &idx) const
{
    if (!idx.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsSelectable | Qt::ItemIsEnabled; // read-only rows
}

QHash<int, QByteArray> CheckListModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractItemModel::roleNames();
    names.insert(CheckIdRole, QByteArrayLiteral("checkId"));
    names.insert(IsCheckRole, QByteArrayLiteral("isCheck"));
    names.insert(StepIndexRole, QByteArrayLiteral("stepIndex"));
    names.insert(StepKindRole, QByteArrayLiteral("stepKind"));
    names.insert(ModeRole, QByteArrayLiteral("mode"));
    names.insert(VerdictRole, QByteArrayLiteral("verdict"));
    names.insert(ApplicableRole, QByteArrayLiteral("applicable"));
    names.insert(DeferredRole, QByteArrayLiteral("deferred"));
    names.insert(DescriptionRole, QByteArrayLiteral("description"));
    return names;
}

int CheckListModel::rowOfCheck(const QString &checkId) const
{
    for (int row = 0; row < m_lab.checks.size(); ++row)
        if (m_lab.checks.at(row).id == checkId)
            return row;
    return -1;
}

Verdict CheckListModel::effectiveVerdict(int checkRow) const
{
    const CheckState &s = m_states.at(checkRow);
    if (s.verdictSet)
        return s.verdict;
    return s.applicable ? Verdict::NotRun : Verdict::NotApplicable;
}
