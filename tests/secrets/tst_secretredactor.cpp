// SecretRedactor: every form a secret leaks in becomes ‹NAME›, and ordinary text stays as it is.
#include "secretredactor.h"

#include <QTest>
#include <QUrl>

class TestSecretRedactor : public QObject
{
    Q_OBJECT

private:
    static QString tok(const char *name) { return SecretRedactor::token(QLatin1String(name)); }

private Q_SLOTS:
    void table_data()
    {
        QTest::addColumn<QStringList>("secrets"); // NAME=value pairs
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");

        const QStringList key{QStringLiteral("KEY=~~~>>>???key")};
        QTest::newRow("plain") << QStringList{QStringLiteral("KEY=s3cr3t-value")}
                               << QStringLiteral("token s3cr3t-value end") << (QStringLiteral("token ") + tok("KEY") + QStringLiteral(" end"));
        QTest::newRow("twice on a line") << QStringList{QStringLiteral("KEY=s3cr3t-value")}
                                         << QStringLiteral("s3cr3t-value,s3cr3t-value") << (tok("KEY") + QLatin1Char(',') + tok("KEY"));
        QTest::newRow("base64") << key << QStringLiteral("b64=fn5+Pj4+Pz8/a2V5;") << (QStringLiteral("b64=") + tok("KEY") + QLatin1Char(';'));
        QTest::newRow("base64url") << key << QStringLiteral("u=fn5-Pj4-Pz8_a2V5") << (QStringLiteral("u=") + tok("KEY"));
        const QStringList padded{QStringLiteral("KEY=~~~>>>???ke")};
        QTest::newRow("base64 padded") << padded << QStringLiteral("[fn5+Pj4+Pz8/a2U=]") << (QLatin1Char('[') + tok("KEY") + QLatin1Char(']'));
        QTest::newRow("base64 unpadded") << padded << QStringLiteral("[fn5+Pj4+Pz8/a2U]") << (QLatin1Char('[') + tok("KEY") + QLatin1Char(']'));
        QTest::newRow("base64url padded") << padded << QStringLiteral("[fn5-Pj4-Pz8_a2U=]") << (QLatin1Char('[') + tok("KEY") + QLatin1Char(']'));
        QTest::newRow("base64url unpadded") << padded << QStringLiteral("[fn5-Pj4-Pz8_a2U]") << (QLatin1Char('[') + tok("KEY") + QLatin1Char(']'));
        // "user:~~~>>>???key-42" in a Basic credential: the value starts mid-group.
        QTest::newRow("inside a base64 blob") << QStringList{QStringLiteral("KEY=~~~>>>???key-42")}
                                              << QStringLiteral("Authorization: Basic dXNlcjp+fn4+Pj4/Pz9rZXktNDI=")
                                              << (QStringLiteral("Authorization: Basic dXNlcjp+") + tok("KEY") + QStringLiteral("NDI="));
        QTest::newRow("inside a base64url blob") << QStringList{QStringLiteral("KEY=~~~>>>???key-42")}
                                                 << QStringLiteral("t=dXNlcjp-fn4-Pj4_Pz9rZXktNDI")
                                                 << (QStringLiteral("t=dXNlcjp-") + tok("KEY") + QStringLiteral("NDI"));
        const QStringList pw{QStringLiteral("PW=p@ss w/rd&x")};
        QTest::newRow("percent upper") << pw << QStringLiteral("GET /login?pw=p%40ss%20w%2Frd%26x HTTP/1.1")
                                       << (QStringLiteral("GET /login?pw=") + tok("PW") + QStringLiteral(" HTTP/1.1"));
        QTest::newRow("percent lower") << pw << QStringLiteral("pw=p%40ss%20w%2frd%26x") << (QStringLiteral("pw=") + tok("PW"));
        QTest::newRow("form encoded") << pw << QStringLiteral("pw=p%40ss+w%2Frd%26x&a=1") << (QStringLiteral("pw=") + tok("PW") + QStringLiteral("&a=1"));
        QTest::newRow("percent utf-8") << QStringList{QStringLiteral("K=hello-w\u00f6rld!")} << QStringLiteral("q=hello-w%C3%B6rld%21")
                                       << (QStringLiteral("q=") + tok("K"));
        QTest::newRow("overlapping: both redacted")
            << QStringList{QStringLiteral("A=abcdef123456"), QStringLiteral("B=123456ghijkl")}
            << QStringLiteral("xx abcdef123456ghijkl yy") << (QStringLiteral("xx ") + tok("A") + tok("B") + QStringLiteral(" yy"));
        QTest::newRow("contained: longest wins")
            << QStringList{QStringLiteral("SHORT=supersecret"), QStringLiteral("LONG=supersecret-long-value")}
            << QStringLiteral("1 supersecret-long-value 2 supersecret 3")
            << (QStringLiteral("1 ") + tok("LONG") + QStringLiteral(" 2 ") + tok("SHORT") + QStringLiteral(" 3"));
        QTest::newRow("contained in the middle")
            << QStringList{QStringLiteral("INNER=secret-1"), QStringLiteral("OUTER=xx-secret-1-yy")}
            << QStringLiteral("<xx-secret-1-yy>") << (QLatin1Char('<') + tok("OUTER") + QLatin1Char('>'));
        QTest::newRow("short value ignored") << QStringList{QStringLiteral("PIN=abc12")} << QStringLiteral("pin abc12 YWJjMTI=")
                                             << QStringLiteral("pin abc12 YWJjMTI=");
        QTest::newRow("six characters redacted") << QStringList{QStringLiteral("PIN=abc123")} << QStringLiteral("pin abc123!")
                                                 << (QStringLiteral("pin ") + tok("PIN") + QLatin1Char('!'));
        QTest::newRow("ordinary text untouched") << QStringList{QStringLiteral("KEY=s3cr3t-value")}
                                                 << QStringLiteral("nothing secret here: s3cr3t_value s3cr3t-valu")
                                                 << QStringLiteral("nothing secret here: s3cr3t_value s3cr3t-valu");
        QTest::newRow("no secrets") << QStringList{} << QStringLiteral("anything") << QStringLiteral("anything");
        QTest::newRow("empty text") << QStringList{QStringLiteral("KEY=s3cr3t-value")} << QString() << QString();
    }

    void table()
    {
        QFETCH(QStringList, secrets);
        QFETCH(QString, text);
        QFETCH(QString, expected);
        SecretRedactor r;
        for (const QString &pair : std::as_const(secrets)) {
            const qsizetype eq = pair.indexOf(QLatin1Char('='));
            r.addSecret(pair.left(eq), pair.mid(eq + 1));
        }
        QCOMPARE(r.redact(text), expected);
        // The byte overload gives the same answer on UTF-8.
        QCOMPARE(QString::fromUtf8(r.redact(text.toUtf8())), expected);
    }

    void shortValuesAreNotPatterns()
    {
        SecretRedactor r;
        r.addSecret(QStringLiteral("PIN"), QStringLiteral("12345"));
        QVERIFY(r.isEmpty());
        QVERIFY(r.names().isEmpty());
        r.addSecret(QStringLiteral("KEY"), QStringLiteral("123456"));
        QCOMPARE(r.names(), QStringList{QStringLiteral("KEY")});
    }

    void bytesWithNonUtf8Neighbours()
    {
        SecretRedactor r;
        r.addSecret(QStringLiteral("K"), QStringLiteral("cl\u00e9-secr\u00e8te"));
        const QByteArray in = QByteArray("\xff\xfe ") + QStringLiteral("cl\u00e9-secr\u00e8te").toUtf8() + QByteArray(" \x01");
        QCOMPARE(r.redact(in), QByteArray("\xff\xfe ") + SecretRedactor::token(QStringLiteral("K")).toUtf8() + QByteArray(" \x01"));
    }

    // A log of 10 000 lines with secrets in all forms: nothing survives, everything else does.
    void tenThousandLines()
    {
        SecretRedactor r;
        const QString admin = QStringLiteral("Zq3_adminKey-9f8e7d6c5b4a");
        const QString editor = QStringLiteral("editor/Key+with=odd&chars");
        r.addSecret(QStringLiteral("API_KEY_ADMIN"), admin);
        r.addSecret(QStringLiteral("API_KEY_EDITOR"), editor);
        const QStringList forms{admin,
                                QString::fromLatin1(admin.toUtf8().toBase64()),
                                QString::fromLatin1(editor.toUtf8().toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)),
                                QString::fromLatin1(QUrl::toPercentEncoding(editor)),
                                editor};
        QStringList lines;
        int expectedTokens = 0;
        for (int i = 0; i < 10000; ++i) {
            QString line = QStringLiteral("2024-05-01T12:00:%1Z api1 GET /items/%2 200 12ms").arg(i % 60, 2, 10, QLatin1Char('0')).arg(i);
            if (i % 7 == 0) {
                line += QStringLiteral(" auth=") + forms.at((i / 7) % forms.size());
                ++expectedTokens;
            }
            lines.append(line);
        }
        const QString log = lines.join(QLatin1Char('\n'));
        const QString redacted = r.redact(log);
        for (const QString &form : forms)
            QVERIFY2(!redacted.contains(form), qPrintable(form));
        QCOMPARE(int(redacted.count(QStringLiteral("‹API_KEY_"))), expectedTokens);
        QCOMPARE(int(redacted.count(QLatin1Char('\n'))), 9999);
        QVERIFY(redacted.startsWith(QStringLiteral("2024-05-01T12:00:00Z api1 GET /items/0 200 12ms auth=‹API_KEY_ADMIN›\n")));
        // Line by line (how a log pane feeds it) gives the same result as the whole text.
        QStringList perLine;
        for (const QString &line : std::as_const(lines))
            perLine.append(r.redact(line));
        QCOMPARE(perLine.join(QLatin1Char('\n')), redacted);
    }
};

QTEST_GUILESS_MAIN(TestSecretRedactor)
#include "tst_secretredactor.moc"
