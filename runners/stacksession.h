#pragma once

#include "labcontext.h"
#include "secretredactor.h"
#include "sessionsecrets.h"
#include "stackbackend.h"

#include <QObject>

#include <memory>

class HostNetwork;

// One lab's stack in this console session: resolves the lab (built-ins, overrides, secrets
// from the keychain or HALAB_SECRET_<NAME>) and owns the backend that drives it.
class StackSession : public QObject
{
    Q_OBJECT

public:
    StackSession(const Lab &lab, const QMap<QString, QString> &overrides, QObject *parent = nullptr);
    ~StackSession() override;

    // Asynchronous: loads the lab's secrets, then creates the backend; prepared() tells how it went.
    void prepare();
    bool isPrepared() const { return m_backend != nullptr; }

    StackBackend *backend() const { return m_backend.get(); }
    LabContext &context() { return m_context; }
    const LabContext &context() const { return m_context; }
    SecretRedactor redactor() const { return m_secrets.redactor(); }
    QString runDir() const { return m_runDir; }
    // Another console runs the stack and this session drives it through that console.
    bool isAttached() const;

Q_SIGNALS:
    // error: why the stack cannot be driven; warning: e.g. no keychain, session-only secrets.
    void prepared(bool ok, const QString &error, const QString &warning);

private:
    void onSecretsLoaded(const QStringList &missing, const QString &keychainError);

    Lab m_lab;
    LabContext m_context;
    SessionSecrets m_secrets;
    QString m_runDir;
    std::unique_ptr<HostNetwork> m_network; // before the backend: destroyed after it
    QString m_networkError;
    std::unique_ptr<StackBackend> m_backend;
};
