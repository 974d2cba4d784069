#pragma once

#include "servicespec.h"

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

// Reads one answer of the stack's role source (Patroni /cluster, Sentinel
// get-master-addr-by-name, etcd endpoint status, ...) into roles per service.
class ClusterRoleDecoder
{
public:
    struct Result
    {
        QMap<QString, QString> roles; // service -> "leader" / the member's own role text
        QString term;
        QString error; // non-empty: the answer said nothing usable about roles
    };

    // services: the stack's service names, in lab order (the map is tried in this order).
    static Result decode(const StackRoleSourceSpec &spec, const QByteArray &answer, const QStringList &services);
    // The service the source's name for a member stands for ("" when none matches).
    static QString serviceFor(const StackRoleSourceSpec &spec, const QString &reported, const QStringList &services);
};
