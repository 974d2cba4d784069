// `halab-cli secrets set/list/clear` end to end against a real Secret Service: the value travels
// on stdin only and never comes back on the output. (That a secret never reaches a *child's*
// command line is tst_childargv's job: the CLI's own argv is only what this test passes.)
#include "keychainstore.h"
#include "secretstesthelpers.h"

#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using SecretsTest::wait;

namespace {
const QByteArray kValue = "cli-Secret-Value-e4d2b1a0";
}

class TestSecretsCli : public QObject
{
    Q_OBJECT

private:
    struct Outcome
    {
        int exitCode = -1;
        QString out;
        QString err;
    };

    static Outcome run(const QString &program, const QStringList &args, const QByteArray &input = {})
    {
        Outcome o;
        QProcess p;
        p.start(program, args);
        if (!p.waitForStarted(10000)) {
            o.err = QStringLiteral("did not start: ") + p.errorString();
            return o;
        }
        p.write(input);
        p.closeWriteChannel();
        // A test may block; the GUI never does. A hung or crashed child must not pass as an exit code.
        if (!p.waitForFinished(60000)) {
            p.kill();
            p.waitForFinished(5000);
            o.err = QStringLiteral("did not finish within 60 s");
            return o;
        }
        if (p.exitStatus() != QProcess::NormalExit) {
            o.err = QStringLiteral("crashed: ") + QString::fromUtf8(p.readAllStandardError());
            return o;
        }
        o.exitCode = p.exitCode();
        o.out = QString::fromUtf8(p.readAllStandardOutput());
        o.err = QString::fromUtf8(p.readAllStandardError());
        return o;
    }

    static QString lineOf(const QString &text, const QString &name)
    {
        const QStringList lines = text.split(QLatin1Char('\n'));
        for (const QString &line : lines)
            if (line.startsWith(name + QLatin1Char(' ')))
                return line.simplified();
        return QString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (qEnvironmentVariableIsSet("HALAB_KEYRING_SKIP"))
            QSKIP(qPrintable(qEnvironmentVariable("HALAB_KEYRING_SKIP")));
        QVERIFY2(qEnvironmentVariableIsSet("HALAB_KEYRING_HOME"),
                 "run this test through tests/secrets/with-keyring.sh: it must not touch your own keyring");
    }

    void setListClear_data()
    {
        QTest::addColumn<QString>("program");
        QTest::addColumn<QString>("labId");
        QTest::newRow("halab-cli") << QStringLiteral(HALAB_BIN_DIR "/halab-cli") << QStringLiteral("test.cli.real");
        QTest::newRow("harness") << QStringLiteral(HALAB_BIN_DIR "/halab-cli-secrets-harness") << QStringLiteral("test.cli.harness");
    }

    void setListClear()
    {
        QFETCH(QString, program);
        QFETCH(QString, labId);
        QVERIFY2(QFileInfo::exists(program), qPrintable(program));
        QTemporaryDir dir;
        const QString lab = SecretsTest::writeLab(dir.path(), labId);
        const QString secrets = QStringLiteral("secrets");

        Outcome o = run(program, {secrets, QStringLiteral("list"), lab});
        if (o.err.contains(QLatin1String("unknown command 'secrets'")))
            QFAIL("halab-cli does not dispatch 'secrets': app/cli_main.cpp lost the SecretsCommands lines");
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        QCOMPARE(lineOf(o.out, QStringLiteral("API_KEY")), QStringLiteral("API_KEY missing the API key of the service"));
        QCOMPARE(lineOf(o.out, QStringLiteral("TOKEN_SECRET")),
                 QStringLiteral("TOKEN_SECRET missing HMAC secret for tokens (generated on first use)"));

        // set: value on stdin, one trailing newline dropped.
        o = run(program, {secrets, QStringLiteral("set"), lab, QStringLiteral("API_KEY")}, kValue + '\n');
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        QVERIFY(!o.out.toUtf8().contains(kValue) && !o.err.toUtf8().contains(kValue));
        KeychainStore store;
        SecretsTest::Answer a = wait(store.read(labId, QStringLiteral("API_KEY")));
        QVERIFY2(a.ok, qPrintable(a.message));
        QCOMPARE(a.value.toUtf8(), kValue);

        o = run(program, {secrets, QStringLiteral("list"), lab});
        QCOMPARE(o.exitCode, 0);
        QCOMPARE(lineOf(o.out, QStringLiteral("API_KEY")), QStringLiteral("API_KEY present the API key of the service"));
        QVERIFY(!o.out.toUtf8().contains(kValue));

        // Only one newline is dropped: the rest of the value is kept verbatim.
        o = run(program, {secrets, QStringLiteral("set"), lab, QStringLiteral("TOKEN_SECRET")}, "two\nlines-value\n\n");
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        QCOMPARE(wait(store.read(labId, QStringLiteral("TOKEN_SECRET"))).value, QStringLiteral("two\nlines-value\n"));

        o = run(program, {secrets, QStringLiteral("clear"), lab, QStringLiteral("API_KEY")});
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        a = wait(store.read(labId, QStringLiteral("API_KEY")));
        QCOMPARE(a.kind, KeychainJob::Missing);
        o = run(program, {secrets, QStringLiteral("list"), lab});
        QCOMPARE(lineOf(o.out, QStringLiteral("API_KEY")), QStringLiteral("API_KEY missing the API key of the service"));
        QCOMPARE(lineOf(o.out, QStringLiteral("TOKEN_SECRET")), QStringLiteral("TOKEN_SECRET present HMAC secret for tokens"));

        // Clearing what is not there is not an error.
        o = run(program, {secrets, QStringLiteral("clear"), lab, QStringLiteral("API_KEY")});
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    }

    void refusals_data()
    {
        QTest::addColumn<QString>("program");
        QTest::newRow("halab-cli") << QStringLiteral(HALAB_BIN_DIR "/halab-cli");
        QTest::newRow("harness") << QStringLiteral(HALAB_BIN_DIR "/halab-cli-secrets-harness");
    }

    void refusals()
    {
        QFETCH(QString, program);
        QTemporaryDir dir;
        const QString lab = SecretsTest::writeLab(dir.path(), QStringLiteral("test.cli.refusals"));
        const QString secrets = QStringLiteral("secrets");
        Outcome o = run(program, {secrets, QStringLiteral("list"), lab});
        if (o.err.contains(QLatin1String("unknown command 'secrets'")))
            QFAIL("halab-cli does not dispatch 'secrets': app/cli_main.cpp lost the SecretsCommands lines");

        // A name the lab does not declare, with a suggestion; stdin is not even read.
        o = run(program, {secrets, QStringLiteral("set"), lab, QStringLiteral("API_KYE")}, kValue);
        QCOMPARE(o.exitCode, 2);
        QVERIFY2(o.err.contains(QLatin1String("no secret 'API_KYE' (did you mean 'API_KEY'?)")), qPrintable(o.err));
        o = run(program, {secrets, QStringLiteral("clear"), lab, QStringLiteral("TOKEN")});
        QCOMPARE(o.exitCode, 2);
        QVERIFY2(o.err.contains(QLatin1String("declares API_KEY, TOKEN_SECRET")), qPrintable(o.err));

        // The value on the command line is refused, and not echoed back.
        o = run(program, {secrets, QStringLiteral("set"), lab, QStringLiteral("API_KEY"), QString::fromUtf8(kValue)});
        QCOMPARE(o.exitCode, 2);
        QVERIFY2(o.err.contains(QLatin1String("read from stdin")), qPrintable(o.err));
        QVERIFY(!o.err.toUtf8().contains(kValue));

        // Nothing on stdin: nothing stored.
        o = run(program, {secrets, QStringLiteral("set"), lab, QStringLiteral("API_KEY")}, "\n");
        QCOMPARE(o.exitCode, 2);
        QVERIFY2(o.err.contains(QLatin1String("no value on stdin")), qPrintable(o.err));
        KeychainStore store;
        QCOMPARE(wait(store.read(QStringLiteral("test.cli.refusals"), QStringLiteral("API_KEY"))).kind, KeychainJob::Missing);

        o = run(program, {secrets, QStringLiteral("list")});
        QCOMPARE(o.exitCode, 2);
        o = run(program, {secrets, QStringLiteral("list"), dir.filePath(QStringLiteral("nope.halab.yaml"))});
        QCOMPARE(o.exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestSecretsCli)
#include "tst_secretscli.moc"
