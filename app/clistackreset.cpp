#include "clicommands.h"

#include "labreset.h"
#include "stacksession.h"

// `halab-cli stack reset LAB`: the lab's way back to its starting state after a scenario broke it.
int CliCommands::stackReset(const QString &labPath)
{
    Lab lab;
    if (!loadLab(labPath, &lab))
        return BadInput;
    auto *session = new StackSession(lab, m_overrides, this);
    connect(session, &StackSession::prepared, this, [this, session, lab](bool ok, const QString &error, const QString &warning) {
        if (!ok) {
            m_err << "halab-cli stack reset: " << error << '\n';
            m_err.flush();
            Q_EMIT finished(BadInput);
            return;
        }
        if (!warning.isEmpty())
            m_err << "halab-cli: " << warning << '\n';
        auto *reset = new LabReset(lab.reset, &session->context(), session);
        connect(reset, &LabReset::output, this, [this, session](const QString &line) {
            m_out << session->redactor().redact(line) << '\n';
            m_out.flush();
        });
        connect(reset, &LabReset::finished, this, [this](bool done, const QString &summary) {
            (done ? m_out : m_err) << summary << '\n';
            m_out.flush();
            m_err.flush();
            Q_EMIT finished(done ? Ok : Failed);
        });
        reset->start();
    });
    session->prepare();
    return Async;
}
