#pragma once

#include <QSettings>
#include <QString>
#include <QVariant>

// The window's remembered settings, typed, in one place (no string keys spread across panes).
namespace ConsoleSettings {
inline QString operatorName()
{
    return QSettings().value(QStringLiteral("run/operator")).toString();
}
inline void setOperatorName(const QString &name)
{
    QSettings().setValue(QStringLiteral("run/operator"), name);
}
inline QString lastLab()
{
    return QSettings().value(QStringLiteral("lastLab")).toString();
}
inline void setLastLab(const QString &path)
{
    QSettings().setValue(QStringLiteral("lastLab"), path);
}
} // namespace ConsoleSettings
