#pragma once

#include <QSettings>
#include <QString>
#include <QStringList>
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
// File → Recent Labs: newest first, at most MaxRecentLabs.
constexpr int MaxRecentLabs = 8;
inline QStringList recentLabs()
{
    return QSettings().value(QStringLiteral("recentLabs")).toStringList();
}
inline void addRecentLab(const QString &path)
{
    QStringList labs = recentLabs();
    labs.removeAll(path);
    labs.prepend(path);
    QSettings().setValue(QStringLiteral("recentLabs"), labs.mid(0, MaxRecentLabs));
}
} // namespace ConsoleSettings
