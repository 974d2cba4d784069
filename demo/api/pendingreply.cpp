#include "pendingreply.h"

#include "jsonlog.h"

#include <QJsonDocument>

#include <cmath>

PendingReply::PendingReply(const QString &method, const QString &path, const QString &nodeId,
                           const QByteArray &echoedApiKey, bool echoApiKey)
    : m_method(method), m_path(path), m_nodeId(nodeId.toUtf8())
{
    m_timer.start();
    m_future.reportStarted();
    // Deliberate canary for secret-redaction tests: only with ECHO_AUTH_HEADERS=1.
    if (echoApiKey && !echoedApiKey.isEmpty())
        m_logFields.insert(QStringLiteral("x-api-key"), QString::fromUtf8(echoedApiKey));
}

PendingReply::~PendingReply()
{
    if (!m_done)
        json(Status::InternalServerError, {{QStringLiteral("error"), QStringLiteral("request dropped")}});
}

QFuture<QHttpServerResponse> PendingReply::future()
{
    return m_future.future();
}

void PendingReply::json(Status status, const QJsonObject &body)
{
    if (m_done)
        return;
    QHttpServerResponse response(body, status);
    finish(std::move(response), QStringLiteral("request"));
}

void PendingReply::bytes(Status status, const QByteArray &mimeType, const QByteArray &data)
{
    if (m_done)
        return;
    QHttpServerResponse response(mimeType, data, status);
    finish(std::move(response), QStringLiteral("request"));
}

void PendingReply::authFailure(const QString &reason, Status status)
{
    if (m_done)
        return;
    m_logFields.insert(QStringLiteral("reason"), reason);
    QHttpServerResponse response(
        QJsonObject{{QStringLiteral("error"), status == Status::Forbidden ? QStringLiteral("forbidden")
                                                                          : QStringLiteral("unauthorized")},
                    {QStringLiteral("reason"), reason},
                    {QStringLiteral("node_id"), QString::fromUtf8(m_nodeId)}},
        status);
    finish(std::move(response), QStringLiteral("Auth failure"));
}

void PendingReply::finish(QHttpServerResponse &&response, const QString &msg)
{
    m_done = true;
    const int code = int(response.statusCode());
    response.setHeader(QByteArrayLiteral("x-halab-node"), m_nodeId);
    QJsonObject fields = m_logFields;
    fields.insert(QStringLiteral("method"), m_method);
    fields.insert(QStringLiteral("path"), m_path);
    fields.insert(QStringLiteral("statusCode"), code);
    fields.insert(QStringLiteral("ms"), std::round(double(m_timer.nsecsElapsed()) / 10000.0) / 100.0);
    if (code < 400)
        JsonLog::info(msg, fields);
    else
        JsonLog::warn(msg, fields);
    m_future.reportAndMoveResult(std::move(response));
    m_future.reportFinished(); // runs QHttpServer's continuation, which writes the response
}
