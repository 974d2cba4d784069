#include "clicommands.h"

#include "runstore.h"
#include "servicelogtext.h"

// `halab-cli logs --run ID [--service S]`: the service log lines stored with a run, after the console that
// ran it is gone; the same text the window's run detail shows.
int CliCommands::logs(const QString &runId, bool latest, const QString &service, const QString &storePath)
{
    if (runId.isEmpty() == !latest) {
        m_err << "halab-cli logs: name the run: --run ID (the short id the console shows will do) or --latest\n";
        return BadInput;
    }
    if (!openStore(storePath))
        return BadInput;
    const QString id = pickRun(QStringLiteral("logs"), runId, latest);
    if (id.isEmpty())
        return BadInput;
    const QList<ServiceLogTally> tallies = m_store->serviceLogTallies(id);
    if (!service.isEmpty()) {
        QStringList known;
        for (const ServiceLogTally &t : tallies)
            known << t.service;
        if (!known.contains(service)) {
            m_err << "halab-cli logs: run " << id << " stored no lines of service '" << service << "'"
                  << (known.isEmpty() ? QStringLiteral(" (it stored none at all)") : QStringLiteral("; it has: ") + known.join(QStringLiteral(", ")))
                  << '\n';
            return BadInput;
        }
    }
    if (tallies.isEmpty())
        m_err << "halab-cli logs: run " << id << " stored no service log lines\n";
    const QStringList text = ServiceLogText::lines(m_store->serviceLogs(id, service), tallies, service);
    for (const QString &line : text)
        m_out << line << '\n';
    m_out.flush();
    return Ok;
}
