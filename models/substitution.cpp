#include "substitution.h"

namespace Substitution {

QList<Reference> references(const QString &text)
{
    QList<Reference> refs;
    for (int i = 0; i + 1 < text.size(); ++i) {
        if (text[i] != QLatin1Char('$'))
            continue;
        if (text[i + 1] == QLatin1Char('$')) { // escaped
            ++i;
            continue;
        }
        if (text[i + 1] != QLatin1Char('{'))
            continue;
        const int end = text.indexOf(QLatin1Char('}'), i + 2);
        if (end < 0)
            break;
        refs.append({text.mid(i + 2, end - i - 2).trimmed(), int(i)});
        i = end;
    }
    return refs;
}

int unclosedReference(const QString &text)
{
    for (int i = 0; i + 1 < text.size(); ++i) {
        if (text[i] != QLatin1Char('$'))
            continue;
        if (text[i + 1] == QLatin1Char('$')) {
            ++i;
            continue;
        }
        if (text[i + 1] != QLatin1Char('{'))
            continue;
        const int end = text.indexOf(QLatin1Char('}'), i + 2);
        if (end < 0)
            return i;
        i = end;
    }
    return -1;
}

QString apply(const QString &text, const Lookup &lookup, QStringList *unresolved)
{
    QString out;
    out.reserve(text.size());
    for (int i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c == QLatin1Char('$') && i + 1 < text.size() && text[i + 1] == QLatin1Char('$')) {
            out += QLatin1Char('$');
            ++i;
            continue;
        }
        if (c == QLatin1Char('$') && i + 1 < text.size() && text[i + 1] == QLatin1Char('{')) {
            const int end = text.indexOf(QLatin1Char('}'), i + 2);
            if (end > 0) {
                const QString name = text.mid(i + 2, end - i - 2).trimmed();
                if (const std::optional<QString> value = lookup(name)) {
                    out += *value;
                } else {
                    out += text.mid(i, end - i + 1);
                    if (unresolved && !unresolved->contains(name))
                        unresolved->append(name);
                }
                i = end;
                continue;
            }
        }
        out += c;
    }
    return out;
}

QMap<QString, QString> resolveAll(const QMap<QString, QString> &values, const Lookup &outer, QStringList *cycle)
{
    QMap<QString, QString> done;
    QStringList inProgress;
    std::function<std::optional<QString>(const QString &)> resolve;
    resolve = [&](const QString &name) -> std::optional<QString> {
        if (done.contains(name))
            return done.value(name);
        if (!values.contains(name))
            return outer ? outer(name) : std::nullopt;
        if (inProgress.contains(name)) {
            if (cycle && !cycle->contains(name))
                cycle->append(name);
            return std::nullopt;
        }
        inProgress.append(name);
        const QString value = Substitution::apply(values.value(name), resolve);
        inProgress.removeAll(name);
        done.insert(name, value);
        return value;
    };
    for (auto it = values.cbegin(); it != values.cend(); ++it)
        resolve(it.key());
    return done;
}

} // namespace Substitution
