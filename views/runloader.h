#pragma once

#include "checkchartdata.h"
#include "run.h"

#include <QObject>
#include <QString>

// Loads stored runs off the GUI thread (an hour at 2,000 samples/s is millions of rows): each load
// opens its own connection to the store file and hands the run back by signal. With detail, the
// run's service log lines and its charts come too; the charts are read from the samples in
// batches (CheckChartData), so memory stays bounded however long the run.
class RunLoader : public QObject
{
    Q_OBJECT

public:
    explicit RunLoader(const QString &storePath, QObject *parent = nullptr);

    void setStorePath(const QString &path) { m_path = path; }
    // Returns a ticket; loaded() with the same ticket follows, on the GUI thread.
    int load(const QString &runId, bool withDetail = true);

Q_SIGNALS:
    // error is empty when the run was read; charts is empty without detail.
    void loaded(int ticket, const Run &run, const RunChartData &charts, const QString &error);

private:
    QString m_path;
    int m_next = 0;
};
