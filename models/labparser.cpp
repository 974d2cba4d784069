#include "labparser.h"

#include "didyoumean.h"
#include "duration.h"
#include "logging.h"
#include "substitution.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>

#include <yaml-cpp/yaml.h>

namespace {

QString qs(const std::string &s) { return QString::fromStdString(s); }

QString typeName(const YAML::Node &n)
{
    switch (n.Type()) {
    case YAML::NodeType::Null: return QStringLiteral("nothing");
    case YAML::NodeType::Scalar: return QStringLiteral("a value");
    case YAML::NodeType::Sequence: return QStringLiteral("a list");
    case YAML::NodeType::Map: return QStringLiteral("a mapping");
    case YAML::NodeType::Undefined: return QStringLiteral("nothing");
    }
    return QStringLiteral("something else");
}

// A string seen while parsing, kept so ${NAME} references are checked once all names are known.
struct PendingText
{
    QString text;
    SourceLocation where;
    int checkIndex = -1;     // -1: outside any check
    bool commandArgv = false; // secrets must not reach a command's argv
};

class Reader
{
public:
    explicit Reader(QString file) : m_file(std::move(file)) {}

    LabDiagnostics errors;
    QList<PendingText> texts;
    int currentCheck = -1;

    SourceLocation at(const YAML::Node &n) const
    {
        if (!n.IsDefined()) // an absent key has no position (Mark() would throw)
            return {m_file, 0, 0};
        const YAML::Mark m = n.Mark();
        if (m.line < 0)
            return {m_file, 0, 0};
        return {m_file, m.line + 1, m.column + 1};
    }

    void error(const SourceLocation &where, const QString &message) { errors.append({where, message}); }
    void error(const YAML::Node &n, const QString &message) { error(at(n), message); }

    // Reports unknown and duplicate keys of a mapping; returns false when `n` is not a mapping.
    bool checkKeys(const YAML::Node &n, const QString &what, const QStringList &allowed)
    {
        if (!n.IsMap()) {
            error(n, QStringLiteral("%1 must be a mapping of keys, got %2").arg(what, typeName(n)));
            return false;
        }
        QSet<QString> seen;
        for (auto it = n.begin(); it != n.end(); ++it) {
            const QString key = qs(it->first.Scalar());
            if (seen.contains(key))
                error(it->first, QStringLiteral("duplicate key '%1' in %2").arg(key, what));
            seen.insert(key);
            if (!allowed.contains(key))
                error(it->first, QStringLiteral("unknown key '%1' in %2%3").arg(key, what, DidYouMean::hint(key, allowed)));
        }
        return true;
    }

    bool present(const YAML::Node &map, const char *key) const
    {
        const YAML::Node v = map[key];
        return v.IsDefined() && !v.IsNull();
    }

    QString string(const YAML::Node &map, const char *key, const QString &what, bool required = false,
                   bool trackRefs = true)
    {
        const YAML::Node v = map[key];
        if (!v.IsDefined() || v.IsNull()) {
            if (required)
                error(map, QStringLiteral("%1 is missing required key '%2'").arg(what, QLatin1String(key)));
            return {};
        }
        return scalar(v, QStringLiteral("'%1' in %2").arg(QLatin1String(key), what), trackRefs);
    }

    QString scalar(const YAML::Node &v, const QString &what, bool trackRefs = true)
    {
        if (!v.IsScalar()) {
            error(v, QStringLiteral("%1 must be a single value, got %2").arg(what, typeName(v)));
            return {};
        }
        const QString s = qs(v.Scalar());
        if (trackRefs)
            texts.append({s, at(v), currentCheck, false});
        return s;
    }

    std::optional<int> integer(const YAML::Node &map, const char *key, const QString &what)
    {
        const YAML::Node v = map[key];
        if (!v.IsDefined() || v.IsNull())
            return std::nullopt;
        if (v.IsScalar()) {
            bool ok = false;
            const int n = qs(v.Scalar()).toInt(&ok);
            if (ok)
                return n;
        }
        error(v, QStringLiteral("'%1' in %2 must be a whole number, got '%3'")
                     .arg(QLatin1String(key), what, v.IsScalar() ? qs(v.Scalar()) : typeName(v)));
        return std::nullopt;
    }

    std::optional<qint64> duration(const YAML::Node &v, const QString &what)
    {
        if (!v.IsScalar()) {
            error(v, QStringLiteral("%1 must be a duration like 5s, got %2").arg(what, typeName(v)));
            return std::nullopt;
        }
        QString problem;
        const std::optional<qint64> ms = Duration::parse(qs(v.Scalar()), &problem);
        if (!ms)
            error(v, QStringLiteral("%1: %2").arg(what, problem));
        return ms;
    }

    std::optional<qint64> duration(const YAML::Node &map, const char *key, const QString &what)
    {
        const YAML::Node v = map[key];
        if (!v.IsDefined() || v.IsNull())
            return std::nullopt;
        return duration(v, QStringLiteral("'%1' in %2").arg(QLatin1String(key), what));
    }

    // A list of values; a single value is accepted as a list of one.
    QStringList stringList(const YAML::Node &map, const char *key, const QString &what, bool argv = false)
    {
        const YAML::Node v = map[key];
        if (!v.IsDefined() || v.IsNull())
            return {};
        return stringList(v, QStringLiteral("'%1' in %2").arg(QLatin1String(key), what), argv);
    }

    QStringList stringList(const YAML::Node &v, const QString &what, bool argv = false)
    {
        QStringList out;
        if (v.IsScalar()) {
            out.append(qs(v.Scalar()));
            texts.append({out.last(), at(v), currentCheck, argv});
            return out;
        }
        if (!v.IsSequence()) {
            error(v, QStringLiteral("%1 must be a list, got %2").arg(what, typeName(v)));
            return out;
        }
        for (const YAML::Node &item : v) {
            if (!item.IsScalar()) {
                error(item, QStringLiteral("items of %1 must be single values, got %2").arg(what, typeName(item)));
                continue;
            }
            out.append(qs(item.Scalar()));
            texts.append({out.last(), at(item), currentCheck, argv});
        }
        return out;
    }

    QMap<QString, QString> stringMap(const YAML::Node &map, const char *key, const QString &what)
    {
        QMap<QString, QString> out;
        const YAML::Node v = map[key];
        if (!v.IsDefined() || v.IsNull())
            return out;
        if (!v.IsMap()) {
            error(v, QStringLiteral("'%1' in %2 must be a mapping of NAME: value, got %3")
                         .arg(QLatin1String(key), what, typeName(v)));
            return out;
        }
        for (auto it = v.begin(); it != v.end(); ++it) {
            const QString k = qs(it->first.Scalar());
            if (out.contains(k))
                error(it->first, QStringLiteral("duplicate key '%1' in '%2'").arg(k, QLatin1String(key)));
            if (!it->second.IsScalar() && !it->second.IsNull()) {
                error(it->second, QStringLiteral("value of '%1' in '%2' must be a single value, got %3")
                                      .arg(k, QLatin1String(key), typeName(it->second)));
                continue;
            }
            const QString value = it->second.IsNull() ? QString() : qs(it->second.Scalar());
            out.insert(k, value);
            texts.append({value, at(it->second), currentCheck, false});
        }
        return out;
    }

    QString file() const { return m_file; }

private:
    QString m_file;
};

const QStringList kTopKeys = {QStringLiteral("halab"),     QStringLiteral("id"),        QStringLiteral("name"),
                              QStringLiteral("description"), QStringLiteral("variables"), QStringLiteral("endpoints"),
                              QStringLiteral("secrets"),   QStringLiteral("stack"),     QStringLiteral("checks"),
                              QStringLiteral("readiness")};
const QStringList kProbeKindKeys = {QStringLiteral("http"), QStringLiteral("tcp"), QStringLiteral("command")};
const QStringList kProbeKeys = {QStringLiteral("id"),          QStringLiteral("http"),     QStringLiteral("tcp"),
                                QStringLiteral("command"),     QStringLiteral("method"),   QStringLiteral("headers"),
                                QStringLiteral("body"),        QStringLiteral("expect_status"), QStringLiteral("expect_exit"),
                                QStringLiteral("json"),        QStringLiteral("regex"),    QStringLiteral("every"),
                                QStringLiteral("timeout")};
const QStringList kStepKinds = {QStringLiteral("http"),     QStringLiteral("command"), QStringLiteral("fault"),
                                QStringLiteral("wait"),     QStringLiteral("log_scan"), QStringLiteral("matrix"),
                                QStringLiteral("prompt"),   QStringLiteral("mark")};
const QStringList kStepCommon = {QStringLiteral("id"), QStringLiteral("title"), QStringLiteral("instructions")};

class LabReader
{
public:
    LabReader(Reader &r, Lab &lab) : r(r), lab(lab) {}

    void read(const YAML::Node &root)
    {
        if (!r.checkKeys(root, QStringLiteral("the lab file"), kTopKeys))
            return;
        if (!r.present(root, "halab")) {
            r.error(root, QStringLiteral("the lab file is missing 'halab: 1' (the format version)"));
        } else if (const std::optional<int> v = r.integer(root, "halab", QStringLiteral("the lab file"))) {
            lab.formatVersion = *v;
            if (*v != 1)
                r.error(root["halab"], QStringLiteral("unsupported lab format version %1: this console reads version 1").arg(*v));
        }
        lab.name = r.string(root, "name", QStringLiteral("the lab file"), true);
        lab.id = r.string(root, "id", QStringLiteral("the lab file"));
        if (lab.id.isEmpty())
            lab.id = lab.name.toLower().replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
        lab.description = r.string(root, "description", QStringLiteral("the lab file"));
        lab.variables = r.stringMap(root, "variables", QStringLiteral("the lab file"));
        variablesWhere = r.at(root["variables"]);
        lab.endpoints = r.stringMap(root, "endpoints", QStringLiteral("the lab file"));
        readSecrets(root["secrets"]);
        if (r.present(root, "stack"))
            readStack(root["stack"]);
        else
            r.error(root, QStringLiteral("the lab file is missing required key 'stack'"));
        checksDeclared = r.present(root, "checks");
        readChecks(root["checks"]);
        readReadiness(root["readiness"]);
        crossCheck();
    }

private:
    Reader &r;
    Lab &lab;
    SourceLocation variablesWhere;
    bool checksDeclared = false; // without checks, readiness references would only repeat that one mistake
    struct ServiceRef
    {
        QString name;
        SourceLocation where;
        QString what;
    };
    QList<ServiceRef> pendingServiceRefs;
    QList<QStringList> savedPerCheck;

    void referService(const QString &name, const YAML::Node &n, const QString &what)
    {
        pendingServiceRefs.append({name, r.at(n), what});
    }

    void readSecrets(const YAML::Node &n)
    {
        if (!n.IsDefined() || n.IsNull())
            return;
        if (!n.IsSequence()) {
            r.error(n, QStringLiteral("'secrets' must be a list of names, got %1").arg(typeName(n)));
            return;
        }
        static const QRegularExpression nameRe(QStringLiteral("^[A-Z][A-Z0-9_]*$"));
        for (const YAML::Node &item : n) {
            SecretSpec s;
            s.where = r.at(item);
            if (item.IsScalar()) {
                s.name = qs(item.Scalar());
            } else if (r.checkKeys(item, QStringLiteral("a secret"), {QStringLiteral("name"), QStringLiteral("description"), QStringLiteral("generate")})) {
                s.name = r.string(item, "name", QStringLiteral("a secret"), true, false);
                s.description = r.string(item, "description", QStringLiteral("a secret"), false, false);
                const QString generate = r.string(item, "generate", QStringLiteral("a secret"), false, false);
                s.generateIfMissing = generate == QLatin1String("true");
                if (!generate.isEmpty() && generate != QLatin1String("true") && generate != QLatin1String("false"))
                    r.error(item["generate"], QStringLiteral("'generate' of secret '%1' must be true or false").arg(s.name));
            }
            if (s.name.isEmpty())
                continue;
            if (!nameRe.match(s.name).hasMatch())
                r.error(item, QStringLiteral("secret name '%1' must be UPPER_CASE letters, digits and _").arg(s.name));
            for (const SecretSpec &other : std::as_const(lab.secrets))
                if (other.name == s.name)
                    r.error(item, QStringLiteral("duplicate secret '%1' (first declared at %2)").arg(s.name, other.where.toString()));
            lab.secrets.append(s);
        }
    }

    void readProbeKind(const YAML::Node &n, ProbeSpec &p, const QString &what, bool argvIsCommand = true)
    {
        int kinds = 0;
        for (const QString &k : kProbeKindKeys)
            kinds += r.present(n, k.toUtf8().constData()) ? 1 : 0;
        if (kinds != 1) {
            r.error(n, kinds == 0 ? QStringLiteral("%1 needs one of 'http', 'tcp' or 'command'").arg(what)
                                  : QStringLiteral("%1 has more than one of 'http', 'tcp', 'command': pick one").arg(what));
            return;
        }
        if (r.present(n, "http")) {
            p.kind = ProbeSpec::Kind::Http;
            p.url = r.string(n, "http", what);
        } else if (r.present(n, "tcp")) {
            p.kind = ProbeSpec::Kind::Tcp;
            p.address = r.string(n, "tcp", what);
            static const QRegularExpression addr(QStringLiteral(R"(^(\$\{[^}]+\}|[^:\s]+|\[[^\]]+\]):(\$\{[^}]+\}|\d+)$)"));
            if (!p.address.isEmpty() && !addr.match(p.address).hasMatch())
                r.error(n["tcp"], QStringLiteral("'tcp' in %1 must be host:port, got '%2'").arg(what, p.address));
        } else {
            p.kind = ProbeSpec::Kind::Command;
            p.command = r.stringList(n, "command", what, argvIsCommand);
        }
    }

    ProbeSpec readProbe(const YAML::Node &n, const QString &what, const QStringList &extraKeys = {})
    {
        ProbeSpec p;
        p.where = r.at(n);
        if (!r.checkKeys(n, what, kProbeKeys + extraKeys))
            return p;
        p.id = r.string(n, "id", what, false, false);
        readProbeKind(n, p, what);
        if (r.present(n, "method"))
            p.method = r.string(n, "method", what).toUpper();
        p.headers = r.stringMap(n, "headers", what);
        p.body = r.string(n, "body", what);
        p.expectStatus = r.integer(n, "expect_status", what).value_or(0);
        p.expectExit = r.integer(n, "expect_exit", what).value_or(0);
        p.jsonPointer = r.string(n, "json", what, false, false);
        p.regex = r.string(n, "regex", what, false, false);
        checkPointerAndRegex(n, p.jsonPointer, p.regex, what);
        p.intervalMs = r.duration(n, "every", what).value_or(1000);
        p.timeoutMs = r.duration(n, "timeout", what).value_or(1000);
        if (p.intervalMs < 10 && r.present(n, "every"))
            r.error(n["every"], QStringLiteral("'every' in %1 must be at least 10ms").arg(what));
        return p;
    }

    void checkPointerAndRegex(const YAML::Node &n, const QString &pointer, const QString &regex, const QString &what)
    {
        if (!pointer.isEmpty() && !pointer.startsWith(QLatin1Char('/')))
            r.error(n["json"], QStringLiteral("'json' in %1 must be a JSON pointer starting with '/', got '%2'").arg(what, pointer));
        if (!regex.isEmpty()) {
            const QRegularExpression re(regex);
            if (!re.isValid())
                r.error(n["regex"], QStringLiteral("'regex' in %1 is not a valid regular expression: %2").arg(what, re.errorString()));
        }
        if (!pointer.isEmpty() && !regex.isEmpty())
            r.error(n, QStringLiteral("%1 has both 'json' and 'regex': pick one").arg(what));
    }

    void readStack(const YAML::Node &n)
    {
        const QString what = QStringLiteral("'stack'");
        lab.stack.where = r.at(n);
        if (!r.checkKeys(n, what, {QStringLiteral("backend"), QStringLiteral("project"), QStringLiteral("files"),
                                   QStringLiteral("services")}))
            return;
        const QString backend = r.string(n, "backend", what, true, false);
        if (backend == QLatin1String("compose")) {
            lab.stack.backend = StackSpec::Backend::Compose;
        } else if (backend == QLatin1String("processes") || backend.isEmpty()) {
            lab.stack.backend = StackSpec::Backend::Processes;
        } else {
            r.error(n["backend"], QStringLiteral("unknown stack backend '%1': use 'processes' or 'compose'%2")
                                      .arg(backend, DidYouMean::hint(backend, {QStringLiteral("processes"), QStringLiteral("compose")})));
        }
        lab.stack.project = r.string(n, "project", what);
        lab.stack.composeFiles = r.stringList(n, "files", what);
        const bool compose = lab.stack.backend == StackSpec::Backend::Compose;
        if (compose && lab.stack.composeFiles.isEmpty())
            r.error(n, QStringLiteral("a compose stack needs 'files': the compose file(s)"));
        if (!compose && (r.present(n, "files") || r.present(n, "project")))
            r.error(r.present(n, "files") ? n["files"] : n["project"],
                    QStringLiteral("'files' and 'project' belong to a compose stack; this one is 'processes'"));

        const YAML::Node services = n["services"];
        if (!services.IsDefined() || services.IsNull()) {
            r.error(n, QStringLiteral("'stack' is missing required key 'services'"));
            return;
        }
        if (!services.IsMap()) {
            r.error(services, QStringLiteral("'services' must be a mapping of service name to its settings, got %1").arg(typeName(services)));
            return;
        }
        for (auto it = services.begin(); it != services.end(); ++it) {
            ServiceSpec s;
            s.name = qs(it->first.Scalar());
            s.where = r.at(it->first);
            if (lab.stack.service(s.name)) {
                r.error(it->first, QStringLiteral("duplicate service '%1'").arg(s.name));
                continue;
            }
            readService(it->second, s, compose);
            lab.stack.services.append(s);
        }
    }

    void readService(const YAML::Node &n, ServiceSpec &s, bool compose)
    {
        const QString what = QStringLiteral("service '%1'").arg(s.name);
        if (n.IsNull()) {
            if (!compose)
                r.error(s.where, QStringLiteral("%1 needs a 'command'").arg(what));
            return;
        }
        if (!r.checkKeys(n, what, {QStringLiteral("command"), QStringLiteral("env"), QStringLiteral("workdir"),
                                   QStringLiteral("depends_on"), QStringLiteral("templates"), QStringLiteral("ready"),
                                   QStringLiteral("role"), QStringLiteral("version"), QStringLiteral("stop_grace")}))
            return;
        s.command = r.stringList(n, "command", what, true);
        if (!compose && s.command.isEmpty())
            r.error(n, QStringLiteral("%1 is missing required key 'command'").arg(what));
        if (compose && !s.command.isEmpty())
            r.error(n["command"], QStringLiteral("%1: 'command' is for the processes backend; compose services run what the compose file says").arg(what));
        s.env = r.stringMap(n, "env", what);
        s.workdir = r.string(n, "workdir", what);
        s.dependsOn = r.stringList(n, "depends_on", what);
        for (const QString &d : std::as_const(s.dependsOn))
            referService(d, n["depends_on"], QStringLiteral("'depends_on' of %1").arg(what));
        s.versionCommand = r.stringList(n, "version", what, true);
        s.stopGraceMs = r.duration(n, "stop_grace", what).value_or(5000);
        const YAML::Node templates = n["templates"];
        if (templates.IsDefined() && !templates.IsNull()) {
            if (!templates.IsSequence()) {
                r.error(templates, QStringLiteral("'templates' in %1 must be a list of {from, to}").arg(what));
            } else {
                for (const YAML::Node &t : templates) {
                    TemplateFileSpec tf;
                    tf.where = r.at(t);
                    const QString twhat = QStringLiteral("a template of %1").arg(what);
                    if (!r.checkKeys(t, twhat, {QStringLiteral("from"), QStringLiteral("to")}))
                        continue;
                    tf.from = r.string(t, "from", twhat, true);
                    tf.to = r.string(t, "to", twhat, true);
                    s.templates.append(tf);
                }
            }
        }
        if (r.present(n, "ready"))
            s.ready = readProbe(n["ready"], QStringLiteral("'ready' of %1").arg(what));
        if (r.present(n, "role")) {
            const QString rwhat = QStringLiteral("'role' of %1").arg(what);
            RoleProbeSpec role;
            role.probe = readProbe(n["role"], rwhat, {QStringLiteral("leader_if_status"), QStringLiteral("leader_if_equals")});
            if (n["role"].IsMap()) {
                role.leaderIfStatus = r.integer(n["role"], "leader_if_status", rwhat).value_or(0);
                role.leaderIfEquals = r.string(n["role"], "leader_if_equals", rwhat);
                if (role.leaderIfStatus && role.probe.kind != ProbeSpec::Kind::Http)
                    r.error(n["role"]["leader_if_status"], QStringLiteral("'leader_if_status' in %1 needs an 'http' probe").arg(rwhat));
                if (!role.leaderIfStatus && role.probe.jsonPointer.isEmpty() && role.probe.regex.isEmpty()
                    && role.probe.kind != ProbeSpec::Kind::Command)
                    r.error(n["role"], QStringLiteral("%1 must say how to tell the leader: 'leader_if_status', or 'json'/'regex' (with 'leader_if_equals')").arg(rwhat));
            }
            s.role = role;
        }
    }

    void readChecks(const YAML::Node &n)
    {
        if (!n.IsDefined() || n.IsNull())
            return;
        if (!n.IsSequence()) {
            r.error(n, QStringLiteral("'checks' must be a list of checks, got %1").arg(typeName(n)));
            return;
        }
        for (const YAML::Node &c : n) {
            r.currentCheck = int(lab.checks.size());
            savedPerCheck.append(QStringList());
            CheckSpec check;
            readCheck(c, check);
            if (!check.id.isEmpty())
                for (const CheckSpec &other : std::as_const(lab.checks))
                    if (other.id == check.id)
                        r.error(c["id"], QStringLiteral("duplicate check id '%1' (first used at %2)").arg(check.id, other.where.toString()));
            lab.checks.append(check);
        }
        r.currentCheck = -1;
    }

    void readCheck(const YAML::Node &n, CheckSpec &c)
    {
        c.where = r.at(n);
        QString what = QStringLiteral("a check");
        if (!r.checkKeys(n, what, {QStringLiteral("id"), QStringLiteral("title"), QStringLiteral("mode"),
                                   QStringLiteral("description"), QStringLiteral("applies_when"),
                                   QStringLiteral("not_applicable"), QStringLiteral("deferred"), QStringLiteral("probes"),
                                   QStringLiteral("steps"), QStringLiteral("expect"), QStringLiteral("lost_records")}))
            return;
        c.id = r.string(n, "id", what, true, false);
        if (!c.id.isEmpty())
            what = QStringLiteral("check '%1'").arg(c.id);
        c.title = r.string(n, "title", what, true, false);
        c.description = r.string(n, "description", what, false, false);
        const QString mode = r.string(n, "mode", what, false, false);
        if (mode.isEmpty() || mode == QLatin1String("manual"))
            c.mode = CheckSpec::Mode::Manual;
        else if (mode == QLatin1String("automated"))
            c.mode = CheckSpec::Mode::Automated;
        else if (mode == QLatin1String("mixed"))
            c.mode = CheckSpec::Mode::Mixed;
        else
            r.error(n["mode"], QStringLiteral("unknown mode '%1' in %2: use manual, automated or mixed%3")
                                   .arg(mode, what, DidYouMean::hint(mode, {QStringLiteral("manual"), QStringLiteral("automated"), QStringLiteral("mixed")})));
        c.appliesWhen = r.stringMap(n, "applies_when", what);
        for (auto it = c.appliesWhen.cbegin(); it != c.appliesWhen.cend(); ++it)
            if (!lab.variables.contains(it.key()))
                r.error(n["applies_when"], QStringLiteral("'applies_when' in %1 names unknown variable '%2'%3")
                                               .arg(what, it.key(), DidYouMean::hint(it.key(), lab.variables.keys())));
        c.notApplicableReason = r.string(n, "not_applicable", what, false, false);
        c.deferredReason = r.string(n, "deferred", what, false, false);

        const YAML::Node probes = n["probes"];
        if (probes.IsDefined() && !probes.IsNull()) {
            if (!probes.IsSequence()) {
                r.error(probes, QStringLiteral("'probes' in %1 must be a list, got %2").arg(what, typeName(probes)));
            } else {
                for (const YAML::Node &p : probes) {
                    ProbeSpec probe = readProbe(p, QStringLiteral("a probe of %1").arg(what));
                    if (probe.id.isEmpty() && p.IsMap())
                        r.error(p, QStringLiteral("a probe of %1 needs an 'id' (steps and reports refer to it)").arg(what));
                    for (const ProbeSpec &other : std::as_const(c.probes))
                        if (!probe.id.isEmpty() && other.id == probe.id)
                            r.error(p["id"], QStringLiteral("duplicate probe id '%1' in %2").arg(probe.id, what));
                    c.probes.append(probe);
                }
            }
        }

        const YAML::Node steps = n["steps"];
        QStringList marks;
        if (steps.IsDefined() && !steps.IsNull()) {
            if (!steps.IsSequence()) {
                r.error(steps, QStringLiteral("'steps' in %1 must be a list, got %2").arg(what, typeName(steps)));
            } else {
                for (const YAML::Node &s : steps) {
                    StepSpec step;
                    readStep(s, step, c, marks, what);
                    if (!step.id.isEmpty())
                        for (const StepSpec &other : std::as_const(c.steps))
                            if (other.id == step.id)
                                r.error(s["id"], QStringLiteral("duplicate step id '%1' in %2").arg(step.id, what));
                    c.steps.append(step);
                }
            }
        }

        const YAML::Node lost = n["lost_records"];
        if (lost.IsDefined() && !lost.IsNull()) {
            const QString lwhat = QStringLiteral("'lost_records' of %1").arg(what);
            if (r.checkKeys(lost, lwhat, {QStringLiteral("before"), QStringLiteral("after")})) {
                c.lostRecordsBefore = r.string(lost, "before", lwhat, true, false);
                c.lostRecordsAfter = r.string(lost, "after", lwhat, true, false);
                const std::pair<const char *, QString> sides[] = {{"before", c.lostRecordsBefore}, {"after", c.lostRecordsAfter}};
                for (const auto &[key, name] : sides) {
                    if (!name.isEmpty() && !savedPerCheck.last().contains(name))
                        r.error(lost[key], QStringLiteral("%1 names '%2', which no step of the check saves (add 'save_as: %2' to a step)%3")
                                             .arg(lwhat, name, DidYouMean::hint(name, savedPerCheck.last())));
                }
            }
        }

        const YAML::Node expect = n["expect"];
        if (expect.IsDefined() && !expect.IsNull()) {
            QStringList metricNames = LabParser::knownMetrics() + savedPerCheck.last();
            for (const ProbeSpec &p : std::as_const(c.probes))
                for (const QString &m : LabParser::knownMetrics())
                    metricNames.append(p.id + QLatin1Char('.') + m);
            const QStringList items = r.stringList(expect, QStringLiteral("'expect' of %1").arg(what));
            int i = 0;
            for (const YAML::Node &e : expect.IsSequence() ? expect : YAML::Node(YAML::NodeType::Sequence)) {
                if (i < items.size()) {
                    if (std::optional<Expectation> x = parseExpectation(items[i], e, metricNames, what))
                        c.expectations.append(*x);
                }
                ++i;
            }
            if (expect.IsScalar() && !items.isEmpty())
                if (std::optional<Expectation> x = parseExpectation(items.first(), expect, metricNames, what))
                    c.expectations.append(*x);
        }
    }

    std::optional<Expectation> parseExpectation(const QString &text, const YAML::Node &n, const QStringList &metricNames,
                                                const QString &what)
    {
        // metric op (number[unit] | "text" | 'text' | name): a name is another metric or saved value.
        static const QRegularExpression re(QStringLiteral(
            R"re(^\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(<=|>=|==|!=|<|>)\s*(?:(-?\d+(?:\.\d+)?)\s*(%|ms|s|m|h)?|"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z_][A-Za-z0-9_.-]*))\s*$)re"));
        const QRegularExpressionMatch m = re.match(text);
        if (!m.hasMatch()) {
            r.error(n, QStringLiteral("expectation '%1' in %2 must read 'metric op number', 'metric op \"text\"' or 'metric op metric', "
                                      "e.g. 'availability_pct >= 99'")
                           .arg(text, what));
            return std::nullopt;
        }
        Expectation x;
        x.where = r.at(n);
        x.text = text.trimmed();
        x.metric = m.captured(1);
        const QString op = m.captured(2);
        x.op = op == QLatin1String("<")    ? Expectation::Op::Less
               : op == QLatin1String("<=") ? Expectation::Op::LessEqual
               : op == QLatin1String("==") ? Expectation::Op::Equal
               : op == QLatin1String("!=") ? Expectation::Op::NotEqual
               : op == QLatin1String(">=") ? Expectation::Op::GreaterEqual
                                           : Expectation::Op::Greater;
        if (m.capturedLength(3) > 0) {
            x.bound = m.captured(3).toDouble();
            const QString unit = m.captured(4);
            if (unit == QLatin1String("s") || unit == QLatin1String("m") || unit == QLatin1String("h")) {
                if (!x.metric.endsWith(QLatin1String("_ms")))
                    r.error(n, QStringLiteral("expectation '%1': a duration bound needs a *_ms metric").arg(text));
                x.bound = double(Duration::parse(m.captured(3) + unit).value_or(0));
            }
        } else if (m.capturedStart(5) >= 0 || m.capturedStart(6) >= 0) {
            x.right = Expectation::Operand::Text;
            if (m.capturedStart(5) >= 0) {
                static const QRegularExpression escape(QStringLiteral(R"(\\(.))"));
                x.rightText = m.captured(5).replace(escape, QStringLiteral("\\1"));
            } else {
                x.rightText = m.captured(6);
            }
            if (Expectation::isOrdering(x.op))
                r.error(n, QStringLiteral("expectation '%1' in %2 compares text: use == or !=").arg(text, what));
        } else {
            x.right = Expectation::Operand::Name;
            x.rightText = m.captured(7);
            if (!metricNames.contains(x.rightText)) {
                r.error(n, QStringLiteral("unknown metric '%1' in %2%3").arg(x.rightText, what, DidYouMean::hint(x.rightText, metricNames)));
                return std::nullopt;
            }
        }
        if (!metricNames.contains(x.metric)) {
            r.error(n, QStringLiteral("unknown metric '%1' in %2%3").arg(x.metric, what, DidYouMean::hint(x.metric, metricNames)));
            return std::nullopt;
        }
        return x;
    }

    void readStep(const YAML::Node &n, StepSpec &s, const CheckSpec &c, QStringList &marks, const QString &checkWhat)
    {
        s.where = r.at(n);
        const QString what = QStringLiteral("a step of %1").arg(checkWhat);
        if (n.IsScalar()) { // a bare string is an operator prompt
            s.kind = StepSpec::Kind::Prompt;
            s.instructions = r.scalar(n, what);
            return;
        }
        if (!n.IsMap()) {
            r.error(n, QStringLiteral("%1 must be a mapping with one of %2, got %3").arg(what, kStepKinds.join(QStringLiteral(", ")), typeName(n)));
            return;
        }
        QString kind;
        for (auto it = n.begin(); it != n.end(); ++it) {
            const QString key = qs(it->first.Scalar());
            if (kStepKinds.contains(key)) {
                if (!kind.isEmpty()) {
                    r.error(it->first, QStringLiteral("%1 has both '%2' and '%3': one step does one thing").arg(what, kind, key));
                    return;
                }
                kind = key;
            }
        }
        if (kind.isEmpty()) {
            QStringList keys;
            for (auto it = n.begin(); it != n.end(); ++it)
                keys.append(qs(it->first.Scalar()));
            QString hint;
            for (const QString &k : std::as_const(keys))
                if (!kStepCommon.contains(k) && hint.isEmpty())
                    hint = DidYouMean::hint(k, kStepKinds);
            r.error(n, QStringLiteral("%1 needs one of %2%3").arg(what, kStepKinds.join(QStringLiteral(", ")), hint));
            return;
        }
        const YAML::Node body = n[kind.toUtf8().constData()];
        QStringList allowed = kStepCommon;
        allowed.append(kind);
        const QString swhat = QStringLiteral("a '%1' step of %2").arg(kind, checkWhat);

        if (kind == QLatin1String("http")) {
            s.kind = StepSpec::Kind::Http;
            allowed << QStringLiteral("method") << QStringLiteral("headers") << QStringLiteral("body")
                    << QStringLiteral("expect_status") << QStringLiteral("save_as") << QStringLiteral("json")
                    << QStringLiteral("regex") << QStringLiteral("timeout");
        } else if (kind == QLatin1String("command")) {
            s.kind = StepSpec::Kind::Command;
            allowed << QStringLiteral("env") << QStringLiteral("expect_exit") << QStringLiteral("save_as")
                    << QStringLiteral("json") << QStringLiteral("regex") << QStringLiteral("timeout");
        } else if (kind == QLatin1String("fault")) {
            s.kind = StepSpec::Kind::Fault;
        } else if (kind == QLatin1String("wait")) {
            s.kind = StepSpec::Kind::Wait;
        } else if (kind == QLatin1String("log_scan")) {
            s.kind = StepSpec::Kind::LogScan;
        } else if (kind == QLatin1String("matrix")) {
            s.kind = StepSpec::Kind::Matrix;
        } else if (kind == QLatin1String("prompt")) {
            s.kind = StepSpec::Kind::Prompt;
        } else {
            s.kind = StepSpec::Kind::Mark;
        }
        if (!r.checkKeys(n, swhat, allowed))
            return;
        s.id = r.string(n, "id", swhat, false, false);
        s.title = r.string(n, "title", swhat, false, false);
        s.instructions = r.string(n, "instructions", swhat);

        switch (s.kind) {
        case StepSpec::Kind::Http:
            readHttpStep(n, body, s, swhat, c);
            break;
        case StepSpec::Kind::Command:
            s.argv = r.stringList(n, "command", swhat, true);
            if (s.argv.isEmpty())
                r.error(body, QStringLiteral("%1 needs the command to run").arg(swhat));
            s.env = r.stringMap(n, "env", swhat);
            s.expectExit = r.integer(n, "expect_exit", swhat).value_or(-1);
            readCapture(n, s, swhat);
            s.timeoutMs = r.duration(n, "timeout", swhat).value_or(30000);
            break;
        case StepSpec::Kind::Fault:
            readFault(body, s, swhat);
            break;
        case StepSpec::Kind::Wait:
            readWait(body, s, swhat, c);
            break;
        case StepSpec::Kind::LogScan:
            readLogScan(body, s, swhat, marks);
            break;
        case StepSpec::Kind::Matrix:
            readMatrix(body, s, swhat);
            break;
        case StepSpec::Kind::Prompt:
            s.instructions = r.scalar(body, swhat);
            break;
        case StepSpec::Kind::Mark:
            s.mark = r.scalar(body, swhat, false);
            if (marks.contains(s.mark))
                r.error(body, QStringLiteral("mark '%1' is set twice in %2").arg(s.mark, checkWhat));
            marks.append(s.mark);
            break;
        }
    }

    void readCapture(const YAML::Node &n, StepSpec &s, const QString &what)
    {
        s.saveAs = r.string(n, "save_as", what, false, false);
        s.jsonPointer = r.string(n, "json", what, false, false);
        s.regex = r.string(n, "regex", what, false, false);
        checkPointerAndRegex(n, s.jsonPointer, s.regex, what);
        if (!s.saveAs.isEmpty()) {
            static const QRegularExpression nameRe(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
            if (!nameRe.match(s.saveAs).hasMatch())
                r.error(n["save_as"], QStringLiteral("'save_as' in %1 must be a NAME (letters, digits, _)").arg(what));
            savedPerCheck.last().append(s.saveAs);
        }
        if ((!s.jsonPointer.isEmpty() || !s.regex.isEmpty()) && s.saveAs.isEmpty())
            r.error(n, QStringLiteral("%1 extracts a value ('json'/'regex') but has no 'save_as' to keep it").arg(what));
    }

    void readHttpStep(const YAML::Node &n, const YAML::Node &body, StepSpec &s, const QString &what, const CheckSpec &)
    {
        if (body.IsMap()) {
            // Long form: http: {method, url, headers, body}
            const QString hwhat = QStringLiteral("'http' of %1").arg(what);
            if (r.checkKeys(body, hwhat, {QStringLiteral("method"), QStringLiteral("url"), QStringLiteral("headers"), QStringLiteral("body")})) {
                s.url = r.string(body, "url", hwhat, true);
                if (r.present(body, "method"))
                    s.method = r.string(body, "method", hwhat).toUpper();
                s.headers = r.stringMap(body, "headers", hwhat);
                s.body = r.string(body, "body", hwhat);
            }
        } else {
            s.url = r.scalar(body, QStringLiteral("'http' of %1").arg(what));
        }
        if (r.present(n, "method"))
            s.method = r.string(n, "method", what).toUpper();
        if (r.present(n, "headers"))
            s.headers = r.stringMap(n, "headers", what);
        if (r.present(n, "body"))
            s.body = r.string(n, "body", what);
        checkMethod(s.method, r.present(n, "method") ? n["method"] : body, what);
        s.expectStatus = r.integer(n, "expect_status", what).value_or(0);
        readCapture(n, s, what);
        s.timeoutMs = r.duration(n, "timeout", what).value_or(10000);
    }

    void checkMethod(const QString &method, const YAML::Node &n, const QString &what)
    {
        static const QStringList methods = {QStringLiteral("GET"), QStringLiteral("POST"), QStringLiteral("PUT"),
                                            QStringLiteral("PATCH"), QStringLiteral("DELETE"), QStringLiteral("HEAD"),
                                            QStringLiteral("OPTIONS")};
        if (!methods.contains(method))
            r.error(n, QStringLiteral("unknown HTTP method '%1' in %2%3").arg(method, what, DidYouMean::hint(method, methods)));
    }

    void readFault(const YAML::Node &body, StepSpec &s, const QString &what)
    {
        if (!r.checkKeys(body, what,
                         {QStringLiteral("action"), QStringLiteral("service"), QStringLiteral("role"), QStringLiteral("env")}))
            return;
        static const QStringList actions = {QStringLiteral("kill"), QStringLiteral("stop"), QStringLiteral("pause"),
                                            QStringLiteral("resume"), QStringLiteral("start"), QStringLiteral("restart")};
        const QString action = r.string(body, "action", what, true, false);
        const int ai = int(actions.indexOf(action));
        if (ai < 0 && !action.isEmpty())
            r.error(body["action"], QStringLiteral("unknown fault action '%1': use %2%3").arg(action, actions.join(QStringLiteral(", ")), DidYouMean::hint(action, actions)));
        else if (ai >= 0)
            s.action = StepSpec::FaultAction(ai);
        const bool byName = r.present(body, "service");
        const bool byRole = r.present(body, "role");
        if (byName == byRole) {
            r.error(body, QStringLiteral("'fault' of %1 needs exactly one target: 'service: NAME' or 'role: leader|replica|any'").arg(what));
        } else if (byName) {
            s.service = r.string(body, "service", what, false, false);
            referService(s.service, body["service"], what);
        } else {
            static const QStringList roles = {QStringLiteral("leader"), QStringLiteral("replica"), QStringLiteral("any"),
                                              QStringLiteral("last_faulted")};
            const QString role = r.string(body, "role", what, false, false);
            const int ri = int(roles.indexOf(role));
            if (ri < 0)
                r.error(body["role"], QStringLiteral("unknown role '%1': use leader, replica, any or last_faulted%2").arg(role, DidYouMean::hint(role, roles)));
            else
                s.role = StepSpec::Role(ri + 1);
            if (ri >= 0 && ri < 2) {
                bool anyRoleProbe = false;
                for (const ServiceSpec &svc : std::as_const(lab.stack.services))
                    anyRoleProbe = anyRoleProbe || svc.role.has_value();
                if (!anyRoleProbe)
                    r.error(body["role"], QStringLiteral("'role: %1' needs a service with a 'role' probe in the stack").arg(role));
            }
        }
        s.overrides = r.stringMap(body, "env", what);
        if (!s.overrides.isEmpty() && s.action != StepSpec::FaultAction::Restart)
            r.error(body["env"], QStringLiteral("'env' overrides in %1 only apply to 'action: restart'").arg(what));
    }

    void readWait(const YAML::Node &body, StepSpec &s, const QString &what, const CheckSpec &c)
    {
        if (body.IsScalar()) {
            s.durationMs = r.duration(body, what).value_or(0);
            return;
        }
        const QString wwhat = what;
        if (!r.checkKeys(body, wwhat, {QStringLiteral("for"), QStringLiteral("until"), QStringLiteral("timeout")}))
            return;
        if (r.present(body, "for"))
            s.durationMs = r.duration(body, "for", wwhat).value_or(0);
        if (!r.present(body, "until")) {
            if (!r.present(body, "for"))
                r.error(body, QStringLiteral("%1 needs 'for: DURATION' or 'until: CONDITION'").arg(wwhat));
            return;
        }
        if (!r.present(body, "timeout"))
            r.error(body, QStringLiteral("%1 waits 'until' a condition and needs a 'timeout'").arg(wwhat));
        s.timeoutMs = r.duration(body, "timeout", wwhat).value_or(30000);
        const YAML::Node until = body["until"];
        static const QStringList simple = {QStringLiteral("leader_changed"), QStringLiteral("leader_elected")};
        if (until.IsScalar()) {
            const QString cond = qs(until.Scalar());
            if (cond == simple[0])
                s.until.kind = WaitConditionSpec::Kind::LeaderChanged;
            else if (cond == simple[1])
                s.until.kind = WaitConditionSpec::Kind::LeaderElected;
            else
                r.error(until, QStringLiteral("unknown condition '%1' in %2: use leader_changed, leader_elected, {probe_ok: ID}, {probe_fails: ID} or {service: NAME, state: STATE}%3")
                                   .arg(cond, wwhat, DidYouMean::hint(cond, simple)));
            return;
        }
        const QString uwhat = QStringLiteral("'until' of %1").arg(what);
        if (!r.checkKeys(until, uwhat, {QStringLiteral("probe_ok"), QStringLiteral("probe_fails"), QStringLiteral("times"),
                                        QStringLiteral("service"), QStringLiteral("state")}))
            return;
        s.until.times = r.integer(until, "times", uwhat).value_or(1);
        if (r.present(until, "probe_ok") || r.present(until, "probe_fails")) {
            const bool ok = r.present(until, "probe_ok");
            s.until.kind = ok ? WaitConditionSpec::Kind::ProbeOk : WaitConditionSpec::Kind::ProbeFails;
            s.until.probe = r.string(until, ok ? "probe_ok" : "probe_fails", uwhat, false, false);
            QStringList ids;
            for (const ProbeSpec &p : c.probes)
                ids.append(p.id);
            if (!ids.contains(s.until.probe))
                r.error(until[ok ? "probe_ok" : "probe_fails"], QStringLiteral("unknown probe '%1' in %2%3").arg(s.until.probe, uwhat, DidYouMean::hint(s.until.probe, ids)));
        } else if (r.present(until, "service")) {
            s.until.kind = WaitConditionSpec::Kind::ServiceState;
            s.until.service = r.string(until, "service", uwhat, false, false);
            referService(s.until.service, until["service"], uwhat);
            s.until.state = r.string(until, "state", uwhat, true, false);
            static const QStringList states = {QStringLiteral("running"), QStringLiteral("stopped"), QStringLiteral("paused"),
                                               QStringLiteral("exited"), QStringLiteral("healthy")};
            if (!s.until.state.isEmpty() && !states.contains(s.until.state))
                r.error(until["state"], QStringLiteral("unknown state '%1' in %2: use %3%4").arg(s.until.state, uwhat, states.join(QStringLiteral(", ")), DidYouMean::hint(s.until.state, states)));
        } else {
            r.error(until, QStringLiteral("%1 needs 'probe_ok', 'probe_fails' or 'service'").arg(uwhat));
        }
    }

    void readLogScan(const YAML::Node &body, StepSpec &s, const QString &what, const QStringList &marks)
    {
        const QString lwhat = what;
        if (!r.checkKeys(body, lwhat, {QStringLiteral("services"), QStringLiteral("pattern"), QStringLiteral("since"),
                                       QStringLiteral("expect_count")}))
            return;
        s.services = r.stringList(body, "services", lwhat);
        if (s.services.isEmpty())
            r.error(body, QStringLiteral("%1 needs 'services': whose logs to scan").arg(lwhat));
        for (const QString &svc : std::as_const(s.services))
            referService(svc, body["services"], lwhat);
        s.pattern = r.string(body, "pattern", lwhat, true, false);
        if (!s.pattern.isEmpty() && !QRegularExpression(s.pattern).isValid())
            r.error(body["pattern"], QStringLiteral("'pattern' in %1 is not a valid regular expression: %2").arg(lwhat, QRegularExpression(s.pattern).errorString()));
        s.since = r.string(body, "since", lwhat, false, false);
        if (!s.since.isEmpty() && s.since != QLatin1String("check_start") && !marks.contains(s.since))
            r.error(body["since"], QStringLiteral("'since: %1' in %2 names no mark set by an earlier 'mark' step%3").arg(s.since, lwhat, DidYouMean::hint(s.since, marks)));
        s.expectCount = r.integer(body, "expect_count", lwhat).value_or(-1);
    }

    void readMatrix(const YAML::Node &body, StepSpec &s, const QString &what)
    {
        const QString mwhat = what;
        if (!body.IsSequence() || body.size() == 0) {
            r.error(body, QStringLiteral("%1 must be a non-empty list of requests with 'expect_status'").arg(mwhat));
            return;
        }
        for (const YAML::Node &row : body) {
            MatrixRowSpec m;
            m.where = r.at(row);
            const QString rwhat = QStringLiteral("a row of %1").arg(mwhat);
            if (!r.checkKeys(row, rwhat, {QStringLiteral("name"), QStringLiteral("method"), QStringLiteral("url"),
                                          QStringLiteral("headers"), QStringLiteral("body"), QStringLiteral("expect_status")}))
                continue;
            m.name = r.string(row, "name", rwhat, false, false);
            m.url = r.string(row, "url", rwhat, true);
            if (r.present(row, "method"))
                m.method = r.string(row, "method", rwhat).toUpper();
            checkMethod(m.method, row, rwhat);
            m.headers = r.stringMap(row, "headers", rwhat);
            m.body = r.string(row, "body", rwhat);
            if (!r.present(row, "expect_status"))
                r.error(row, QStringLiteral("%1 is missing required key 'expect_status'").arg(rwhat));
            m.expectStatus = r.integer(row, "expect_status", rwhat).value_or(200);
            s.rows.append(m);
        }
    }

    void readReadiness(const YAML::Node &n)
    {
        if (!n.IsDefined() || n.IsNull())
            return;
        if (!n.IsSequence()) {
            r.error(n, QStringLiteral("'readiness' must be a list of levels, got %1").arg(typeName(n)));
            return;
        }
        for (const YAML::Node &l : n) {
            ReadinessLevelSpec level;
            level.where = r.at(l);
            QString what = QStringLiteral("a readiness level");
            if (!r.checkKeys(l, what, {QStringLiteral("id"), QStringLiteral("name"), QStringLiteral("description"),
                                       QStringLiteral("window"), QStringLiteral("checks_pass"), QStringLiteral("metrics")}))
                continue;
            level.id = r.string(l, "id", what, true, false);
            what = QStringLiteral("readiness level '%1'").arg(level.id);
            level.name = r.string(l, "name", what, true, false);
            level.description = r.string(l, "description", what, false, false);
            level.windowMs = r.duration(l, "window", what).value_or(0);
            level.checksPass = r.stringList(l, "checks_pass", what);
            for (const ReadinessLevelSpec &other : std::as_const(lab.readiness))
                if (other.id == level.id)
                    r.error(l["id"], QStringLiteral("duplicate readiness level id '%1'").arg(level.id));
            QStringList checkIds;
            for (const CheckSpec &c : std::as_const(lab.checks))
                checkIds.append(c.id);
            int i = 0;
            const YAML::Node passes = l["checks_pass"];
            for (const QString &id : std::as_const(level.checksPass)) {
                const YAML::Node at = passes.IsSequence() && i < int(passes.size()) ? passes[i] : passes;
                if (checksDeclared && !checkIds.contains(id))
                    r.error(at, QStringLiteral("%1 names unknown check '%2'%3").arg(what, id, DidYouMean::hint(id, checkIds)));
                ++i;
            }
            const YAML::Node metrics = l["metrics"];
            if (metrics.IsDefined() && !metrics.IsNull()) {
                if (!metrics.IsSequence()) {
                    r.error(metrics, QStringLiteral("'metrics' of %1 must be a list of {check, expect}").arg(what));
                } else {
                    for (const YAML::Node &m : metrics) {
                        const QString mwhat = QStringLiteral("a metric criterion of %1").arg(what);
                        if (!r.checkKeys(m, mwhat, {QStringLiteral("check"), QStringLiteral("expect")}))
                            continue;
                        MetricCriterionSpec crit;
                        crit.check = r.string(m, "check", mwhat, true, false);
                        const CheckSpec *c = lab.check(crit.check);
                        if (!crit.check.isEmpty() && !c && checksDeclared) {
                            r.error(m["check"], QStringLiteral("%1 names unknown check '%2'%3").arg(mwhat, crit.check, DidYouMean::hint(crit.check, checkIds)));
                            continue;
                        }
                        const QString text = r.string(m, "expect", mwhat, true, false);
                        if (!c || text.isEmpty())
                            continue;
                        QStringList names = LabParser::knownMetrics();
                        const int ci = int(c - lab.checks.constData());
                        if (ci >= 0 && ci < savedPerCheck.size())
                            names += savedPerCheck[ci];
                        for (const ProbeSpec &p : c->probes)
                            for (const QString &km : LabParser::knownMetrics())
                                names.append(p.id + QLatin1Char('.') + km);
                        if (std::optional<Expectation> x = parseExpectation(text, m["expect"], names, mwhat)) {
                            crit.expectation = *x;
                            level.metrics.append(crit);
                        }
                    }
                }
            }
            lab.readiness.append(level);
        }
    }

    void crossCheck()
    {
        QStringList serviceNames;
        for (const ServiceSpec &s : std::as_const(lab.stack.services))
            serviceNames.append(s.name);
        for (const ServiceRef &ref : std::as_const(pendingServiceRefs))
            if (!ref.name.isEmpty() && !serviceNames.contains(ref.name) && ref.name != QLatin1String("last_faulted"))
                r.error(ref.where, QStringLiteral("%1 names unknown service '%2'%3").arg(ref.what, ref.name, DidYouMean::hint(ref.name, serviceNames)));
        checkDependencyCycles();

        QStringList secretNames;
        for (const SecretSpec &s : std::as_const(lab.secrets))
            secretNames.append(s.name);
        QStringList global = lab.endpoints.keys() + lab.variables.keys() + secretNames + LabParser::builtinVariables();
        for (const PendingText &t : std::as_const(r.texts)) {
            for (const Substitution::Reference &ref : Substitution::references(t.text)) {
                SourceLocation where = t.where;
                if (ref.name.startsWith(QLatin1String("env:")))
                    continue;
                QStringList known = global;
                if (t.checkIndex >= 0 && t.checkIndex < savedPerCheck.size())
                    known += savedPerCheck[t.checkIndex];
                if (!known.contains(ref.name)) {
                    r.error(where, QStringLiteral("unknown name '${%1}'%2: declare it under variables, endpoints or secrets")
                                       .arg(ref.name, DidYouMean::hint(ref.name, known)));
                } else if (t.commandArgv && secretNames.contains(ref.name)) {
                    r.error(where, QStringLiteral("secret '${%1}' must not appear in a command line (ps shows it): pass it in 'env:' and use $%1 in the command")
                                       .arg(ref.name));
                }
            }
        }
        QStringList cycle;
        Substitution::resolveAll(lab.variables, [](const QString &) { return std::optional<QString>(QStringLiteral("")); }, &cycle);
        if (!cycle.isEmpty())
            r.error(variablesWhere, QStringLiteral("variables refer to each other in a cycle: %1").arg(cycle.join(QStringLiteral(", "))));
    }

    void checkDependencyCycles()
    {
        // Depth-first search over depends_on; a back edge is a cycle that would never start.
        QHash<QString, int> state; // 0 unvisited, 1 visiting, 2 done
        std::function<bool(const ServiceSpec &)> visit = [&](const ServiceSpec &s) -> bool {
            state[s.name] = 1;
            for (const QString &d : s.dependsOn) {
                const ServiceSpec *dep = lab.stack.service(d);
                if (!dep)
                    continue;
                if (state.value(d) == 1) {
                    r.error(s.where, QStringLiteral("service '%1' depends on '%2', which depends back on it: a cycle never starts").arg(s.name, d));
                    return false;
                }
                if (state.value(d) == 0 && !visit(*dep))
                    return false;
            }
            state[s.name] = 2;
            return true;
        };
        for (const ServiceSpec &s : std::as_const(lab.stack.services))
            if (state.value(s.name) == 0 && !visit(s))
                break;
    }
};

} // namespace

LabParser::Result LabParser::parseFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        Result r;
        r.errors.append({{path, 0, 0}, QStringLiteral("cannot read the lab file: %1").arg(f.errorString())});
        return r;
    }
    return parseText(f.readAll(), path, QFileInfo(path).absoluteFilePath());
}

LabParser::Result LabParser::parseText(const QByteArray &yaml, const QString &displayName, const QString &filePath)
{
    Result result;
    result.lab.filePath = filePath;
    Reader reader(displayName);
    try {
        const YAML::Node root = YAML::Load(yaml.toStdString());
        if (!root.IsDefined() || root.IsNull()) {
            reader.error(SourceLocation{displayName, 1, 1}, QStringLiteral("the lab file is empty: it needs at least 'halab: 1', 'name' and 'stack'"));
        } else {
            LabReader(reader, result.lab).read(root);
        }
    } catch (const YAML::Exception &e) {
        // yaml-cpp puts the position in the mark and repeats it in what(); keep only the message.
        reader.error(SourceLocation{displayName, e.mark.line + 1, e.mark.column + 1},
                     QStringLiteral("not valid YAML: %1").arg(QString::fromStdString(e.msg)));
    }
    result.errors = reader.errors;
    std::stable_sort(result.errors.begin(), result.errors.end(), [](const LabDiagnostic &a, const LabDiagnostic &b) {
        return std::make_pair(a.where.line, a.where.column) < std::make_pair(b.where.line, b.where.column);
    });
    if (!result.errors.isEmpty())
        qCDebug(lcLab) << displayName << result.errors.size() << "problems";
    return result;
}

QStringList LabParser::knownMetrics()
{
    return {QStringLiteral("probes_ok"),      QStringLiteral("probes_total"),   QStringLiteral("availability_pct"),
            QStringLiteral("longest_outage_ms"), QStringLiteral("failover_ms"), QStringLiteral("detection_ms"),
            QStringLiteral("recovery_ms"),    QStringLiteral("latency_p50_ms"), QStringLiteral("latency_p99_ms"),
            QStringLiteral("lost_records"),   QStringLiteral("log_count"),      QStringLiteral("matrix_failures"),
            QStringLiteral("steps_failed"),   QStringLiteral("skipped_samples"), QStringLiteral("console_late_p99_ms"),
            QStringLiteral("failover_count"), QStringLiteral("failover_missing"), QStringLiteral("leaderless_ms"),
            QStringLiteral("leader_changes"), QStringLiteral("split_brain_samples"), QStringLiteral("leader_regressions")};
}

QStringList LabParser::builtinVariables()
{
    return {QStringLiteral("LAB_DIR"), QStringLiteral("RUN_DIR"), QStringLiteral("BIN_DIR")};
}
