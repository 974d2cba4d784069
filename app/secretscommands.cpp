#include "secretscommands.h"

#include "didyoumean.h"
#include "keychainstore.h"
#include "labparser.h"
#include "sessionsecrets.h"

#include <QFile>

#include <cstdio>
#include <termios.h>
#include <unistd.h>

SecretsCommands::SecretsCommands(QTextStream &out, QTextStream &err, QObject *parent)
    : QObject(parent)
    , m_out(out)
    , m_err(err)
{
}

QString SecretsCommands::usage()
{
    return QStringLiteral("halab-cli: use 'secrets list LAB', 'secrets set LAB NAME' (value on stdin) or 'secrets clear LAB NAME'\n");
}

int SecretsCommands::run(const QStringList &args)
{
    const QString sub = args.value(0);
    if (sub == QLatin1String("list") && args.size() == 2)
        return list(args.at(1));
    if (sub == QLatin1String("set") && args.size() == 3)
        return set(args.at(1), args.at(2));
    if (sub == QLatin1String("clear") && args.size() == 3)
        return clear(args.at(1), args.at(2));
    if (sub == QLatin1String("set") && args.size() > 3)
        m_err << "halab-cli secrets set: the value is read from stdin, never from the command line "
                 "(it would show in the process list and shell history)\n";
    m_err << usage();
    m_err.flush();
    return BadInput;
}

bool SecretsCommands::loadLab(const QString &path, Lab *lab)
{
    const LabParser::Result result = LabParser::parseFile(path);
    if (!result.ok()) {
        for (const LabDiagnostic &d : result.errors)
            m_err << d.toString() << '\n';
        m_err << path << ": " << result.errors.size() << (result.errors.size() == 1 ? " problem\n" : " problems\n");
        m_err.flush();
        return false;
    }
    if (result.lab.id.isEmpty()) {
        m_err << path << ": the lab has no 'id'; its keychain entries are stored under it\n";
        m_err.flush();
        return false;
    }
    *lab = result.lab;
    return true;
}

bool SecretsCommands::checkName(const Lab &lab, const QString &name, const char *command)
{
    QStringList declared;
    for (const SecretSpec &s : lab.secrets)
        declared.append(s.name);
    if (declared.contains(name))
        return true;
    m_err << "halab-cli secrets " << command << ": the lab declares no secret '" << name << "'"
          << DidYouMean::hint(name, declared);
    if (declared.isEmpty())
        m_err << "; it declares none\n";
    else
        m_err << "; it declares " << declared.join(QStringLiteral(", ")) << '\n';
    m_err.flush();
    return false;
}

void SecretsCommands::done(int code)
{
    m_out.flush();
    m_err.flush();
    Q_EMIT finished(code);
}

int SecretsCommands::list(const QString &labPath)
{
    if (!loadLab(labPath, &m_lab))
        return BadInput;
    if (m_lab.secrets.isEmpty()) {
        m_out << m_lab.name << ": the lab declares no secrets\n";
        m_out.flush();
        return Ok;
    }
    auto *store = new KeychainStore(this);
    m_pending = int(m_lab.secrets.size());
    for (const SecretSpec &spec : std::as_const(m_lab.secrets)) {
        KeychainJob *job = store->read(m_lab.id, spec.name);
        const QString name = spec.name;
        connect(job, &KeychainJob::finished, this,
                [this, name](bool ok, const QString &, KeychainJob::Error kind, const QString &message) {
                    if (ok) {
                        m_status.insert(name, QStringLiteral("present"));
                    } else if (kind == KeychainJob::Missing) {
                        m_status.insert(name, QStringLiteral("missing"));
                    } else {
                        m_status.insert(name, QStringLiteral("unknown"));
                        if (kind == KeychainJob::NoSecretService) {
                            if (m_keychainError.isEmpty())
                                m_keychainError = message;
                        } else {
                            m_failed = true;
                            m_err << "halab-cli secrets list: " << message << '\n';
                        }
                    }
                    if (--m_pending == 0)
                        printList();
                });
    }
    return Async;
}

void SecretsCommands::printList()
{
    if (!m_keychainError.isEmpty()) {
        m_err << "halab-cli secrets list: " << m_keychainError << '\n';
        done(BadInput);
        return;
    }
    qsizetype width = 4;
    for (const SecretSpec &s : std::as_const(m_lab.secrets))
        width = std::max(width, s.name.size());
    m_out << QStringLiteral("NAME").leftJustified(width + 2) << QStringLiteral("STATUS").leftJustified(9) << "DESCRIPTION\n";
    for (const SecretSpec &s : std::as_const(m_lab.secrets)) {
        const QString status = m_status.value(s.name);
        QString description = s.description;
        if (status == QLatin1String("missing") && s.generateIfMissing)
            description += QStringLiteral(" (generated on first use)");
        if (!qEnvironmentVariableIsEmpty(qPrintable(SessionSecrets::environmentName(s.name))))
            description += QStringLiteral(" (%1 overrides it here)").arg(SessionSecrets::environmentName(s.name));
        m_out << s.name.leftJustified(width + 2) << status.leftJustified(9) << description << '\n';
    }
    done(m_failed ? Failed : Ok);
}

bool SecretsCommands::readValue(const QString &name, QString *value)
{
    QByteArray bytes;
    if (isatty(STDIN_FILENO)) {
        // A person at a terminal: prompt on stderr and keep the value off the screen.
        m_err << "Value for " << name << " (not echoed): ";
        m_err.flush();
        termios saved{};
        const bool haveTerm = tcgetattr(STDIN_FILENO, &saved) == 0;
        if (haveTerm) {
            termios quiet = saved;
            quiet.c_lflag &= ~tcflag_t(ECHO);
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
        char buffer[4096];
        if (fgets(buffer, sizeof buffer, stdin))
            bytes = QByteArray(buffer);
        if (haveTerm)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        m_err << '\n';
    } else {
        QFile in;
        if (!in.open(stdin, QIODevice::ReadOnly)) {
            m_err << "halab-cli secrets set: cannot read stdin\n";
            return false;
        }
        bytes = in.readAll(); // a CLI may block on its input; the GUI never uses this path
    }
    if (bytes.endsWith('\n')) // `echo value |` adds one newline; keep anything else verbatim
        bytes.chop(bytes.endsWith("\r\n") ? 2 : 1);
    *value = QString::fromUtf8(bytes);
    if (value->isEmpty()) {
        m_err << "halab-cli secrets set: no value on stdin for " << name
              << " (pipe it in: 'printf %s \"$VALUE\" | halab-cli secrets set LAB " << name << "')\n";
        return false;
    }
    return true;
}

int SecretsCommands::set(const QString &labPath, const QString &name)
{
    if (!loadLab(labPath, &m_lab) || !checkName(m_lab, name, "set"))
        return BadInput;
    QString value;
    if (!readValue(name, &value)) {
        m_err.flush();
        return BadInput;
    }
    auto *store = new KeychainStore(this);
    KeychainJob *job = store->write(m_lab.id, name, value);
    connect(job, &KeychainJob::finished, this,
            [this, name](bool ok, const QString &, KeychainJob::Error kind, const QString &message) {
                if (ok) {
                    m_out << name << ": stored in the keychain\n";
                    done(Ok);
                    return;
                }
                m_err << "halab-cli secrets set: " << message << '\n';
                done(kind == KeychainJob::NoSecretService ? BadInput : Failed);
            });
    return Async;
}

int SecretsCommands::clear(const QString &labPath, const QString &name)
{
    if (!loadLab(labPath, &m_lab) || !checkName(m_lab, name, "clear"))
        return BadInput;
    auto *store = new KeychainStore(this);
    const auto failed = [this](KeychainJob::Error kind, const QString &message) {
        m_err << "halab-cli secrets clear: " << message << '\n';
        done(kind == KeychainJob::NoSecretService ? BadInput : Failed);
    };
    // Read first: the Secret Service reports success for removing an entry that is not there.
    KeychainJob *read = store->read(m_lab.id, name);
    connect(read, &KeychainJob::finished, this,
            [this, store, name, failed](bool present, const QString &, KeychainJob::Error kind, const QString &message) {
                if (!present && kind == KeychainJob::Missing) {
                    m_out << name << ": was not in the keychain\n";
                    done(Ok);
                    return;
                }
                if (!present) {
                    failed(kind, message);
                    return;
                }
                KeychainJob *job = store->remove(m_lab.id, name);
                connect(job, &KeychainJob::finished, this,
                        [this, name, failed](bool ok, const QString &, KeychainJob::Error why, const QString &text) {
                            if (!ok && why != KeychainJob::Missing) {
                                failed(why, text);
                                return;
                            }
                            m_out << name << ": removed from the keychain\n";
                            done(Ok);
                        });
            });
    return Async;
}
