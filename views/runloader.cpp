#include "runloader.h"

#include "runstore.h"

#include <QThread>

#include <memory>

namespace {
struct Loaded
{
    Run run;
    RunChartData charts;
    QString error;
};
} // namespace

RunLoader::RunLoader(const QString &storePath, QObject *parent)
    : QObject(parent)
    , m_path(storePath)
{
}

int RunLoader::load(const QString &runId, Detail detail)
{
    const int ticket = ++m_next;
    auto result = std::make_shared<Loaded>();
    QThread *thread = QThread::create([result, path = m_path, runId, detail] {
        RunStore store; // a connection of this thread only
        QString error;
        if (!store.open(path, &error)) {
            result->error = error;
            return;
        }
        std::optional<Run> run = store.run(runId);
        if (!run) {
            result->error = store.lastError().isEmpty() ? tr("no run %1 in the store").arg(runId) : store.lastError();
            return;
        }
        result->run = std::move(*run);
        if (detail == Detail::ChartsAndLogs)
            result->run.serviceLogLines = store.serviceLogs(runId);
        if (detail != Detail::None)
            result->charts = CheckChartData::readRun(store, result->run, &result->error);
    });
    // finished is emitted by the worker; queued to this (GUI-thread) object it delivers the run here.
    connect(thread, &QThread::finished, this, [this, ticket, result] { Q_EMIT loaded(ticket, result->run, result->charts, result->error); });
    connect(thread, &QThread::finished, thread, &QObject::deleteLater);
    thread->start();
    return ticket;
}
