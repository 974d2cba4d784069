// halab-cli as a CI job runs it: exit codes and messages of validate, checks, run, report, readiness.
#include "../runs/samplerun.h"
#include "runstore.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

class TestCli : public QObject
{
    Q_OBJECT

private:
    struct Outcome
    {
        int exitCode = -1;
        QString out;
        QString err;
    };

    static Outcome run(const QStringList &args, int timeoutMs = 30000)
    {
        QProcess p;
        p.start(QStringLiteral(HALAB_BIN_DIR "/halab-cli"), args);
        // A test may block; the GUI never does. A hung or crashed CLI must not pass as an exit code.
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished(5000);
            return {-1, {}, QStringLiteral("halab-cli did not finish within the time allowed: ") + p.errorString()};
        }
        if (p.exitStatus() != QProcess::NormalExit)
            return {-1, {}, QStringLiteral("halab-cli crashed: ") + QString::fromUtf8(p.readAllStandardError())};
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
    }

    // A store holding SampleRun::make(), whose id starts 6f1c2b9e.
    static QString sampleStore(const QTemporaryDir &dir)
    {
        const QString path = dir.filePath(QStringLiteral("runs.sqlite"));
        RunStore store;
        if (!store.open(path))
            return {};
        Run run = SampleRun::make();
        run.id = store.createRun(run);
        for (const CheckResult &r : std::as_const(run.results))
            store.setCheckResult(run.id, r);
        store.finishRun(run.id, Run::State::Finished);
        return path;
    }

    static QString labPath(const char *name) { return QStringLiteral(HALAB_TEST_DATA_DIR "/") + QLatin1String(name); }
    static QString demoLab() { return QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml"); }

private Q_SLOTS:
    void validDemoLabExitsZero()
    {
        const Outcome o = run({QStringLiteral("validate"), QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml")});
        QCOMPARE(o.exitCode, 0);
        QVERIFY2(o.out.contains(QLatin1String("ok")), qPrintable(o.out + o.err));
        QVERIFY(o.err.isEmpty());
    }

    void typoExitsTwoWithLocation()
    {
        QFile demo(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml"));
        QVERIFY(demo.open(QIODevice::ReadOnly));
        QByteArray text = demo.readAll();
        const int at = text.indexOf("\n    title: Graceful degradation");
        QVERIFY(at > 0);
        text.replace(at, 11, "\n    tilte:"); // typo'd key on a known line
        const int line = int(text.left(at + 1).count('\n')) + 1;

        QTemporaryDir dir;
        QFile broken(dir.filePath(QStringLiteral("demo.halab.yaml")));
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write(text);
        broken.close();

        const Outcome o = run({QStringLiteral("validate"), broken.fileName()});
        QCOMPARE(o.exitCode, 2);
        const QRegularExpression re(QStringLiteral("demo\\.halab\\.yaml:%1:5: unknown key 'tilte'.*did you mean 'title'").arg(line));
        QVERIFY2(re.match(o.err).hasMatch(), qPrintable(o.err));
    }

    void everyRangeHoleIsNamed()
    {
        // Issue 10: each of these used to validate, then misbehave at run time.
        const QString lab = QStringLiteral(HALAB_SOURCE_DIR "/tests/data/out-of-range.halab.yaml");
        const Outcome o = run({QStringLiteral("validate"), lab});
        QCOMPARE(o.exitCode, 2);
        const QStringList expected = {
            QStringLiteral(":5:7: endpoint 'lb' refers to itself"),
            QStringLiteral(":11:21: port 99999999 in tcp address"),
            QStringLiteral(":17:15: a 'wait' step of check 'holes': duration '999999999999999999s' is too long"),
            QStringLiteral(":18:58: 'expect_status' in a 'http' step of check 'holes' must be an HTTP status from 100 to 599"),
            QStringLiteral(":19:48: 'times' in 'until' of a 'wait' step of check 'holes' must be a count from 1 to 1000000"),
            QStringLiteral(":20:15: unclosed '${' in '${LB_PORT'"),
        };
        for (const QString &line : expected)
            QVERIFY2(o.err.contains(lab + line), qPrintable(line + QStringLiteral(" missing from:\n") + o.err));
    }

    void missingFileExitsTwo()
    {
        const Outcome o = run({QStringLiteral("validate"), QStringLiteral("/nonexistent.halab.yaml")});
        QCOMPARE(o.exitCode, 2);
        QVERIFY(o.err.contains(QLatin1String("cannot read the lab file")));
    }

    void unknownCommandExitsTwo()
    {
        const Outcome o = run({QStringLiteral("frobnicate")});
        QCOMPARE(o.exitCode, 2);
        QVERIFY(o.err.contains(QLatin1String("unknown command")));
    }

    void reportToStdoutByShortId_data()
    {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("starts");
        QTest::newRow("markdown") << QStringLiteral("markdown") << QStringLiteral("# ");
        QTest::newRow("json") << QStringLiteral("json") << QStringLiteral("{");
        QTest::newRow("junit") << QStringLiteral("junit") << QStringLiteral("<?xml");
    }

    void reportToStdoutByShortId()
    {
        QFETCH(QString, format);
        QFETCH(QString, starts);
        QTemporaryDir dir;
        const QString store = sampleStore(dir);
        QVERIFY(!store.isEmpty());
        RunStore reader;
        QVERIFY(reader.open(store));
        const QString id = reader.runs().first().id;
        const Outcome o = run({QStringLiteral("report"), QStringLiteral("--run"), id.left(8), QStringLiteral("--format"), format,
                               QStringLiteral("-o"), QStringLiteral("-"), QStringLiteral("--store"), store});
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        QVERIFY2(o.out.startsWith(starts), qPrintable(o.out.left(200)));
        QVERIFY2(o.out.contains(QLatin1String("failover")), qPrintable(o.out.left(400)));
        QVERIFY2(!QFile::exists(QStringLiteral("-")), "a file named '-' was written");
    }

    void reportPdfToStdout()
    {
        QTemporaryDir dir;
        const QString store = sampleStore(dir);
        // As in CI or cron: no login session, so no XDG_RUNTIME_DIR; QtGui must not warn about it.
        const QByteArray runtimeDir = qgetenv("XDG_RUNTIME_DIR");
        qunsetenv("XDG_RUNTIME_DIR");
        const Outcome o = run({QStringLiteral("report"), QStringLiteral("--latest"), QStringLiteral("--format"), QStringLiteral("pdf"),
                               QStringLiteral("-o"), QStringLiteral("-"), QStringLiteral("--store"), store});
        if (!runtimeDir.isEmpty())
            qputenv("XDG_RUNTIME_DIR", runtimeDir);
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        QVERIFY(o.out.startsWith(QLatin1String("%PDF-")));
        QVERIFY2(o.err.isEmpty(), qPrintable(o.err)); // no Qt warnings in a normal run
    }

    void reportArgumentErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("no -o") << QStringList{QStringLiteral("--latest"), QStringLiteral("--format"), QStringLiteral("markdown")}
                               << QStringLiteral("-o FILE, or -o - for standard output");
        QTest::newRow("no run") << QStringList{QStringLiteral("--format"), QStringLiteral("markdown"), QStringLiteral("-o"), QStringLiteral("-")}
                                << QStringLiteral("--run ID");
        QTest::newRow("unknown id") << QStringList{QStringLiteral("--run"), QStringLiteral("ffff0000"), QStringLiteral("--format"),
                                                   QStringLiteral("json"), QStringLiteral("-o"), QStringLiteral("-")}
                                    << QStringLiteral("no run 'ffff0000'");
        QTest::newRow("bad format") << QStringList{QStringLiteral("--latest"), QStringLiteral("--format"), QStringLiteral("docx"),
                                                   QStringLiteral("-o"), QStringLiteral("-")}
                                    << QStringLiteral("--format must be one of");
    }

    void reportArgumentErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const Outcome o = run(QStringList{QStringLiteral("report")} + args + QStringList{QStringLiteral("--store"), sampleStore(dir)});
        QCOMPARE(o.exitCode, 2);
        QVERIFY2(o.err.contains(message), qPrintable(o.err));
        QVERIFY(o.out.isEmpty());
    }

    void readinessNotYetExitsOne()
    {
        QTemporaryDir dir;
        const QString empty = dir.filePath(QStringLiteral("empty.sqlite"));
        const Outcome o = run({QStringLiteral("readiness"), demoLab(), QStringLiteral("--store"), empty});
        QCOMPARE(o.exitCode, 1);
        QVERIFY2(o.out.contains(QLatin1String("NOT YET")), qPrintable(o.out));
        const Outcome level = run({QStringLiteral("readiness"), demoLab(), QStringLiteral("--store"), empty, QStringLiteral("--level"), QStringLiteral("nope")});
        QCOMPARE(level.exitCode, 2);
        QVERIFY2(level.err.contains(QLatin1String("no level 'nope'")), qPrintable(level.err));
    }

    void checksTableFollowsOverrides()
    {
        const Outcome plain = run({QStringLiteral("checks"), demoLab(), QStringLiteral("--json")});
        QCOMPARE(plain.exitCode, 0);
        const Outcome multi = run({QStringLiteral("checks"), demoLab(), QStringLiteral("--json"), QStringLiteral("--set"), QStringLiteral("MULTI_TENANT_ENABLED=true")});
        const auto decisionOf = [](const QString &json, const QString &id) {
            for (const QJsonValue &v : QJsonDocument::fromJson(json.toUtf8()).array())
                if (v[QStringLiteral("id")].toString() == id)
                    return v[QStringLiteral("decision")].toString();
            return QString();
        };
        QCOMPARE(decisionOf(plain.out, QStringLiteral("5")), QStringLiteral("N/A"));
        QCOMPARE(decisionOf(plain.out, QStringLiteral("9")), QStringLiteral("DEFERRED"));
        QCOMPARE(decisionOf(plain.out, QStringLiteral("7")), QStringLiteral("runs"));
        QCOMPARE(decisionOf(multi.out, QStringLiteral("5")), QStringLiteral("runs"));
    }

    // A real run on a one-process stack: summary table, the failed expectation in words, N/A,
    // DEFERRED and the skipped manual check with why.
    void runPrintsSummaryAndFailures()
    {
        QTemporaryDir dir;
        const Outcome o = run({QStringLiteral("run"), labPath("cli-run.halab.yaml"), QStringLiteral("--store"), dir.filePath(QStringLiteral("r.sqlite")),
                               QStringLiteral("--operator"), QStringLiteral("ci")},
                              120000);
        const QString all = o.out + o.err;
        QCOMPARE(o.exitCode, 1);
        QVERIFY2(o.out.contains(QStringLiteral("✗ no.availability_pct 0.0 % < 99 %")), qPrintable(all));
        const qsizetype summary = o.out.indexOf(QLatin1String("summary of CLI run"));
        QVERIFY2(summary > 0, qPrintable(all));
        const QString table = o.out.mid(summary);
        const QRegularExpression passes(QStringLiteral("\\n  passes +PASS +yes\\.availability_pct 100\\.0 % ≥ 99 %"));
        QVERIFY2(passes.match(table).hasMatch(), qPrintable(table));
        QVERIFY2(QRegularExpression(QStringLiteral("\\n  fails +FAIL +no\\.availability_pct")).match(table).hasMatch(), qPrintable(table));
        QVERIFY2(QRegularExpression(QStringLiteral("\\n  gated +N/A +FEATURE is 'off', it applies when 'on'")).match(table).hasMatch(), qPrintable(table));
        QVERIFY2(QRegularExpression(QStringLiteral("\\n  later +DEFERRED +waits for a fixture")).match(table).hasMatch(), qPrintable(table));
        QVERIFY2(QRegularExpression(QStringLiteral("\\n  by-hand +SKIPPED +manual: needs an operator")).match(table).hasMatch(), qPrintable(table));
    }

    // Evidence the store refuses (a trigger stands in for a full disk) is never silent: the CLI,
    // whose writes run on the store's own thread, waits for them, exits 4 and says INCOMPLETE, and
    // the stored run says how much was lost.
    void lostEvidenceExitsFourAndTheRunSaysIncomplete()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("r.sqlite"));
        {
            RunStore store;
            QVERIFY(store.open(path));
        }
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("saboteur"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("CREATE TRIGGER refuse BEFORE INSERT ON check_results BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("saboteur"));

        const Outcome o = run({QStringLiteral("run"), labPath("cli-run.halab.yaml"), QStringLiteral("--store"), path, QStringLiteral("--operator"),
                               QStringLiteral("ci")},
                              120000);
        QCOMPARE(o.exitCode, 4);
        QVERIFY2(o.err.contains(QLatin1String("the run is INCOMPLETE")), qPrintable(o.out + o.err));
        QVERIFY2(o.err.contains(QLatin1String("disk full (test)")), qPrintable(o.err)); // the store's own words

        RunStore store;
        QVERIFY(store.open(path));
        const QList<Run> runs = store.runs();
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs.first().state, Run::State::Incomplete);
        QVERIFY2(runs.first().notes.contains(QLatin1String("store write(s) failed")), qPrintable(runs.first().notes));
    }

    void versionPrints()
    {
        const Outcome o = run({QStringLiteral("--version")});
        QCOMPARE(o.exitCode, 0);
        QVERIFY(o.out.startsWith(QLatin1String("halab ")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
