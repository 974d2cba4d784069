#include "clicommands.h"

#include "datapaths.h"
#include "labcontext.h"
#include "labparser.h"
#include "pidledger.h"
#include "scenariorunner.h"
#include "serviceprober.h"
#include "stacksession.h"
#include "unixsignalwatcher.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSysInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <csignal>

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
    m_results = new QJsonArray;

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
        startRun();
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
        m_out << QStringLiteral("[%1] %2  %3").arg(verdict, -8).arg(check->id, check->title) << (note.isEmpty() ? QString() : QStringLiteral(" — ") + note) << '\n';
        m_out.flush();
        m_results->append(QJsonObject{{QStringLiteral("id"), check->id}, {QStringLiteral("title"), check->title},
                                      {QStringLiteral("verdict"), verdict}, {QStringLiteral("metrics"), QJsonObject()},
                                      {QStringLiteral("note"), note}});
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
    connect(m_runner, &ScenarioRunner::stepFinished, this, [this](const StepOutcome &o) {
        m_out << QStringLiteral("    %1 %2. %3").arg(o.ok ? QStringLiteral("ok  ") : QStringLiteral("FAIL")).arg(o.index + 1).arg(o.summary) << '\n';
        m_out.flush();
    });
    connect(m_runner, &ScenarioRunner::finished, this, [this, check](const CheckResult &r) {
        const QMap<QString, double> res = m_runner->resolutions();
        QStringList key;
        QJsonObject metrics, resolutions;
        for (auto it = r.metrics.cbegin(); it != r.metrics.cend(); ++it) {
            metrics.insert(it.key(), it.value());
            if (!it.key().contains(QLatin1Char('.')))
                key << QStringLiteral("%1=%2%3").arg(it.key()).arg(it.value(), 0, 'f', it.key().endsWith(QLatin1String("_pct")) ? 2 : 0)
                           .arg(res.contains(it.key()) ? QStringLiteral("±%1").arg(res.value(it.key()), 0, 'f', 0) : QString());
        }
        for (auto it = res.cbegin(); it != res.cend(); ++it)
            resolutions.insert(it.key(), it.value());
        QJsonArray steps;
        for (const StepOutcome &o : m_runner->steps())
            steps.append(QJsonObject{{QStringLiteral("index"), o.index}, {QStringLiteral("ok"), o.ok}, {QStringLiteral("skipped"), o.skipped},
                                     {QStringLiteral("summary"), o.summary}, {QStringLiteral("duration_ms"), o.durationMs}});
        const QString verdict = VerdictText::toString(r.verdict);
        m_anyFailed = m_anyFailed || r.verdict != Verdict::Pass;
        m_out << QStringLiteral("[%1] %2  %3  %4").arg(verdict, -8).arg(check->id, check->title, key.join(QLatin1Char(' '))) << '\n';
        if (!r.note.isEmpty())
            m_out << "         " << r.note << '\n';
        m_out.flush();
        m_results->append(QJsonObject{{QStringLiteral("id"), check->id},
                                      {QStringLiteral("title"), check->title},
                                      {QStringLiteral("verdict"), verdict},
                                      {QStringLiteral("metrics"), metrics},
                                      {QStringLiteral("resolutions_ms"), resolutions},
                                      {QStringLiteral("failures"), QJsonArray::fromStringList(m_runner->failures())},
                                      {QStringLiteral("started"), r.started.toString(Qt::ISODateWithMs)},
                                      {QStringLiteral("finished"), r.finished.toString(Qt::ISODateWithMs)},
                                      {QStringLiteral("steps"), steps}});
        m_runner->deleteLater();
        m_runner = nullptr;
        QTimer::singleShot(0, this, &CliCommands::runNextCheck);
    });
    m_out << "--> " << check->id << ". " << check->title << '\n';
    m_out.flush();
    m_runner->start();
}

bool CliCommands::writeJson()
{
    if (m_runOptions.jsonPath.isEmpty())
        return true;
    const QJsonObject doc{{QStringLiteral("schema"), QStringLiteral("halab.results/1")},
                          {QStringLiteral("lab"), QJsonObject{{QStringLiteral("id"), m_lab.id}, {QStringLiteral("name"), m_lab.name},
                                                              {QStringLiteral("path"), m_lab.filePath}}},
                          {QStringLiteral("host"), QSysInfo::prettyProductName()},
                          {QStringLiteral("aborted"), m_aborted},
                          {QStringLiteral("checks"), *m_results}};
    QSaveFile f(m_runOptions.jsonPath);
    if (!f.open(QIODevice::WriteOnly)) {
        m_err << "cannot write " << m_runOptions.jsonPath << ": " << f.errorString() << '\n';
        return false;
    }
    f.write(QJsonDocument(doc).toJson(QJsonDocument::Indented));
    return f.commit();
}

void CliCommands::finishRun(int code)
{
    const bool written = writeJson();
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
