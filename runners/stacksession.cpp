#include "stacksession.h"

#include "datapaths.h"
#include "processstackbackend.h"

StackSession::StackSession(const Lab &lab, const QMap<QString, QString> &overrides, QObject *parent)
    : QObject(parent)
    , m_lab(lab)
    , m_context(lab, DataPaths::builtins(lab), overrides)
    , m_runDir(DataPaths::runDir(lab))
{
}

StackSession::~StackSession() = default;

bool StackSession::prepare(QString *error)
{
    if (m_backend)
        return true;
    const QStringList missing = m_secrets.fill(m_lab);
    if (!missing.isEmpty()) {
        *error = tr("missing secret(s) %1: set HALAB_SECRET_<NAME> in the environment").arg(missing.join(QStringLiteral(", ")));
        return false;
    }
    const QMap<QString, QString> values = m_secrets.values();
    for (auto it = values.cbegin(); it != values.cend(); ++it)
        m_context.setSecret(it.key(), it.value());
    QStringList unresolved;
    const StackSpec stack = m_context.resolvedStack(&unresolved);
    if (!unresolved.isEmpty()) {
        *error = tr("the stack refers to unknown name(s): %1").arg(unresolved.join(QStringLiteral(", ")));
        return false;
    }
    if (stack.backend == StackSpec::Backend::Compose) {
        *error = tr("the compose backend is not available in this build yet; use a 'processes' stack");
        return false;
    }
    m_backend = std::make_unique<ProcessStackBackend>(stack, m_context.publicValues(), m_runDir);
    return true;
}
