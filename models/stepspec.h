#pragma once

#include "networkstepspec.h"
#include "sourcelocation.h"

#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

// One request of a request-matrix step, with the status it must answer.
struct MatrixRowSpec
{
    QString name;
    QString method = QStringLiteral("GET");
    QString url;
    QMap<QString, QString> headers;
    QString body;
    int expectStatus = 200;
    SourceLocation where;
};

// What a "wait until" step waits for.
struct WaitConditionSpec
{
    enum class Kind {
        None,          // plain duration
        LeaderChanged, // a different member than at step start holds the leader role
        LeaderElected, // some member holds the leader role
        ProbeOk,       // probe `probe` succeeds `times` times in a row
        ProbeFails,    // probe `probe` fails `times` times in a row
        ServiceState,  // service `service` reaches `state`
        Steady,        // `steady` (the leader) stays the same for `steadyForMs`; a change fails the step
    };

    Kind kind = Kind::None;
    QString probe;
    int times = 1;
    QString service;
    QString state;
    QString steady;       // what must not change: "leader"
    qint64 steadyForMs = 0;
};

// One thing a check does. A tagged union kept flat: only the fields of `kind` are meaningful.
struct StepSpec
{
    enum class Kind { Http, Command, Fault, Wait, LogScan, Matrix, Prompt, Mark, Network };
    enum class FaultAction { Kill, Stop, Pause, Resume, Start, Restart, Scale, Drain, Activate };
    enum class Role { None, Leader, Replica, Any, LastFaulted }; // LastFaulted: what the previous fault hit

    Kind kind = Kind::Prompt;
    QString id;           // optional; unique within the check
    QString title;        // short label shown in the step list
    QString instructions; // what the engineer reads before running it
    SourceLocation where;

    // http (and the request part of matrix rows)
    QString method = QStringLiteral("GET");
    QString url;
    QMap<QString, QString> headers;
    QString body;
    int expectStatus = 0; // 0: no expectation

    // command
    QStringList argv;
    QMap<QString, QString> env;
    int expectExit = -1; // -1: no expectation
    QString fromHost;    // run inside this lab host's network namespace

    // http and command: value capture ("save TOKEN from /token")
    QString saveAs;
    QString jsonPointer;
    QString regex;

    qint64 timeoutMs = 10000;

    // fault
    FaultAction action = FaultAction::Kill;
    QString service; // by name ...
    Role role = Role::None; // ... or by role, resolved when the step runs
    QMap<QString, QString> overrides; // restart: environment overrides
    // swarm: which task of the service ("any", or a slot number; empty: the lowest running slot),
    // the replica count of a scale, the node a drain / activate names (hostname or node id)
    QString task;
    int replicas = -1;
    QString node;

    // wait
    qint64 durationMs = 0;
    WaitConditionSpec until;

    // log scan
    QStringList services;
    QString pattern;
    QString since; // a mark set by a Mark step; empty: check start
    int expectCount = -1;

    // matrix
    QList<MatrixRowSpec> rows;

    // network fault (partition, isolate, link, heal)
    NetworkStepSpec network;

    // prompt: `instructions` holds the question; mark: `mark` names the point in time
    QString mark;

    static QString actionText(FaultAction a)
    {
        switch (a) {
        case FaultAction::Kill: return QStringLiteral("kill");
        case FaultAction::Stop: return QStringLiteral("stop");
        case FaultAction::Pause: return QStringLiteral("pause");
        case FaultAction::Resume: return QStringLiteral("resume");
        case FaultAction::Start: return QStringLiteral("start");
        case FaultAction::Restart: return QStringLiteral("restart");
        case FaultAction::Scale: return QStringLiteral("scale");
        case FaultAction::Drain: return QStringLiteral("drain");
        case FaultAction::Activate: return QStringLiteral("activate");
        }
        return {};
    }

    bool isRunnable() const { return kind == Kind::Http || kind == Kind::Command || kind == Kind::Matrix || kind == Kind::LogScan; }
};
