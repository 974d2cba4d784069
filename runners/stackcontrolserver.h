#pragma once

#include <QList>
#include <QObject>
#include <QString>

class QLocalServer;
class QLocalSocket;
class StackBackend;

// Shares a running stack with other consoles on this machine (`halab-cli run` while
// `halab-cli stack up` runs): a local socket, owner-only, beside the stack's files. Clients get
// every service's status and log lines as they happen and ask for faults; the processes stay
// this console's (its cgroups, its ledger), so nothing is restarted or adopted.
class StackControlServer : public QObject
{
    Q_OBJECT

public:
    StackControlServer(StackBackend *backend, const QString &socketPath, QObject *parent = nullptr);
    ~StackControlServer() override;

    // Listens (replacing a stale socket a dead console left). False with the reason on failure.
    bool listen(QString *error);
    QString socketPath() const { return m_path; }

private:
    void onConnection();
    void onReadyRead(QLocalSocket *client);
    void handle(QLocalSocket *client, const QByteArray &line);
    void broadcast(const QByteArray &line);

    StackBackend *m_backend;
    QString m_path;
    QLocalServer *m_server;
    QList<QLocalSocket *> m_clients;
};
