// ServiceModel: one row per service, live status, leader and uptime, under the model tester.
#include "servicemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

Q_DECLARE_METATYPE(ServiceStatus)

namespace {

using Tester = QAbstractItemModelTester;
constexpr auto QtTestMode = QAbstractItemModelTester::FailureReportingMode::QtTest;

// A fixed "now" so uptimes are exact.
const QDateTime Now(QDate(2024, 5, 1), QTime(12, 0, 0), Qt::UTC);

StackSpec makeStack(const QStringList &names = {QStringLiteral("api1"), QStringLiteral("api2"), QStringLiteral("db")})
{
    StackSpec stack;
    for (const QString &n : names) {
        ServiceSpec s;
        s.name = n;
        s.command = QStringList{QStringLiteral("/usr/bin/") + n};
        stack.services.append(s);
    }
    return stack;
}

ServiceStatus running(qint64 pid, const QString &role = {}, qint64 upSecs = 65)
{
    ServiceStatus s;
    s.state = ServiceStatus::State::Running;
    s.health = ServiceStatus::Health::Healthy;
    s.role = role;
    s.pid = pid;
    s.since = Now.addSecs(-upSecs);
    return s;
}

QString text(const QAbstractItemModel &m, int row, int column)
{
    return m.data(m.index(row, column)).toString();
}

void useFixedClock(ServiceModel &model)
{
    model.setClock([] { return Now; });
}

} // namespace

class TestServiceModel : public QObject
{
    Q_OBJECT

private slots:
    void emptyModel();
    void initialRows();
    void statusText_data();
    void statusText();
    void roles();
    void swarmTasks();
    void setStatus();
    void setStatuses();
    void leader();
    void refreshUptime();
    void setStackKeepsStatuses();
    void headerFlagsRoleNames();
    void formatUptime_data();
    void formatUptime();
};

void TestServiceModel::emptyModel()
{
    ServiceModel model;
    Tester tester(&model, QtTestMode);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(ServiceModel::ColumnCount));
    QCOMPARE(model.leader(), QString());
    QSignalSpy spy(&model, &QAbstractItemModel::dataChanged);
    model.setStatus(QStringLiteral("ghost"), running(1));
    model.refreshUptime();
    QCOMPARE(spy.count(), 0);
    QCOMPARE(model.status(QStringLiteral("ghost")), ServiceStatus());
}

void TestServiceModel::initialRows()
{
    ServiceModel model;
    Tester tester(&model, QtTestMode);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setStack(makeStack());
    QCOMPARE(reset.count(), 1);

    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.rowCount(model.index(0, 0)), 0); // a table: rows have no children
    const QAbstractItemModel &base = model; // QAbstractTableModel hides hasChildren()
    QVERIFY(!base.hasChildren(model.index(0, 0)));
    QCOMPARE(text(model, 0, ServiceModel::NameColumn), QStringLiteral("api1"));
    QCOMPARE(text(model, 2, ServiceModel::NameColumn), QStringLiteral("db"));
    QCOMPARE(text(model, 0, ServiceModel::StateColumn), QStringLiteral("stopped"));
    QCOMPARE(text(model, 0, ServiceModel::HealthColumn), QStringLiteral("unknown"));
    QCOMPARE(text(model, 0, ServiceModel::RoleColumn), QString());
    QCOMPARE(text(model, 0, ServiceModel::PidColumn), QString());
    QCOMPARE(text(model, 0, ServiceModel::UptimeColumn), QStringLiteral("—"));
    QCOMPARE(model.indexOfService(QStringLiteral("api2")), model.index(1, 0));
    QVERIFY(!model.indexOfService(QStringLiteral("nope")).isValid());
}

void TestServiceModel::statusText_data()
{
    QTest::addColumn<ServiceStatus>("status");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("expected");

    const int state = ServiceModel::StateColumn;
    const int health = ServiceModel::HealthColumn;
    const int role = ServiceModel::RoleColumn;
    const int pid = ServiceModel::PidColumn;
    const int uptime = ServiceModel::UptimeColumn;

    ServiceStatus exited;
    exited.state = ServiceStatus::State::Exited;
    exited.exitCode = 137;
    exited.since = Now.addSecs(-10);
    ServiceStatus paused = running(77);
    paused.state = ServiceStatus::State::Paused;
    ServiceStatus sick = running(78);
    sick.health = ServiceStatus::Health::Unhealthy;
    ServiceStatus container;
    container.state = ServiceStatus::State::Running;
    container.container = QStringLiteral("halab-db-1");
    container.since = Now.addSecs(-7);

    ServiceStatus swarm;
    swarm.state = ServiceStatus::State::Starting;
    swarm.container = QStringLiteral("9285bb1cf256");
    swarm.replicasDesired = 2;
    swarm.replicasRunning = 1;
    swarm.tasks = QStringList{QStringLiteral("api2.1 on a: running (9285bb1cf256)"), QStringLiteral("api2.2 on b: starting")};

    QTest::newRow("running state") << running(4242) << state << QStringLiteral("running");
    QTest::newRow("swarm replicas") << swarm << state << QStringLiteral("starting 1/2");
    QTest::newRow("swarm container") << swarm << pid << QStringLiteral("9285bb1cf256");
    QTest::newRow("exited state") << exited << state << QStringLiteral("exited(137)");
    QTest::newRow("paused state") << paused << state << QStringLiteral("paused");
    QTest::newRow("healthy") << running(4242) << health << QStringLiteral("healthy");
    QTest::newRow("unhealthy") << sick << health << QStringLiteral("unhealthy");
    QTest::newRow("role") << running(4242, QStringLiteral("replica")) << role << QStringLiteral("replica");
    QTest::newRow("pid") << running(4242) << pid << QStringLiteral("4242");
    QTest::newRow("container") << container << pid << QStringLiteral("halab-db-1");
    QTest::newRow("uptime 1m 05s") << running(4242) << uptime << QStringLiteral("1m 05s");
    QTest::newRow("uptime 7s") << container << uptime << QStringLiteral("7s");
    QTest::newRow("uptime exited") << exited << uptime << QStringLiteral("—");
    QTest::newRow("uptime paused") << paused << uptime << QStringLiteral("—");
}

void TestServiceModel::statusText()
{
    QFETCH(ServiceStatus, status);
    QFETCH(int, column);
    QFETCH(QString, expected);
    ServiceModel model;
    Tester tester(&model, QtTestMode);
    useFixedClock(model);
    model.setStack(makeStack());
    model.setStatus(QStringLiteral("api2"), status);
    QCOMPARE(text(model, 1, column), expected);
}

void TestServiceModel::swarmTasks()
{
    ServiceModel model;
    Tester tester(&model, QtTestMode);
    model.setStack(makeStack());
    ServiceStatus s;
    s.state = ServiceStatus::State::Running;
    s.replicasDesired = 2;
    s.replicasRunning = 2;
    s.tasks = QStringList{QStringLiteral("api2.1 on a: running (9285bb1cf256)"), QStringLiteral("api2.2 on b: running (1e51bf7ffc1e)")};
    model.setStatus(QStringLiteral("api2"), s);
    const QModelIndex api2 = model.index(1, ServiceModel::NameColumn);
    QCOMPARE(api2.data(ServiceModel::TasksRole).toStringList(), s.tasks);
    QCOMPARE(api2.data(ServiceModel::ReplicasRole).toString(), QStringLiteral("2/2"));
    QCOMPARE(model.index(0, 0).data(ServiceModel::ReplicasRole).toString(), QString()); // not a swarm service
    QCOMPARE(model.roleNames().value(ServiceModel::TasksRole), QByteArrayLiteral("tasks"));
}

void TestServiceModel::roles()
{
    ServiceModel model;
    Tester tester(&model, QtTestMode);
    useFixedClock(model);
    model.setStack(makeStack());
    ServiceStatus s = running(4242, QStringLiteral("leader"));
    s.detail = QStringLiteral("ready after 2 probes");
    model.setStatus(QStringLiteral("db"), s);

    const QModelIndex db = model.index(2, ServiceModel::UptimeColumn);
    QCOMPARE(db.data(ServiceModel::NameRole).toString(), QStringLiteral("db"));
    QCOMPARE(db.data(ServiceModel::StateRole).toInt(), int(ServiceStatus::State::Running));
    QCOMPARE(db.data(ServiceModel::HealthRole).toInt(), int(ServiceStatus::Health::Healthy));
    QCOMPARE(db.data(ServiceModel::RoleRole).toString(), QStringLiteral("leader"));
    QCOMPARE(db.data(ServiceModel::PidRole).toLongLong(), qlonglong(4242));
    QCOMPARE(db.data(ServiceModel::IsLeaderRole).toBool(), true);
    QCOMPARE(db.data(Qt::ToolTipRole).toString(), QStringLiteral("ready after 2 probes"));

    const QModelIndex api1 = model.index(0, 0);
    QCOMPARE(api1.data(ServiceModel::StateRole).toInt(), int(ServiceStatus::State::Stopped));
    QCOMPARE(api1.data(ServiceModel::IsLeaderRole).toBool(), false);
    QCOMPARE(api1.data(ServiceModel::PidRole).toLongLong(), qlonglong(0));
}

void TestServiceModel::setStatus()
{
    ServiceModel model;
    Tester tester(&model, QtTestMode);
    useFixedClock(model);
    model.setStack(makeStack());
    QSignalSpy spy(&model, &QAbstractItemModel::dataChanged);

    const ServiceStatus s = running(4242);
    model.setStatus(QStringLiteral("api2"), s);
    QCOMPARE(spy.count(), 1);
    const QModelIndex topLeft = spy.at(0).at(0).value<QModelIndex>();
    const QModelIndex bottomRight = spy.at(0).at(1).value<QModelIndex>();
    QCOMPARE(topLeft, model.index(1, 0));
    QCOMPARE(bottomRight, model.index(1, ServiceModel::ColumnCount - 1));
    QCOMPARE(model.status(QStringLiteral("api2")), s);
    QCOMPARE(text(model, 1, ServiceModel::StateColumn), QStringLiteral("running"));

    // The same status again, or an unknown service: no signal.
    model.setStatus(QStringLiteral("api2"), s);
    model.setStatus(QStringLiteral("cache"), s);
    QCOMPARE(spy.count(), 1);

    ServiceStatus healthier = s;
    healthier.health = ServiceStatus::Health::Unhealthy;
    model.setStatus(QStringLiteral("api2"), healthier);
    QCOMPARE(spy.count(), 2);
    QCOMPARE(text(model, 1, ServiceModel::HealthColumn), QStringLiteral("unhealthy"));
}

void TestServiceModel::setStatuses()
{
    ServiceModel model;
    Tester tester(&model, QtTestMode);
    useFixedClock(model);
    model.setStack(makeStack());
    QSignalSpy spy(&model, &QAbstractItemModel::dataChanged);

    QHash<QString, ServiceStatus> batch;
    batch.insert(QStringLiteral("api1"), running(11));
    batch.insert(QStringLiteral("db"), running(33));
    batch.insert(QStringLiteral("unknown"), running(99));
    model.setStatuses(batch);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).value<QModelIndex>(), model.index(0, 0));
    QCOMPARE(spy.at(0).at(1).value<QModelIndex>(), model.index(2, ServiceModel::ColumnCount - 1));
    QCOMPARE(text(model, 0, ServiceModel::PidColumn), QStringLiteral("11"));
    QCOMPARE(text(model, 2, ServiceModel::PidColumn), QStringLiteral("33"));
    QCOMPARE(text(model, 1, ServiceModel::PidColumn), QString());

    // Nothing new: silent.
    model.setStatuses(batch);
    QCOMPARE(spy.count(), 1);

    // Only api2 changes: the span is that row alone.
    batch.insert(QStringLiteral("api2"), running(22));
    model.setStatuses(batch);
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(0).value<QModelIndex>().row(), 1);
    QCOMPARE(spy.at(1).at(1).value<QModelIndex>().row(), 1);
}

void TestServiceModel::leader()
{
    ServiceModel model;
    Tester tester(&model, QtTestMode);
    useFixedClock(model);
    model.setStack(makeStack());
    QSignalSpy leaderSpy(&model, &ServiceModel::leaderChanged);
    QCOMPARE(model.leader(), QString());

    QHash<QString, ServiceStatus> batch;
    batch.insert(QStringLiteral("api1"), running(11, QStringLiteral("leader")));
    batch.insert(QStringLiteral("api2"), running(22, QStringLiteral("replica")));
    model.setStatuses(batch);
    QCOMPARE(model.leader(), QStringLiteral("api1"));
    QCOMPARE(leaderSpy.count(), 1);
    QCOMPARE(leaderSpy.at(0).at(0).toString(), QStringLiteral("api1"));
    QCOMPARE(model.index(0, 0).data(ServiceModel::IsLeaderRole).toBool(), true);

    // Failover: the leader is killed, the replica takes over.
    ServiceStatus killed;
    killed.state = ServiceStatus::State::Exited;
    killed.exitCode = 137;
    model.setStatus(QStringLiteral("api1"), killed);
    QCOMPARE(model.leader(), QString());
    QCOMPARE(leaderSpy.count(), 2);
    model.setStatus(QStringLiteral("api2"), running(22, QStringLiteral("leader")));
    QCOMPARE(model.leader(), QStringLiteral("api2"));
    QCOMPARE(leaderSpy.count(), 3);
    QCOMPARE(leaderSpy.at(2).at(0).toString(), QStringLiteral("api2"));
    QCOMPARE(model.index(0, 0).data(ServiceModel::IsLeaderRole).toBool(), false);
    QCOMPARE(model.index(1, 0).data(ServiceModel::IsLeaderRole).toBool(), true);

    // A change that keeps the leader doesn't re-announce it.
    model.setStatus(QStringLiteral("db"), running(33));
    QCOMPARE(leaderSpy.count(), 3);
}

void TestServiceModel::refreshUptime()
{
    ServiceModel model;
    Tester tester(&model, QtTestMode);
    QDateTime now = Now;
    model.setClock([&now] { return now; });
    model.setStack(makeStack());
    QSignalSpy spy(&model, &QAbstractItemModel::dataChanged);

    model.refreshUptime();
    QCOMPARE(spy.count(), 0); // nothing running, nothing ages

    model.setStatus(QStringLiteral("api2"), running(22, {}, 65));
    spy.clear();
    now = now.addSecs(60);
    model.refreshUptime();
    QCOMPARE(spy.count(), 1);
    const QModelIndex topLeft = spy.at(0).at(0).value<QModelIndex>();
    const QModelIndex bottomRight = spy.at(0).at(1).value<QModelIndex>();
    QCOMPARE(topLeft.column(), int(ServiceModel::UptimeColumn));
    QCOMPARE(bottomRight.column(), int(ServiceModel::UptimeColumn));
    QCOMPARE(topLeft.row(), 1);
    QCOMPARE(bottomRight.row(), 1);
    QCOMPARE(text(model, 1, ServiceModel::UptimeColumn), QStringLiteral("2m 05s"));
}

void TestServiceModel::setStackKeepsStatuses()
{
    ServiceModel model;
    Tester tester(&model, QtTestMode);
    useFixedClock(model);
    model.setStack(makeStack());
    model.setStatus(QStringLiteral("db"), running(33, QStringLiteral("leader")));

    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy leaderSpy(&model, &ServiceModel::leaderChanged);
    model.setStack(makeStack({QStringLiteral("db"), QStringLiteral("cache")}));
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(text(model, 0, ServiceModel::PidColumn), QStringLiteral("33"));
    QCOMPARE(text(model, 1, ServiceModel::StateColumn), QStringLiteral("stopped"));
    QCOMPARE(model.leader(), QStringLiteral("db"));
    QCOMPARE(leaderSpy.count(), 0);

    model.setStack(makeStack({QStringLiteral("cache")}));
    QCOMPARE(model.leader(), QString());
    QCOMPARE(leaderSpy.count(), 1);
}

void TestServiceModel::headerFlagsRoleNames()
{
    ServiceModel model;
    Tester tester(&model, QtTestMode);
    model.setStack(makeStack());

    const QStringList headers{QStringLiteral("Service"), QStringLiteral("State"), QStringLiteral("Health"),
                              QStringLiteral("Role"), QStringLiteral("PID / container"), QStringLiteral("Uptime")};
    for (int c = 0; c < ServiceModel::ColumnCount; ++c)
        QCOMPARE(model.headerData(c, Qt::Horizontal).toString(), headers.at(c));
    QCOMPARE(model.flags(model.index(1, 3)), Qt::ItemIsSelectable | Qt::ItemIsEnabled);

    const QHash<int, QByteArray> names = model.roleNames();
    QCOMPARE(names.value(ServiceModel::NameRole), QByteArrayLiteral("name"));
    QCOMPARE(names.value(ServiceModel::IsLeaderRole), QByteArrayLiteral("isLeader"));
    QCOMPARE(int(ServiceModel::NameRole), Qt::UserRole + 1);
    QCOMPARE(int(ServiceModel::IsLeaderRole), Qt::UserRole + 6);
}

void TestServiceModel::formatUptime_data()
{
    QTest::addColumn<qint64>("seconds");
    QTest::addColumn<QString>("expected");
    QTest::newRow("0") << qint64(0) << QStringLiteral("0s");
    QTest::newRow("skew") << qint64(-3) << QStringLiteral("0s");
    QTest::newRow("59") << qint64(59) << QStringLiteral("59s");
    QTest::newRow("65") << qint64(65) << QStringLiteral("1m 05s");
    QTest::newRow("3599") << qint64(3599) << QStringLiteral("59m 59s");
    QTest::newRow("3780") << qint64(3780) << QStringLiteral("1h 03m");
    QTest::newRow("days") << qint64(3 * 86400 + 4 * 3600 + 59) << QStringLiteral("3d 04h");
}

void TestServiceModel::formatUptime()
{
    QFETCH(qint64, seconds);
    QFETCH(QString, expected);
    QCOMPARE(ServiceModel::formatUptime(seconds), expected);
}

QTEST_GUILESS_MAIN(TestServiceModel)
#include "tst_servicemodel.moc"
