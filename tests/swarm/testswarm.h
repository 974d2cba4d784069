#pragma once

// Test-side machinery for swarm tests: network namespaces this test makes, private dockerds
// started inside them (their own data root, exec root, socket and hostname, no bridge, no
// iptables), and the cleanup that leaves nothing behind (daemons by pid, containers' processes,
// mounts, namespaces, directories). Blocking calls are fine here: this is the test, never the
// console.

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <csignal>
#include <memory>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

namespace TestSwarm {

struct ToolResult
{
    bool ok = false;
    int exitCode = -1;
    QString out;
};

inline ToolResult runTool(const QString &program, const QStringList &args, int timeoutMs = 60000,
                          const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    ToolResult r;
    if (!p.waitForStarted(10000)) {
        r.out = p.errorString();
        return r;
    }
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        r.out = QStringLiteral("timed out: ") + program + QLatin1Char(' ') + args.join(QLatin1Char(' '));
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.ok = r.exitCode == 0;
    r.out = QString::fromUtf8(p.readAll());
    return r;
}

inline bool alive(qint64 pid)
{
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0)
        return false;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = stat.readAll();
    const qsizetype paren = text.lastIndexOf(')');
    return !(paren > 0 && paren + 2 < text.size() && text.at(paren + 2) == 'Z'); // a zombie is gone
}

// Processes whose command line names dir: the daemons and shims started for it.
inline QList<qint64> processesMentioning(const QString &dir)
{
    QList<qint64> pids;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &e : entries) {
        bool ok = false;
        const qint64 pid = e.toLongLong(&ok);
        if (!ok || pid == ::getpid())
            continue;
        QFile f(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(dir.toUtf8()) && alive(pid))
            pids.append(pid);
    }
    return pids;
}

// Processes inside a network namespace (by its inode): what a killed daemon's containers left.
inline QList<qint64> processesInNetns(const QString &netnsPath)
{
    QList<qint64> pids;
    struct ::stat want {};
    if (::stat(netnsPath.toLocal8Bit().constData(), &want) != 0)
        return pids;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &e : entries) {
        bool ok = false;
        const qint64 pid = e.toLongLong(&ok);
        if (!ok || pid == ::getpid())
            continue;
        struct ::stat st {};
        if (::stat(QStringLiteral("/proc/%1/ns/net").arg(pid).toLocal8Bit().constData(), &st) == 0 && st.st_ino == want.st_ino
            && st.st_dev == want.st_dev && alive(pid))
            pids.append(pid);
    }
    return pids;
}

// What a machine needs to run these tests; empty when all is there, else why not.
inline QString missingPrerequisites()
{
    if (::geteuid() != 0)
        return QStringLiteral("swarm tests start private dockerds in network namespaces: run them as root");
    for (const QString &tool : {QStringLiteral("dockerd"), QStringLiteral("docker"), QStringLiteral("nsenter"),
                                QStringLiteral("unshare"), QStringLiteral("ip")})
        if (QStandardPaths::findExecutable(tool, {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin"), QStringLiteral("/sbin"),
                                                  QStringLiteral("/bin"), QStringLiteral("/usr/local/bin")}).isEmpty())
            return QStringLiteral("%1 is not installed (apt-get install docker.io iproute2 util-linux)").arg(tool);
    for (const QString &bin : {QStringLiteral("/usr/bin/redis-server"), QStringLiteral("/usr/sbin/nginx"),
                               QStringLiteral(HALAB_BIN_DIR "/halab-demo-api")})
        if (!QFileInfo(bin).isExecutable())
            return bin + QStringLiteral(" is missing: the demo images are made from it");
    return {};
}

// A network namespace this test made, with its loopback up.
class Netns
{
public:
    explicit Netns(const QString &name) : m_name(name) {}
    ~Netns() { remove(); }

    bool create(QString *error)
    {
        const ToolResult r = runTool(QStringLiteral("ip"), {QStringLiteral("netns"), QStringLiteral("add"), m_name});
        if (!r.ok) {
            *error = r.out;
            return false;
        }
        m_made = true;
        const ToolResult lo = exec({QStringLiteral("ip"), QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("lo"), QStringLiteral("up")});
        if (!lo.ok)
            *error = lo.out;
        return lo.ok;
    }
    // A one-shot command inside it (nsenter: /sys stays the host's, unlike `ip netns exec`).
    ToolResult exec(const QStringList &argv, int timeoutMs = 30000) const
    {
        return runTool(QStringLiteral("nsenter"), QStringList{QStringLiteral("--net=") + path()} + argv, timeoutMs);
    }
    void remove()
    {
        if (!m_made)
            return;
        // Whatever still runs in it (a killed daemon's containers) goes first.
        for (const qint64 pid : processesInNetns(path()))
            ::kill(static_cast<pid_t>(pid), SIGKILL);
        runTool(QStringLiteral("ip"), {QStringLiteral("netns"), QStringLiteral("del"), m_name});
        m_made = false;
    }
    QString name() const { return m_name; }
    QString path() const { return QStringLiteral("/var/run/netns/") + m_name; }
    bool exists() const { return QFileInfo::exists(path()); }

private:
    QString m_name;
    bool m_made = false;
};

// A dockerd of this test inside a namespace, with its own hostname (its swarm node name).
class Dockerd
{
public:
    Dockerd(const QString &dir, const QString &netnsPath, const QString &hostname)
        : m_dir(dir), m_netns(netnsPath), m_hostname(hostname)
    {
    }
    ~Dockerd() { stop(); }

    QString socket() const { return m_dir + QStringLiteral("/docker.sock"); }
    QString host() const { return QStringLiteral("unix://") + socket(); }
    qint64 pid() const { return m_pid; }
    QString dir() const { return m_dir; }

    QProcessEnvironment environment() const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DOCKER_HOST"), host());
        return env;
    }
    ToolResult docker(const QStringList &args, int timeoutMs = 60000) const
    {
        return runTool(QStringLiteral("docker"), args, timeoutMs, environment());
    }

    bool start(QString *error)
    {
        QDir().mkpath(m_dir);
        const QString dockerd = QStandardPaths::findExecutable(QStringLiteral("dockerd"), {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin"),
                                                                                            QStringLiteral("/usr/local/bin")});
        // nsenter and unshare exec (no fork) and so does sh: the process started is dockerd itself.
        const QString script = QStringLiteral("hostname %1 && exec %2 --iptables=false --ip-masq=false --bridge=none "
                                              "--storage-driver=vfs --log-level=warn --data-root %3/data --exec-root %3/exec "
                                              "--pidfile %3/docker.pid -H unix://%3/docker.sock")
                                   .arg(m_hostname, dockerd, m_dir);
        m_process = std::make_unique<QProcess>();
        m_process->setProgram(QStringLiteral("nsenter"));
        m_process->setArguments({QStringLiteral("--net=") + m_netns, QStringLiteral("unshare"), QStringLiteral("--uts"),
                                 QStringLiteral("sh"), QStringLiteral("-c"), script});
        m_process->setStandardOutputFile(m_dir + QStringLiteral("/dockerd.log"));
        m_process->setStandardErrorFile(m_dir + QStringLiteral("/dockerd.log"), QIODevice::Append);
        m_process->start();
        if (!m_process->waitForStarted(10000)) {
            *error = m_process->errorString();
            return false;
        }
        m_pid = m_process->processId();
        QElapsedTimer wait;
        wait.start();
        while (wait.elapsed() < 30000) {
            if (m_process->state() != QProcess::Running) {
                *error = QStringLiteral("dockerd exited: ") + log();
                return false;
            }
            if (QFileInfo::exists(socket()) && docker({QStringLiteral("version")}, 5000).ok)
                break;
            QThread::msleep(100);
        }
        QFile containerdPid(m_dir + QStringLiteral("/exec/containerd/containerd.pid"));
        if (containerdPid.open(QIODevice::ReadOnly))
            m_containerdPid = containerdPid.readAll().trimmed().toLongLong();
        if (!docker({QStringLiteral("version")}, 5000).ok) {
            *error = QStringLiteral("dockerd did not answer within 30 s: ") + log();
            return false;
        }
        return true;
    }

    QString log() const
    {
        QFile f(m_dir + QStringLiteral("/dockerd.log"));
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll().right(3000)) : QString();
    }

    // SIGKILL the daemon alone (a node that dies): its containerd and containers are left.
    void killDaemon()
    {
        if (m_pid > 0)
            ::kill(static_cast<pid_t>(m_pid), SIGKILL);
        if (m_process)
            m_process->waitForFinished(10000);
    }

    // Everything of this daemon ends, and its mounts go: nothing is left of it.
    void stop()
    {
        if (!m_process)
            return;
        if (m_process->state() != QProcess::NotRunning) {
            m_process->terminate(); // dockerd stops containerd and unmounts what it mounted
            if (!m_process->waitForFinished(30000)) {
                m_process->kill();
                m_process->waitForFinished(5000);
            }
        }
        QElapsedTimer wait;
        wait.start();
        while (wait.elapsed() < 10000 && (alive(m_containerdPid) || !processesMentioning(m_dir).isEmpty()))
            QThread::msleep(100);
        for (const qint64 pid : processesMentioning(m_dir))
            ::kill(static_cast<pid_t>(pid), SIGKILL);
        if (alive(m_containerdPid))
            ::kill(static_cast<pid_t>(m_containerdPid), SIGKILL);
        wait.restart();
        while (wait.elapsed() < 10000 && !processesMentioning(m_dir).isEmpty())
            QThread::msleep(100);
        unmountUnder(m_dir);
        m_process.reset();
    }

    bool leftNothing() const { return !alive(m_pid) && !alive(m_containerdPid) && processesMentioning(m_dir).isEmpty(); }

    static void unmountUnder(const QString &dir)
    {
        QFile mountinfo(QStringLiteral("/proc/self/mountinfo"));
        QStringList mounts;
        if (mountinfo.open(QIODevice::ReadOnly)) {
            const QList<QByteArray> lines = mountinfo.readAll().split('\n');
            for (const QByteArray &line : lines) {
                const QList<QByteArray> fields = line.split(' ');
                if (fields.size() > 4 && QString::fromUtf8(fields.at(4)).startsWith(dir))
                    mounts.append(QString::fromUtf8(fields.at(4)));
            }
        }
        std::sort(mounts.begin(), mounts.end(), [](const QString &a, const QString &b) { return a.size() > b.size(); });
        for (const QString &m : std::as_const(mounts))
            ::umount2(m.toLocal8Bit().constData(), MNT_DETACH);
    }

private:
    QString m_dir;
    QString m_netns;
    QString m_hostname;
    std::unique_ptr<QProcess> m_process;
    qint64 m_pid = 0;
    qint64 m_containerdPid = 0;
};

// The demo images (make-images.sh) in the engine env's DOCKER_HOST names.
inline ToolResult makeImages(const Dockerd &d)
{
    return runTool(QStringLiteral(HALAB_SOURCE_DIR "/demo/compose/make-images.sh"), {QStringLiteral(HALAB_BIN_DIR)}, 180000,
                   d.environment());
}

} // namespace TestSwarm
