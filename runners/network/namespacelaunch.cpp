#include "namespacelaunch.h"

#include <QProcess>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

bool NamespaceLaunch::prepare(QProcess *process, const QString &nsPath, QString *error)
{
    release();
    m_fd = ::open(nsPath.toLocal8Bit().constData(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0) {
        if (error)
            *error = QStringLiteral("cannot open network namespace %1: %2 (are the lab's hosts up?)")
                         .arg(nsPath, QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    const int fd = m_fd;
    const std::function<void()> base = process->childProcessModifier();
    // Runs in the forked child before exec: setns is async-signal-safe; a child that cannot
    // join its host must not run in the console's network instead.
    process->setChildProcessModifier([fd, base]() {
        if (::setns(fd, CLONE_NEWNET) != 0)
            ::_exit(125);
        if (base)
            base();
    });
    return true;
}

void NamespaceLaunch::release()
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}
