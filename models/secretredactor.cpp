#include "secretredactor.h"

#include <QSet>
#include <QUrl>

#include <algorithm>

namespace {

struct Hit
{
    qsizetype start;
    qsizetype end;
    int pattern;
};

// Every textual form of one value, most specific first; duplicates are dropped by the caller.
QStringList formsOf(const QString &value)
{
    const QByteArray utf8 = value.toUtf8();
    QStringList forms{value};

    const QByteArray::Base64Options alphabets[] = {QByteArray::Base64Encoding, QByteArray::Base64UrlEncoding};
    for (const QByteArray::Base64Options alphabet : alphabets) {
        forms << QString::fromLatin1(utf8.toBase64(alphabet))
              << QString::fromLatin1(utf8.toBase64(alphabet | QByteArray::OmitTrailingEquals));
        // Inside a longer blob ("user:KEY" in Basic auth) the value starts at byte offset 0, 1 or 2
        // of a 3-byte group; the 4-character groups made only of the value's bytes are the same
        // whatever surrounds it.
        for (int offset = 0; offset < 3; ++offset) {
            const QByteArray shifted = QByteArray(offset, '\0') + utf8;
            const QByteArray encoded = shifted.toBase64(alphabet | QByteArray::OmitTrailingEquals);
            const qsizetype first = offset == 0 ? 0 : 4;
            const qsizetype last = ((offset + utf8.size()) / 3) * 4;
            if (last - first >= 8) // shorter cores would match by chance
                forms << QString::fromLatin1(encoded.mid(first, last - first));
        }
    }

    const QByteArray upper = QUrl::toPercentEncoding(value);
    forms << QString::fromLatin1(upper);
    QByteArray lower = upper;
    for (qsizetype i = 0; i + 2 < lower.size(); ++i) {
        if (lower.at(i) != '%')
            continue;
        for (qsizetype j = i + 1; j <= i + 2; ++j)
            if (lower.at(j) >= 'A' && lower.at(j) <= 'F')
                lower[j] = char(lower.at(j) - 'A' + 'a');
        i += 2;
    }
    forms << QString::fromLatin1(lower);
    if (value.contains(QLatin1Char(' '))) // HTML form encoding writes space as '+'
        forms << QString::fromLatin1(QUrl::toPercentEncoding(value, " ").replace(' ', '+'));
    return forms;
}

template<typename Text, typename MatcherOf>
QList<Hit> findHits(const Text &text, int patternCount, MatcherOf matcherOf)
{
    QList<Hit> hits;
    for (int i = 0; i < patternCount; ++i) {
        const auto &matcher = matcherOf(i);
        const qsizetype length = matcher.pattern().size();
        for (qsizetype at = matcher.indexIn(text, 0); at >= 0; at = matcher.indexIn(text, at + 1))
            hits.append({at, at + length, i});
    }
    // Leftmost first; where two start together, the longer (earlier pattern) first.
    std::sort(hits.begin(), hits.end(), [](const Hit &a, const Hit &b) {
        return a.start != b.start ? a.start < b.start : a.end > b.end;
    });
    return hits;
}

// Copies text, replacing the union of all hits; a hit that only extends an earlier one adds its token.
template<typename Text, typename TokenOf>
Text applyHits(const Text &text, const QList<Hit> &hits, TokenOf tokenOf)
{
    Text out;
    out.reserve(text.size());
    qsizetype copied = 0;
    for (const Hit &h : hits) {
        if (h.end <= copied)
            continue; // inside what is already redacted
        if (h.start > copied)
            out.append(text.mid(copied, h.start - copied));
        out.append(tokenOf(h.pattern));
        copied = h.end;
    }
    out.append(text.mid(copied));
    return out;
}

} // namespace

QString SecretRedactor::token(const QString &name)
{
    return QChar(0x2039) + name + QChar(0x203A);
}

void SecretRedactor::addSecret(const QString &name, const QString &value)
{
    if (value.size() < MinimumLength)
        return;
    QSet<QString> known;
    for (const Pattern &p : std::as_const(m_patterns))
        known.insert(p.text);
    const QStringList forms = formsOf(value);
    for (const QString &form : forms) {
        if (form.size() < MinimumLength || known.contains(form))
            continue;
        known.insert(form);
        m_patterns.append({name, form, QStringMatcher(form), QByteArrayMatcher(form.toUtf8())});
    }
    if (!m_names.contains(name))
        m_names.append(name);
    std::stable_sort(m_patterns.begin(), m_patterns.end(),
                     [](const Pattern &a, const Pattern &b) { return a.text.size() > b.text.size(); });
}

QString SecretRedactor::redact(const QString &text) const
{
    if (m_patterns.isEmpty() || text.isEmpty())
        return text;
    const QList<Hit> hits = findHits(text, int(m_patterns.size()),
                                     [this](int i) -> const QStringMatcher & { return m_patterns.at(i).textMatcher; });
    if (hits.isEmpty())
        return text;
    return applyHits(text, hits, [this](int i) { return token(m_patterns.at(i).name); });
}

QByteArray SecretRedactor::redact(const QByteArray &text) const
{
    if (m_patterns.isEmpty() || text.isEmpty())
        return text;
    const QList<Hit> hits = findHits(text, int(m_patterns.size()),
                                     [this](int i) -> const QByteArrayMatcher & { return m_patterns.at(i).bytesMatcher; });
    if (hits.isEmpty())
        return text;
    return applyHits(text, hits, [this](int i) { return token(m_patterns.at(i).name).toUtf8(); });
}
