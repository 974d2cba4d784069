#pragma once

#include <QByteArray>
#include <QFile>
#include <QString>

// One line of /proc/self/status in kB (VmHWM: peak RSS, VmRSS: now); -1 when it cannot be read.
inline qint64 procStatusKb(const char *key)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray prefix = QByteArray(key) + ':';
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').first().toLongLong();
    return -1;
}
