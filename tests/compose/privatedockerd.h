#pragma once
// A dockerd of the test's own: private data root, exec root, pid file and unix socket under a
// temporary directory, no bridge, no iptables (containers use the host network). Started and
// stopped by pid; what it leaves (containerd, shims, mounts under its directory) is removed.
#include "childprocesssetup.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTest>

#include <algorithm>
#include <csignal>

#include <sys/mount.h>
#include <unistd.h>

class PrivateDockerd
{
public:
    struct Result
    {
        bool ok = false;
        int exitCode = -1;
        QString out; // stdout and stderr
    };

    static QString dockerdPath()
    {
        return QStandardPaths::findExecutable(QStringLiteral("dockerd"),
                                              {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin"), QStringLiteral("/usr/local/bin")});
    }

    // `dir` must be short: the engine's unix sockets live under it (sun_path holds ~100 bytes).
    bool start(const QString &dir, QString *error)
    {
        m_dir = dir;
        m_socket = dir + QStringLiteral("/docker.sock");
        m_process.setProgram(dockerdPath());
        m_process.setArguments({QStringLiteral("--iptables=false"), QStringLiteral("--ip-masq=false"),
                                QStringLiteral("--bridge=none"), QStringLiteral("--storage-driver=vfs"),
                                QStringLiteral("--log-level=warn"),
                                QStringLiteral("--data-root"), dir + QStringLiteral("/data"),
                                QStringLiteral("--exec-root"), dir + QStringLiteral("/exec"),
                                QStringLiteral("--pidfile"), dir + QStringLiteral("/docker.pid"),
                                QStringLiteral("-H"), host()});
        m_process.setStandardOutputFile(dir + QStringLiteral("/dockerd.log"));
        m_process.setStandardErrorFile(dir + QStringLiteral("/dockerd.log"), QIODevice::Append);
        ChildProcessSetup::apply(&m_process); // a crashed test must not leave its engine running
        m_process.start();
        if (!m_process.waitForStarted(10000)) {
            *error = m_process.errorString();
            return false;
        }
        m_pid = m_process.processId();
        QElapsedTimer wait;
        wait.start();
        while (wait.elapsed() < 60000 && m_process.state() == QProcess::Running) {
            if (QFileInfo::exists(m_socket) && docker({QStringLiteral("version")}, 5000).ok)
                break;
            QTest::qWait(100);
        }
        if (m_process.state() != QProcess::Running || !docker({QStringLiteral("version")}, 5000).ok) {
            *error = QStringLiteral("dockerd did not come up: see %1/dockerd.log").arg(dir);
            return false;
        }
        QFile containerdPid(dir + QStringLiteral("/exec/containerd/containerd.pid"));
        if (containerdPid.open(QIODevice::ReadOnly))
            m_containerdPid = containerdPid.readAll().trimmed().toLongLong();
        return true;
    }

    QString host() const { return QStringLiteral("unix://") + m_socket; }
    qint64 pid() const { return m_pid; }

    // The docker CLI against this engine only, whatever DOCKER_HOST / DOCKER_CONTEXT say.
    Result docker(const QStringList &args, int timeoutMs = 60000) const
    {
        return run(QStringLiteral("docker"), QStringList{QStringLiteral("-H"), host()} + args, {}, timeoutMs);
    }

    // Any tool with this engine as its DOCKER_HOST (make-images.sh, docker-compose).
    Result withEngine(const QString &program, const QStringList &args, int timeoutMs = 60000) const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DOCKER_HOST"), host());
        env.remove(QStringLiteral("DOCKER_CONTEXT"));
        return run(program, args, env, timeoutMs);
    }

    // Stops the engine (SIGTERM: it stops containerd and unmounts), then kills and unmounts
    // whatever still names its directory. Returns what could not be cleaned.
    QString stop()
    {
        if (m_dir.isEmpty())
            return {};
        if (m_process.state() != QProcess::NotRunning) {
            m_process.terminate();
            if (!m_process.waitForFinished(20000)) {
                m_process.kill();
                m_process.waitForFinished(5000);
            }
        }
        QElapsedTimer wait;
        wait.start();
        while (wait.elapsed() < 10000 && (!gone(m_containerdPid) || !processesMentioning(m_dir).isEmpty()))
            QTest::qWait(100);
        const QList<qint64> left = processesMentioning(m_dir);
        for (const qint64 pid : left) {
            qWarning("killing leftover pid %lld", pid);
            ::kill(static_cast<pid_t>(pid), SIGKILL);
        }
        if (!gone(m_containerdPid))
            ::kill(static_cast<pid_t>(m_containerdPid), SIGKILL);
        wait.restart();
        while (wait.elapsed() < 10000 && (!processesMentioning(m_dir).isEmpty() || !gone(m_containerdPid) || !gone(m_pid)))
            QTest::qWait(100);
        QString problems;
        if (!processesMentioning(m_dir).isEmpty() || !gone(m_containerdPid) || !gone(m_pid))
            problems = QStringLiteral("processes of the private dockerd are still running");
        // Mounts dockerd left behind (its data root, the netns file), deepest first.
        QFile mountinfo(QStringLiteral("/proc/self/mountinfo"));
        QStringList mounts;
        if (mountinfo.open(QIODevice::ReadOnly)) {
            const QList<QByteArray> lines = mountinfo.readAll().split('\n');
            for (const QByteArray &line : lines) {
                const QList<QByteArray> fields = line.split(' ');
                if (fields.size() > 4 && QString::fromUtf8(fields.at(4)).startsWith(m_dir))
                    mounts.append(QString::fromUtf8(fields.at(4)));
            }
        }
        std::sort(mounts.begin(), mounts.end(), [](const QString &a, const QString &b) { return a.size() > b.size(); });
        for (const QString &m : std::as_const(mounts))
            ::umount2(m.toLocal8Bit().constData(), MNT_DETACH);
        m_dir.clear();
        return problems;
    }

    static bool gone(qint64 pid)
    {
        if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0)
            return true;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly))
            return true;
        const QByteArray text = stat.readAll();
        const qsizetype paren = text.lastIndexOf(')');
        return paren > 0 && paren + 2 < text.size() && text.at(paren + 2) == 'Z'; // a zombie is gone too
    }

private:
    static Result run(const QString &program, const QStringList &args, const QProcessEnvironment &env, int timeoutMs)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        if (!env.isEmpty())
            p.setProcessEnvironment(env);
        p.start(program, args);
        Result r;
        if (!p.waitForStarted(10000))
            return r;
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished(5000);
            r.out = QStringLiteral("timed out");
            return r;
        }
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.ok = r.exitCode == 0;
        r.out = QString::fromUtf8(p.readAll());
        return r;
    }

    // Processes whose command line names the engine's directory: the daemons and shims it started.
    static QList<qint64> processesMentioning(const QString &dir)
    {
        QList<qint64> pids;
        const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        for (const QString &e : entries) {
            bool ok = false;
            const qint64 pid = e.toLongLong(&ok);
            if (!ok || pid == ::getpid())
                continue;
            QFile f(QStringLiteral("/proc/%1/cmdline").arg(pid));
            if (f.open(QIODevice::ReadOnly) && f.readAll().contains(dir.toUtf8()) && !gone(pid))
                pids.append(pid);
        }
        return pids;
    }

    QString m_dir;
    QString m_socket;
    QProcess m_process;
    qint64 m_pid = 0;
    qint64 m_containerdPid = 0;
};
