#include "sqlprobesession.h"

#include "monoclock.h"

#include <QAtomicInteger>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QUrl>
#include <QUrlQuery>
#include <QRegularExpression>

#include <libpq-fe.h>

#include <algorithm>
#include <utility>
#include <cmath>

namespace {
constexpr qsizetype MaxOutputBytes = 1 << 20;

QAtomicInteger<quint64> s_sessions;

QString quoted(const QString &value)
{
    QString v = value;
    v.replace(QLatin1Char('\\'), QStringLiteral("\\\\")).replace(QLatin1Char('\''), QStringLiteral("\\'"));
    return QLatin1Char('\'') + v + QLatin1Char('\'');
}

QString errorText(const QSqlError &e)
{
    QString text = e.databaseText().trimmed();
    if (text.isEmpty())
        text = e.driverText().trimmed();
    return text.simplified();
}
} // namespace

SqlProbeSession::SqlProbeSession(const ProbeSpec &spec, qint64 timeoutMs, std::shared_ptr<Socket> socket)
    : m_spec(spec)
    , m_timeoutMs(timeoutMs)
    , m_name(QStringLiteral("halab-sql-probe-%1").arg(s_sessions.fetchAndAddRelaxed(1) + 1))
    , m_socket(std::move(socket))
{
    m_options = connectOptions(spec, timeoutMs, &m_password);
}

SqlProbeSession::~SqlProbeSession()
{
    close();
}

QString SqlProbeSession::connectOptions(const ProbeSpec &spec, qint64 timeoutMs, QString *password)
{
    // libpq reads PG* only from the process environment; a probe's own env becomes keywords.
    static const QList<std::pair<const char *, const char *>> fromEnv = {
        {"PGHOST", "host"}, {"PGHOSTADDR", "hostaddr"}, {"PGPORT", "port"}, {"PGDATABASE", "dbname"},
        {"PGUSER", "user"}, {"PGSSLMODE", "sslmode"}, {"PGAPPNAME", "application_name"},
        {"PGCONNECT_TIMEOUT", "connect_timeout"}, {"PGOPTIONS", "options"},
        {"PGTARGETSESSIONATTRS", "target_session_attrs"}};
    QList<std::pair<QString, QString>> pairs;
    for (const auto &[var, key] : fromEnv)
        if (spec.env.contains(QLatin1String(var)))
            pairs.append({QLatin1String(key), spec.env.value(QLatin1String(var))});
    *password = spec.env.value(QStringLiteral("PGPASSWORD"));

    QString conninfo = spec.connection.trimmed();
    if (conninfo.startsWith(QLatin1String("postgres://")) || conninfo.startsWith(QLatin1String("postgresql://"))) {
        const QUrl url(conninfo);
        if (!url.host().isEmpty())
            pairs.append({QStringLiteral("host"), url.host()});
        if (url.port() > 0)
            pairs.append({QStringLiteral("port"), QString::number(url.port())});
        if (!url.userName().isEmpty())
            pairs.append({QStringLiteral("user"), url.userName()});
        if (!url.password().isEmpty())
            *password = url.password();
        const QString db = url.path().mid(1);
        if (!db.isEmpty())
            pairs.append({QStringLiteral("dbname"), db});
        const QList<std::pair<QString, QString>> items = QUrlQuery(url).queryItems(QUrl::FullyDecoded);
        for (const auto &item : items)
            pairs.append(item);
        conninfo.clear();
    }
    QString out;
    for (const auto &[key, value] : std::as_const(pairs))
        out += key + QLatin1Char('=') + quoted(value) + QLatin1Char(' ');
    out += conninfo; // explicit keywords come last and win, as in libpq
    const auto has = [&](const char *key) {
        return out.contains(QRegularExpression(QStringLiteral("(^|\\s)%1\\s*=").arg(QLatin1String(key))));
    };
    // libpq waits at least 2 s to connect; the probe's own deadline reports sooner anyway.
    if (!has("connect_timeout"))
        out += QStringLiteral(" connect_timeout=%1").arg(std::max<qint64>(2, (timeoutMs + 999) / 1000));
    if (!has("application_name"))
        out += QStringLiteral(" application_name=%1").arg(quoted(QStringLiteral("halab-probe %1").arg(spec.id)));
    return out.trimmed();
}

bool SqlProbeSession::open(QString *error)
{
    if (!QSqlDatabase::contains(m_name))
        QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_name);
    QSqlDatabase db = QSqlDatabase::database(m_name, false);
    if (!db.isValid()) {
        *error = QStringLiteral("the PostgreSQL driver of Qt SQL is missing (Debian: apt install libqt6sql6-psql)");
        return false;
    }
    db.setConnectOptions(m_options);
    db.setPassword(m_password);
    if (!db.open()) {
        *error = QStringLiteral("connect: %1").arg(errorText(db.lastError()));
        db.close();
        return false;
    }
    const QVariant handle = db.driver()->handle();
    if (handle.isValid() && qstrcmp(handle.typeName(), "PGconn*") == 0) {
        PGconn *conn = *static_cast<PGconn *const *>(handle.constData());
        QMutexLocker lock(&m_socket->mutex);
        m_socket->fd = conn ? PQsocket(conn) : -1;
        m_socket->cut = false;
    }
    // The server gives up on a statement too, just after the probe's own deadline (a backstop
    // for when this thread cannot be reached).
    QSqlQuery set(db);
    if (!set.exec(QStringLiteral("SET statement_timeout = %1").arg(m_timeoutMs + std::max<qint64>(m_timeoutMs / 10, 100)))) {
        *error = QStringLiteral("SET statement_timeout: %1").arg(errorText(set.lastError()));
        drop();
        return false;
    }
    m_open = true;
    return true;
}

void SqlProbeSession::drop()
{
    {
        // The owner thread must not touch the fd once libpq may close it.
        QMutexLocker lock(&m_socket->mutex);
        m_socket->fd = -1;
    }
    m_open = false;
    if (QSqlDatabase::contains(m_name)) {
        QSqlDatabase db = QSqlDatabase::database(m_name, false);
        db.close();
    }
}

void SqlProbeSession::warmUp()
{
    QString ignored;
    if (!m_open)
        open(&ignored);
}

void SqlProbeSession::close()
{
    drop();
    if (QSqlDatabase::contains(m_name))
        QSqlDatabase::removeDatabase(m_name);
}

ProbeOutcome SqlProbeSession::attempt()
{
    ProbeOutcome o;
    o.startNs = MonoClock::nowNs();
    bool wasCut = false;
    {
        QMutexLocker lock(&m_socket->mutex);
        wasCut = std::exchange(m_socket->cut, false);
    }
    if (wasCut)
        drop(); // the owner cut it at a deadline (maybe just after the answer came): start afresh
    if (!m_open && !open(&o.error)) {
        o.endNs = MonoClock::nowNs();
        return o;
    }
    QSqlDatabase db = QSqlDatabase::database(m_name, false);
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.exec(m_spec.query)) {
        o.endNs = MonoClock::nowNs();
        o.error = errorText(query.lastError());
        if (query.lastError().nativeErrorCode() == QLatin1String("57014")) { // query_canceled: our statement_timeout
            o.timedOut = true;
            o.error = QStringLiteral("timed out after %1 ms").arg(m_timeoutMs);
        }
        // After any failure a fresh connection: the server may have been replaced behind the address.
        query.finish();
        drop();
        return o;
    }
    o.responded = true;
    int rows = 0;
    if (query.isSelect()) {
        const int columns = query.record().count();
        while (query.next()) {
            if (o.output.size() < MaxOutputBytes) {
                if (rows > 0)
                    o.output += '\n';
                for (int c = 0; c < columns; ++c) {
                    if (c > 0)
                        o.output += '|';
                    o.output += query.value(c).toString().toUtf8();
                }
            }
            ++rows;
        }
    } else {
        rows = std::max(query.numRowsAffected(), 0);
    }
    o.endNs = MonoClock::nowNs();
    o.status = rows;
    return o;
}
