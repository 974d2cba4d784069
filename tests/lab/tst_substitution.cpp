// ${NAME} substitution, durations and did-you-mean: the small pieces every lab string goes through.
#include "didyoumean.h"
#include "duration.h"
#include "lablimits.h"
#include "labcontext.h"
#include "labparser.h"
#include "substitution.h"

#include <QTest>

class TestSubstitution : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void references()
    {
        const QList<Substitution::Reference> refs = Substitution::references(QStringLiteral("${a}/x/${ b }$${c}${"));
        QCOMPARE(refs.size(), 2);
        QCOMPARE(refs.at(0).name, QStringLiteral("a"));
        QCOMPARE(refs.at(1).name, QStringLiteral("b"));
        QCOMPARE(refs.at(1).offset, 7);
    }

    void applyAndEscape()
    {
        QStringList unresolved;
        const QString out = Substitution::apply(QStringLiteral("${host}:${port} $${literal} ${missing}"),
                                                [](const QString &n) -> std::optional<QString> {
                                                    if (n == QLatin1String("host"))
                                                        return QStringLiteral("127.0.0.1");
                                                    if (n == QLatin1String("port"))
                                                        return QStringLiteral("80");
                                                    return std::nullopt;
                                                },
                                                &unresolved);
        QCOMPARE(out, QStringLiteral("127.0.0.1:80 ${literal} ${missing}"));
        QCOMPARE(unresolved, QStringList{QStringLiteral("missing")});
    }

    void variablesReferToEachOther()
    {
        QStringList cycle;
        const QMap<QString, QString> vars{{QStringLiteral("A"), QStringLiteral("${B}/a")},
                                          {QStringLiteral("B"), QStringLiteral("${ROOT}/b")}};
        const auto resolved = Substitution::resolveAll(vars, [](const QString &n) -> std::optional<QString> {
            return n == QLatin1String("ROOT") ? std::optional<QString>(QStringLiteral("/r")) : std::nullopt;
        }, &cycle);
        QCOMPARE(resolved.value(QStringLiteral("A")), QStringLiteral("/r/b/a"));
        QVERIFY(cycle.isEmpty());
        const QMap<QString, QString> loop{{QStringLiteral("X"), QStringLiteral("${Y}")}, {QStringLiteral("Y"), QStringLiteral("${X}")}};
        Substitution::resolveAll(loop, {}, &cycle);
        QVERIFY(!cycle.isEmpty());
    }

    void durations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("ms"); // -1: invalid
        QTest::newRow("ms") << "50ms" << qint64(50);
        QTest::newRow("s") << "5s" << qint64(5000);
        QTest::newRow("fraction") << "1.5s" << qint64(1500);
        QTest::newRow("minutes") << "2m" << qint64(120000);
        QTest::newRow("hours") << "6h" << qint64(21600000);
        QTest::newRow("no unit") << "5" << qint64(-1);
        QTest::newRow("bad unit") << "5x" << qint64(-1);
        QTest::newRow("negative") << "-5s" << qint64(-1);
        QTest::newRow("empty") << "" << qint64(-1);
        QTest::newRow("7 days exactly") << "168h" << qint64(604800000);
        QTest::newRow("just past 7 days") << "604800001ms" << qint64(-1);
        QTest::newRow("overflows qint64 in s") << "999999999999999999s" << qint64(-1);
        QTest::newRow("qint64 max in ms") << "9223372036854775807ms" << qint64(-1);
        QTest::newRow("hundreds of digits") << QString(QStringLiteral("1") + QString(400, QLatin1Char('0')) + QStringLiteral("h")) << qint64(-1);
    }

    void durations()
    {
        QFETCH(QString, text);
        QFETCH(qint64, ms);
        QString error;
        const std::optional<qint64> parsed = Duration::parse(text, &error);
        if (ms < 0) {
            QVERIFY(!parsed);
            QVERIFY(!error.isEmpty());
        } else {
            QCOMPARE(parsed.value_or(-1), ms);
            QCOMPARE(Duration::parse(Duration::format(ms)).value_or(-1), ms); // format round-trips
        }
    }

    void durationLimitIsTheCallers()
    {
        QString error;
        QCOMPARE(Duration::parse(QStringLiteral("8784h"), &error, LabLimits::maxWindowMs).value_or(-1), LabLimits::maxWindowMs);
        QVERIFY(!Duration::parse(QStringLiteral("8785h"), &error, LabLimits::maxWindowMs));
        QCOMPARE(error, QStringLiteral("duration '8785h' is too long: the limit is 8784h (366 days)"));
    }

    void unclosedReferences()
    {
        QCOMPARE(Substitution::unclosedReference(QStringLiteral("${A}/${B")), 5);
        QCOMPARE(Substitution::unclosedReference(QStringLiteral("${LB_PORT")), 0);
        QCOMPARE(Substitution::unclosedReference(QStringLiteral("$${literal")), -1); // escaped: text, not a reference
        QCOMPARE(Substitution::unclosedReference(QStringLiteral("${A}${B}$")), -1);
        QCOMPARE(Substitution::unclosedReference(QStringLiteral("plain $HOME")), -1);
    }

    void didYouMean()
    {
        const QStringList keys{QStringLiteral("checks"), QStringLiteral("stack"), QStringLiteral("secrets")};
        QCOMPARE(DidYouMean::closest(QStringLiteral("chekcs"), keys), QStringLiteral("checks"));
        QCOMPARE(DidYouMean::closest(QStringLiteral("stakc"), keys), QStringLiteral("stack"));
        QCOMPARE(DidYouMean::closest(QStringLiteral("zzzzzz"), keys), QString());
    }

    void contextResolvesTheDemoStack()
    {
        const LabParser::Result r = LabParser::parseFile(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml"));
        QVERIFY(r.ok());
        LabContext ctx(r.lab,
                       {{QStringLiteral("LAB_DIR"), QStringLiteral("/lab")}, {QStringLiteral("RUN_DIR"), QStringLiteral("/run")},
                        {QStringLiteral("BIN_DIR"), QStringLiteral("/bin")}},
                       {{QStringLiteral("LB_PORT"), QStringLiteral("28080")}});
        ctx.setSecret(QStringLiteral("API_KEY_ADMIN"), QStringLiteral("s3cret"));
        QCOMPARE(ctx.resolve(QStringLiteral("${lb}/health")), QStringLiteral("http://127.0.0.1:28080/health"));
        QStringList unresolved;
        const StackSpec stack = ctx.resolvedStack(&unresolved);
        const ServiceSpec *api1 = stack.service(QStringLiteral("api1"));
        QCOMPARE(api1->command.first(), QStringLiteral("/bin/halab-demo-api"));
        QCOMPARE(api1->env.value(QStringLiteral("API_KEY_ADMIN")), QStringLiteral("s3cret"));
        QVERIFY(!api1->command.join(QLatin1Char(' ')).contains(QLatin1String("s3cret")));
        QCOMPARE(stack.service(QStringLiteral("lb"))->templates.first().from, QStringLiteral("/lab/../../demo/nginx/nginx-fixed.conf.in"));
        QVERIFY(!ctx.publicValues().contains(QStringLiteral("API_KEY_ADMIN")));
        // Only the secrets not set above stay unresolved.
        for (const QString &name : std::as_const(unresolved))
            QVERIFY2(name == QLatin1String("API_KEY_EDITOR") || name == QLatin1String("EDITOR_TOKEN_SECRET"), qPrintable(name));
    }
};

QTEST_GUILESS_MAIN(TestSubstitution)
#include "tst_substitution.moc"
