#pragma once

#include <QList>
#include <QMap>
#include <QString>

// A compose file holding only the services' environment (lab env and per-fault overrides), so
// secrets reach docker through a 0600 file, never a command line. Used by the compose override
// and the swarm stack deploy alike.
namespace ComposeEnvironmentFile {

struct ServiceEnvironment
{
    QString name;
    QMap<QString, QString> env;
};

// Writes FILE in dir (name from pattern, e.g. "compose-env-XXXXXX.yml"); empty with no error when
// no service has an environment; empty with *error set when it cannot be written. version, when
// given, is written as the file's compose version (docker stack deploy wants one in every file).
QString write(const QString &dir, const QString &pattern, const QList<ServiceEnvironment> &services, const QString &what,
              const QString &version, QString *error);

} // namespace ComposeEnvironmentFile
