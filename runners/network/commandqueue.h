#pragma once

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>

class QProcess;

// Runs batches of short system commands (ip, iptables, tc) one at a time with QProcess, never
// blocking the caller. A batch stops at its first failing command unless that command may fail;
// each batch reports once through its `done` callback.
class CommandQueue : public QObject
{
    Q_OBJECT

public:
    struct Command
    {
        QStringList argv;
        // Runs right before the command starts (the ledger entry is written here); returning
        // false fails the batch with `error` without running the command.
        std::function<bool(QString *error)> before;
        // Runs after the command ended, with whether it succeeded and why not.
        std::function<void(bool ok, const QString &error)> after;
        bool mayFail = false;
    };
    struct Batch
    {
        QList<Command> commands;
        std::function<void(bool ok, const QString &error)> done;
        // When set, makes the commands at the moment the batch starts (what to undo is only
        // known once the batches before it ran).
        std::function<QList<Command>()> prepare = {};
    };

    explicit CommandQueue(QObject *parent = nullptr);
    ~CommandQueue() override;

    void enqueue(Batch batch);
    bool isIdle() const { return !m_process && m_batches.isEmpty(); }
    static constexpr int TimeoutMs = 20000;

    // "ip netns add x": for messages.
    static QString commandLine(const QStringList &argv);
    // The program's absolute path (ip and iptables live in /usr/sbin, often not on a user's PATH).
    static QString findProgram(const QString &name);

Q_SIGNALS:
    void idle();

private:
    void next();
    void commandEnded(bool ok, const QString &error);
    void finishBatch(bool ok, const QString &error);

    QList<Batch> m_batches;
    int m_index = 0;
    QProcess *m_process = nullptr;
    bool m_scheduled = false;
};
