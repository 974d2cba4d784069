// The configured API keys: current keys authenticate and mint, *_PREVIOUS keys only verify tokens.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

class ApiKeyRing
{
public:
    ApiKeyRing(const QByteArray &admin, const QByteArray &editor, const QByteArray &adminPrevious,
               const QByteArray &editorPrevious);

    // "admin" / "editor" when key equals a CURRENT key, else an empty string.
    QString roleForCurrentKey(const QByteArray &key) const;
    // True when key equals a configured *_PREVIOUS key (and no current key).
    bool isPreviousKey(const QByteArray &key) const;
    // Keys a token of this role may have been minted with: current first, then previous.
    QList<QByteArray> verificationKeys(const QString &role) const;

    // Constant-time comparison; empty values never match.
    static bool sameSecret(const QByteArray &a, const QByteArray &b);

private:
    QByteArray m_admin;
    QByteArray m_editor;
    QByteArray m_adminPrevious;
    QByteArray m_editorPrevious;
};
