#pragma once

#include <QObject>
#include <QStringList>
#include <QTextStream>

// The sub-commands of halab-cli. Each returns the process exit code:
// 0 success, 1 a check or action failed, 2 bad input (lab file, arguments), 3 aborted.
class CliCommands : public QObject
{
    Q_OBJECT

public:
    enum ExitCode { Ok = 0, Failed = 1, BadInput = 2, Aborted = 3 };

    CliCommands(QTextStream &out, QTextStream &err, QObject *parent = nullptr);

    // Parses the arguments (without argv[0]) and runs the command; async commands finish via
    // finished(code), sync ones return their code and emit nothing.
    int validate(const QStringList &labs);

private:
    QTextStream &m_out;
    QTextStream &m_err;
};
