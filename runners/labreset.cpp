#include "labreset.h"

#include "childprocesssetup.h"
#include "duration.h"
#include "labcontext.h"
#include "pidledger.h"

#include <QProcess>
#include <QTimer>

#include <chrono>

Q_LOGGING_CATEGORY(lcReset, "halab.runners.reset", QtWarningMsg)

LabReset::LabReset(const QList<StepSpec> &steps, const LabContext *context, QObject *parent)
    : QObject(parent)
    , m_steps(steps)
    , m_context(context)
    , m_ledgerDir(PidLedger::defaultDir())
{
}

LabReset::~LabReset()
{
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(500); // teardown only
    }
}

void LabReset::start()
{
    const int reaped = PidLedger::reapLeftovers(m_ledgerDir);
    Q_EMIT output(reaped ? QStringLiteral("killed %1 service(s) a crashed console left running").arg(reaped)
                         : QStringLiteral("no services left running by a crashed console"));
    if (m_steps.isEmpty())
        Q_EMIT output(QStringLiteral("the lab has no 'reset:' commands"));
    QTimer::singleShot(0, this, &LabReset::runNext);
}

void LabReset::runNext()
{
    ++m_index;
    if (m_index >= m_steps.size()) {
        Q_EMIT finished(true, QStringLiteral("reset done: %1 command(s) ran").arg(m_steps.size()));
        return;
    }
    const StepSpec &step = m_steps.at(m_index);
    QStringList argv;
    for (const QString &a : step.argv)
        argv.append(m_context->resolve(a));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (auto it = step.env.cbegin(); it != step.env.cend(); ++it)
        env.insert(it.key(), m_context->resolve(it.value()));
    const QString label = step.title.isEmpty() ? argv.join(QLatin1Char(' ')) : step.title;
    Q_EMIT output(QStringLiteral("reset %1/%2: %3").arg(m_index + 1).arg(m_steps.size()).arg(label));

    m_timedOut = false;
    m_process = new QProcess(this);
    m_process->setProgram(argv.value(0));
    m_process->setArguments(argv.mid(1));
    m_process->setProcessEnvironment(env);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    ChildProcessSetup::apply(m_process);
    connect(m_process, &QProcess::readyReadStandardOutput, this, [this] {
        const QList<QByteArray> lines = m_process->readAllStandardOutput().split('\n');
        for (const QByteArray &l : lines)
            if (!l.trimmed().isEmpty())
                Q_EMIT output(QStringLiteral("    ") + QString::fromUtf8(l));
    });
    connect(m_process, &QProcess::errorOccurred, this, [this, label](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart)
            return;
        const QString why = m_process->errorString();
        m_process->deleteLater();
        m_process = nullptr;
        Q_EMIT finished(false, QStringLiteral("reset command '%1' did not start: %2").arg(label, why));
    });
    connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        onFinished(code, status == QProcess::CrashExit);
    });
    auto *deadline = new QTimer(m_process);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, this, [this] {
        m_timedOut = true;
        m_process->kill();
    });
    deadline->start(std::chrono::milliseconds(step.timeoutMs));
    m_process->start();
}

void LabReset::onFinished(int exitCode, bool crashed)
{
    const StepSpec &step = m_steps.at(m_index);
    const QByteArray rest = m_process->readAllStandardOutput();
    for (const QByteArray &l : rest.split('\n'))
        if (!l.trimmed().isEmpty())
            Q_EMIT output(QStringLiteral("    ") + QString::fromUtf8(l));
    m_process->deleteLater();
    m_process = nullptr;
    const int expected = step.expectExit < 0 ? 0 : step.expectExit;
    if (m_timedOut || crashed || exitCode != expected) {
        const QString why = m_timedOut ? QStringLiteral("timed out after %1").arg(Duration::format(step.timeoutMs))
                            : crashed  ? QStringLiteral("crashed")
                                       : QStringLiteral("exited %1, expected %2").arg(exitCode).arg(expected);
        Q_EMIT finished(false, QStringLiteral("reset stopped at command %1: %2").arg(m_index + 1).arg(why));
        return;
    }
    runNext();
}
