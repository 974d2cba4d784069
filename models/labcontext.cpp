#include "labcontext.h"

#include "substitution.h"

#include <QProcessEnvironment>

LabContext::LabContext(const Lab &lab, const QMap<QString, QString> &builtins, const QMap<QString, QString> &overrides)
    : m_lab(lab)
    , m_builtins(builtins)
{
    QMap<QString, QString> raw = lab.variables;
    for (auto it = overrides.cbegin(); it != overrides.cend(); ++it)
        raw.insert(it.key(), it.value());
    for (auto it = lab.endpoints.cbegin(); it != lab.endpoints.cend(); ++it)
        raw.insert(it.key(), it.value());
    m_values = Substitution::resolveAll(raw, [this](const QString &name) -> std::optional<QString> {
        if (m_builtins.contains(name))
            return m_builtins.value(name);
        return std::nullopt;
    });
}

std::optional<QString> LabContext::lookup(const QString &name) const
{
    if (m_builtins.contains(name))
        return m_builtins.value(name);
    if (m_values.contains(name))
        return m_values.value(name);
    if (m_saved.contains(name))
        return m_saved.value(name);
    if (m_secrets.contains(name))
        return m_secrets.value(name);
    if (name.startsWith(QLatin1String("env:"))) {
        const QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        const QString var = name.mid(4);
        if (env.contains(var))
            return env.value(var);
    }
    return std::nullopt;
}

QString LabContext::resolve(const QString &text, QStringList *unresolved) const
{
    return Substitution::apply(text, [this](const QString &n) { return lookup(n); }, unresolved);
}

QMap<QString, QString> LabContext::publicValues() const
{
    QMap<QString, QString> out = m_values;
    for (auto it = m_builtins.cbegin(); it != m_builtins.cend(); ++it)
        out.insert(it.key(), it.value());
    return out;
}

ProbeSpec LabContext::resolvedProbe(const ProbeSpec &probe, QStringList *unresolved) const
{
    ProbeSpec p = probe;
    p.url = resolve(p.url, unresolved);
    p.address = resolve(p.address, unresolved);
    p.body = resolve(p.body, unresolved);
    for (auto it = p.headers.begin(); it != p.headers.end(); ++it)
        it.value() = resolve(it.value(), unresolved);
    for (QString &a : p.command)
        a = resolve(a, unresolved);
    p.connection = resolve(p.connection, unresolved);
    p.query = resolve(p.query, unresolved);
    for (QString &a : p.redisCommand)
        a = resolve(a, unresolved);
    p.expectValue = resolve(p.expectValue, unresolved);
    for (auto it = p.env.begin(); it != p.env.end(); ++it)
        it.value() = resolve(it.value(), unresolved); // secrets allowed: they travel in memory / the environment
    return p;
}

StackSpec LabContext::resolvedStack(QStringList *unresolved) const
{
    StackSpec stack = m_lab.stack;
    const auto resolveList = [&](QStringList &list) {
        for (QString &s : list)
            s = resolve(s, unresolved);
    };
    const auto resolveProbe = [&](ProbeSpec &p) { p = resolvedProbe(p, unresolved); };
    resolveList(stack.composeFiles);
    stack.docker.host = resolve(stack.docker.host, unresolved);
    stack.docker.context = resolve(stack.docker.context, unresolved);
    for (ServiceSpec &s : stack.services) {
        resolveList(s.command);
        resolveList(s.versionCommand);
        s.workdir = resolve(s.workdir, unresolved);
        s.user = resolve(s.user, unresolved);
        s.group = resolve(s.group, unresolved);
        for (auto it = s.env.begin(); it != s.env.end(); ++it)
            it.value() = resolve(it.value(), unresolved);
        for (TemplateFileSpec &t : s.templates) {
            t.from = resolve(t.from, unresolved);
            t.to = resolve(t.to, unresolved);
        }
        if (s.ready)
            resolveProbe(*s.ready);
        if (s.role)
            resolveProbe(s.role->probe);
    }
    if (stack.roles) {
        resolveProbe(stack.roles->probe);
        for (auto it = stack.roles->map.begin(); it != stack.roles->map.end(); ++it)
            it.value() = resolve(it.value(), unresolved);
    }
    return stack;
}
