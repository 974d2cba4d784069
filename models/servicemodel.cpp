#include "servicemodel.h"

#include <utility>

namespace {

constexpr QLatin1String LeaderRoleName("leader");

bool isUp(const ServiceStatus &s)
{
    return s.state == ServiceStatus::State::Running && s.since.isValid();
}

} // namespace

ServiceModel::ServiceModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
}

void ServiceModel::setStack(const StackSpec &stack)
{
    const QString before = leader();
    QHash<QString, ServiceStatus> kept;
    for (int row = 0; row < m_stack.services.size(); ++row)
        kept.insert(m_stack.services.at(row).name, m_statuses.at(row));

    beginResetModel();
    m_stack = stack;
    m_statuses.clear();
    m_statuses.reserve(m_stack.services.size());
    for (const ServiceSpec &s : std::as_const(m_stack.services))
        m_statuses.append(kept.value(s.name));
    endResetModel();
    announceLeader(before);
}

void ServiceModel::setStatus(const QString &name, const ServiceStatus &status)
{
    const int row = rowOf(name);
    if (row < 0 || m_statuses.at(row) == status)
        return; // unknown service or nothing new: stay quiet
    const QString before = leader();
    m_statuses[row] = status;
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    announceLeader(before);
}

void ServiceModel::setStatuses(const QHash<QString, ServiceStatus> &statuses)
{
    const QString before = leader();
    int first = -1;
    int last = -1;
    for (auto it = statuses.cbegin(); it != statuses.cend(); ++it) {
        const int row = rowOf(it.key());
        if (row < 0 || m_statuses.at(row) == it.value())
            continue;
        m_statuses[row] = it.value();
        first = first < 0 ? row : qMin(first, row);
        last = qMax(last, row);
    }
    // One signal over the changed span: a poll of the whole stack repaints once.
    if (first >= 0)
        emit dataChanged(index(first, 0), index(last, ColumnCount - 1));
    announceLeader(before);
}

ServiceStatus ServiceModel::status(const QString &name) const
{
    const int row = rowOf(name);
    return row < 0 ? ServiceStatus() : m_statuses.at(row);
}

QString ServiceModel::leader() const
{
    for (int row = 0; row < m_statuses.size(); ++row)
        if (m_statuses.at(row).role == LeaderRoleName)
            return m_stack.services.at(row).name;
    return {};
}

void ServiceModel::refreshUptime()
{
    int first = -1;
    int last = -1;
    for (int row = 0; row < m_statuses.size(); ++row) {
        if (!isUp(m_statuses.at(row)))
            continue; // "—" doesn't age
        if (first < 0)
            first = row;
        last = row;
    }
    if (first >= 0)
        emit dataChanged(index(first, UptimeColumn), index(last, UptimeColumn), {Qt::DisplayRole});
}

QModelIndex ServiceModel::indexOfService(const QString &name, int column) const
{
    const int row = rowOf(name);
    return row < 0 ? QModelIndex() : index(row, column);
}

void ServiceModel::setClock(Clock clock)
{
    m_clock = clock ? std::move(clock) : Clock([] { return QDateTime::currentDateTimeUtc(); });
}

QString ServiceModel::formatUptime(qint64 seconds)
{
    if (seconds < 0)
        seconds = 0; // clock skew between the status source and us
    const QLatin1Char zero('0');
    if (seconds < 60)
        return QStringLiteral("%1s").arg(seconds);
    if (seconds < 3600)
        return QStringLiteral("%1m %2s").arg(seconds / 60).arg(seconds % 60, 2, 10, zero);
    if (seconds < 86400)
        return QStringLiteral("%1h %2m").arg(seconds / 3600).arg((seconds % 3600) / 60, 2, 10, zero);
    return QStringLiteral("%1d %2h").arg(seconds / 86400).arg((seconds % 86400) / 3600, 2, 10, zero);
}

int ServiceModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_stack.services.size()); // a flat table: rows have no children
}

int ServiceModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ServiceModel::data(const QModelIndex &idx, int role) const
{
    if (!idx.isValid())
        return {};
    Q_ASSERT(checkIndex(idx, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid));
    const ServiceSpec &spec = m_stack.services.at(idx.row());
    const ServiceStatus &s = m_statuses.at(idx.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (idx.column()) {
        case NameColumn: return spec.name;
        case StateColumn:
            // A swarm service says how many of its replicas run.
            if (s.replicasDesired >= 0)
                return QStringLiteral("%1 %2/%3").arg(ServiceStatus::stateText(s.state, s.exitCode)).arg(s.replicasRunning).arg(s.replicasDesired);
            return ServiceStatus::stateText(s.state, s.exitCode);
        case HealthColumn: return ServiceStatus::healthText(s.health);
        case RoleColumn: return s.role;
        case PidColumn:
            if (s.pid > 0)
                return QString::number(s.pid);
            return s.container;
        case UptimeColumn: return uptimeText(s);
        default: return {};
        }
    case Qt::ToolTipRole: return s.detail.isEmpty() ? QVariant() : QVariant(s.detail);
    case NameRole: return spec.name;
    case StateRole: return int(s.state);
    case HealthRole: return int(s.health);
    case RoleRole: return s.role;
    case PidRole: return s.pid;
    case IsLeaderRole: return s.role == LeaderRoleName;
    case ContainerRole: return s.container;
    case TasksRole: return s.tasks;
    case ReplicasRole: return s.replicasDesired >= 0 ? QStringLiteral("%1/%2").arg(s.replicasRunning).arg(s.replicasDesired) : QString();
    default: return {};
    }
}

QVariant ServiceModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn: return tr("Service");
    case StateColumn: return tr("State");
    case HealthColumn: return tr("Health");
    case RoleColumn: return tr("Role");
    case PidColumn: return tr("PID / container");
    case UptimeColumn: return tr("Uptime");
    default: return {};
    }
}

Qt::ItemFlags ServiceModel::flags(const QModelIndex &idx) const
{
    if (!idx.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsSelectable | Qt::ItemIsEnabled; // read-only rows
}

QHash<int, QByteArray> ServiceModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractTableModel::roleNames();
    names.insert(NameRole, QByteArrayLiteral("name"));
    names.insert(StateRole, QByteArrayLiteral("state"));
    names.insert(HealthRole, QByteArrayLiteral("health"));
    names.insert(RoleRole, QByteArrayLiteral("role"));
    names.insert(PidRole, QByteArrayLiteral("pid"));
    names.insert(IsLeaderRole, QByteArrayLiteral("isLeader"));
    names.insert(ContainerRole, QByteArrayLiteral("container"));
    names.insert(TasksRole, QByteArrayLiteral("tasks"));
    names.insert(ReplicasRole, QByteArrayLiteral("replicas"));
    return names;
}

int ServiceModel::rowOf(const QString &name) const
{
    for (int row = 0; row < m_stack.services.size(); ++row)
        if (m_stack.services.at(row).name == name)
            return row;
    return -1;
}

QString ServiceModel::uptimeText(const ServiceStatus &s) const
{
    if (!isUp(s))
        return QStringLiteral("—");
    return formatUptime(s.since.secsTo(m_clock()));
}

void ServiceModel::announceLeader(const QString &before)
{
    const QString now = leader();
    if (now != before)
        emit leaderChanged(now);
}
