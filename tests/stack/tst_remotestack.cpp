// A stack shared on its control socket: a RemoteStackBackend attaches to a running
// ProcessStackBackend (real sh processes), sees its statuses and log lines, has its faults
// carried out by the owner, and detaching leaves the stack running.
#include "pidledger.h"
#include "processstackbackend.h"
#include "remotestackbackend.h"
#include "stackcontrolserver.h"
#include "stackwire.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

class TestRemoteStack : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void attachesWithoutStartingAnything();
    void faultsGoThroughTheOwner();
    void logLinesArrive();
    void detachingLeavesTheStackUp();
    void nothingServingMeansNoAttach();

private:
    QTemporaryDir m_dir;
    QTemporaryDir m_ledger;
    std::unique_ptr<ProcessStackBackend> m_owner;
    std::unique_ptr<StackControlServer> m_server;
    std::unique_ptr<RemoteStackBackend> m_remote;
};

void TestRemoteStack::initTestCase()
{
    QVERIFY(m_dir.isValid());
    StackSpec spec;
    ServiceSpec a;
    a.name = QStringLiteral("a");
    a.command = {QStringLiteral("sh"), QStringLiteral("-c"), QStringLiteral("while true; do echo tick; sleep 0.2; done")};
    ServiceSpec b;
    b.name = QStringLiteral("b");
    b.command = {QStringLiteral("sleep"), QStringLiteral("60")};
    spec.services << a << b;
    m_owner = std::make_unique<ProcessStackBackend>(spec, QMap<QString, QString>{}, m_dir.path());
    m_owner->setLedgerDir(m_ledger.path());
    QSignalSpy up(m_owner.get(), &StackBackend::upFinished);
    m_owner->up();
    QVERIFY(up.wait(10000));
    QVERIFY(up.at(0).at(0).toBool());
    m_server = std::make_unique<StackControlServer>(m_owner.get(), StackWire::socketPath(m_dir.path()));
    QString error;
    QVERIFY2(m_server->listen(&error), qPrintable(error));
    QVERIFY(RemoteStackBackend::isServing(StackWire::socketPath(m_dir.path())));
}

void TestRemoteStack::cleanupTestCase()
{
    m_remote.reset();
    m_server.reset();
    if (m_owner) {
        QSignalSpy down(m_owner.get(), &StackBackend::downFinished);
        m_owner->down();
        QVERIFY(down.wait(10000));
    }
    QVERIFY(!QFile::exists(StackWire::socketPath(m_dir.path()))); // the server removed its socket
}

void TestRemoteStack::attachesWithoutStartingAnything()
{
    const qint64 pidA = m_owner->status(QStringLiteral("a")).pid;
    m_remote = std::make_unique<RemoteStackBackend>(StackWire::socketPath(m_dir.path()));
    QSignalSpy up(m_remote.get(), &StackBackend::upFinished);
    m_remote->up();
    QVERIFY(up.wait(5000));
    QVERIFY2(up.at(0).at(0).toBool(), qPrintable(up.at(0).at(1).toString()));
    QVERIFY(m_remote->isUp());
    QCOMPARE(m_remote->serviceNames(), m_owner->serviceNames());
    QCOMPARE(m_remote->status(QStringLiteral("a")).pid, pidA);
    QCOMPARE(m_owner->status(QStringLiteral("a")).pid, pidA); // not restarted
    QCOMPARE(m_remote->ownerPid(), qint64(QCoreApplication::applicationPid()));
}

void TestRemoteStack::faultsGoThroughTheOwner()
{
    QSignalSpy actions(m_remote.get(), &StackBackend::actionFinished);
    m_remote->pause(QStringLiteral("b"));
    QTRY_COMPARE(m_owner->status(QStringLiteral("b")).state, ServiceStatus::State::Paused);
    QTRY_COMPARE(m_remote->status(QStringLiteral("b")).state, ServiceStatus::State::Paused);
    QTRY_VERIFY(!actions.isEmpty());
    QCOMPARE(actions.last().at(0).toString(), QStringLiteral("b"));
    QCOMPARE(actions.last().at(1).toString(), QStringLiteral("pause"));
    QVERIFY(actions.last().at(2).toBool());
    m_remote->resume(QStringLiteral("b"));
    QTRY_COMPARE(m_remote->status(QStringLiteral("b")).state, ServiceStatus::State::Running);

    const qint64 oldPid = m_owner->status(QStringLiteral("b")).pid;
    m_remote->kill(QStringLiteral("b"));
    QTRY_COMPARE(m_remote->status(QStringLiteral("b")).state, ServiceStatus::State::Exited);
    m_remote->start(QStringLiteral("b"));
    QTRY_COMPARE(m_remote->status(QStringLiteral("b")).state, ServiceStatus::State::Running);
    QVERIFY(m_remote->status(QStringLiteral("b")).pid != oldPid);
    QCOMPARE(m_remote->status(QStringLiteral("b")).pid, m_owner->status(QStringLiteral("b")).pid);
}

void TestRemoteStack::logLinesArrive()
{
    QSignalSpy lines(m_remote.get(), &StackBackend::logLines);
    QTRY_VERIFY_WITH_TIMEOUT(!lines.isEmpty(), 5000);
    const QList<LogLine> batch = lines.first().at(0).value<QList<LogLine>>();
    QVERIFY(!batch.isEmpty());
    QCOMPARE(batch.first().service, QStringLiteral("a"));
    QCOMPARE(batch.first().text, QStringLiteral("tick"));
    QVERIFY(batch.first().time.isValid());
}

void TestRemoteStack::detachingLeavesTheStackUp()
{
    QSignalSpy down(m_remote.get(), &StackBackend::downFinished);
    m_remote->down();
    QVERIFY(down.wait(5000));
    QVERIFY(!m_remote->isUp());
    QVERIFY(m_owner->isUp());
    QCOMPARE(m_owner->status(QStringLiteral("a")).state, ServiceStatus::State::Running);
    QVERIFY(RemoteStackBackend::isServing(StackWire::socketPath(m_dir.path())));
}

void TestRemoteStack::nothingServingMeansNoAttach()
{
    QTemporaryDir empty;
    QVERIFY(!RemoteStackBackend::isServing(StackWire::socketPath(empty.path())));
    RemoteStackBackend remote(StackWire::socketPath(empty.path()));
    QSignalSpy up(&remote, &StackBackend::upFinished);
    remote.up();
    QVERIFY(up.wait(5000));
    QVERIFY(!up.at(0).at(0).toBool());
    QVERIFY2(up.at(0).at(1).toString().startsWith(QStringLiteral("cannot attach to the stack's console on ")), qPrintable(up.at(0).at(1).toString()));
}

QTEST_GUILESS_MAIN(TestRemoteStack)
#include "tst_remotestack.moc"
