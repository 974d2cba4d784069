#pragma once

#include "run.h"

#include <QObject>
#include <QString>

// Loads stored runs with their samples off the GUI thread (an hour at 100 Hz is a lot of rows):
// each load opens its own connection to the store file and hands the run back by signal.
class RunLoader : public QObject
{
    Q_OBJECT

public:
    explicit RunLoader(const QString &storePath, QObject *parent = nullptr);

    void setStorePath(const QString &path) { m_path = path; }
    // Returns a ticket; loaded() with the same ticket follows, on the GUI thread.
    int load(const QString &runId, bool withSamples = true);

Q_SIGNALS:
    // error is empty when the run was read.
    void loaded(int ticket, const Run &run, const QString &error);

private:
    QString m_path;
    int m_next = 0;
};
