#pragma once

#include <QDateTime>
#include <QList>
#include <QString>

// <dir>/faults.json: every injected fault, written BEFORE it is applied and marked when rolled
// back, so a console that dies mid-check leaves a record of what it broke.
class FaultLedger
{
public:
    struct Entry
    {
        QString id;      // unique per fault
        QString lab;     // lab file path
        QString check;
        QString service;
        QString action;  // kill, stop, pause, restart, ...
        qint64 consolePid = 0;
        QDateTime time;
        bool rolledBack = false;
    };

    explicit FaultLedger(const QString &dir = defaultDir());

    bool record(const Entry &entry, QString *error = nullptr);
    bool markRolledBack(const QString &id, QString *error = nullptr);
    QList<Entry> entries() const;
    // Faults of consoles that are gone and that were never rolled back.
    QList<Entry> leftovers() const;
    bool clear(const QList<Entry> &entries, QString *error = nullptr);

    static QString defaultDir();

private:
    bool write(const QList<Entry> &entries, QString *error) const;

    QString m_dir;
};
