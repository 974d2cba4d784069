#pragma once

// Runs an example lab end to end with `halab-cli run` (free ports, a private data directory)
// and reads what the run says: verdicts, the fault's time, the console's failover interval,
// and the daemon's own record of the failover, kept by the lab's log_scan steps.

#include "testports.h"
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <memory>
#include <optional>
#include <vector>

namespace ClusterLab {

// n distinct free ports on 127.0.0.1 (TestPorts), as the strings a lab's variables take.
inline QStringList freePorts(int n)
{
    QStringList ports;
    for (quint16 p : TestPorts::freePorts(n))
        ports << QString::number(p);
    return ports;
}

// Programs a lab needs; empty when all are installed, else what is missing.
inline QString missingPrograms(const QStringList &programs)
{
    QStringList missing;
    for (const QString &p : programs)
        if (QStandardPaths::findExecutable(p).isEmpty() && !QFile::exists(p))
            missing << p;
    return missing.join(QStringLiteral(", "));
}

struct Result
{
    int exitCode = -1;
    QString output;   // stdout + stderr of halab-cli
    QJsonObject run;  // the run's JSON export
    QString markdown; // the run's Markdown log
    qint64 elapsedMs = 0;
};

// `halab-cli run LAB --set NAME=VALUE ...`; data (store, ledger, run directory) under dataDir.
inline Result run(const QString &labFile, const QMap<QString, QString> &sets, const QString &dataDir, int timeoutMs)
{
    Result r;
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_DATA_HOME"), dataDir);
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::MergedChannels);
    QStringList args{QStringLiteral("run"), labFile,
                     QStringLiteral("--store"), dataDir + QStringLiteral("/runs.db"),
                     QStringLiteral("--json"), dataDir + QStringLiteral("/run.json"),
                     QStringLiteral("--markdown"), dataDir + QStringLiteral("/run.md")};
    for (auto it = sets.cbegin(); it != sets.cend(); ++it)
        args << QStringLiteral("--set") << it.key() + QLatin1Char('=') + it.value();
    QElapsedTimer clock;
    clock.start();
    p.start(QStringLiteral(HALAB_BIN_DIR "/halab-cli"), args);
    if (!p.waitForStarted(10000))
        return r;
    if (!p.waitForFinished(timeoutMs)) {
        p.terminate(); // the CLI brings its stack down on SIGTERM
        p.waitForFinished(60000);
        r.output = QString::fromUtf8(p.readAll()) + QStringLiteral("\n(halab-cli timed out)");
        return r;
    }
    r.elapsedMs = clock.elapsed();
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.output = QString::fromUtf8(p.readAll());
    QFile json(dataDir + QStringLiteral("/run.json"));
    if (json.open(QIODevice::ReadOnly))
        r.run = QJsonDocument::fromJson(json.readAll()).object();
    QFile md(dataDir + QStringLiteral("/run.md"));
    if (md.open(QIODevice::ReadOnly))
        r.markdown = QString::fromUtf8(md.readAll());
    return r;
}

inline QJsonObject check(const QJsonObject &run, const QString &id)
{
    const QJsonArray checks = run.value(QStringLiteral("checks")).toArray();
    for (const QJsonValue &c : checks)
        if (c.toObject().value(QStringLiteral("id")).toString() == id)
            return c.toObject();
    return {};
}

// After a failed test function: the run's data stays (store with samples and service logs, run
// JSON, Markdown), so a CI failure on this machine can be read afterwards.
inline void keepForALook(QTemporaryDir &dir)
{
    if (!dir.autoRemove())
        return;
    dir.setAutoRemove(false);
    qWarning("kept the run's data for a look: %s (runs.db: samples and service logs; run.json; run.md)", qPrintable(dir.path()));
}

// Why a check did not pass, with the evidence a CI log needs to tell the cause: its note and
// each failed step's output (stdout and stderr as the run kept them).
inline QString whyNotPassed(const QJsonObject &check)
{
    QString why = check.value(QStringLiteral("verdict")).toString() + QStringLiteral(" — ") + check.value(QStringLiteral("note")).toString();
    const QJsonArray steps = check.value(QStringLiteral("steps")).toArray();
    for (const QJsonValue &v : steps) {
        const QJsonObject s = v.toObject();
        if (s.value(QStringLiteral("ok")).toBool() || s.value(QStringLiteral("skipped")).toBool())
            continue;
        why += QStringLiteral("\n  step %1 failed: %2").arg(s.value(QStringLiteral("index")).toInt() + 1).arg(s.value(QStringLiteral("summary")).toString());
        for (const char *field : {"body", "stderr"}) {
            const QString text = s.value(QLatin1String(field)).toString().trimmed();
            if (!text.isEmpty())
                why += QStringLiteral("\n    %1: %2").arg(QLatin1String(field), text.right(2000));
        }
    }
    return why;
}

// The time of the check's first fault that breaks something (kill, stop, pause).
inline QDateTime faultTime(const QJsonObject &check)
{
    static const QStringList breaking{QStringLiteral("kill"), QStringLiteral("stop"), QStringLiteral("pause")};
    const QJsonArray events = check.value(QStringLiteral("events")).toArray();
    for (const QJsonValue &v : events) {
        const QJsonObject e = v.toObject();
        if (e.value(QStringLiteral("kind")).toString() == QLatin1String("fault")
            && breaking.contains(e.value(QStringLiteral("action")).toString()))
            return QDateTime::fromString(e.value(QStringLiteral("at")).toString(), Qt::ISODateWithMs);
    }
    return {};
}

// The console's failover interval [lo, hi] in ms: the run's truth interval when it states one,
// else the value ± its resolution.
inline std::optional<std::pair<double, double>> failoverInterval(const QJsonObject &check)
{
    const QJsonObject metrics = check.value(QStringLiteral("metrics")).toObject();
    if (!metrics.contains(QStringLiteral("failover_ms")))
        return std::nullopt;
    const QJsonObject interval = check.value(QStringLiteral("intervals_ms")).toObject().value(QStringLiteral("failover_ms")).toObject();
    if (interval.contains(QStringLiteral("lo")))
        return std::make_pair(interval.value(QStringLiteral("lo")).toDouble(), interval.value(QStringLiteral("hi")).toDouble());
    const double v = metrics.value(QStringLiteral("failover_ms")).toDouble();
    const double res = check.value(QStringLiteral("resolutions_ms")).toObject().value(QStringLiteral("failover_ms")).toDouble();
    return std::make_pair(v - res, v + res);
}

// Lines the check's log_scan steps kept as evidence ("service: line").
inline QStringList logScanLines(const QJsonObject &check)
{
    QStringList lines;
    const QJsonArray steps = check.value(QStringLiteral("steps")).toArray();
    for (const QJsonValue &v : steps) {
        const QJsonObject s = v.toObject();
        if (s.value(QStringLiteral("request")).toString().startsWith(QLatin1String("count /")))
            lines += s.value(QStringLiteral("body")).toString().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    }
    return lines;
}

// Patroni: "pg1: 2026-12-02 02:26:01,087 INFO: promoted self to leader by acquiring session lock" (local time).
inline std::optional<QDateTime> patroniPromotion(const QString &line)
{
    static const QRegularExpression re(QStringLiteral(R"((\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) INFO: promoted self to leader)"));
    const QRegularExpressionMatch m = re.match(line);
    if (!m.hasMatch())
        return std::nullopt;
    QDateTime t = QDateTime::fromString(m.captured(1), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    return t.addMSecs(m.captured(2).toInt());
}

// Sentinel: "sentinel1: 1234:X 02 Dec 2026 02:04:36.133 # +switch-master mymaster ..." (local time).
inline std::optional<QDateTime> sentinelSwitch(const QString &line)
{
    static const QRegularExpression re(QStringLiteral(R"((\d\d \w{3} \d{4} \d\d:\d\d:\d\d)\.(\d{3}) # \+switch-master)"));
    const QRegularExpressionMatch m = re.match(line);
    if (!m.hasMatch())
        return std::nullopt;
    QDateTime t = QLocale::c().toDateTime(m.captured(1), QStringLiteral("dd MMM yyyy HH:mm:ss"));
    return t.addMSecs(m.captured(2).toInt());
}

// Redis: "redis2: 1234:M 02 Dec 2026 02:04:35.911 * MASTER MODE enabled (user request from ...)" (local time).
inline std::optional<QDateTime> redisPromotion(const QString &line)
{
    static const QRegularExpression re(QStringLiteral(R"((\d\d \w{3} \d{4} \d\d:\d\d:\d\d)\.(\d{3}) \* MASTER MODE enabled)"));
    const QRegularExpressionMatch m = re.match(line);
    if (!m.hasMatch())
        return std::nullopt;
    QDateTime t = QLocale::c().toDateTime(m.captured(1), QStringLiteral("dd MMM yyyy HH:mm:ss"));
    return t.addMSecs(m.captured(2).toInt());
}

// HAProxy (log stderr format iso): "haproxy: 2026-12-02T02:06:26.104531+00:00 Server primary/pg2 is UP, ..."
inline std::optional<QDateTime> haproxyPrimary(const QString &line, const QString &state)
{
    static const QRegularExpression re(QStringLiteral(R"((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})\d*([+-]\d\d:\d\d|Z) Server primary/\w+ is (UP|DOWN))"));
    const QRegularExpressionMatch m = re.match(line);
    if (!m.hasMatch() || m.captured(4) != state)
        return std::nullopt;
    const QDateTime t = QDateTime::fromString(m.captured(1) + QLatin1Char('.') + m.captured(2) + m.captured(3), Qt::ISODateWithMs);
    return t.isValid() ? std::optional<QDateTime>(t) : std::nullopt;
}

// The new primary is in HAProxy's rotation.
inline std::optional<QDateTime> haproxyPrimaryUp(const QString &line)
{
    return haproxyPrimary(line, QStringLiteral("UP"));
}

// The old primary left HAProxy's rotation: until then round-robin still sends some writes there.
inline std::optional<QDateTime> haproxyPrimaryDown(const QString &line)
{
    return haproxyPrimary(line, QStringLiteral("DOWN"));
}

// When a Sentinel starts answering the new master: "+failover-state-reconf-slaves" if it leads the
// failover (sentinel.c sentinelGetCurrentMasterAddress), else its "+switch-master".
inline std::optional<QDateTime> sentinelAnswersNewMaster(const QString &line)
{
    static const QRegularExpression re(QStringLiteral(R"((\d\d \w{3} \d{4} \d\d:\d\d:\d\d)\.(\d{3}) # \+(switch-master|failover-state-reconf-slaves))"));
    const QRegularExpressionMatch m = re.match(line);
    if (!m.hasMatch())
        return std::nullopt;
    QDateTime t = QLocale::c().toDateTime(m.captured(1), QStringLiteral("dd MMM yyyy HH:mm:ss"));
    return t.addMSecs(m.captured(2).toInt());
}

// PostgreSQL (stderr, log_timezone UTC here): "pg2: 2026-12-02 02:06:43.928 UTC [18578] LOG:  database system is ready to accept connections"
inline std::optional<QDateTime> postgresReady(const QString &line)
{
    static const QRegularExpression re(QStringLiteral(R"((\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d{3}) (\w+) \[\d+\] LOG:  database system is ready to accept connections)"));
    const QRegularExpressionMatch m = re.match(line);
    if (!m.hasMatch())
        return std::nullopt;
    QDateTime t = QDateTime::fromString(m.captured(1), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    if (m.captured(3) == QLatin1String("UTC") || m.captured(3) == QLatin1String("GMT"))
        t.setTimeSpec(Qt::UTC);
    return t.addMSecs(m.captured(2).toInt());
}

// etcd (zap): {"level":"info","ts":"2026-12-02T02:03:56.599Z",...,"msg":"7bb0f9db09fb9256 became leader at term 3"}
inline std::optional<QDateTime> etcdLeader(const QString &line)
{
    static const QRegularExpression re(QStringLiteral("\"ts\":\"([^\"]+)\".*became leader at term"));
    const QRegularExpressionMatch m = re.match(line);
    if (!m.hasMatch())
        return std::nullopt;
    const QDateTime t = QDateTime::fromString(m.captured(1), Qt::ISODateWithMs);
    return t.isValid() ? std::optional<QDateTime>(t) : std::nullopt;
}

// The earliest daemon record among the log_scan evidence, parsed by parse.
template<typename Parse>
std::optional<QDateTime> earliestRecord(const QJsonObject &check, Parse parse)
{
    std::optional<QDateTime> first;
    for (const QString &line : logScanLines(check))
        if (const std::optional<QDateTime> t = parse(line))
            if (!first || *t < *first)
                first = t;
    return first;
}

} // namespace ClusterLab
