// One in-flight HTTP request: a future the async handlers fulfil exactly once, plus the
// request's access-log line written when the answer is produced.
#pragma once

#include <QElapsedTimer>
#include <QFuture>
#include <QHttpServerResponse>
#include <QJsonObject>
#include <QFutureInterface>
#include <QString>

class PendingReply
{
public:
    using Status = QHttpServerResponse::StatusCode;

    PendingReply(const QString &method, const QString &path, const QString &nodeId,
                 const QByteArray &echoedApiKey, bool echoApiKey);
    ~PendingReply(); // answers 500 if a handler dropped the request without answering
    PendingReply(const PendingReply &) = delete;
    PendingReply &operator=(const PendingReply &) = delete;

    QFuture<QHttpServerResponse> future();
    bool isDone() const { return m_done; }

    void json(Status status, const QJsonObject &body);
    void bytes(Status status, const QByteArray &mimeType, const QByteArray &data);
    // 401 (or 403) with a "msg":"Auth failure" log line.
    void authFailure(const QString &reason, Status status = Status::Unauthorized);
    // Extra fields for the access-log line (e.g. which credential type was used).
    void addLogField(const QString &key, const QJsonValue &value) { m_logFields.insert(key, value); }

private:
    void finish(QHttpServerResponse &&response, const QString &msg);

    // Not QPromise: in Qt 6.4 ~QPromise re-runs the continuation once QHttpServer's
    // takeResult() has reset the state, which crashes. QFutureInterface has no such destructor.
    QFutureInterface<QHttpServerResponse> m_future;
    QElapsedTimer m_timer;
    QString m_method;
    QString m_path;
    QByteArray m_nodeId;
    QJsonObject m_logFields;
    bool m_done = false;
};
