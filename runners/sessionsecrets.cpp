#include "sessionsecrets.h"

#include "keychainstore.h"

#include <QByteArray>
#include <QRandomGenerator>
#include <QTimer>

SessionSecrets::SessionSecrets(QObject *parent)
    : QObject(parent)
    , m_store(new KeychainStore(this))
{
}

QString SessionSecrets::environmentName(const QString &secretName)
{
    return QStringLiteral("HALAB_SECRET_") + secretName;
}

void SessionSecrets::load(const Lab &lab)
{
    const int generation = ++m_generation;
    m_missing.clear();
    m_keychainError.clear();
    m_order.clear();
    // One extra count for the queued settle below: loaded() is emitted from the event loop even
    // when nothing needs the keychain, so callers can always connect after calling load().
    m_pending = 1;
    for (const SecretSpec &spec : lab.secrets) {
        m_order.append(spec.name);
        const QString fromEnv = qEnvironmentVariable(qPrintable(environmentName(spec.name)));
        if (!fromEnv.isEmpty()) {
            m_values.insert(spec.name, fromEnv); // CI: the environment wins and the keychain is not asked
            continue;
        }
        ++m_pending;
        KeychainJob *job = m_store->read(lab.id, spec.name);
        connect(job, &KeychainJob::finished, this,
                [this, generation, spec, labId = lab.id](bool ok, const QString &value, KeychainJob::Error kind, const QString &message) {
                    if (generation != m_generation)
                        return;
                    if (ok) {
                        m_values.insert(spec.name, value);
                    } else if (kind == KeychainJob::Missing && spec.generateIfMissing) {
                        const QString made = generate();
                        m_values.insert(spec.name, made); // usable in this session even if storing it fails
                        KeychainJob *write = m_store->write(labId, spec.name, made);
                        connect(write, &KeychainJob::finished, this,
                                [this, generation](bool written, const QString &, KeychainJob::Error, const QString &why) {
                                    if (generation != m_generation)
                                        return;
                                    if (!written)
                                        noteError(why);
                                    settle(generation);
                                });
                        return; // settled by the write
                    } else if (kind == KeychainJob::Missing) {
                        m_values.remove(spec.name); // the keychain is the truth: a cleared entry is gone
                    } else {
                        noteError(message);
                        // Keychain unusable: the in-memory behaviour of fill() is the fallback.
                        if (!m_values.contains(spec.name) && spec.generateIfMissing)
                            m_values.insert(spec.name, generate());
                    }
                    settle(generation);
                });
    }
    QTimer::singleShot(0, this, [this, generation] { settle(generation); });
}

void SessionSecrets::noteError(const QString &message)
{
    if (m_keychainError.isEmpty()) // every job reports the same cause; say it once
        m_keychainError = message;
}

void SessionSecrets::settle(int generation)
{
    if (generation != m_generation || --m_pending > 0)
        return;
    QStringList missing;
    for (const QString &name : std::as_const(m_order))
        if (!m_values.contains(name))
            missing.append(name);
    m_missing = missing;
    Q_EMIT loaded(m_missing, m_keychainError);
}

QStringList SessionSecrets::fill(const Lab &lab)
{
    QStringList missing;
    for (const SecretSpec &s : lab.secrets) {
        if (m_values.contains(s.name))
            continue;
        const QString fromEnv = qEnvironmentVariable(qPrintable(environmentName(s.name)));
        if (!fromEnv.isEmpty())
            m_values.insert(s.name, fromEnv);
        else if (s.generateIfMissing)
            m_values.insert(s.name, generate());
        else
            missing.append(s.name);
    }
    return missing;
}

SecretRedactor SessionSecrets::redactor() const
{
    SecretRedactor redactor;
    for (auto it = m_values.cbegin(); it != m_values.cend(); ++it)
        redactor.addSecret(it.key(), it.value());
    return redactor;
}

QString SessionSecrets::generate()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), bytes.size() / 4);
    return QString::fromLatin1(bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}
