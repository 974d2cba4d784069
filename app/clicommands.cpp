#include "clicommands.h"

#include "datapaths.h"
#include "faultledger.h"
#include "labcontext.h"
#include "labparser.h"
#include "metricformat.h"
#include "pidledger.h"
#include "readinessevaluator.h"
#include "runexport.h"
#include "runexporter.h"
#include "runsession.h"
#include "runsitting.h"
#include "runstore.h"
#include "scenariorunner.h"
#include "verdictexplanation.h"
#include "serviceprober.h"
#include "stackcontrolserver.h"
#include "stacksession.h"
#include "stackwire.h"
#include "unixsignalwatcher.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSocketNotifier>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <csignal>
#include <unistd.h>

CliCommands::CliCommands(QTextStream &out, QTextStream &err, QObject *parent)
    : QObject(parent)
    , m_out(out)
    , m_err(err)
{
}

bool CliCommands::loadLab(const QString &path, Lab *lab)
{
    const LabParser::Result result = LabParser::parseFile(path, m_overrides);
    if (!result.ok()) {
        for (const LabDiagnostic &d : result.errors)
            m_err << d.toString() << '\n';
        m_err << path << ": " << result.errors.size() << (result.errors.size() == 1 ? " problem\n" : " problems\n");
        m_err.flush();
        return false;
    }
    *lab = result.lab;
    return true;
}

int CliCommands::validate(const QStringList &labs)
{
    if (labs.isEmpty()) {
        m_err << "halab-cli validate: name at least one lab file\n";
        return BadInput;
    }
    int code = Ok;
    for (const QString &path : labs) {
        Lab lab;
        if (!loadLab(path, &lab)) {
            code = BadInput;
            continue;
        }
        m_out << path << ": ok — '" << lab.name << "', " << lab.checks.size() << " checks, "
              << lab.stack.services.size() << " services, " << lab.readiness.size() << " readiness levels\n";
    }
    m_out.flush();
    m_err.flush();
    return code;
}

int CliCommands::checks(const QString &labPath, bool json)
{
    Lab lab;
    if (!loadLab(labPath, &lab))
        return BadInput;
    RunSession session(nullptr);
    session.setLab(lab, m_overrides);
    QJsonArray rows;
    int idWidth = 2;
    for (const CheckSpec &c : std::as_const(lab.checks))
        idWidth = std::max(idWidth, int(c.id.size()));
    for (const CheckSpec &c : std::as_const(lab.checks)) {
        const CheckApplicability a = session.applicability(c);
        if (json) {
            rows.append(QJsonObject{{QStringLiteral("id"), c.id},
                                    {QStringLiteral("title"), c.title},
                                    {QStringLiteral("mode"), CheckSpec::modeText(c.mode)},
                                    {QStringLiteral("decision"), a.decisionText()},
                                    {QStringLiteral("reason"), a.reason}});
            continue;
        }
        m_out << c.id.leftJustified(idWidth) << "  " << a.decisionText().leftJustified(8) << "  "
              << CheckSpec::modeText(c.mode).leftJustified(9) << "  " << c.title
              << (a.reason.isEmpty() ? QString() : QStringLiteral(" — ") + a.reason) << '\n';
    }
    if (json)
        m_out << QJsonDocument(rows).toJson(QJsonDocument::Indented);
    m_out.flush();
    return Ok;
}

int CliCommands::stackUp(const QString &labPath)
{
    Lab lab;
    if (!loadLab(labPath, &lab))
        return BadInput;
    m_session = new StackSession(lab, m_overrides, this);
    connect(m_session, &StackSession::prepared, this, [this](bool ok, const QString &error, const QString &warning) {
        if (!ok) {
            m_err << "halab-cli stack up: " << error << '\n';
            m_err.flush();
            Q_EMIT finished(BadInput);
            return;
        }
        if (!warning.isEmpty())
            m_err << "halab-cli: " << warning << '\n';
        if (m_session->isAttached()) {
            m_out << "the stack of " << m_session->context().lab().name << " is already up, run by another console ("
                  << StackWire::socketPath(m_session->runDir()) << "): 'halab-cli run' uses it as it is\n";
            m_out.flush();
            Q_EMIT finished(Ok);
            return;
        }
        startStack();
    });
    m_session->prepare();
    return Async;
}

void CliCommands::startStack()
{
    StackBackend *backend = m_session->backend();
    const auto stamp = [] { return QDateTime::currentDateTime().toString(QStringLiteral("hh:mm:ss.zzz")); };
    connect(backend, &StackBackend::statusesChanged, this, [this, stamp](const QHash<QString, ServiceStatus> &changed) {
        for (auto it = changed.cbegin(); it != changed.cend(); ++it) {
            const ServiceStatus &s = it.value();
            m_out << stamp() << "  " << it.key() << "  " << ServiceStatus::stateText(s.state, s.exitCode) << "  "
                  << ServiceStatus::healthText(s.health) << (s.role.isEmpty() ? QString() : QStringLiteral("  ") + s.role)
                  << (s.pid ? QStringLiteral("  pid %1").arg(s.pid) : QString()) << '\n';
        }
        m_out.flush();
    });
    connect(backend, &StackBackend::upFinished, this, [this, backend](bool ok, const QString &why) {
        if (ok) {
            // Share it: `halab-cli run` in another terminal drives this stack instead of starting one.
            auto *server = new StackControlServer(backend, StackWire::socketPath(m_session->runDir()), this);
            QString shareError;
            if (!server->listen(&shareError))
                m_err << "halab-cli: " << shareError << '\n';
            m_out << "stack up: " << backend->serviceNames().join(QStringLiteral(", ")) << " — Ctrl-C or SIGTERM brings it down\n";
            m_out.flush();
            return;
        }
        m_err << "halab-cli stack up: " << why << '\n';
        m_err.flush();
        m_stopping = true;
        connect(backend, &StackBackend::downFinished, this, [this] { Q_EMIT finished(Failed); });
        backend->down();
    });
    auto *signals_ = new UnixSignalWatcher({SIGINT, SIGTERM}, this);
    connect(signals_, &UnixSignalWatcher::signalled, this, [this, backend](int) {
        if (m_stopping)
            return;
        m_stopping = true;
        m_out << "stopping the stack…\n";
        m_out.flush();
        connect(backend, &StackBackend::downFinished, this, [this] { Q_EMIT finished(Ok); });
        backend->down();
    });
    backend->up();
}

int CliCommands::stackStatus(const QString &labPath, bool json)
{
    Lab lab;
    if (!loadLab(labPath, &lab))
        return BadInput;
    // Secrets are not needed to look at a stack; unresolved ${SECRET}s only matter to env.
    const LabContext context(lab, DataPaths::builtins(lab, m_overrides), m_overrides);
    const StackSpec stack = context.resolvedStack();
    const QList<PidLedger::Entry> ledger = PidLedger::read(PidLedger::defaultDir());

    struct Seen
    {
        ServiceStatus::Health health = ServiceStatus::Health::Unknown;
        QString role;
        QString detail;
    };
    auto *seen = new QHash<QString, Seen>;
    QList<ServiceProber *> probers;
    for (const ServiceSpec &s : stack.services) {
        auto *prober = new ServiceProber(s.name, s.ready, s.role, this);
        connect(prober, &ServiceProber::readyFinished, this, [seen, name = s.name](bool ok, const QString &why) {
            (*seen)[name].health = ok ? ServiceStatus::Health::Healthy : ServiceStatus::Health::Unhealthy;
            (*seen)[name].detail = why;
        });
        connect(prober, &ServiceProber::healthChanged, this, [seen, name = s.name](ServiceStatus::Health h, const QString &why) {
            (*seen)[name].health = h;
            (*seen)[name].detail = why;
        });
        connect(prober, &ServiceProber::roleChanged, this, [seen, name = s.name](const QString &role) { (*seen)[name].role = role; });
        prober->start();
        probers.append(prober);
    }
    // One look, bounded in time: probes that have not answered by then count as unknown.
    QTimer::singleShot(1500, this, [this, seen, probers, stack, ledger, json, lab] {
        QJsonArray services;
        for (const ServiceSpec &s : stack.services) {
            qint64 pid = 0;
            for (const PidLedger::Entry &e : ledger)
                if (e.service == s.name && QFileInfo::exists(QStringLiteral("/proc/%1").arg(e.pid)))
                    pid = e.pid;
            const Seen v = seen->value(s.name);
            QJsonObject o{{QStringLiteral("name"), s.name},
                          {QStringLiteral("pid"), pid},
                          {QStringLiteral("running"), pid != 0},
                          {QStringLiteral("health"), ServiceStatus::healthText(v.health)},
                          {QStringLiteral("role"), v.role}};
            if (!v.detail.isEmpty())
                o.insert(QStringLiteral("detail"), v.detail);
            services.append(o);
        }
        for (ServiceProber *p : probers)
            p->stop();
        delete seen;
        if (json) {
            m_out << QJsonDocument(QJsonObject{{QStringLiteral("lab"), lab.name}, {QStringLiteral("services"), services}})
                         .toJson(QJsonDocument::Indented);
        } else {
            for (const QJsonValue &v : std::as_const(services)) {
                const QJsonObject o = v.toObject();
                m_out << o.value(QStringLiteral("name")).toString().leftJustified(12) << ' '
                      << (o.value(QStringLiteral("running")).toBool() ? QStringLiteral("running") : QStringLiteral("-")).leftJustified(8)
                      << ' ' << o.value(QStringLiteral("health")).toString().leftJustified(10) << ' '
                      << o.value(QStringLiteral("role")).toString() << '\n';
            }
        }
        m_out.flush();
        Q_EMIT finished(Ok);
    });
    return Async;
}

int CliCommands::run(const QString &labPath, const RunOptions &options)
{
    if (!loadLab(labPath, &m_lab))
        return BadInput;
    m_runOptions = options;
    for (const QString &id : options.checks) {
        const CheckSpec *c = m_lab.check(id);
        if (!c) {
            QStringList ids;
            for (const CheckSpec &k : std::as_const(m_lab.checks))
                ids << k.id;
            m_err << "halab-cli run: no check '" << id << "' in " << labPath << " (checks: " << ids.join(QStringLiteral(", ")) << ")\n";
            return BadInput;
        }
        m_queue.append(c);
    }
    if (options.checks.isEmpty()) {
        for (const CheckSpec &c : std::as_const(m_lab.checks)) {
            if (c.mode == CheckSpec::Mode::Automated)
                m_queue.append(&c);
            else // said at the start and in the summary: nobody should think they passed
                m_skipped.append({c.id, c.title,
                                  QStringLiteral("%1: needs an operator; run it in the window or name it with --check")
                                      .arg(CheckSpec::modeText(c.mode))});
        }
    }
    if (!openStore(options.storePath))
        return BadInput;
    m_run = new RunSession(m_store, this);
    m_run->setLab(m_lab, m_overrides);
    for (const Skipped &s : std::as_const(m_skipped))
        m_out << "skipping " << s.id << ". " << s.title << " — " << s.why << '\n';
    m_out.flush();
    connect(m_run->sitting(), &RunSitting::storeFailed, this, [this](const QString &error) {
        m_err << "halab-cli: evidence not stored, the run will be marked incomplete: " << error << '\n';
        m_err.flush();
        m_storeFailed = true;
    });

    connect(m_run, &RunSession::stackPrepared, this, [this](bool ok, const QString &error, const QString &warning) {
        if (!ok) {
            m_err << "halab-cli run: " << error << '\n';
            m_err.flush();
            Q_EMIT finished(BadInput);
            return;
        }
        if (!warning.isEmpty())
            m_err << "halab-cli: " << warning << '\n';
    });
    connect(m_run, &RunSession::checkStarted, this, &CliCommands::presentRunner);
    connect(m_run, &RunSession::checkFinished, this, &CliCommands::onCheckFinished);
    connect(m_run, &RunSession::resultRecorded, this, [this](const CheckResult &r) {
        m_results.append(r);
        m_out << QStringLiteral("%1 %2  %3").arg(QStringLiteral("[%1]").arg(VerdictText::toString(r.verdict)), -10).arg(r.checkId, r.title)
              << (r.note.isEmpty() ? QString() : QStringLiteral(" — ") + r.note) << '\n';
        m_out.flush();
    });
    m_run->prepareStack([this](bool ok) {
        if (!ok)
            return; // stackPrepared said why
        const QString who = m_runOptions.operatorName.isEmpty() ? qEnvironmentVariable("USER", QStringLiteral("halab-cli")) : m_runOptions.operatorName;
        // The run log names each service's version: the sitting asks them before anything starts.
        m_run->ensureRun(who, [this](RunSitting::Outcome outcome) {
            if (outcome == RunSitting::Outcome::NotRecorded)
            {
                m_err << "halab-cli: the run is not being stored: " << m_run->sitting()->lastError() << '\n';
                m_storeFailed = true;
            }
            m_runId = m_run->sitting()->runId();
            startRun();
        });
    });
    return Async;
}

void CliCommands::startRun()
{
    StackBackend *backend = m_run->stack()->backend();
    auto *signals_ = new UnixSignalWatcher({SIGINT, SIGTERM}, this);
    connect(signals_, &UnixSignalWatcher::signalled, this, [this](int) {
        if (m_aborted)
            return;
        m_aborted = true;
        m_err << "aborting: rolling back faults and stopping the stack…\n";
        m_err.flush();
        if (m_run->isCheckRunning())
            m_run->abortCheck(); // its checkFinished() continues to finishRun
        else
            finishRun(Aborted);
    });
    connect(backend, &StackBackend::upFinished, this, [this](bool ok, const QString &why) {
        if (!ok) {
            m_err << "halab-cli run: the stack did not come up: " << why << '\n';
            m_err.flush();
            finishRun(BadInput);
            return;
        }
        m_out << "stack up; running " << m_queue.size() << " check(s)\n";
        m_out.flush();
        runNextCheck();
    });
    if (m_run->stack()->isAttached())
        m_out << "using the stack of " << m_lab.name << " that another console runs (nothing is restarted)\n";
    else
        m_out << "bringing up the stack of " << m_lab.name << "…\n";
    m_out.flush();
    m_run->startStack();
}

void CliCommands::runNextCheck()
{
    if (m_aborted)
        return finishRun(Aborted);
    if (m_queue.isEmpty())
        return finishRun(m_anyFailed ? Failed : Ok);
    const CheckSpec *check = m_queue.takeFirst();
    if (m_run->recordIfNotRunning(*check)) // N/A or DEFERRED, with the reason: resultRecorded printed it
        return runNextCheck();
    RunSession::CheckOptions options;
    options.unattended = true;
    options.confirmFaults = m_runOptions.confirmFaults;
    m_out << "--> " << check->id << ". " << check->title << '\n';
    m_out.flush();
    m_run->startCheck(*check, options);
}

void CliCommands::presentRunner(ScenarioRunner *runner)
{
    connect(runner, &ScenarioRunner::faultConfirmationRequested, this, [this](int index, const QString &service, const QString &action) {
        m_out << QStringLiteral("    step %1: apply %2 %3 now? [y/N] ").arg(index + 1).arg(action, service);
        m_out.flush();
        // Read the answer without blocking: probes keep running while the operator thinks.
        delete m_stdin;
        m_stdin = new QSocketNotifier(0, QSocketNotifier::Read, this);
        connect(m_stdin, &QSocketNotifier::activated, this, [this] {
            char buffer[64] = {};
            const ssize_t n = ::read(0, buffer, sizeof buffer - 1);
            m_stdin->setEnabled(false);
            m_stdin->deleteLater();
            m_stdin = nullptr;
            const bool yes = n > 0 && (buffer[0] == 'y' || buffer[0] == 'Y');
            m_out << (yes ? "yes" : "no") << '\n';
            m_out.flush();
            if (m_run->runner())
                m_run->runner()->confirmFault(yes);
        });
    });
    connect(runner, &ScenarioRunner::stepFinished, this, [this](const StepOutcome &o) {
        m_out << QStringLiteral("    %1 %2. %3").arg(o.ok ? QStringLiteral("ok  ") : QStringLiteral("FAIL")).arg(o.index + 1).arg(o.summary) << '\n';
        m_out.flush();
    });
}

void CliCommands::onCheckFinished(const CheckResult &r)
{
    m_results.append(r);
    const VerdictExplanation why = VerdictExplanation::of(r, m_lab.check(r.checkId));
    m_anyFailed = m_anyFailed || r.verdict != Verdict::Pass;
    m_out << QStringLiteral("%1 %2  %3").arg(QStringLiteral("[%1]").arg(VerdictText::toString(r.verdict)), -10).arg(r.checkId, r.title) << '\n';
    if (!why.judged.isEmpty())
        m_out << "         " << why.decidingFigures() << '\n';
    // Each failed expectation on its own line, as the engineer will quote it.
    for (const ExpectationOutcome &o : why.judged)
        if (o.evaluated && !o.passed)
            m_out << "         ✗ " << VerdictExplanation::outcomeText(o) << '\n';
    for (const QString &f : why.otherFailures)
        m_out << "         ✗ " << f << '\n';
    if (!why.notJudged.isEmpty())
        m_out << "         not judged: " << why.notJudged.join(QStringLiteral(", ")) << '\n';
    if (!r.note.isEmpty() && !r.failures.contains(r.note) && r.note != r.failures.join(QStringLiteral("; ")))
        m_out << "         " << r.note << '\n';
    for (const ClusterAnomaly &a : r.anomalies)
        m_out << "         anomaly: " << RunExporter::anomalyText(a) << '\n';
    if (r.stoppedAtStep >= 0)
        m_out << "         stopped at step " << (r.stoppedAtStep + 1) << "; probes summarised up to there\n";
    m_out.flush();
    QTimer::singleShot(0, this, &CliCommands::runNextCheck);
}

void CliCommands::printSummary()
{
    if (m_results.isEmpty() && m_skipped.isEmpty())
        return;
    int idWidth = 2, verdictWidth = 7;
    for (const CheckResult &r : std::as_const(m_results)) {
        idWidth = std::max(idWidth, int(r.checkId.size()));
        verdictWidth = std::max(verdictWidth, int(VerdictText::toString(r.verdict).size()));
    }
    for (const Skipped &s : std::as_const(m_skipped))
        idWidth = std::max(idWidth, int(s.id.size()));
    m_out << "\nsummary of " << m_lab.name << (m_runId.isEmpty() ? QString() : QStringLiteral(", run ") + m_runId.left(8)) << '\n';
    m_out << "  " << QStringLiteral("ID").leftJustified(idWidth) << "  " << QStringLiteral("VERDICT").leftJustified(verdictWidth)
          << "  DECIDED BY\n";
    for (const CheckResult &r : std::as_const(m_results)) {
        const VerdictExplanation why = VerdictExplanation::of(r, m_lab.check(r.checkId));
        QString decided = why.decidingFigures();
        if (!why.otherFailures.isEmpty())
            decided = why.otherFailures.first() + (decided.isEmpty() ? QString() : QStringLiteral(" · ") + decided);
        if (decided.isEmpty())
            decided = r.note.isEmpty() ? r.title : r.note;
        m_out << "  " << r.checkId.leftJustified(idWidth) << "  " << VerdictText::toString(r.verdict).leftJustified(verdictWidth) << "  "
              << decided << '\n';
    }
    for (const Skipped &s : std::as_const(m_skipped))
        m_out << "  " << s.id.leftJustified(idWidth) << "  " << QStringLiteral("SKIPPED").leftJustified(verdictWidth) << "  " << s.why
              << '\n';
    m_out.flush();
}

bool CliCommands::openStore(const QString &path)
{
    m_store = new RunStore;
    QString error;
    if (!m_store->open(path.isEmpty() ? RunStore::defaultPath() : path, &error)) {
        m_err << "halab-cli: cannot open the run store " << (path.isEmpty() ? RunStore::defaultPath() : path) << ": " << error << '\n';
        return false;
    }
    m_store->markInterruptedRuns();
    return true;
}

namespace {
// Every export of one stored run, through the same code as the window's File → Export…;
// formats with an empty path are skipped.
// HTML and PDF charts are read from the store in batches: an hour at 2,000 samples/s never sits in memory at once.
bool exportRun(const RunStore &store, const Run &run, const QList<ReadinessResult> &readiness, const Lab *lab,
               const QMap<QString, QString> &paths, QTextStream &err)
{
    RunChartData charts;
    if (!paths.value(QStringLiteral("html")).isEmpty() || !paths.value(QStringLiteral("pdf")).isEmpty()) {
        QString error;
        charts = CheckChartData::readRun(store, run, &error);
        if (!error.isEmpty()) {
            err << "cannot read the run's samples for its charts: " << error << '\n';
            return false;
        }
    }
    bool ok = true;
    for (auto it = paths.cbegin(); it != paths.cend(); ++it) {
        const std::optional<RunExport::Format> format = RunExport::formatOfName(it.key());
        if (it.value().isEmpty() || !format)
            continue;
        QString error;
        if (!RunExport::write(run, charts, readiness, lab, it.value(), *format, &error)) {
            err << "cannot write " << it.value() << ": " << error << '\n';
            ok = false;
        }
    }
    return ok;
}

QList<ReadinessResult> readinessFor(const Lab &lab, const RunStore &store)
{
    RunStore::Filter filter;
    filter.lab = lab.filePath.isEmpty() ? lab.name : lab.filePath;
    return ReadinessEvaluator::evaluate(lab, store.runs(filter), QDateTime::currentDateTimeUtc());
}
} // namespace

bool CliCommands::needsGui(const QStringList &arguments)
{
    for (int i = 0; i < arguments.size(); ++i) {
        const QString a = arguments.at(i);
        if (a == QLatin1String("--html") || a == QLatin1String("--pdf") || a.startsWith(QLatin1String("--html=")) || a.startsWith(QLatin1String("--pdf=")))
            return true;
        if ((a == QLatin1String("--format") && i + 1 < arguments.size()
             && (arguments.at(i + 1) == QLatin1String("html") || arguments.at(i + 1) == QLatin1String("pdf")))
            || a == QLatin1String("--format=html") || a == QLatin1String("--format=pdf"))
            return true;
    }
    return false;
}

bool CliCommands::writeExports()
{
    const QMap<QString, QString> paths{{QStringLiteral("markdown"), m_runOptions.markdownPath},
                                       {QStringLiteral("json"), m_runOptions.jsonPath},
                                       {QStringLiteral("junit"), m_runOptions.junitPath},
                                       {QStringLiteral("html"), m_runOptions.htmlPath},
                                       {QStringLiteral("pdf"), m_runOptions.pdfPath}};
    bool any = false;
    for (const QString &p : paths)
        any = any || !p.isEmpty();
    if (!any || m_runId.isEmpty())
        return true;
    const std::optional<Run> run = m_store->run(m_runId);
    if (!run) {
        m_err << "halab-cli: the stored run cannot be read back: " << m_store->lastError() << '\n';
        return false;
    }
    return exportRun(*m_store, *run, readinessFor(m_lab, *m_store), &m_lab, paths, m_err);
}

QString CliCommands::pickRun(const QString &command, const QString &runId, bool latest)
{
    if (latest) {
        const QList<Run> runs = m_store->runs();
        if (runs.isEmpty())
            m_err << "halab-cli " << command << ": the store " << m_store->path() << " holds no run yet\n";
        return runs.isEmpty() ? QString() : runs.first().id;
    }
    QString why;
    const QString id = RunSession::resolveRunId(*m_store, runId, &why);
    if (id.isEmpty())
        m_err << "halab-cli " << command << ": " << why << '\n';
    return id;
}

int CliCommands::report(const QString &runId, bool latest, const QString &format, const QString &output, const QString &storePath)
{
    static const QStringList formats{QStringLiteral("markdown"), QStringLiteral("json"), QStringLiteral("junit"), QStringLiteral("html"), QStringLiteral("pdf")};
    if (runId.isEmpty() == !latest) {
        m_err << "halab-cli report: name the run: --run ID (the short id the console shows will do) or --latest\n";
        return BadInput;
    }
    if (!formats.contains(format)) {
        m_err << "halab-cli report: --format must be one of " << formats.join(QStringLiteral(", "))
              << (format.isEmpty() ? QString() : QStringLiteral(" (got '%1')").arg(format)) << '\n';
        return BadInput;
    }
    if (output.isEmpty()) {
        m_err << "halab-cli report: say where to write it: -o FILE, or -o - for standard output\n";
        return BadInput;
    }
    if (!openStore(storePath))
        return BadInput;
    const QString id = pickRun(QStringLiteral("report"), runId, latest);
    if (id.isEmpty())
        return BadInput;
    const std::optional<Run> run = m_store->run(id);
    if (!run) {
        m_err << "halab-cli report: no run '" << id << "' in " << m_store->path() << '\n';
        return BadInput;
    }
    Lab lab;
    const LabParser::Result parsed = LabParser::parseFile(run->labPath);
    QList<ReadinessResult> readiness;
    if (parsed.ok()) {
        lab = parsed.lab;
        readiness = readinessFor(lab, *m_store);
    }
    const bool toStdout = output == QLatin1String("-");
    QTemporaryDir scratch; // PDF is written to a file by QPdfWriter: go through one for stdout
    const QString target = toStdout ? scratch.filePath(QStringLiteral("report.") + format) : output;
    bool ok = exportRun(*m_store, *run, readiness, parsed.ok() ? &lab : nullptr, {{format, target}}, m_err);
    if (ok && toStdout) {
        QFile written(target);
        QFile out;
        ok = written.open(QIODevice::ReadOnly) && out.open(stdout, QIODevice::WriteOnly);
        if (ok) {
            m_out.flush();
            ok = out.write(written.readAll()) >= 0 && out.flush();
        }
        if (!ok)
            m_err << "halab-cli report: cannot write to standard output\n";
    } else if (ok) {
        m_out << "wrote " << output << " (" << format << ", run " << id.left(8) << ")\n";
    }
    m_err.flush();
    return ok ? Ok : Failed;
}

int CliCommands::rollbackLeftovers()
{
    FaultLedger ledger;
    const QList<FaultLedger::Entry> left = ledger.leftovers();
    if (left.isEmpty()) {
        m_out << "no faults were left behind\n";
        return Ok;
    }
    QList<FaultLedger::Entry> settled;
    int code = Ok;
    for (const FaultLedger::Entry &e : left) {
        m_out << QStringLiteral("%1 %2 (check %3 of %4, console pid %5, %6): ")
                     .arg(e.action, e.service, e.check, e.lab).arg(e.consolePid).arg(e.time.toString(Qt::ISODate));
        const LabParser::Result lab = LabParser::parseFile(e.lab);
        if (!lab.ok()) {
            m_out << "its lab no longer loads; check that service by hand\n";
            code = Failed;
            continue;
        }
        if (lab.lab.stack.backend == StackSpec::Backend::Processes) {
            // Process stacks die with their console (PDEATHSIG, and the pid ledger reaps the rest).
            m_out << "its services ended with that console; nothing is left to roll back\n";
            settled.append(e);
        } else if (lab.lab.stack.backend == StackSpec::Backend::Swarm) {
            m_out << "swarm tasks outlive the console: bring the stack back with 'halab-cli stack up " << e.lab
                  << "', or 'docker unpause' / 'docker service scale' / 'docker node update --availability active' for "
                  << e.service << "\n";
            code = Failed;
        } else {
            m_out << "containers outlive the console: bring the stack back with 'halab-cli stack up " << e.lab
                  << "' or 'docker compose start'/'unpause' for " << e.service;
            if (lab.lab.stack.docker.isSet()) // the lab's engine, which this shell's docker may not name
                m_out << " on the lab's Docker engine (" << lab.lab.stack.docker.describe() << ")";
            m_out << "\n";
            code = Failed;
        }
    }
    ledger.clear(settled);
    m_out.flush();
    return code;
}

int CliCommands::readiness(const QString &labPath, bool json, const QString &storePath, const QString &level)
{
    Lab lab;
    if (!loadLab(labPath, &lab))
        return BadInput;
    if (!openStore(storePath))
        return BadInput;
    const QList<ReadinessResult> results = readinessFor(lab, *m_store);
    if (json)
        m_out << QJsonDocument(ReadinessEvaluator::json(results)).toJson(QJsonDocument::Indented);
    else
        m_out << ReadinessEvaluator::text(results);
    m_out.flush();
    // A CI gate: NOT YET fails the job, like a failed check does. With --level, that level decides.
    if (!level.isEmpty()) {
        for (const ReadinessResult &r : results)
            if (r.levelId == level)
                return r.ready ? Ok : Failed;
        QStringList ids;
        for (const ReadinessResult &r : results)
            ids << r.levelId;
        m_err << "halab-cli readiness: no level '" << level << "' in " << labPath << " (levels: " << ids.join(QStringLiteral(", ")) << ")\n";
        return BadInput;
    }
    return ReadinessEvaluator::verdict(results).isEmpty() && !results.isEmpty() ? Failed : Ok;
}

void CliCommands::finishRun(int code)
{
    if (m_run && m_run->sitting()->hasRun()) {
        // The summary and the exports read the run back: they wait until the store has its end.
        connect(m_run, &RunSession::runEnded, this, [this, code] { reportRun(code); }, Qt::SingleShotConnection);
        m_run->endSitting(m_aborted ? Run::State::Interrupted : Run::State::Finished);
        return;
    }
    if (m_run)
        m_run->endSitting(m_aborted ? Run::State::Interrupted : Run::State::Finished);
    reportRun(code);
}

void CliCommands::reportRun(int code)
{
    if (m_storeFailed) {
        m_err << "halab-cli: the run is INCOMPLETE: some of its evidence could not be stored\n";
        // Lost evidence outranks a pass or a failure: the verdicts cannot be shown to anyone.
        if (code == Ok || code == Failed)
            code = StoreFailed;
    }
    printSummary();
    const bool written = writeExports();
    if (!written && code == Ok)
        code = Failed;
    StackBackend *backend = m_run && m_run->stack() ? m_run->stack()->backend() : nullptr;
    if (!backend || m_runOptions.keepStack) {
        Q_EMIT finished(code);
        return;
    }
    m_out << (m_run->stack()->isAttached() ? "leaving the stack to the console that runs it\n" : "stopping the stack…\n");
    m_out.flush();
    connect(backend, &StackBackend::downFinished, this, [this, code] { Q_EMIT finished(code); });
    m_run->stopStack();
}
