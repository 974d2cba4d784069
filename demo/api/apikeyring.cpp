#include "apikeyring.h"

ApiKeyRing::ApiKeyRing(const QByteArray &admin, const QByteArray &editor,
                       const QByteArray &adminPrevious, const QByteArray &editorPrevious)
    : m_admin(admin), m_editor(editor), m_adminPrevious(adminPrevious), m_editorPrevious(editorPrevious)
{
}

bool ApiKeyRing::sameSecret(const QByteArray &a, const QByteArray &b)
{
    if (a.isEmpty() || b.isEmpty() || a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a.at(i) ^ b.at(i));
    return diff == 0;
}

QString ApiKeyRing::roleForCurrentKey(const QByteArray &key) const
{
    if (sameSecret(key, m_admin))
        return QStringLiteral("admin");
    if (sameSecret(key, m_editor))
        return QStringLiteral("editor");
    return {};
}

bool ApiKeyRing::isPreviousKey(const QByteArray &key) const
{
    return roleForCurrentKey(key).isEmpty()
           && (sameSecret(key, m_adminPrevious) || sameSecret(key, m_editorPrevious));
}

QList<QByteArray> ApiKeyRing::verificationKeys(const QString &role) const
{
    QList<QByteArray> keys;
    const bool admin = role == QLatin1String("admin");
    const QByteArray &current = admin ? m_admin : m_editor;
    const QByteArray &previous = admin ? m_adminPrevious : m_editorPrevious;
    if (role != QLatin1String("admin") && role != QLatin1String("editor"))
        return keys;
    if (!current.isEmpty())
        keys.append(current);
    if (!previous.isEmpty())
        keys.append(previous);
    return keys;
}
