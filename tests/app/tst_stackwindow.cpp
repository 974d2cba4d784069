// The demo stack from the window, as a user drives it: Start Stack brings up redis, api1, api2
// and nginx; the services table shows a leader; Kill on the leader's row moves the role to the
// other replica while the load balancer keeps answering 200. Real processes, loopback only.
#include "testports.h"
#include "mainwindow.h"
#include "servicemodel.h"

#include <QFile>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using TestPorts::freePort;

class TestStackWindow : public QObject
{
    Q_OBJECT

private:
    static int lbStatus(quint16 port)
    {
        QNetworkAccessManager nam;
        QNetworkRequest req(QUrl(QStringLiteral("http://127.0.0.1:%1/health").arg(port)));
        req.setTransferTimeout(3000);
        QNetworkReply *reply = nam.get(req);
        QSignalSpy done(reply, &QNetworkReply::finished);
        done.wait(5000);
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        delete reply;
        return status;
    }

    static int runningCount(const ServiceModel *m)
    {
        int n = 0;
        for (int row = 0; row < m->rowCount(); ++row)
            n += ServiceStatus::State(m->index(row, 0).data(ServiceModel::StateRole).toInt()) == ServiceStatus::State::Running;
        return n;
    }

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void killTheLeaderFromTheTable()
    {
        // The demo lab on free ports: the same file with its port variables and demo folder rewritten.
        QFile demo(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml"));
        QVERIFY(demo.open(QIODevice::ReadOnly));
        QByteArray yaml = demo.readAll();
        const quint16 lb = freePort();
        // An explicit QByteArray return: an auto one would be a QStringBuilder over dead temporaries.
        const auto port = [](const char *name, quint16 value) -> QByteArray { return QByteArray(name) + ": \"" + QByteArray::number(value) + '"'; };
        yaml.replace(QByteArray("LB_PORT: \"18080\""), QByteArray(port("LB_PORT", lb)));
        yaml.replace(QByteArray("API1_PORT: \"18081\""), QByteArray(port("API1_PORT", freePort())));
        yaml.replace(QByteArray("API2_PORT: \"18082\""), QByteArray(port("API2_PORT", freePort())));
        yaml.replace(QByteArray("REDIS_PORT: \"16379\""), QByteArray(port("REDIS_PORT", freePort())));
        yaml.replace("DEMO_DIR: ${LAB_DIR}/../../demo", "DEMO_DIR: " HALAB_SOURCE_DIR "/demo");
        yaml.replace("id: io.github.halab.demo", "id: io.github.halab.demo-window-test");
        QTemporaryDir dir;
        QFile lab(dir.filePath(QStringLiteral("demo.halab.yaml")));
        QVERIFY(lab.open(QIODevice::WriteOnly));
        lab.write(yaml);
        lab.close();

        MainWindow window;
        QVERIFY(window.loadLab(lab.fileName()));
        window.show();
        ServiceModel *services = window.serviceModel();
        QCOMPARE(services->rowCount(), 4);

        window.startStack();
        QTRY_COMPARE_WITH_TIMEOUT(runningCount(services), 4, 30000);
        QTRY_VERIFY_WITH_TIMEOUT(!services->leader().isEmpty(), 10000);
        const QString leader = services->leader();
        QVERIFY(leader == QLatin1String("api1") || leader == QLatin1String("api2"));
        const QString other = leader == QLatin1String("api1") ? QStringLiteral("api2") : QStringLiteral("api1");
        QCOMPARE(lbStatus(lb), 200);

        // Select the leader's row and press Kill, as a user would.
        auto *table = window.findChild<QTableView *>(QStringLiteral("servicesTable"));
        QVERIFY(table);
        table->setCurrentIndex(services->indexOfService(leader));
        auto *kill = window.findChild<QPushButton *>(QStringLiteral("service_kill"));
        QVERIFY(kill);
        QTRY_VERIFY(kill->isEnabled());
        kill->click();

        QTRY_COMPARE_WITH_TIMEOUT(ServiceStatus::State(services->index(services->indexOfService(leader).row(), 0)
                                                            .data(ServiceModel::StateRole).toInt()),
                                  ServiceStatus::State::Exited, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(services->leader(), other, 10000); // the lease TTL is 2 s
        for (int i = 0; i < 5; ++i)
            QCOMPARE(lbStatus(lb), 200);

        window.stopStack();
        QTRY_COMPARE_WITH_TIMEOUT(runningCount(services), 0, 30000);
    }
};

QTEST_MAIN(TestStackWindow)
#include "tst_stackwindow.moc"
