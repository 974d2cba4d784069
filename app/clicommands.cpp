#include "clicommands.h"

#include "labparser.h"

CliCommands::CliCommands(QTextStream &out, QTextStream &err, QObject *parent)
    : QObject(parent)
    , m_out(out)
    , m_err(err)
{
}

int CliCommands::validate(const QStringList &labs)
{
    if (labs.isEmpty()) {
        m_err << "halab-cli validate: name at least one lab file\n";
        return BadInput;
    }
    int code = Ok;
    for (const QString &path : labs) {
        const LabParser::Result result = LabParser::parseFile(path);
        if (!result.ok()) {
            for (const LabDiagnostic &d : result.errors)
                m_err << d.toString() << '\n';
            m_err << path << ": " << result.errors.size() << (result.errors.size() == 1 ? " problem\n" : " problems\n");
            code = BadInput;
            continue;
        }
        m_out << path << ": ok — '" << result.lab.name << "', " << result.lab.checks.size() << " checks, "
              << result.lab.stack.services.size() << " services, " << result.lab.readiness.size() << " readiness levels\n";
    }
    m_out.flush();
    m_err.flush();
    return code;
}
