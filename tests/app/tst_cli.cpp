// halab-cli as a CI job runs it: exit codes and messages of `validate`.
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
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

    static Outcome run(const QStringList &args)
    {
        QProcess p;
        p.start(QStringLiteral(HALAB_BIN_DIR "/halab-cli"), args);
        // A test may block; the GUI never does. A hung or crashed CLI must not pass as an exit code.
        if (!p.waitForFinished(30000)) {
            p.kill();
            p.waitForFinished(5000);
            return {-1, {}, QStringLiteral("halab-cli did not finish within 30 s: ") + p.errorString()};
        }
        if (p.exitStatus() != QProcess::NormalExit)
            return {-1, {}, QStringLiteral("halab-cli crashed: ") + QString::fromUtf8(p.readAllStandardError())};
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
    }

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

    void versionPrints()
    {
        const Outcome o = run({QStringLiteral("--version")});
        QCOMPARE(o.exitCode, 0);
        QVERIFY(o.out.startsWith(QLatin1String("halab ")));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
