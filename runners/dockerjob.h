#pragma once

#include <QByteArray>
#include <QObject>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

class QProcess;
class QTimer;

// One run of the docker / docker-compose CLI with a time limit. Reports exactly once through
// finished() (also when the program is missing or the limit ran out), then deletes itself.
// Deleting it earlier cancels the run without a report and without waiting for the process.
class DockerJob : public QObject
{
    Q_OBJECT

public:
    struct Result
    {
        bool started = true;   // false: the program could not be run (not installed, not executable)
        bool timedOut = false; // the time limit ran out and the process was killed
        int exitCode = -1;     // -1 when it crashed or never ran
        QByteArray out;
        QByteArray err;
        QString startError;    // why it could not be run
        QString command;       // the command line, for messages
        qint64 timeoutMs = 0;

        bool ok() const { return started && !timedOut && exitCode == 0; }
    };

    static constexpr qint64 MaxOutputBytes = 16 * 1024 * 1024;

    DockerJob(const QString &program, const QStringList &arguments, const QProcessEnvironment &env,
              qint64 timeoutMs, QObject *parent = nullptr);
    ~DockerJob() override;

    void setWorkingDirectory(const QString &dir);
    // Removed when the job finishes or is cancelled (a compose override file holding secrets).
    void removeWhenDone(const QString &path);
    void start();

    QString program() const { return m_program; }
    // "docker compose -p x up -d": for messages and logs (arguments never hold secrets).
    QString commandLine() const;
    qint64 timeoutMs() const { return m_timeoutMs; }

Q_SIGNALS:
    void finished(const DockerJob::Result &result);

private:
    void finish();
    void removeFiles();
    void collect();

    QString m_program;
    QStringList m_arguments;
    qint64 m_timeoutMs = 0;
    QProcess *m_process = nullptr;
    QTimer *m_timer = nullptr;
    Result m_result;
    QStringList m_filesToRemove;
    bool m_done = false;
};
