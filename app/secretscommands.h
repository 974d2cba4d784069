#pragma once

#include "lab.h"

#include <QMap>
#include <QObject>
#include <QStringList>
#include <QTextStream>

// `halab-cli secrets …`: the lab's secrets in the OS keychain. QCoreApplication only.
//   secrets list LAB         name, present/missing, description
//   secrets set LAB NAME     the value comes from stdin (never argv); one trailing newline is dropped
//   secrets clear LAB NAME   removes the keychain entry
// Exit codes: 0 done, 1 the keychain failed, 2 bad input or no Secret Service reachable.
class SecretsCommands : public QObject
{
    Q_OBJECT

public:
    enum ExitCode { Async = -1, Ok = 0, Failed = 1, BadInput = 2 };

    SecretsCommands(QTextStream &out, QTextStream &err, QObject *parent = nullptr);

    // args: what follows "secrets". Returns an exit code, or Async and emits finished() later.
    int run(const QStringList &args);
    int list(const QString &labPath);
    int set(const QString &labPath, const QString &name);
    int clear(const QString &labPath, const QString &name);

    static QString usage();

Q_SIGNALS:
    void finished(int exitCode);

private:
    bool loadLab(const QString &path, Lab *lab);
    bool checkName(const Lab &lab, const QString &name, const char *command);
    bool readValue(const QString &name, QString *value);
    void printList();
    void done(int code);

    QTextStream &m_out;
    QTextStream &m_err;
    Lab m_lab;
    QMap<QString, QString> m_status; // secret name -> "present" / "missing" (list)
    int m_pending = 0;
    QString m_keychainError;
    bool m_failed = false;
};
