// The lab's `docker:` key (the Docker engine a compose stack runs on): good and bad values with
// their file:line:column, a value built from ${NAME} checked once resolved (StackSession), and the
// example in docs/lab-format.md accepted by the real `halab-cli validate`.
#include "composestackbackend.h"
#include "dockerengine.h"
#include "labparser.h"
#include "stacksession.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

namespace {
QByteArray labWith(const QByteArray &dockerLine, const QByteArray &backend = "compose")
{
    QByteArray yaml = "halab: 1\n"
                      "name: remote\n"
                      "variables: { ENGINE: \"ssh://ops@db1.example.net\" }\n";
    yaml += dockerLine + "\n";
    yaml += "stack:\n"
            "  backend: " + backend + "\n";
    if (backend == "compose")
        yaml += "  files: [compose.yaml]\n"
                "  services:\n"
                "    web:\n";
    else
        yaml += "  services:\n"
                "    web: { command: [sleep, \"1\"] }\n";
    return yaml;
}

QString firstError(const LabParser::Result &r)
{
    return r.errors.isEmpty() ? QString() : r.errors.first().toString();
}
} // namespace

class TestLabDocker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // StackSession's run directory stays out of the real one
        qRegisterMetaType<QHash<QString, ServiceStatus>>();
    }

    void accepted_data()
    {
        QTest::addColumn<QByteArray>("docker");
        QTest::addColumn<QString>("host");
        QTest::addColumn<QString>("context");
        QTest::newRow("ssh") << QByteArray("docker: { host: ssh://ops@db1.example.net }") << "ssh://ops@db1.example.net" << "";
        QTest::newRow("ssh with port") << QByteArray("docker: { host: \"ssh://ops@10.0.0.7:2222\" }") << "ssh://ops@10.0.0.7:2222" << "";
        QTest::newRow("ssh without user") << QByteArray("docker: { host: ssh://db1 }") << "ssh://db1" << "";
        QTest::newRow("tcp") << QByteArray("docker: { host: \"tcp://10.0.0.5:2376\" }") << "tcp://10.0.0.5:2376" << "";
        QTest::newRow("tcp ipv6") << QByteArray("docker: { host: \"tcp://[fd00::5]:2376\" }") << "tcp://[fd00::5]:2376" << "";
        QTest::newRow("unix") << QByteArray("docker: { host: unix:///run/user/1000/docker.sock }") << "unix:///run/user/1000/docker.sock" << "";
        QTest::newRow("context") << QByteArray("docker: { context: staging-eu.2 }") << "" << "staging-eu.2";
        QTest::newRow("from a variable") << QByteArray("docker:\n  host: \"${ENGINE}\"") << "${ENGINE}" << "";
    }

    void accepted()
    {
        QFETCH(QByteArray, docker);
        QFETCH(QString, host);
        QFETCH(QString, context);
        const LabParser::Result r = LabParser::parseText(labWith(docker), QStringLiteral("remote.halab.yaml"));
        QVERIFY2(r.ok(), qPrintable(firstError(r)));
        QCOMPARE(r.lab.stack.docker.host, host);
        QCOMPARE(r.lab.stack.docker.context, context);
        QVERIFY(r.lab.stack.docker.isSet());
    }

    void noDockerKeyLeavesTheEnvironmentInCharge()
    {
        const LabParser::Result r = LabParser::parseText(labWith("description: local"), QStringLiteral("local.halab.yaml"));
        QVERIFY2(r.ok(), qPrintable(firstError(r)));
        QVERIFY(!r.lab.stack.docker.isSet());
        QVERIFY(r.lab.stack.docker.describe().isEmpty());
    }

    void rejected_data()
    {
        QTest::addColumn<QByteArray>("docker");
        QTest::addColumn<QByteArray>("backend");
        QTest::addColumn<QString>("location"); // line:column of the first error
        QTest::addColumn<QString>("message");  // a regular expression over the first error

        QTest::newRow("unknown scheme") << QByteArray("docker: { host: \"http://db1:2375\" }") << QByteArray("compose") << "4:17"
                                        << "'host' in 'docker' has unknown scheme 'http://': use ssh://user@host, tcp://host:port or unix:///path \\(did you mean 'tcp'\\?\\)";
        QTest::newRow("no scheme") << QByteArray("docker: { host: \"db1:2375\" }") << QByteArray("compose") << "4:17"
                                   << "'host' in 'docker' must be an engine address with a scheme, like ssh://user@host.*got 'db1:2375'";
        QTest::newRow("both") << QByteArray("docker: { host: \"ssh://a@b\", context: prod }") << QByteArray("compose") << "4:39"
                              << "'docker' has both 'host' and 'context': a context already names its host; pick one";
        QTest::newRow("neither") << QByteArray("docker: {}") << QByteArray("compose") << "4:9"
                                 << "'docker' needs 'host' \\(e.g. ssh://user@host\\) or 'context'";
        QTest::newRow("typo'd key") << QByteArray("docker:\n  hots: ssh://a@b") << QByteArray("compose") << "5:3"
                                    << "unknown key 'hots' in 'docker' \\(did you mean 'host'\\?\\)";
        QTest::newRow("a list") << QByteArray("docker: [ssh://a@b]") << QByteArray("compose") << "4:9"
                                << "'docker' must be a mapping with 'host'.*got a list";
        QTest::newRow("relative unix path") << QByteArray("docker: { host: \"unix://run/docker.sock\" }") << QByteArray("compose") << "4:17"
                                            << "needs an absolute socket path after unix://";
        QTest::newRow("ssh path") << QByteArray("docker: { host: \"ssh://ops@db1/var/run\" }") << QByteArray("compose") << "4:17"
                                  << "has a path after the host \\('/var/run'\\): ssh:// takes user@host\\[:port\\] only";
        QTest::newRow("port out of range") << QByteArray("docker: { host: \"tcp://db1:99999\" }") << QByteArray("compose") << "4:17"
                                           << "has port '99999': give a port from 1 to 65535";
        QTest::newRow("no host") << QByteArray("docker: { host: \"ssh://\" }") << QByteArray("compose") << "4:17"
                                 << "names no host: write ssh://user@host";
        QTest::newRow("tcp with a user") << QByteArray("docker: { host: \"tcp://ops@db1:2376\" }") << QByteArray("compose") << "4:17"
                                         << "has a user name: tcp:// logs in with TLS certificates";
        QTest::newRow("windows pipe") << QByteArray("docker: { host: \"npipe:////./pipe/docker_engine\" }") << QByteArray("compose") << "4:17"
                                      << "names a Windows named pipe";
        QTest::newRow("bad context name") << QByteArray("docker: { context: \"my context\" }") << QByteArray("compose") << "4:20"
                                          << "'context' in 'docker' must be a docker context name.*got 'my context'";
        QTest::newRow("empty host") << QByteArray("docker: { host: \"\" }") << QByteArray("compose") << "4:17"
                                    << "'host' in 'docker' must not be empty";
        QTest::newRow("processes stack") << QByteArray("docker: { host: \"ssh://a@b\" }") << QByteArray("processes") << "4:9"
                                         << "'docker' names the Docker engine of a compose stack; this stack is 'processes'";
        QTest::newRow("scheme before a name") << QByteArray("docker: { host: \"sftp://ops@${ENGINE}\" }") << QByteArray("compose") << "4:17"
                                              << "'host' in 'docker' has unknown scheme 'sftp://'";
        QTest::newRow("unknown name") << QByteArray("docker: { host: \"${ENGIN}\" }") << QByteArray("compose") << "4:17"
                                      << "unknown name '\\$\\{ENGIN\\}'";
    }

    void rejected()
    {
        QFETCH(QByteArray, docker);
        QFETCH(QByteArray, backend);
        QFETCH(QString, location);
        QFETCH(QString, message);
        const LabParser::Result r = LabParser::parseText(labWith(docker, backend), QStringLiteral("remote.halab.yaml"));
        QVERIFY(!r.ok());
        const QString first = firstError(r);
        QCOMPARE(first.section(QLatin1Char(':'), 0, 2), QStringLiteral("remote.halab.yaml:") + location);
        QVERIFY2(QRegularExpression(message).match(first).hasMatch(), qPrintable(first));
    }

    void secretsStayOut()
    {
        QByteArray yaml = labWith("docker: { context: \"${ENGINE_SECRET}\" }");
        yaml += "secrets: [ENGINE_SECRET]\n";
        const LabParser::Result r = LabParser::parseText(yaml, QStringLiteral("remote.halab.yaml"));
        QVERIFY(!r.ok());
        QVERIFY2(firstError(r).contains(QLatin1String("secret '${ENGINE_SECRET}' must not appear")), qPrintable(firstError(r)));
    }

    // ${NAME} is resolved when the stack is prepared: a bad value then fails with where it was written.
    void resolvedValueIsChecked_data()
    {
        QTest::addColumn<QString>("engine"); // --set ENGINE=...
        QTest::addColumn<QString>("error");  // empty: prepared
        QTest::newRow("good") << "unix:///run/halab-test/docker.sock" << "";
        QTest::newRow("unknown scheme") << "http://db1" << "remote.halab.yaml:5:9: 'host' in 'docker' has unknown scheme 'http://'";
        QTest::newRow("ssh path") << "ssh://db1/x" << "remote.halab.yaml:5:9: 'host' in 'docker' has a path after the host";
    }

    void resolvedValueIsChecked()
    {
        QFETCH(QString, engine);
        QFETCH(QString, error);
        const LabParser::Result r = LabParser::parseText(labWith("docker:\n  host: \"${ENGINE}\""), QStringLiteral("remote.halab.yaml"));
        QVERIFY2(r.ok(), qPrintable(firstError(r)));
        StackSession session(r.lab, {{QStringLiteral("ENGINE"), engine}});
        QSignalSpy prepared(&session, &StackSession::prepared);
        session.prepare();
        QTRY_COMPARE_WITH_TIMEOUT(prepared.size(), 1, 10000);
        const bool ok = prepared.first().at(0).toBool();
        const QString message = prepared.first().at(1).toString();
        if (error.isEmpty()) {
            QVERIFY2(ok, qPrintable(message));
            auto *compose = qobject_cast<ComposeStackBackend *>(session.backend());
            QVERIFY(compose);
            QCOMPARE(compose->engine().host, engine); // the resolved value reaches the backend
        } else {
            QVERIFY(!ok);
            QVERIFY2(message.startsWith(error), qPrintable(message));
            QVERIFY(!session.backend());
        }
    }

    // The example in docs/lab-format.md is what `halab-cli validate` accepts, and its mistakes are caught.
    void documentedExampleValidates()
    {
        QFile doc(QStringLiteral(HALAB_SOURCE_DIR "/docs/lab-format.md"));
        QVERIFY(doc.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(doc.readAll());
        const QRegularExpression block(QStringLiteral("<!-- example: remote-compose -->\\s*```yaml\\n(.*?)```"),
                                       QRegularExpression::DotMatchesEverythingOption);
        const QRegularExpressionMatch m = block.match(text);
        QVERIFY2(m.hasMatch(), "docs/lab-format.md has no block marked <!-- example: remote-compose -->");
        const QString example = m.captured(1);
        QVERIFY(example.contains(QLatin1String("docker:")));

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto validate = [&](const QString &yaml, QString *out) {
            const QString path = dir.filePath(QStringLiteral("remote.halab.yaml"));
            QFile f(path);
            if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
                return -1;
            f.write(yaml.toUtf8());
            f.close();
            QProcess cli;
            cli.setProcessChannelMode(QProcess::MergedChannels);
            cli.start(QStringLiteral(HALAB_BIN_DIR "/halab-cli"), {QStringLiteral("validate"), path});
            if (!cli.waitForFinished(30000))
                return -1;
            *out = QString::fromUtf8(cli.readAll());
            return cli.exitStatus() == QProcess::NormalExit ? cli.exitCode() : -1;
        };
        QString out;
        QCOMPARE(validate(example, &out), 0);
        QVERIFY2(out.contains(QLatin1String(": ok")), qPrintable(out));
        // The same example with a mistake: exit 2 and the place of the mistake.
        QString broken = example;
        QVERIFY(broken.contains(QLatin1String("ssh://")));
        broken.replace(QLatin1String("ssh://"), QLatin1String("sftp://"));
        QCOMPARE(validate(broken, &out), 2);
        QVERIFY2(QRegularExpression(QStringLiteral("remote\\.halab\\.yaml:\\d+:\\d+: 'host' in 'docker' has unknown scheme 'sftp://'"))
                     .match(out).hasMatch(), qPrintable(out));
    }
};

QTEST_GUILESS_MAIN(TestLabDocker)
#include "tst_labdocker.moc"
