#pragma once

#include "checkchartdata.h"
#include "run.h"

#include <QObject>
#include <QString>

// Loads stored runs off the GUI thread (an hour at 2,000 samples/s is millions of rows): each load
// opens its own connection to the store file and hands the run back by signal. The charts are read
// from the samples in batches (CheckChartData), so memory stays bounded however long the run.
class RunLoader : public QObject
{
    Q_OBJECT

public:
    explicit RunLoader(const QString &storePath, QObject *parent = nullptr);

    void setStorePath(const QString &path) { m_path = path; }
    // How much of a run to read besides its results.
    enum class Detail {
        None,
        Charts,        // a comparison: charts, not the service logs it does not show
        ChartsAndLogs, // a run opened on its own
    };

    // Returns a ticket; loaded() with the same ticket follows, on the GUI thread.
    int load(const QString &runId, Detail detail = Detail::ChartsAndLogs);

Q_SIGNALS:
    // error is empty when the run was read; charts is empty with Detail::None.
    void loaded(int ticket, const Run &run, const RunChartData &charts, const QString &error);

private:
    QString m_path;
    int m_next = 0;
};
