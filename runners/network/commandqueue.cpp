#include "commandqueue.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTimer>

CommandQueue::CommandQueue(QObject *parent)
    : QObject(parent)
{
}

CommandQueue::~CommandQueue()
{
    if (m_process) {
        m_process->disconnect(this);
        // Kill without waiting: a command of ours never outlives the queue by more than a moment.
        m_process->kill();
        m_process->setParent(nullptr);
        QObject::connect(m_process, &QProcess::finished, m_process, &QObject::deleteLater);
    }
}

QString CommandQueue::commandLine(const QStringList &argv)
{
    QStringList shown;
    for (const QString &a : argv)
        shown.append(a.contains(QLatin1Char(' ')) ? QLatin1Char('\'') + a + QLatin1Char('\'') : a);
    if (!shown.isEmpty())
        shown.first() = shown.first().section(QLatin1Char('/'), -1);
    return shown.join(QLatin1Char(' '));
}

QString CommandQueue::findProgram(const QString &name)
{
    QString found = QStandardPaths::findExecutable(name);
    if (found.isEmpty())
        found = QStandardPaths::findExecutable(name, {QStringLiteral("/usr/sbin"), QStringLiteral("/sbin"),
                                                      QStringLiteral("/usr/bin"), QStringLiteral("/bin")});
    return found;
}

void CommandQueue::enqueue(Batch batch)
{
    m_batches.append(std::move(batch));
    if (!m_process && !m_scheduled) {
        m_scheduled = true;
        // Report asynchronously even for an empty batch, so callers see one order of events.
        QTimer::singleShot(0, this, &CommandQueue::next);
    }
}

void CommandQueue::next()
{
    m_scheduled = false;
    if (m_process)
        return;
    while (!m_batches.isEmpty()) {
        Batch &batch = m_batches.first();
        if (m_index == 0 && batch.prepare) {
            batch.commands = batch.prepare();
            batch.prepare = nullptr;
        }
        if (m_index >= batch.commands.size()) {
            finishBatch(true, QString());
            continue;
        }
        Command &command = batch.commands[m_index];
        QString error;
        if (command.before && !command.before(&error)) {
            finishBatch(false, error);
            continue;
        }
        const QString program = findProgram(command.argv.value(0));
        if (program.isEmpty()) {
            const QString missing = command.argv.value(0);
            if (command.after)
                command.after(false, QStringLiteral("%1 is not installed").arg(missing));
            if (command.mayFail) {
                ++m_index;
                continue;
            }
            finishBatch(false, QStringLiteral("%1 is not installed (it is in Debian's %2 package)")
                                   .arg(missing, missing == QLatin1String("iptables") ? QStringLiteral("iptables")
                                                                                     : QStringLiteral("iproute2")));
            continue;
        }
        m_process = new QProcess(this);
        m_process->setProgram(program);
        m_process->setArguments(command.argv.mid(1));
        m_process->setStandardInputFile(QProcess::nullDevice());
        auto *timer = new QTimer(m_process);
        timer->setSingleShot(true);
        QProcess *process = m_process;
        connect(timer, &QTimer::timeout, process, &QProcess::kill);
        connect(process, &QProcess::finished, this, [this, process](int code, QProcess::ExitStatus status) {
            if (process != m_process)
                return;
            const QString err = QString::fromLocal8Bit(process->readAllStandardError()).trimmed();
            const bool ok = status == QProcess::NormalExit && code == 0;
            QString why;
            if (!ok)
                why = status == QProcess::NormalExit ? QStringLiteral("exit %1").arg(code) : QStringLiteral("crashed or timed out");
            commandEnded(ok, ok ? QString() : why + (err.isEmpty() ? QString() : QStringLiteral(": ") + err));
        });
        connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError e) {
            if (process != m_process || e != QProcess::FailedToStart)
                return;
            commandEnded(false, process->errorString());
        });
        timer->start(TimeoutMs);
        m_process->start();
        return;
    }
    Q_EMIT idle();
}

void CommandQueue::commandEnded(bool ok, const QString &error)
{
    m_process->deleteLater();
    m_process = nullptr;
    Batch &batch = m_batches.first();
    Command &command = batch.commands[m_index];
    const QString why = ok ? QString() : QStringLiteral("`%1` failed (%2)").arg(commandLine(command.argv), error);
    if (command.after)
        command.after(ok, why);
    ++m_index;
    if (!ok && !command.mayFail)
        finishBatch(false, why);
    next();
}

void CommandQueue::finishBatch(bool ok, const QString &error)
{
    Batch batch = m_batches.takeFirst();
    m_index = 0;
    if (batch.done)
        batch.done(ok, error);
}
