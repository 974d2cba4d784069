#pragma once

#include <QObject>
#include <QProcess>

// Ends a helper process (a log follower) without waiting on the caller's thread: its signals are
// cut, and it is killed and deleted once it has gone.
inline void killDetached(QProcess *p)
{
    if (!p)
        return;
    p->disconnect();
    if (p->state() == QProcess::NotRunning) {
        p->deleteLater();
        return;
    }
    p->setParent(nullptr);
    QObject::connect(p, &QProcess::finished, p, &QObject::deleteLater);
    p->kill();
}
