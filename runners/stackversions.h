#pragma once

#include "servicespec.h"

#include <QMap>
#include <QObject>

// Asks each service for its version (its `version:` command) for the run log header.
// Asynchronous and bounded: a command that hangs is killed after the timeout.
class StackVersions : public QObject
{
    Q_OBJECT

public:
    static constexpr int TimeoutMs = 5000;

    explicit StackVersions(QObject *parent = nullptr);

    void collect(const StackSpec &resolvedStack);
    QMap<QString, QString> versions() const { return m_versions; }

Q_SIGNALS:
    void finished(const QMap<QString, QString> &versions);

private:
    void done();

    QMap<QString, QString> m_versions;
    int m_pending = 0;
};
