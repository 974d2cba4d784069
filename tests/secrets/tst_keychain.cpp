// KeychainStore and SessionSecrets against a real Secret Service (gnome-keyring on a private
// D-Bus session, started by with-keyring.sh).
#include "keychainstore.h"
#include "secretstesthelpers.h"
#include "sessionsecrets.h"

#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using SecretsTest::wait;

class TestKeychain : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        if (qEnvironmentVariableIsSet("HALAB_KEYRING_SKIP"))
            QSKIP(qPrintable(qEnvironmentVariable("HALAB_KEYRING_SKIP")));
        QVERIFY2(qEnvironmentVariableIsSet("HALAB_KEYRING_HOME"),
                 "run this test through tests/secrets/with-keyring.sh: it must not touch your own keyring");
        QString errors;
        SecretsTest::lab(QStringLiteral("probe"), &errors);
        QVERIFY2(errors.isEmpty(), qPrintable(errors));
    }

    void writeReadDelete()
    {
        KeychainStore store;
        const QString lab = QStringLiteral("test.keychain.rw");
        const QString value = QStringLiteral("v4lue-\u00e9\u20ac with spaces\nand a second line");
        SecretsTest::Answer a = wait(store.write(lab, QStringLiteral("API_KEY"), value));
        QVERIFY2(a.done && a.ok, qPrintable(a.message));
        QCOMPARE(a.kind, KeychainJob::NoError);

        a = wait(store.read(lab, QStringLiteral("API_KEY")));
        QVERIFY2(a.ok, qPrintable(a.message));
        QCOMPARE(a.value, value);

        // Another lab's entry of the same name is a different entry.
        a = wait(store.read(QStringLiteral("test.keychain.other"), QStringLiteral("API_KEY")));
        QVERIFY(a.done && !a.ok);
        QCOMPARE(a.kind, KeychainJob::Missing);

        a = wait(store.write(lab, QStringLiteral("API_KEY"), QStringLiteral("replaced-value")));
        QVERIFY2(a.ok, qPrintable(a.message));
        QCOMPARE(wait(store.read(lab, QStringLiteral("API_KEY"))).value, QStringLiteral("replaced-value"));

        a = wait(store.remove(lab, QStringLiteral("API_KEY")));
        QVERIFY2(a.ok, qPrintable(a.message));
        a = wait(store.read(lab, QStringLiteral("API_KEY")));
        QVERIFY(a.done && !a.ok);
        QCOMPARE(a.kind, KeychainJob::Missing);
    }

    void missingEntry()
    {
        KeychainStore store;
        const SecretsTest::Answer a = wait(store.read(QStringLiteral("test.keychain.missing"), QStringLiteral("NOPE")));
        QVERIFY(a.done);
        QVERIFY(!a.ok);
        QCOMPARE(a.kind, KeychainJob::Missing);
        QVERIFY(a.value.isEmpty());
        QVERIFY2(a.message.contains(QLatin1String("test.keychain.missing/NOPE")), qPrintable(a.message));
    }

    void removeMissingEntry()
    {
        KeychainStore store;
        const SecretsTest::Answer a = wait(store.remove(QStringLiteral("test.keychain.missing"), QStringLiteral("NOPE")));
        QVERIFY(a.done);
        // Either outcome is fine for callers (both treat it as "not there now"); it is never an error.
        QVERIFY2(a.ok || a.kind == KeychainJob::Missing, qPrintable(a.message));
    }

    void labWithoutIdIsRefused()
    {
        KeychainStore store;
        const SecretsTest::Answer a = wait(store.write(QString(), QStringLiteral("API_KEY"), QStringLiteral("some-value")));
        QVERIFY(a.done && !a.ok);
        QCOMPARE(a.kind, KeychainJob::OtherError);
        QVERIFY2(a.message.contains(QLatin1String("'id'")), qPrintable(a.message));
    }

    // finished() comes from the event loop, so connecting right after the call never misses it.
    void answersAreAsynchronous()
    {
        KeychainStore store;
        bool answered = false;
        KeychainJob *job = store.read(QStringLiteral("test.keychain.async"), QStringLiteral("X"));
        connect(job, &KeychainJob::finished, this, [&answered] { answered = true; });
        QVERIFY(!answered);
        QTRY_VERIFY_WITH_TIMEOUT(answered, 30000);
    }

    // The entry is where other tools expect it: service "halab", key "<labId>/<NAME>".
    void entryLayout()
    {
        const QString secretTool = QStandardPaths::findExecutable(QStringLiteral("secret-tool"));
        if (secretTool.isEmpty())
            QSKIP("secret-tool is not installed (Debian: libsecret-tools)");
        KeychainStore store;
        QVERIFY(wait(store.write(QStringLiteral("test.keychain.layout"), QStringLiteral("API_KEY"), QStringLiteral("layout-value-1"))).ok);
        QProcess p;
        p.start(secretTool, {QStringLiteral("lookup"), QStringLiteral("server"), QStringLiteral("halab"), QStringLiteral("user"),
                             QStringLiteral("test.keychain.layout/API_KEY")});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.readAllStandardOutput(), QByteArray("layout-value-1"));
    }

    void loadGeneratesAndPersists()
    {
        const Lab lab = SecretsTest::lab(QStringLiteral("test.keychain.persist"));
        QString first;
        {
            SessionSecrets s;
            QSignalSpy loaded(&s, &SessionSecrets::loaded);
            s.load(lab);
            QVERIFY(s.isLoading());
            QVERIFY(loaded.wait(30000));
            QCOMPARE(loaded.count(), 1);
            QCOMPARE(loaded.at(0).at(0).toStringList(), QStringList{QStringLiteral("API_KEY")}); // not generated
            QCOMPARE(loaded.at(0).at(1).toString(), QString());
            first = s.values().value(QStringLiteral("TOKEN_SECRET"));
            QCOMPARE(first.size(), 43); // 32 random bytes, base64url
            QVERIFY(!s.values().contains(QStringLiteral("API_KEY")));
        }
        KeychainStore store;
        QCOMPARE(wait(store.read(lab.id, QStringLiteral("TOKEN_SECRET"))).value, first);

        // The next session finds the same value, and a value set meanwhile.
        QVERIFY(wait(store.write(lab.id, QStringLiteral("API_KEY"), QStringLiteral("set-by-hand-1"))).ok);
        SessionSecrets again;
        QSignalSpy loaded(&again, &SessionSecrets::loaded);
        again.load(lab);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(loaded.at(0).at(0).toStringList(), QStringList());
        QCOMPARE(again.values().value(QStringLiteral("TOKEN_SECRET")), first);
        QCOMPARE(again.values().value(QStringLiteral("API_KEY")), QStringLiteral("set-by-hand-1"));
        QCOMPARE(again.redactor().redact(QStringLiteral("k=set-by-hand-1 t=") + first),
                 QStringLiteral("k=‹API_KEY› t=‹TOKEN_SECRET›"));
        // fill() after load() keeps the loaded values.
        QCOMPARE(again.fill(lab), QStringList());
        QCOMPARE(again.values().value(QStringLiteral("TOKEN_SECRET")), first);
    }

    void environmentOverridesKeychain()
    {
        const Lab lab = SecretsTest::lab(QStringLiteral("test.keychain.env"));
        KeychainStore store;
        QVERIFY(wait(store.write(lab.id, QStringLiteral("API_KEY"), QStringLiteral("from-keychain-1"))).ok);
        qputenv("HALAB_SECRET_API_KEY", "from-environment-1");
        SessionSecrets s;
        QSignalSpy loaded(&s, &SessionSecrets::loaded);
        s.load(lab);
        const bool got = loaded.wait(30000);
        qunsetenv("HALAB_SECRET_API_KEY");
        QVERIFY(got);
        QCOMPARE(s.values().value(QStringLiteral("API_KEY")), QStringLiteral("from-environment-1"));
        // The environment value is not copied into the keychain.
        QCOMPARE(wait(store.read(lab.id, QStringLiteral("API_KEY"))).value, QStringLiteral("from-keychain-1"));
    }

    void clearedEntryIsMissingOnReload()
    {
        const Lab lab = SecretsTest::lab(QStringLiteral("test.keychain.cleared"));
        KeychainStore store;
        QVERIFY(wait(store.write(lab.id, QStringLiteral("API_KEY"), QStringLiteral("short-lived-1"))).ok);
        SessionSecrets s;
        QSignalSpy loaded(&s, &SessionSecrets::loaded);
        s.load(lab);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(s.values().value(QStringLiteral("API_KEY")), QStringLiteral("short-lived-1"));
        QVERIFY(wait(store.remove(lab.id, QStringLiteral("API_KEY"))).ok);
        s.load(lab);
        QVERIFY(loaded.wait(30000));
        QCOMPARE(loaded.last().at(0).toStringList(), QStringList{QStringLiteral("API_KEY")});
        QVERIFY(!s.values().contains(QStringLiteral("API_KEY")));
    }

    // A second load() while the first is under way: one loaded(), from the second.
    void reloadWhileLoading()
    {
        const Lab lab = SecretsTest::lab(QStringLiteral("test.keychain.reload"));
        SessionSecrets s;
        QSignalSpy loaded(&s, &SessionSecrets::loaded);
        s.load(lab);
        s.load(lab);
        QVERIFY(loaded.wait(30000));
        QTest::qWait(300);
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(s.values().value(QStringLiteral("TOKEN_SECRET")).size(), 43);
        KeychainStore store;
        QCOMPARE(wait(store.read(lab.id, QStringLiteral("TOKEN_SECRET"))).value, s.values().value(QStringLiteral("TOKEN_SECRET")));
    }

    void labWithoutSecretsLoadsAsynchronously()
    {
        Lab lab;
        lab.id = QStringLiteral("test.keychain.none");
        SessionSecrets s;
        QSignalSpy loaded(&s, &SessionSecrets::loaded);
        s.load(lab);
        QCOMPARE(loaded.count(), 0);
        QVERIFY(loaded.wait(5000));
        QCOMPARE(loaded.at(0).at(0).toStringList(), QStringList());
    }
};

QTEST_GUILESS_MAIN(TestKeychain)
#include "tst_keychain.moc"
