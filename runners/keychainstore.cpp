#include "keychainstore.h"

#include <qt6keychain/keychain.h>

#include <QRegularExpression>
#include <QTimer>

namespace {

// QtKeychain's libsecret backend reports "nobody answers on D-Bus" as OtherError with GLib's
// text; these are the texts GDBus and libsecret use for that case.
bool looksUnreachable(const QString &detail)
{
    static const QRegularExpression re(QStringLiteral(
        "could not connect|cannot autolaunch|autolaunch|not provided by any \\.service files|"
        "serviceunknown|org\\.freedesktop\\.secrets|no such file or directory|connection refused|"
        "dbus_session_bus_address|failed to execute program|disconnected|no backend"),
        QRegularExpression::CaseInsensitiveOption);
    return re.match(detail).hasMatch();
}

// gnome-keyring without an unlocked default collection (no desktop login, prompt impossible).
bool looksLocked(const QString &detail)
{
    static const QRegularExpression re(QStringLiteral("collection|prompt|locked"), QRegularExpression::CaseInsensitiveOption);
    return re.match(detail).hasMatch();
}

} // namespace

KeychainJob::KeychainJob(QKeychain::Job *job, const QString &labId, const QString &name, int timeoutMs, QObject *parent)
    : QObject(parent)
    , m_job(job)
    , m_timer(new QTimer(this))
    , m_labId(labId)
    , m_name(name)
{
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, &KeychainJob::onTimeout);
    if (!m_job) {
        // No keychain job could be made (bad key): still answer asynchronously, like every job.
        QTimer::singleShot(0, this, [this] {
            finish(false, QString(), OtherError,
                   tr("The lab has no 'id'; keychain entries are stored under it. Add 'id:' to the lab file."));
        });
        return;
    }
    connect(m_job.data(), &QKeychain::Job::finished, this, &KeychainJob::onKeychainFinished);
    m_timer->start(timeoutMs);
    // Started from the event loop so finished() can never fire before the caller has connected.
    QTimer::singleShot(0, this, [this] {
        if (m_job) {
            m_started = true;
            m_job->start();
        }
    });
}

KeychainJob::~KeychainJob()
{
    // A QtKeychain job deletes itself once started; one that never started would leak.
    if (m_job && !m_started)
        delete m_job.data();
}

void KeychainJob::onKeychainFinished()
{
    if (!m_job || m_done)
        return;
    const QKeychain::Error error = m_job->error();
    const QString detail = m_job->errorString();
    const QString key = KeychainStore::key(m_labId, m_name);
    switch (error) {
    case QKeychain::NoError: {
        QString value;
        if (auto *read = qobject_cast<QKeychain::ReadPasswordJob *>(m_job.data()))
            value = read->textData();
        finish(true, value, NoError, QString());
        return;
    }
    case QKeychain::EntryNotFound:
        finish(false, QString(), Missing, tr("%1 is not in the keychain.").arg(key));
        return;
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        finish(false, QString(), AccessDenied,
               tr("The keychain refused access to %1 (%2). Unlock the keyring and try again.").arg(key, detail));
        return;
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        finish(false, QString(), NoSecretService, KeychainStore::noSecretServiceMessage(detail));
        return;
    case QKeychain::OtherError:
    case QKeychain::CouldNotDeleteEntry:
        if (looksUnreachable(detail))
            finish(false, QString(), NoSecretService, KeychainStore::noSecretServiceMessage(detail));
        else if (looksLocked(detail))
            finish(false, QString(), AccessDenied,
                   tr("The keyring is locked or has no default collection (%1). Unlock it (a desktop login does) or start "
                      "an unlocked one with `gnome-keyring-daemon --unlock --components=secrets`, then try again.")
                       .arg(detail));
        else
            finish(false, QString(), OtherError, tr("The keychain failed on %1: %2").arg(key, detail));
        return;
    }
    finish(false, QString(), OtherError, tr("The keychain failed on %1: %2").arg(key, detail));
}

void KeychainJob::onTimeout()
{
    // The QtKeychain job keeps running and deletes itself; its late answer is ignored.
    if (m_job)
        disconnect(m_job.data(), nullptr, this, nullptr);
    finish(false, QString(), TimedOut,
           tr("The keychain did not answer within %1 s (is it locked, waiting for an unlock prompt?).")
               .arg(m_timer->interval() / 1000));
}

void KeychainJob::finish(bool ok, const QString &value, Error kind, const QString &message)
{
    if (m_done)
        return;
    m_done = true;
    m_timer->stop();
    Q_EMIT finished(ok, value, kind, message);
    deleteLater();
}

KeychainStore::KeychainStore(QObject *parent)
    : QObject(parent)
{
}

QString KeychainStore::serviceName()
{
    return QStringLiteral("halab");
}

QString KeychainStore::key(const QString &labId, const QString &name)
{
    return labId + QLatin1Char('/') + name;
}

QString KeychainStore::noSecretServiceMessage(const QString &detail)
{
    return tr("No Secret Service is running (%1). Start one, e.g. `gnome-keyring-daemon --unlock --components=secrets` "
              "inside a D-Bus session, or use HALAB_SECRET_<NAME> environment variables in CI.")
        .arg(detail.trimmed().isEmpty() ? tr("no keychain backend answered") : detail.trimmed());
}

KeychainJob *KeychainStore::start(QKeychain::Job *job, const QString &labId, const QString &name)
{
    if (labId.isEmpty()) {
        delete job;
        job = nullptr;
    } else {
        job->setAutoDelete(true);
        job->setInsecureFallback(false); // never plaintext: a missing keychain is an error, not a file
        job->setKey(key(labId, name));
    }
    return new KeychainJob(job, labId, name, m_timeoutMs, this);
}

KeychainJob *KeychainStore::read(const QString &labId, const QString &name)
{
    return start(new QKeychain::ReadPasswordJob(serviceName()), labId, name);
}

KeychainJob *KeychainStore::write(const QString &labId, const QString &name, const QString &value)
{
    auto *job = new QKeychain::WritePasswordJob(serviceName());
    job->setTextData(value);
    return start(job, labId, name);
}

KeychainJob *KeychainStore::remove(const QString &labId, const QString &name)
{
    return start(new QKeychain::DeletePasswordJob(serviceName()), labId, name);
}
