#pragma once
// A real PostgreSQL 15 (initdb into a temp dir, the postmaster in the foreground on a free port,
// as the unprivileged 'postgres' user when we are root) and a real redis-server with a password,
// for the sql / redis probe tests and benchmarks. Waits spin a local event loop (test and bench
// code only). Only processes started here are ever signalled, by their own pid / group.

#include "childprocesssetup.h"
#include "demostack.h"
#include "processtree.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <csignal>
#include <memory>
#include <pwd.h>
#include <unistd.h>

namespace ProbeTestSupport {

inline QString postgresBinDir() { return QStringLiteral("/usr/lib/postgresql/15/bin"); }

class PostgresServer
{
public:
    static constexpr const char *Password = "probe-test-pg-password";

    ~PostgresServer() { stop(); }

    static bool available(QString *why)
    {
        if (!QFileInfo(postgresBinDir() + QStringLiteral("/postgres")).isExecutable()) {
            *why = QStringLiteral("postgresql-15 is not installed (apt install postgresql-15)");
            return false;
        }
        if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))) {
            *why = QStringLiteral("the Qt SQL PostgreSQL driver is missing (apt install libqt6sql6-psql)");
            return false;
        }
        if (::geteuid() == 0 && (!::getpwnam("postgres") || QStandardPaths::findExecutable(QStringLiteral("setpriv")).isEmpty())) {
            *why = QStringLiteral("as root the server needs the 'postgres' user and setpriv");
            return false;
        }
        return true;
    }

    bool start(QString *error)
    {
        if (!m_dir.isValid()) {
            *error = QStringLiteral("no temp dir");
            return false;
        }
        const QString data = m_dir.path() + QStringLiteral("/data");
        const QString pwfile = m_dir.path() + QStringLiteral("/pw");
        QFile pw(pwfile);
        if (!pw.open(QIODevice::WriteOnly) || pw.write(Password) < 0) {
            *error = QStringLiteral("cannot write %1").arg(pwfile);
            return false;
        }
        pw.close();
        if (::geteuid() == 0) {
            // The server refuses to run as root: its files belong to 'postgres'.
            const passwd *pg = ::getpwnam("postgres");
            for (const QString &path : {m_dir.path(), pwfile})
                if (::chown(QFile::encodeName(path).constData(), pg->pw_uid, pg->pw_gid) != 0) {
                    *error = QStringLiteral("chown %1 failed").arg(path);
                    return false;
                }
        }
        QProcess initdb;
        initdb.setProcessChannelMode(QProcess::MergedChannels);
        const QStringList initArgs = {postgresBinDir() + QStringLiteral("/initdb"), QStringLiteral("-D"), data,
                                      QStringLiteral("-U"), QStringLiteral("postgres"), QStringLiteral("--pwfile=") + pwfile,
                                      QStringLiteral("--auth-host=scram-sha-256"), QStringLiteral("--auth-local=trust"),
                                      QStringLiteral("--no-sync"), QStringLiteral("-E"), QStringLiteral("UTF8")};
        const QStringList argv = asServerUser(initArgs);
        initdb.start(argv.first(), argv.mid(1));
        if (!initdb.waitForFinished(120000) || initdb.exitStatus() != QProcess::NormalExit || initdb.exitCode() != 0) {
            *error = QStringLiteral("initdb failed: %1").arg(QString::fromUtf8(initdb.readAll().right(2000)));
            return false;
        }
        port = freePort();
        m_server = std::make_unique<QProcess>();
        ChildProcessSetup::apply(m_server.get());
        m_server->setStandardOutputFile(m_dir.path() + QStringLiteral("/server.log"));
        m_server->setStandardErrorFile(m_dir.path() + QStringLiteral("/server.log"), QIODevice::Append);
        const QStringList server = asServerUser({postgresBinDir() + QStringLiteral("/postgres"), QStringLiteral("-D"), data,
                                                 QStringLiteral("-p"), QString::number(port), QStringLiteral("-k"), m_dir.path(),
                                                 QStringLiteral("-c"), QStringLiteral("listen_addresses=127.0.0.1"),
                                                 QStringLiteral("-c"), QStringLiteral("fsync=off"),
                                                 QStringLiteral("-c"), QStringLiteral("max_connections=50")});
        m_server->start(server.first(), server.mid(1));
        if (!spinUntil([this]() { return exec(QStringLiteral("select 1")); }, 30000)) {
            QFile log(m_dir.path() + QStringLiteral("/server.log"));
            log.open(QIODevice::ReadOnly);
            *error = QStringLiteral("postgres did not accept connections on %1: %2").arg(port).arg(QString::fromUtf8(log.readAll().right(2000)));
            return false;
        }
        return true;
    }

    void stop()
    {
        if (!m_server)
            return;
        if (m_server->state() != QProcess::NotRunning) {
            resume();
            ::kill(pid_t(m_server->processId()), SIGQUIT); // immediate shutdown of the postmaster we started
            if (!spinUntil([this]() { return m_server->state() == QProcess::NotRunning; }, 10000))
                ProcessTree::signalTree(m_server->processId(), m_server->processId(), SIGKILL); // it and its backends
            spinUntil([this]() { return m_server->state() == QProcess::NotRunning; }, 5000);
        }
        QSqlDatabase::removeDatabase(QStringLiteral("storestack-admin"));
        m_server.reset();
    }

    // SIGSTOP / SIGCONT to the postmaster and every backend (each backend has its own session).
    void pause() { ProcessTree::signalTree(m_server->processId(), m_server->processId(), SIGSTOP); }
    void resume()
    {
        if (m_server && m_server->state() != QProcess::NotRunning)
            ProcessTree::signalTree(m_server->processId(), m_server->processId(), SIGCONT);
    }

    // Runs SQL as the superuser over TCP (test setup); false on failure.
    bool exec(const QString &sql)
    {
        QSqlDatabase db = QSqlDatabase::contains(QStringLiteral("storestack-admin"))
                              ? QSqlDatabase::database(QStringLiteral("storestack-admin"), false)
                              : QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("storestack-admin"));
        if (!db.isOpen()) {
            db.setConnectOptions(QStringLiteral("host=127.0.0.1 port=%1 user=postgres dbname=postgres connect_timeout=2").arg(port));
            db.setPassword(QString::fromLatin1(Password));
            if (!db.open())
                return false;
        }
        QSqlQuery q(db);
        return q.exec(sql);
    }

    QString connection() const
    {
        return QStringLiteral("host=127.0.0.1 port=%1 dbname=postgres user=postgres").arg(port);
    }
    qint64 pid() const { return m_server ? m_server->processId() : 0; }

    quint16 port = 0;

private:
    static QStringList asServerUser(const QStringList &argv)
    {
        if (::geteuid() != 0)
            return argv;
        return QStringList{QStringLiteral("setpriv"), QStringLiteral("--reuid=postgres"), QStringLiteral("--regid=postgres"),
                           QStringLiteral("--init-groups"), QStringLiteral("--")}
               + argv;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<QProcess> m_server;
};

class RedisServer
{
public:
    static constexpr const char *Password = "probe-test-redis-password";

    ~RedisServer() { stop(); }

    bool start(QString *error)
    {
        port = freePort();
        m_server = std::make_unique<QProcess>();
        ChildProcessSetup::apply(m_server.get());
        m_server->setStandardOutputFile(QProcess::nullDevice());
        m_server->setStandardErrorFile(QProcess::nullDevice());
        m_server->start(QStringLiteral("redis-server"),
                        {QStringLiteral("--port"), QString::number(port), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                         QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"), QStringLiteral("no"),
                         QStringLiteral("--requirepass"), QString::fromLatin1(Password)});
        const bool up = spinUntil([this]() {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, port);
            return s.waitForConnected(200);
        }, 10000);
        if (!up)
            *error = QStringLiteral("redis-server did not listen on %1").arg(port);
        return up;
    }

    void stop()
    {
        if (!m_server)
            return;
        if (m_server->state() != QProcess::NotRunning) {
            resume();
            m_server->kill();
            spinUntil([this]() { return m_server->state() == QProcess::NotRunning; }, 5000);
        }
        m_server.reset();
    }

    void pause() { ::kill(pid_t(m_server->processId()), SIGSTOP); }
    void resume()
    {
        if (m_server && m_server->state() != QProcess::NotRunning)
            ::kill(pid_t(m_server->processId()), SIGCONT);
    }
    QString address() const { return QStringLiteral("127.0.0.1:%1").arg(port); }

    quint16 port = 0;

private:
    std::unique_ptr<QProcess> m_server;
};

} // namespace ProbeTestSupport
