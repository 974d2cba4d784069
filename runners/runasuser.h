#pragma once

#include <QList>
#include <QString>

#include <sys/types.h>

// The user and group a service runs as (`user:` / `group:` in a lab), resolved in the console
// before fork: the child only calls setgroups/setgid/setuid, which are async-signal-safe.
struct RunAsUser
{
    bool active = false;  // false: the child keeps the console's identity
    uid_t uid = 0;
    gid_t gid = 0;
    QList<gid_t> groups;  // supplementary groups (the user's, from the group database)
    QString name;
    QString home;

    // Looks up user (and group, else the user's primary group). An empty user with an empty group
    // gives an inactive RunAsUser. On failure returns an inactive one and says why in *error.
    static RunAsUser resolve(const QString &user, const QString &group, QString *error);

    // Empty when every directory on the way to path (and path itself) lets this user in;
    // else names the first one that does not (e.g. /root, mode 0700).
    QString unreachableDirectory(const QString &path) const;
};
