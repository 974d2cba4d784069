#include "tokensigner.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>

namespace {
constexpr auto kB64 = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;
}

TokenSigner::TokenSigner(const QByteArray &secret, int ttlMinutes)
    : m_secret(secret), m_ttlMinutes(ttlMinutes)
{
}

QByteArray TokenSigner::signature(const QByteArray &signedPart, const QByteArray &apiKey) const
{
    // Per-key derived secret: HMAC(EDITOR_TOKEN_SECRET, label | api key).
    const QByteArray derived = QMessageAuthenticationCode::hash(
        QByteArrayLiteral("halab-editor-token/v1|") + apiKey, m_secret, QCryptographicHash::Sha256);
    return QMessageAuthenticationCode::hash(signedPart, derived, QCryptographicHash::Sha256);
}

QByteArray TokenSigner::mint(const Claims &claims, const QByteArray &apiKey) const
{
    const QJsonObject payload{{QStringLiteral("role"), claims.role},
                              {QStringLiteral("actor"), claims.actor},
                              {QStringLiteral("tid"), claims.tenantId}};
    const QByteArray body = QJsonDocument(payload).toJson(QJsonDocument::Compact).toBase64(kB64);
    const QByteArray signedPart = QByteArrayLiteral("v1.") + body + '.' + QByteArray::number(claims.expiresMs);
    return signedPart + '.' + signature(signedPart, apiKey).toBase64(kB64);
}

std::optional<TokenSigner::Claims> TokenSigner::verify(const QByteArray &token, const ApiKeyRing &keys,
                                                      QString *reason) const
{
    auto reject = [reason](const char *why) -> std::optional<Claims> {
        if (reason)
            *reason = QLatin1String(why);
        return std::nullopt;
    };
    if (!canSign())
        return reject("token signing not configured");
    const QList<QByteArray> parts = token.split('.');
    if (parts.size() != 4 || parts.at(0) != "v1")
        return reject("malformed token");
    bool ok = false;
    const qint64 expires = parts.at(2).toLongLong(&ok);
    if (!ok)
        return reject("malformed token");
    const auto decoded = QByteArray::fromBase64Encoding(parts.at(1), kB64 | QByteArray::AbortOnBase64DecodingErrors);
    const auto sig = QByteArray::fromBase64Encoding(parts.at(3), kB64 | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || !sig)
        return reject("malformed token");
    const QJsonObject payload = QJsonDocument::fromJson(*decoded).object();
    Claims c;
    c.role = payload.value(QStringLiteral("role")).toString();
    c.actor = payload.value(QStringLiteral("actor")).toString();
    c.tenantId = payload.value(QStringLiteral("tid")).toString();
    c.expiresMs = expires;
    const QByteArray signedPart = parts.at(0) + '.' + parts.at(1) + '.' + parts.at(2);
    bool valid = false;
    for (const QByteArray &key : keys.verificationKeys(c.role)) {
        if (ApiKeyRing::sameSecret(signature(signedPart, key), *sig)) {
            valid = true;
            break;
        }
    }
    if (!valid)
        return reject("bad token signature");
    if (expires < QDateTime::currentMSecsSinceEpoch())
        return reject("token expired");
    return c;
}
