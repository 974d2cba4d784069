#include "runsession.h"

#include "datapaths.h"
#include "runstore.h"
#include "scenariorunner.h"
#include "stacksession.h"

#include <QDateTime>
#include <QTimer>

RunSession::RunSession(RunStore *store, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_sitting(new RunSitting(store, this))
    , m_context(Lab(), {})
{
    connect(m_sitting, &RunSitting::runStarted, this, &RunSession::runStarted);
    connect(m_sitting, &RunSitting::runEnded, this, &RunSession::runEnded);
    connect(m_sitting, &RunSitting::runStored, this, &RunSession::runStored);
}

RunSession::~RunSession()
{
    endSitting();
}

void RunSession::setLab(const Lab &lab, const QMap<QString, QString> &overrides)
{
    if (lab.filePath != m_lab.filePath) {
        m_sitting->end(Run::State::Finished);
        m_proposals.clear();
    }
    if (m_stack && !m_stackBusy && !isStackUp()) {
        delete m_stack; // a stopped stack of the previous lab: the new lab gets its own
        m_stack = nullptr;
    }
    m_lab = lab;
    m_overrides = overrides;
    m_context = LabContext(m_lab, DataPaths::builtins(m_lab), m_overrides);
}

CheckApplicability RunSession::applicability(const CheckSpec &check) const
{
    return CheckApplicability::of(check, m_context);
}

bool RunSession::isStackPrepared() const
{
    return m_stack && m_stack->isPrepared();
}

bool RunSession::isStackUp() const
{
    return m_stack && m_stack->backend() && m_stack->backend()->isUp();
}

bool RunSession::stackIsOfAnotherLab() const
{
    return isStackPrepared() && m_stack->context().lab().filePath != m_lab.filePath;
}

void RunSession::prepareStack(const std::function<void(bool)> &done)
{
    if (isStackPrepared()) {
        done(true);
        return;
    }
    m_stackWaiters.append(done);
    if (m_stackWaiters.size() > 1)
        return; // already preparing
    if (!m_stack) {
        m_stack = new StackSession(m_lab, m_overrides, this);
        connect(m_stack, &StackSession::prepared, this, &RunSession::onStackPrepared);
    }
    m_stack->prepare();
}

void RunSession::onStackPrepared(bool ok, const QString &error, const QString &warning)
{
    if (ok) {
        StackBackend *backend = m_stack->backend();
        connect(backend, &StackBackend::upFinished, this, [this] {
            m_stackBusy = false;
            Q_EMIT stackStateChanged();
        });
        connect(backend, &StackBackend::downFinished, this, [this] {
            m_stackBusy = false;
            Q_EMIT stackStateChanged();
        });
        connect(backend, &StackBackend::logLines, this, &RunSession::onServiceLogLines);
    }
    Q_EMIT stackPrepared(ok, error, warning); // front ends connect to the backend here, before anyone waits
    if (!ok) {
        m_stack->deleteLater();
        m_stack = nullptr;
    }
    const QList<std::function<void(bool)>> waiters = std::exchange(m_stackWaiters, {});
    for (const auto &f : waiters)
        f(ok);
    Q_EMIT stackStateChanged();
}

void RunSession::startStack()
{
    if (m_stackBusy || isStackUp())
        return;
    m_stackBusy = true;
    Q_EMIT stackStateChanged();
    prepareStack([this](bool ok) {
        if (!ok) {
            m_stackBusy = false;
            Q_EMIT stackStateChanged();
            return;
        }
        m_stack->backend()->up();
    });
}

void RunSession::stopStack()
{
    if (!isStackPrepared() || m_stackBusy)
        return;
    m_stackBusy = true;
    m_stack->backend()->down();
    Q_EMIT stackStateChanged();
}

void RunSession::ensureRun(const QString &operatorName, const std::function<void(RunSitting::Outcome)> &ready)
{
    const StackSpec stack = isStackPrepared() ? m_stack->context().resolvedStack() : m_context.resolvedStack();
    m_sitting->ensureRun(m_lab, stack, operatorName, ready);
}

void RunSession::endSitting(Run::State state)
{
    if (isCheckRunning())
        m_runner->abort(); // rolls back every fault; its result (ABORTED) is stored before the run ends
    m_sitting->end(state);
}

ScenarioRunner *RunSession::startCheck(const CheckSpec &check, const CheckOptions &options)
{
    if (isCheckRunning() || !isStackPrepared())
        return nullptr;
    if (m_runner)
        m_runner->deleteLater();
    m_runner = new ScenarioRunner(check, &m_stack->context(), m_stack->backend(), this);
    m_runnerCheck = check.id;
    m_runnerManual = options.manual;
    m_runner->setRedactor(m_stack->redactor());
    m_runner->setLabPath(m_lab.filePath);
    m_runner->setUnattended(options.unattended);
    m_runner->setConfirmFaults(options.confirmFaults);
    if (!options.faultLedgerDir.isEmpty())
        m_runner->setFaultLedgerDir(options.faultLedgerDir);
    m_sitting->attach(m_runner); // first, so the store holds each result before the front ends react to it
    m_proposals.remove(check.id);
    connect(m_runner, &ScenarioRunner::finished, this, &RunSession::onRunnerFinished);
    Q_EMIT checkStarted(m_runner, check.id);
    if (options.manual)
        m_runner->startManual();
    else
        m_runner->start();
    return m_runner;
}

ScenarioRunner *RunSession::runner() const
{
    return m_runner.data();
}

bool RunSession::isCheckRunning() const
{
    return m_runner && m_runner->isRunning();
}

void RunSession::abortCheck()
{
    if (isCheckRunning())
        m_runner->abort();
}

void RunSession::onServiceLogLines(const QList<LogLine> &lines)
{
    if (!m_sitting->hasRun() || !m_stack)
        return;
    const SecretRedactor redactor = m_stack->redactor();
    const QString check = isCheckRunning() ? m_runnerCheck : QString();
    QList<ServiceLogLine> clean;
    clean.reserve(lines.size());
    for (const LogLine &l : lines)
        clean.append(ServiceLogLine{l.time, l.service, check, redactor.redact(l.text), l.stderrStream});
    m_sitting->recordServiceLogs(clean);
}

void RunSession::onRunnerFinished(const CheckResult &result)
{
    CheckResult proposal = result;
    proposal.intervals = m_runner->intervals();
    proposal.failures = m_runner->failures();
    m_proposals.insert(result.checkId, proposal);
    m_sitting->settle(); // the run ends when its checks end; the next check reopens it
    Q_EMIT checkFinished(proposal, m_runnerManual);
    if (isQueueRunning() && !m_runnerManual) {
        if (result.verdict == Verdict::Aborted) {
            stopQueue(); // Abort stops the game day, not only the check
        } else {
            ++m_queueIndex;
            QTimer::singleShot(0, this, &RunSession::nextInQueue);
        }
    }
}

bool RunSession::recordIfNotRunning(const CheckSpec &check)
{
    const CheckApplicability a = applicability(check);
    if (a.decision == CheckApplicability::Decision::Runs)
        return false;
    CheckResult r;
    r.checkId = check.id;
    r.title = check.title;
    r.verdict = a.decision == CheckApplicability::Decision::Deferred ? Verdict::Deferred : Verdict::NotApplicable;
    r.note = a.reason;
    r.started = r.finished = QDateTime::currentDateTimeUtc();
    m_sitting->record(r);
    if (!isCheckRunning())
        m_sitting->settle();
    Q_EMIT resultRecorded(r);
    return true;
}

CheckResult RunSession::recordVerdict(const QString &checkId, Verdict verdict, const QString &note, const QString &overrideReason)
{
    CheckResult r;
    if (m_proposals.contains(checkId)) {
        r = m_proposals.value(checkId); // metrics, failures and times of the attempt being judged
    } else {
        r.checkId = checkId;
        const CheckSpec *check = m_lab.check(checkId);
        r.title = check ? check->title : checkId;
        r.started = r.finished = QDateTime::currentDateTimeUtc();
    }
    r.verdict = verdict;
    if (!note.isEmpty())
        r.note = note;
    r.overrideReason = overrideReason;
    m_sitting->record(r);
    if (!isCheckRunning())
        m_sitting->settle();
    Q_EMIT resultRecorded(r);
    return r;
}

void RunSession::startQueue(const QStringList &checkIds, const CheckOptions &options)
{
    if (isQueueRunning() || isCheckRunning())
        return;
    m_queue = checkIds;
    m_queueIndex = 0;
    m_queueOptions = options;
    m_queueOptions.manual = false;
    nextInQueue();
}

void RunSession::continueQueue()
{
    if (!isQueueRunning() || isCheckRunning())
        return;
    ++m_queueIndex;
    nextInQueue();
}

void RunSession::stopQueue()
{
    if (!isQueueRunning())
        return;
    m_queueIndex = -1;
    m_queue.clear();
    Q_EMIT queueFinished(true);
}

void RunSession::nextInQueue()
{
    while (isQueueRunning() && m_queueIndex < m_queue.size()) {
        const CheckSpec *check = m_lab.check(m_queue.at(m_queueIndex));
        if (!check) {
            ++m_queueIndex;
            continue;
        }
        Q_EMIT queueProgress(m_queueIndex, int(m_queue.size()), check->id);
        if (recordIfNotRunning(*check)) {
            ++m_queueIndex;
            continue;
        }
        if (check->mode != CheckSpec::Mode::Automated) {
            Q_EMIT manualCheckReached(check->id); // the front end asks; continueQueue() goes on
            return;
        }
        if (!startCheck(*check, m_queueOptions)) {
            stopQueue(); // the stack went away
            return;
        }
        return; // onRunnerFinished() goes on
    }
    if (!isQueueRunning())
        return;
    const int total = int(m_queue.size());
    m_queueIndex = -1;
    m_queue.clear();
    Q_EMIT queueProgress(total, total, QString());
    Q_EMIT queueFinished(false);
}

QString RunSession::resolveRunId(const RunStore &store, const QString &idOrPrefix, QString *error)
{
    const QString wanted = idOrPrefix.trimmed();
    QStringList matches;
    for (const Run &r : store.runs()) {
        if (r.id == wanted)
            return r.id;
        if (!wanted.isEmpty() && r.id.startsWith(wanted, Qt::CaseInsensitive))
            matches << r.id;
    }
    if (matches.size() == 1)
        return matches.first();
    if (error) {
        if (matches.isEmpty())
            *error = QStringLiteral("no run '%1' in %2 (list them in the window's Runs tab)").arg(wanted, store.path());
        else
            *error = QStringLiteral("'%1' names %2 runs (%3…): give more of the id").arg(wanted).arg(matches.size()).arg(matches.mid(0, 3).join(QStringLiteral(", ")));
    }
    return {};
}
