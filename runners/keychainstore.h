#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

class QTimer;
namespace QKeychain {
class Job;
}

// One asynchronous keychain operation. Emits finished() exactly once, always after the call that
// created it has returned, then deletes itself (deleteLater).
class KeychainJob : public QObject
{
    Q_OBJECT

public:
    enum Error {
        NoError,
        Missing,         // no such entry: a normal outcome, not a failure of the keychain
        NoSecretService, // nothing answers on D-Bus (or no backend at all); message says what to do
        AccessDenied,    // the keychain is locked or the user refused
        TimedOut,        // no answer within KeychainStore::timeoutMs() (e.g. an unlock prompt nobody sees)
        OtherError
    };
    Q_ENUM(Error)

    ~KeychainJob() override;

    QString labId() const { return m_labId; }
    QString name() const { return m_name; }

Q_SIGNALS:
    // value is the secret for a successful read, empty otherwise. message is a plain sentence.
    void finished(bool ok, const QString &value, KeychainJob::Error kind, const QString &message);

private:
    friend class KeychainStore;
    KeychainJob(QKeychain::Job *job, const QString &labId, const QString &name, int timeoutMs, QObject *parent);
    void onKeychainFinished();
    void onTimeout();
    void finish(bool ok, const QString &value, Error kind, const QString &message);

    QPointer<QKeychain::Job> m_job;
    QTimer *m_timer = nullptr;
    QString m_labId;
    QString m_name;
    bool m_started = false;
    bool m_done = false;
};

// The OS keychain (Secret Service on Linux, through QtKeychain). Entries live under service
// "halab", key "<labId>/<NAME>". Never falls back to plaintext storage.
class KeychainStore : public QObject
{
    Q_OBJECT

public:
    explicit KeychainStore(QObject *parent = nullptr);

    KeychainJob *read(const QString &labId, const QString &name);
    KeychainJob *write(const QString &labId, const QString &name, const QString &value);
    KeychainJob *remove(const QString &labId, const QString &name);

    // How long a job may wait for the keychain before it reports TimedOut (default 120 s: long
    // enough for a person to answer an unlock prompt).
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }
    int timeoutMs() const { return m_timeoutMs; }

    static QString serviceName(); // "halab"
    static QString key(const QString &labId, const QString &name);
    // "No Secret Service is running (detail). Start one, e.g. … or use HALAB_SECRET_<NAME> …"
    static QString noSecretServiceMessage(const QString &detail);

private:
    KeychainJob *start(QKeychain::Job *job, const QString &labId, const QString &name);

    int m_timeoutMs = 120000;
};
