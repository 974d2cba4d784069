#include "dockerjob.h"

#include "childprocesssetup.h"

#include <QFile>
#include <QPointer>
#include <QProcess>
#include <QTimer>

#include <chrono>
#include <utility>

DockerJob::DockerJob(const QString &program, const QStringList &arguments, const QProcessEnvironment &env,
                     qint64 timeoutMs, QObject *parent)
    : QObject(parent)
    , m_program(program)
    , m_arguments(arguments)
    , m_timeoutMs(timeoutMs)
    , m_process(new QProcess(this))
    , m_timer(new QTimer(this))
{
    m_result.command = commandLine();
    m_result.timeoutMs = timeoutMs;
    m_process->setProgram(program);
    m_process->setArguments(arguments);
    m_process->setProcessEnvironment(env);
    m_process->setProcessChannelMode(QProcess::SeparateChannels);
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, [this]() {
        m_result.timedOut = true;
        m_process->kill(); // finished() follows and reports
    });
    // Drained as it arrives: a chatty CLI must never block on a full pipe.
    connect(m_process, &QProcess::readyReadStandardOutput, this, &DockerJob::collect);
    connect(m_process, &QProcess::readyReadStandardError, this, &DockerJob::collect);
    connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        collect();
        m_result.exitCode = status == QProcess::CrashExit ? -1 : code;
        finish();
    });
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart)
            return; // crashes and kills arrive through finished()
        m_result.started = false;
        m_result.startError = m_process->errorString();
        finish();
    });
}

DockerJob::~DockerJob()
{
    m_timer->stop();
    removeFiles();
    if (m_process->state() == QProcess::NotRunning)
        return;
    // Cancelled: no report, and no waiting on the caller's thread; the process is reaped later.
    m_process->disconnect();
    m_process->setParent(nullptr);
    QProcess *orphan = m_process;
    connect(orphan, &QProcess::finished, orphan, &QObject::deleteLater);
    orphan->kill();
}

void DockerJob::setWorkingDirectory(const QString &dir)
{
    m_process->setWorkingDirectory(dir);
}

void DockerJob::removeWhenDone(const QString &path)
{
    if (!path.isEmpty())
        m_filesToRemove.append(path);
}

void DockerJob::removeFiles()
{
    for (const QString &path : std::as_const(m_filesToRemove))
        QFile::remove(path);
    m_filesToRemove.clear();
}

QString DockerJob::commandLine() const
{
    return (QStringList{m_program} + m_arguments).join(QLatin1Char(' '));
}

void DockerJob::start()
{
    ChildProcessSetup::apply(m_process);
    if (m_timeoutMs > 0)
        m_timer->start(std::chrono::milliseconds(m_timeoutMs));
    m_process->start(QIODevice::ReadOnly);
}

void DockerJob::collect()
{
    m_result.out += m_process->readAllStandardOutput();
    m_result.err += m_process->readAllStandardError();
    // Bounded: anything beyond is a runaway, and the caller only reads the head.
    if (m_result.out.size() > MaxOutputBytes)
        m_result.out.truncate(MaxOutputBytes);
    if (m_result.err.size() > MaxOutputBytes)
        m_result.err.truncate(MaxOutputBytes);
}

void DockerJob::finish()
{
    if (m_done)
        return;
    m_done = true;
    m_timer->stop();
    removeFiles();
    // Queued: start() may fail synchronously, before the caller connected to finished().
    QTimer::singleShot(0, this, [this]() {
        const QPointer<DockerJob> self(this);
        Q_EMIT finished(m_result);
        if (self) // a receiver may have deleted it
            deleteLater();
    });
}
