// The stack-level role source: lab key `stack.roles` parsed by the real parser, answers of
// Patroni /cluster, Sentinel get-master-addr-by-name and etcd endpoint status decoded per service.
#include "clusterroledecoder.h"
#include "labparser.h"

#include <QTest>

namespace {
QByteArray labWith(const QByteArray &roles)
{
    return "halab: 1\nid: t.roles\nname: roles\nstack:\n  backend: processes\n  services:\n"
           "    pg1: { command: [x] }\n    pg2: { command: [x] }\n    pg3: { command: [x] }\n"
           "  roles:\n" + roles;
}
} // namespace

class TestClusterRoleDecoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decode_data();
    void decode();
    void labErrors_data();
    void labErrors();
};

void TestClusterRoleDecoder::decode_data()
{
    QTest::addColumn<QByteArray>("roles");  // the lab's stack.roles
    QTest::addColumn<QByteArray>("answer"); // what the source said
    QTest::addColumn<QString>("expected");  // service=role,... (sorted), or "error"
    QTest::addColumn<QString>("term");

    const QByteArray patroni = R"({"members":[{"name":"pg1","role":"replica","state":"streaming","timeline":4},
        {"name":"pg2","role":"leader","state":"running","timeline":4},{"name":"pg3","role":"sync_standby","timeline":4}]})";
    QTest::newRow("patroni /cluster") << QByteArray("    probe: { http: \"http://127.0.0.1:8008/cluster\" }\n    members: /members\n    term: /members/0/timeline\n")
                                      << patroni << "pg1=replica,pg2=leader,pg3=sync_standby" << "4";
    QTest::newRow("patroni 3 says master") << QByteArray("    probe: { http: \"http://x/cluster\" }\n    members: /members\n")
                                           << QByteArray(R"({"members":[{"name":"pg1","role":"master"},{"name":"pg2","role":"replica"}]})")
                                           << "pg1=leader,pg2=replica" << "";
    QTest::newRow("patroni members mapped by regex") << QByteArray("    probe: { http: \"http://x/cluster\" }\n    members: /members\n"
                                                                   "    map: { pg1: \"/^node-a$/\", pg2: \"/^node-b$/\" }\n")
                                                     << QByteArray(R"({"members":[{"name":"node-a","role":"replica"},{"name":"node-b","role":"leader"}]})")
                                                     << "pg1=replica,pg2=leader" << "";
    QTest::newRow("patroni leaderless") << QByteArray("    probe: { http: \"http://x/cluster\" }\n    members: /members\n")
                                        << QByteArray(R"({"members":[{"name":"pg1","role":"replica"},{"name":"pg2","role":"replica"}]})")
                                        << "pg1=replica,pg2=replica" << "";
    QTest::newRow("sentinel host port") << QByteArray("    probe: { command: [redis-cli, -p, \"26379\", SENTINEL, get-master-addr-by-name, m] }\n"
                                                      "    leader: '(\\S+)\\s+(\\d+)'\n"
                                                      "    map: { pg1: \"127.0.0.1:6379\", pg2: \"127.0.0.1:6380\", pg3: \"127.0.0.1:6381\" }\n")
                                        << QByteArray("127.0.0.1\n6380\n") << "pg2=leader" << "";
    QTest::newRow("sentinel unknown master") << QByteArray("    probe: { command: [redis-cli, SENTINEL, get-master-addr-by-name, m] }\n"
                                                           "    leader: '(\\S+)\\s+(\\d+)'\n    map: { pg1: \"127.0.0.1:6379\" }\n")
                                             << QByteArray("10.9.9.9\n6379\n") << "error" << "";
    // etcd ids are uint64 beyond 2^53: read them with a regex from the raw text, not as JSON numbers.
    QTest::newRow("etcd endpoint status") << QByteArray("    probe: { command: [etcdctl, endpoint, status, -w, json] }\n"
                                                        "    leader: '\"leader\":(\\d+)'\n    term: '\"raft_term\":(\\d+)'\n"
                                                        "    map: { pg1: \"/^10276657743932975437$/\", pg2: \"/^17995147436307813045$/\" }\n")
                                          << QByteArray(R"([{"Endpoint":"127.0.0.1:2379","Status":{"header":{"cluster_id":14841639068965178418,"member_id":10276657743932975437,"revision":1,"raft_term":7},"leader":17995147436307813045}}])")
                                          << "pg2=leader" << "7";
    QTest::newRow("leader pointer, null") << QByteArray("    probe: { http: \"http://x/status\" }\n    leader: /holder_id\n")
                                          << QByteArray(R"({"holder_id":null})") << "" << "";
    QTest::newRow("not json") << QByteArray("    probe: { http: \"http://x/cluster\" }\n    members: /members\n")
                              << QByteArray("<html>") << "error" << "";
}

void TestClusterRoleDecoder::decode()
{
    QFETCH(QByteArray, roles);
    QFETCH(QByteArray, answer);
    QFETCH(QString, expected);
    QFETCH(QString, term);
    const LabParser::Result parsed = LabParser::parseText(labWith(roles), QStringLiteral("roles.halab.yaml"));
    QVERIFY2(parsed.ok(), qPrintable(parsed.errors.isEmpty() ? QString() : parsed.errors.first().where.toString() + QLatin1Char(' ') + parsed.errors.first().message));
    QVERIFY(parsed.lab.stack.roles.has_value());
    const ClusterRoleDecoder::Result r = ClusterRoleDecoder::decode(*parsed.lab.stack.roles, answer,
                                                                    {QStringLiteral("pg1"), QStringLiteral("pg2"), QStringLiteral("pg3")});
    if (expected == QLatin1String("error")) {
        QVERIFY2(!r.error.isEmpty(), "a useless answer must say so");
        return;
    }
    QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
    QStringList got;
    for (auto it = r.roles.cbegin(); it != r.roles.cend(); ++it)
        got.append(it.key() + QLatin1Char('=') + it.value());
    QCOMPARE(got.join(QLatin1Char(',')), expected);
    QCOMPARE(r.term, term);
}

void TestClusterRoleDecoder::labErrors_data()
{
    QTest::addColumn<QByteArray>("roles");
    QTest::addColumn<QString>("error"); // a part of the message, with its line

    QTest::newRow("no probe") << QByteArray("    leader: /x\n") << "roles.halab.yaml:11:5: 'roles' of the stack is missing required key 'probe'";
    QTest::newRow("no leader or members") << QByteArray("    probe: { http: \"http://x\" }\n") << "must say where the leader is named";
    QTest::newRow("tcp names no leader") << QByteArray("    probe: { tcp: \"127.0.0.1:1\" }\n    leader: /x\n") << "a tcp connect names no leader";
    QTest::newRow("bad regex") << QByteArray("    probe: { http: \"http://x\" }\n    leader: '(unclosed'\n") << "nor a valid regular expression";
    QTest::newRow("unknown service in map") << QByteArray("    probe: { http: \"http://x\" }\n    leader: /x\n    map: { pg9: a }\n") << "names unknown service 'pg9'";
    QTest::newRow("fields need members") << QByteArray("    probe: { http: \"http://x\" }\n    leader: /x\n    role_field: r\n") << "need 'members'";
    QTest::newRow("unknown key") << QByteArray("    probe: { http: \"http://x\" }\n    leader: /x\n    leeder: /y\n") << "unknown key 'leeder'";
}

void TestClusterRoleDecoder::labErrors()
{
    QFETCH(QByteArray, roles);
    QFETCH(QString, error);
    const LabParser::Result parsed = LabParser::parseText(labWith(roles), QStringLiteral("roles.halab.yaml"));
    QStringList all;
    for (const auto &e : parsed.errors)
        all.append(e.where.toString() + QStringLiteral(": ") + e.message);
    QVERIFY2(all.join(QLatin1Char('\n')).contains(error), qPrintable(all.join(QLatin1Char('\n'))));
}

QTEST_GUILESS_MAIN(TestClusterRoleDecoder)
#include "tst_clusterroledecoder.moc"
