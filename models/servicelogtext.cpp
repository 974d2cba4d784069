#include "servicelogtext.h"

#include "servicelogcaps.h"

#include <QHash>

namespace {

QString stamp(const QDateTime &time)
{
    return time.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

} // namespace

QStringList ServiceLogText::lines(const QList<ServiceLogLine> &lines, const QList<ServiceLogTally> &tallies, const QString &service)
{
    // Grouped by service (in tally order) so each dropped marker follows the lines it belongs to.
    QHash<QString, QStringList> byService;
    QStringList order;
    for (const ServiceLogTally &t : tallies)
        if (service.isEmpty() || t.service == service)
            order << t.service;
    for (const ServiceLogLine &l : lines) {
        if (!service.isEmpty() && l.service != service)
            continue;
        if (!order.contains(l.service))
            order << l.service;
        byService[l.service] << QStringLiteral("%1 %2%3 | %4").arg(stamp(l.time), l.service, l.stderrStream ? QStringLiteral("!") : QString(), l.text);
    }
    QStringList out;
    for (const QString &name : std::as_const(order)) {
        out << byService.value(name);
        for (const ServiceLogTally &t : tallies)
            if (t.service == name && t.dropped > 0)
                out << droppedMarker(t);
    }
    return out;
}

QString ServiceLogText::droppedMarker(const ServiceLogTally &tally)
{
    return QStringLiteral("… %1 more line(s) of %2 dropped, not stored (caps: %3 lines per service, %4 per run), written from %5 to %6")
        .arg(tally.dropped)
        .arg(tally.service)
        .arg(ServiceLogCaps::DefaultPerService)
        .arg(ServiceLogCaps::DefaultPerRun)
        .arg(stamp(tally.firstDropped), stamp(tally.lastDropped));
}

QString ServiceLogText::command(const QString &runId, const QString &service)
{
    return QStringLiteral("halab-cli logs --run %1%2").arg(runId, service.isEmpty() ? QString() : QStringLiteral(" --service ") + service);
}
