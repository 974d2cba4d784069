#pragma once

#include "dockerengine.h"
#include "probespec.h"
#include "sourcelocation.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

// How the console learns which member holds a role (leader / replica / ...).
struct RoleProbeSpec
{
    ProbeSpec probe;
    // 200 (say): the service is "leader" when the probe answers that status, else "replica".
    int leaderIfStatus = 0;
    // When set, the extracted value equal to this text means "leader", anything else "replica";
    // when empty and nothing else is set, the extracted text is the role itself.
    QString leaderIfEquals;
};

// A file rendered with ${NAME} substitution before the service starts (nginx.conf and the like).
struct TemplateFileSpec
{
    QString from;
    QString to;
    SourceLocation where;
};

// One service of the stack under test.
struct ServiceSpec
{
    QString name;
    QStringList command;          // processes backend: argv
    QMap<QString, QString> env;   // extra environment; values may hold ${SECRET}
    QString workdir;
    QStringList dependsOn;
    QList<TemplateFileSpec> templates;
    std::optional<ProbeSpec> ready;
    std::optional<RoleProbeSpec> role;
    QStringList versionCommand;   // prints the service's version for the run log
    qint64 stopGraceMs = 5000;    // SIGTERM, then SIGKILL after this long
    QString user;                 // run as this user (setuid in the child before exec); empty: the console's
    QString group;                // run as this group; empty: the user's primary group
    bool once = false;            // runs to completion before its dependents start (config writers, initdb)
    QString host;                 // lab host (network namespace) it runs on; empty: the console's
    SourceLocation where;
};

// Where the stack's files live (${RUN_DIR}) and whether each `stack up` starts from an empty one.
struct RunDirSpec
{
    QString path;       // empty: the console's own per-lab directory
    bool wipeOnUp = false;
    SourceLocation where;
};

// The cluster's own view of its roles: one probe whose answer names the leader (and maybe the
// other members), mapped onto services. E.g. Patroni GET /cluster, Sentinel
// get-master-addr-by-name, etcd endpoint status.
struct StackRoleSourceSpec
{
    ProbeSpec probe;
    // Where the leader is named: a JSON pointer (starts with '/') or a regular expression over the
    // raw answer (several capture groups are joined with ':', e.g. host and port).
    QString leader;
    // JSON pointer to an array of member objects ("" for the document itself when it is one).
    QString members;
    bool hasMembers = false;
    QString nameField = QStringLiteral("name"); // key (or pointer) in a member object
    QString roleField = QStringLiteral("role");
    // Role values that mean "leader" (Patroni 3 says master, 4 says primary).
    QStringList leaderRoles = {QStringLiteral("leader"), QStringLiteral("master"), QStringLiteral("primary")};
    QString term; // optional JSON pointer or regex: a term / epoch that only moves forward
    // service -> what the source calls it: the exact text (a name, "host:port") or /regex/.
    // Services not listed are matched by their own name.
    QMap<QString, QString> map;
    SourceLocation where;
};

struct StackSpec
{
    enum class Backend { Processes, Compose, Swarm };

    Backend backend = Backend::Processes;
    QString project;          // compose project name; swarm: the stack name
    QStringList composeFiles; // compose files, relative to the lab file
    QList<ServiceSpec> services;
    RunDirSpec runDir;
    std::optional<StackRoleSourceSpec> roles; // stack-level role source
    DockerEngine docker;      // the lab's `docker:` engine (compose); unset: the environment's
    SourceLocation where;

    // compose and swarm: services are containers a compose file describes.
    bool containerized() const { return backend == Backend::Compose || backend == Backend::Swarm; }

    const ServiceSpec *service(const QString &name) const
    {
        for (const ServiceSpec &s : services)
            if (s.name == name)
                return &s;
        return nullptr;
    }
};
