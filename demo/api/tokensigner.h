// Editor session tokens: v1.<base64url(claims JSON)>.<expiry ms>.<base64url(HMAC-SHA256)>.
// The HMAC key is derived from EDITOR_TOKEN_SECRET and the minting API key, so any replica
// sharing the secret and keys verifies the token, and a token minted with a rotated-out key
// keeps verifying while that key is configured as *_PREVIOUS.
#pragma once

#include "apikeyring.h"

#include <QByteArray>
#include <QString>

#include <optional>

class TokenSigner
{
public:
    struct Claims
    {
        QString role;
        QString actor;
        QString tenantId;
        qint64 expiresMs = 0;
    };

    TokenSigner(const QByteArray &secret, int ttlMinutes);

    bool canSign() const { return !m_secret.isEmpty(); }
    QByteArray mint(const Claims &claims, const QByteArray &apiKey) const;
    // Checks shape, expiry and signature against the role's current then previous key.
    std::optional<Claims> verify(const QByteArray &token, const ApiKeyRing &keys,
                                 QString *reason = nullptr) const;
    qint64 ttlMs() const { return qint64(m_ttlMinutes) * 60 * 1000; }

private:
    QByteArray signature(const QByteArray &signedPart, const QByteArray &apiKey) const;

    QByteArray m_secret;
    int m_ttlMinutes;
};
