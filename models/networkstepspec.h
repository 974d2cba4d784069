#pragma once

#include <QList>
#include <QString>
#include <QStringList>

// What a network-fault step does (partition, isolate, link, heal). Members are host names or
// names of services placed on hosts; roles are resolved when the step runs.
struct NetworkStepSpec
{
    enum class Kind {
        Partition, // groups cut apart, both ways
        OneWay,    // packets from `from` to `to` dropped
        Isolate,   // the target's host alone vs every other host
        Link,      // loss / delay between two members or on the target's own link
        Heal,      // every network fault of the check undone
    };

    Kind kind = Kind::Heal;
    QList<QStringList> groups;
    QStringList from;
    QStringList to;
    QStringList between;
    // isolate and link: one target, by host, service or role (leader, replica, any, last_faulted)
    QString host;
    QString service;
    QString role;
    double loss = 0; // 0..1
    qint64 delayMs = 0;

    // "partition [n1] | [n2 n3]", "isolate role leader", ...: for the step list.
    QString text() const
    {
        auto list = [](const QStringList &l) -> QString { return QLatin1Char('[') + l.join(QLatin1Char(' ')) + QLatin1Char(']'); };
        const QString target = !host.isEmpty() ? host : !service.isEmpty() ? service : QString(QStringLiteral("role ") + role);
        switch (kind) {
        case Kind::Partition: {
            QStringList parts;
            for (const QStringList &g : groups)
                parts.append(list(g));
            return QStringLiteral("partition ") + parts.join(QStringLiteral(" | "));
        }
        case Kind::OneWay: return QStringLiteral("partition from %1 to %2").arg(list(from), list(to));
        case Kind::Isolate: return QStringLiteral("isolate ") + target;
        case Kind::Link: {
            QStringList what;
            if (loss > 0)
                what.append(QStringLiteral("loss %1%").arg(QString::number(loss * 100, 'g', 4)));
            if (delayMs > 0)
                what.append(QStringLiteral("delay %1 ms").arg(delayMs));
            const QString where = between.size() == 2 ? QStringLiteral("between %1 and %2").arg(between.at(0), between.at(1))
                                                      : QStringLiteral("of ") + target;
            return QStringLiteral("link %1: %2").arg(where, what.join(QStringLiteral(", ")));
        }
        case Kind::Heal: return QStringLiteral("heal the network");
        }
        return {};
    }
};
