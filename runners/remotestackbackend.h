#pragma once

#include "stackbackend.h"

#include <QHash>
#include <QJsonObject>
#include <QStringList>

class QLocalSocket;

// A stack another console runs (`halab-cli stack up`), driven through its control socket
// (StackControlServer): up() attaches instead of starting anything, faults are carried out by
// the owning console, and down() detaches, leaving the stack running for the next run.
class RemoteStackBackend : public StackBackend
{
    Q_OBJECT

public:
    explicit RemoteStackBackend(const QString &socketPath, QObject *parent = nullptr);
    ~RemoteStackBackend() override;

    // True when a console answers on socketPath (a connect, no waiting).
    static bool isServing(const QString &socketPath);

    void up() override;
    void down() override;
    void start(const QString &service) override { send(QStringLiteral("start"), service); }
    void stop(const QString &service) override { send(QStringLiteral("stop"), service); }
    void kill(const QString &service) override { send(QStringLiteral("kill"), service); }
    void pause(const QString &service) override { send(QStringLiteral("pause"), service); }
    void resume(const QString &service) override { send(QStringLiteral("resume"), service); }
    void restart(const QString &service, const QMap<QString, QString> &envOverrides) override;

    QStringList serviceNames() const override { return m_services; }
    ServiceStatus status(const QString &service) const override;
    bool isUp() const override { return m_up; }
    // The pid of the console that owns the stack (0 before attaching).
    qint64 ownerPid() const { return m_ownerPid; }

private:
    void send(const QString &op, const QString &service, const QJsonObject &extra = {});
    void onReadyRead();
    void handle(const QByteArray &line);

    QString m_path;
    QLocalSocket *m_socket;
    QStringList m_services;
    QHash<QString, ServiceStatus> m_statuses;
    qint64 m_ownerPid = 0;
    bool m_up = false;
    bool m_attaching = false;
};
