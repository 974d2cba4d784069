#include "runstore.h"

#include "clusteranomaly.h"
#include "expectationoutcome.h"
#include "runeventtext.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStandardPaths>
#include <QSysInfo>
#include <QUuid>
#include <QVariant>

#include <atomic>
#include <tuple>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <csignal>
#include <sys/types.h>
#endif

using namespace Qt::StringLiterals;

namespace {

// Each migration brings the schema from version-1 to version; add v2 by appending a step.
struct Migration
{
    int version;
    QList<QString> statements;
};

QList<Migration> migrations()
{
    return {
        {1,
         {
             u"CREATE TABLE runs ("
             u" id TEXT PRIMARY KEY,"
             u" lab_name TEXT NOT NULL DEFAULT '',"
             u" lab_path TEXT NOT NULL DEFAULT '',"
             u" started_ms INTEGER,"
             u" finished_ms INTEGER,"
             u" operator TEXT NOT NULL DEFAULT '',"
             u" app_version TEXT NOT NULL DEFAULT '',"
             u" host_os TEXT NOT NULL DEFAULT '',"
             u" stack_versions TEXT NOT NULL DEFAULT '{}',"
             u" state TEXT NOT NULL DEFAULT 'running',"
             u" notes TEXT NOT NULL DEFAULT '',"
             u" writer_pid INTEGER NOT NULL DEFAULT 0,"
             u" writer_host TEXT NOT NULL DEFAULT '',"
             u" writer_start TEXT NOT NULL DEFAULT '')"_s,
             u"CREATE INDEX runs_started ON runs(started_ms)"_s,
             u"CREATE INDEX runs_state ON runs(state)"_s,
             u"CREATE TABLE check_results ("
             u" run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
             u" check_id TEXT NOT NULL,"
             u" position INTEGER NOT NULL,"
             u" title TEXT NOT NULL DEFAULT '',"
             u" verdict TEXT NOT NULL DEFAULT 'NOT RUN',"
             u" note TEXT NOT NULL DEFAULT '',"
             u" metrics TEXT NOT NULL DEFAULT '{}',"
             u" resolutions TEXT NOT NULL DEFAULT '{}',"
             u" failures TEXT NOT NULL DEFAULT '[]',"
             u" started_ms INTEGER,"
             u" finished_ms INTEGER,"
             u" override_reason TEXT NOT NULL DEFAULT '',"
             u" PRIMARY KEY (run_id, check_id))"_s,
             u"CREATE INDEX check_results_check ON check_results(check_id, verdict)"_s,
             u"CREATE TABLE verdict_history ("
             u" id INTEGER PRIMARY KEY,"
             u" run_id TEXT NOT NULL,"
             u" check_id TEXT NOT NULL,"
             u" at_ms INTEGER NOT NULL,"
             u" verdict TEXT NOT NULL,"
             u" source TEXT NOT NULL,"
             u" failures TEXT NOT NULL DEFAULT '[]',"
             u" note TEXT NOT NULL DEFAULT '',"
             u" override_reason TEXT NOT NULL DEFAULT '',"
             u" FOREIGN KEY (run_id, check_id) REFERENCES check_results(run_id, check_id) ON DELETE CASCADE)"_s,
             u"CREATE INDEX verdict_history_check ON verdict_history(run_id, check_id)"_s,
             u"CREATE TABLE steps ("
             u" id INTEGER PRIMARY KEY,"
             u" run_id TEXT NOT NULL,"
             u" check_id TEXT NOT NULL,"
             u" step_index INTEGER NOT NULL,"
             u" ok INTEGER NOT NULL,"
             u" skipped INTEGER NOT NULL,"
             u" summary TEXT NOT NULL DEFAULT '',"
             u" request TEXT NOT NULL DEFAULT '',"
             u" status INTEGER NOT NULL DEFAULT 0,"
             u" headers TEXT NOT NULL DEFAULT '',"
             u" body TEXT NOT NULL DEFAULT '',"
             u" stderr TEXT NOT NULL DEFAULT '',"
             u" started_ms INTEGER NOT NULL DEFAULT 0,"
             u" duration_ms REAL NOT NULL DEFAULT 0,"
             u" matrix TEXT NOT NULL DEFAULT '[]',"
             u" FOREIGN KEY (run_id, check_id) REFERENCES check_results(run_id, check_id) ON DELETE CASCADE)"_s,
             u"CREATE INDEX steps_check ON steps(run_id, check_id)"_s,
             u"CREATE TABLE events ("
             u" id INTEGER PRIMARY KEY,"
             u" run_id TEXT NOT NULL,"
             u" check_id TEXT NOT NULL,"
             u" kind TEXT NOT NULL,"
             u" mono_ns INTEGER NOT NULL DEFAULT 0,"
             u" wall_ms INTEGER NOT NULL DEFAULT 0,"
             u" service TEXT NOT NULL DEFAULT '',"
             u" action TEXT NOT NULL DEFAULT '',"
             u" detail TEXT NOT NULL DEFAULT '',"
             u" FOREIGN KEY (run_id, check_id) REFERENCES check_results(run_id, check_id) ON DELETE CASCADE)"_s,
             u"CREATE INDEX events_check ON events(run_id, check_id)"_s,
             u"CREATE TABLE samples ("
             u" id INTEGER PRIMARY KEY,"
             u" run_id TEXT NOT NULL,"
             u" check_id TEXT NOT NULL,"
             u" probe_id TEXT NOT NULL,"
             u" mono_ns INTEGER NOT NULL,"
             u" wall_ms INTEGER NOT NULL,"
             u" ok INTEGER NOT NULL,"
             u" latency_ms REAL NOT NULL,"
             u" status INTEGER NOT NULL,"
             u" value TEXT NOT NULL DEFAULT '',"
             u" error TEXT NOT NULL DEFAULT '',"
             u" late_ns INTEGER NOT NULL DEFAULT 0,"
             u" FOREIGN KEY (run_id, check_id) REFERENCES check_results(run_id, check_id) ON DELETE CASCADE)"_s,
             u"CREATE INDEX samples_check ON samples(run_id, check_id)"_s,
         }},
        // v2: timings carry the interval that holds the truth (the old ± "resolutions" column is no
        // longer read: it was not a bound, so old runs show no interval); saved text values for
        // text expectations; cluster anomalies; where a check stopped; skipped samples.
        {2,
         {
             u"ALTER TABLE check_results ADD COLUMN intervals TEXT NOT NULL DEFAULT '{}'"_s,
             u"ALTER TABLE check_results ADD COLUMN saved TEXT NOT NULL DEFAULT '{}'"_s,
             u"ALTER TABLE check_results ADD COLUMN anomalies TEXT NOT NULL DEFAULT '[]'"_s,
             u"ALTER TABLE check_results ADD COLUMN stopped_at_step INTEGER NOT NULL DEFAULT -1"_s,
             u"ALTER TABLE samples ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0"_s,
         }},
        // v3: the service log lines of a run (bounded, redacted) and how many each service had dropped.
        {3,
         {
             u"CREATE TABLE service_logs ("
             u" id INTEGER PRIMARY KEY,"
             u" run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
             u" service TEXT NOT NULL,"
             u" check_id TEXT NOT NULL DEFAULT '',"
             u" wall_ms INTEGER NOT NULL,"
             u" stderr INTEGER NOT NULL DEFAULT 0,"
             u" text TEXT NOT NULL DEFAULT '')"_s,
             u"CREATE INDEX service_logs_run ON service_logs(run_id, service)"_s,
             u"CREATE TABLE service_log_tallies ("
             u" run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
             u" service TEXT NOT NULL,"
             u" stored INTEGER NOT NULL DEFAULT 0,"
             u" dropped INTEGER NOT NULL DEFAULT 0,"
             u" first_dropped_ms INTEGER,"
             u" last_dropped_ms INTEGER,"
             u" PRIMARY KEY (run_id, service))"_s,
         }},
    };
}

// Qt binds a null QString as SQL NULL; the text columns are NOT NULL, so empty means ''.
QVariant v(const QString &s)
{
    return s.isNull() ? QVariant(QStringLiteral("")) : QVariant(s);
}

QVariant v(const QVariant &x)
{
    return x;
}

template<typename T>
QVariant v(const T &x)
{
    return QVariant::fromValue(x);
}

QVariant msOrNull(const QDateTime &when)
{
    return when.isValid() ? QVariant(when.toMSecsSinceEpoch()) : QVariant(QMetaType(QMetaType::LongLong));
}

QDateTime fromMs(const QVariant &v)
{
    if (v.isNull())
        return {};
    return QDateTime::fromMSecsSinceEpoch(v.toLongLong(), Qt::UTC);
}

QString toJson(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QString toJson(const QJsonArray &a)
{
    return QString::fromUtf8(QJsonDocument(a).toJson(QJsonDocument::Compact));
}

QString numbersJson(const QMap<QString, double> &map)
{
    QJsonObject o;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        o.insert(it.key(), it.value());
    return toJson(o);
}

QMap<QString, double> numbersFromJson(const QString &text)
{
    QMap<QString, double> map;
    const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
    for (auto it = o.constBegin(); it != o.constEnd(); ++it)
        map.insert(it.key(), it.value().toDouble());
    return map;
}

QString intervalsJson(const MetricIntervals &map)
{
    QJsonObject o;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        o.insert(it.key(), QJsonArray{it.value().lo, it.value().hi});
    return toJson(o);
}

MetricIntervals intervalsFromJson(const QString &text)
{
    MetricIntervals map;
    const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
    for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
        const QJsonArray a = it.value().toArray();
        if (a.size() == 2)
            map.insert(it.key(), {a.at(0).toDouble(), a.at(1).toDouble()});
    }
    return map;
}

QString anomaliesJson(const QList<ClusterAnomaly> &list)
{
    QJsonArray a;
    for (const ClusterAnomaly &x : list)
        a.append(x.toJson());
    return toJson(a);
}

QList<ClusterAnomaly> anomaliesFromJson(const QString &text)
{
    QList<ClusterAnomaly> list;
    const QJsonArray a = QJsonDocument::fromJson(text.toUtf8()).array();
    for (const QJsonValue &v : a)
        if (const std::optional<ClusterAnomaly> x = ClusterAnomaly::fromJson(v.toObject()))
            list.append(*x);
    return list;
}

QString stringsJson(const QMap<QString, QString> &map)
{
    QJsonObject o;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        o.insert(it.key(), it.value());
    return toJson(o);
}

QMap<QString, QString> stringsFromJson(const QString &text)
{
    QMap<QString, QString> map;
    const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
    for (auto it = o.constBegin(); it != o.constEnd(); ++it)
        map.insert(it.key(), it.value().toString());
    return map;
}

QString listJson(const QStringList &list)
{
    return toJson(QJsonArray::fromStringList(list));
}

QStringList listFromJson(const QString &text)
{
    QStringList list;
    const QJsonArray a = QJsonDocument::fromJson(text.toUtf8()).array();
    for (const QJsonValue &v : a)
        list.append(v.toString());
    return list;
}

QString matrixJson(const QList<QPair<int, int>> &matrix)
{
    QJsonArray a;
    for (const QPair<int, int> &row : matrix)
        a.append(QJsonArray{row.first, row.second});
    return toJson(a);
}

QList<QPair<int, int>> matrixFromJson(const QString &text)
{
    QList<QPair<int, int>> matrix;
    const QJsonArray a = QJsonDocument::fromJson(text.toUtf8()).array();
    for (const QJsonValue &v : a) {
        const QJsonArray row = v.toArray();
        matrix.append({row.at(0).toInt(), row.at(1).toInt()});
    }
    return matrix;
}

Run::State stateFromText(const QString &text)
{
    for (Run::State s : {Run::State::Running, Run::State::Finished, Run::State::Interrupted, Run::State::Incomplete})
        if (Run::stateText(s) == text)
            return s;
    return Run::State::Interrupted;
}

// /proc/<pid>/stat: field 3 is the state, field 22 the start time in clock ticks since boot.
QStringList procStat(qint64 pid)
{
    QFile f(u"/proc/"_s % QString::number(pid) % u"/stat"_s);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QString text = QString::fromLatin1(f.readAll());
    const qsizetype close = text.lastIndexOf(u')');
    if (close < 0)
        return {};
    return text.mid(close + 1).split(u' ', Qt::SkipEmptyParts); // [0] = field 3
}

// The writer's start time tells a reused pid from the process that wrote the run.
QString processStartTicks(qint64 pid)
{
    const QStringList fields = procStat(pid);
    return fields.size() > 19 ? fields.at(19) : QString();
}

bool processAlive(qint64 pid, const QString &startTicks)
{
    if (pid <= 0)
        return false;
#ifdef Q_OS_UNIX
    if (::kill(pid_t(pid), 0) != 0 && errno != EPERM)
        return false;
    const QStringList fields = procStat(pid);
    if (fields.isEmpty())
        return true; // no /proc: the pid exists, trust it
    if (fields.at(0) == u"Z"_s || fields.at(0) == u"X"_s)
        return false; // killed, not yet reaped by its parent
    return startTicks.isEmpty() || fields.size() <= 19 || fields.at(19) == startTicks;
#else
    Q_UNUSED(startTicks);
    return true; // cannot tell: never mark another platform's runs interrupted
#endif
}

std::atomic<int> connectionCounter{0};

} // namespace

struct RunStore::Statements
{
    explicit Statements(const QSqlDatabase &db)
        : ensureCheck(db), startCheck(db), insertSample(db), insertEvent(db), insertStep(db), insertHistory(db)
    {
    }

    QSqlQuery ensureCheck;
    QSqlQuery startCheck;
    QSqlQuery insertSample;
    QSqlQuery insertEvent;
    QSqlQuery insertStep;
    QSqlQuery insertHistory;
};

RunStore::RunStore() = default;

RunStore::~RunStore()
{
    close();
}

QString RunStore::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) % u"/runs.sqlite"_s;
}

int RunStore::latestSchemaVersion()
{
    return migrations().constLast().version;
}

bool RunStore::fail(const QString &what) const
{
    m_lastError = what;
    return false;
}

bool RunStore::isOpen() const
{
    return !m_connection.isEmpty() && QSqlDatabase::database(m_connection, false).isOpen();
}

void RunStore::close()
{
    if (m_connection.isEmpty())
        return;
    m_statements.reset(); // queries must go before their connection
    {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
    m_connection.clear();
}

bool RunStore::open(const QString &path, QString *error)
{
    close();
    m_path = path;
    auto failed = [&](const QString &why) {
        m_lastError = why;
        if (error)
            *error = why;
        close();
        return false;
    };
    if (!QSqlDatabase::isDriverAvailable(u"QSQLITE"_s))
        return failed(u"the Qt SQLite driver (QSQLITE) is not installed"_s);
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath()))
        return failed(u"cannot create the folder %1"_s.arg(info.absolutePath()));

    m_connection = u"halab.runstore."_s % QString::number(connectionCounter.fetch_add(1));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connection);
        db.setDatabaseName(path);
        // Another process (the console while halab-cli writes) may hold the write lock for a moment.
        db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
        if (!db.open())
            return failed(u"cannot open %1: %2"_s.arg(path, db.lastError().text()));
        QSqlQuery q(db);
        // WAL: a commit is one append to the -wal file; a killed writer loses nothing committed,
        // readers never block it. NORMAL: the WAL is fsynced at checkpoints, not every commit:
        // committed data survives SIGKILL (it is in the OS page cache); only a power cut or kernel
        // crash can lose the last commits. FULL would fsync per commit for that too, at a cost per batch.
        const bool wal = q.exec(u"PRAGMA journal_mode"_s) && q.next() && q.value(0).toString().compare(u"wal"_s, Qt::CaseInsensitive) == 0;
        q.finish();
        if (!wal && (!q.exec(u"PRAGMA journal_mode=WAL"_s) || !q.next() || q.value(0).toString().compare(u"wal"_s, Qt::CaseInsensitive) != 0))
            return failed(u"cannot switch %1 to WAL mode: %2"_s.arg(path, q.lastError().text()));
        q.finish();
        if (!q.exec(u"PRAGMA synchronous=NORMAL"_s) || !q.exec(u"PRAGMA foreign_keys=ON"_s))
            return failed(u"cannot configure %1: %2"_s.arg(path, q.lastError().text()));
    }

    const int current = schemaVersion();
    if (current < 0)
        return failed(m_lastError);
    if (current > latestSchemaVersion())
        return failed(u"%1 has schema version %2, newer than this HA Lab Console understands (%3); use a newer version"_s
                          .arg(path)
                          .arg(current)
                          .arg(latestSchemaVersion()));
    if (!migrate(current))
        return failed(m_lastError);
    if (!prepareStatements())
        return failed(m_lastError);
    m_lastError.clear();
    return true;
}

int RunStore::schemaVersion() const
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery q(db);
    // Look before creating: a reader opening the file must not take the write lock from a running writer.
    if (!q.exec(u"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"_s) || !q.next()) {
        m_lastError = u"cannot read the schema version: "_s % q.lastError().text();
        return -1;
    }
    const bool exists = q.value(0).toInt() > 0;
    q.finish();
    if (!exists && !q.exec(u"CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_ms INTEGER NOT NULL)"_s)) {
        m_lastError = u"cannot read the schema version: "_s % q.lastError().text();
        return -1;
    }
    if (!q.exec(u"SELECT COALESCE(MAX(version), 0) FROM schema_version"_s) || !q.next()) {
        m_lastError = u"cannot read the schema version: "_s % q.lastError().text();
        return -1;
    }
    return q.value(0).toInt();
}

bool RunStore::migrate(int from)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    const QList<Migration> steps = migrations();
    for (const Migration &m : steps) {
        if (m.version <= from)
            continue;
        // One transaction per version: a crash mid-migration leaves the previous version intact.
        if (!begin())
            return false;
        QSqlQuery q(db);
        for (const QString &sql : m.statements) {
            if (!q.exec(sql)) {
                const QString why = u"migration to schema v%1 failed: %2"_s.arg(m.version).arg(q.lastError().text());
                rollback();
                return fail(why);
            }
        }
        q.prepare(u"INSERT INTO schema_version(version, applied_ms) VALUES(?, ?)"_s);
        q.addBindValue(v(m.version));
        q.addBindValue(v(QDateTime::currentMSecsSinceEpoch()));
        if (!q.exec()) {
            const QString why = q.lastError().text();
            rollback();
            return fail(why);
        }
        if (!commit())
            return false;
    }
    return true;
}

bool RunStore::prepareStatements()
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    m_statements = std::make_unique<Statements>(db);
    Statements &s = *m_statements;
    const bool ok =
        s.ensureCheck.prepare(u"INSERT OR IGNORE INTO check_results(run_id, check_id, position, verdict)"
                              u" VALUES(?, ?, (SELECT COALESCE(MAX(position) + 1, 0) FROM check_results WHERE run_id = ?), 'RUNNING')"_s)
        && s.startCheck.prepare(u"UPDATE check_results SET verdict = 'RUNNING' WHERE run_id = ? AND check_id = ? AND verdict = 'NOT RUN'"_s)
        && s.insertSample.prepare(u"INSERT INTO samples(run_id, check_id, probe_id, mono_ns, wall_ms, ok, latency_ms, status, value, error, late_ns,"
                                  u" skipped) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s)
        && s.insertEvent.prepare(u"INSERT INTO events(run_id, check_id, kind, mono_ns, wall_ms, service, action, detail)"
                                 u" VALUES(?, ?, ?, ?, ?, ?, ?, ?)"_s)
        && s.insertStep.prepare(u"INSERT INTO steps(run_id, check_id, step_index, ok, skipped, summary, request, status, headers, body, stderr,"
                                u" started_ms, duration_ms, matrix) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s)
        && s.insertHistory.prepare(u"INSERT INTO verdict_history(run_id, check_id, at_ms, verdict, source, failures, note, override_reason)"
                                   u" VALUES(?, ?, ?, ?, ?, ?, ?, ?)"_s);
    if (!ok)
        return fail(u"cannot prepare statements: "_s % db.lastError().text());
    return true;
}

bool RunStore::begin()
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    // IMMEDIATE takes the write lock up front (waiting on the busy timeout) instead of failing mid-way.
    if (!q.exec(u"BEGIN IMMEDIATE"_s))
        return fail(u"cannot start a transaction: "_s % q.lastError().text());
    return true;
}

bool RunStore::commit()
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(u"COMMIT"_s)) {
        const QString why = u"cannot commit: "_s % q.lastError().text();
        rollback();
        return fail(why);
    }
    return true;
}

void RunStore::rollback()
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.exec(u"ROLLBACK"_s);
}

bool RunStore::ensureCheck(const QString &runId, const QString &checkId)
{
    QSqlQuery &q = m_statements->ensureCheck;
    q.addBindValue(v(runId));
    q.addBindValue(v(checkId));
    q.addBindValue(v(runId));
    if (!q.exec())
        return fail(u"cannot add check %1 to run %2: %3"_s.arg(checkId, runId, q.lastError().text()));
    q.finish();
    QSqlQuery &s = m_statements->startCheck;
    s.addBindValue(v(runId));
    s.addBindValue(v(checkId));
    if (!s.exec())
        return fail(s.lastError().text());
    s.finish();
    return true;
}

QString RunStore::createRun(const Run &header)
{
    if (!isOpen()) {
        fail(u"the run store is not open"_s);
        return {};
    }
    const QString id = header.id.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : header.id;
    if (!begin())
        return {};
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"INSERT INTO runs(id, lab_name, lab_path, started_ms, finished_ms, operator, app_version, host_os, stack_versions,"
              u" state, notes, writer_pid, writer_host, writer_start) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s);
    const qint64 pid = QCoreApplication::applicationPid();
    q.addBindValue(v(id));
    q.addBindValue(v(header.labName));
    q.addBindValue(v(header.labPath));
    q.addBindValue(v(msOrNull(header.started.isValid() ? header.started : QDateTime::currentDateTimeUtc())));
    q.addBindValue(v(msOrNull(header.finished)));
    q.addBindValue(v(header.operatorName));
    q.addBindValue(v(header.appVersion));
    q.addBindValue(v(header.hostOs));
    q.addBindValue(v(stringsJson(header.stackVersions)));
    q.addBindValue(v(Run::stateText(header.state)));
    q.addBindValue(v(header.notes));
    q.addBindValue(v(pid));
    q.addBindValue(v(QSysInfo::machineHostName()));
    q.addBindValue(v(processStartTicks(pid)));
    if (!q.exec()) {
        const QString why = u"cannot create run: "_s % q.lastError().text();
        rollback();
        fail(why);
        return {};
    }
    for (const CheckResult &r : header.results) {
        bool ok = writeResult(id, r, u"runner"_s) && writeSamples(id, r.checkId, r.samples);
        for (qsizetype i = 0; ok && i < r.steps.size(); ++i)
            ok = writeStep(id, r.checkId, r.steps.at(i));
        for (qsizetype i = 0; ok && i < r.events.size(); ++i)
            ok = writeEvent(id, r.checkId, r.events.at(i));
        if (!ok) {
            const QString why = m_lastError;
            rollback();
            fail(why);
            return {};
        }
    }
    if (!commit())
        return {};
    return id;
}

bool RunStore::writeSamples(const QString &runId, const QString &checkId, const ProbeSampleBatch &batch)
{
    if (batch.isEmpty())
        return true;
    if (!ensureCheck(runId, checkId))
        return false;
    QSqlQuery &q = m_statements->insertSample;
    for (const ProbeSample &s : batch) {
        q.addBindValue(v(runId));
        q.addBindValue(v(checkId));
        q.addBindValue(v(s.probeId));
        q.addBindValue(v(s.monoNs));
        q.addBindValue(v(s.wallMs));
        q.addBindValue(v(s.ok ? 1 : 0));
        q.addBindValue(v(s.latencyMs));
        q.addBindValue(v(s.status));
        q.addBindValue(v(s.value));
        q.addBindValue(v(s.error));
        q.addBindValue(v(s.lateNs));
        q.addBindValue(v(s.skipped ? 1 : 0));
        if (!q.exec())
            return fail(u"cannot store samples: "_s % q.lastError().text());
    }
    q.finish();
    return true;
}

bool RunStore::writeEvent(const QString &runId, const QString &checkId, const RunEvent &e)
{
    if (!ensureCheck(runId, checkId))
        return false;
    QSqlQuery &q = m_statements->insertEvent;
    q.addBindValue(v(runId));
    q.addBindValue(v(checkId));
    q.addBindValue(v(RunEventText::toString(e.kind)));
    q.addBindValue(v(e.monoNs));
    q.addBindValue(v(e.wallMs));
    q.addBindValue(v(e.service));
    q.addBindValue(v(e.action));
    q.addBindValue(v(e.detail));
    if (!q.exec())
        return fail(u"cannot store event: "_s % q.lastError().text());
    q.finish();
    return true;
}

bool RunStore::writeStep(const QString &runId, const QString &checkId, const StepOutcome &s)
{
    if (!ensureCheck(runId, checkId))
        return false;
    QSqlQuery &q = m_statements->insertStep;
    q.addBindValue(v(runId));
    q.addBindValue(v(checkId));
    q.addBindValue(v(s.index));
    q.addBindValue(v(s.ok ? 1 : 0));
    q.addBindValue(v(s.skipped ? 1 : 0));
    q.addBindValue(v(s.summary));
    q.addBindValue(v(s.request));
    q.addBindValue(v(s.status));
    q.addBindValue(v(s.headers));
    q.addBindValue(v(s.body));
    q.addBindValue(v(s.stderrText));
    q.addBindValue(v(s.startedWallMs));
    q.addBindValue(v(s.durationMs));
    q.addBindValue(v(matrixJson(s.matrix)));
    if (!q.exec())
        return fail(u"cannot store step: "_s % q.lastError().text());
    q.finish();
    return true;
}

bool RunStore::writeHistory(const QString &runId, const QString &checkId, Verdict verdict, const QString &source,
                            const QStringList &failures, const QString &note, const QString &overrideReason)
{
    QSqlQuery &q = m_statements->insertHistory;
    q.addBindValue(v(runId));
    q.addBindValue(v(checkId));
    q.addBindValue(v(QDateTime::currentMSecsSinceEpoch()));
    q.addBindValue(v(VerdictText::toString(verdict)));
    q.addBindValue(v(source));
    q.addBindValue(v(listJson(failures)));
    q.addBindValue(v(note));
    q.addBindValue(v(overrideReason));
    if (!q.exec())
        return fail(u"cannot store verdict history: "_s % q.lastError().text());
    q.finish();
    return true;
}

bool RunStore::writeResult(const QString &runId, const CheckResult &r, const QString &source)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery old(db);
    old.prepare(u"SELECT verdict, override_reason FROM check_results WHERE run_id = ? AND check_id = ?"_s);
    old.addBindValue(v(runId));
    old.addBindValue(v(r.checkId));
    if (!old.exec())
        return fail(old.lastError().text());
    const bool existed = old.next();
    const QString oldVerdict = existed ? old.value(0).toString() : QString();
    const QString oldOverride = existed ? old.value(1).toString() : QString();
    old.finish();

    QSqlQuery q(db);
    q.prepare(u"INSERT INTO check_results(run_id, check_id, position, title, verdict, note, metrics, intervals, saved, anomalies,"
              u" stopped_at_step, failures, started_ms, finished_ms, override_reason)"
              u" VALUES(?, ?, (SELECT COALESCE(MAX(position) + 1, 0) FROM check_results WHERE run_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
              u" ON CONFLICT(run_id, check_id) DO UPDATE SET"
              u" title = CASE WHEN excluded.title = '' THEN title ELSE excluded.title END,"
              u" verdict = excluded.verdict, note = excluded.note, metrics = excluded.metrics,"
              u" intervals = excluded.intervals, saved = excluded.saved, anomalies = excluded.anomalies,"
              u" stopped_at_step = excluded.stopped_at_step, failures = excluded.failures,"
              u" started_ms = COALESCE(excluded.started_ms, started_ms), finished_ms = excluded.finished_ms,"
              u" override_reason = excluded.override_reason"_s);
    q.addBindValue(v(runId));
    q.addBindValue(v(r.checkId));
    q.addBindValue(v(runId));
    q.addBindValue(v(r.title));
    q.addBindValue(v(VerdictText::toString(r.verdict)));
    q.addBindValue(v(r.note));
    q.addBindValue(v(numbersJson(r.metrics)));
    q.addBindValue(v(intervalsJson(r.intervals)));
    q.addBindValue(v(stringsJson(r.saved)));
    q.addBindValue(v(anomaliesJson(r.anomalies)));
    q.addBindValue(v(r.stoppedAtStep));
    q.addBindValue(v(listJson(r.failures)));
    q.addBindValue(v(msOrNull(r.started)));
    q.addBindValue(v(msOrNull(r.finished)));
    q.addBindValue(v(r.overrideReason));
    if (!q.exec())
        return fail(u"cannot store the result of %1: %2"_s.arg(r.checkId, q.lastError().text()));
    const QString verdict = VerdictText::toString(r.verdict);
    if (!existed || oldVerdict != verdict || oldOverride != r.overrideReason) {
        const QString why = !r.overrideReason.isEmpty() && r.overrideReason != oldOverride ? u"override"_s : source;
        return writeHistory(runId, r.checkId, r.verdict, why, r.failures, r.note, r.overrideReason);
    }
    return true;
}

bool RunStore::inTransaction(const std::function<bool()> &write)
{
    // One transaction per call: committed when it returns, nothing half-written when it fails.
    if (!isOpen())
        return fail(u"the run store is not open"_s);
    if (!begin())
        return false;
    if (!write()) {
        const QString why = m_lastError;
        rollback();
        return fail(why);
    }
    return commit();
}

bool RunStore::appendSamples(const QString &runId, const QString &checkId, const ProbeSampleBatch &batch)
{
    return inTransaction([&] { return writeSamples(runId, checkId, batch); });
}

bool RunStore::appendEvent(const QString &runId, const QString &checkId, const RunEvent &event)
{
    return inTransaction([&] { return writeEvent(runId, checkId, event); });
}

bool RunStore::appendStep(const QString &runId, const QString &checkId, const StepOutcome &step)
{
    return inTransaction([&] { return writeStep(runId, checkId, step); });
}

bool RunStore::setCheckResult(const QString &runId, const CheckResult &result)
{
    if (isOpen() && result.checkId.isEmpty())
        return fail(u"a check result needs a check id"_s);
    return inTransaction([&] { return writeResult(runId, result, u"runner"_s); });
}

bool RunStore::finishRun(const QString &runId, Run::State state)
{
    if (!isOpen())
        return fail(u"the run store is not open"_s);
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"UPDATE runs SET state = ?, finished_ms = ? WHERE id = ?"_s);
    q.addBindValue(v(Run::stateText(state)));
    q.addBindValue(v(state == Run::State::Running ? QVariant(QMetaType(QMetaType::LongLong)) : QVariant(QDateTime::currentMSecsSinceEpoch())));
    q.addBindValue(v(runId));
    // A single statement outside BEGIN is its own transaction in SQLite (autocommit).
    if (!q.exec())
        return fail(u"cannot finish run %1: %2"_s.arg(runId, q.lastError().text()));
    if (q.numRowsAffected() != 1)
        return fail(u"no run %1"_s.arg(runId));
    return true;
}

bool RunStore::setNotes(const QString &runId, const QString &notes)
{
    if (!isOpen())
        return fail(u"the run store is not open"_s);
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"UPDATE runs SET notes = ? WHERE id = ?"_s);
    q.addBindValue(v(notes));
    q.addBindValue(v(runId));
    if (!q.exec())
        return fail(u"cannot store notes of run %1: %2"_s.arg(runId, q.lastError().text()));
    if (q.numRowsAffected() != 1)
        return fail(u"no run %1"_s.arg(runId));
    return true;
}

namespace {

Run runFromRecord(const QSqlQuery &q)
{
    Run run;
    run.id = q.value(u"id"_s).toString();
    run.labName = q.value(u"lab_name"_s).toString();
    run.labPath = q.value(u"lab_path"_s).toString();
    run.started = fromMs(q.value(u"started_ms"_s));
    run.finished = fromMs(q.value(u"finished_ms"_s));
    run.operatorName = q.value(u"operator"_s).toString();
    run.appVersion = q.value(u"app_version"_s).toString();
    run.hostOs = q.value(u"host_os"_s).toString();
    run.stackVersions = stringsFromJson(q.value(u"stack_versions"_s).toString());
    run.state = stateFromText(q.value(u"state"_s).toString());
    run.notes = q.value(u"notes"_s).toString();
    return run;
}

CheckResult resultFromRecord(const QSqlQuery &q)
{
    CheckResult r;
    r.checkId = q.value(u"check_id"_s).toString();
    r.title = q.value(u"title"_s).toString();
    r.verdict = VerdictText::fromString(q.value(u"verdict"_s).toString());
    r.note = q.value(u"note"_s).toString();
    r.metrics = numbersFromJson(q.value(u"metrics"_s).toString());
    r.intervals = intervalsFromJson(q.value(u"intervals"_s).toString());
    r.saved = stringsFromJson(q.value(u"saved"_s).toString());
    r.anomalies = anomaliesFromJson(q.value(u"anomalies"_s).toString());
    r.stoppedAtStep = q.value(u"stopped_at_step"_s).toInt();
    r.failures = listFromJson(q.value(u"failures"_s).toString());
    r.started = fromMs(q.value(u"started_ms"_s));
    r.finished = fromMs(q.value(u"finished_ms"_s));
    r.overrideReason = q.value(u"override_reason"_s).toString();
    return r;
}

const QString kResultColumns = u"run_id, check_id, title, verdict, note, metrics, intervals, saved, anomalies, stopped_at_step, failures,"
                                u" started_ms, finished_ms, override_reason"_s;
const QString kRunColumns = u"id, lab_name, lab_path, started_ms, finished_ms, operator, app_version, host_os, stack_versions, state, notes"_s;

} // namespace

QList<Run> RunStore::runs(const Filter &filter) const
{
    QList<Run> out;
    if (!isOpen()) {
        fail(u"the run store is not open"_s);
        return out;
    }
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QStringList where;
    QVariantList binds;
    if (!filter.lab.isEmpty()) {
        where << u"(r.lab_name = ? OR r.lab_path = ?)"_s;
        binds << filter.lab << filter.lab;
    }
    if (!filter.checkId.isEmpty() || filter.verdict) {
        QString sub = u"EXISTS (SELECT 1 FROM check_results c WHERE c.run_id = r.id"_s;
        if (!filter.checkId.isEmpty()) {
            sub += u" AND c.check_id = ?"_s;
            binds << filter.checkId;
        }
        if (filter.verdict) {
            sub += u" AND c.verdict = ?"_s;
            binds << VerdictText::toString(*filter.verdict);
        }
        where << sub % u')';
    }
    const QString condition = where.isEmpty() ? QString() : u" WHERE "_s % where.join(u" AND "_s);

    // Both queries read in one snapshot so results match their headers even while a writer commits.
    QSqlQuery tx(db);
    tx.exec(u"BEGIN"_s);
    QSqlQuery q(db);
    q.prepare(u"SELECT "_s % kRunColumns % u" FROM runs r"_s % condition % u" ORDER BY r.started_ms DESC, r.rowid DESC"_s);
    for (const QVariant &b : std::as_const(binds))
        q.addBindValue(v(b));
    if (!q.exec()) {
        fail(q.lastError().text());
        tx.exec(u"ROLLBACK"_s);
        return out;
    }
    QHash<QString, qsizetype> rowOf;
    while (q.next()) {
        out.append(runFromRecord(q));
        rowOf.insert(out.constLast().id, out.size() - 1);
    }
    q.finish();

    QSqlQuery r(db);
    r.prepare(u"SELECT "_s % kResultColumns % u" FROM check_results WHERE run_id IN (SELECT r.id FROM runs r"_s % condition
              % u") ORDER BY run_id, position"_s);
    for (const QVariant &b : std::as_const(binds))
        r.addBindValue(v(b));
    if (!r.exec()) {
        fail(r.lastError().text());
        tx.exec(u"ROLLBACK"_s);
        return out;
    }
    while (r.next()) {
        const auto it = rowOf.constFind(r.value(0).toString());
        if (it != rowOf.cend())
            out[it.value()].results.append(resultFromRecord(r));
    }
    r.finish();
    tx.exec(u"COMMIT"_s);
    return out;
}

QList<CheckResult> RunStore::loadResults(const QString &runId) const
{
    QList<CheckResult> results;
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery q(db);
    q.prepare(u"SELECT "_s % kResultColumns % u" FROM check_results WHERE run_id = ? ORDER BY position"_s);
    q.addBindValue(v(runId));
    if (!q.exec()) {
        fail(q.lastError().text());
        return results;
    }
    while (q.next())
        results.append(resultFromRecord(q));
    return results;
}

std::optional<Run> RunStore::run(const QString &runId, bool withSamples) const
{
    if (!isOpen()) {
        fail(u"the run store is not open"_s);
        return std::nullopt;
    }
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery tx(db);
    tx.exec(u"BEGIN"_s); // one snapshot for header and evidence
    QSqlQuery q(db);
    q.prepare(u"SELECT "_s % kRunColumns % u" FROM runs WHERE id = ?"_s);
    q.addBindValue(v(runId));
    if (!q.exec() || !q.next()) {
        fail(q.lastError().isValid() ? q.lastError().text() : u"no run %1"_s.arg(runId));
        tx.exec(u"ROLLBACK"_s);
        return std::nullopt;
    }
    Run run = runFromRecord(q);
    q.finish();
    run.results = loadResults(runId);
    QHash<QString, qsizetype> rowOf;
    for (qsizetype i = 0; i < run.results.size(); ++i)
        rowOf.insert(run.results.at(i).checkId, i);

    QSqlQuery s(db);
    s.prepare(u"SELECT check_id, step_index, ok, skipped, summary, request, status, headers, body, stderr, started_ms, duration_ms, matrix"
              u" FROM steps WHERE run_id = ? ORDER BY id"_s);
    s.addBindValue(v(runId));
    if (s.exec()) {
        while (s.next()) {
            const auto it = rowOf.constFind(s.value(0).toString());
            if (it == rowOf.cend())
                continue;
            StepOutcome o;
            o.index = s.value(1).toInt();
            o.ok = s.value(2).toInt() != 0;
            o.skipped = s.value(3).toInt() != 0;
            o.summary = s.value(4).toString();
            o.request = s.value(5).toString();
            o.status = s.value(6).toInt();
            o.headers = s.value(7).toString();
            o.body = s.value(8).toString();
            o.stderrText = s.value(9).toString();
            o.startedWallMs = s.value(10).toLongLong();
            o.durationMs = s.value(11).toDouble();
            o.matrix = matrixFromJson(s.value(12).toString());
            run.results[it.value()].steps.append(o);
        }
    }
    s.finish();

    QSqlQuery e(db);
    e.prepare(u"SELECT check_id, kind, mono_ns, wall_ms, service, action, detail FROM events WHERE run_id = ? ORDER BY id"_s);
    e.addBindValue(v(runId));
    if (e.exec()) {
        while (e.next()) {
            const auto it = rowOf.constFind(e.value(0).toString());
            if (it == rowOf.cend())
                continue;
            RunEvent ev;
            ev.kind = RunEventText::fromString(e.value(1).toString());
            ev.monoNs = e.value(2).toLongLong();
            ev.wallMs = e.value(3).toLongLong();
            ev.service = e.value(4).toString();
            ev.action = e.value(5).toString();
            ev.detail = e.value(6).toString();
            run.results[it.value()].events.append(ev);
        }
    }
    e.finish();

    if (withSamples)
        for (CheckResult &r : run.results)
            r.samples = samples(runId, r.checkId);
    run.serviceLogs = serviceLogTallies(runId);
    if (withSamples)
        run.serviceLogLines = serviceLogs(runId);
    tx.exec(u"COMMIT"_s);
    return run;
}

ProbeSampleBatch RunStore::samples(const QString &runId, const QString &checkId) const
{
    ProbeSampleBatch out;
    forEachSampleBatch(runId, checkId, 50'000, [&out](const ProbeSampleBatch &batch) {
        out.append(batch);
        return true;
    });
    return out;
}

bool RunStore::forEachSampleBatch(const QString &runId, const QString &checkId, qsizetype batchSize,
                                  const std::function<bool(const ProbeSampleBatch &)> &consume) const
{
    if (!isOpen())
        return fail(u"the run store is not open"_s);
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(u"SELECT probe_id, mono_ns, wall_ms, ok, latency_ms, status, value, error, late_ns, skipped FROM samples"
              u" WHERE run_id = ? AND check_id = ? ORDER BY id"_s);
    q.addBindValue(v(runId));
    q.addBindValue(v(checkId));
    if (!q.exec())
        return fail(q.lastError().text());
    batchSize = std::max<qsizetype>(1, batchSize);
    ProbeSampleBatch batch;
    batch.reserve(batchSize);
    QString probeId; // consecutive rows mostly share a probe: share its string too
    while (q.next()) {
        ProbeSample s;
        const QString id = q.value(0).toString();
        if (id != probeId)
            probeId = id;
        s.probeId = probeId;
        s.monoNs = q.value(1).toLongLong();
        s.wallMs = q.value(2).toLongLong();
        s.ok = q.value(3).toInt() != 0;
        s.latencyMs = q.value(4).toDouble();
        s.status = q.value(5).toInt();
        s.value = q.value(6).toString();
        s.error = q.value(7).toString();
        s.lateNs = q.value(8).toLongLong();
        s.skipped = q.value(9).toInt() != 0;
        batch.append(std::move(s));
        if (batch.size() >= batchSize) {
            if (!consume(batch))
                return true;
            batch.clear(); // keeps the capacity
        }
    }
    if (q.lastError().isValid())
        return fail(q.lastError().text());
    if (!batch.isEmpty())
        consume(batch);
    return true;
}

QList<RunStore::VerdictChange> RunStore::verdictHistory(const QString &runId, const QString &checkId) const
{
    QList<VerdictChange> out;
    if (!isOpen()) {
        fail(u"the run store is not open"_s);
        return out;
    }
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT at_ms, verdict, source, failures, note, override_reason FROM verdict_history"
              u" WHERE run_id = ? AND check_id = ? ORDER BY id"_s);
    q.addBindValue(v(runId));
    q.addBindValue(v(checkId));
    if (!q.exec()) {
        fail(q.lastError().text());
        return out;
    }
    while (q.next()) {
        VerdictChange c;
        c.at = fromMs(q.value(0));
        c.verdict = VerdictText::fromString(q.value(1).toString());
        c.source = q.value(2).toString();
        c.failures = listFromJson(q.value(3).toString());
        c.note = q.value(4).toString();
        c.overrideReason = q.value(5).toString();
        out.append(c);
    }
    return out;
}

int RunStore::markInterruptedRuns()
{
    if (!isOpen()) {
        fail(u"the run store is not open"_s);
        return -1;
    }
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery q(db);
    if (!q.exec(u"SELECT id, writer_pid, writer_host, writer_start FROM runs WHERE state = 'running'"_s)) {
        fail(q.lastError().text());
        return -1;
    }
    const QString host = QSysInfo::machineHostName();
    QList<QPair<QString, qint64>> dead;
    while (q.next()) {
        const qint64 pid = q.value(1).toLongLong();
        if (q.value(2).toString() != host && pid > 0)
            continue; // another machine's writer: its pid means nothing here
        if (!processAlive(pid, q.value(3).toString()))
            dead.append({q.value(0).toString(), pid});
    }
    q.finish();

    int marked = 0;
    for (const QPair<QString, qint64> &d : std::as_const(dead)) {
        if (!begin())
            return -1;
        const QString reason = u"run interrupted: its writer (pid %1) ended before finishing it"_s.arg(d.second);
        bool ok = true;
        QSqlQuery running(db);
        running.prepare(u"SELECT check_id, failures, note FROM check_results WHERE run_id = ? AND verdict = 'RUNNING'"_s);
        running.addBindValue(v(d.first));
        ok = running.exec();
        QList<std::tuple<QString, QStringList, QString>> checks;
        while (ok && running.next())
            checks.append({running.value(0).toString(), listFromJson(running.value(1).toString()), running.value(2).toString()});
        running.finish();
        for (const auto &[checkId, oldFailures, oldNote] : std::as_const(checks)) {
            QStringList failures = oldFailures;
            failures.append(reason);
            const QString note = oldNote.isEmpty() ? reason : oldNote;
            QSqlQuery u(db);
            u.prepare(u"UPDATE check_results SET verdict = 'ERROR', failures = ?, note = ? WHERE run_id = ? AND check_id = ?"_s);
            u.addBindValue(v(listJson(failures)));
            u.addBindValue(v(note));
            u.addBindValue(v(d.first));
            u.addBindValue(v(checkId));
            ok = ok && u.exec() && writeHistory(d.first, checkId, Verdict::Error, u"interrupted"_s, failures, note, QString());
        }
        // The run ends where its evidence ends: the newest stored sample, event, step or result.
        QSqlQuery r(db);
        r.prepare(u"UPDATE runs SET state = 'interrupted', finished_ms = COALESCE(("
                  u" SELECT MAX(t) FROM ("
                  u"  SELECT MAX(wall_ms) AS t FROM samples WHERE run_id = ?"
                  u"  UNION ALL SELECT MAX(wall_ms) FROM events WHERE run_id = ?"
                  u"  UNION ALL SELECT MAX(started_ms + CAST(duration_ms AS INTEGER)) FROM steps WHERE run_id = ?"
                  u"  UNION ALL SELECT MAX(finished_ms) FROM check_results WHERE run_id = ?)), started_ms)"
                  u" WHERE id = ? AND state = 'running'"_s);
        for (int i = 0; i < 5; ++i)
            r.addBindValue(v(d.first));
        ok = ok && r.exec();
        if (!ok) {
            const QString why = u"cannot mark run %1 interrupted: %2"_s.arg(d.first, r.lastError().text());
            rollback();
            fail(why);
            return -1;
        }
        if (!commit())
            return -1;
        ++marked;
    }
    return marked;
}

bool RunStore::rejudge(const QString &runId, const QString &checkId, const QList<Expectation> &expectations)
{
    if (!isOpen())
        return fail(u"the run store is not open"_s);
    if (!begin())
        return false;
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QSqlQuery q(db);
    q.prepare(u"SELECT verdict, metrics, failures, note, saved FROM check_results WHERE run_id = ? AND check_id = ?"_s);
    q.addBindValue(v(runId));
    q.addBindValue(v(checkId));
    if (!q.exec() || !q.next()) {
        const QString why = q.lastError().isValid() ? q.lastError().text() : u"no result for %1 in run %2"_s.arg(checkId, runId);
        rollback();
        return fail(why);
    }
    const Verdict old = VerdictText::fromString(q.value(0).toString());
    const QMap<QString, double> metrics = numbersFromJson(q.value(1).toString());
    const QStringList oldFailures = listFromJson(q.value(2).toString());
    const QString oldNote = q.value(3).toString();
    const QMap<QString, QString> saved = stringsFromJson(q.value(4).toString());
    q.finish();
    if (old != Verdict::Pass && old != Verdict::Fail) {
        rollback();
        return fail(u"%1 is %2: only PASS and FAIL results are judged on metrics"_s.arg(checkId, VerdictText::toString(old)));
    }

    QStringList failures;
    for (const QString &f : oldFailures)
        if (!ExpectationOutcome::fromFailure(f))
            failures.append(f); // failed steps, aborts: the metrics do not decide those
    for (const Expectation &e : expectations) {
        const ExpectationOutcome o = ExpectationOutcome::judge(e, metrics, saved);
        if (!o.passed)
            failures.append(o.failureText());
    }
    const Verdict verdict = failures.isEmpty() ? Verdict::Pass : Verdict::Fail;
    // The runner's note is its failures joined; a note the engineer wrote stays.
    const QString note = oldNote == oldFailures.join(u"; "_s) ? failures.join(u"; "_s) : oldNote;

    QSqlQuery u(db);
    u.prepare(u"UPDATE check_results SET verdict = ?, failures = ?, note = ?, override_reason = '' WHERE run_id = ? AND check_id = ?"_s);
    u.addBindValue(v(VerdictText::toString(verdict)));
    u.addBindValue(v(listJson(failures)));
    u.addBindValue(v(note));
    u.addBindValue(v(runId));
    u.addBindValue(v(checkId));
    if (!u.exec() || !writeHistory(runId, checkId, verdict, u"rejudge"_s, failures, note, QString())) {
        const QString why = u.lastError().isValid() ? u.lastError().text() : m_lastError;
        rollback();
        return fail(why);
    }
    return commit();
}

bool RunStore::appendServiceLogs(const QString &runId, const QList<ServiceLogLine> &lines, const ServiceLogCaps &caps)
{
    if (lines.isEmpty())
        return true;
    return inTransaction([&] {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        // The tallies so far decide which lines still fit: the caps hold across batches and restarts.
        QHash<QString, ServiceLogTally> tallies;
        int runTotal = 0;
        for (const ServiceLogTally &t : serviceLogTallies(runId)) {
            tallies.insert(t.service, t);
            runTotal += t.stored;
        }
        QSqlQuery insert(db);
        insert.prepare(u"INSERT INTO service_logs(run_id, service, check_id, wall_ms, stderr, text) VALUES(?, ?, ?, ?, ?, ?)"_s);
        QStringList touched;
        for (const ServiceLogLine &line : lines) {
            ServiceLogTally &t = tallies[line.service];
            t.service = line.service;
            if (!touched.contains(line.service))
                touched << line.service;
            if (t.stored >= caps.perService || runTotal >= caps.perRun) {
                ++t.dropped;
                if (!t.firstDropped.isValid())
                    t.firstDropped = line.time;
                t.lastDropped = line.time;
                continue;
            }
            insert.addBindValue(v(runId));
            insert.addBindValue(v(line.service));
            insert.addBindValue(v(line.checkId));
            insert.addBindValue(v(line.time.toMSecsSinceEpoch()));
            insert.addBindValue(v(line.stderrStream ? 1 : 0));
            insert.addBindValue(v(line.text));
            if (!insert.exec())
                return fail(u"cannot store service log lines: "_s % insert.lastError().text());
            ++t.stored;
            ++runTotal;
        }
        QSqlQuery tally(db);
        tally.prepare(u"INSERT OR REPLACE INTO service_log_tallies(run_id, service, stored, dropped, first_dropped_ms, last_dropped_ms)"
                      u" VALUES(?, ?, ?, ?, ?, ?)"_s);
        for (const QString &service : std::as_const(touched)) {
            const ServiceLogTally &t = tallies.value(service);
            tally.addBindValue(v(runId));
            tally.addBindValue(v(service));
            tally.addBindValue(v(t.stored));
            tally.addBindValue(v(t.dropped));
            tally.addBindValue(msOrNull(t.firstDropped));
            tally.addBindValue(msOrNull(t.lastDropped));
            if (!tally.exec())
                return fail(u"cannot store the service log tally of %1: %2"_s.arg(service, tally.lastError().text()));
        }
        return true;
    });
}

QList<ServiceLogTally> RunStore::serviceLogTallies(const QString &runId) const
{
    QList<ServiceLogTally> out;
    if (!isOpen()) {
        fail(u"the run store is not open"_s);
        return out;
    }
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(u"SELECT service, stored, dropped, first_dropped_ms, last_dropped_ms FROM service_log_tallies"
              u" WHERE run_id = ? ORDER BY service"_s);
    q.addBindValue(v(runId));
    if (!q.exec()) {
        fail(q.lastError().text());
        return out;
    }
    while (q.next()) {
        ServiceLogTally t;
        t.service = q.value(0).toString();
        t.stored = q.value(1).toInt();
        t.dropped = q.value(2).toInt();
        t.firstDropped = fromMs(q.value(3));
        t.lastDropped = fromMs(q.value(4));
        out.append(t);
    }
    return out;
}

QList<ServiceLogLine> RunStore::serviceLogs(const QString &runId, const QString &service) const
{
    QList<ServiceLogLine> out;
    if (!isOpen()) {
        fail(u"the run store is not open"_s);
        return out;
    }
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.setForwardOnly(true);
    q.prepare(u"SELECT service, check_id, wall_ms, stderr, text FROM service_logs WHERE run_id = ?"_s
              % (service.isEmpty() ? QString() : u" AND service = ?"_s) % u" ORDER BY id"_s);
    q.addBindValue(v(runId));
    if (!service.isEmpty())
        q.addBindValue(v(service));
    if (!q.exec()) {
        fail(q.lastError().text());
        return out;
    }
    while (q.next()) {
        ServiceLogLine l;
        l.service = q.value(0).toString();
        l.checkId = q.value(1).toString();
        l.time = QDateTime::fromMSecsSinceEpoch(q.value(2).toLongLong(), Qt::UTC);
        l.stderrStream = q.value(3).toInt() != 0;
        l.text = q.value(4).toString();
        out.append(l);
    }
    return out;
}
