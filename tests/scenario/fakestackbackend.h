#pragma once
// A stack backend for driving ScenarioRunner headless: no processes, every action applied on the
// next turn of the event loop, as the StackBackend contract says (actionFinished once applied;
// exits as statusesChanged). The backend is not under test; the runner is.

#include "faultledger.h"
#include "monoclock.h"
#include "stackbackend.h"

#include <QDateTime>
#include <QTimer>

#include <functional>

class FakeStackBackend : public StackBackend
{
    Q_OBJECT

public:
    struct Call
    {
        QString action;
        QString service;
        bool ledgerHadIt = false; // the fault ledger named (service, action) when the call came
    };

    explicit FakeStackBackend(const QStringList &services, QObject *parent = nullptr)
        : StackBackend(parent)
        , m_names(services)
    {
        for (const QString &s : services) {
            ServiceStatus st;
            st.state = ServiceStatus::State::Running;
            st.health = ServiceStatus::Health::Healthy;
            m_status.insert(s, st);
        }
    }

    QString ledgerDir;            // where the runner's fault ledger lives (checked on each call)
    int actionFinishedDelayMs = 0; // > 0: actionFinished comes late (after the status change)
    bool failStarts = false;       // start() reports failure and leaves the service down
    bool holdStartStatus = false;  // start(): actionFinished ok, but the fresh status comes later
    QList<Call> calls;

    void up() override { QTimer::singleShot(0, this, [this] { Q_EMIT upFinished(true, {}); }); }
    void down() override { QTimer::singleShot(0, this, [this] { Q_EMIT downFinished(); }); }
    void start(const QString &service) override
    {
        record(QStringLiteral("start"), service);
        if (failStarts)
            return finish(service, QStringLiteral("start"), false, QStringLiteral("exited with code 1 before it was ready"));
        if (holdStartStatus) {
            finish(service, QStringLiteral("start"), true, {});
            QTimer::singleShot(300, this, [this, service] { setState(service, ServiceStatus::State::Running, 0); });
            return;
        }
        setStateLater(service, ServiceStatus::State::Running, 0);
        finish(service, QStringLiteral("start"), true, {});
    }
    void stop(const QString &service) override { fault(QStringLiteral("stop"), service, ServiceStatus::State::Stopped, 0); }
    void kill(const QString &service) override { fault(QStringLiteral("kill"), service, ServiceStatus::State::Exited, 137); }
    void pause(const QString &service) override { fault(QStringLiteral("pause"), service, ServiceStatus::State::Paused, 0); }
    void resume(const QString &service) override
    {
        record(QStringLiteral("resume"), service);
        setStateLater(service, ServiceStatus::State::Running, 0);
        finish(service, QStringLiteral("resume"), true, {});
    }
    void restart(const QString &service, const QMap<QString, QString> &) override
    {
        record(QStringLiteral("restart"), service);
        setStateLater(service, ServiceStatus::State::Running, 0);
        finish(service, QStringLiteral("restart"), true, {});
    }

    QStringList serviceNames() const override { return m_names; }
    ServiceStatus status(const QString &service) const override { return m_status.value(service); }
    bool isUp() const override { return true; }

    // One round of roles, as a role source would report it.
    void publishRoles(const QMap<QString, QString> &roles, const QString &source = QStringLiteral("members"), const QStringList &unasked = {})
    {
        for (auto it = m_status.begin(); it != m_status.end(); ++it)
            if (!unasked.contains(it.key()))
                it->role = roles.value(it.key());
        RoleSample r;
        r.source = source;
        r.startNs = MonoClock::nowNs();
        r.endNs = r.startNs + 1000;
        r.wallMs = QDateTime::currentMSecsSinceEpoch();
        r.roles = roles;
        r.unasked = unasked;
        publishRoleSamples({r});
        Q_EMIT statusesChanged(m_status);
    }
    void emitLog(const QString &service, const QString &text)
    {
        LogLine l;
        l.time = QDateTime::currentDateTimeUtc();
        l.service = service;
        l.text = text;
        Q_EMIT logLines({l});
    }
    QStringList actions() const
    {
        QStringList out;
        for (const Call &c : calls)
            out.append(c.action + QLatin1Char(' ') + c.service);
        return out;
    }

private:
    void record(const QString &action, const QString &service)
    {
        Call c{action, service, false};
        if (!ledgerDir.isEmpty())
            for (const FaultLedger::Entry &e : FaultLedger(ledgerDir).entries())
                c.ledgerHadIt = c.ledgerHadIt || (e.service == service && e.action == action && !e.rolledBack);
        calls.append(c);
    }
    void fault(const QString &action, const QString &service, ServiceStatus::State state, int code)
    {
        record(action, service);
        setStateLater(service, state, code);
        finish(service, action, true, {});
    }
    void setState(const QString &service, ServiceStatus::State state, int code)
    {
        ServiceStatus &st = m_status[service];
        st.state = state;
        st.exitCode = code;
        if (state != ServiceStatus::State::Running)
            st.role.clear();
        Q_EMIT statusesChanged({{service, st}});
    }
    void setStateLater(const QString &service, ServiceStatus::State state, int code)
    {
        QTimer::singleShot(0, this, [this, service, state, code] { setState(service, state, code); });
    }
    void finish(const QString &service, const QString &action, bool ok, const QString &error)
    {
        QTimer::singleShot(actionFinishedDelayMs, this, [this, service, action, ok, error] {
            Q_EMIT actionFinished(service, action, ok, error);
        });
    }

    QStringList m_names;
    QHash<QString, ServiceStatus> m_status;
};
