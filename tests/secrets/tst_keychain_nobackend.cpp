// No Secret Service at all (the session bus address points nowhere): every path says so in a
// plain sentence, and no value is written anywhere under a throwaway HOME.
#include "keychainstore.h"
#include "secretsdialog.h"
#include "secretstesthelpers.h"
#include "sessionsecrets.h"

#include <QApplication>
#include <QLabel>
#include <QProcess>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cstdlib>

using SecretsTest::wait;

namespace {
const QString kValue = QStringLiteral("nobackend-Secret-Value-7f3a9c");
QString g_home;
}

class TestKeychainNoBackend : public QObject
{
    Q_OBJECT

private:
    static void verifyPlainMessage(const QString &message)
    {
        QVERIFY2(message.startsWith(QLatin1String("No Secret Service is running (")), qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("gnome-keyring-daemon --unlock --components=secrets")), qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("HALAB_SECRET_<NAME>")), qPrintable(message));
        QVERIFY(!message.contains(kValue));
    }

    struct Outcome
    {
        bool started = false;
        int exitCode = -1;
        QString out;
        QString err;
    };

    static Outcome runCli(const QString &program, const QStringList &args, const QByteArray &input)
    {
        QProcess p;
        p.start(program, args);
        Outcome o;
        o.started = p.waitForStarted(10000);
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

private Q_SLOTS:
    void initTestCase()
    {
        QCOMPARE(qgetenv("DBUS_SESSION_BUS_ADDRESS"), QByteArray("unix:path=/nonexistent"));
        QVERIFY(!g_home.isEmpty());
    }

    void writeSaysNoSecretService()
    {
        KeychainStore store;
        const SecretsTest::Answer a = wait(store.write(QStringLiteral("test.nobackend"), QStringLiteral("API_KEY"), kValue));
        QVERIFY(a.done);
        QVERIFY(!a.ok);
        QCOMPARE(a.kind, KeychainJob::NoSecretService);
        verifyPlainMessage(a.message);
    }

    void readSaysNoSecretService()
    {
        KeychainStore store;
        const SecretsTest::Answer a = wait(store.read(QStringLiteral("test.nobackend"), QStringLiteral("API_KEY")));
        QVERIFY(a.done && !a.ok);
        QCOMPARE(a.kind, KeychainJob::NoSecretService);
        verifyPlainMessage(a.message);
        const SecretsTest::Answer r = wait(store.remove(QStringLiteral("test.nobackend"), QStringLiteral("API_KEY")));
        QCOMPARE(r.kind, KeychainJob::NoSecretService);
    }

    // SessionSecrets falls back to its in-memory behaviour and says why.
    void loadFallsBack()
    {
        const Lab lab = SecretsTest::lab(QStringLiteral("test.nobackend"));
        SessionSecrets s;
        QSignalSpy loaded(&s, &SessionSecrets::loaded);
        s.load(lab);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(loaded.at(0).at(0).toStringList(), QStringList{QStringLiteral("API_KEY")});
        verifyPlainMessage(loaded.at(0).at(1).toString());
        QCOMPARE(s.values().value(QStringLiteral("TOKEN_SECRET")).size(), 43); // session-only

        // CI: the environment alone is enough, and the keychain is not even asked.
        qputenv("HALAB_SECRET_API_KEY", kValue.toUtf8());
        qputenv("HALAB_SECRET_TOKEN_SECRET", "token-from-env-123");
        SessionSecrets ci;
        QSignalSpy ciLoaded(&ci, &SessionSecrets::loaded);
        ci.load(lab);
        const bool got = ciLoaded.wait(30000);
        qunsetenv("HALAB_SECRET_API_KEY");
        qunsetenv("HALAB_SECRET_TOKEN_SECRET");
        QVERIFY(got);
        QCOMPARE(ciLoaded.at(0).at(0).toStringList(), QStringList());
        QCOMPARE(ciLoaded.at(0).at(1).toString(), QString());
        QCOMPARE(ci.values().value(QStringLiteral("API_KEY")), kValue);
    }

    void dialogShowsTheErrorProminently()
    {
        const Lab lab = SecretsTest::lab(QStringLiteral("test.nobackend"));
        SecretsDialog dialog(lab);
        dialog.show();
        auto *error = dialog.findChild<QLabel *>(QStringLiteral("keychainError"));
        QVERIFY(error);
        QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), 30000);
        verifyPlainMessage(error->text());
        auto *table = dialog.findChild<QTableWidget *>(QStringLiteral("secretsTable"));
        QTRY_COMPARE_WITH_TIMEOUT(table->item(0, SecretsDialog::StatusColumn)->text(), QStringLiteral("unknown (keychain error)"), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(table->item(1, SecretsDialog::StatusColumn)->text(), QStringLiteral("unknown (keychain error)"), 30000);
    }

    void cliSaysNoSecretService_data()
    {
        QTest::addColumn<QString>("program");
        QTest::newRow("halab-cli") << QStringLiteral(HALAB_BIN_DIR "/halab-cli");
        QTest::newRow("harness") << QStringLiteral(HALAB_BIN_DIR "/halab-cli-secrets-harness");
    }

    void cliSaysNoSecretService()
    {
        QFETCH(QString, program);
        QTemporaryDir dir;
        const QString labPath = SecretsTest::writeLab(dir.path(), QStringLiteral("test.nobackend"));
        Outcome o = runCli(program, {QStringLiteral("secrets"), QStringLiteral("list"), labPath}, {});
        QVERIFY2(o.started, qPrintable(program));
        if (o.err.contains(QLatin1String("unknown command 'secrets'")))
            QFAIL("halab-cli does not dispatch 'secrets': app/cli_main.cpp lost the SecretsCommands lines");
        QCOMPARE(o.exitCode, 2);
        QVERIFY2(o.err.contains(QLatin1String("No Secret Service is running (")), qPrintable(o.err));

        o = runCli(program, {QStringLiteral("secrets"), QStringLiteral("set"), labPath, QStringLiteral("API_KEY")}, kValue.toUtf8() + '\n');
        QCOMPARE(o.exitCode, 2);
        QVERIFY2(o.err.contains(QLatin1String("No Secret Service is running (")), qPrintable(o.err));
        QVERIFY(!o.err.contains(kValue) && !o.out.contains(kValue));
    }

    // Last: after every attempt above, the value is in no file under HOME (no plaintext fallback).
    void nothingWrittenAnywhere()
    {
        const QStringList hits = SecretsTest::filesContaining(g_home, kValue.toUtf8());
        QVERIFY2(hits.isEmpty(), qPrintable(hits.join(QLatin1Char(' '))));
        const QStringList b64 = SecretsTest::filesContaining(g_home, kValue.toUtf8().toBase64());
        QVERIFY2(b64.isEmpty(), qPrintable(b64.join(QLatin1Char(' '))));
    }
};

int main(int argc, char *argv[])
{
    // A throwaway HOME and XDG dirs, and a session bus that does not exist, before Qt starts.
    QTemporaryDir home;
    if (!home.isValid())
        return 1;
    g_home = home.path();
    const QByteArray root = QFile::encodeName(home.path());
    for (const char *sub : {"config", "data", "cache", "runtime"})
        QDir(home.path()).mkdir(QLatin1String(sub));
    QFile::setPermissions(home.filePath(QStringLiteral("runtime")), QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    qputenv("HOME", root);
    qputenv("XDG_CONFIG_HOME", root + "/config");
    qputenv("XDG_DATA_HOME", root + "/data");
    qputenv("XDG_CACHE_HOME", root + "/cache");
    qputenv("XDG_RUNTIME_DIR", root + "/runtime");
    qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
    qunsetenv("DISPLAY"); // no X11: D-Bus must not autolaunch a bus
    qunsetenv("WAYLAND_DISPLAY");
    qunsetenv("HALAB_SECRET_API_KEY");
    qunsetenv("HALAB_SECRET_TOKEN_SECRET");
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    TestKeychainNoBackend test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_keychain_nobackend.moc"
