// Service logs stored with the run: a real processes stack run by halab-cli, its lines kept in the run
// store (bounded, a secret redacted), named in the Markdown run log, and printed by `halab-cli logs` after
// the console that ran it has exited. The caps themselves are checked on the store directly.
#include "runstore.h"
#include "servicelogtext.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {

// A secret only this test knows: it must never reach the store, the logs or the run log.
const QString Secret = QStringLiteral("s3cret-%1").arg(QDateTime::currentMSecsSinceEpoch());

// chatty waits for the check to create GO, then writes the secret twice (stdout and stderr), 6000
// numbered lines and a last line; quiet writes the secret once at start. Lines: chatty 6003, quiet 1.
const char *LabYaml = R"(halab: 1
name: Service logs
variables:
  GO: /nonexistent/go
secrets:
  - LOG_TOKEN
stack:
  backend: processes
  services:
    chatty:
      command: [sh, -c, 'while [ ! -e "$GO" ]; do sleep 0.05; done; echo "token is $LOG_TOKEN"; echo "on stderr $LOG_TOKEN" >&2; seq 1 6000 | sed "s/^/chatty line /"; echo chatty finished']
      env: { GO: "${GO}", LOG_TOKEN: "${LOG_TOKEN}" }
    quiet:
      command: [sh, -c, 'echo "quiet has $LOG_TOKEN"; exec sleep 300']
      env: { LOG_TOKEN: "${LOG_TOKEN}" }
checks:
  - id: talk
    title: Make chatty talk past the cap
    mode: automated
    steps:
      - command: [touch, "${GO}"]
      - wait: { until: { service: chatty, state: exited }, timeout: 60s }
      - log_scan: { services: [chatty], pattern: '^chatty finished$', expect_count: 1 }
)";

struct Outcome
{
    int exitCode = -1;
    QString out;
    QString err;
};

Outcome cli(const QStringList &args, const QString &dataHome, int timeoutMs = 120000)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HALAB_SECRET_LOG_TOKEN"), Secret);
    env.insert(QStringLiteral("XDG_DATA_HOME"), dataHome); // run dirs and ledgers of this test only
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(HALAB_BIN_DIR "/halab-cli"), args);
    // A hung or crashed CLI must not pass as an exit code.
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        return {-1, {}, QStringLiteral("halab-cli did not finish in time: ") + p.errorString()};
    }
    if (p.exitStatus() != QProcess::NormalExit)
        return {-1, {}, QStringLiteral("halab-cli crashed: ") + QString::fromUtf8(p.readAllStandardError())};
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

ServiceLogLine line(const QString &service, const QString &text, qint64 ms)
{
    return ServiceLogLine{QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC), service, QStringLiteral("c"), text, false};
}

} // namespace

class TestServiceLogs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Per-service and per-run caps hold across batches; what does not fit is counted with its time span.
    void storeCapsAndCounts()
    {
        QTemporaryDir dir;
        RunStore store;
        QVERIFY2(store.open(dir.filePath(QStringLiteral("r.sqlite"))), qPrintable(store.lastError()));
        Run header;
        header.labName = QStringLiteral("caps");
        const QString id = store.createRun(header);
        QVERIFY(!id.isEmpty());
        const ServiceLogCaps caps{3, 5};
        QVERIFY(store.appendServiceLogs(id, {line(QStringLiteral("a"), QStringLiteral("a1"), 1000), line(QStringLiteral("a"), QStringLiteral("a2"), 1001)}, caps));
        QVERIFY(store.appendServiceLogs(id, {line(QStringLiteral("a"), QStringLiteral("a3"), 1002), line(QStringLiteral("a"), QStringLiteral("a4"), 1003),
                                             line(QStringLiteral("b"), QStringLiteral("b1"), 1004), line(QStringLiteral("b"), QStringLiteral("b2"), 1005),
                                             line(QStringLiteral("b"), QStringLiteral("b3"), 1006), line(QStringLiteral("a"), QStringLiteral("a5"), 1007)},
                                        caps));
        const QList<ServiceLogTally> tallies = store.serviceLogTallies(id);
        QCOMPARE(tallies.size(), 2);
        QCOMPARE(tallies.at(0).service, QStringLiteral("a"));
        QCOMPARE(tallies.at(0).stored, 3); // the per-service cap
        QCOMPARE(tallies.at(0).dropped, 2);
        QCOMPARE(tallies.at(0).firstDropped.toMSecsSinceEpoch(), 1003);
        QCOMPARE(tallies.at(0).lastDropped.toMSecsSinceEpoch(), 1007);
        QCOMPARE(tallies.at(1).stored, 2); // the per-run cap (5) took the rest
        QCOMPARE(tallies.at(1).dropped, 1);
        const QList<ServiceLogLine> b = store.serviceLogs(id, QStringLiteral("b"));
        QCOMPARE(b.size(), 2);
        QCOMPARE(b.at(1).text, QStringLiteral("b2"));
        QCOMPARE(b.at(1).checkId, QStringLiteral("c"));
        QCOMPARE(store.serviceLogs(id).size(), 5);
        QCOMPARE(store.run(id)->serviceLogs.size(), 2);
        const QStringList text = ServiceLogText::lines(store.serviceLogs(id), tallies);
        QCOMPARE(text.size(), 5 + 2); // each service's lines, then its dropped marker
        QVERIFY2(text.at(3).startsWith(QStringLiteral("… 2 more line(s) of a dropped")), qPrintable(text.at(3)));
    }

    // The whole path with real processes: stored while the run ran, printable after the console exited.
    void realRunKeepsBoundedRedactedLogs()
    {
        QTemporaryDir dir;
        const QString lab = dir.filePath(QStringLiteral("logs.halab.yaml"));
        {
            QFile f(lab);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(LabYaml);
        }
        const QString store = dir.filePath(QStringLiteral("runs.sqlite"));
        const QString markdown = dir.filePath(QStringLiteral("run.md"));
        const QString json = dir.filePath(QStringLiteral("run.json"));
        const QString dataHome = dir.filePath(QStringLiteral("data"));
        const Outcome ran = cli({QStringLiteral("run"), lab, QStringLiteral("--store"), store, QStringLiteral("--set"),
                                 QStringLiteral("GO=") + dir.filePath(QStringLiteral("go")), QStringLiteral("--markdown"), markdown,
                                 QStringLiteral("--json"), json, QStringLiteral("--operator"), QStringLiteral("ci")},
                                dataHome);
        QVERIFY2(ran.exitCode == 0, qPrintable(ran.out + ran.err));

        RunStore reader;
        QVERIFY(reader.open(store));
        const QList<Run> runs = reader.runs();
        QCOMPARE(runs.size(), 1);
        const QString runId = runs.first().id;
        reader.close();

        // Printed by a new process: the console that ran the stack is gone.
        const Outcome all = cli({QStringLiteral("logs"), QStringLiteral("--run"), runId.left(8), QStringLiteral("--store"), store}, dataHome);
        QVERIFY2(all.exitCode == 0, qPrintable(all.err));
        const QStringList lines = all.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        const QRegularExpression chattyLine(QStringLiteral("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} chatty!? \\| "));
        int chatty = 0;
        for (const QString &l : lines)
            chatty += chattyLine.match(l).hasMatch() ? 1 : 0;
        QCOMPARE(chatty, ServiceLogCaps::DefaultPerService);
        QVERIFY2(all.out.contains(QStringLiteral("quiet | quiet has ‹LOG_TOKEN›")), qPrintable(all.out.left(2000)));
        QVERIFY2(all.out.contains(QStringLiteral("chatty | token is ‹LOG_TOKEN›")), qPrintable(all.out.left(2000)));
        QVERIFY2(all.out.contains(QStringLiteral("chatty! | on stderr ‹LOG_TOKEN›")), qPrintable(all.out.left(2000)));
        QVERIFY2(all.out.contains(QStringLiteral("… 1003 more line(s) of chatty dropped")), qPrintable(lines.mid(lines.size() - 3).join(u'\n')));
        QVERIFY(!all.out.contains(QStringLiteral("chatty finished"))); // past the cap: counted, not kept

        const Outcome quiet = cli({QStringLiteral("logs"), QStringLiteral("--latest"), QStringLiteral("--service"), QStringLiteral("quiet"),
                                   QStringLiteral("--store"), store},
                                  dataHome);
        QCOMPARE(quiet.exitCode, 0);
        QCOMPARE(quiet.out.count(QLatin1Char('\n')), 1);
        const Outcome unknown = cli({QStringLiteral("logs"), QStringLiteral("--latest"), QStringLiteral("--service"), QStringLiteral("nope"),
                                     QStringLiteral("--store"), store},
                                    dataHome);
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY2(unknown.err.contains(QStringLiteral("it has: chatty, quiet")), qPrintable(unknown.err));

        // The run log names each service, its counts and the command that prints them.
        QFile md(markdown);
        QVERIFY(md.open(QIODevice::ReadOnly));
        const QString log = QString::fromUtf8(md.readAll());
        QVERIFY2(log.contains(QStringLiteral("## Service logs")), qPrintable(log));
        QVERIFY2(log.contains(QStringLiteral("`halab-cli logs --run %1`").arg(runId)), qPrintable(log));
        QVERIFY2(QRegularExpression(QStringLiteral("\\| chatty \\| 5000 \\| 1003 \\(")).match(log).hasMatch(), qPrintable(log));
        QVERIFY2(log.contains(QStringLiteral("| quiet | 1 | 0 |")), qPrintable(log));
        QFile js(json);
        QVERIFY(js.open(QIODevice::ReadOnly));
        const QJsonArray exported = QJsonDocument::fromJson(js.readAll()).object().value(QStringLiteral("run")).toObject().value(QStringLiteral("service_logs")).toArray();
        QCOMPARE(exported.size(), 2);
        QCOMPARE(exported.at(0).toObject().value(QStringLiteral("dropped")).toInt(), 1003);

        // The HTML report says the same as the run log.
        const Outcome html = cli({QStringLiteral("report"), QStringLiteral("--latest"), QStringLiteral("--format"), QStringLiteral("html"),
                                  QStringLiteral("-o"), QStringLiteral("-"), QStringLiteral("--store"), store},
                                 dataHome);
        QCOMPARE(html.exitCode, 0);
        QVERIFY2(html.out.contains(QStringLiteral("<h2>Service logs</h2>")), qPrintable(html.err));
        QVERIFY(html.out.contains(QStringLiteral("<td>chatty</td><td align=\"right\">5000</td><td align=\"right\">1003</td>")));
        QVERIFY(!html.out.contains(Secret));

        // Nowhere on disk: not the store (nor its WAL), the run log or the JSON.
        for (const QString &file : QStringList{store, store + QStringLiteral("-wal"), markdown, json}) {
            QFile f(file);
            if (!f.open(QIODevice::ReadOnly))
                continue;
            QVERIFY2(!f.readAll().contains(Secret.toUtf8()), qPrintable(file));
        }
    }
};

QTEST_GUILESS_MAIN(TestServiceLogs)
#include "tst_servicelogs.moc"
