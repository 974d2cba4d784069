#include "cgroupv2.h"

#include "processtree.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include <utility>

#include <sys/stat.h>
#include <unistd.h>

namespace CgroupV2 {
namespace {
QByteArray readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return {};
    return f.readAll(); // pseudo files: size() is 0, read to the end
}

bool writeFile(const QString &path, const QByteArray &value)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Unbuffered))
        return false;
    return f.write(value) == value.size();
}

// The value of `key` in a "key value" file such as cgroup.events.
QByteArray field(const QString &file, const QByteArray &key)
{
    const QByteArray prefix = QByteArray(key).append(' ');
    const QList<QByteArray> lines = readFile(file).split('\n');
    for (const QByteArray &line : lines)
        if (line.startsWith(prefix))
            return line.mid(key.size() + 1).trimmed();
    return {};
}

// The cgroup v2 path of this process ("0::/x/y" in /proc/self/cgroup).
QString ownCgroup()
{
    const QList<QByteArray> lines = readFile(QStringLiteral("/proc/self/cgroup")).split('\n');
    for (const QByteArray &line : lines)
        if (line.startsWith("0::"))
            return QString::fromUtf8(line.mid(3)).trimmed();
    return QStringLiteral("/");
}

QString consoleDirName()
{
    const qint64 pid = ::getpid();
    return QStringLiteral("halab-%1-%2").arg(pid).arg(ProcessTree::startTime(pid));
}

struct Root
{
    QString path;
    QString why;
};

Root makeRoot()
{
    if (disabledByEnvironment())
        return {{}, QStringLiteral("cgroups disabled by HALAB_NO_CGROUPS=1")};
    const QString mount = mountPoint();
    if (mount.isEmpty())
        return {{}, QStringLiteral("no cgroup2 mount in /proc/mounts (mount the unified hierarchy, e.g. "
                                   "'mount -t cgroup2 none /sys/fs/cgroup/unified')")};
    const QString parent = QDir::cleanPath(mount + ownCgroup());
    if (!QFileInfo::exists(parent + QStringLiteral("/cgroup.procs")))
        return {{}, QStringLiteral("the console's own cgroup %1 is not visible").arg(parent)};
    const QString root = parent + QLatin1Char('/') + consoleDirName();
    if (!QDir().mkpath(root))
        return {{}, QStringLiteral("cgroup v2 at %1 is not writable (run as root, or under a delegated "
                                   "cgroup such as 'systemd-run --user --scope -p Delegate=yes')").arg(parent)};
    if (!QFileInfo::exists(root + QStringLiteral("/cgroup.kill")) || !QFileInfo::exists(root + QStringLiteral("/cgroup.freeze"))) {
        ::rmdir(QFile::encodeName(root).constData());
        return {{}, QStringLiteral("the kernel's cgroup v2 lacks cgroup.kill or cgroup.freeze (Linux 5.14 or newer needed)")};
    }
    // Moving a process needs write access to cgroup.procs of both ends' common ancestor.
    if (::access(QFile::encodeName(parent + QStringLiteral("/cgroup.procs")).constData(), W_OK) != 0) {
        ::rmdir(QFile::encodeName(root).constData());
        return {{}, QStringLiteral("%1/cgroup.procs is not writable").arg(parent)};
    }
    return {root, {}};
}
} // namespace

QString mountPoint()
{
    const QList<QByteArray> lines = readFile(QStringLiteral("/proc/mounts")).split('\n');
    for (const QByteArray &line : lines) {
        const QList<QByteArray> f = line.split(' ');
        if (f.size() >= 3 && f.at(2) == "cgroup2")
            return QString::fromUtf8(f.at(1)).replace(QStringLiteral("\\040"), QStringLiteral(" "));
    }
    return {};
}

bool disabledByEnvironment()
{
    return qEnvironmentVariableIntValue("HALAB_NO_CGROUPS") == 1;
}

QString consoleRoot(QString *why)
{
    // Once per console: every scope of this process shares the directory.
    static const Root root = makeRoot();
    if (why)
        *why = root.why;
    return root.path;
}

QString createScope(const QString &name, QString *error)
{
    QString why;
    const QString root = consoleRoot(&why);
    if (root.isEmpty()) {
        if (error)
            *error = why;
        return {};
    }
    // Service names are free text: keep the directory name to safe characters.
    static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9_.-]"));
    QString base = name;
    base.replace(unsafe, QStringLiteral("_"));
    base = base.left(64);
    for (int i = 0; i < 1000; ++i) {
        const QString path = root + QLatin1Char('/') + (i == 0 ? base : QStringLiteral("%1.%2").arg(base).arg(i));
        if (QFileInfo::exists(path))
            continue;
        if (::mkdir(QFile::encodeName(path).constData(), 0755) == 0)
            return path;
    }
    if (error)
        *error = QStringLiteral("cannot create a cgroup for %1 under %2").arg(name, root);
    return {};
}

bool kill(const QString &path)
{
    return !path.isEmpty() && writeFile(path + QStringLiteral("/cgroup.kill"), "1");
}

bool setFrozen(const QString &path, bool frozen)
{
    return !path.isEmpty() && writeFile(path + QStringLiteral("/cgroup.freeze"), frozen ? "1" : "0");
}

bool isFrozen(const QString &path)
{
    return field(path + QStringLiteral("/cgroup.events"), "frozen") == "1";
}

bool isPopulated(const QString &path)
{
    return field(path + QStringLiteral("/cgroup.events"), "populated") == "1";
}

QList<qint64> pids(const QString &path)
{
    QList<qint64> result;
    const QList<QByteArray> lines = readFile(path + QStringLiteral("/cgroup.procs")).split('\n');
    for (const QByteArray &line : lines) {
        bool ok = false;
        const qint64 pid = line.trimmed().toLongLong(&ok);
        if (ok && pid > 0)
            result.append(pid);
    }
    return result;
}

bool remove(const QString &path)
{
    if (path.isEmpty() || !QFileInfo::exists(path))
        return true;
    const QStringList children = QDir(path).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &child : children)
        remove(path + QLatin1Char('/') + child);
    return ::rmdir(QFile::encodeName(path).constData()) == 0;
}

std::pair<qint64, quint64> ownerOf(const QString &directoryName)
{
    static const QRegularExpression pattern(QStringLiteral("^halab-(\\d+)-(\\d+)$"));
    const QRegularExpressionMatch m = pattern.match(directoryName);
    if (!m.hasMatch())
        return {0, 0};
    return {m.captured(1).toLongLong(), m.captured(2).toULongLong()};
}

int reapStaleConsoles()
{
    const QString mount = mountPoint();
    if (mount.isEmpty() || disabledByEnvironment())
        return 0;
    const QString parent = QDir::cleanPath(mount + ownCgroup());
    const QStringList dirs = QDir(parent).entryList({QStringLiteral("halab-*")}, QDir::Dirs | QDir::NoDotAndDotDot);
    int found = 0;
    for (const QString &name : dirs) {
        const auto [pid, start] = ownerOf(name);
        if (pid <= 0 || ProcessTree::isAlive(pid, start))
            continue;
        const QString path = parent + QLatin1Char('/') + name;
        ++found;
        kill(path);
        // cgroup.kill is asynchronous: give the dying a moment before removing their directory.
        for (int i = 0; i < 100 && isPopulated(path); ++i)
            ::usleep(10'000);
        remove(path);
    }
    return found;
}

} // namespace CgroupV2
