#pragma once

// One recorded run with every verdict kind, shared by the store, export and report tests.
#include "lab.h"
#include "run.h"

#include <QDateTime>

namespace SampleRun {

inline QDateTime at(int minute, int second = 0)
{
    return QDateTime(QDate(2026, 4, 21), QTime(10, minute, second), Qt::UTC);
}

inline CheckResult result(const QString &id, const QString &title, Verdict v, int startMinute)
{
    CheckResult r;
    r.checkId = id;
    r.title = title;
    r.verdict = v;
    if (v != Verdict::NotRun && v != Verdict::Deferred && v != Verdict::NotApplicable) {
        r.started = at(startMinute);
        r.finished = at(startMinute, 42);
    }
    return r;
}

inline ProbeSampleBatch samples(const QString &probe, int n, qint64 startWallMs)
{
    ProbeSampleBatch batch;
    for (int i = 0; i < n; ++i) {
        ProbeSample s;
        s.probeId = probe;
        s.monoNs = qint64(i) * 100'000'000;
        s.wallMs = startWallMs + i * 100;
        s.ok = i % 17 != 5;
        s.latencyMs = 3.5 + i % 7;
        s.status = s.ok ? 200 : 0;
        s.error = s.ok ? QString() : QStringLiteral("connection refused");
        s.lateNs = 20'000 + i;
        batch.append(s);
    }
    return batch;
}

// Shared asset PASS, failover PASS (intervals, log scan), rotation FAIL (matrix), DEFERRED, N/A, NOT RUN, ERROR.
inline Run make()
{
    Run run;
    run.id = QStringLiteral("6f1c2b9e-4a7d-4c1e-9b3a-0d5e8f7a6b21");
    run.labName = QStringLiteral("Demo HA lab");
    run.labPath = QStringLiteral("/labs/demo.halab.yaml");
    run.started = at(0);
    run.finished = at(12, 31);
    run.operatorName = QStringLiteral("Troy Krajancic");
    run.appVersion = QStringLiteral("0.1.0");
    run.hostOs = QStringLiteral("Debian GNU/Linux 12 (bookworm) x86_64");
    run.stackVersions = {{QStringLiteral("Postgres"), QStringLiteral("16-alpine")},
                         {QStringLiteral("nginx"), QStringLiteral("1.27-alpine")},
                         {QStringLiteral("halab-demo-api"), QStringLiteral("0.1.0")}};
    run.state = Run::State::Finished;
    run.notes = QStringLiteral("Port 3000 was taken; the LB ran on 3010.");

    CheckResult asset = result(QStringLiteral("asset"), QStringLiteral("Shared asset readability (upload via LB, fetch from both replicas)"),
                               Verdict::Pass, 1);
    asset.metrics = {{QStringLiteral("steps_failed"), 0}};
    StepOutcome upload;
    upload.index = 0;
    upload.summary = QStringLiteral("POST http://127.0.0.1:3010/assets → 201 (14 ms)");
    upload.request = QStringLiteral("POST http://127.0.0.1:3010/assets");
    upload.status = 201;
    upload.headers = QStringLiteral("content-type: application/json");
    upload.body = QStringLiteral("{\"id\":\"a1\",\n\"size\":535381,\n\"name\":\"logo.png\",\n\"sha256\":\"9f…\",\n\"tenant\":\"default\",\n\"x\":1}");
    upload.startedWallMs = at(1, 2).toMSecsSinceEpoch();
    upload.durationMs = 14.2;
    asset.steps = {upload};

    CheckResult failover = result(QStringLiteral("failover"), QStringLiteral("Graceful degradation when one replica is killed"), Verdict::Pass, 3);
    failover.metrics = {{QStringLiteral("failover_ms"), 412},
                        {QStringLiteral("detection_ms"), 120},
                        {QStringLiteral("availability_pct"), 99.2},
                        {QStringLiteral("log_count"), 0},
                        {QStringLiteral("steps_failed"), 0}};
    failover.intervals = {{QStringLiteral("failover_ms"), {400, 438}}, {QStringLiteral("detection_ms"), {100, 146}}};
    StepOutcome kill;
    kill.index = 0;
    kill.summary = QStringLiteral("kill api1 (leader)");
    kill.durationMs = 3;
    StepOutcome scan;
    scan.index = 1;
    scan.summary = QStringLiteral("log scan api1, api2: 0 line(s) match \"statusCode\":401");
    scan.request = QStringLiteral("log scan api1 api2 /\"statusCode\":401/");
    scan.status = 0;
    scan.body = QString();
    scan.durationMs = 8;
    failover.steps = {kill, scan};
    RunEvent fault;
    fault.kind = RunEvent::Kind::Fault;
    fault.monoNs = 5'000'000'000;
    fault.wallMs = at(3, 5).toMSecsSinceEpoch();
    fault.service = QStringLiteral("api1");
    fault.action = QStringLiteral("kill");
    RunEvent role;
    role.kind = RunEvent::Kind::RoleChange;
    role.monoNs = 5'412'000'000;
    role.wallMs = fault.wallMs + 412;
    role.service = QStringLiteral("api2");
    failover.events = {fault, role};
    failover.samples = samples(QStringLiteral("lb"), 40, at(3).toMSecsSinceEpoch());

    CheckResult rotation = result(QStringLiteral("rotation"), QStringLiteral("API key rotation with *_PREVIOUS, zero 401s"), Verdict::Fail, 6);
    rotation.metrics = {{QStringLiteral("matrix_failures"), 1}, {QStringLiteral("steps_failed"), 1}};
    StepOutcome matrix;
    matrix.index = 2;
    matrix.ok = false;
    matrix.summary = QStringLiteral("4 row(s): 200/200/200/401, 1 unexpected");
    matrix.request = QStringLiteral("matrix: 4 requests");
    matrix.matrix = {{200, 200}, {200, 200}, {401, 200}, {401, 401}};
    matrix.durationMs = 31;
    matrix.body = QStringLiteral("row 3: GET /templates with the old admin key answered 200");
    rotation.steps = {matrix};
    rotation.failures = {QStringLiteral("step 3: 4 row(s): 200/200/200/401, 1 unexpected"),
                         QStringLiteral("matrix_failures == 0: measured 1, bound == 0")};
    rotation.note = rotation.failures.join(QStringLiteral("; "));

    CheckResult schedule = result(QStringLiteral("schedule"), QStringLiteral("Schedule fires exactly once across replicas"), Verdict::Deferred, 0);
    schedule.note = QStringLiteral("driver not ready for this stack");
    CheckResult tenant = result(QStringLiteral("tenant"), QStringLiteral("Tenant archive propagation within TENANT_STATUS_CACHE_TTL_MS"),
                                Verdict::NotApplicable, 0);
    tenant.note = QStringLiteral("single-tenant stack");
    CheckResult soak = result(QStringLiteral("soak"), QStringLiteral("30-day soak"), Verdict::NotRun, 0);
    CheckResult quorum = result(QStringLiteral("quorum"), QStringLiteral("Quorum loss blocks writes"), Verdict::Error, 9);
    quorum.failures = {QStringLiteral("aborted by the operator")};
    quorum.note = QStringLiteral("aborted by the operator");
    quorum.overrideReason = QString();

    run.results = {asset, failover, rotation, schedule, tenant, soak, quorum};
    return run;
}

inline Expectation expectation(const QString &metric, Expectation::Op op, double bound, const QString &text)
{
    Expectation e;
    e.metric = metric;
    e.op = op;
    e.bound = bound;
    e.text = text;
    return e;
}

// The lab the run came from, for complete expectation lists.
inline Lab lab()
{
    Lab lab;
    lab.id = QStringLiteral("demo");
    lab.name = QStringLiteral("Demo HA lab");
    const Run run = make();
    for (const CheckResult &r : run.results) {
        CheckSpec c;
        c.id = r.checkId;
        c.title = r.title;
        lab.checks.append(c);
    }
    lab.checks[1].expectations = {expectation(QStringLiteral("failover_ms"), Expectation::Op::LessEqual, 5000, QStringLiteral("failover_ms <= 5s")),
                                  expectation(QStringLiteral("availability_pct"), Expectation::Op::GreaterEqual, 99,
                                              QStringLiteral("availability_pct >= 99")),
                                  expectation(QStringLiteral("log_count"), Expectation::Op::Equal, 0, QStringLiteral("log_count == 0"))};
    lab.checks[2].expectations = {expectation(QStringLiteral("matrix_failures"), Expectation::Op::Equal, 0, QStringLiteral("matrix_failures == 0"))};
    lab.checks[3].deferredReason = QStringLiteral("needs the schedule driver");
    lab.checks[4].notApplicableReason = QStringLiteral("MULTI_TENANT_ENABLED is false");

    ReadinessLevelSpec partner;
    partner.id = QStringLiteral("partner");
    partner.name = QStringLiteral("HA design partner");
    partner.windowMs = 6LL * 3600 * 1000;
    partner.checksPass = {QStringLiteral("asset"), QStringLiteral("failover")};
    partner.metrics = {{QStringLiteral("failover"), expectation(QStringLiteral("failover_ms"), Expectation::Op::LessEqual, 5000,
                                                                QStringLiteral("failover_ms <= 5s"))}};
    ReadinessLevelSpec ga;
    ga.id = QStringLiteral("ga");
    ga.name = QStringLiteral("HA GA");
    ga.windowMs = 6LL * 3600 * 1000;
    ga.checksPass = {QStringLiteral("asset"), QStringLiteral("failover"), QStringLiteral("rotation"), QStringLiteral("soak")};
    lab.readiness = {partner, ga};
    return lab;
}

} // namespace SampleRun
