#include "runasuser.h"

#include <QDir>
#include <QFileInfo>

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

RunAsUser RunAsUser::resolve(const QString &user, const QString &group, QString *error)
{
    RunAsUser r;
    if (user.isEmpty() && group.isEmpty())
        return r;
    std::vector<char> buffer(16384);
    const QByteArray userName = user.toLocal8Bit();
    if (!user.isEmpty()) {
        passwd pw{};
        passwd *found = nullptr;
        if (::getpwnam_r(userName.constData(), &pw, buffer.data(), buffer.size(), &found) != 0 || !found) {
            *error = QStringLiteral("user '%1' does not exist on this machine (create it, e.g. 'adduser --system %1', or install the package that does)").arg(user);
            return {};
        }
        r.uid = pw.pw_uid;
        r.gid = pw.pw_gid;
        r.name = user;
        r.home = QString::fromLocal8Bit(pw.pw_dir);
    } else {
        r.uid = ::getuid();
        r.gid = ::getgid();
    }
    if (!group.isEmpty()) {
        struct group gr{};
        struct group *found = nullptr;
        const QByteArray groupName = group.toLocal8Bit();
        if (::getgrnam_r(groupName.constData(), &gr, buffer.data(), buffer.size(), &found) != 0 || !found) {
            *error = QStringLiteral("group '%1' does not exist on this machine").arg(group);
            return {};
        }
        r.gid = gr.gr_gid;
    }
    if (!user.isEmpty()) {
        int count = 64;
        std::vector<gid_t> list;
        list.resize(size_t(count));
        if (::getgrouplist(userName.constData(), r.gid, list.data(), &count) < 0) {
            list.resize(size_t(count));
            ::getgrouplist(userName.constData(), r.gid, list.data(), &count);
        }
        for (int i = 0; i < count; ++i)
            r.groups.append(list[size_t(i)]);
    } else {
        r.groups.append(r.gid);
    }
    if (::geteuid() != 0 && (r.uid != ::geteuid() || r.gid != ::getegid())) {
        *error = QStringLiteral("running as %1 needs the console to run as root (it runs as uid %2): start it with sudo, or drop 'user'/'group' from the lab")
                     .arg(user.isEmpty() ? QStringLiteral("group ") + group : QStringLiteral("user ") + user)
                     .arg(::geteuid());
        return {};
    }
    r.active = true;
    return r;
}

QString RunAsUser::unreachableDirectory(const QString &path) const
{
    if (!active || uid == 0)
        return {};
    const QStringList parts = QDir::cleanPath(QFileInfo(path).absoluteFilePath()).split(QLatin1Char('/'), Qt::SkipEmptyParts);
    QString dir;
    for (const QString &part : parts) {
        dir += QLatin1Char('/') + part;
        struct stat st{};
        if (::stat(QFile::encodeName(dir).constData(), &st) != 0)
            return {}; // created later, by the console or the service
        mode_t need = S_IXOTH;
        if (st.st_uid == uid)
            need = S_IXUSR;
        else if (st.st_gid == gid || groups.contains(st.st_gid))
            need = S_IXGRP;
        if (!(st.st_mode & need))
            return dir;
    }
    return {};
}
