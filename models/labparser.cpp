#include "labparser.h"

#include "didyoumean.h"
#include "duration.h"
#include "lablimits.h"
#include "logging.h"
#include "substitution.h"
#include "yamlsizecheck.h"

#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>

#include <yaml-cpp/depthguard.h>
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

// One problem is one line, and a quoted value in it stays readable even when it is 64 KiB long.
QString printable(const QString &message)
{
    static const QRegularExpression longQuote(QStringLiteral("'([^']{120,})'"));
    QString out;
    out.reserve(message.size());
    for (const QChar c : message) {
        if (c == QLatin1Char('\n'))
            out += QStringLiteral("\\n");
        else if (c == QLatin1Char('\r'))
            out += QStringLiteral("\\r");
        else if (c == QLatin1Char('\t'))
            out += QStringLiteral("\\t");
        else if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            out += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
        else
            out += c;
    }
    if (out.size() < 120)
        return out;
    QRegularExpressionMatch m;
    int from = 0;
    while ((m = longQuote.match(out, from)).hasMatch()) {
        const QString inner = m.captured(1);
        const QString shown = QLatin1Char('\'') + inner.left(60) + QStringLiteral("…' (%1 characters)").arg(inner.size());
        out.replace(m.capturedStart(), m.capturedLength(), shown);
        from = int(m.capturedStart() + shown.size());
    }
    return out;
}

// A string seen while parsing, kept so ${NAME} references are checked once all names are known.
struct PendingText
{
    enum class Shape { Text, Url, TcpAddress }; // URLs and addresses get their port checked
    QString text;
    SourceLocation where;
    int checkIndex = -1;     // -1: outside any check
    bool commandArgv = false; // secrets must not reach a command's argv
    Shape shape = Shape::Text;
    QString defines;         // the variable or endpoint this text is the value of
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

    void error(const SourceLocation &where, const QString &message) { errors.append({where, printable(message)}); }
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
                error(it->first, QStringLiteral("unknown key '%1' in %2%3").arg(key, what, hint(key, allowed)));
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
        const QString s = scalar(v, QStringLiteral("'%1' in %2").arg(QLatin1String(key), what), trackRefs);
        if (required && v.IsScalar() && s.trimmed().isEmpty())
            error(v, QStringLiteral("'%1' in %2 must not be empty").arg(QLatin1String(key), what));
        return s;
    }

    QString scalar(const YAML::Node &v, const QString &what, bool trackRefs = true)
    {
        if (!v.IsScalar()) {
            error(v, QStringLiteral("%1 must be a single value, got %2").arg(what, typeName(v)));
            return {};
        }
        const QString s = qs(v.Scalar());
        if (trackRefs)
            texts.append({s, at(v), currentCheck, false, PendingText::Shape::Text, QString()});
        return s;
    }

    // A whole number in [min, max]; `range` says the allowed values in words for the error.
    std::optional<int> integer(const YAML::Node &map, const char *key, const QString &what, int min = INT_MIN,
                               int max = INT_MAX, const QString &range = QString())
    {
        const YAML::Node v = map[key];
        if (!v.IsDefined() || v.IsNull())
            return std::nullopt;
        if (v.IsScalar()) {
            bool ok = false;
            const qint64 n = qs(v.Scalar()).toLongLong(&ok);
            if (ok && n >= min && n <= max)
                return int(n);
            if (ok && !range.isEmpty()) {
                error(v, QStringLiteral("'%1' in %2 must be %3, got %4").arg(QLatin1String(key), what, range, qs(v.Scalar()).trimmed()));
                return std::nullopt;
            }
        }
        error(v, QStringLiteral("'%1' in %2 must be a whole number, got '%3'")
                     .arg(QLatin1String(key), what, v.IsScalar() ? qs(v.Scalar()) : typeName(v)));
        return std::nullopt;
    }

    // An HTTP status 100-599; a non-empty `zeroMeans` also accepts 0, documented as that.
    std::optional<int> status(const YAML::Node &map, const char *key, const QString &what, const QString &zeroMeans = QString())
    {
        const bool zeroMeansAny = !zeroMeans.isEmpty();
        const QString range = zeroMeansAny ? QStringLiteral("an HTTP status from 100 to 599 (or 0 for %1)").arg(zeroMeans)
                                           : QStringLiteral("an HTTP status from 100 to 599");
        const std::optional<int> n = integer(map, key, what, zeroMeansAny ? 0 : 100, 599, range);
        if (n && *n > 0 && *n < 100) {
            error(map[key], QStringLiteral("'%1' in %2 must be %3, got %4").arg(QLatin1String(key), what, range).arg(*n));
            return std::nullopt;
        }
        return n;
    }

    std::optional<qint64> duration(const YAML::Node &v, const QString &what, qint64 maxMs = LabLimits::maxDurationMs)
    {
        if (!v.IsScalar()) {
            error(v, QStringLiteral("%1 must be a duration like 5s, got %2").arg(what, typeName(v)));
            return std::nullopt;
        }
        QString problem;
        const std::optional<qint64> ms = Duration::parse(qs(v.Scalar()), &problem, maxMs);
        if (!ms)
            error(v, QStringLiteral("%1: %2").arg(what, problem));
        return ms;
    }

    std::optional<qint64> duration(const YAML::Node &map, const char *key, const QString &what,
                                   qint64 maxMs = LabLimits::maxDurationMs)
    {
        const YAML::Node v = map[key];
        if (!v.IsDefined() || v.IsNull())
            return std::nullopt;
        return duration(v, QStringLiteral("'%1' in %2").arg(QLatin1String(key), what), maxMs);
    }

    // A time limit: 0 would mean "no limit" to the engines (QNetworkRequest, QTimer), never "fail at once".
    std::optional<qint64> timeout(const YAML::Node &map, const char *key, const QString &what)
    {
        const std::optional<qint64> ms = duration(map, key, what);
        if (ms && *ms <= 0) {
            error(map[key], QStringLiteral("'%1' in %2 must be more than 0").arg(QLatin1String(key), what));
            return std::nullopt;
        }
        return ms;
    }

    // The texts recorded since `first` (a texts.size() taken before reading) have this shape.
    void shapeSince(qsizetype first, PendingText::Shape shape)
    {
        for (qsizetype i = first; i < texts.size(); ++i)
            texts[i].shape = shape;
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
            texts.append({out.last(), at(v), currentCheck, argv, PendingText::Shape::Text, QString()});
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
            texts.append({out.last(), at(item), currentCheck, argv, PendingText::Shape::Text, QString()});
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
            texts.append({value, at(it->second), currentCheck, false, PendingText::Shape::Text, QString()});
        }
        return out;
    }

    QString file() const { return m_file; }

    // "(did you mean ...)" costs an edit distance per candidate: only for the first problems shown.
    QString hint(const QString &word, const QStringList &candidates) const
    {
        return errors.size() >= LabParser::kMaxProblems ? QString() : DidYouMean::hint(word, candidates);
    }

private:
    QString m_file;
};

const QStringList kTopKeys = {QStringLiteral("halab"),     QStringLiteral("id"),        QStringLiteral("name"),
                              QStringLiteral("description"), QStringLiteral("variables"), QStringLiteral("endpoints"),
                              QStringLiteral("secrets"),   QStringLiteral("stack"),     QStringLiteral("checks"),
                              QStringLiteral("readiness"), QStringLiteral("reset"), QStringLiteral("hosts"),
                              QStringLiteral("docker")};
const QStringList kProbeKindKeys = {QStringLiteral("http"), QStringLiteral("tcp"), QStringLiteral("command"),
                                    QStringLiteral("sql"),  QStringLiteral("redis")};
const QStringList kProbeKeys = {QStringLiteral("id"),          QStringLiteral("http"),     QStringLiteral("tcp"),
                                QStringLiteral("command"),     QStringLiteral("method"),   QStringLiteral("headers"),
                                QStringLiteral("body"),        QStringLiteral("expect_status"), QStringLiteral("expect_exit"),
                                QStringLiteral("json"),        QStringLiteral("regex"),    QStringLiteral("every"),
                                QStringLiteral("timeout"),     QStringLiteral("sql"),      QStringLiteral("redis"),
                                QStringLiteral("query"),       QStringLiteral("expect"),   QStringLiteral("expect_rows"),
                                QStringLiteral("env"),         QStringLiteral("from")};
const QStringList kStepKinds = {QStringLiteral("http"),     QStringLiteral("command"), QStringLiteral("fault"),
                                QStringLiteral("wait"),     QStringLiteral("log_scan"), QStringLiteral("matrix"),
                                QStringLiteral("prompt"),   QStringLiteral("mark"),     QStringLiteral("partition"),
                                QStringLiteral("isolate"),  QStringLiteral("link"),     QStringLiteral("heal")};
const QStringList kStepCommon = {QStringLiteral("id"), QStringLiteral("title"), QStringLiteral("instructions")};

class LabReader
{
public:
    LabReader(Reader &r, Lab &lab, const QMap<QString, QString> &overrides) : r(r), lab(lab), overrides(overrides) {}

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
        lab.variables = readDefinitions(root, "variables", PendingText::Shape::Text);
        applyOverrides();
        lab.endpoints = readDefinitions(root, "endpoints", PendingText::Shape::Url);
        readSecrets(root["secrets"]);
        readHosts(root["hosts"]);
        if (r.present(root, "stack"))
            readStack(root["stack"]);
        else
            r.error(root, QStringLiteral("the lab file is missing required key 'stack'"));
        readDocker(root["docker"]);
        checksDeclared = r.present(root, "checks");
        readChecks(root["checks"]);
        readReadiness(root["readiness"]);
        readReset(root["reset"]);
        crossCheck();
    }

private:
    // `--set NAME=VALUE` replaces a variable's value; a name the lab does not declare is a mistake
    // (a typo would otherwise run the lab with the file's value without a word).
    void applyOverrides()
    {
        const QStringList builtins = LabParser::builtinVariables();
        for (auto it = overrides.cbegin(); it != overrides.cend(); ++it) {
            if (lab.variables.contains(it.key())) {
                lab.variables.insert(it.key(), it.value());
                overridden.insert(it.key());
            } else if (!builtins.contains(it.key())) {
                r.error(SourceLocation{QStringLiteral("--set %1").arg(it.key()), 0, 0},
                        QStringLiteral("the lab declares no variable '%1'%2: --set changes only names under 'variables'")
                            .arg(it.key(), r.hint(it.key(), lab.variables.keys())));
            }
        }
    }

    Reader &r;
    Lab &lab;
    const QMap<QString, QString> &overrides;
    QSet<QString> overridden; // variables whose value came from --set, named in errors about them
    QMap<QString, SourceLocation> definedAt; // variables and endpoints: where each value is written
    QMap<QString, int> checkIndex;           // check id -> its first index in lab.checks
    QMap<QString, QSet<QString>> metricNamesOf; // check id -> what its expectations may name, built once
    QSet<QString> probeIds;                  // of the check being read, for wait conditions
    QSet<QString> markSet;                   // marks set so far in the check being read
    QSet<QString> endpointNames;
    // Every value resolved at run time together: bounds what LabContext and the engines build.
    static constexpr qint64 kMaxExpandedTotal = 4 * LabLimits::maxFileBytes;
    qint64 expandedTotal = 0;
    bool expandedTotalReported = false;
    bool checksDeclared = false; // without checks, readiness references would only repeat that one mistake
    struct ServiceRef
    {
        QString name;
        SourceLocation where;
        QString what;
    };
    QList<ServiceRef> pendingServiceRefs;
    QList<QStringList> savedPerCheck;

    QMap<QString, QString> readDefinitions(const YAML::Node &root, const char *key, PendingText::Shape shape)
    {
        const qsizetype first = r.texts.size();
        const QMap<QString, QString> values = r.stringMap(root, key, QStringLiteral("the lab file"));
        r.shapeSince(first, shape);
        const YAML::Node map = root[key];
        if (map.IsDefined() && map.IsMap()) { // IsMap() of an absent key throws
            qsizetype i = first;
            for (auto it = map.begin(); it != map.end(); ++it) {
                if (!it->second.IsScalar() && !it->second.IsNull())
                    continue; // stringMap reported it and kept no text
                const QString name = qs(it->first.Scalar());
                if (i < r.texts.size())
                    r.texts[i++].defines = name;
                definedAt.insert(name, r.at(it->second));
                if (shape == PendingText::Shape::Url)
                    endpointNames.insert(name);
            }
        }
        return values;
    }

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
        QMap<QString, SourceLocation> declared; // duplicates found in log n, not by a scan per secret
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
            if (const auto first = declared.constFind(s.name); first != declared.cend())
                r.error(item, QStringLiteral("duplicate secret '%1' (first declared at %2)").arg(s.name, first->toString()));
            else
                declared.insert(s.name, s.where);
            lab.secrets.append(s);
        }
    }

    void readProbeKind(const YAML::Node &n, ProbeSpec &p, const QString &what, bool argvIsCommand = true)
    {
        int kinds = 0;
        for (const QString &k : kProbeKindKeys)
            kinds += r.present(n, k.toUtf8().constData()) ? 1 : 0;
        if (kinds != 1) {
            r.error(n, kinds == 0 ? QStringLiteral("%1 needs one of 'http', 'tcp', 'command', 'sql' or 'redis'").arg(what)
                                  : QStringLiteral("%1 has more than one of 'http', 'tcp', 'command', 'sql', 'redis': pick one").arg(what));
            return;
        }
        if (r.present(n, "sql")) {
            readSqlProbe(n, p, what);
        } else if (r.present(n, "redis")) {
            readRedisProbe(n, p, what);
        } else if (r.present(n, "http")) {
            p.kind = ProbeSpec::Kind::Http;
            const qsizetype first = r.texts.size();
            p.url = r.string(n, "http", what);
            r.shapeSince(first, PendingText::Shape::Url);
        } else if (r.present(n, "tcp")) {
            p.kind = ProbeSpec::Kind::Tcp;
            const qsizetype first = r.texts.size();
            p.address = r.string(n, "tcp", what);
            r.shapeSince(first, PendingText::Shape::TcpAddress);
            static const QRegularExpression addr(QStringLiteral(R"(^(\$\{[^}]+\}|[^:\s]+|\[[^\]]+\]):(\$\{[^}]+\}|\d+)$)"));
            if (!p.address.isEmpty() && !addr.match(p.address).hasMatch())
                r.error(n["tcp"], QStringLiteral("'tcp' in %1 must be host:port, got '%2'").arg(what, p.address));
        } else {
            p.kind = ProbeSpec::Kind::Command;
            p.command = r.stringList(n, "command", what, argvIsCommand);
        }
    }

    void readSqlProbe(const YAML::Node &n, ProbeSpec &p, const QString &what)
    {
        p.kind = ProbeSpec::Kind::Sql;
        p.connection = r.string(n, "sql", what);
        p.query = r.string(n, "query", what);
        if (!r.present(n, "query"))
            r.error(n, QStringLiteral("%1 is missing required key 'query' (the SQL the probe runs)").arg(what));
        if (r.present(n, "expect_rows")) {
            p.expectRows = r.integer(n, "expect_rows", what).value_or(-1);
            if (p.expectRows < 0 && n["expect_rows"].IsScalar())
                r.error(n["expect_rows"], QStringLiteral("'expect_rows' in %1 must be 0 or more").arg(what));
        }
    }

    void readRedisProbe(const YAML::Node &n, ProbeSpec &p, const QString &what)
    {
        p.kind = ProbeSpec::Kind::Redis;
        p.address = r.string(n, "redis", what);
        static const QRegularExpression addr(QStringLiteral(R"(^(\$\{[^}]+\}|[^:\s]+|\[[^\]]+\]):(\$\{[^}]+\}|\d+)$)"));
        if (!p.address.isEmpty() && !addr.match(p.address).hasMatch())
            r.error(n["redis"], QStringLiteral("'redis' in %1 must be host:port, got '%2'").arg(what, p.address));
        const YAML::Node q = n["query"];
        if (!q.IsDefined() || q.IsNull())
            r.error(n, QStringLiteral("%1 is missing required key 'query' (the Redis command, e.g. [PING])").arg(what));
        else if (q.IsScalar()) // "INCR probe_counter": split on spaces; a list keeps spaces inside arguments
            p.redisCommand = r.scalar(q, QStringLiteral("'query' in %1").arg(what)).split(QLatin1Char(' '), Qt::SkipEmptyParts);
        else
            p.redisCommand = r.stringList(n, "query", what);
        if (q.IsDefined() && !q.IsNull() && p.redisCommand.isEmpty() && (q.IsScalar() || q.IsSequence()))
            r.error(q, QStringLiteral("'query' in %1 is empty").arg(what));
        if (r.present(n, "expect_rows"))
            r.error(n["expect_rows"], QStringLiteral("'expect_rows' in %1 is for 'sql' probes; use 'expect' for the reply").arg(what));
    }

    // Keys that belong to some kinds only: a clear error instead of a silently ignored key.
    void checkKindKeys(const YAML::Node &n, const ProbeSpec &p, const QString &what)
    {
        const bool store = p.kind == ProbeSpec::Kind::Sql || p.kind == ProbeSpec::Kind::Redis;
        for (const char *key : {"query", "expect"})
            if (!store && r.present(n, key))
                r.error(n[key], QStringLiteral("'%1' in %2 is for 'sql' and 'redis' probes").arg(QLatin1String(key), what));
        if (p.kind != ProbeSpec::Kind::Sql && p.kind != ProbeSpec::Kind::Redis && r.present(n, "expect_rows"))
            r.error(n["expect_rows"], QStringLiteral("'expect_rows' in %1 is for 'sql' probes").arg(what));
        if ((p.kind == ProbeSpec::Kind::Http || p.kind == ProbeSpec::Kind::Tcp) && r.present(n, "env"))
            r.error(n["env"], QStringLiteral("'env' in %1 is for 'command', 'sql' and 'redis' probes (http: use 'headers')").arg(what));
    }

    ProbeSpec readProbe(const YAML::Node &n, const QString &what, const QStringList &extraKeys = {})
    {
        ProbeSpec p;
        p.where = r.at(n);
        if (!r.checkKeys(n, what, kProbeKeys + extraKeys))
            return p;
        p.id = r.string(n, "id", what, false, false);
        readProbeKind(n, p, what);
        checkKindKeys(n, p, what);
        p.env = r.stringMap(n, "env", what);
        p.expectValue = r.string(n, "expect", what);
        if (r.present(n, "method"))
            p.method = r.string(n, "method", what).toUpper();
        p.headers = r.stringMap(n, "headers", what);
        p.body = r.string(n, "body", what);
        p.expectStatus = r.status(n, "expect_status", what, QStringLiteral("any 2xx")).value_or(0);
        p.expectExit = r.integer(n, "expect_exit", what, 0, 255, QStringLiteral("an exit code from 0 to 255")).value_or(0);
        p.jsonPointer = r.string(n, "json", what, false, false);
        p.regex = r.string(n, "regex", what, false, false);
        checkPointerAndRegex(n, p.jsonPointer, p.regex, what);
        readFromHost(n, p.fromHost, p.kind == ProbeSpec::Kind::Command, what);
        p.intervalMs = r.duration(n, "every", what).value_or(1000);
        p.timeoutMs = r.timeout(n, "timeout", what).value_or(1000);
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
                                   QStringLiteral("services"), QStringLiteral("run_dir"), QStringLiteral("roles")}))
            return;
        const QString backend = r.string(n, "backend", what, true, false);
        if (backend == QLatin1String("compose")) {
            lab.stack.backend = StackSpec::Backend::Compose;
        } else if (backend == QLatin1String("swarm")) {
            lab.stack.backend = StackSpec::Backend::Swarm;
        } else if (backend == QLatin1String("processes") || backend.isEmpty()) {
            lab.stack.backend = StackSpec::Backend::Processes;
        } else {
            const QStringList backends = {QStringLiteral("processes"), QStringLiteral("compose"), QStringLiteral("swarm")};
            r.error(n["backend"], QStringLiteral("unknown stack backend '%1': use 'processes', 'compose' or 'swarm'%2")
                                      .arg(backend, r.hint(backend, backends)));
        }
        lab.stack.project = r.string(n, "project", what);
        lab.stack.composeFiles = r.stringList(n, "files", what);
        const bool compose = lab.stack.containerized();
        if (compose && lab.stack.composeFiles.isEmpty())
            r.error(n, lab.stack.backend == StackSpec::Backend::Swarm
                           ? QStringLiteral("a swarm stack needs 'files': the compose file(s) 'docker stack deploy' reads")
                           : QStringLiteral("a compose stack needs 'files': the compose file(s)"));
        if (!compose && (r.present(n, "files") || r.present(n, "project")))
            r.error(r.present(n, "files") ? n["files"] : n["project"],
                    QStringLiteral("'files' and 'project' belong to a compose stack; this one is 'processes'"));
        readSwarmStackName(n);

        readRunDir(n);
        const YAML::Node services = n["services"];
        if (!services.IsDefined() || services.IsNull()) {
            r.error(n, QStringLiteral("'stack' is missing required key 'services'"));
            return;
        }
        if (!services.IsMap()) {
            r.error(services, QStringLiteral("'services' must be a mapping of service name to its settings, got %1").arg(typeName(services)));
            return;
        }
        QSet<QString> names;
        for (auto it = services.begin(); it != services.end(); ++it) {
            ServiceSpec s;
            s.name = qs(it->first.Scalar());
            s.where = r.at(it->first);
            if (names.contains(s.name)) {
                r.error(it->first, QStringLiteral("duplicate service '%1'").arg(s.name));
                continue;
            }
            names.insert(s.name);
            readService(it->second, s, compose);
            lab.stack.services.append(s);
        }
        if (r.present(n, "roles"))
            readRoleSource(n["roles"]);
    }

    // A swarm stack name becomes a prefix of every service, network and volume name.
    void readSwarmStackName(const YAML::Node &n)
    {
        if (lab.stack.backend != StackSpec::Backend::Swarm || !r.present(n, "project"))
            return;
        static const QRegularExpression name(QStringLiteral("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$"));
        if (!lab.stack.project.contains(QLatin1String("${")) && !name.match(lab.stack.project).hasMatch())
            r.error(n["project"], QStringLiteral("'project' of a swarm stack is its stack name: letters, digits, '_', '.', '-' "
                                                 "starting with a letter or digit, got '%1'").arg(lab.stack.project));
    }

    // A JSON pointer (starts with '/') or a regular expression; both are checked here.
    void checkPointerOrRegex(const YAML::Node &v, const QString &text, const QString &what)
    {
        if (text.startsWith(QLatin1Char('/')))
            return;
        const QRegularExpression re(text);
        if (!re.isValid())
            r.error(v, QStringLiteral("%1 is neither a JSON pointer (starting with '/') nor a valid regular expression: %2")
                           .arg(what, re.errorString()));
    }

    void readRoleSource(const YAML::Node &n)
    {
        const QString what = QStringLiteral("'roles' of the stack");
        StackRoleSourceSpec src;
        src.where = r.at(n);
        if (!n.IsMap()) {
            r.error(n, QStringLiteral("%1 must be a mapping with 'probe' and 'leader' and/or 'members'").arg(what));
            return;
        }
        if (!r.checkKeys(n, what, {QStringLiteral("probe"), QStringLiteral("leader"), QStringLiteral("members"),
                                   QStringLiteral("name_field"), QStringLiteral("role_field"), QStringLiteral("leader_roles"),
                                   QStringLiteral("term"), QStringLiteral("map")}))
            return;
        if (!r.present(n, "probe")) {
            r.error(n, QStringLiteral("%1 is missing required key 'probe' (http or command)").arg(what));
            return;
        }
        const QString pwhat = QStringLiteral("'probe' of %1").arg(what);
        src.probe = readProbe(n["probe"], pwhat);
        if (src.probe.kind == ProbeSpec::Kind::Tcp && r.present(n["probe"], "tcp"))
            r.error(n["probe"]["tcp"], QStringLiteral("%1: a tcp connect names no leader; use 'http' or 'command'").arg(pwhat));
        if (!src.probe.jsonPointer.isEmpty() || !src.probe.regex.isEmpty())
            r.error(n["probe"], QStringLiteral("%1: say what to read with 'leader', 'members' and 'term' of 'roles', not 'json'/'regex'").arg(pwhat));
        if (!r.present(n["probe"], "every"))
            src.probe.intervalMs = 200;
        src.leader = r.string(n, "leader", what, false, false);
        if (!src.leader.isEmpty())
            checkPointerOrRegex(n["leader"], src.leader, QStringLiteral("'leader' in %1").arg(what));
        if (r.present(n, "members")) {
            src.hasMembers = true;
            src.members = r.string(n, "members", what, false, false);
            if (!src.members.isEmpty() && !src.members.startsWith(QLatin1Char('/')))
                r.error(n["members"], QStringLiteral("'members' in %1 must be a JSON pointer to an array (starting with '/', or \"\" for the whole answer), got '%2'").arg(what, src.members));
        }
        if (src.leader.isEmpty() && !src.hasMembers)
            r.error(n, QStringLiteral("%1 must say where the leader is named: 'leader' (JSON pointer or regex) and/or 'members' (JSON pointer to an array)").arg(what));
        if (r.present(n, "name_field"))
            src.nameField = r.string(n, "name_field", what, true, false);
        if (r.present(n, "role_field"))
            src.roleField = r.string(n, "role_field", what, true, false);
        if (r.present(n, "leader_roles")) {
            src.leaderRoles = r.stringList(n, "leader_roles", what);
            if (src.leaderRoles.isEmpty())
                r.error(n["leader_roles"], QStringLiteral("'leader_roles' in %1 must name at least one role").arg(what));
        }
        if ((r.present(n, "name_field") || r.present(n, "role_field") || r.present(n, "leader_roles")) && !src.hasMembers)
            r.error(n, QStringLiteral("'name_field', 'role_field' and 'leader_roles' in %1 need 'members'").arg(what));
        src.term = r.string(n, "term", what, false, false);
        if (!src.term.isEmpty())
            checkPointerOrRegex(n["term"], src.term, QStringLiteral("'term' in %1").arg(what));
        src.map = r.stringMap(n, "map", what);
        const YAML::Node map = r.present(n, "map") ? n["map"] : YAML::Node();
        if (map.IsDefined() && map.IsMap()) {
            for (auto m = map.begin(); m != map.end(); ++m) {
                const QString service = qs(m->first.Scalar());
                referService(service, m->first, QStringLiteral("'map' in %1").arg(what));
                const QString v = src.map.value(service);
                if (v.size() >= 2 && v.startsWith(QLatin1Char('/')) && v.endsWith(QLatin1Char('/'))) {
                    const QRegularExpression re(v.mid(1, v.size() - 2));
                    if (!re.isValid())
                        r.error(m->second, QStringLiteral("'map' entry '%1' in %2 is not a valid regular expression: %3")
                                               .arg(service, what, re.errorString()));
                }
            }
        }
        lab.stack.roles = src;
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
                                   QStringLiteral("role"), QStringLiteral("version"), QStringLiteral("stop_grace"),
                                   QStringLiteral("user"), QStringLiteral("group"), QStringLiteral("once"), QStringLiteral("host")}))
            return;
        readRunAs(n, s, what, compose);
        readServiceHost(n, s, compose, what);
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
                role.leaderIfStatus = r.status(n["role"], "leader_if_status", rwhat).value_or(0);
                role.leaderIfEquals = r.string(n["role"], "leader_if_equals", rwhat);
                if (role.leaderIfStatus && role.probe.kind != ProbeSpec::Kind::Http)
                    r.error(n["role"]["leader_if_status"], QStringLiteral("'leader_if_status' in %1 needs an 'http' probe").arg(rwhat));
                const bool valueKind = role.probe.kind == ProbeSpec::Kind::Command || role.probe.kind == ProbeSpec::Kind::Sql
                                       || role.probe.kind == ProbeSpec::Kind::Redis;
                if (!role.leaderIfStatus && role.probe.jsonPointer.isEmpty() && role.probe.regex.isEmpty() && !valueKind)
                    r.error(n["role"], QStringLiteral("%1 must say how to tell the leader: 'leader_if_status', or 'json'/'regex' (with 'leader_if_equals')").arg(rwhat));
            }
            s.role = role;
        }
        // The stack's own probers run in the console's network; 'from' is for check probes and steps.
        for (const char *key : {"ready", "role"})
            if (r.present(n, key) && n[key].IsMap() && r.present(n[key], "from"))
                r.error(n[key]["from"], QStringLiteral("'from' in '%1' of %2: ready and role probes run from the console; use 'from' on check probes and command steps")
                                            .arg(QLatin1String(key), what));
    }

    // user / group / once of a service (issue 11: real daemons that refuse root, config writers).
    void readRunAs(const YAML::Node &n, ServiceSpec &s, const QString &what, bool compose)
    {
        s.user = r.string(n, "user", what);
        s.group = r.string(n, "group", what);
        if (compose && (!s.user.isEmpty() || !s.group.isEmpty()))
            r.error(r.present(n, "user") ? n["user"] : n["group"],
                    QStringLiteral("%1: 'user' and 'group' are for the processes backend; compose services run as their image says").arg(what));
        if (!r.present(n, "once"))
            return;
        const QString once = r.string(n, "once", what, false, false);
        if (once != QLatin1String("true") && once != QLatin1String("false"))
            r.error(n["once"], QStringLiteral("'once' of %1 must be true or false, got '%2'").arg(what, once));
        s.once = once == QLatin1String("true");
        if (s.once && compose)
            r.error(n["once"], QStringLiteral("%1: 'once' is for the processes backend").arg(what));
        if (s.once && r.present(n, "ready"))
            r.error(n["ready"], QStringLiteral("%1 runs once: it is ready when it exits with code 0, so it takes no 'ready' probe").arg(what));
        if (s.once && r.present(n, "role"))
            r.error(n["role"], QStringLiteral("%1 runs once and cannot hold a role").arg(what));
    }

    void readRunDir(const YAML::Node &stack)
    {
        if (!r.present(stack, "run_dir"))
            return;
        const YAML::Node n = stack["run_dir"];
        const QString what = QStringLiteral("'run_dir' of the stack");
        RunDirSpec &d = lab.stack.runDir;
        d.where = r.at(n);
        if (!r.checkKeys(n, what, {QStringLiteral("path"), QStringLiteral("wipe")}))
            return;
        d.path = r.string(n, "path", what);
        if (!d.path.isEmpty() && !d.path.startsWith(QLatin1Char('/')) && !d.path.startsWith(QLatin1String("${")))
            r.error(n["path"], QStringLiteral("'path' in %1 must be absolute (or start with ${NAME}), got '%2'").arg(what, d.path));
        const QString wipe = r.string(n, "wipe", what, false, false);
        if (!wipe.isEmpty() && wipe != QLatin1String("on_up") && wipe != QLatin1String("never"))
            r.error(n["wipe"], QStringLiteral("unknown 'wipe' '%1' in %2: use on_up or never%3")
                                   .arg(wipe, what, DidYouMean::hint(wipe, {QStringLiteral("on_up"), QStringLiteral("never")})));
        d.wipeOnUp = wipe == QLatin1String("on_up");
        if (lab.stack.containerized() && d.wipeOnUp)
            r.error(n["wipe"], QStringLiteral("'wipe: on_up' is for the processes backend"));
    }

    // reset: command steps, in order, that bring a broken cluster back (halab-cli stack reset).
    void readReset(const YAML::Node &n)
    {
        if (!n.IsDefined() || n.IsNull())
            return;
        if (!n.IsSequence()) {
            r.error(n, QStringLiteral("'reset' must be a list of command steps, got %1").arg(typeName(n)));
            return;
        }
        r.currentCheck = int(lab.checks.size()); // its own scope for saved values
        savedPerCheck.append(QStringList());
        CheckSpec scope;
        scope.id = QStringLiteral("reset");
        QStringList marks;
        for (const YAML::Node &item : n) {
            StepSpec step;
            readStep(item, step, scope, marks, QStringLiteral("'reset'"));
            if (step.kind != StepSpec::Kind::Command) {
                r.error(item, QStringLiteral("a step of 'reset' must be a 'command' step (it runs without a check: no faults, waits or prompts)"));
                continue;
            }
            lab.reset.append(step);
        }
        r.currentCheck = -1;
    }

    void readSteadyWait(const YAML::Node &body, const YAML::Node &until, StepSpec &s, const QString &what)
    {
        const QString uwhat = QStringLiteral("'until' of %1").arg(what);
        if (!r.checkKeys(until, uwhat, {QStringLiteral("steady"), QStringLiteral("for")}))
            return;
        s.until.kind = WaitConditionSpec::Kind::Steady;
        s.until.steady = r.string(until, "steady", uwhat, true, false);
        if (!s.until.steady.isEmpty() && s.until.steady != QLatin1String("leader"))
            r.error(until["steady"], QStringLiteral("unknown 'steady' '%1' in %2: use leader%3")
                                         .arg(s.until.steady, uwhat, DidYouMean::hint(s.until.steady, {QStringLiteral("leader")})));
        if (!r.present(until, "for"))
            r.error(until, QStringLiteral("%1 needs 'for: DURATION': how long nothing may change").arg(uwhat));
        bool anyRoleProbe = false;
        for (const ServiceSpec &svc : std::as_const(lab.stack.services))
            anyRoleProbe = anyRoleProbe || svc.role.has_value();
        if (!anyRoleProbe)
            r.error(until["steady"], QStringLiteral("'steady: leader' needs a service with a 'role' probe in the stack (else there is never a leader to watch)"));
        s.until.steadyForMs = r.duration(until, "for", uwhat).value_or(0);
        if (r.present(body, "for"))
            r.error(body["for"], QStringLiteral("%1: 'for' goes inside 'until' for a steady wait: until: {steady: leader, for: 10s}").arg(what));
        // The step lasts exactly 'for'; a timeout, when given, must leave it that long.
        s.timeoutMs = r.duration(body, "timeout", what).value_or(s.until.steadyForMs);
        if (s.timeoutMs < s.until.steadyForMs)
            r.error(body["timeout"], QStringLiteral("'timeout' in %1 is shorter than the steady 'for'").arg(what));
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
            if (!check.id.isEmpty()) {
                if (const auto first = checkIndex.constFind(check.id); first != checkIndex.cend())
                    r.error(c["id"], QStringLiteral("duplicate check id '%1' (first used at %2)").arg(check.id, lab.checks.at(*first).where.toString()));
                else
                    checkIndex.insert(check.id, int(lab.checks.size()));
            }
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
                                   .arg(mode, what, r.hint(mode, {QStringLiteral("manual"), QStringLiteral("automated"), QStringLiteral("mixed")})));
        c.appliesWhen = r.stringMap(n, "applies_when", what);
        for (auto it = c.appliesWhen.cbegin(); it != c.appliesWhen.cend(); ++it)
            if (!lab.variables.contains(it.key()))
                r.error(n["applies_when"], QStringLiteral("'applies_when' in %1 names unknown variable '%2'%3")
                                               .arg(what, it.key(), r.hint(it.key(), lab.variables.keys())));
        c.notApplicableReason = r.string(n, "not_applicable", what, false, false);
        c.deferredReason = r.string(n, "deferred", what, false, false);

        probeIds.clear();
        const YAML::Node probes = n["probes"];
        if (probes.IsDefined() && !probes.IsNull()) {
            if (!probes.IsSequence()) {
                r.error(probes, QStringLiteral("'probes' in %1 must be a list, got %2").arg(what, typeName(probes)));
            } else {
                for (const YAML::Node &p : probes) {
                    ProbeSpec probe = readProbe(p, QStringLiteral("a probe of %1").arg(what));
                    if (probe.id.isEmpty() && p.IsMap())
                        r.error(p, QStringLiteral("a probe of %1 needs an 'id' (steps and reports refer to it)").arg(what));
                    if (!probe.id.isEmpty() && probeIds.contains(probe.id))
                        r.error(p["id"], QStringLiteral("duplicate probe id '%1' in %2").arg(probe.id, what));
                    probeIds.insert(probe.id);
                    c.probes.append(probe);
                }
            }
        }

        const YAML::Node steps = n["steps"];
        QStringList marks; // in order, for hints
        markSet.clear();
        if (steps.IsDefined() && !steps.IsNull()) {
            if (!steps.IsSequence()) {
                r.error(steps, QStringLiteral("'steps' in %1 must be a list, got %2").arg(what, typeName(steps)));
            } else {
                QSet<QString> stepIds;
                for (const YAML::Node &s : steps) {
                    StepSpec step;
                    readStep(s, step, c, marks, what);
                    if (!step.id.isEmpty() && stepIds.contains(step.id))
                        r.error(s["id"], QStringLiteral("duplicate step id '%1' in %2").arg(step.id, what));
                    stepIds.insert(step.id);
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
                                             .arg(lwhat, name, r.hint(name, savedPerCheck.last())));
                }
            }
        }

        const YAML::Node expect = n["expect"];
        if (expect.IsDefined() && !expect.IsNull()) {
            const QSet<QString> metricNames = metricNamesFor(c, savedPerCheck.last());
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

    // What expectations of a check may name: the known metrics, its saved values, <probe>.<metric>.
    static QSet<QString> metricNamesFor(const CheckSpec &c, const QStringList &saved)
    {
        const QStringList known = LabParser::knownMetrics();
        QSet<QString> names(known.cbegin(), known.cend());
        for (const QString &name : saved)
            names.insert(name);
        for (const ProbeSpec &p : c.probes)
            for (const QString &m : known)
                names.insert(p.id + QLatin1Char('.') + m);
        return names;
    }

    QString metricHint(const QString &name, const QSet<QString> &metricNames) const
    {
        QStringList candidates(metricNames.cbegin(), metricNames.cend());
        candidates.sort(); // the same hint every time, whatever the set's order
        return r.hint(name, candidates);
    }

    std::optional<Expectation> parseExpectation(const QString &text, const YAML::Node &n, const QSet<QString> &metricNames,
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
            bool finite = false;
            x.bound = m.captured(3).toDouble(&finite);
            if (!finite || !qIsFinite(x.bound)) {
                r.error(n, QStringLiteral("expectation '%1' in %2: the number is too large").arg(text, what));
                return std::nullopt;
            }
            const QString unit = m.captured(4);
            if (unit == QLatin1String("s") || unit == QLatin1String("m") || unit == QLatin1String("h")) {
                if (!x.metric.endsWith(QLatin1String("_ms")))
                    r.error(n, QStringLiteral("expectation '%1': a duration bound needs a *_ms metric").arg(text));
                // A bound is compared, never waited for: no duration limit, just the unit.
                x.bound *= unit == QLatin1String("s") ? 1000.0 : unit == QLatin1String("m") ? 60'000.0 : 3'600'000.0;
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
                r.error(n, QStringLiteral("unknown metric '%1' in %2%3").arg(x.rightText, what, metricHint(x.rightText, metricNames)));
                return std::nullopt;
            }
        }
        if (!metricNames.contains(x.metric)) {
            r.error(n, QStringLiteral("unknown metric '%1' in %2%3").arg(x.metric, what, metricHint(x.metric, metricNames)));
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
                    hint = r.hint(k, kStepKinds);
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
                    << QStringLiteral("json") << QStringLiteral("regex") << QStringLiteral("timeout") << QStringLiteral("from");
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
        } else if (kind == QLatin1String("partition") || kind == QLatin1String("isolate") || kind == QLatin1String("link")
                   || kind == QLatin1String("heal")) {
            s.kind = StepSpec::Kind::Network;
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
            s.expectExit = r.integer(n, "expect_exit", swhat, -1, 255, QStringLiteral("an exit code from 0 to 255 (or -1 for any)")).value_or(-1);
            readCapture(n, s, swhat);
            s.timeoutMs = r.timeout(n, "timeout", swhat).value_or(30000);
            readFromHost(n, s.fromHost, true, swhat);
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
        case StepSpec::Kind::Network:
            readNetworkStep(kind, body, s, swhat);
            break;
        case StepSpec::Kind::Mark:
            s.mark = r.scalar(body, swhat, false);
            if (markSet.contains(s.mark))
                r.error(body, QStringLiteral("mark '%1' is set twice in %2").arg(s.mark, checkWhat));
            marks.append(s.mark);
            markSet.insert(s.mark);
            break;
        }
    }

    // docker: {host: ssh://user@host} or {context: NAME}: the engine a compose stack runs on.
    void readDocker(const YAML::Node &n)
    {
        if (!n.IsDefined() || n.IsNull())
            return;
        const QString what = QStringLiteral("'docker'");
        DockerEngine &engine = lab.stack.docker;
        engine.where = r.at(n);
        if (!n.IsMap()) {
            r.error(n, QStringLiteral("'docker' must be a mapping with 'host' (e.g. {host: ssh://user@host}) or 'context' "
                                      "(e.g. {context: staging}), got %1").arg(typeName(n)));
            return;
        }
        if (!r.checkKeys(n, what, {QStringLiteral("host"), QStringLiteral("context")}))
            return;
        // Both end up in argv or messages: no secrets there (the parser rejects ${SECRET} in argv).
        const auto readValue = [&](const char *key, QString &value, SourceLocation &where) {
            const qsizetype first = r.texts.size();
            value = r.string(n, key, what, false);
            where = r.at(n[key]);
            for (qsizetype i = first; i < r.texts.size(); ++i)
                r.texts[i].commandArgv = true;
            if (r.present(n, key) && n[key].IsScalar() && value.trimmed().isEmpty())
                r.error(n[key], QStringLiteral("'%1' in %2 must not be empty").arg(QLatin1String(key), what));
        };
        readValue("host", engine.host, engine.hostWhere);
        readValue("context", engine.context, engine.contextWhere);
        if (!engine.host.isEmpty() && !engine.context.isEmpty()) {
            r.error(n["context"], QStringLiteral("'docker' has both 'host' and 'context': a context already names its host; pick one"));
        } else if (!r.present(n, "host") && !r.present(n, "context")) {
            r.error(n, QStringLiteral("'docker' needs 'host' (e.g. ssh://user@host) or 'context' (a docker context name)"));
        }
        // With ${NAME} in it the value is checked once resolved, when the stack starts; a scheme
        // written before the first ${ is checked now.
        const qsizetype ref = engine.host.indexOf(QLatin1String("${"));
        const qsizetype sep = engine.host.indexOf(QLatin1String("://"));
        QString hostProblem;
        if (ref < 0)
            hostProblem = DockerEngine::hostProblem(engine.host);
        else if (sep > 0 && sep < ref)
            hostProblem = DockerEngine::schemeProblem(engine.host.left(sep));
        if (!engine.host.isEmpty() && !hostProblem.isEmpty())
            r.error(n["host"], QStringLiteral("'host' in %1 %2").arg(what, hostProblem));
        if (!engine.context.isEmpty() && !engine.context.contains(QLatin1String("${")))
            if (const QString problem = DockerEngine::contextProblem(engine.context); !problem.isEmpty())
                r.error(n["context"], QStringLiteral("'context' in %1 %2").arg(what, problem));
        if (lab.stack.backend == StackSpec::Backend::Processes)
            r.error(n, QStringLiteral("'docker' names the Docker engine of a compose stack; this stack is 'processes' "
                                      "(its services run on this machine)"));
    }

    // hosts: {n1: {}, n2: {}}: names only for now; the console picks the addresses.
    void readHosts(const YAML::Node &n)
    {
        if (!n.IsDefined() || n.IsNull())
            return;
        if (!n.IsMap()) {
            r.error(n, QStringLiteral("'hosts' must be a mapping of host name to its settings, e.g. {n1: {}, n2: {}}, got %1").arg(typeName(n)));
            return;
        }
        // A host name becomes a namespace name (halab-<pid>-NAME) and a ${NAME}: keep it plain.
        static const QRegularExpression nameRe(QStringLiteral("^[a-z][a-z0-9_-]{0,19}$"));
        for (auto it = n.begin(); it != n.end(); ++it) {
            HostSpec h;
            h.name = qs(it->first.Scalar());
            h.where = r.at(it->first);
            if (!nameRe.match(h.name).hasMatch()) {
                r.error(it->first, QStringLiteral("host name '%1' must be lower-case letters, digits, '-' and '_', starting with a letter, at most 20 characters").arg(h.name));
                continue;
            }
            if (lab.host(h.name)) {
                r.error(it->first, QStringLiteral("duplicate host '%1'").arg(h.name));
                continue;
            }
            if (lab.variables.contains(h.name) || lab.endpoints.contains(h.name))
                r.error(it->first, QStringLiteral("host '%1' has the name of a variable or endpoint: ${%1} would mean two things").arg(h.name));
            if (!it->second.IsNull() && !(it->second.IsMap() && it->second.size() == 0))
                r.checkKeys(it->second, QStringLiteral("host '%1'").arg(h.name), {});
            lab.hosts.append(h);
        }
    }

    QStringList hostNames() const
    {
        QStringList names;
        for (const HostSpec &h : std::as_const(lab.hosts))
            names.append(h.name);
        return names;
    }

    void readServiceHost(const YAML::Node &n, ServiceSpec &s, bool compose, const QString &what)
    {
        if (!r.present(n, "host"))
            return;
        s.host = r.string(n, "host", what, false, false);
        if (compose) {
            r.error(n["host"], QStringLiteral("'host' in %1: hosts are for the processes backend; compose services have their own network").arg(what));
            return;
        }
        if (!s.host.isEmpty() && !lab.host(s.host))
            r.error(n["host"], QStringLiteral("%1 names unknown host '%2'%3: declare it under 'hosts'").arg(what, s.host, r.hint(s.host, hostNames())));
    }

    void readFromHost(const YAML::Node &n, QString &fromHost, bool commandKind, const QString &what)
    {
        if (!r.present(n, "from"))
            return;
        fromHost = r.string(n, "from", what, false, false);
        if (!commandKind)
            r.error(n["from"], QStringLiteral("'from' in %1 works with commands only (e.g. command: [curl, ...]); http and tcp probes run from the console").arg(what));
        else if (!fromHost.isEmpty() && !lab.host(fromHost))
            r.error(n["from"], QStringLiteral("'from' in %1 names unknown host '%2'%3: declare it under 'hosts'").arg(what, fromHost, r.hint(fromHost, hostNames())));
    }

    // A member of a network fault: a host, or a service placed on a host.
    void checkNetworkMember(const QString &name, const YAML::Node &at, const QString &what)
    {
        if (name.isEmpty() || lab.host(name))
            return;
        if (const ServiceSpec *svc = lab.stack.service(name)) {
            if (svc->host.isEmpty())
                r.error(at, QStringLiteral("%1: service '%2' runs on no host: give it 'host: NAME'").arg(what, name));
            return;
        }
        QStringList names = hostNames();
        for (const ServiceSpec &svc : std::as_const(lab.stack.services))
            names.append(svc.name);
        r.error(at, QStringLiteral("%1 names '%2', which is neither a host nor a service%3").arg(what, name, r.hint(name, names)));
    }

    QStringList networkMembers(const YAML::Node &map, const char *key, const QString &what)
    {
        const YAML::Node v = map[key];
        const QStringList members = r.stringList(map, key, what);
        for (qsizetype i = 0; i < members.size(); ++i)
            checkNetworkMember(members.at(i), v.IsSequence() && i < qsizetype(v.size()) ? v[std::size_t(i)] : v, what);
        return members;
    }

    // isolate / link target: exactly one of host, service, role.
    void readNetworkTarget(const YAML::Node &body, NetworkStepSpec &net, const QString &what, bool required)
    {
        const int targets = int(r.present(body, "host")) + int(r.present(body, "service")) + int(r.present(body, "role"));
        if (targets == 0) {
            if (required)
                r.error(body, QStringLiteral("%1 needs a target: 'host: NAME', 'service: NAME' or 'role: leader|replica|any|last_faulted'").arg(what));
            return;
        }
        if (targets > 1) {
            r.error(body, QStringLiteral("%1 has more than one of 'host', 'service', 'role': pick one").arg(what));
            return;
        }
        if (r.present(body, "host")) {
            net.host = r.string(body, "host", what, false, false);
            if (!lab.host(net.host))
                r.error(body["host"], QStringLiteral("%1 names unknown host '%2'%3").arg(what, net.host, r.hint(net.host, hostNames())));
        } else if (r.present(body, "service")) {
            net.service = r.string(body, "service", what, false, false);
            checkNetworkMember(net.service, body["service"], what);
        } else {
            static const QStringList roles = {QStringLiteral("leader"), QStringLiteral("replica"), QStringLiteral("any"),
                                              QStringLiteral("last_faulted")};
            net.role = r.string(body, "role", what, false, false);
            if (!roles.contains(net.role))
                r.error(body["role"], QStringLiteral("unknown role '%1' in %2: use leader, replica, any or last_faulted%3").arg(net.role, what, r.hint(net.role, roles)));
        }
    }

    void readNetworkStep(const QString &kind, const YAML::Node &body, StepSpec &s, const QString &what)
    {
        NetworkStepSpec &net = s.network;
        if (lab.hosts.isEmpty())
            r.error(s.where, QStringLiteral("%1 cuts the network between hosts: declare them under 'hosts' and give services 'host:'").arg(what));
        if (kind == QLatin1String("heal")) {
            net.kind = NetworkStepSpec::Kind::Heal;
            const bool plain = body.IsNull() || (body.IsMap() && body.size() == 0) || (body.IsScalar() && qs(body.Scalar()) == QLatin1String("all"));
            if (!plain)
                r.error(body, QStringLiteral("%1 takes no settings: write 'heal: all' (every network fault of the check is undone)").arg(what));
            return;
        }
        if (!body.IsMap()) {
            r.error(body, QStringLiteral("%1 must be a mapping, got %2").arg(what, typeName(body)));
            return;
        }
        if (kind == QLatin1String("partition")) {
            if (!r.checkKeys(body, what, {QStringLiteral("groups"), QStringLiteral("from"), QStringLiteral("to")}))
                return;
            const bool groups = r.present(body, "groups");
            const bool oneWay = r.present(body, "from") || r.present(body, "to");
            if (groups == oneWay) {
                r.error(body, QStringLiteral("%1 needs either 'groups: [[n1], [n2, n3]]' (both ways) or 'from: [..]' and 'to: [..]' (one way)").arg(what));
                return;
            }
            if (oneWay) {
                net.kind = NetworkStepSpec::Kind::OneWay;
                net.from = networkMembers(body, "from", what);
                net.to = networkMembers(body, "to", what);
                if (net.from.isEmpty() || net.to.isEmpty())
                    r.error(body, QStringLiteral("%1 needs both 'from' and 'to'").arg(what));
                for (const QString &m : std::as_const(net.from))
                    if (net.to.contains(m))
                        r.error(body, QStringLiteral("%1 has '%2' in both 'from' and 'to'").arg(what, m));
                return;
            }
            net.kind = NetworkStepSpec::Kind::Partition;
            const YAML::Node g = body["groups"];
            if (!g.IsSequence() || g.size() < 2) {
                r.error(g, QStringLiteral("'groups' in %1 must be a list of at least two groups, e.g. [[n1], [n2, n3]]").arg(what));
                return;
            }
            QStringList seen;
            for (const YAML::Node &group : g) {
                const QString gwhat = QStringLiteral("a group of %1").arg(what);
                const QStringList members = r.stringList(group, gwhat);
                if (members.isEmpty())
                    r.error(group, QStringLiteral("%1 is empty").arg(gwhat));
                for (qsizetype i = 0; i < members.size(); ++i) {
                    const YAML::Node at = group.IsSequence() ? group[std::size_t(i)] : group;
                    checkNetworkMember(members.at(i), at, what);
                    if (seen.contains(members.at(i)))
                        r.error(at, QStringLiteral("'%1' is in two groups of %2").arg(members.at(i), what));
                    seen.append(members.at(i));
                }
                net.groups.append(members);
            }
            return;
        }
        if (kind == QLatin1String("isolate")) {
            net.kind = NetworkStepSpec::Kind::Isolate;
            if (r.checkKeys(body, what, {QStringLiteral("host"), QStringLiteral("service"), QStringLiteral("role")}))
                readNetworkTarget(body, net, what, true);
            return;
        }
        net.kind = NetworkStepSpec::Kind::Link;
        if (!r.checkKeys(body, what, {QStringLiteral("between"), QStringLiteral("host"), QStringLiteral("service"),
                                      QStringLiteral("role"), QStringLiteral("loss"), QStringLiteral("delay")}))
            return;
        if (r.present(body, "between")) {
            net.between = networkMembers(body, "between", what);
            if (net.between.size() != 2)
                r.error(body["between"], QStringLiteral("'between' in %1 names exactly two members").arg(what));
            else if (net.between.at(0) == net.between.at(1))
                r.error(body["between"], QStringLiteral("'between' in %1 names '%2' twice").arg(what, net.between.at(0)));
            if (r.present(body, "host") || r.present(body, "service") || r.present(body, "role"))
                r.error(body, QStringLiteral("%1 has 'between' and a target: a link is between two members or one member's own").arg(what));
            if (r.present(body, "delay"))
                r.error(body["delay"], QStringLiteral("'delay' in %1 applies to one member's own link (host, service or role), not 'between'").arg(what));
        } else {
            readNetworkTarget(body, net, what, true);
        }
        if (r.present(body, "loss")) {
            const QString text = r.string(body, "loss", what, false, false).trimmed();
            static const QRegularExpression pct(QStringLiteral(R"(^(\d+(?:\.\d+)?)\s*%$)"));
            const QRegularExpressionMatch m = pct.match(text);
            const double value = m.hasMatch() ? m.captured(1).toDouble() : -1;
            if (value <= 0 || value > 100)
                r.error(body["loss"], QStringLiteral("'loss' in %1 must be a percentage above 0 and at most 100, like 30%, got '%2'").arg(what, text));
            else
                net.loss = value / 100.0;
        }
        if (r.present(body, "delay"))
            net.delayMs = r.duration(body, "delay", what).value_or(0);
        if (!r.present(body, "loss") && !r.present(body, "delay"))
            r.error(body, QStringLiteral("%1 needs 'loss: 30%' and/or 'delay: 100ms'").arg(what));
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
                const qsizetype first = r.texts.size();
                s.url = r.string(body, "url", hwhat, true);
                r.shapeSince(first, PendingText::Shape::Url);
                if (r.present(body, "method"))
                    s.method = r.string(body, "method", hwhat).toUpper();
                s.headers = r.stringMap(body, "headers", hwhat);
                s.body = r.string(body, "body", hwhat);
            }
        } else {
            const qsizetype first = r.texts.size();
            s.url = r.scalar(body, QStringLiteral("'http' of %1").arg(what));
            r.shapeSince(first, PendingText::Shape::Url);
        }
        if (r.present(n, "method"))
            s.method = r.string(n, "method", what).toUpper();
        if (r.present(n, "headers"))
            s.headers = r.stringMap(n, "headers", what);
        if (r.present(n, "body"))
            s.body = r.string(n, "body", what);
        checkMethod(s.method, r.present(n, "method") ? n["method"] : body, what);
        s.expectStatus = r.status(n, "expect_status", what, QStringLiteral("any status")).value_or(0);
        readCapture(n, s, what);
        s.timeoutMs = r.timeout(n, "timeout", what).value_or(10000);
    }

    void checkMethod(const QString &method, const YAML::Node &n, const QString &what)
    {
        static const QStringList methods = {QStringLiteral("GET"), QStringLiteral("POST"), QStringLiteral("PUT"),
                                            QStringLiteral("PATCH"), QStringLiteral("DELETE"), QStringLiteral("HEAD"),
                                            QStringLiteral("OPTIONS")};
        if (!methods.contains(method))
            r.error(n, QStringLiteral("unknown HTTP method '%1' in %2%3").arg(method, what, r.hint(method, methods)));
    }

    void readFault(const YAML::Node &body, StepSpec &s, const QString &what)
    {
        if (!r.checkKeys(body, what,
                         {QStringLiteral("action"), QStringLiteral("service"), QStringLiteral("role"), QStringLiteral("env"),
                          QStringLiteral("task"), QStringLiteral("replicas"), QStringLiteral("node")}))
            return;
        static const QStringList actions = {QStringLiteral("kill"), QStringLiteral("stop"), QStringLiteral("pause"),
                                            QStringLiteral("resume"), QStringLiteral("start"), QStringLiteral("restart"),
                                            QStringLiteral("scale"), QStringLiteral("drain"), QStringLiteral("activate")};
        const QString action = r.string(body, "action", what, true, false);
        const int ai = int(actions.indexOf(action));
        if (ai < 0 && !action.isEmpty())
            r.error(body["action"], QStringLiteral("unknown fault action '%1': use %2%3").arg(action, actions.join(QStringLiteral(", ")), r.hint(action, actions)));
        else if (ai >= 0)
            s.action = StepSpec::FaultAction(ai);
        if (!readSwarmFault(body, s, what, ai >= 0))
            return;
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
                r.error(body["role"], QStringLiteral("unknown role '%1': use leader, replica, any or last_faulted%2").arg(role, r.hint(role, roles)));
            else
                s.role = StepSpec::Role(ri + 1);
            if (ri >= 0 && ri < 2) {
                bool anyRoleProbe = false;
                for (const ServiceSpec &svc : std::as_const(lab.stack.services))
                    anyRoleProbe = anyRoleProbe || svc.role.has_value();
                anyRoleProbe = anyRoleProbe || lab.stack.roles.has_value();
                if (!anyRoleProbe)
                    r.error(body["role"], QStringLiteral("'role: %1' needs a service with a 'role' probe in the stack").arg(role));
            }
        }
        s.overrides = r.stringMap(body, "env", what);
        if (!s.overrides.isEmpty() && s.action != StepSpec::FaultAction::Restart)
            r.error(body["env"], QStringLiteral("'env' overrides in %1 only apply to 'action: restart'").arg(what));
    }

    // The swarm part of a fault: task, replicas, node. False when the step names no service
    // (drain / activate) so the caller reads no target.
    bool readSwarmFault(const YAML::Node &body, StepSpec &s, const QString &what, bool knownAction)
    {
        using A = StepSpec::FaultAction;
        const bool swarm = lab.stack.backend == StackSpec::Backend::Swarm;
        const bool orchestrator = knownAction && (s.action == A::Scale || s.action == A::Drain || s.action == A::Activate);
        if (orchestrator && !swarm)
            r.error(body["action"], QStringLiteral("'action: %1' in %2 needs 'backend: swarm' in the stack").arg(StepSpec::actionText(s.action), what));
        if (r.present(body, "task")) {
            s.task = r.string(body, "task", what, false, false);
            bool slot = false;
            const int n = s.task.toInt(&slot);
            if (!swarm)
                r.error(body["task"], QStringLiteral("'task' in %1 picks a task of a swarm service; this stack is not 'backend: swarm'").arg(what));
            else if (s.task != QLatin1String("any") && (!slot || n < 1))
                r.error(body["task"], QStringLiteral("'task' in %1 must be 'any' or a slot number (1, 2, ...), got '%2'").arg(what, s.task));
            else if (knownAction && s.action != A::Kill && s.action != A::Stop && s.action != A::Pause)
                r.error(body["task"], QStringLiteral("'task' in %1 applies to kill, stop and pause").arg(what));
            if (s.task == QLatin1String("any") && !r.present(body, "service") && !r.present(body, "role"))
                s.role = StepSpec::Role::Any; // any task of any service
        }
        if (r.present(body, "replicas")) {
            const QString text = r.string(body, "replicas", what, false, false);
            bool ok = false;
            s.replicas = text.toInt(&ok);
            if (!ok || s.replicas < 0)
                r.error(body["replicas"], QStringLiteral("'replicas' in %1 must be a whole number >= 0, got '%2'").arg(what, text));
            if (knownAction && s.action != A::Scale)
                r.error(body["replicas"], QStringLiteral("'replicas' in %1 only applies to 'action: scale'").arg(what));
        } else if (knownAction && s.action == A::Scale) {
            r.error(body, QStringLiteral("'action: scale' in %1 needs 'replicas: N'").arg(what));
        }
        const bool nodeAction = knownAction && (s.action == A::Drain || s.action == A::Activate);
        if (r.present(body, "node")) {
            s.node = r.string(body, "node", what, false, false);
            if (knownAction && !nodeAction)
                r.error(body["node"], QStringLiteral("'node' in %1 only applies to 'action: drain' and 'action: activate'").arg(what));
        }
        if (!nodeAction)
            return !(s.task == QLatin1String("any") && s.role == StepSpec::Role::Any && !r.present(body, "role"));
        if (s.node.isEmpty())
            r.error(body, QStringLiteral("'action: %1' in %2 needs 'node: NAME' (a swarm node's hostname or id)").arg(StepSpec::actionText(s.action), what));
        if (r.present(body, "service") || r.present(body, "role"))
            r.error(r.present(body, "service") ? body["service"] : body["role"],
                    QStringLiteral("'action: %1' in %2 acts on a node: name it with 'node', not 'service' or 'role'").arg(StepSpec::actionText(s.action), what));
        s.service = s.node;
        return false;
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
        const YAML::Node until = body["until"];
        if (until.IsMap() && r.present(until, "steady"))
            return readSteadyWait(body, until, s, what);
        if (!r.present(body, "timeout"))
            r.error(body, QStringLiteral("%1 waits 'until' a condition and needs a 'timeout'").arg(wwhat));
        s.timeoutMs = r.timeout(body, "timeout", wwhat).value_or(30000);
        static const QStringList simple = {QStringLiteral("leader_changed"), QStringLiteral("leader_elected")};
        if (until.IsScalar()) {
            const QString cond = qs(until.Scalar());
            if (cond == simple[0])
                s.until.kind = WaitConditionSpec::Kind::LeaderChanged;
            else if (cond == simple[1])
                s.until.kind = WaitConditionSpec::Kind::LeaderElected;
            else
                r.error(until, QStringLiteral("unknown condition '%1' in %2: use leader_changed, leader_elected, {probe_ok: ID}, {probe_fails: ID}, {service: NAME, state: STATE} or {steady: leader, for: DURATION}%3")
                                   .arg(cond, wwhat, r.hint(cond, simple)));
            return;
        }
        const QString uwhat = QStringLiteral("'until' of %1").arg(what);
        if (!r.checkKeys(until, uwhat, {QStringLiteral("probe_ok"), QStringLiteral("probe_fails"), QStringLiteral("times"),
                                        QStringLiteral("service"), QStringLiteral("state"), QStringLiteral("steady")}))
            return;
        s.until.times = r.integer(until, "times", uwhat, 1, 1'000'000, QStringLiteral("a count from 1 to 1000000")).value_or(1);
        if (r.present(until, "probe_ok") || r.present(until, "probe_fails")) {
            const bool ok = r.present(until, "probe_ok");
            s.until.kind = ok ? WaitConditionSpec::Kind::ProbeOk : WaitConditionSpec::Kind::ProbeFails;
            s.until.probe = r.string(until, ok ? "probe_ok" : "probe_fails", uwhat, false, false);
            if (!probeIds.contains(s.until.probe)) {
                QStringList ids;
                for (const ProbeSpec &p : c.probes)
                    ids.append(p.id);
                r.error(until[ok ? "probe_ok" : "probe_fails"], QStringLiteral("unknown probe '%1' in %2%3").arg(s.until.probe, uwhat, r.hint(s.until.probe, ids)));
            }
        } else if (r.present(until, "service")) {
            s.until.kind = WaitConditionSpec::Kind::ServiceState;
            s.until.service = r.string(until, "service", uwhat, false, false);
            referService(s.until.service, until["service"], uwhat);
            s.until.state = r.string(until, "state", uwhat, true, false);
            static const QStringList states = {QStringLiteral("running"), QStringLiteral("stopped"), QStringLiteral("paused"),
                                               QStringLiteral("exited"), QStringLiteral("healthy")};
            if (!s.until.state.isEmpty() && !states.contains(s.until.state))
                r.error(until["state"], QStringLiteral("unknown state '%1' in %2: use %3%4").arg(s.until.state, uwhat, states.join(QStringLiteral(", ")), r.hint(s.until.state, states)));
        } else {
            r.error(until, QStringLiteral("%1 needs 'probe_ok', 'probe_fails', 'service' or 'steady'").arg(uwhat));
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
        if (!s.since.isEmpty() && s.since != QLatin1String("check_start") && !markSet.contains(s.since))
            r.error(body["since"], QStringLiteral("'since: %1' in %2 names no mark set by an earlier 'mark' step%3").arg(s.since, lwhat, r.hint(s.since, marks)));
        s.expectCount = r.integer(body, "expect_count", lwhat, -1, INT_MAX, QStringLiteral("a count of 0 or more (or -1 for any)")).value_or(-1);
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
            const qsizetype first = r.texts.size();
            m.url = r.string(row, "url", rwhat, true);
            r.shapeSince(first, PendingText::Shape::Url);
            if (r.present(row, "method"))
                m.method = r.string(row, "method", rwhat).toUpper();
            checkMethod(m.method, row, rwhat);
            m.headers = r.stringMap(row, "headers", rwhat);
            m.body = r.string(row, "body", rwhat);
            if (!r.present(row, "expect_status"))
                r.error(row, QStringLiteral("%1 is missing required key 'expect_status'").arg(rwhat));
            m.expectStatus = r.status(row, "expect_status", rwhat).value_or(200);
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
        QStringList checkIds; // for did-you-mean hints
        for (const CheckSpec &c : std::as_const(lab.checks))
            checkIds.append(c.id);
        QSet<QString> levelIds;
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
            level.windowMs = r.duration(l, "window", what, LabLimits::maxWindowMs).value_or(0);
            level.checksPass = r.stringList(l, "checks_pass", what);
            if (levelIds.contains(level.id))
                r.error(l["id"], QStringLiteral("duplicate readiness level id '%1'").arg(level.id));
            levelIds.insert(level.id);
            int i = 0;
            const YAML::Node passes = l["checks_pass"];
            for (const QString &id : std::as_const(level.checksPass)) {
                const YAML::Node at = passes.IsSequence() && i < int(passes.size()) ? passes[i] : passes;
                if (checksDeclared && !checkIndex.contains(id))
                    r.error(at, QStringLiteral("%1 names unknown check '%2'%3").arg(what, id, r.hint(id, checkIds)));
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
                        const int ci = checkIndex.value(crit.check, -1);
                        const CheckSpec *c = ci >= 0 ? &lab.checks.at(ci) : nullptr;
                        if (!crit.check.isEmpty() && !c && checksDeclared) {
                            r.error(m["check"], QStringLiteral("%1 names unknown check '%2'%3").arg(mwhat, crit.check, r.hint(crit.check, checkIds)));
                            continue;
                        }
                        const QString text = r.string(m, "expect", mwhat, true, false);
                        if (!c || text.isEmpty())
                            continue;
                        auto names = metricNamesOf.find(crit.check);
                        if (names == metricNamesOf.end())
                            names = metricNamesOf.insert(crit.check, metricNamesFor(*c, savedPerCheck.value(ci)));
                        if (std::optional<Expectation> x = parseExpectation(text, m["expect"], *names, mwhat)) {
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
        const QSet<QString> serviceSet(serviceNames.cbegin(), serviceNames.cend());
        for (const ServiceRef &ref : std::as_const(pendingServiceRefs))
            if (!ref.name.isEmpty() && !serviceSet.contains(ref.name) && ref.name != QLatin1String("last_faulted"))
                r.error(ref.where, QStringLiteral("%1 names unknown service '%2'%3").arg(ref.what, ref.name, r.hint(ref.name, serviceNames)));
        checkDependencyCycles();

        QStringList secretNames;
        for (const SecretSpec &s : std::as_const(lab.secrets))
            secretNames.append(s.name);
        const QSet<QString> secretSet(secretNames.cbegin(), secretNames.cend());
        QStringList global = lab.endpoints.keys() + lab.variables.keys() + secretNames + LabParser::builtinVariables();
        for (const HostSpec &h : std::as_const(lab.hosts))
            global.append(h.name);
        const QSet<QString> globalSet(global.cbegin(), global.cend());
        QList<QSet<QString>> savedSets;
        for (const QStringList &saved : std::as_const(savedPerCheck))
            savedSets.append(QSet<QString>(saved.cbegin(), saved.cend()));
        for (const PendingText &t : std::as_const(r.texts)) {
            if (Substitution::unclosedReference(t.text) >= 0)
                r.error(t.where, QStringLiteral("unclosed '${' in '%1': end the name with '}' (write $${ for a literal ${)").arg(t.text));
            const bool inCheck = t.checkIndex >= 0 && t.checkIndex < savedSets.size();
            for (const Substitution::Reference &ref : Substitution::references(t.text)) {
                if (ref.name.startsWith(QLatin1String("env:")))
                    continue;
                if (!globalSet.contains(ref.name) && !(inCheck && savedSets[t.checkIndex].contains(ref.name))) {
                    const QStringList known = inCheck ? global + savedPerCheck[t.checkIndex] : global;
                    r.error(t.where, QStringLiteral("unknown name '${%1}'%2: declare it under variables, endpoints or secrets")
                                         .arg(ref.name, r.hint(ref.name, known)));
                } else if (t.commandArgv && secretSet.contains(ref.name)) {
                    r.error(t.where, QStringLiteral("secret '${%1}' must not appear in a command line (ps shows it): pass it in 'env:' and use $%1 in the command")
                                         .arg(ref.name));
                }
            }
        }
        checkDefinitions();
    }

    // What one variable or endpoint becomes once its ${NAME} references are replaced.
    struct Expansion
    {
        qint64 length = 0;   // capped just above LabLimits::maxValueBytes
        int depth = 0;       // longest chain of references below it
        bool broken = false; // on a cycle, too long or too deep: already reported
        QString value;       // resolved, when not broken
    };

    // Variables and endpoints as LabContext merges them (an endpoint replaces a variable of the
    // same name), numbered in name order so the checks below work on indices, not string lookups.
    struct Definitions
    {
        QStringList names;
        QStringList texts;
        QList<QList<Substitution::Reference>> refs;
        QList<QList<int>> children; // per reference: the definition it names, or -1
        QList<Expansion> expanded;

        int indexOf(const QString &name) const
        {
            const auto it = std::lower_bound(names.cbegin(), names.cend(), name);
            return it != names.cend() && *it == name ? int(it - names.cbegin()) : -1;
        }
        std::optional<QString> valueOf(const QString &name) const
        {
            const int i = indexOf(name);
            if (i < 0)
                return std::nullopt;
            return expanded.at(i).value;
        }
    };

    Definitions definitions() const
    {
        QMap<QString, QString> merged = lab.variables;
        for (auto it = lab.endpoints.cbegin(); it != lab.endpoints.cend(); ++it)
            merged.insert(it.key(), it.value());
        Definitions d;
        d.names = merged.keys();
        d.texts = merged.values();
        for (const QString &text : std::as_const(d.texts))
            d.refs.append(Substitution::references(text));
        for (const QList<Substitution::Reference> &refs : std::as_const(d.refs)) {
            QList<int> children;
            for (const Substitution::Reference &ref : refs)
                children.append(d.indexOf(ref.name));
            d.children.append(children);
        }
        d.expanded.resize(d.names.size());
        return d;
    }

    static int referenceLength(const QString &text, const Substitution::Reference &ref)
    {
        return int(text.indexOf(QLatin1Char('}'), ref.offset + 2)) + 1 - ref.offset;
    }

    // Self-references, cycles, values that grow past the size limit or nest too deep, then the
    // ports of URLs and tcp addresses once every reference to a variable or endpoint is replaced.
    void checkDefinitions()
    {
        Definitions d = definitions();
        enum State : char { Unvisited, Visiting, Done };
        std::vector<State> state(size_t(d.names.size()), Unvisited);
        struct Frame
        {
            int index;
            qsizetype next = 0;
        };
        // Iterative depth-first search: a chain of 100,000 variables must not overflow the stack.
        for (int root = 0; root < d.names.size(); ++root) {
            if (state[size_t(root)] != Unvisited)
                continue;
            std::vector<Frame> stack{{root}};
            state[size_t(root)] = Visiting;
            while (!stack.empty()) {
                Frame &top = stack.back();
                const QList<int> &children = d.children.at(top.index);
                if (top.next < children.size()) {
                    const int child = children.at(top.next++);
                    if (child < 0)
                        continue;
                    if (state[size_t(child)] == Visiting) {
                        QList<int> cycle;
                        for (auto f = stack.rbegin(); f != stack.rend(); ++f) {
                            cycle.prepend(f->index);
                            if (f->index == child)
                                break;
                        }
                        reportCycle(d, cycle);
                    } else if (state[size_t(child)] == Unvisited) {
                        state[size_t(child)] = Visiting;
                        stack.push_back({child});
                    }
                    continue;
                }
                finishDefinition(d, top.index);
                state[size_t(top.index)] = Done;
                stack.pop_back();
            }
        }
        checkExpandedTexts(d);
    }

    void reportCycle(Definitions &d, const QList<int> &cycle)
    {
        for (int i : cycle)
            if (d.expanded.at(i).broken)
                return; // this cycle shares a name with one already reported
        QStringList names;
        for (int i : cycle) {
            d.expanded[i].broken = true;
            names.append(d.names.at(i));
        }
        const QString first = names.first();
        if (names.size() == 1) {
            r.error(definedAt.value(first), QStringLiteral("%1 '%2' refers to itself (${%2}): give it a value of its own")
                                                .arg(kindOf(first), first));
            return;
        }
        r.error(definedAt.value(first), QStringLiteral("variables refer to each other in a cycle: %1 -> %2")
                                            .arg(names.join(QStringLiteral(" -> ")), first));
    }

    QString kindOf(const QString &name) const
    {
        return endpointNames.contains(name) ? QStringLiteral("endpoint") : QStringLiteral("variable");
    }

    // Length and depth of `text` with the (already expanded) definitions it names replaced.
    static Expansion expand(const Definitions &d, const QString &text, const QList<Substitution::Reference> &refs,
                            const QList<int> &children)
    {
        Expansion e;
        e.length = text.size();
        for (qsizetype i = 0; i < refs.size(); ++i) {
            if (children.at(i) < 0)
                continue;
            const Expansion &child = d.expanded.at(children.at(i));
            e.broken = e.broken || child.broken;
            e.length = std::min(e.length + child.length - referenceLength(text, refs.at(i)), LabLimits::maxValueBytes + 1);
            e.depth = std::max(e.depth, child.depth + 1);
        }
        return e;
    }

    static constexpr int kMaxReferenceDepth = 64;

    void finishDefinition(Definitions &d, int index)
    {
        const QString &name = d.names.at(index);
        Expansion e = expand(d, d.texts.at(index), d.refs.at(index), d.children.at(index));
        e.broken = e.broken || d.expanded.at(index).broken;
        if (!e.broken && e.length > LabLimits::maxValueBytes) {
            r.error(definedAt.value(name), QStringLiteral("%1 '%2' grows past 64 KiB once its ${NAME} references are replaced: one value may hold at most 64 KiB")
                                               .arg(kindOf(name), name));
            e.broken = true;
        }
        if (!e.broken && e.depth > kMaxReferenceDepth) {
            r.error(definedAt.value(name), QStringLiteral("%1 '%2' nests ${NAME} references more than %3 deep")
                                               .arg(kindOf(name), name)
                                               .arg(kMaxReferenceDepth));
            e.broken = true;
        }
        if (!e.broken && !withinExpandedTotal(e.length, definedAt.value(name)))
            e.broken = true;
        if (!e.broken)
            e.value = Substitution::apply(d.texts.at(index), [&d](const QString &n) { return d.valueOf(n); });
        d.expanded[index] = e;
    }

    // Adds a resolved value to the lab's total; false (reported once) when the total passes the limit.
    bool withinExpandedTotal(qint64 length, const SourceLocation &where)
    {
        expandedTotal += length;
        if (expandedTotal <= kMaxExpandedTotal)
            return true;
        if (!expandedTotalReported)
            r.error(where, QStringLiteral("the lab's values grow past %1 MiB once ${NAME} references are replaced: use fewer or shorter ones")
                               .arg(kMaxExpandedTotal / (1024 * 1024)));
        expandedTotalReported = true;
        return false;
    }

    void checkExpandedTexts(const Definitions &d)
    {
        QSet<QString> badPort;
        // Definitions first, so a URL using a broken endpoint is not reported a second time.
        QList<const PendingText *> ordered;
        for (const PendingText &t : std::as_const(r.texts))
            if (!t.defines.isEmpty())
                ordered.append(&t);
        for (const PendingText &t : std::as_const(r.texts))
            if (t.defines.isEmpty())
                ordered.append(&t);
        for (const PendingText *t : std::as_const(ordered)) {
            const QList<Substitution::Reference> refs = Substitution::references(t->text);
            const int defined = t->defines.isEmpty() ? -1 : d.indexOf(t->defines);
            Expansion e;
            if (defined >= 0) {
                e = d.expanded.at(defined);
            } else {
                QList<int> children;
                for (const Substitution::Reference &ref : refs)
                    children.append(d.indexOf(ref.name));
                e = expand(d, t->text, refs, children);
                if (e.broken || !withinExpandedTotal(e.length, t->where))
                    continue;
                if (e.length > LabLimits::maxValueBytes) {
                    r.error(t->where, QStringLiteral("this value grows past 64 KiB once its ${NAME} references are replaced: one value may hold at most 64 KiB"));
                    continue;
                }
            }
            if (e.broken || t->shape == PendingText::Shape::Text || expandedTotalReported)
                continue;
            bool usesBadPort = false;
            for (const Substitution::Reference &ref : refs)
                usesBadPort = usesBadPort || badPort.contains(ref.name);
            if (usesBadPort)
                continue;
            const QString resolved = defined >= 0 ? e.value : Substitution::apply(t->text, [&d](const QString &n) { return d.valueOf(n); });
            const QString problem = portProblem(resolved, t->shape);
            if (problem.isEmpty())
                continue;
            QStringList setBy;
            for (const Substitution::Reference &ref : refs)
                if (overridden.contains(ref.name))
                    setBy << QStringLiteral("--set %1=%2").arg(ref.name, lab.variables.value(ref.name));
            r.error(t->where, setBy.isEmpty() ? problem : problem + QStringLiteral(" (from %1)").arg(setBy.join(QStringLiteral(", "))));
            if (defined >= 0)
                badPort.insert(t->defines);
        }
    }

    // Why the port of a URL or host:port is unusable, or empty when it is fine or not yet known.
    static QString portProblem(const QString &resolved, PendingText::Shape shape)
    {
        QString port;
        if (shape == PendingText::Shape::Url) {
            static const QRegularExpression authority(QStringLiteral(R"(^\s*[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:\[]*)(?::([^/?#]*))?)"));
            const QRegularExpressionMatch m = authority.match(resolved);
            if (!m.hasMatch())
                return {};
            port = m.captured(1);
        } else {
            const qsizetype colon = resolved.lastIndexOf(QLatin1Char(':'));
            if (colon < 0 || resolved.indexOf(QLatin1Char(']'), colon) >= 0)
                return {};
            port = resolved.mid(colon + 1).trimmed();
        }
        if (port.isEmpty() || port.contains(QLatin1Char('$')))
            return {}; // no port written, or one a secret, saved value or built-in fills in at run time
        const QString where = shape == PendingText::Shape::Url ? QStringLiteral("URL") : QStringLiteral("tcp address");
        static const QRegularExpression digits(QStringLiteral("^[0-9]+$"));
        if (!digits.match(port).hasMatch())
            return QStringLiteral("port '%1' in %2 '%3' is not a number").arg(port, where, resolved);
        bool ok = false;
        const qint64 n = port.toLongLong(&ok);
        if (!ok || n < 1 || n > 65535)
            return QStringLiteral("port %1 in %2 '%3' is out of range: use 1 to 65535").arg(port, where, resolved);
        return {};
    }

    void checkDependencyCycles()
    {
        // Iterative depth-first search over depends_on; a back edge is a cycle that would never start.
        QHash<QString, const ServiceSpec *> byName;
        for (const ServiceSpec &s : std::as_const(lab.stack.services))
            byName.insert(s.name, &s);
        enum State { Unvisited, Visiting, Done };
        QHash<QString, State> state;
        struct Frame
        {
            const ServiceSpec *service;
            qsizetype next = 0;
        };
        for (const ServiceSpec &s : std::as_const(lab.stack.services)) {
            if (state.value(s.name) != Unvisited)
                continue;
            std::vector<Frame> stack{{&s}};
            state.insert(s.name, Visiting);
            while (!stack.empty()) {
                Frame &top = stack.back();
                if (top.next < top.service->dependsOn.size()) {
                    const QString d = top.service->dependsOn[top.next++];
                    const ServiceSpec *dep = byName.value(d);
                    if (!dep)
                        continue;
                    if (state.value(d) == Visiting) {
                        r.error(top.service->where, QStringLiteral("service '%1' depends on '%2', which depends back on it: a cycle never starts")
                                                        .arg(top.service->name, d));
                        return;
                    }
                    if (state.value(d) == Unvisited) {
                        state.insert(d, Visiting);
                        stack.push_back({dep});
                    }
                    continue;
                }
                state.insert(top.service->name, Done);
                stack.pop_back();
            }
        }
    }
};

} // namespace

namespace {

QString tooLarge(qint64 bytes)
{
    return QStringLiteral("the lab file is too large (%1 MiB): a lab file may hold at most %2 MiB")
        .arg(QString::number(double(bytes) / (1024.0 * 1024.0), 'f', 1))
        .arg(LabLimits::maxFileBytes / (1024 * 1024));
}

} // namespace

LabParser::Result LabParser::parseFile(const QString &path, const QMap<QString, QString> &overrides)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        Result r;
        r.errors.append({{path, 0, 0}, QStringLiteral("cannot read the lab file: %1").arg(f.errorString())});
        return r;
    }
    // Read one byte past the limit, never the whole file: a 50 MB file is refused without reading it.
    const QByteArray yaml = f.read(LabLimits::maxFileBytes + 1);
    if (yaml.size() > LabLimits::maxFileBytes) {
        Result r;
        r.lab.filePath = QFileInfo(path).absoluteFilePath();
        r.errors.append({{path, 1, 1}, tooLarge(std::max<qint64>(f.size(), yaml.size()))});
        return r;
    }
    return parseText(yaml, path, QFileInfo(path).absoluteFilePath(), overrides);
}

LabParser::Result LabParser::parseText(const QByteArray &yaml, const QString &displayName, const QString &filePath,
                                       const QMap<QString, QString> &overrides)
{
    Result result;
    result.lab.filePath = filePath;
    Reader reader(displayName);
    if (yaml.size() > LabLimits::maxFileBytes) {
        result.errors.append({{displayName, 1, 1}, tooLarge(yaml.size())});
        return result;
    }
    try {
        const std::string text = yaml.toStdString();
        YamlSizeCheck::check(text);
        const YAML::Node root = YAML::Load(text);
        if (!root.IsDefined() || root.IsNull()) {
            reader.error(SourceLocation{displayName, 1, 1}, QStringLiteral("the lab file is empty: it needs at least 'halab: 1', 'name' and 'stack'"));
        } else {
            LabReader(reader, result.lab, overrides).read(root);
        }
    } catch (const YamlSizeCheck::Refusal &refusal) {
        reader.error(SourceLocation{displayName, std::max(1, refusal.mark.line + 1), std::max(1, refusal.mark.column + 1)}, refusal.message);
    } catch (const YAML::DeepRecursion &e) {
        // yaml-cpp 0.7 gives this one the message "bad file": say what it means.
        reader.error(SourceLocation{displayName, std::max(1, e.mark.line + 1), std::max(1, e.mark.column + 1)},
                     QStringLiteral("values are nested hundreds of levels deep: a lab needs a handful"));
    } catch (const YAML::Exception &e) {
        // yaml-cpp puts the position in the mark and repeats it in what(); keep only the message.
        reader.error(SourceLocation{displayName, std::max(1, e.mark.line + 1), std::max(1, e.mark.column + 1)},
                     QStringLiteral("not valid YAML: %1").arg(QString::fromStdString(e.msg)));
    }
    result.errors = reader.errors;
    std::stable_sort(result.errors.begin(), result.errors.end(), [](const LabDiagnostic &a, const LabDiagnostic &b) {
        return std::make_pair(a.where.line, a.where.column) < std::make_pair(b.where.line, b.where.column);
    });
    if (result.errors.size() > kMaxProblems) {
        const qsizetype more = result.errors.size() - kMaxProblems;
        const SourceLocation next = result.errors.at(kMaxProblems).where;
        result.errors.resize(kMaxProblems);
        result.errors.append({next, QStringLiteral("%1 more problems from here on are not shown: fix these first").arg(more)});
    }
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
            QStringLiteral("leader_changes"), QStringLiteral("split_brain_samples"), QStringLiteral("leader_regressions"),
            QStringLiteral("partition_ms"),   QStringLiteral("new_leader_ms"),  QStringLiteral("step_down_ms"),
            QStringLiteral("converge_ms"),    QStringLiteral("reschedule_ms"),
            QStringLiteral("notice_ms")};
}

QStringList LabParser::builtinVariables()
{
    return {QStringLiteral("LAB_DIR"), QStringLiteral("RUN_DIR"), QStringLiteral("BIN_DIR")};
}
