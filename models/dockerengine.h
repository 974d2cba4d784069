#pragma once

#include "sourcelocation.h"

#include <QString>

// The lab's `docker:` key: which Docker engine the compose (and swarm) backend talks to, when it
// is not the one the console's environment names. Exactly one of `host` (what DOCKER_HOST would
// say: ssh://user@host, tcp://host:2376, unix:///path) or `context` (a `docker context` name).
struct DockerEngine
{
    QString host;
    QString context;
    SourceLocation where;        // the `docker:` mapping
    SourceLocation hostWhere;    // its `host` value
    SourceLocation contextWhere; // its `context` value

    bool isSet() const { return !host.isEmpty() || !context.isEmpty(); }
    // "ssh://ops@db1" or "context 'staging'"; empty when the environment decides.
    QString describe() const;

    // Why `host` is not an engine address the docker CLI and docker-compose accept; empty when it is.
    static QString hostProblem(const QString &host);
    // Why `scheme` ("ssh", without "://") is not one a Linux client dials; empty when it is.
    static QString schemeProblem(const QString &scheme);
    // Why `name` is not a docker context name (docker's own rule); empty when it is.
    static QString contextProblem(const QString &name);
};
