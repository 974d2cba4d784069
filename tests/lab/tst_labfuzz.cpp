// Fuzzing the lab parser: a few hundred labs mutated from the bundled demo lab (truncations, deleted
// and swapped lines, swapped keys, random bytes, alias bombs, huge values, wrong types, broken
// ${NAME} references) must each parse without a crash or hang into either a lab or problems that
// all point at file:line:column; a subset goes through the real `halab-cli validate` (exit 0 or 2).
// The seed is printed; HALAB_FUZZ_SEED=<n> replays a run, HALAB_FUZZ_CASES=<n> changes its size.
#include "labcontext.h"
#include "labparser.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <iterator>
#include <thread>

class TestLabFuzz : public QObject
{
    Q_OBJECT

private:
    struct Mutant
    {
        QByteArray yaml;
        QStringList how; // what was done to the demo lab, to reproduce a failure by hand
    };

    quint32 m_seed = 20261202;
    int m_cases = 300;
    bool m_verbose = false; // HALAB_FUZZ_VERBOSE=1: one line per case
    QByteArray m_demo;
    QString m_cli;

    // Hang guard, not a speed check: a case still running after this long is a hang, and the
    // run aborts with the seed and case so it can be replayed.
    static constexpr auto kHangAfter = std::chrono::seconds(60);
    std::thread m_watchdog;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    QByteArray m_currentCase;
    std::chrono::steady_clock::time_point m_caseStarted;

    void startCase(const QByteArray &description)
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_currentCase = description;
        m_caseStarted = std::chrono::steady_clock::now();
    }

    void endCase()
    {
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_currentCase.clear();
    }

    void watch()
    {
        std::unique_lock<std::mutex> lock(m_mutex);
        while (!m_stop) {
            m_wake.wait_for(lock, std::chrono::milliseconds(200));
            if (!m_currentCase.isEmpty() && std::chrono::steady_clock::now() - m_caseStarted > kHangAfter) {
                fprintf(stderr, "HANG: %s is still running after %lld s (replay with HALAB_FUZZ_SEED=%u)\n",
                        m_currentCase.constData(), qlonglong(kHangAfter.count()), m_seed);
                fflush(stderr);
                std::abort();
            }
        }
    }

    static QList<QByteArray> lines(const QByteArray &text) { return text.split('\n'); }
    static QByteArray joined(const QList<QByteArray> &ls) { return ls.join('\n'); }

    // Indices of lines that hold "key:" (optionally after "- "), the places values and keys live.
    static QList<int> keyLines(const QList<QByteArray> &ls)
    {
        static const QRegularExpression key(QStringLiteral(R"(^\s*(- )?[A-Za-z_][A-Za-z0-9_]*:)"));
        QList<int> out;
        for (int i = 0; i < ls.size(); ++i)
            if (key.match(QString::fromUtf8(ls.at(i))).hasMatch())
                out.append(i);
        return out;
    }

    static QByteArray aliasBomb(QRandomGenerator &rng)
    {
        // Billion laughs: each level repeats the one below ten times (10^9 values expanded).
        QByteArray bomb = "lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
        const int levels = 5 + int(rng.bounded(5));
        for (int i = 1; i <= levels; ++i) {
            bomb += "lol" + QByteArray::number(i) + ": &l" + QByteArray::number(i) + " [";
            for (int k = 0; k < 10; ++k)
                bomb += (k ? ", *l" : "*l") + QByteArray::number(i - 1);
            bomb += "]\n";
        }
        return bomb;
    }

    void mutateOnce(Mutant &m, QRandomGenerator &rng)
    {
        QList<QByteArray> ls = lines(m.yaml);
        const auto anyLine = [&] { return int(rng.bounded(int(std::max<qsizetype>(1, ls.size())))); };
        const QList<int> keyed = keyLines(ls);
        const auto anyKeyLine = [&] { return keyed.isEmpty() ? anyLine() : keyed.at(int(rng.bounded(int(keyed.size())))); };
        switch (rng.bounded(13)) {
        case 0: { // truncation
            const int at = int(rng.bounded(int(std::max<qsizetype>(1, m.yaml.size()))));
            m.yaml.truncate(at);
            m.how << QStringLiteral("truncated at byte %1").arg(at);
            return;
        }
        case 1: { // deleted lines
            const int n = 1 + int(rng.bounded(3));
            for (int i = 0; i < n && !ls.isEmpty(); ++i) {
                const int at = anyLine();
                ls.removeAt(at);
                m.how << QStringLiteral("deleted line %1").arg(at + 1);
            }
            break;
        }
        case 2: { // swapped keys: two key names trade places, values stay
            static const QRegularExpression key(QStringLiteral(R"(^(\s*(?:- )?)([A-Za-z_][A-Za-z0-9_]*):)"));
            const int a = anyKeyLine(), b = anyKeyLine();
            const QRegularExpressionMatch ma = key.match(QString::fromUtf8(ls.at(a)));
            const QRegularExpressionMatch mb = key.match(QString::fromUtf8(ls.at(b)));
            if (!ma.hasMatch() || !mb.hasMatch())
                return;
            const QString la = QString::fromUtf8(ls.at(a)), lb = QString::fromUtf8(ls.at(b));
            ls[a] = (ma.captured(1) + mb.captured(2) + la.mid(ma.capturedEnd(2))).toUtf8();
            ls[b] = (mb.captured(1) + ma.captured(2) + lb.mid(mb.capturedEnd(2))).toUtf8();
            m.how << QStringLiteral("swapped keys of lines %1 and %2").arg(a + 1).arg(b + 1);
            break;
        }
        case 3: { // swapped lines
            const int a = anyLine(), b = anyLine();
            ls.swapItemsAt(a, b);
            m.how << QStringLiteral("swapped lines %1 and %2").arg(a + 1).arg(b + 1);
            break;
        }
        case 4: { // random bytes over the text, any value 0-255
            const int n = 1 + int(rng.bounded(8));
            for (int i = 0; i < n && !m.yaml.isEmpty(); ++i) {
                const int at = int(rng.bounded(int(m.yaml.size())));
                m.yaml[at] = char(rng.bounded(256));
                m.how << QStringLiteral("random byte at %1").arg(at);
            }
            return;
        }
        case 5: { // random bytes inserted
            QByteArray junk;
            const int n = 1 + int(rng.bounded(32));
            for (int i = 0; i < n; ++i)
                junk += char(rng.bounded(256));
            const int at = int(rng.bounded(int(m.yaml.size()) + 1));
            m.yaml.insert(at, junk);
            m.how << QStringLiteral("%1 random bytes inserted at %2").arg(n).arg(at);
            return;
        }
        case 6: { // alias bomb, or one check aliased many times (expands inside the reader's loops)
            if (rng.bounded(2) == 0) {
                m.yaml += "\n" + aliasBomb(rng);
                m.how << QStringLiteral("alias bomb appended");
                return;
            }
            const int at = int(m.yaml.indexOf("\nchecks:\n"));
            if (at < 0)
                return;
            // ~600 values per copy: a small fan-out is read in full, a big one passes the expanded-size limit.
            QByteArray fanOut = "\nchecks:\n  - &fan\n    id: fan\n    title: fan-out\n    steps:\n";
            for (int i = 0; i < 200; ++i)
                fanOut += "      - wait: 1ms\n";
            const int copies = rng.bounded(2) ? 20 + int(rng.bounded(150)) : 1000 + int(rng.bounded(4000));
            for (int i = 0; i < copies; ++i)
                fanOut += "  - *fan\n";
            m.yaml.replace(at, 9, fanOut);
            m.how << QStringLiteral("one check aliased %1 times").arg(copies);
            return;
        }
        case 7: { // huge value, or a huge file
            static const int sizes[] = {70 * 1024, 1024 * 1024, 5 * 1024 * 1024};
            const int size = sizes[rng.bounded(3)];
            const int at = anyKeyLine();
            const QByteArray line = ls.at(at);
            const int colon = int(line.indexOf(':'));
            ls[at] = line.left(colon + 1) + ' ' + QByteArray(size, 'x');
            m.how << QStringLiteral("value of line %1 is %2 bytes").arg(at + 1).arg(size);
            break;
        }
        case 8: { // wrong types and out-of-range values
            static const char *values[] = {"[a, b]", "{x: y}", "~", "\"\"", "-5", "0", "-1", "99999999999999999999",
                                           "999999999999999999s", "9223372036854775807ms", "9999999999999999h", "0s",
                                           "\"${lb\"", "\"${nope}\"", "http://127.0.0.1:99999999", "\"127.0.0.1:0\"",
                                           "&a x", "*nope", "!!binary aGVsbG8=", "|", ">-", "true", "1e400", "0x10",
                                           ".inf", "-.inf", ".nan", "\"a\\nb\\tc\\u0000d\"", "? complex", "[[[[[[", "\"\\xff\""};
            const int at = anyKeyLine();
            const QByteArray line = ls.at(at);
            const int colon = int(line.indexOf(':'));
            const char *value = values[rng.bounded(int(std::size(values)))];
            ls[at] = line.left(colon + 1) + ' ' + value;
            m.how << QStringLiteral("value of line %1 replaced by %2").arg(at + 1).arg(QLatin1String(value));
            break;
        }
        case 9: { // duplicated line (duplicate keys, duplicate ids)
            const int at = anyLine();
            ls.insert(at, ls.at(at));
            m.how << QStringLiteral("duplicated line %1").arg(at + 1);
            break;
        }
        case 10: { // indentation changed
            const int at = anyLine();
            const int delta = int(rng.bounded(9)) - 4;
            if (delta > 0)
                ls[at] = QByteArray(delta, ' ') + ls.at(at);
            else
                ls[at] = ls.at(at).mid(std::min<qsizetype>(-delta, ls.at(at).size() - ls.at(at).trimmed().size()));
            m.how << QStringLiteral("line %1 indented by %2").arg(at + 1).arg(delta);
            break;
        }
        case 11: { // a number turned into another number
            static const QRegularExpression digits(QStringLiteral("[0-9]+"));
            static const char *numbers[] = {"0", "-1", "65536", "99999999", "2147483648", "9223372036854775808", "100000000000000000000000000000"};
            const int at = anyLine();
            QString line = QString::fromUtf8(ls.at(at));
            const QRegularExpressionMatch d = digits.match(line);
            if (!d.hasMatch())
                return;
            const char *number = numbers[rng.bounded(int(std::size(numbers)))];
            line.replace(d.capturedStart(), d.capturedLength(), QLatin1String(number));
            ls[at] = line.toUtf8();
            m.how << QStringLiteral("number on line %1 became %2").arg(at + 1).arg(QLatin1String(number));
            break;
        }
        case 12: { // ${NAME} references broken: unclosed, self-reference, cycle
            switch (rng.bounded(3)) {
            case 0: {
                const int at = int(m.yaml.indexOf("${", int(rng.bounded(int(m.yaml.size())))));
                const int close = at < 0 ? -1 : int(m.yaml.indexOf('}', at));
                if (close < 0)
                    return;
                m.yaml.remove(close, 1);
                m.how << QStringLiteral("'}' at byte %1 removed").arg(close);
                return;
            }
            case 1:
                m.yaml.replace("lb: http://127.0.0.1:${LB_PORT}", "lb: ${lb}");
                m.how << QStringLiteral("endpoint lb refers to itself");
                return;
            default:
                m.yaml.replace("LB_PORT: \"18080\"", "LB_PORT: \"${lb}\"");
                m.how << QStringLiteral("LB_PORT and lb refer to each other");
                return;
            }
        }
        }
        m.yaml = joined(ls);
    }

    Mutant mutant(int index)
    {
        // One generator per case: replaying case N does not depend on the cases before it.
        QRandomGenerator rng(m_seed ^ (quint32(index) * 2654435761u));
        Mutant m{m_demo, {}};
        const int rounds = 1 + int(rng.bounded(3));
        for (int i = 0; i < rounds; ++i)
            mutateOnce(m, rng);
        return m;
    }

    static QString describe(const LabParser::Result &r)
    {
        QStringList all;
        for (const LabDiagnostic &d : r.errors)
            all << d.toString();
        return all.join(QLatin1Char('\n'));
    }

    // Every problem names file:line:column, is one line, and the list stays bounded.
    static bool wellFormed(const LabParser::Result &r, const QString &file, QString *why)
    {
        if (r.errors.size() > LabParser::kMaxProblems + 1) {
            *why = QStringLiteral("%1 problems, more than the cap").arg(r.errors.size());
            return false;
        }
        for (const LabDiagnostic &d : r.errors) {
            if (d.where.file != file || d.where.line < 1 || d.where.column < 1 || d.message.isEmpty()
                || d.message.contains(QLatin1Char('\n')) || d.message.contains(QLatin1Char('\r'))) {
                *why = QStringLiteral("malformed problem: ") + d.toString();
                return false;
            }
        }
        if (r.ok() && (r.lab.name.isEmpty() || r.lab.formatVersion != 1)) {
            *why = QStringLiteral("accepted a lab without a name or version");
            return false;
        }
        return true;
    }

    // A lab the parser accepts must also resolve as a run would resolve it.
    static bool resolveLikeARun(const Lab &lab)
    {
        LabContext context(lab, {{QStringLiteral("LAB_DIR"), QStringLiteral("/lab")},
                                 {QStringLiteral("RUN_DIR"), QStringLiteral("/run")},
                                 {QStringLiteral("BIN_DIR"), QStringLiteral("/bin")}});
        QStringList unresolved;
        const StackSpec stack = context.resolvedStack(&unresolved);
        for (const CheckSpec &c : lab.checks) {
            for (const StepSpec &s : c.steps)
                context.resolve(s.url, &unresolved);
            for (const ProbeSpec &p : c.probes)
                context.resolve(p.url, &unresolved);
        }
        return stack.services.size() == lab.stack.services.size();
    }

private Q_SLOTS:
    void initTestCase()
    {
        bool ok = false;
        const quint32 seed = qEnvironmentVariable("HALAB_FUZZ_SEED").toUInt(&ok);
        if (ok)
            m_seed = seed;
        const int cases = qEnvironmentVariableIntValue("HALAB_FUZZ_CASES", &ok);
        if (ok && cases > 0)
            m_cases = cases;
        m_verbose = qEnvironmentVariableIntValue("HALAB_FUZZ_VERBOSE") != 0;
        printf("tst_labfuzz: seed %u, %d cases (replay with HALAB_FUZZ_SEED=%u)\n", m_seed, m_cases, m_seed);
        fflush(stdout);
        QFile demo(QStringLiteral(HALAB_SOURCE_DIR "/resources/labs/demo.halab.yaml"));
        QVERIFY(demo.open(QIODevice::ReadOnly));
        m_demo = demo.readAll();
        QVERIFY(LabParser::parseText(m_demo, QStringLiteral("demo.halab.yaml")).ok());
        m_cli = QCoreApplication::applicationDirPath() + QStringLiteral("/halab-cli");
        QVERIFY2(QFile::exists(m_cli), qPrintable(m_cli + QStringLiteral(" is missing: build the halab-cli target")));
        m_watchdog = std::thread(&TestLabFuzz::watch, this);
    }

    void cleanupTestCase()
    {
        {
            const std::lock_guard<std::mutex> lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        if (m_watchdog.joinable())
            m_watchdog.join();
    }

    void mutatedLabsParseInProcess()
    {
        int accepted = 0;
        for (int i = 0; i < m_cases; ++i) {
            const Mutant m = mutant(i);
            const QByteArray label = QStringLiteral("case %1 (%2)").arg(i).arg(m.how.join(QStringLiteral("; "))).toUtf8();
            startCase(label);
            QElapsedTimer took;
            took.start();
            const LabParser::Result r = LabParser::parseText(m.yaml, QStringLiteral("fuzz.halab.yaml"));
            if (m_verbose)
                printf("%s: %lld ms, %lld problems\n", label.constData(), took.elapsed(), qlonglong(r.errors.size()));
            QString why;
            QVERIFY2(wellFormed(r, QStringLiteral("fuzz.halab.yaml"), &why),
                     qPrintable(QStringLiteral("%1, seed %2: %3\n%4").arg(QString::fromUtf8(label)).arg(m_seed).arg(why, describe(r))));
            if (r.ok()) {
                ++accepted;
                QVERIFY2(resolveLikeARun(r.lab), label.constData());
            }
            endCase();
        }
        printf("tst_labfuzz: %d of %d mutated labs were still valid labs\n", accepted, m_cases);
        // Most mutations break the lab: if nearly all pass, the mutations stopped reaching the parser.
        QVERIFY2(accepted < m_cases / 2, "the mutations no longer break labs");
    }

    void mutatedLabsThroughTheCli()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        int runs = 0, refused = 0;
        for (int i = 0; i < m_cases; i += 6) { // ~50 of the cases: a process start costs 10-100x a parse
            const Mutant m = mutant(i);
            const QString path = dir.filePath(QStringLiteral("case-%1.halab.yaml").arg(i));
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            QCOMPARE(file.write(m.yaml), m.yaml.size());
            file.close();
            const QByteArray label = QStringLiteral("cli case %1 (%2)").arg(i).arg(m.how.join(QStringLiteral("; "))).toUtf8();
            startCase(label);
            QProcess cli;
            cli.start(m_cli, {QStringLiteral("validate"), path});
            const bool finished = cli.waitForFinished(int(std::chrono::milliseconds(kHangAfter).count()));
            if (!finished) {
                cli.kill();
                QVERIFY(cli.waitForFinished(10000));
            }
            endCase();
            QVERIFY2(finished, qPrintable(QString::fromUtf8(label) + QStringLiteral(": halab-cli validate hung")));
            QVERIFY2(cli.exitStatus() == QProcess::NormalExit, qPrintable(QString::fromUtf8(label) + QStringLiteral(": halab-cli crashed")));
            const int code = cli.exitCode();
            QVERIFY2(code == 0 || code == 2, qPrintable(QString::fromUtf8(label) + QStringLiteral(": exit code %1").arg(code)));
            const QString out = QString::fromUtf8(cli.readAllStandardOutput());
            QStringList err = QString::fromUtf8(cli.readAllStandardError()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
            ++runs;
            if (code == 0) {
                QVERIFY2(err.isEmpty(), qPrintable(err.join(QLatin1Char('\n'))));
                QVERIFY2(out.startsWith(path + QStringLiteral(": ok")), qPrintable(out));
                continue;
            }
            ++refused;
            const QString escaped = QRegularExpression::escape(path);
            QVERIFY2(!err.isEmpty(), qPrintable(QString::fromUtf8(label) + QStringLiteral(": exit 2 without a word")));
            const QRegularExpression summary(QStringLiteral("^%1: \\d+ problems?$").arg(escaped));
            QVERIFY2(summary.match(err.last()).hasMatch(), qPrintable(err.last()));
            err.removeLast();
            const QRegularExpression located(QStringLiteral("^%1:\\d+:\\d+: ").arg(escaped));
            for (const QString &line : std::as_const(err))
                QVERIFY2(located.match(line).hasMatch(), qPrintable(QString::fromUtf8(label) + QStringLiteral(": ") + line));
            // The CLI says exactly what the parser found.
            QStringList expected;
            for (const LabDiagnostic &d : LabParser::parseFile(path).errors)
                expected << d.toString();
            QCOMPARE(err, expected);
        }
        printf("tst_labfuzz: halab-cli validate ran %d mutated labs, refused %d\n", runs, refused);
        QVERIFY(refused > 0);
    }
};

QTEST_GUILESS_MAIN(TestLabFuzz)
#include "tst_labfuzz.moc"
