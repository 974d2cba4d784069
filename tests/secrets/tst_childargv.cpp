// A secret reaches the processes the console starts through their environment, never on their
// command line: a service and a command step record their own /proc/self/cmdline and a digest of
// the value they received, and every descendant of halab-cli is scanned while the check runs.
#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

namespace {
const QByteArray kSecret = "child-argv-Secret-7f3a9c";

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The parent pid from /proc/<pid>/stat (the field after the parenthesised command name).
qint64 parentOf(const QString &pid)
{
    const QByteArray stat = readFile(QStringLiteral("/proc/%1/stat").arg(pid));
    const int close = stat.lastIndexOf(')');
    if (close < 0)
        return -1;
    const QList<QByteArray> fields = stat.mid(close + 2).split(' ');
    return fields.size() > 1 ? fields.at(1).toLongLong() : -1;
}

// Every live descendant of root, with its command line.
QHash<qint64, QByteArray> descendantsOf(qint64 root)
{
    QHash<qint64, qint64> parent;
    const QStringList pids = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &pid : pids) {
        bool numeric = false;
        const qint64 n = pid.toLongLong(&numeric);
        if (numeric)
            parent.insert(n, parentOf(pid));
    }
    QHash<qint64, QByteArray> out;
    for (auto it = parent.cbegin(); it != parent.cend(); ++it) {
        for (qint64 p = it.value(), hops = 0; p > 1 && hops < 64; p = parent.value(p, -1), ++hops) {
            if (p == root) {
                out.insert(it.key(), readFile(QStringLiteral("/proc/%1/cmdline").arg(it.key())));
                break;
            }
        }
    }
    return out;
}
} // namespace

class TestChildArgv : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void secretNeverOnAChildsCommandLine()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString out = dir.filePath(QStringLiteral("out"));
        QVERIFY(QDir().mkpath(out));
        // Each child writes its own argv (NULs as spaces) and the SHA-256 of what $K held.
        const QString record = QStringLiteral(
            "tr \"\\000\" \" \" < /proc/$$$$/cmdline > \"$OUT/$WHO.argv\"; printf %s \"$K\" | sha256sum | cut -c1-64 > \"$OUT/$WHO.sha\"");
        const QByteArray lab = QStringLiteral(R"(halab: 1
id: io.github.halab.child-argv-test
name: Child argv
variables:
  OUT: /nonexistent
secrets:
  - API_KEY
stack:
  backend: processes
  services:
    spy:
      command: [sh, -c, '%1; exec sleep 30']
      env: { K: "${API_KEY}", OUT: "${OUT}", WHO: service }
      ready: { command: [test, -f, "${OUT}/service.sha"], every: 50ms, timeout: 10s }
checks:
  - id: argv
    title: The secret goes to children by environment only
    mode: automated
    steps:
      - title: A command step that receives the secret
        command: [sh, -c, '%1; sleep 0.5']
        env: { K: "${API_KEY}", OUT: "${OUT}", WHO: step }
        expect_exit: 0
)").arg(record).toUtf8();
        QFile labFile(dir.filePath(QStringLiteral("argv.halab.yaml")));
        QVERIFY(labFile.open(QIODevice::WriteOnly));
        labFile.write(lab);
        labFile.close();

        QProcess cli;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HALAB_SECRET_API_KEY"), QString::fromUtf8(kSecret));
        env.insert(QStringLiteral("XDG_DATA_HOME"), dir.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("XDG_STATE_HOME"), dir.filePath(QStringLiteral("state")));
        cli.setProcessEnvironment(env);
        cli.start(QStringLiteral(HALAB_BIN_DIR "/halab-cli"),
                  {QStringLiteral("run"), labFile.fileName(), QStringLiteral("--store"),
                   dir.filePath(QStringLiteral("runs.sqlite")), QStringLiteral("--set"), QStringLiteral("OUT=") + out});
        QVERIFY2(cli.waitForStarted(10000), qPrintable(cli.errorString()));

        // While it runs, no descendant of the CLI carries the value on its command line.
        int scanned = 0;
        QStringList leaks;
        while (!cli.waitForFinished(10)) {
            if (cli.state() == QProcess::NotRunning)
                break;
            const QHash<qint64, QByteArray> children = descendantsOf(cli.processId());
            for (auto it = children.cbegin(); it != children.cend(); ++it) {
                ++scanned;
                if (it.value().contains(kSecret))
                    leaks << QString::number(it.key());
            }
            if (scanned > 2000000)
                break;
        }
        QVERIFY2(cli.state() == QProcess::NotRunning || cli.waitForFinished(60000), "halab-cli did not finish");
        const QString err = QString::fromUtf8(cli.readAllStandardError());
        QVERIFY2(cli.exitStatus() == QProcess::NormalExit && cli.exitCode() == 0,
                 qPrintable(QString::fromUtf8(cli.readAllStandardOutput()) + err));
        QVERIFY2(leaks.isEmpty(), qPrintable(QStringLiteral("secret on the command line of pid ") + leaks.join(QLatin1Char(','))));
        QVERIFY2(scanned > 0, "no child of halab-cli was ever seen: the scan checked nothing");

        // Both children did receive the value (the control), and neither had it on its argv.
        const QByteArray digest = QCryptographicHash::hash(kSecret, QCryptographicHash::Sha256).toHex();
        for (const QString &who : {QStringLiteral("service"), QStringLiteral("step")}) {
            QCOMPARE(readFile(out + QLatin1Char('/') + who + QStringLiteral(".sha")).trimmed(), digest);
            const QByteArray argv = readFile(out + QLatin1Char('/') + who + QStringLiteral(".argv"));
            QVERIFY2(argv.contains("sh -c tr "), qPrintable(who + QStringLiteral(": ") + QString::fromUtf8(argv)));
            QVERIFY2(!argv.contains(kSecret), argv.constData());
        }
    }
};

QTEST_GUILESS_MAIN(TestChildArgv)
#include "tst_childargv.moc"
