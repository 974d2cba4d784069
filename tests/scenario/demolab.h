#pragma once
// The demo API's HA core (redis-server + two halab-demo-api replicas on free ports) as a lab,
// for the scenario tests that need server-side ground truth. Test code only.

#include "testports.h"
#include <QByteArray>
#include <QString>

#include <algorithm>

namespace ScenarioTestSupport {

using TestPorts::freePort;

struct DemoLabPorts
{
    quint16 redis = freePort();
    quint16 api1 = freePort();
    quint16 api2 = freePort();
};

// The stack part of a lab: api2 starts after api1 is ready, so api1 takes the first lease.
// roleEvery: the role probes' interval; leaseTtlMs short so a failover takes a fraction of a second.
inline QByteArray demoStackYaml(const DemoLabPorts &p, const QString &runDir, const QString &roleEvery, int leaseTtlMs,
                                const QByteArray &extraStack = {})
{
    const QString api = QStringLiteral(HALAB_BIN_DIR "/halab-demo-api");
    QString y = QStringLiteral(
        "stack:\n"
        "  backend: processes\n"
        "  services:\n"
        "    redis:\n"
        "      command: [redis-server, --port, \"%1\", --bind, 127.0.0.1, --save, \"\", --appendonly, \"no\", --dir, \"%2\"]\n"
        "      ready: { tcp: \"127.0.0.1:%1\", every: 50ms, timeout: 10s }\n"
        "      stop_grace: 2s\n");
    y = y.arg(p.redis).arg(runDir);
    for (int i = 1; i <= 2; ++i) {
        const quint16 port = i == 1 ? p.api1 : p.api2;
        y += QStringLiteral(
                 "    api%1:\n"
                 "      command: [\"%2\", --port, \"%3\", --node-id, api%1, --redis, \"127.0.0.1:%4\", --asset-dir, \"%5/assets%1\"]\n"
                 "      env: { API_KEY_ADMIN: admin-key, LEASE_TTL_MS: \"%6\", LEASE_RENEW_MS: \"%7\" }\n"
                 "      depends_on: [%8]\n"
                 "      ready: { http: \"http://127.0.0.1:%3/health/ready\", every: 50ms, timeout: 15s }\n"
                 "      role: { http: \"http://127.0.0.1:%3/v1/ha/status\", json: /holder_id, leader_if_equals: api%1, every: %9, timeout: 500ms }\n"
                 "      stop_grace: 3s\n")
                 .arg(i)
                 .arg(api)
                 .arg(port)
                 .arg(p.redis)
                 .arg(runDir)
                 .arg(leaseTtlMs)
                 .arg(std::max(20, leaseTtlMs / 10))
                 .arg(i == 1 ? QStringLiteral("redis") : QStringLiteral("redis, api1"))
                 .arg(roleEvery);
    }
    return y.toUtf8() + extraStack;
}

} // namespace ScenarioTestSupport
