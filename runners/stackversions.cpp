#include "stackversions.h"

#include "processscope.h"

#include <QProcess>
#include <QTimer>

StackVersions::StackVersions(QObject *parent)
    : QObject(parent)
{
}

void StackVersions::collect(const StackSpec &stack)
{
    // The run log says how faults reach a service's processes: a cgroup or a tree walk.
    if (stack.backend == StackSpec::Backend::Processes)
        m_versions.insert(QStringLiteral("Process control"), ProcessScope::methodDescription());
    for (const ServiceSpec &s : stack.services) {
        if (s.versionCommand.isEmpty())
            continue;
        ++m_pending;
        auto *p = new QProcess(this);
        p->setProcessChannelMode(QProcess::MergedChannels); // nginx -v writes to stderr
        auto *timer = new QTimer(p);
        timer->setSingleShot(true);
        connect(timer, &QTimer::timeout, p, &QProcess::kill);
        connect(p, &QProcess::finished, this, [this, p, name = s.name] {
            const QString first = QString::fromUtf8(p->readAll()).trimmed().section(QLatin1Char('\n'), 0, 0);
            m_versions.insert(name, first.isEmpty() ? tr("unknown") : first);
            p->deleteLater();
            done();
        });
        connect(p, &QProcess::errorOccurred, this, [this, p, name = s.name](QProcess::ProcessError e) {
            if (e != QProcess::FailedToStart)
                return;
            m_versions.insert(name, tr("unknown (%1)").arg(p->errorString()));
            p->deleteLater();
            done();
        });
        timer->start(TimeoutMs);
        p->start(s.versionCommand.first(), s.versionCommand.mid(1));
    }
    if (m_pending == 0)
        QTimer::singleShot(0, this, [this] { Q_EMIT finished(m_versions); });
}

void StackVersions::done()
{
    if (--m_pending == 0)
        Q_EMIT finished(m_versions);
}
