// Shared by the secrets tests: waiting for a keychain job, and a small lab with two secrets.
#pragma once

#include "keychainstore.h"
#include "lab.h"
#include "labparser.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QString>
#include <QTest>

namespace SecretsTest {

struct Answer
{
    bool done = false;
    bool ok = false;
    QString value;
    KeychainJob::Error kind = KeychainJob::OtherError;
    QString message;
};

// Tests may wait; the application never does.
inline Answer wait(KeychainJob *job, int timeoutMs = 30000)
{
    Answer a;
    QObject::connect(job, &KeychainJob::finished, job,
                     [&a](bool ok, const QString &value, KeychainJob::Error kind, const QString &message) {
                         a = {true, ok, value, kind, message};
                     });
    [[maybe_unused]] const bool answered = QTest::qWaitFor([&a] { return a.done; }, timeoutMs);
    return a;
}

// API_KEY must be set by hand; TOKEN_SECRET is generated on first use.
inline QByteArray labYaml(const QString &id)
{
    return QByteArrayLiteral("halab: 1\n"
                             "id: ") + id.toUtf8() + QByteArrayLiteral("\n"
                             "name: Secrets test lab\n"
                             "secrets:\n"
                             "  - name: API_KEY\n"
                             "    description: the API key of the service\n"
                             "  - name: TOKEN_SECRET\n"
                             "    description: HMAC secret for tokens\n"
                             "    generate: true\n"
                             "stack:\n"
                             "  backend: processes\n"
                             "  services:\n"
                             "    app:\n"
                             "      command: [sleep, \"60\"]\n"
                             "      env:\n"
                             "        API_KEY: ${API_KEY}\n"
                             "        TOKEN_SECRET: ${TOKEN_SECRET}\n");
}

inline QString writeLab(const QString &dir, const QString &id)
{
    const QString path = QDir(dir).filePath(QStringLiteral("secrets.halab.yaml"));
    QFile f(path);
    if (f.open(QIODevice::WriteOnly))
        f.write(labYaml(id));
    return path;
}

inline Lab lab(const QString &id, QString *errors = nullptr)
{
    const LabParser::Result r = LabParser::parseText(labYaml(id), QStringLiteral("secrets.halab.yaml"));
    if (errors)
        for (const LabDiagnostic &d : r.errors)
            *errors += d.toString() + QLatin1Char('\n');
    return r.lab;
}

// Every regular file under root whose bytes contain needle.
inline QStringList filesContaining(const QString &root, const QByteArray &needle)
{
    QStringList hits;
    QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(needle))
            hits.append(path);
    }
    return hits;
}

} // namespace SecretsTest
