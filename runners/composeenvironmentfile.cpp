#include "composeenvironmentfile.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryFile>

QString ComposeEnvironmentFile::write(const QString &dir, const QString &pattern, const QList<ServiceEnvironment> &services,
                                      const QString &what, const QString &version, QString *error)
{
    QJsonObject servicesObject;
    for (const ServiceEnvironment &s : services) {
        if (s.env.isEmpty())
            continue;
        QJsonObject environment;
        // Compose and the stack loader interpolate every file they read: "$$" keeps a '$' literal.
        for (auto it = s.env.cbegin(); it != s.env.cend(); ++it)
            environment.insert(it.key(), QString(it.value()).replace(QLatin1Char('$'), QStringLiteral("$$")));
        servicesObject.insert(s.name, QJsonObject{{QStringLiteral("environment"), environment}});
    }
    if (servicesObject.isEmpty())
        return {};
    QDir().mkpath(dir);
    // QTemporaryFile creates it 0600 before anything is written; YAML reads JSON as is.
    QTemporaryFile file(QDir(dir).filePath(pattern));
    file.setAutoRemove(false);
    if (!file.open()) {
        *error = QStringLiteral("cannot write %1 in %2: %3").arg(what, dir, file.errorString());
        return {};
    }
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QJsonObject root{{QStringLiteral("services"), servicesObject}};
    if (!version.isEmpty())
        root.insert(QStringLiteral("version"), version);
    const QByteArray json = QJsonDocument(root).toJson();
    if (file.write(json) != json.size() || !file.flush()) {
        *error = QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString());
        file.remove();
        return {};
    }
    file.close();
    return file.fileName();
}
