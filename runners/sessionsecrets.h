#pragma once

#include "lab.h"
#include "secretredactor.h"

#include <QMap>
#include <QObject>
#include <QString>
#include <QStringList>

class KeychainStore;

// Secret values for one console session, held in memory only. Sources, strongest first:
// HALAB_SECRET_<NAME> environment variables (CI), the OS keychain (load()), and for secrets
// marked `generate: true` a random value — written to the keychain by load() so it persists.
// This class itself never writes a value to disk; without a keychain, generated values live
// for this session only.
class SessionSecrets : public QObject
{
    Q_OBJECT

public:
    explicit SessionSecrets(QObject *parent = nullptr);

    // Asynchronous: reads every secret of the lab not given in the environment from the
    // keychain, generates and stores missing `generate: true` ones, then emits loaded().
    // Without a reachable keychain it falls back to fill()'s behaviour and says why.
    void load(const Lab &lab);
    bool isLoading() const { return m_pending > 0; }

    // Synchronous, for callers that cannot wait; never touches the keychain. Fills every secret
    // it can from values already loaded, the environment, or a generated session-only value;
    // returns the names it could not.
    QStringList fill(const Lab &lab);
    QMap<QString, QString> values() const { return m_values; }
    void setValue(const QString &name, const QString &value) { m_values.insert(name, value); }

    // A redactor knowing every value held now.
    SecretRedactor redactor() const;

    static QString generate(); // 32 random bytes, base64url
    static QString environmentName(const QString &secretName); // HALAB_SECRET_<NAME>

    KeychainStore *store() const { return m_store; }

Q_SIGNALS:
    // missing: secrets with no value at all; keychainError: a plain sentence, or empty.
    void loaded(const QStringList &missing, const QString &keychainError);

private:
    void settle(int generation);
    void noteError(const QString &message);

    KeychainStore *m_store;
    QMap<QString, QString> m_values;
    QStringList m_missing;
    QStringList m_order; // the lab's secret names, to report missing ones in declaration order
    QString m_keychainError;
    int m_pending = 0;
    int m_generation = 0; // results of an earlier load() that a newer one replaced are ignored
};
