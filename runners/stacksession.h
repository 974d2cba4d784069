#pragma once

#include "labcontext.h"
#include "sessionsecrets.h"
#include "stackbackend.h"

#include <QObject>

#include <memory>

// One lab's stack in this console session: resolves the lab (built-ins, overrides, secrets)
// and owns the backend that drives it.
class StackSession : public QObject
{
    Q_OBJECT

public:
    StackSession(const Lab &lab, const QMap<QString, QString> &overrides, QObject *parent = nullptr);
    ~StackSession() override;

    // Creates the backend; false with *error naming what is missing (secrets, backend support).
    bool prepare(QString *error);

    StackBackend *backend() const { return m_backend.get(); }
    const LabContext &context() const { return m_context; }
    QString runDir() const { return m_runDir; }

private:
    Lab m_lab;
    LabContext m_context;
    SessionSecrets m_secrets;
    QString m_runDir;
    std::unique_ptr<StackBackend> m_backend;
};
