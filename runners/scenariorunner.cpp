#include "scenariorunner.h"

#include "checkjudgement.h"
#include "hostnetwork.h"
#include "namespacelaunch.h"
#include "networkfaultdriver.h"
#include "duration.h"
#include "monoclock.h"
#include "probeengine.h"
#include "processscope.h"
#include "serviceprober.h"

#include <QDateTime>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QTimer>
#include <QUuid>

namespace {

qint64 wallNowMs() { return QDateTime::currentMSecsSinceEpoch(); }

constexpr int MaxLogLines = 50'000;
} // namespace

ScenarioRunner::ScenarioRunner(const CheckSpec &check, LabContext *context, StackBackend *backend, QObject *parent)
    : QObject(parent)
    , m_check(check)
    , m_context(context)
    , m_backend(backend)
    , m_probes(new ProbeEngine(this))
    , m_nam(new QNetworkAccessManager(this))
    , m_waitTimer(new QTimer(this))
    , m_deadline(new QTimer(this))
    , m_rollbackTimer(new QTimer(this))
{
    m_rollbackTimer->setSingleShot(true);
    connect(m_rollbackTimer, &QTimer::timeout, this, [this] {
        finishRollbackStep(false, QStringLiteral("%1 %2: not confirmed within %3 (%4)")
                                      .arg(m_rollbackAction.isEmpty() ? QStringLiteral("state of") : m_rollbackAction,
                                           m_rollbackCurrent.service, Duration::format(RollbackConfirmMs),
                                           m_backend ? ServiceStatus::stateText(m_backend->status(m_rollbackCurrent.service).state,
                                                                                m_backend->status(m_rollbackCurrent.service).exitCode)
                                                     : QStringLiteral("no stack")));
    });
    m_roleSource = m_context->lab().stack.roles ? QStringLiteral("cluster") : QStringLiteral("members");
    m_result.checkId = check.id;
    m_result.title = check.title;
    m_waitTimer->setInterval(10); // condition polling: finer than any probe interval we time with
    m_waitTimer->setTimerType(Qt::PreciseTimer);
    m_deadline->setSingleShot(true);
    connect(m_waitTimer, &QTimer::timeout, this, &ScenarioRunner::evaluateWait);
    connect(m_probes, &ProbeEngine::samples, this, &ScenarioRunner::onSamples);
    if (m_backend) {
        connect(m_backend, &StackBackend::statusesChanged, this, &ScenarioRunner::onStatuses);
        connect(m_backend, &StackBackend::logLines, this, &ScenarioRunner::onLogLines);
        connect(m_backend, &StackBackend::actionFinished, this, &ScenarioRunner::onActionFinished);
        connect(m_backend, &StackBackend::roleSamples, this, &ScenarioRunner::onRoleSamples);
    }
}

ScenarioRunner::~ScenarioRunner() = default;

void ScenarioRunner::emitEvent(RunEvent::Kind kind, const QString &service, const QString &action, const QString &detail,
                               qint64 monoNs)
{
    RunEvent e;
    e.kind = kind;
    const qint64 now = MonoClock::nowNs();
    e.monoNs = monoNs > 0 ? monoNs : now;
    e.wallMs = wallNowMs() - (now - e.monoNs) / 1'000'000;
    e.service = service;
    e.action = action;
    e.detail = detail;
    m_metrics.addEvent(e);
    Q_EMIT eventOccurred(e);
}

QString ScenarioRunner::newestLeaderClaim() const
{
    // Two members claiming at once (a split brain, or the old leader not yet told): the newest
    // claim is the one the cluster moved to; on a tie keep the current leader.
    QString best;
    qint64 bestNs = -1;
    for (const QString &l : m_roundLeaders) {
        const qint64 since = m_claimSinceNs.value(l);
        if (since > bestNs || (since == bestNs && l == m_leader)) {
            best = l;
            bestNs = since;
        }
    }
    return best;
}

QString ScenarioRunner::currentLeader() const
{
    if (m_haveRoleRound)
        return newestLeaderClaim();
    if (!m_backend)
        return {};
    // A member leads when it runs and its role probe says so; keep the current one on ties.
    QStringList leaders;
    for (const QString &name : m_backend->serviceNames()) {
        const ServiceStatus st = m_backend->status(name);
        if (st.state == ServiceStatus::State::Running && st.role == QLatin1String("leader"))
            leaders.append(name);
    }
    if (leaders.contains(m_leader))
        return m_leader;
    return leaders.value(0);
}

void ScenarioRunner::start()
{
    m_running = true;
    m_startNs = MonoClock::nowNs();
    m_result.started = QDateTime::currentDateTimeUtc();
    m_result.verdict = Verdict::Running;
    emitEvent(RunEvent::Kind::CheckStarted, {}, {}, m_check.id);

    double roleResolution = 0;
    if (m_backend) {
        // The timeline starts from the newest rounds taken before the check: who led at its start.
        const RoleSampleBatch before = m_backend->latestRoleSamples();
        if (!before.isEmpty())
            onRoleSamples(before);
        const QString seeded = m_leader; // onRoleSamples already told the timeline
        m_leader = currentLeader();
        // leader_changed before any fault means "since the check started".
        m_leaderBeforeFault = m_leader;
        if (!m_leader.isEmpty() && m_leader != seeded)
            emitEvent(RunEvent::Kind::RoleChange, m_leader, QStringLiteral("leader"));
    }
    const StackSpec stack = m_context->lab().stack;
    for (const ServiceSpec &s : stack.services)
        if (s.role && !stack.roles)
            roleResolution = std::max(roleResolution, double(s.role->probe.intervalMs)); // a change shows up to one interval late
    if (stack.roles)
        roleResolution = double(stack.roles->probe.intervalMs);
    if (m_backend)
        for (const QString &name : m_backend->serviceNames()) {
            const ServiceStatus st = m_backend->status(name);
            m_states.insert(name, st.state);
            m_exitCodes.insert(name, st.exitCode);
        }
    m_metrics.setRoleResolutionMs(roleResolution);

    QList<ProbeSpec> probes;
    for (const ProbeSpec &p : m_check.probes) {
        ProbeSpec resolved = m_context->resolvedProbe(p);
        if (!resolved.fromHost.isEmpty() && m_backend && m_backend->hostNetwork())
            resolved.netnsPath = m_backend->hostNetwork()->namespacePath(resolved.fromHost);
        probes.append(resolved);
    }
    // A sample completes within its timeout of a start at most about one interval late; past that
    // (plus slack for batching and a busy host) no earlier one can still arrive: the metrics'
    // reorder window, which the live summary re-reads every second.
    qint64 completesWithinMs = 0;
    for (const ProbeSpec &p : std::as_const(probes))
        completesWithinMs = std::max(completesWithinMs, qint64(p.timeoutMs) + qint64(p.intervalMs));
    m_metrics.setReorderWindowNs((completesWithinMs + 10'000) * 1'000'000);
    if (m_backend && m_backend->hostNetwork() && !m_network) {
        m_network = new NetworkFaultDriver(m_backend->hostNetwork(), m_backend, m_context->lab().stack, this);
        connect(m_network, &NetworkFaultDriver::faultEvent, this, [this](const QString &service, const QString &action, const QString &detail) {
            const bool leaderFault = !service.isEmpty() && service == leaderOrSilentLeader();
            if (action != QLatin1String("heal")) {
                m_leaderBeforeFault = leaderOrSilentLeader();
                m_lastFaulted = service;
            }
            emitEvent(RunEvent::Kind::Fault, service, action, detail);
            if (leaderFault)
                m_leaderFaultNs = m_metrics.events().last().monoNs;
        });
    }
    m_probes->setProbes(probes);
    if (!probes.isEmpty())
        m_probes->start();
    if (!m_manual)
        QTimer::singleShot(0, this, &ScenarioRunner::nextStep);
}

void ScenarioRunner::startManual()
{
    m_manual = true;
    start();
}

void ScenarioRunner::runStep(int index)
{
    if (!m_manual || !m_running || m_stepInProgress || index < 0 || index >= m_check.steps.size())
        return;
    executeStep(index);
}

void ScenarioRunner::finishManual()
{
    if (m_manual && !m_stepInProgress)
        finishCheck();
}

void ScenarioRunner::nextStep()
{
    if (m_aborted)
        return;
    if (m_step + 1 >= m_check.steps.size()) {
        finishCheck();
        return;
    }
    executeStep(m_step + 1);
}

void ScenarioRunner::executeStep(int index)
{
    m_step = index;
    m_stepInProgress = true;
    const StepSpec &step = m_check.steps.at(m_step);
    m_current = StepOutcome();
    m_current.index = m_step;
    m_current.startedWallMs = wallNowMs();
    m_stepClock.start();
    Q_EMIT stepStarted(m_step);
    emitEvent(RunEvent::Kind::StepStarted, {}, QString::number(m_step), step.title);
    m_okStreak.clear();
    m_failStreak.clear();

    switch (step.kind) {
    case StepSpec::Kind::Http: return runHttp(step);
    case StepSpec::Kind::Command: return runCommand(step);
    case StepSpec::Kind::Fault: return runFault(step);
    case StepSpec::Kind::Wait: return runWait(step);
    case StepSpec::Kind::LogScan: return runLogScan(step);
    case StepSpec::Kind::Matrix: return runMatrix(step, 0);
    case StepSpec::Kind::Mark:
        m_marks.insert(step.mark, QDateTime::currentDateTimeUtc());
        emitEvent(RunEvent::Kind::Mark, {}, step.mark);
        return finishStep(true, QStringLiteral("mark %1").arg(step.mark));
    case StepSpec::Kind::Prompt:
        if (m_unattended) {
            m_current.skipped = true;
            return finishStep(true, QStringLiteral("operator prompt skipped (unattended): %1").arg(step.instructions));
        }
        Q_EMIT promptRequested(m_step, step.instructions);
        return;
    case StepSpec::Kind::Network: return runNetwork(step);
    }
}

void ScenarioRunner::answerPrompt(bool ok, const QString &note)
{
    if (!m_running || m_step < 0 || m_step >= m_check.steps.size() || m_check.steps.at(m_step).kind != StepSpec::Kind::Prompt)
        return;
    finishStep(ok, note.isEmpty() ? (ok ? QStringLiteral("confirmed by the operator") : QStringLiteral("rejected by the operator")) : note);
}

void ScenarioRunner::finishStep(bool ok, const QString &summary)
{
    m_waitTimer->stop();
    m_deadline->stop();
    m_deadline->disconnect(this);
    m_current.ok = ok;
    m_current.summary = m_redactor.redact(summary);
    m_current.request = m_redactor.redact(m_current.request);
    m_current.headers = m_redactor.redact(m_current.headers);
    m_current.body = m_redactor.redact(m_current.body);
    m_current.stderrText = m_redactor.redact(m_current.stderrText);
    m_current.durationMs = double(m_stepClock.nsecsElapsed()) / 1e6;
    if (!ok && !m_manual) {
        ++m_stepsFailed;
        m_failures.append(QStringLiteral("step %1: %2").arg(m_step + 1).arg(m_current.summary));
    }
    m_stepInProgress = false;
    // A step run again by hand replaces its earlier evidence.
    for (int i = 0; i < m_outcomes.size(); ++i)
        if (m_outcomes.at(i).index == m_current.index)
            m_outcomes.removeAt(i--);
    m_outcomes.append(m_current);
    emitEvent(RunEvent::Kind::StepFinished, {}, QString::number(m_step), m_current.summary);
    Q_EMIT stepFinished(m_current);
    if (m_manual)
        return; // the engineer decides what runs next
    if (!ok && !m_aborted) {
        // A failed step leaves the stack in an unknown shape: stop the steps here and roll back;
        // the probes are still summarised up to this point.
        m_stoppedAtStep = m_step;
        m_result.stoppedAtStep = m_step;
        m_step = int(m_check.steps.size());
    }
    QTimer::singleShot(0, this, &ScenarioRunner::nextStep);
}

QNetworkReply *ScenarioRunner::send(const QString &method, const QString &url, const QMap<QString, QString> &headers,
                                    const QString &body, qint64 timeoutMs)
{
    QNetworkRequest req(QUrl(m_context->resolve(url)));
    req.setTransferTimeout(int(timeoutMs));
    for (auto it = headers.cbegin(); it != headers.cend(); ++it)
        req.setRawHeader(it.key().toUtf8(), m_context->resolve(it.value()).toUtf8()); // secrets filled at send time
    const QByteArray payload = m_context->resolve(body).toUtf8();
    m_current.request = method + QLatin1Char(' ') + req.url().toString();
    return m_nam->sendCustomRequest(req, method.toLatin1(), payload);
}

void ScenarioRunner::saveValue(const StepSpec &step, const QByteArray &text)
{
    if (step.saveAs.isEmpty())
        return;
    ProbeSpec spec;
    spec.jsonPointer = step.jsonPointer;
    spec.regex = step.regex;
    QString error;
    const std::optional<QString> value = ServiceProber::extract(spec, text, &error);
    if (value) {
        m_context->setSaved(step.saveAs, *value);
        m_result.saved.insert(step.saveAs, *value);
        bool numeric = false;
        const double n = value->toDouble(&numeric);
        if (numeric)
            m_result.metrics.insert(step.saveAs, n);
    }
}

void ScenarioRunner::runHttp(const StepSpec &step)
{
    QNetworkReply *reply = send(step.method, step.url, step.headers, step.body, step.timeoutMs);
    m_reply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply, step] {
        reply->deleteLater();
        if (m_aborted)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        // An aborted or failed reply is closed: reading it would only warn on stderr.
        const QByteArray body = reply->isOpen() ? reply->read(BodyCap + 1) : QByteArray();
        m_current.status = status;
        m_current.body = QString::fromUtf8(body.left(BodyCap));
        for (const auto &[name, value] : reply->rawHeaderPairs())
            m_current.headers += QString::fromLatin1(name) + QStringLiteral(": ") + QString::fromUtf8(value) + QLatin1Char('\n');
        const double ms = double(m_stepClock.nsecsElapsed()) / 1e6;
        QString summary = QStringLiteral("%1 → %2 (%3 ms)").arg(m_current.request).arg(status).arg(ms, 0, 'f', 1);
        bool ok = status != 0;
        if (!ok && (reply->error() == QNetworkReply::OperationCanceledError || reply->error() == QNetworkReply::TimeoutError))
            summary = QStringLiteral("%1 → timed out after %2").arg(m_current.request, Duration::format(step.timeoutMs));
        else if (!ok)
            summary = QStringLiteral("%1 → no answer: %2").arg(m_current.request, reply->errorString());
        if (step.expectStatus && status != step.expectStatus) {
            ok = false;
            summary += QStringLiteral(", expected %1").arg(step.expectStatus);
        }
        if (ok)
            saveValue(step, body);
        if (ok && !step.saveAs.isEmpty() && m_context->saved(step.saveAs).isEmpty()) {
            ok = false;
            summary += QStringLiteral(", nothing to save as %1").arg(step.saveAs);
        }
        finishStep(ok, summary);
    });
}

void ScenarioRunner::runCommand(const StepSpec &step)
{
    auto *p = new QProcess(this);
    m_process = p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (auto it = step.env.cbegin(); it != step.env.cend(); ++it)
        env.insert(it.key(), m_context->resolve(it.value())); // secrets travel in the environment, never argv
    p->setProcessEnvironment(env);
    QStringList argv;
    for (const QString &a : step.argv)
        argv.append(m_context->resolve(a));
    m_current.request = argv.join(QLatin1Char(' '));
    // Everything the command starts (a `sleep` under `sh -c` included) is one scope: killed at
    // the step's timeout, on abort and at the end of the check, and by the watchdog if the console dies.
    auto *scope = new ProcessScope(QStringLiteral("step-%1").arg(m_step + 1), this);
    m_stepScopes.append(scope);
    QString scopeError;
    if (!scope->prepare(p, &scopeError)) {
        p->deleteLater();
        return finishStep(false, QStringLiteral("cannot run %1: %2").arg(argv.value(0), scopeError));
    }
    connect(p, &QProcess::started, scope, [scope, p] { scope->setMainProcess(p->processId()); });
    NamespaceLaunch inHost;
    if (!step.fromHost.isEmpty()) {
        QString error;
        HostNetwork *hosts = m_backend ? m_backend->hostNetwork() : nullptr;
        if (!hosts || !inHost.prepare(p, hosts->namespacePath(step.fromHost), &error)) {
            p->deleteLater();
            return finishStep(false, QStringLiteral("%1 from %2: %3").arg(m_current.request, step.fromHost,
                                                                            hosts ? error : QStringLiteral("this stack runs on no lab hosts")));
        }
        m_current.request += QStringLiteral(" (from %1)").arg(step.fromHost);
    }
    m_deadline->start(int(step.timeoutMs));
    // Context `this`: finishStep() disconnects it, so a later step's deadline never kills this scope.
    connect(m_deadline, &QTimer::timeout, this, [scope = QPointer<ProcessScope>(scope)] {
        if (scope)
            scope->kill();
    });
    connect(p, &QProcess::errorOccurred, this, [this, p, argv](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart || m_aborted)
            return;
        p->deleteLater();
        finishStep(false, QStringLiteral("cannot run %1: %2").arg(argv.value(0), p->errorString()));
    });
    connect(p, &QProcess::finished, this, [this, p, step](int code, QProcess::ExitStatus status) {
        p->deleteLater();
        if (m_aborted)
            return;
        const QByteArray out = p->readAllStandardOutput();
        m_current.status = code;
        m_current.body = QString::fromUtf8(out.left(BodyCap));
        m_current.stderrText = QString::fromUtf8(p->readAllStandardError().left(BodyCap));
        const bool timedOut = !m_deadline->isActive() && status == QProcess::CrashExit;
        bool ok = status == QProcess::NormalExit && (step.expectExit < 0 || code == step.expectExit);
        QString summary = timedOut ? QStringLiteral("%1: timed out after %2").arg(m_current.request, Duration::format(step.timeoutMs))
                                   : QStringLiteral("%1 → exit %2").arg(m_current.request).arg(code);
        if (!timedOut && step.expectExit >= 0 && code != step.expectExit)
            summary += QStringLiteral(", expected %1").arg(step.expectExit);
        if (ok)
            saveValue(step, out);
        finishStep(ok, summary);
    });
    p->start(argv.value(0), argv.mid(1));
}

QString ScenarioRunner::silentLeaderInGrace() const
{
    if (m_silentLeader.isEmpty() || !currentLeader().isEmpty())
        return {};
    if (m_backend && m_backend->status(m_silentLeader).state != ServiceStatus::State::Running)
        return {}; // stopped or gone: its silence is not a slow answer
    return silentForMs() < LeaderSilenceGraceMs ? m_silentLeader : QString();
}

qint64 ScenarioRunner::silentForMs() const
{
    return (MonoClock::nowNs() - m_silentSinceNs) / 1000000;
}

QString ScenarioRunner::leaderOrSilentLeader() const
{
    // A leader that missed one role round still leads as far as anyone knows: a baseline taken in
    // that moment must name it, or its next "leader" answer reads as a change.
    const QString leader = currentLeader();
    return leader.isEmpty() ? silentLeaderInGrace() : leader;
}

QString ScenarioRunner::resolveTarget(const StepSpec &step, QString *error) const
{
    if (!step.service.isEmpty())
        return step.service == QLatin1String("last_faulted") ? m_lastFaulted : step.service;
    switch (step.role) {
    case StepSpec::Role::Leader: {
        const QString leader = leaderOrSilentLeader();
        if (!leader.isEmpty())
            return leader;
        if (!m_silentLeader.isEmpty() && m_backend && m_backend->status(m_silentLeader).state == ServiceStatus::State::Running) {
            *error = QStringLiteral("the last leader %1 has not answered its role probe for %2 ms").arg(m_silentLeader).arg(silentForMs());
            return {};
        }
        *error = QStringLiteral("no member holds the leader role right now");
        return {};
    }
    case StepSpec::Role::Replica:
    case StepSpec::Role::Any:
        for (const QString &name : m_backend->serviceNames()) {
            const ServiceStatus st = m_backend->status(name);
            // 'task: any' picks among every running service, with a role or not.
            const bool anyTask = step.role == StepSpec::Role::Any && step.task == QLatin1String("any");
            if (st.state != ServiceStatus::State::Running || (st.role.isEmpty() && !anyTask))
                continue;
            if (step.role == StepSpec::Role::Any || st.role != QLatin1String("leader"))
                return name;
        }
        *error = QStringLiteral("no running member with that role");
        return {};
    case StepSpec::Role::LastFaulted:
        if (m_lastFaulted.isEmpty())
            *error = QStringLiteral("no earlier fault to refer to");
        return m_lastFaulted;
    case StepSpec::Role::None:
        break;
    }
    *error = QStringLiteral("the fault names no target");
    return {};
}

void ScenarioRunner::runFault(const StepSpec &step)
{
    if (!m_backend)
        return finishStep(false, QStringLiteral("no stack is driven by this console"));
    QString error;
    // A node (drain / activate) may be written with ${NAME}; service names are plain.
    const bool onNode = step.action == StepSpec::FaultAction::Drain || step.action == StepSpec::FaultAction::Activate;
    const QString service = onNode ? m_context->resolve(step.node) : resolveTarget(step, &error);
    if (service.isEmpty())
        return finishStep(false, QStringLiteral("fault target: %1").arg(onNode ? QStringLiteral("no node named") : error));
    if (m_confirmFaults) {
        m_awaitingConfirmation = service;
        m_current.request = QStringLiteral("%1 %2").arg(StepSpec::actionText(step.action), service);
        Q_EMIT faultConfirmationRequested(m_step, service, StepSpec::actionText(step.action));
        return;
    }
    applyFault(step, service);
}

void ScenarioRunner::runNetwork(const StepSpec &step)
{
    if (!m_network)
        return finishStep(false, QStringLiteral("%1: this stack runs on no lab hosts").arg(step.network.text()));
    m_current.request = step.network.text();
    connect(m_network, &NetworkFaultDriver::stepDone, this, [this](bool ok, const QString &summary) {
        if (!m_aborted)
            finishStep(ok, summary);
    }, Qt::SingleShotConnection);
    m_network->run(step.network, [this](const QString &role) {
        StepSpec byRole;
        byRole.role = role == QLatin1String("leader")    ? StepSpec::Role::Leader
                      : role == QLatin1String("replica") ? StepSpec::Role::Replica
                      : role == QLatin1String("any")     ? StepSpec::Role::Any
                                                         : StepSpec::Role::LastFaulted;
        QString error;
        return resolveTarget(byRole, &error);
    });
}

void ScenarioRunner::confirmFault(bool apply)
{
    if (m_awaitingConfirmation.isEmpty() || m_step < 0 || m_step >= m_check.steps.size())
        return;
    const QString service = m_awaitingConfirmation;
    m_awaitingConfirmation.clear();
    if (!apply)
        return finishStep(false, QStringLiteral("%1: declined by the operator, not applied").arg(m_current.request));
    applyFault(m_check.steps.at(m_step), service);
}

void ScenarioRunner::applyFault(const StepSpec &step, const QString &service)
{
    QString error;
    const QString action = StepSpec::actionText(step.action);
    const bool recovery = CheckMetrics::isRecoveryAction(action);

    FaultLedger::Entry entry;
    entry.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    entry.lab = m_labPath;
    entry.check = m_check.id;
    entry.service = service;
    entry.action = action;
    entry.time = QDateTime::currentDateTimeUtc();
    if (!recovery && !m_ledger.record(entry, &error)) // on disk BEFORE the fault is applied
        return finishStep(false, QStringLiteral("cannot write the fault ledger, fault not applied: %1").arg(error));
    if (!recovery)
        m_applied.append({entry.id, service, action});

    if (!recovery) {
        m_leaderBeforeFault = leaderOrSilentLeader();
        m_lastFaulted = service;
    }
    const bool leaderFault = !recovery && service == m_leaderBeforeFault;
    // A swarm task of the service: "api1.2" (slot 2) or "api1.any"; the backend picks the task.
    const QString target = step.task.isEmpty() ? service : service + QLatin1Char('.') + step.task;
    if (target != service && !recovery)
        m_applied.last().service = target;
    m_pendingService = target;
    m_pendingAction = action;
    // A fault is applied once the signal is sent (the exit is a later event on the timeline);
    // start, resume and restart end when the service runs again, so the next step meets it running
    // (probes and role rounds keep measuring meanwhile).
    m_pendingWaitsForFinish = step.action == StepSpec::FaultAction::Start || step.action == StepSpec::FaultAction::Resume
                              || step.action == StepSpec::FaultAction::Restart || step.action == StepSpec::FaultAction::Scale
                              || step.action == StepSpec::FaultAction::Drain || step.action == StepSpec::FaultAction::Activate;
    m_current.request = step.action == StepSpec::FaultAction::Scale
                            ? QStringLiteral("scale %1 to %2").arg(service).arg(step.replicas)
                            : QStringLiteral("%1 %2").arg(action, target);
    m_deadline->start(60'000);
    connect(m_deadline, &QTimer::timeout, this, [this] { finishStep(false, QStringLiteral("%1: no answer from the stack within 60s").arg(m_current.request)); });
    QMap<QString, QString> overrides;
    for (auto it = step.overrides.cbegin(); it != step.overrides.cend(); ++it)
        overrides.insert(it.key(), m_context->resolve(it.value()));
    // The event names the service (the cluster timeline matches faults to members by it); the task goes in the detail.
    emitEvent(RunEvent::Kind::Fault, service, action,
              step.action == StepSpec::FaultAction::Scale ? QStringLiteral("replicas %1").arg(step.replicas)
              : target != service                          ? QStringLiteral("task %1").arg(step.task)
                                                           : QString());
    if (leaderFault)
        m_leaderFaultNs = m_metrics.events().last().monoNs;
    if (!recovery)
        armReschedule(step, service, m_metrics.events().last().monoNs);
    switch (step.action) {
    case StepSpec::FaultAction::Kill: m_backend->kill(target); break;
    case StepSpec::FaultAction::Stop: m_backend->stop(target); break;
    case StepSpec::FaultAction::Pause: m_backend->pause(target); break;
    case StepSpec::FaultAction::Resume: m_backend->resume(target); break;
    case StepSpec::FaultAction::Start: m_backend->start(target); break;
    case StepSpec::FaultAction::Restart: m_backend->restart(target, overrides); break;
    case StepSpec::FaultAction::Scale: m_backend->scale(target, step.replicas); break;
    case StepSpec::FaultAction::Drain: m_backend->drain(target); break;
    case StepSpec::FaultAction::Activate: m_backend->activate(target); break;
    }
}

void ScenarioRunner::onActionFinished(const QString &service, const QString &action, bool ok, const QString &error)
{
    if (m_rollingBack && service == m_rollbackCurrent.service && action == m_rollbackAction) {
        if (!ok)
            return finishRollbackStep(false, QStringLiteral("%1 %2 failed: %3").arg(action, service, error));
        m_rollbackAction.clear();
        return confirmRollback();
    }
    if (m_pendingService.isEmpty() || service != m_pendingService || action != m_pendingAction)
        return;
    m_pendingService.clear();
    m_pendingAction.clear();
    if (m_aborted || !m_running)
        return;
    finishStep(ok, ok ? QStringLiteral("%1 %2").arg(action, service) : QStringLiteral("%1 %2 failed: %3").arg(action, service, error));
}

void ScenarioRunner::runWait(const StepSpec &step)
{
    if (step.until.kind == WaitConditionSpec::Kind::None) {
        m_current.request = QStringLiteral("wait %1").arg(Duration::format(step.durationMs));
        m_deadline->start(int(step.durationMs));
        connect(m_deadline, &QTimer::timeout, this, [this] { finishStep(true, m_current.request); });
        return;
    }
    if (step.until.kind == WaitConditionSpec::Kind::Steady)
        return runSteadyWait(step);
    m_current.request = QStringLiteral("wait until condition (timeout %1)").arg(Duration::format(step.timeoutMs));
    m_deadline->start(int(step.timeoutMs));
    connect(m_deadline, &QTimer::timeout, this, [this, timeout = step.timeoutMs] {
        finishStep(false, QStringLiteral("timed out after %1: %2").arg(Duration::format(timeout), m_current.summary.isEmpty() ? QStringLiteral("condition not met") : m_current.summary));
    });
    m_waitTimer->start();
    evaluateWait();
}

void ScenarioRunner::evaluateWait()
{
    if (m_step < 0 || m_step >= m_check.steps.size() || !m_waitTimer->isActive())
        return;
    const WaitConditionSpec &c = m_check.steps.at(m_step).until;
    bool met = false;
    QString what;
    switch (c.kind) {
    case WaitConditionSpec::Kind::None: return;
    case WaitConditionSpec::Kind::Steady:
        evaluateSteady(c);
        return;
    case WaitConditionSpec::Kind::LeaderElected:
        met = !currentLeader().isEmpty();
        what = QStringLiteral("%1 leads").arg(currentLeader());
        break;
    case WaitConditionSpec::Kind::LeaderChanged: {
        const QString now = currentLeader();
        met = !now.isEmpty() && now != m_leaderBeforeFault;
        what = QStringLiteral("leader %1 → %2").arg(m_leaderBeforeFault.isEmpty() ? QStringLiteral("none") : m_leaderBeforeFault, now);
        break;
    }
    case WaitConditionSpec::Kind::ProbeOk:
        met = m_okStreak.value(c.probe) >= c.times;
        what = QStringLiteral("probe %1 ok %2× in a row").arg(c.probe).arg(c.times);
        break;
    case WaitConditionSpec::Kind::ProbeFails:
        met = m_failStreak.value(c.probe) >= c.times;
        what = QStringLiteral("probe %1 failed %2× in a row").arg(c.probe).arg(c.times);
        break;
    case WaitConditionSpec::Kind::ServiceState: {
        const QString name = c.service == QLatin1String("last_faulted") ? m_lastFaulted : c.service;
        const ServiceStatus st = m_backend ? m_backend->status(name) : ServiceStatus();
        if (c.state == QLatin1String("running"))
            met = st.state == ServiceStatus::State::Running;
        else if (c.state == QLatin1String("healthy"))
            met = st.state == ServiceStatus::State::Running && st.health == ServiceStatus::Health::Healthy;
        else if (c.state == QLatin1String("stopped"))
            met = st.state == ServiceStatus::State::Stopped;
        else if (c.state == QLatin1String("paused"))
            met = st.state == ServiceStatus::State::Paused;
        else if (c.state == QLatin1String("exited"))
            met = st.state == ServiceStatus::State::Exited;
        what = QStringLiteral("%1 %2").arg(name, c.state);
        break;
    }
    }
    if (!met)
        m_current.summary = what + QStringLiteral(" not met"); // what a timeout reports
    if (met)
        finishStep(true, QStringLiteral("%1 after %2 ms").arg(what).arg(double(m_stepClock.nsecsElapsed()) / 1e6, 0, 'f', 0));
}

void ScenarioRunner::onStatuses(const QHash<QString, ServiceStatus> &changed)
{
    if (m_rollingBack && m_rollbackAction.isEmpty() && changed.contains(m_rollbackCurrent.service))
        confirmRollback();
    if (!m_running)
        return;
    noteStateChanges(changed);
    checkReschedule();
    // The stack acted on the fault (stopping, exited, paused): applied, whether or not its
    // actionFinished has arrived yet.
    if (!m_pendingService.isEmpty() && !m_pendingWaitsForFinish && changed.contains(m_pendingService) && !m_aborted) {
        const QString summary = QStringLiteral("%1 %2").arg(m_pendingAction, m_pendingService);
        m_pendingService.clear();
        m_pendingAction.clear();
        finishStep(true, summary);
        return;
    }
    if (!m_haveRoleRound) {
        // No role rounds yet (a backend that only reports statuses): follow the statuses.
        const QString leader = currentLeader();
        if (leader != m_leader) {
            m_leader = leader;
            emitEvent(RunEvent::Kind::RoleChange, leader, QStringLiteral("leader"));
            if (m_leaderFaultNs && !leader.isEmpty() && leader != m_leaderBeforeFault) {
                Q_EMIT failoverMeasured(m_leaderFaultNs, m_metrics.events().last().monoNs, m_metrics.roleResolutionMs());
                m_leaderFaultNs = 0;
            }
        }
    }
    evaluateWait();
}

void ScenarioRunner::armReschedule(const StepSpec &step, const QString &service, qint64 faultNs)
{
    using A = StepSpec::FaultAction;
    if (!m_backend || (step.action != A::Kill && step.action != A::Stop && step.action != A::Scale && step.action != A::Drain))
        return;
    if (step.action == A::Scale && step.replicas == 0)
        return; // nothing is to run again until a later start
    // A drain moves the tasks of every service that runs on the node; the others move one service.
    QHash<QString, QStringList> tasks;
    for (const QString &name : m_backend->serviceNames()) {
        const ServiceStatus st = m_backend->status(name);
        if (st.replicasDesired < 0)
            continue; // not replicated by an orchestrator: nothing is rescheduled
        if (step.action == A::Drain ? st.nodes.contains(service) : name == service)
            tasks.insert(name, st.taskIds);
    }
    if (tasks.isEmpty())
        return;
    m_rescheduleFaultNs = faultNs;
    m_rescheduleTasks = tasks;
    m_rescheduleNoticed = false;
}

void ScenarioRunner::checkReschedule()
{
    if (!m_rescheduleFaultNs || !m_backend)
        return;
    if (!m_rescheduleNoticed) {
        // The swarm noticed when a faulted service first has a task it did not have at the fault.
        QStringList noticed;
        for (auto it = m_rescheduleTasks.cbegin(); it != m_rescheduleTasks.cend(); ++it) {
            const QStringList now = m_backend->status(it.key()).taskIds;
            for (const QString &id : now)
                if (!it.value().contains(id)) {
                    noticed.append(it.key());
                    break;
                }
        }
        if (!noticed.isEmpty()) {
            m_rescheduleNoticed = true;
            const double ms = double(MonoClock::nowNs() - m_rescheduleFaultNs) / 1e6;
            if (ms > m_noticeMs) {
                m_noticeMs = ms;
                m_noticeInterval = {std::max(0.0, ms - m_backend->statusResolutionMs()), ms};
            }
            emitEvent(RunEvent::Kind::Note, noticed.join(QLatin1Char(',')), QStringLiteral("swarm_noticed"),
                      QStringLiteral("a new task for the faulted service after %1 ms").arg(ms, 0, 'f', 0));
        }
    }
    for (auto it = m_rescheduleTasks.cbegin(); it != m_rescheduleTasks.cend(); ++it) {
        const ServiceStatus st = m_backend->status(it.key());
        // Running means ready again in the swarm backend (its ready probe passed on the new tasks).
        if (st.state != ServiceStatus::State::Running || st.replicasRunning != st.replicasDesired || st.taskIds == it.value())
            return;
    }
    const double ms = double(MonoClock::nowNs() - m_rescheduleFaultNs) / 1e6;
    // The stack's state is polled: convergence happened at most one resolution before we saw it.
    const MetricInterval interval{std::max(0.0, ms - m_backend->statusResolutionMs()), ms};
    if (ms > m_rescheduleMs) {
        m_rescheduleMs = ms;
        m_rescheduleInterval = interval;
    }
    emitEvent(RunEvent::Kind::Note, m_rescheduleTasks.keys().join(QLatin1Char(',')), QStringLiteral("rescheduled"),
              QStringLiteral("desired replicas running and ready again after %1 ms").arg(ms, 0, 'f', 0));
    m_rescheduleFaultNs = 0;
    m_rescheduleTasks.clear();
}

void ScenarioRunner::noteStateChanges(const QHash<QString, ServiceStatus> &changed)
{
    for (auto it = changed.cbegin(); it != changed.cend(); ++it) {
        const ServiceStatus &st = it.value();
        if (m_states.value(it.key(), ServiceStatus::State::Unknown) == st.state && m_exitCodes.value(it.key()) == st.exitCode)
            continue;
        m_states.insert(it.key(), st.state);
        m_exitCodes.insert(it.key(), st.exitCode);
        emitEvent(RunEvent::Kind::ServiceState, it.key(), ServiceStatus::stateText(st.state, st.exitCode), st.detail);
    }
}

void ScenarioRunner::onRoleSamples(const RoleSampleBatch &batch)
{
    if (!m_running)
        return;
    m_metrics.addRoleSamples(batch);
    Q_EMIT roleSamplesArrived(batch);
    for (const RoleSample &round : batch) {
        // Rounds may complete out of order (a hung member): only a newer round moves the leader.
        if (round.source != m_roleSource || !round.error.isEmpty() || round.startNs < m_lastRoleRoundNs)
            continue;
        m_lastRoleRoundNs = round.startNs;
        m_haveRoleRound = true;
        const QStringList leaders = round.leaders();
        const QString lastLeader = m_silentLeader.isEmpty() ? m_leader : m_silentLeader;
        // A round that did not ask the last leader (its earlier answer still out) and heard no
        // other claim says nothing about who leads.
        if (leaders.isEmpty() && !lastLeader.isEmpty() && round.unasked.contains(lastLeader))
            continue;
        // No leader in a round the last leader did not answer: silence, not yet evidence.
        if (leaders.isEmpty() && !lastLeader.isEmpty() && !round.roles.contains(lastLeader)) {
            if (m_silentLeader.isEmpty()) {
                m_silentLeader = lastLeader;
                m_silentSinceNs = round.startNs;
            }
        } else {
            m_silentLeader.clear();
        }
        for (const QString &l : leaders)
            if (!m_roundLeaders.contains(l))
                m_claimSinceNs.insert(l, round.startNs);
        m_roundLeaders = leaders;
        const QString leader = newestLeaderClaim();
        if (leader == m_leader)
            continue;
        m_leader = leader;
        // The first round that showed it: the change is seen when that round's answer arrived.
        const qint64 seenNs = round.endNs > 0 ? round.endNs : MonoClock::nowNs();
        emitEvent(RunEvent::Kind::RoleChange, leader, QStringLiteral("leader"), round.source, seenNs);
        if (m_leaderFaultNs && !leader.isEmpty() && leader != m_leaderBeforeFault) {
            Q_EMIT failoverMeasured(m_leaderFaultNs, seenNs, m_metrics.roleResolutionMs());
            m_leaderFaultNs = 0;
        }
    }
    evaluateWait();
}

void ScenarioRunner::onLogLines(const QList<LogLine> &lines)
{
    if (!m_running)
        return;
    m_logs.append(lines);
    if (m_logs.size() > MaxLogLines)
        m_logs.remove(0, m_logs.size() - MaxLogLines);
}

void ScenarioRunner::onSamples(const ProbeSampleBatch &batch)
{
    m_metrics.addSamples(batch);
    for (const ProbeSample &s : batch) {
        if (s.skipped)
            continue; // no attempt in that slot: neither an ok nor a failure of the target
        if (s.ok) {
            m_okStreak[s.probeId] += 1;
            m_failStreak[s.probeId] = 0;
        } else {
            m_failStreak[s.probeId] += 1;
            m_okStreak[s.probeId] = 0;
        }
    }
    Q_EMIT samplesArrived(batch);
    evaluateWait();
}

void ScenarioRunner::runLogScan(const StepSpec &step)
{
    // Lines a service already wrote may still be on their way (pipes, the backend's batching):
    // let them arrive before counting.
    m_current.request = QStringLiteral("count /%1/ in %2").arg(step.pattern, step.services.join(QStringLiteral(", ")));
    m_deadline->start(LogSettleMs);
    connect(m_deadline, &QTimer::timeout, this, [this, step] { countLogLines(step); });
}

void ScenarioRunner::countLogLines(const StepSpec &step)
{
    const QDateTime since = step.since.isEmpty() || step.since == QLatin1String("check_start") ? m_result.started : m_marks.value(step.since);
    const QRegularExpression re(step.pattern);
    int count = 0;
    QStringList hits;
    QStringList services = step.services; // the format allows last_faulted here too
    services.replaceInStrings(QRegularExpression(QStringLiteral("^last_faulted$")), m_lastFaulted);
    for (const LogLine &line : std::as_const(m_logs)) {
        if (line.time < since || !services.contains(line.service))
            continue;
        if (re.match(line.text).hasMatch()) {
            ++count;
            if (hits.size() < 20)
                hits.append(line.service + QStringLiteral(": ") + line.text);
        }
    }
    m_logCount += count;
    m_current.request = QStringLiteral("count /%1/ in %2 since %3").arg(step.pattern, step.services.join(QStringLiteral(", ")),
                                                                         step.since.isEmpty() ? QStringLiteral("check start") : step.since);
    m_current.status = count;
    m_current.body = hits.join(QLatin1Char('\n'));
    const bool ok = step.expectCount < 0 || count == step.expectCount;
    finishStep(ok, QStringLiteral("%1 matching line(s)%2").arg(count).arg(step.expectCount >= 0 ? QStringLiteral(", expected %1").arg(step.expectCount) : QString()));
}

void ScenarioRunner::runMatrix(const StepSpec &step, int row)
{
    if (row >= step.rows.size()) {
        int failures = 0;
        QStringList cells;
        for (const auto &[expected, actual] : std::as_const(m_current.matrix)) {
            failures += expected != actual ? 1 : 0;
            cells.append(QString::number(actual));
        }
        m_matrixFailures += failures;
        return finishStep(failures == 0, QStringLiteral("%1 row(s): %2%3").arg(step.rows.size()).arg(cells.join(QLatin1Char('/')))
                                              .arg(failures ? QStringLiteral(", %1 unexpected").arg(failures) : QString()));
    }
    const MatrixRowSpec &r = step.rows.at(row);
    QNetworkReply *reply = send(r.method, r.url, r.headers, r.body, step.timeoutMs);
    m_reply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply, step, row] {
        reply->deleteLater();
        if (m_aborted)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 0 && reply->error() == QNetworkReply::OperationCanceledError)
            m_current.stderrText += QStringLiteral("row %1 timed out after %2\n").arg(row + 1).arg(Duration::format(step.timeoutMs));
        m_current.matrix.append({step.rows.at(row).expectStatus, status});
        m_current.body += QStringLiteral("%1 %2 → %3 (expected %4)\n")
                              .arg(step.rows.at(row).name.isEmpty() ? QStringLiteral("row %1").arg(row + 1) : step.rows.at(row).name,
                                   m_current.request)
                              .arg(status)
                              .arg(step.rows.at(row).expectStatus);
        runMatrix(step, row + 1);
    });
}

void ScenarioRunner::rollback()
{
    m_rollingBack = true;
    rollbackNext();
}

void ScenarioRunner::rollbackNext()
{
    if (m_applied.isEmpty() || !m_backend) {
        m_rollingBack = false;
        m_applied.clear();
        judge();
        return;
    }
    // Undo what is still broken, newest first: resume the paused, start the stopped or killed,
    // and put restarted services back on the lab's own environment.
    m_rollbackCurrent = m_applied.takeLast();
    const QString service = m_rollbackCurrent.service;
    const ServiceStatus st = m_backend->status(service);
    m_rollbackAction.clear();
    if (st.state == ServiceStatus::State::Paused)
        m_rollbackAction = QStringLiteral("resume");
    else if (st.state == ServiceStatus::State::Stopped || st.state == ServiceStatus::State::Exited)
        m_rollbackAction = QStringLiteral("start");
    else if (m_rollbackCurrent.action == QLatin1String("restart") && m_aborted)
        m_rollbackAction = QStringLiteral("restart");
    else if (m_rollbackCurrent.action == QLatin1String("scale"))
        m_rollbackAction = QStringLiteral("start"); // a swarm service back at the replicas it was deployed with
    m_rollbackTimer->start(RollbackConfirmMs);
    if (m_rollbackAction == QLatin1String("resume"))
        m_backend->resume(service);
    else if (m_rollbackAction == QLatin1String("start"))
        m_backend->start(service);
    else if (m_rollbackAction == QLatin1String("restart"))
        m_backend->restart(service, {});
    else
        confirmRollback(); // nothing to undo: the fresh state alone must confirm it
}

void ScenarioRunner::confirmRollback()
{
    // Settled already (the timer stopped): a late status report must not settle it again, which
    // would run the next rollback step, and judge(), twice.
    if (!m_rollingBack || !m_rollbackTimer->isActive() || !m_rollbackAction.isEmpty())
        return;
    const ServiceStatus st = m_backend->status(m_rollbackCurrent.service);
    // A restart or start that is still coming up is not yet confirmed; a status change follows.
    if (st.state == ServiceStatus::State::Running)
        finishRollbackStep(true, {});
}

void ScenarioRunner::finishRollbackStep(bool ok, const QString &why)
{
    m_rollbackTimer->stop();
    m_rollbackAction.clear();
    if (ok) {
        QString error;
        if (!m_ledger.markRolledBack(m_rollbackCurrent.ledgerId, &error))
            m_rollbackProblems.append(QStringLiteral("%1 %2 rolled back, but the fault ledger was not updated: %3")
                                          .arg(m_rollbackCurrent.action, m_rollbackCurrent.service, error));
    } else {
        // Left in the ledger: the next start (or --rollback-leftovers) tries again.
        m_rollbackProblems.append(QStringLiteral("rollback of %1 %2: %3").arg(m_rollbackCurrent.action, m_rollbackCurrent.service, why));
    }
    QTimer::singleShot(0, this, &ScenarioRunner::rollbackNext);
}

void ScenarioRunner::abort()
{
    if (!m_running)
        return;
    m_aborted = true;
    if (m_reply)
        m_reply->abort();
    endStepScopes(); // before the first process dies: its children would lose their parent
    if (m_process)
        m_process->kill();
    m_failures.append(QStringLiteral("aborted by the operator"));
    emitEvent(RunEvent::Kind::Abort, {}, QStringLiteral("abort"));
    finishCheck();
}

void ScenarioRunner::endStepScopes()
{
    for (const QPointer<ProcessScope> &scope : std::as_const(m_stepScopes)) {
        if (!scope)
            continue;
        connect(scope, &ProcessScope::ended, scope, &QObject::deleteLater);
        scope->end();
    }
    m_stepScopes.clear();
}

void ScenarioRunner::finishCheck()
{
    if (!m_running)
        return;
    m_running = false;
    m_waitTimer->stop();
    m_deadline->stop();
    m_deadline->disconnect(this);
    m_probes->stop();
    m_pendingService.clear();
    m_pendingAction.clear();
    endStepScopes();
    if (m_network) {
        // Every network fault of the check undone (HostNetwork queues it before anything later);
        // judge() merges these with the saved values.
        const QMap<QString, double> measured = m_network->metrics();
        for (auto it = measured.cbegin(); it != measured.cend(); ++it)
            m_result.metrics.insert(it.key(), it.value());
        m_network->healAll();
    }
    rollback(); // judge() follows once every fault is confirmed undone (or given up on)
}

void ScenarioRunner::judge()
{
    if (m_manual) {
        // By hand, the latest run of each step counts; steps never run are not failures.
        for (const StepOutcome &o : std::as_const(m_outcomes))
            if (!o.ok) {
                ++m_stepsFailed;
                m_failures.append(QStringLiteral("step %1: %2").arg(o.index + 1).arg(o.summary));
            }
    }

    for (const ProbeSpec &p : m_check.probes)
        m_metrics.addProbe({p.id, p.intervalMs, std::max(0.0, m_probes->schedulingJitterP99Ms(p.id))});
    m_metrics.setCheckStartNs(m_startNs);
    const CheckMetrics::Summary summary = m_metrics.summarize();
    QMap<QString, double> metrics = summary.values;
    m_intervals = summary.intervals;
    m_result.intervals = summary.intervals;
    m_result.anomalies = summary.anomalies;
    for (auto it = m_result.metrics.cbegin(); it != m_result.metrics.cend(); ++it)
        metrics.insert(it.key(), it.value()); // values the steps saved
    if (!m_check.lostRecordsBefore.isEmpty()) {
        bool okBefore = false, okAfter = false;
        const double before = m_context->saved(m_check.lostRecordsBefore).toDouble(&okBefore);
        const double after = m_context->saved(m_check.lostRecordsAfter).toDouble(&okAfter);
        if (okBefore && okAfter)
            metrics.insert(QStringLiteral("lost_records"), std::max(0.0, before - after));
    }
    if (!m_check.steps.isEmpty()) {
        metrics.insert(QStringLiteral("steps_failed"), m_stepsFailed);
        if (m_stoppedAtStep >= 0)
            metrics.insert(QStringLiteral("stopped_at_step"), m_stoppedAtStep + 1);
        bool scans = false, matrices = false;
        for (const StepSpec &s : m_check.steps) {
            scans = scans || s.kind == StepSpec::Kind::LogScan;
            matrices = matrices || s.kind == StepSpec::Kind::Matrix;
        }
        if (scans)
            metrics.insert(QStringLiteral("log_count"), m_logCount);
        if (matrices)
            metrics.insert(QStringLiteral("matrix_failures"), m_matrixFailures);
    }
    if (m_noticeMs >= 0) {
        metrics.insert(QStringLiteral("notice_ms"), m_noticeMs);
        m_intervals.insert(QStringLiteral("notice_ms"), m_noticeInterval);
        m_result.intervals.insert(QStringLiteral("notice_ms"), m_noticeInterval);
    }
    if (m_rescheduleMs >= 0) {
        metrics.insert(QStringLiteral("reschedule_ms"), m_rescheduleMs);
        m_intervals.insert(QStringLiteral("reschedule_ms"), m_rescheduleInterval);
        m_result.intervals.insert(QStringLiteral("reschedule_ms"), m_rescheduleInterval);
    }
    m_result.metrics = metrics;

    CheckJudgement::Input judging;
    judging.expectations = m_check.expectations;
    judging.metrics = metrics;
    judging.saved = m_result.saved;
    // Keep only the saved values an expectation compares (a step may save a minted token), redacted.
    m_result.saved = CheckJudgement::comparedValues(m_check.expectations, m_result.saved);
    for (QString &value : m_result.saved)
        value = m_redactor.redact(value);
    judging.failures = m_failures;
    judging.aborted = m_aborted;
    judging.overload = summary.overload;
    const CheckJudgement judgement = CheckJudgement::judge(judging);
    m_failures = judgement.failures;
    m_result.failures = judgement.failures;
    m_result.verdict = judgement.verdict;
    QStringList note{judgement.note};
    note.append(m_rollbackProblems); // the stack may be left broken: say so, whatever the verdict
    note.removeAll(QString());
    m_result.note = note.join(QStringLiteral("; "));
    m_result.finished = QDateTime::currentDateTimeUtc();
    emitEvent(RunEvent::Kind::CheckFinished, {}, VerdictText::toString(m_result.verdict));
    Q_EMIT finished(m_result);
}

// "Nothing changes for D": the step passes when D has gone by with the same leader it started
// with (none counts as a value), and fails at the first change, so "no failover expected" is
// judged rather than slept through.
void ScenarioRunner::runSteadyWait(const StepSpec &step)
{
    // "Nothing changes for D" is judged on a fresh look: the clock starts at the first role round
    // taken after the step began, never at a round that predates the fault just before it.
    m_steadyFromNs = MonoClock::nowNs();
    m_steadyArmed = false;
    m_current.request = QStringLiteral("wait: the leader stays for %1").arg(Duration::format(step.until.steadyForMs));
    m_deadline->start(SteadyFreshRoundMs);
    connect(m_deadline, &QTimer::timeout, this, [this, forMs = step.until.steadyForMs] {
        if (!m_steadyArmed) {
            finishStep(false, QStringLiteral("no role round arrived within %1 of the wait").arg(Duration::format(SteadyFreshRoundMs)));
            return;
        }
        if (!m_check.steps.isEmpty() && m_step >= 0 && m_step < m_check.steps.size()
            && !evaluateSteady(m_check.steps.at(m_step).until))
            return; // it changed in the very last moment: evaluateSteady finished the step
        const QString holder = m_steadyLeader.isEmpty() ? QStringLiteral("no leader") : m_steadyLeader;
        finishStep(true, QStringLiteral("%1 unchanged for %2").arg(holder, Duration::format(forMs)));
    });
    m_waitTimer->start();
    armSteadyWait();
}

void ScenarioRunner::armSteadyWait()
{
    // Without role rounds (leader from events only) the current view is as fresh as it gets.
    if (m_steadyArmed || (m_haveRoleRound && m_lastRoleRoundNs < m_steadyFromNs))
        return;
    if (m_step < 0 || m_step >= m_check.steps.size())
        return;
    m_steadyArmed = true;
    m_steadyLeader = leaderOrSilentLeader();
    m_deadline->start(int(m_check.steps.at(m_step).until.steadyForMs));
}

bool ScenarioRunner::evaluateSteady(const WaitConditionSpec &c)
{
    if (!m_steadyArmed) {
        armSteadyWait();
        return true;
    }
    const QString now = currentLeader();
    if (now == m_steadyLeader)
        return true;
    const auto name = [](const QString &who) { return who.isEmpty() ? QStringLiteral("none") : who; };
    if (now.isEmpty() && !m_steadyLeader.isEmpty() && m_silentLeader == m_steadyLeader) {
        const qint64 silentMs = silentForMs();
        if (silentMs < LeaderSilenceGraceMs)
            return true;
        finishStep(false, QStringLiteral("leader %1 did not answer its role probe for %2 ms (no other member led) after %3 ms; expected it steady for %4")
                              .arg(m_steadyLeader)
                              .arg(silentMs)
                              .arg(double(m_stepClock.nsecsElapsed()) / 1e6, 0, 'f', 0)
                              .arg(Duration::format(c.steadyForMs)));
        return false;
    }
    finishStep(false, QStringLiteral("leader changed %1 → %2 after %3 ms; expected it steady for %4")
                          .arg(name(m_steadyLeader), name(now))
                          .arg(double(m_stepClock.nsecsElapsed()) / 1e6, 0, 'f', 0)
                          .arg(Duration::format(c.steadyForMs)));
    return false;
}
