// The canary: a distinctive secret, stored only in the keychain, is sent by a check's steps and
// echoed by the service's logs; afterwards no stored, exported or printed byte holds it, and no
// process the console started ever had it on its command line.
#include "testports.h"
#include <QByteArray>
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using TestPorts::freePort;

class TestCanary : public QObject
{
    Q_OBJECT

private:
    // Every form of the value the redactor promises to catch.
    static QList<QByteArray> forms(const QByteArray &value)
    {
        return {value, value.toBase64(), value.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals),
                value.toPercentEncoding()};
    }

    static QStringList hitsIn(const QByteArray &data, const QByteArray &value)
    {
        QStringList hits;
        for (const QByteArray &f : forms(value))
            if (data.contains(f))
                hits << QString::fromLatin1(f.left(12)) + QStringLiteral("…");
        return hits;
    }

    // Command lines of every process now running (the test runs as root, so it sees them all).
    static QStringList cmdlinesHolding(const QByteArray &value)
    {
        QStringList hits;
        const QStringList pids = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        for (const QString &pid : pids) {
            bool numeric = false;
            pid.toInt(&numeric);
            if (!numeric)
                continue;
            QFile f(QStringLiteral("/proc/%1/cmdline").arg(pid));
            if (f.open(QIODevice::ReadOnly) && f.readAll().contains(value))
                hits << pid;
        }
        return hits;
    }

private Q_SLOTS:
    void canaryLeaksNowhere()
    {
        if (qEnvironmentVariableIsSet("HALAB_KEYRING_SKIP"))
            QSKIP(qPrintable(qEnvironmentVariable("HALAB_KEYRING_SKIP")));
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QByteArray canary = "CANARY-" + QByteArray::number(QRandomGenerator::global()->generate64(), 16).toUpper() + "-HALAB";
        const QString lab = QStringLiteral(HALAB_TEST_DATA_DIR "/canary.halab.yaml");
        const QString cli = QStringLiteral(HALAB_BIN_DIR "/halab-cli");
        const QStringList ports{QStringLiteral("--set"), QStringLiteral("API_PORT=%1").arg(freePort()),
                                QStringLiteral("--set"), QStringLiteral("REDIS_PORT=%1").arg(freePort())};

        // Into the keychain, through stdin: the only place the value is ever written.
        QProcess set;
        set.start(cli, {QStringLiteral("secrets"), QStringLiteral("set"), lab, QStringLiteral("API_KEY_ADMIN")});
        QVERIFY(set.waitForStarted());
        set.write(canary + '\n');
        set.closeWriteChannel();
        QVERIFY(set.waitForFinished(60000));
        QVERIFY2(set.exitCode() == 0, set.readAllStandardError().constData());

        const QString store = dir.filePath(QStringLiteral("runs.sqlite"));
        QStringList exports;
        QStringList args{QStringLiteral("run"), lab, QStringLiteral("--store"), store};
        for (const QString &format : {QStringLiteral("markdown"), QStringLiteral("json"), QStringLiteral("junit"), QStringLiteral("html"), QStringLiteral("pdf")}) {
            exports << dir.filePath(QStringLiteral("report.") + format);
            args << QStringLiteral("--") + format << exports.last();
        }
        args += ports;

        QProcess run;
        run.setProcessChannelMode(QProcess::SeparateChannels);
        run.start(cli, args);
        QVERIFY(run.waitForStarted());
        // While the check runs, look at every process's command line, again and again.
        QStringList cmdlineHits;
        QElapsedTimer clock;
        clock.start();
        while (run.state() != QProcess::NotRunning && clock.elapsed() < 180000) {
            cmdlineHits += cmdlinesHolding(canary);
            run.waitForFinished(50);
        }
        QCOMPARE(run.state(), QProcess::NotRunning);
        const QByteArray out = run.readAllStandardOutput();
        const QByteArray err = run.readAllStandardError();
        QVERIFY2(run.exitCode() == 0, QByteArray(out + err).constData()); // the key worked: the service accepted it
        QVERIFY2(cmdlineHits.isEmpty(), qPrintable(QStringLiteral("canary on the command line of pid(s) ") + cmdlineHits.join(QLatin1Char(' '))));

        // The evidence shows the secret was really used and echoed, as its redacted name.
        QFile markdown(exports.first());
        QVERIFY(markdown.open(QIODevice::ReadOnly));
        const QByteArray md = markdown.readAll();
        QVERIFY2(md.contains("‹API_KEY_ADMIN›"), md.constData());

        QStringList leaks;
        const auto scan = [&](const QString &name, const QByteArray &data) {
            const QStringList hits = hitsIn(data, canary);
            if (!hits.isEmpty())
                leaks << name + QStringLiteral(": ") + hits.join(QStringLiteral(", "));
        };
        scan(QStringLiteral("stdout"), out);
        scan(QStringLiteral("stderr"), err);
        // The store with its WAL and shared-memory files, every export, everything the run left in the temp dir.
        QDirIterator it(dir.path(), QDir::Files, QDirIterator::Subdirectories);
        int files = 0;
        while (it.hasNext()) {
            const QString path = it.next();
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            scan(path, f.readAll());
            ++files;
        }
        QVERIFY(files >= 6);
        // And whatever the console keeps in its own data folder (a throwaway HOME here).
        const QString data = qEnvironmentVariable("XDG_DATA_HOME");
        if (!data.isEmpty()) {
            QDirIterator own(data, QDir::Files, QDirIterator::Subdirectories);
            while (own.hasNext()) {
                const QString path = own.next();
                QFile f(path);
                if (f.size() < 64 * 1024 * 1024 && f.open(QIODevice::ReadOnly))
                    scan(path, f.readAll());
            }
        }
        QVERIFY2(leaks.isEmpty(), qPrintable(leaks.join(QLatin1Char('\n'))));
    }
};

QTEST_GUILESS_MAIN(TestCanary)
#include "tst_canary.moc"
