#pragma once

#include <QByteArray>
#include <QByteArrayMatcher>
#include <QList>
#include <QString>
#include <QStringList>
#include <QStringMatcher>

// Replaces secret values in text with ‹NAME›, in every form a value commonly leaks in: as is,
// base64 (standard and url-safe, with or without '=' padding, also inside a longer base64 blob
// such as an HTTP Basic credential), and percent-encoded (upper or lower hex, '+' for space).
//
// Values shorter than MinimumLength characters are ignored: redacting "admin" or "12345" would
// mangle ordinary log text, and such values are not secrets worth the name anyway.
// Inside a longer base64 blob, up to 3 characters at each edge of the secret's span may stay
// visible (they also encode neighbouring bytes); the rest is replaced.
// Where two secrets' matches overlap, the whole overlapping span is redacted ("‹A›‹B›").
class SecretRedactor
{
public:
    static constexpr int MinimumLength = 6;

    void addSecret(const QString &name, const QString &value);

    QString redact(const QString &text) const;
    QByteArray redact(const QByteArray &text) const; // UTF-8 (or any ASCII-compatible) bytes

    bool isEmpty() const { return m_patterns.isEmpty(); }
    QStringList names() const { return m_names; }
    static QString token(const QString &name); // "‹NAME›"

private:
    struct Pattern
    {
        QString name;
        QString text;
        QStringMatcher textMatcher;
        QByteArrayMatcher bytesMatcher;
    };
    QList<Pattern> m_patterns; // longest first, so a longer value wins where matches start together
    QStringList m_names;
};
