#include "processscope.h"

#include "cgroupv2.h"
#include "childprocesssetup.h"
#include "consolewatchdog.h"

#include <QFile>
#include <QProcess>
#include <QTimer>

#include <csignal>

#include <fcntl.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcScope, "halab.runners.scope", QtWarningMsg)

ProcessScope::ProcessScope(const QString &name, QObject *parent)
    : QObject(parent)
    , m_name(name)
    , m_method(consoleMethod())
    , m_trackTimer(new QTimer(this))
    , m_endTimer(new QTimer(this))
{
    connect(m_trackTimer, &QTimer::timeout, this, &ProcessScope::track);
    m_trackTimer->setInterval(TrackIntervalMs);
    m_endTimer->setInterval(EndPollMs);
    connect(m_endTimer, &QTimer::timeout, this, &ProcessScope::pollEnd);
}

ProcessScope::~ProcessScope()
{
    closeProcsFd();
    if (!isEmpty())
        kill();
    release();
}

namespace {
// Clock ticks since boot, the unit of /proc/<pid>/stat's start time.
quint64 uptimeTicks()
{
    QFile uptime(QStringLiteral("/proc/uptime"));
    if (!uptime.open(QIODevice::ReadOnly))
        return 0;
    const double seconds = uptime.readAll().split(' ').value(0).toDouble();
    return static_cast<quint64>(seconds * double(::sysconf(_SC_CLK_TCK)));
}

// The console's cgroup directory, with the watchdog that removes it started first.
QString consoleRoot(QString *why = nullptr)
{
    ConsoleWatchdog::ensureStarted();
    const QString root = CgroupV2::consoleRoot(why);
    if (!root.isEmpty())
        ConsoleWatchdog::setCgroupRoot(root);
    return root;
}
} // namespace

ProcessScope::Method ProcessScope::consoleMethod()
{
    return consoleRoot().isEmpty() ? Method::TreeWalk : Method::Cgroup;
}

QString ProcessScope::methodDescription()
{
    QString why;
    const QString root = consoleRoot(&why);
    if (!root.isEmpty())
        return QStringLiteral("cgroup v2 (%1)").arg(root);
    return QStringLiteral("process tree walk by parent, group and session (no cgroup v2: %1)").arg(why);
}

bool ProcessScope::prepare(QProcess *process, QString *error, const ChildProcessSetup::Options &base)
{
    ChildProcessSetup::Options options = base;
    if (m_method == Method::Cgroup) {
        if (m_cgroup.isEmpty()) {
            m_cgroup = CgroupV2::createScope(m_name, error);
            if (m_cgroup.isEmpty())
                return false;
        } else {
            CgroupV2::setFrozen(m_cgroup, false); // a kill while paused leaves the cgroup frozen
        }
        closeProcsFd();
        m_procsFd = ::open(QFile::encodeName(m_cgroup + QStringLiteral("/cgroup.procs")).constData(), O_WRONLY | O_CLOEXEC);
        if (m_procsFd < 0) {
            if (error)
                *error = QStringLiteral("cannot open %1/cgroup.procs").arg(m_cgroup);
            return false;
        }
        options.cgroupProcsFd = m_procsFd;
        // The child has written itself into the cgroup once the process runs or failed.
        connect(process, &QProcess::stateChanged, this, [this](QProcess::ProcessState state) {
            if (state != QProcess::Starting)
                closeProcsFd();
        });
    } else {
        options.subreaper = true;
        // Inherited by every descendant that keeps its environment: finds orphans whose
        // subreaper is gone (a step's `sh -c` that exits right after `setsid cmd &`).
        static int counter = 0;
        if (m_token.isEmpty())
            m_token = QByteArray::number(::getpid()) + '-' + QByteArray::number(ProcessTree::startTime(::getpid())) + '-'
                      + QByteArray::number(++counter);
        // Its descendants start after this (a main process that exits at once leaves no start time).
        m_preparedTicks = uptimeTicks();
        QProcessEnvironment env = process->processEnvironment();
        if (env.isEmpty())
            env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HALAB_SCOPE"), QString::fromLatin1(m_token));
        process->setProcessEnvironment(env);
    }
    ChildProcessSetup::apply(process, options);
    return true;
}

void ProcessScope::setMainProcess(qint64 pid)
{
    closeProcsFd();
    m_mainPid = pid;
    // A main process that already exited (a zombie not reaped yet) keeps its start time.
    const auto info = ProcessTree::info(pid);
    m_mainStart = info ? info->startTime : 0;
    // The child made itself a group leader before exec; anything else is never signalled as a group.
    m_pgid = ::getpgid(static_cast<pid_t>(pid)) == pid ? pid : 0;
    if (m_method == Method::TreeWalk) {
        if (m_mainStart != 0) { // 0: already reaped; a bare pid may belong to someone else now
            m_known.insert({pid, m_mainStart});
            ConsoleWatchdog::track(pid, m_mainStart);
        }
        m_trackTimer->start();
        // Daemons are born while a service starts: look early, then every TrackIntervalMs.
        for (const int ms : {10, 50, 100})
            QTimer::singleShot(ms, this, [this] { if (m_trackTimer->isActive()) track(); });
    }
}

QList<ProcessTree::Info> ProcessScope::members() const
{
    QList<ProcessTree::Info> result;
    if (m_method == Method::Cgroup) {
        const QList<qint64> ids = CgroupV2::pids(m_cgroup);
        for (const qint64 pid : ids)
            if (const auto info = ProcessTree::info(pid); info && info->state != 'Z')
                result.append(*info);
        return result;
    }
    QList<std::pair<qint64, quint64>> roots(m_known.cbegin(), m_known.cend());
    if (m_mainPid && m_mainStart)
        roots.append({m_mainPid, m_mainStart});
    if (!m_token.isEmpty() && m_preparedTicks != 0) {
        // Each process's environment is read once: only those born since the scope started.
        const QByteArray needle = QByteArray("HALAB_SCOPE=") + m_token;
        if (m_foreign.size() > 100'000)
            m_foreign.clear();
        const QList<ProcessTree::Info> everyone = ProcessTree::all();
        for (const ProcessTree::Info &i : everyone) {
            const std::pair<qint64, quint64> key{i.pid, i.startTime};
            if (i.state == 'Z' || i.startTime + 1 < m_preparedTicks || m_known.contains(key) || m_foreign.contains(key))
                continue;
            QFile environ(QStringLiteral("/proc/%1/environ").arg(i.pid));
            const QByteArray text = environ.open(QIODevice::ReadOnly) ? environ.readAll() : QByteArray();
            if (text.split('\0').contains(needle))
                roots.append(key);
            else if (!text.isEmpty()) // empty while it execs: look again next time
                m_foreign.insert(key);
        }
    }
    return ProcessTree::tree(roots, m_pgid);
}

void ProcessScope::track()
{
    const QList<ProcessTree::Info> now = members();
    QSet<std::pair<qint64, quint64>> live;
    for (const ProcessTree::Info &i : now) {
        const std::pair<qint64, quint64> key{i.pid, i.startTime};
        live.insert(key);
        if (!m_known.contains(key))
            ConsoleWatchdog::track(i.pid, i.startTime);
    }
    for (const auto &key : std::as_const(m_known))
        if (!live.contains(key) && !(key.first == m_mainPid && ProcessTree::isAlive(key.first, key.second)))
            ConsoleWatchdog::untrack(key.first);
    m_known = live; // the timer runs until release(): an orphan may still turn up by its token
}

bool ProcessScope::signalMain(int signal)
{
    if (!ProcessTree::isAlive(m_mainPid, m_mainStart))
        return false;
    return ::kill(static_cast<pid_t>(m_mainPid), signal) == 0;
}

void ProcessScope::kill()
{
    if (m_method == Method::Cgroup) {
        if (m_cgroup.isEmpty())
            return; // nothing started yet, or everything already gone and removed
        if (!CgroupV2::kill(m_cgroup))
            qCWarning(lcScope).noquote() << "cgroup.kill failed for" << m_cgroup;
        return;
    }
    // Stop first, then kill: a member that forks or calls setsid() between the walk and the
    // kill would escape; a stopped one cannot, and once a parent dies its children are lost.
    stopAll();
    if (m_pgid > 1)
        ::kill(static_cast<pid_t>(-m_pgid), SIGKILL);
    for (const auto &[pid, start] : std::as_const(m_known))
        if (ProcessTree::isAlive(pid, start))
            ::kill(static_cast<pid_t>(pid), SIGKILL);
}

void ProcessScope::stopAll()
{
    // A stopped process forks no more (a pending signal restarts fork): walk and stop until a
    // walk finds nobody new.
    QSet<std::pair<qint64, quint64>> stopped;
    for (int round = 0; round < 16; ++round) {
        track();
        bool fresh = false;
        if (m_pgid > 1)
            ::kill(static_cast<pid_t>(-m_pgid), SIGSTOP);
        for (const auto &key : std::as_const(m_known)) {
            if (stopped.contains(key))
                continue;
            ::kill(static_cast<pid_t>(key.first), SIGSTOP);
            stopped.insert(key);
            fresh = true;
        }
        if (!fresh)
            break;
    }
}

void ProcessScope::freeze()
{
    if (m_method == Method::Cgroup) {
        if (!CgroupV2::setFrozen(m_cgroup, true))
            qCWarning(lcScope).noquote() << "cgroup.freeze failed for" << m_cgroup;
        return;
    }
    stopAll();
}

void ProcessScope::thaw()
{
    if (m_method == Method::Cgroup) {
        if (!CgroupV2::setFrozen(m_cgroup, false))
            qCWarning(lcScope).noquote() << "cgroup.freeze 0 failed for" << m_cgroup;
        return;
    }
    track();
    for (const auto &[pid, start] : std::as_const(m_known))
        if (ProcessTree::isAlive(pid, start))
            ::kill(static_cast<pid_t>(pid), SIGCONT);
}

bool ProcessScope::isFrozen() const
{
    if (m_method == Method::Cgroup)
        return CgroupV2::isFrozen(m_cgroup);
    const QList<ProcessTree::Info> now = members();
    for (const ProcessTree::Info &i : now)
        if (i.state != 'T')
            return false;
    return !now.isEmpty();
}

bool ProcessScope::isEmpty() const
{
    if (m_method == Method::Cgroup)
        return m_cgroup.isEmpty() || !CgroupV2::isPopulated(m_cgroup);
    return members().isEmpty();
}

QList<qint64> ProcessScope::pids() const
{
    QList<qint64> result;
    const QList<ProcessTree::Info> now = members();
    for (const ProcessTree::Info &i : now)
        result.append(i.pid);
    return result;
}

void ProcessScope::end()
{
    m_ending = true;
    kill();
    m_endPolls = 0;
    if (!m_endTimer->isActive())
        m_endTimer->start();
    // Never ended() from inside end(): callers finish their own bookkeeping first.
    QTimer::singleShot(0, this, &ProcessScope::pollEnd);
}

void ProcessScope::pollEnd()
{
    if (!m_ending)
        return;
    const bool empty = isEmpty();
    if (!empty && ++m_endPolls * EndPollMs < EndTimeoutMs) {
        if (m_endPolls % 20 == 0)
            kill(); // a tree-walk member may have forked after the last walk
        return;
    }
    if (!empty)
        qCWarning(lcScope).noquote() << m_name << "still has processes" << pids() << "after" << EndTimeoutMs << "ms";
    m_endTimer->stop();
    m_ending = false;
    release();
    Q_EMIT ended();
}

void ProcessScope::release()
{
    m_trackTimer->stop();
    for (const auto &key : std::as_const(m_known))
        ConsoleWatchdog::untrack(key.first);
    m_known.clear();
    if (!m_cgroup.isEmpty() && CgroupV2::remove(m_cgroup))
        m_cgroup.clear();
}

void ProcessScope::closeProcsFd()
{
    if (m_procsFd >= 0)
        ::close(m_procsFd);
    m_procsFd = -1;
}
