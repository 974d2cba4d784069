#include "clicommands.h"

#include "datapaths.h"
#include "faultledger.h"
#include "labcontext.h"
#include "labparser.h"
#include "metricformat.h"
#include "pidledger.h"
#include "readinessevaluator.h"
#include "reportchart.h"
#include "reportrenderer.h"
#include "runexporter.h"
#include "runrecorder.h"
#include "runstore.h"
#include "scenariorunner.h"
#include "stackversions.h"
#include "serviceprober.h"
#include "stacksession.h"
#include "unixsignalwatcher.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSocketNotifier>
#include <QSysInfo>
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
    const LabParser::Result result = LabParser::parseFile(path);
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
    const LabContext context(lab, DataPaths::builtins(lab), m_overrides);
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
    if (options.checks.isEmpty())
        for (const CheckSpec &c : std::as_const(m_lab.checks))
            if (c.mode == CheckSpec::Mode::Automated)
                m_queue.append(&c);
    if (!openStore(options.storePath))
        return BadInput;
    m_recorder = new RunRecorder(m_store, this);

    m_session = new StackSession(m_lab, m_overrides, this);
    connect(m_session, &StackSession::prepared, this, [this](bool ok, const QString &error, const QString &warning) {
        if (!ok) {
            m_err << "halab-cli run: " << error << '\n';
            m_err.flush();
            Q_EMIT finished(BadInput);
            return;
        }
        if (!warning.isEmpty())
            m_err << "halab-cli: " << warning << '\n';
        // The run log names each service's version: ask them before anything starts.
        auto *versions = new StackVersions(this);
        connect(versions, &StackVersions::finished, this, [this](const QMap<QString, QString> &v) {
            const QString who = m_runOptions.operatorName.isEmpty() ? qEnvironmentVariable("USER", QStringLiteral("halab-cli")) : m_runOptions.operatorName;
            if (!m_recorder->begin(m_lab, who, v, QStringLiteral(HALAB_VERSION)))
                m_err << "halab-cli: the run is not being stored: " << m_recorder->lastError() << '\n';
            startRun();
        });
        versions->collect(m_session->context().resolvedStack());
    });
    m_session->prepare();
    return Async;
}

void CliCommands::startRun()
{
    StackBackend *backend = m_session->backend();
    auto *signals_ = new UnixSignalWatcher({SIGINT, SIGTERM}, this);
    connect(signals_, &UnixSignalWatcher::signalled, this, [this](int) {
        if (m_aborted)
            return;
        m_aborted = true;
        m_err << "aborting: rolling back faults and stopping the stack…\n";
        m_err.flush();
        if (m_runner)
            m_runner->abort(); // its finished() continues to finishRun
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
    m_out << "bringing up the stack of " << m_lab.name << "…\n";
    m_out.flush();
    backend->up();
}

void CliCommands::runNextCheck()
{
    if (m_aborted)
        return finishRun(Aborted);
    if (m_queue.isEmpty())
        return finishRun(m_anyFailed ? Failed : Ok);
    const CheckSpec *check = m_queue.takeFirst();
    const auto record = [this, check](const QString &verdict, const QString &note) {
        CheckResult r;
        r.checkId = check->id;
        r.title = check->title;
        r.verdict = VerdictText::fromString(verdict);
        r.note = note;
        r.started = r.finished = QDateTime::currentDateTimeUtc();
        m_recorder->record(r);
        m_out << QStringLiteral("[%1] %2  %3").arg(verdict, -8).arg(check->id, check->title) << (note.isEmpty() ? QString() : QStringLiteral(" — ") + note) << '\n';
        m_out.flush();
    };
    bool applies = true; // with --set overrides taken into account
    for (auto it = check->appliesWhen.cbegin(); it != check->appliesWhen.cend(); ++it)
        applies = applies && m_session->context().lookup(it.key()).value_or(QString()) == it.value();
    if (!applies) {
        record(QStringLiteral("N/A"), check->notApplicableReason);
        return runNextCheck();
    }
    if (!check->deferredReason.isEmpty()) {
        record(QStringLiteral("DEFERRED"), check->deferredReason);
        return runNextCheck();
    }
    m_runner = new ScenarioRunner(*check, &m_session->context(), m_session->backend(), this);
    m_runner->setRedactor(m_session->redactor());
    m_runner->setLabPath(m_lab.filePath);
    m_runner->setUnattended(true);
    m_runner->setConfirmFaults(m_runOptions.confirmFaults);
    connect(m_runner, &ScenarioRunner::faultConfirmationRequested, this, [this](int index, const QString &service, const QString &action) {
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
            if (m_runner)
                m_runner->confirmFault(yes);
        });
    });
    m_recorder->attach(m_runner);
    connect(m_runner, &ScenarioRunner::stepFinished, this, [this](const StepOutcome &o) {
        m_out << QStringLiteral("    %1 %2. %3").arg(o.ok ? QStringLiteral("ok  ") : QStringLiteral("FAIL")).arg(o.index + 1).arg(o.summary) << '\n';
        m_out.flush();
    });
    connect(m_runner, &ScenarioRunner::finished, this, [this, check](const CheckResult &r) {
        const MetricIntervals intervals = m_runner->intervals();
        QStringList key;
        for (auto it = r.metrics.cbegin(); it != r.metrics.cend(); ++it) {
            if (it.key().contains(QLatin1Char('.')))
                continue;
            // Timings with the interval that holds the truth: "failover_ms=2957 ms (2900–3010)".
            key << (intervals.contains(it.key())
                        ? QStringLiteral("%1=%2").arg(it.key(), MetricFormat::value(it.key(), it.value(), intervals))
                        : QStringLiteral("%1=%2").arg(it.key()).arg(it.value(), 0, 'f', it.key().endsWith(QLatin1String("_pct")) ? 2 : 0));
        }
        const QString verdict = VerdictText::toString(r.verdict);
        m_anyFailed = m_anyFailed || r.verdict != Verdict::Pass;
        m_out << QStringLiteral("[%1] %2  %3  %4").arg(verdict, -8).arg(check->id, check->title, key.join(QStringLiteral(", "))) << '\n';
        if (!r.note.isEmpty())
            m_out << "         " << r.note << '\n';
        for (const ClusterAnomaly &a : r.anomalies)
            m_out << "         anomaly: " << RunExporter::anomalyText(a) << '\n';
        if (r.stoppedAtStep >= 0)
            m_out << "         stopped at step " << (r.stoppedAtStep + 1) << "; probes summarised up to there\n";
        m_out.flush();
        m_runner->deleteLater();
        m_runner = nullptr;
        QTimer::singleShot(0, this, &CliCommands::runNextCheck);
    });
    m_out << "--> " << check->id << ". " << check->title << '\n';
    m_out.flush();
    m_runner->start();
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
bool writeFile(const QString &path, const QByteArray &data, QTextStream &err)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.commit()) {
        err << "cannot write " << path << ": " << f.errorString() << '\n';
        return false;
    }
    return true;
}

// Charts for the HTML/PDF report, one per check that has samples or faults.
QHash<QString, QImage> chartsFor(const Run &run)
{
    QHash<QString, QImage> charts;
    for (const CheckResult &r : run.results)
        if (!r.samples.isEmpty())
            charts.insert(r.checkId, ReportChart::render(r.samples, r.events));
    return charts;
}

// Every export of one stored run; formats with an empty path are skipped.
bool exportRun(const Run &run, const QList<ReadinessResult> &readiness, const Lab *lab, const QMap<QString, QString> &paths,
               QTextStream &err)
{
    bool ok = true;
    if (!paths.value(QStringLiteral("markdown")).isEmpty())
        ok &= writeFile(paths.value(QStringLiteral("markdown")), RunExporter::markdown(run, readiness, lab).toUtf8(), err);
    if (!paths.value(QStringLiteral("json")).isEmpty())
        ok &= writeFile(paths.value(QStringLiteral("json")), RunExporter::json(run, readiness, lab), err);
    if (!paths.value(QStringLiteral("junit")).isEmpty())
        ok &= writeFile(paths.value(QStringLiteral("junit")), RunExporter::junit(run, lab), err);
    if (!paths.value(QStringLiteral("html")).isEmpty())
        ok &= writeFile(paths.value(QStringLiteral("html")), ReportRenderer::html(run, readiness, chartsFor(run), lab).toUtf8(), err);
    if (!paths.value(QStringLiteral("pdf")).isEmpty()) {
        QString error;
        if (!ReportRenderer::pdf(paths.value(QStringLiteral("pdf")), run, readiness, chartsFor(run), &error, lab)) {
            err << "cannot write " << paths.value(QStringLiteral("pdf")) << ": " << error << '\n';
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
    if (!any || !m_recorder || m_recorder->runId().isEmpty())
        return true;
    const std::optional<Run> run = m_store->run(m_recorder->runId(), true);
    if (!run) {
        m_err << "halab-cli: the stored run cannot be read back: " << m_store->lastError() << '\n';
        return false;
    }
    return exportRun(*run, readinessFor(m_lab, *m_store), &m_lab, paths, m_err);
}

int CliCommands::report(const QString &runId, bool latest, const QString &format, const QString &output, const QString &storePath)
{
    static const QStringList formats{QStringLiteral("markdown"), QStringLiteral("json"), QStringLiteral("junit"), QStringLiteral("html"), QStringLiteral("pdf")};
    if (!formats.contains(format) || output.isEmpty() || (runId.isEmpty() && !latest)) {
        m_err << "halab-cli report: use (--run ID | --latest) --format markdown|json|junit|html|pdf -o FILE\n";
        return BadInput;
    }
    if (!openStore(storePath))
        return BadInput;
    QString id = runId;
    if (latest) {
        const QList<Run> runs = m_store->runs();
        if (runs.isEmpty()) {
            m_err << "halab-cli report: the store " << m_store->path() << " holds no run yet\n";
            return BadInput;
        }
        id = runs.first().id;
    }
    const std::optional<Run> run = m_store->run(id, true);
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
    const bool ok = exportRun(*run, readiness, parsed.ok() ? &lab : nullptr, {{format, output}}, m_err);
    if (ok)
        m_out << "wrote " << output << " (" << format << ", run " << id << ")\n";
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
        } else {
            m_out << "containers outlive the console: bring the stack back with 'halab-cli stack up " << e.lab
                  << "' or 'docker compose start'/'unpause' for " << e.service << "\n";
            code = Failed;
        }
    }
    ledger.clear(settled);
    m_out.flush();
    return code;
}

int CliCommands::readiness(const QString &labPath, bool json, const QString &storePath)
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
    return Ok;
}

void CliCommands::finishRun(int code)
{
    if (m_recorder)
        m_recorder->end(m_aborted ? Run::State::Interrupted : Run::State::Finished);
    const bool written = writeExports();
    if (!written && code == Ok)
        code = Failed;
    StackBackend *backend = m_session ? m_session->backend() : nullptr;
    if (!backend || m_runOptions.keepStack) {
        Q_EMIT finished(code);
        return;
    }
    m_out << "stopping the stack…\n";
    m_out.flush();
    connect(backend, &StackBackend::downFinished, this, [this, code] { Q_EMIT finished(code); });
    backend->down();
}
