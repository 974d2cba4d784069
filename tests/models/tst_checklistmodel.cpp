// CheckListModel: checks and their steps as a tree, verdicts and applicability, under the model tester.
#include "checklistmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

namespace {

using Tester = QAbstractItemModelTester;
constexpr auto QtTestMode = QAbstractItemModelTester::FailureReportingMode::QtTest;

StepSpec step(StepSpec::Kind kind, const QString &title = {})
{
    StepSpec s;
    s.kind = kind;
    s.title = title;
    return s;
}

StepSpec httpStep(const QString &method, const QString &url)
{
    StepSpec s = step(StepSpec::Kind::Http);
    s.method = method;
    s.url = url;
    return s;
}

StepSpec faultStep(StepSpec::FaultAction action, const QString &service, StepSpec::Role role = StepSpec::Role::None)
{
    StepSpec s = step(StepSpec::Kind::Fault);
    s.action = action;
    s.service = service;
    s.role = role;
    return s;
}

StepSpec waitStep(qint64 durationMs, WaitConditionSpec::Kind until = WaitConditionSpec::Kind::None,
                  qint64 timeoutMs = 10000)
{
    StepSpec s = step(StepSpec::Kind::Wait);
    s.durationMs = durationMs;
    s.until.kind = until;
    s.timeoutMs = timeoutMs;
    return s;
}

StepSpec matrixStep(int rows)
{
    StepSpec s = step(StepSpec::Kind::Matrix);
    for (int i = 0; i < rows; ++i) {
        MatrixRowSpec r;
        r.name = QStringLiteral("row%1").arg(i);
        r.url = QStringLiteral("${lb}/r%1").arg(i);
        s.rows.append(r);
    }
    return s;
}

StepSpec logScanStep(const QStringList &services, const QString &pattern, const QString &since = {})
{
    StepSpec s = step(StepSpec::Kind::LogScan);
    s.services = services;
    s.pattern = pattern;
    s.since = since;
    return s;
}

StepSpec markStep(const QString &mark)
{
    StepSpec s = step(StepSpec::Kind::Mark);
    s.mark = mark;
    return s;
}

CheckSpec check(const QString &id, const QString &title, CheckSpec::Mode mode)
{
    CheckSpec c;
    c.id = id;
    c.title = title;
    c.mode = mode;
    return c;
}

// Four checks: a manual one, an automated failover, a multi-tenant-only one and a deferred one.
Lab makeLab()
{
    Lab lab;
    lab.id = QStringLiteral("lab-1");
    lab.name = QStringLiteral("Test lab");
    lab.variables.insert(QStringLiteral("MULTI_TENANT_ENABLED"), QStringLiteral("false"));
    lab.variables.insert(QStringLiteral("STACK"), QStringLiteral("pg"));

    CheckSpec c1 = check(QStringLiteral("1"), QStringLiteral("Shared asset readability"), CheckSpec::Mode::Manual);
    c1.description = QStringLiteral("Assets stay readable while a member is down.");
    c1.steps << httpStep(QStringLiteral("GET"), QStringLiteral("${lb}/health"));
    StepSpec prompt = step(StepSpec::Kind::Prompt, QStringLiteral("Open the asset in two tabs"));
    prompt.instructions = QStringLiteral("Are both readable?");
    c1.steps << prompt;

    CheckSpec c2 = check(QStringLiteral("2"), QStringLiteral("Leader failover"), CheckSpec::Mode::Automated);
    StepSpec cmd = step(StepSpec::Kind::Command);
    cmd.argv = QStringList{QStringLiteral("pg_ctl"), QStringLiteral("status")};
    StepSpec restart = faultStep(StepSpec::FaultAction::Restart, {}, StepSpec::Role::LastFaulted);
    restart.overrides.insert(QStringLiteral("LOG_LEVEL"), QStringLiteral("debug"));
    c2.steps << markStep(QStringLiteral("T0"))
             << faultStep(StepSpec::FaultAction::Kill, {}, StepSpec::Role::Leader)
             << waitStep(0, WaitConditionSpec::Kind::LeaderChanged, 10000) << waitStep(5000) << matrixStep(4)
             << logScanStep({QStringLiteral("api1"), QStringLiteral("api2")}, QStringLiteral("panic"), QStringLiteral("T0"))
             << step(StepSpec::Kind::Prompt) << cmd << restart << waitStep(1500);

    CheckSpec c3 = check(QStringLiteral("3"), QStringLiteral("Tenant isolation"), CheckSpec::Mode::Mixed);
    c3.appliesWhen.insert(QStringLiteral("MULTI_TENANT_ENABLED"), QStringLiteral("true"));
    c3.notApplicableReason = QStringLiteral("single-tenant deployment");
    c3.steps << httpStep(QStringLiteral("POST"), QStringLiteral("${lb}/tenants"));

    CheckSpec c4 = check(QStringLiteral("4"), QStringLiteral("Cross-region failover"), CheckSpec::Mode::Manual);
    c4.appliesWhen.insert(QStringLiteral("REGION_COUNT"), QStringLiteral("2"));
    c4.deferredReason = QStringLiteral("needs a second region");

    lab.checks << c1 << c2 << c3 << c4;
    return lab;
}

QString text(const QAbstractItemModel &m, int row, int column, const QModelIndex &parent = {})
{
    return m.data(m.index(row, column, parent)).toString();
}

} // namespace

class TestCheckListModel : public QObject
{
    Q_OBJECT

private slots:
    void emptyModel();
    void structure();
    void checkText_data();
    void checkText();
    void stepText_data();
    void stepText();
    void roles();
    void toolTips();
    void isApplicable_data();
    void isApplicable();
    void notApplicableShowsNa();
    void setVerdict();
    void setVerdictOverridesNa();
    void resetVerdicts();
    void setLabResets();
    void headerFlagsRoleNames();
};

void TestCheckListModel::emptyModel()
{
    CheckListModel model;
    Tester tester(&model, QtTestMode);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(CheckListModel::ColumnCount));
    QVERIFY(!model.index(0, 0).isValid());
    QVERIFY(!model.hasChildren(model.index(0, 0)));
    model.setVerdict(QStringLiteral("nope"), Verdict::Pass); // must not crash
    QCOMPARE(model.verdict(QStringLiteral("nope")), Verdict::NotRun);
}

void TestCheckListModel::structure()
{
    CheckListModel model;
    Tester tester(&model, QtTestMode);
    model.setLab(makeLab());

    QCOMPARE(model.rowCount(), 4);
    const QModelIndex c1 = model.index(0, 0);
    const QModelIndex c2 = model.index(1, 0);
    QCOMPARE(model.rowCount(c1), 2);
    QCOMPARE(model.rowCount(c2), 10);
    QCOMPARE(model.rowCount(model.index(3, 0)), 0);
    QVERIFY(model.hasChildren(c2));
    QVERIFY(!model.hasChildren(model.index(3, 0)));

    // Only column 0 parents children.
    const QModelIndex c2mode = model.index(1, CheckListModel::ModeColumn);
    QCOMPARE(model.rowCount(c2mode), 0);
    QVERIFY(!model.hasChildren(c2mode));
    QVERIFY(!model.index(0, 0, c2mode).isValid());

    // Steps are leaves and know their parent.
    const QModelIndex s = model.index(4, CheckListModel::VerdictColumn, c2);
    QVERIFY(s.isValid());
    QCOMPARE(model.parent(s), c2);
    QCOMPARE(s.parent().row(), 1);
    QCOMPARE(model.rowCount(s), 0);
    QVERIFY(!model.hasChildren(s));
    QVERIFY(!model.parent(c2).isValid());
    QVERIFY(!model.index(10, 0, c2).isValid());
    QVERIFY(!model.index(0, CheckListModel::ColumnCount, c2).isValid());

    QCOMPARE(model.indexOfCheck(QStringLiteral("3")), model.index(2, 0));
    QVERIFY(!model.indexOfCheck(QStringLiteral("99")).isValid());
    QCOMPARE(model.checkAt(s)->id, QStringLiteral("2"));
    QCOMPARE(model.stepAt(s)->kind, StepSpec::Kind::Matrix);
    QVERIFY(model.stepAt(c2) == nullptr);
}

void TestCheckListModel::checkText_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("expected");

    QTest::newRow("title 1") << 0 << int(CheckListModel::TitleColumn) << QStringLiteral("1. Shared asset readability");
    QTest::newRow("title 2") << 1 << int(CheckListModel::TitleColumn) << QStringLiteral("2. Leader failover");
    QTest::newRow("mode manual") << 0 << int(CheckListModel::ModeColumn) << QStringLiteral("manual");
    QTest::newRow("mode automated") << 1 << int(CheckListModel::ModeColumn) << QStringLiteral("automated");
    QTest::newRow("mode mixed") << 2 << int(CheckListModel::ModeColumn) << QStringLiteral("mixed");
    QTest::newRow("verdict not run") << 0 << int(CheckListModel::VerdictColumn) << QStringLiteral("NOT RUN");
    QTest::newRow("verdict n/a (variable false)") << 2 << int(CheckListModel::VerdictColumn) << QStringLiteral("N/A");
    QTest::newRow("verdict n/a (variable missing)") << 3 << int(CheckListModel::VerdictColumn) << QStringLiteral("N/A");
}

void TestCheckListModel::checkText()
{
    QFETCH(int, row);
    QFETCH(int, column);
    QFETCH(QString, expected);
    CheckListModel model;
    Tester tester(&model, QtTestMode);
    model.setLab(makeLab());
    QCOMPARE(text(model, row, column), expected);
}

void TestCheckListModel::stepText_data()
{
    QTest::addColumn<int>("checkRow");
    QTest::addColumn<int>("stepRow");
    QTest::addColumn<QString>("expected");

    QTest::newRow("http") << 0 << 0 << QStringLiteral("GET ${lb}/health");
    QTest::newRow("titled prompt") << 0 << 1 << QStringLiteral("Open the asset in two tabs");
    QTest::newRow("mark") << 1 << 0 << QStringLiteral("mark T0");
    QTest::newRow("kill leader") << 1 << 1 << QStringLiteral("kill leader");
    QTest::newRow("wait until") << 1 << 2 << QStringLiteral("wait until leader changes (timeout 10s)");
    QTest::newRow("wait") << 1 << 3 << QStringLiteral("wait 5s");
    QTest::newRow("matrix") << 1 << 4 << QStringLiteral("request matrix (4 rows)");
    QTest::newRow("log scan") << 1 << 5 << QStringLiteral("scan logs of api1, api2 for /panic/ since T0");
    QTest::newRow("prompt") << 1 << 6 << QStringLiteral("operator prompt");
    QTest::newRow("command") << 1 << 7 << QStringLiteral("run pg_ctl status");
    QTest::newRow("restart last faulted") << 1 << 8
                                          << QStringLiteral("restart the last faulted service with LOG_LEVEL=debug");
    QTest::newRow("fractional wait") << 1 << 9 << QStringLiteral("wait 1.5s");
    QTest::newRow("post") << 2 << 0 << QStringLiteral("POST ${lb}/tenants");
}

void TestCheckListModel::stepText()
{
    QFETCH(int, checkRow);
    QFETCH(int, stepRow);
    QFETCH(QString, expected);
    CheckListModel model;
    Tester tester(&model, QtTestMode);
    model.setLab(makeLab());
    const QModelIndex parent = model.index(checkRow, 0);
    QCOMPARE(text(model, stepRow, CheckListModel::TitleColumn, parent), expected);
    // Steps have no mode or verdict of their own.
    QCOMPARE(text(model, stepRow, CheckListModel::ModeColumn, parent), QString());
    QCOMPARE(text(model, stepRow, CheckListModel::VerdictColumn, parent), QString());
}

void TestCheckListModel::roles()
{
    CheckListModel model;
    Tester tester(&model, QtTestMode);
    model.setLab(makeLab());

    const QModelIndex c1 = model.index(0, 0);
    QCOMPARE(c1.data(CheckListModel::CheckIdRole).toString(), QStringLiteral("1"));
    QCOMPARE(c1.data(CheckListModel::IsCheckRole).toBool(), true);
    QCOMPARE(c1.data(CheckListModel::StepIndexRole).toInt(), -1);
    QVERIFY(!c1.data(CheckListModel::StepKindRole).isValid());
    QCOMPARE(c1.data(CheckListModel::ModeRole).toInt(), int(CheckSpec::Mode::Manual));
    QCOMPARE(c1.data(CheckListModel::VerdictRole).toInt(), int(Verdict::NotRun));
    QCOMPARE(c1.data(CheckListModel::ApplicableRole).toBool(), true);
    QCOMPARE(c1.data(CheckListModel::DeferredRole).toBool(), false);
    QCOMPARE(c1.data(CheckListModel::DescriptionRole).toString(),
             QStringLiteral("Assets stay readable while a member is down."));

    const QModelIndex kill = model.index(1, CheckListModel::ModeColumn, model.index(1, 0));
    QCOMPARE(kill.data(CheckListModel::CheckIdRole).toString(), QStringLiteral("2"));
    QCOMPARE(kill.data(CheckListModel::IsCheckRole).toBool(), false);
    QCOMPARE(kill.data(CheckListModel::StepIndexRole).toInt(), 1);
    QCOMPARE(kill.data(CheckListModel::StepKindRole).toInt(), int(StepSpec::Kind::Fault));
    QVERIFY(!kill.data(CheckListModel::VerdictRole).isValid());
    QCOMPARE(kill.data(CheckListModel::DescriptionRole).toString(), QStringLiteral("kill leader"));

    const QModelIndex c4 = model.index(3, CheckListModel::VerdictColumn);
    QCOMPARE(c4.data(CheckListModel::DeferredRole).toBool(), true);
    QCOMPARE(c4.data(CheckListModel::ApplicableRole).toBool(), false);
    QCOMPARE(model.index(0, 0, model.index(2, 0)).data(CheckListModel::ApplicableRole).toBool(), false);
}

void TestCheckListModel::toolTips()
{
    CheckListModel model;
    Tester tester(&model, QtTestMode);
    model.setLab(makeLab());

    QCOMPARE(model.index(0, 0).data(Qt::ToolTipRole).toString(),
             QStringLiteral("Assets stay readable while a member is down."));
    QCOMPARE(model.index(2, 0).data(Qt::ToolTipRole).toString(),
             QStringLiteral("Not applicable: single-tenant deployment"));
    QVERIFY(model.index(3, 0).data(Qt::ToolTipRole).toString().contains(QStringLiteral("Deferred: needs a second region")));
    const QModelIndex prompt = model.index(1, 0, model.index(0, 0));
    QCOMPARE(prompt.data(Qt::ToolTipRole).toString(), QStringLiteral("operator prompt\n\nAre both readable?"));
    QCOMPARE(model.index(1, 0, model.index(1, 0)).data(Qt::ToolTipRole).toString(), QStringLiteral("kill leader"));
}

void TestCheckListModel::isApplicable_data()
{
    using Vars = QMap<QString, QString>;
    QTest::addColumn<Vars>("variables");
    QTest::addColumn<Vars>("appliesWhen");
    QTest::addColumn<bool>("expected");

    const QString mt = QStringLiteral("MULTI_TENANT_ENABLED");
    const QString t = QStringLiteral("true");
    const QString f = QStringLiteral("false");
    QTest::newRow("no condition") << Vars{{mt, f}} << Vars{} << true;
    QTest::newRow("no condition, no variables") << Vars{} << Vars{} << true;
    QTest::newRow("matches") << Vars{{mt, t}} << Vars{{mt, t}} << true;
    QTest::newRow("differs") << Vars{{mt, f}} << Vars{{mt, t}} << false;
    QTest::newRow("missing variable") << Vars{} << Vars{{mt, t}} << false;
    QTest::newRow("case matters") << Vars{{mt, QStringLiteral("True")}} << Vars{{mt, t}} << false;
    QTest::newRow("all of two") << Vars{{mt, t}, {QStringLiteral("STACK"), QStringLiteral("pg")}}
                                << Vars{{mt, t}, {QStringLiteral("STACK"), QStringLiteral("pg")}} << true;
    QTest::newRow("one of two differs") << Vars{{mt, t}, {QStringLiteral("STACK"), QStringLiteral("mysql")}}
                                        << Vars{{mt, t}, {QStringLiteral("STACK"), QStringLiteral("pg")}} << false;
}

void TestCheckListModel::isApplicable()
{
    using Vars = QMap<QString, QString>;
    QFETCH(Vars, variables);
    QFETCH(Vars, appliesWhen);
    QFETCH(bool, expected);

    CheckSpec c = check(QStringLiteral("7"), QStringLiteral("Conditional"), CheckSpec::Mode::Manual);
    c.appliesWhen = appliesWhen;
    QCOMPARE(CheckListModel::isApplicable(c, variables), expected);

    Lab lab;
    lab.variables = variables;
    lab.checks << c;
    CheckListModel model;
    Tester tester(&model, QtTestMode);
    model.setLab(lab);
    QCOMPARE(model.index(0, 0).data(CheckListModel::ApplicableRole).toBool(), expected);
    QCOMPARE(text(model, 0, CheckListModel::VerdictColumn), expected ? QStringLiteral("NOT RUN") : QStringLiteral("N/A"));
}

void TestCheckListModel::notApplicableShowsNa()
{
    CheckListModel model;
    Tester tester(&model, QtTestMode);
    model.setLab(makeLab());

    // appliesWhen {MULTI_TENANT_ENABLED: "true"} against the lab's "false".
    const QModelIndex tenant = model.indexOfCheck(QStringLiteral("3"), CheckListModel::VerdictColumn);
    QCOMPARE(tenant.data().toString(), QStringLiteral("N/A"));
    QCOMPARE(tenant.data(CheckListModel::ApplicableRole).toBool(), false);
    QCOMPARE(tenant.data(CheckListModel::VerdictRole).toInt(), int(Verdict::NotApplicable));
    QCOMPARE(model.verdict(QStringLiteral("3")), Verdict::NotApplicable);
    // Still listed, with its steps.
    QCOMPARE(model.rowCount(model.indexOfCheck(QStringLiteral("3"))), 1);

    // Same lab with the variable flipped: the check applies.
    Lab lab = makeLab();
    lab.variables[QStringLiteral("MULTI_TENANT_ENABLED")] = QStringLiteral("true");
    model.setLab(lab);
    QCOMPARE(text(model, 2, CheckListModel::VerdictColumn), QStringLiteral("NOT RUN"));
    QCOMPARE(model.index(2, 0).data(CheckListModel::ApplicableRole).toBool(), true);
}

void TestCheckListModel::setVerdict()
{
    CheckListModel model;
    Tester tester(&model, QtTestMode);
    model.setLab(makeLab());
    QSignalSpy spy(&model, &QAbstractItemModel::dataChanged);

    model.setVerdict(QStringLiteral("2"), Verdict::Running);
    QCOMPARE(spy.count(), 1);
    const QModelIndex topLeft = spy.at(0).at(0).value<QModelIndex>();
    const QModelIndex bottomRight = spy.at(0).at(1).value<QModelIndex>();
    const QList<int> changedRoles = spy.at(0).at(2).value<QList<int>>();
    QCOMPARE(topLeft.row(), 1);
    QCOMPARE(bottomRight.row(), 1);
    QVERIFY(!topLeft.parent().isValid());
    QVERIFY(topLeft.column() <= CheckListModel::VerdictColumn);
    QVERIFY(bottomRight.column() >= CheckListModel::VerdictColumn);
    QVERIFY(changedRoles.contains(Qt::DisplayRole));
    QVERIFY(changedRoles.contains(CheckListModel::VerdictRole));
    QCOMPARE(text(model, 1, CheckListModel::VerdictColumn), QStringLiteral("RUNNING"));

    model.setVerdict(QStringLiteral("2"), Verdict::Pass);
    QCOMPARE(spy.count(), 2);
    QCOMPARE(text(model, 1, CheckListModel::VerdictColumn), QStringLiteral("PASS"));
    QCOMPARE(model.index(1, 0).data(CheckListModel::VerdictRole).toInt(), int(Verdict::Pass));
    QCOMPARE(model.verdict(QStringLiteral("2")), Verdict::Pass);

    // Same verdict again, or an unknown check: nothing to announce.
    model.setVerdict(QStringLiteral("2"), Verdict::Pass);
    model.setVerdict(QStringLiteral("99"), Verdict::Fail);
    QCOMPARE(spy.count(), 2);

    // Other rows untouched.
    QCOMPARE(text(model, 0, CheckListModel::VerdictColumn), QStringLiteral("NOT RUN"));
}

void TestCheckListModel::setVerdictOverridesNa()
{
    CheckListModel model;
    Tester tester(&model, QtTestMode);
    model.setLab(makeLab());
    QSignalSpy spy(&model, &QAbstractItemModel::dataChanged);

    // Recording N/A on a check already shown N/A changes nothing visible.
    model.setVerdict(QStringLiteral("3"), Verdict::NotApplicable);
    QCOMPARE(spy.count(), 0);

    model.setVerdict(QStringLiteral("3"), Verdict::Fail);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).value<QModelIndex>().row(), 2);
    QCOMPARE(text(model, 2, CheckListModel::VerdictColumn), QStringLiteral("FAIL"));
    QCOMPARE(model.index(2, 0).data(CheckListModel::ApplicableRole).toBool(), false);

    model.setVerdict(QStringLiteral("4"), Verdict::Deferred);
    QCOMPARE(spy.count(), 2);
    QCOMPARE(text(model, 3, CheckListModel::VerdictColumn), QStringLiteral("DEFERRED"));
}

void TestCheckListModel::resetVerdicts()
{
    CheckListModel model;
    Tester tester(&model, QtTestMode);
    model.setLab(makeLab());
    model.setVerdict(QStringLiteral("1"), Verdict::Pass);
    model.setVerdict(QStringLiteral("3"), Verdict::Error);

    QSignalSpy spy(&model, &QAbstractItemModel::dataChanged);
    model.resetVerdicts();
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).value<QModelIndex>().row(), 0);
    QCOMPARE(spy.at(0).at(1).value<QModelIndex>().row(), 2);
    QCOMPARE(text(model, 0, CheckListModel::VerdictColumn), QStringLiteral("NOT RUN"));
    QCOMPARE(text(model, 2, CheckListModel::VerdictColumn), QStringLiteral("N/A"));

    model.resetVerdicts();
    QCOMPARE(spy.count(), 1); // already at defaults
}

void TestCheckListModel::setLabResets()
{
    CheckListModel model;
    Tester tester(&model, QtTestMode);
    QSignalSpy aboutToReset(&model, &QAbstractItemModel::modelAboutToBeReset);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);

    model.setLab(makeLab());
    model.setVerdict(QStringLiteral("1"), Verdict::Fail);
    QCOMPARE(reset.count(), 1);

    Lab smaller = makeLab();
    smaller.checks.removeLast();
    smaller.checks.removeLast();
    smaller.checks[1].steps.removeFirst();
    model.setLab(smaller);
    QCOMPARE(aboutToReset.count(), 2);
    QCOMPARE(reset.count(), 2);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowCount(model.index(1, 0)), 9);
    QCOMPARE(text(model, 0, CheckListModel::VerdictColumn), QStringLiteral("NOT RUN")); // verdicts start over
    QCOMPARE(model.lab().checks.size(), 2);

    model.setLab(Lab());
    QCOMPARE(model.rowCount(), 0);
}

void TestCheckListModel::headerFlagsRoleNames()
{
    CheckListModel model;
    Tester tester(&model, QtTestMode);
    model.setLab(makeLab());

    QCOMPARE(model.headerData(CheckListModel::TitleColumn, Qt::Horizontal).toString(), QStringLiteral("Check"));
    QCOMPARE(model.headerData(CheckListModel::ModeColumn, Qt::Horizontal).toString(), QStringLiteral("Mode"));
    QCOMPARE(model.headerData(CheckListModel::VerdictColumn, Qt::Horizontal).toString(), QStringLiteral("Verdict"));

    const Qt::ItemFlags expected = Qt::ItemIsSelectable | Qt::ItemIsEnabled;
    QCOMPARE(model.flags(model.index(0, 0)), expected);
    QCOMPARE(model.flags(model.index(0, 2, model.index(1, 0))), expected);
    QCOMPARE(model.flags(QModelIndex()), Qt::ItemFlags(Qt::NoItemFlags));

    const QHash<int, QByteArray> names = model.roleNames();
    QCOMPARE(names.value(CheckListModel::CheckIdRole), QByteArrayLiteral("checkId"));
    QCOMPARE(names.value(CheckListModel::VerdictRole), QByteArrayLiteral("verdict"));
    QCOMPARE(names.value(CheckListModel::ApplicableRole), QByteArrayLiteral("applicable"));
    QCOMPARE(names.value(CheckListModel::DescriptionRole), QByteArrayLiteral("description"));
    QCOMPARE(names.value(Qt::DisplayRole), QByteArrayLiteral("display"));
    QCOMPARE(int(CheckListModel::CheckIdRole), Qt::UserRole + 1);
    QCOMPARE(int(CheckListModel::DescriptionRole), Qt::UserRole + 9);
}

QTEST_GUILESS_MAIN(TestCheckListModel)
#include "tst_checklistmodel.moc"
