#include "stacksession.h"

#include "datapaths.h"
#include "composestackbackend.h"
#include "swarmstackbackend.h"
#include "hostnetwork.h"
#include "processstackbackend.h"
#include "remotestackbackend.h"
#include "stackwire.h"

#include <QFileInfo>

#include <QTimer>

StackSession::StackSession(const Lab &lab, const QMap<QString, QString> &overrides, QObject *parent)
    : QObject(parent)
    , m_lab(lab)
    , m_context(lab, DataPaths::builtins(lab, overrides), overrides)
    , m_runDir(DataPaths::runDir(lab, overrides))
{
    connect(&m_secrets, &SessionSecrets::loaded, this, &StackSession::onSecretsLoaded);
    if (!lab.hosts.isEmpty() && lab.stack.backend == StackSpec::Backend::Processes) {
        // Hosts get their addresses now, so ${n1} resolves like any other name.
        QStringList hosts;
        for (const HostSpec &h : lab.hosts)
            hosts.append(h.name);
        m_network = std::make_unique<HostNetwork>();
        m_network->setPreferredSubnet(lab.id);
        QMap<QString, QString> builtins = DataPaths::builtins(lab);
        if (m_network->reserve(hosts, &m_networkError)) {
            const QMap<QString, QString> addresses = m_network->addresses();
            for (auto it = addresses.cbegin(); it != addresses.cend(); ++it)
                builtins.insert(it.key(), it.value());
        }
        m_context = LabContext(lab, builtins, overrides);
    }
}

StackSession::~StackSession() = default;

void StackSession::prepare()
{
    if (m_backend) {
        QTimer::singleShot(0, this, [this] { Q_EMIT prepared(true, {}, {}); });
        return;
    }
    m_secrets.load(m_lab);
}

void StackSession::onSecretsLoaded(const QStringList &missing, const QString &keychainError)
{
    if (!m_networkError.isEmpty()) {
        Q_EMIT prepared(false, tr("lab hosts: %1").arg(m_networkError), {});
        return;
    }
    if (!missing.isEmpty()) {
        QString error = tr("missing secret(s) %1: set them with Secrets… (halab-cli secrets set LAB NAME), "
                           "or give HALAB_SECRET_<NAME> in the environment")
                            .arg(missing.join(QStringLiteral(", ")));
        if (!keychainError.isEmpty())
            error += QStringLiteral(". ") + keychainError;
        Q_EMIT prepared(false, error, {});
        return;
    }
    const QMap<QString, QString> values = m_secrets.values();
    for (auto it = values.cbegin(); it != values.cend(); ++it)
        m_context.setSecret(it.key(), it.value());
    QStringList unresolved;
    const StackSpec stack = m_context.resolvedStack(&unresolved);
    if (!unresolved.isEmpty()) {
        Q_EMIT prepared(false, tr("the stack refers to unknown name(s): %1").arg(unresolved.join(QStringLiteral(", "))), {});
        return;
    }
    // A `docker:` value built from ${NAME} is only known now: check it as the parser checks a literal.
    if (!stack.docker.host.isEmpty()) {
        if (const QString problem = DockerEngine::hostProblem(stack.docker.host); !problem.isEmpty()) {
            Q_EMIT prepared(false, tr("%1: 'host' in 'docker' %2").arg(stack.docker.hostWhere.toString(), problem), {});
            return;
        }
    } else if (!stack.docker.context.isEmpty()) {
        if (const QString problem = DockerEngine::contextProblem(stack.docker.context); !problem.isEmpty()) {
            Q_EMIT prepared(false, tr("%1: 'context' in 'docker' %2").arg(stack.docker.contextWhere.toString(), problem), {});
            return;
        }
    }
    if (stack.backend == StackSpec::Backend::Compose) {
        auto compose = std::make_unique<ComposeStackBackend>(stack, QFileInfo(m_lab.filePath).absolutePath(), m_runDir);
        compose->setComposeEnvironment(m_context.publicValues()); // ${VAR} in compose files; never secrets
        m_backend = std::move(compose);
    } else if (stack.backend == StackSpec::Backend::Swarm) {
        auto swarm = std::make_unique<SwarmStackBackend>(stack, QFileInfo(m_lab.filePath).absolutePath(), m_runDir);
        swarm->setStackEnvironment(m_context.publicValues()); // ${VAR} in the stack files; never secrets
        m_backend = std::move(swarm);
    } else if (RemoteStackBackend::isServing(StackWire::socketPath(m_runDir))) {
        // Another console runs this lab's stack: drive that one instead of starting a second.
        m_backend = std::make_unique<RemoteStackBackend>(StackWire::socketPath(m_runDir));
    } else {
        auto processes = std::make_unique<ProcessStackBackend>(stack, m_context.publicValues(), m_runDir);
        processes->setHostNetwork(m_network.get());
        m_backend = std::move(processes);
    }
    Q_EMIT prepared(true, {}, keychainError.isEmpty() ? QString() : tr("secrets for this session only: %1").arg(keychainError));
}

bool StackSession::isAttached() const
{
    return qobject_cast<RemoteStackBackend *>(m_backend.get()) != nullptr;
}
