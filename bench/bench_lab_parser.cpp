// How long a lab takes to parse: the demo lab, a synthetic lab with many checks, the largest lab the
// size limit lets through, and hostile files that must be refused fast (50 MB, alias bomb, 1 MB name).
// Usage: bench_lab_parser [iterations] [--write DIR]   (prints a Markdown table row per case; --write
// also leaves the generated labs in DIR, to measure `halab-cli validate` on them with /usr/bin/time)
#include "datapaths.h"
#include "lablimits.h"
#include "labparser.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <vector>

#include <time.h>

namespace {

enum class Expect { Valid, Refused };

double cpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

struct Timing
{
    double wallMs = 0;
    double cpuMs = 0; // on a shared machine the CPU time moves less with the load than the wall time
};

// Medians over `iterations` runs of parse(); exits if the outcome is not the expected one.
template <typename Parse>
Timing median(Parse parse, int iterations, Expect expect, QString *firstProblem = nullptr)
{
    std::vector<double> samples, cpu;
    for (int i = 0; i < iterations; ++i) {
        QElapsedTimer t;
        t.start();
        const double cpuStart = cpuMs();
        const LabParser::Result r = parse();
        samples.push_back(double(t.nsecsElapsed()) / 1e6);
        cpu.push_back(cpuMs() - cpuStart);
        if (r.ok() != (expect == Expect::Valid)) {
            fprintf(stderr, "unexpected outcome: %s\n", r.ok() ? "the lab parsed" : qPrintable(r.errors.first().toString()));
            std::exit(1);
        }
        if (firstProblem && !r.ok())
            *firstProblem = r.errors.first().message;
    }
    std::sort(samples.begin(), samples.end());
    std::sort(cpu.begin(), cpu.end());
    return {samples[samples.size() / 2], cpu[cpu.size() / 2]};
}

QByteArray syntheticChecks(qint64 targetBytes)
{
    QByteArray lab = "halab: 1\nname: big\nstack:\n  backend: processes\n  services:\n    web: { command: [x] }\nchecks:\n";
    for (int c = 0; lab.size() < targetBytes; ++c) {
        QByteArray check = "  - id: c" + QByteArray::number(c) + "\n    title: check " + QByteArray::number(c)
                           + "\n    probes:\n      - { id: p, http: \"http://127.0.0.1:1/\", every: 50ms }\n    steps:\n";
        for (int s = 0; s < 10; ++s)
            check += "      - { http: \"http://127.0.0.1:1/x\", expect_status: 200 }\n";
        check += "    expect: [\"p.availability_pct >= 99\"]\n";
        if (lab.size() + check.size() > targetBytes)
            break;
        lab += check;
    }
    return lab;
}

void write(const QString &dir, const char *name, const QByteArray &yaml)
{
    if (dir.isEmpty())
        return;
    QFile f(dir + QLatin1Char('/') + QLatin1String(name));
    if (!f.open(QIODevice::WriteOnly) || f.write(yaml) != yaml.size())
        fprintf(stderr, "cannot write %s\n", qPrintable(f.fileName()));
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int iterations = argc > 1 ? std::max(1, atoi(argv[1])) : 50;
    const QString writeDir = argc > 3 && QLatin1String(argv[2]) == QLatin1String("--write") ? QString::fromLocal8Bit(argv[3]) : QString();
    QFile demo(DataPaths::demoLabPath());
    if (!demo.open(QIODevice::ReadOnly)) {
        fprintf(stderr, "cannot read %s\n", qPrintable(demo.fileName()));
        return 1;
    }
    const QByteArray demoYaml = demo.readAll();
    const auto text = [](const QByteArray &yaml) { return [yaml] { return LabParser::parseText(yaml, QStringLiteral("bench.halab.yaml")); }; };

    // 500 checks of 10 steps each: a lab far bigger than anyone writes by hand.
    QByteArray big = "halab: 1\nname: big\nstack:\n  backend: processes\n  services:\n    web: { command: [x] }\nchecks:\n";
    for (int c = 0; c < 500; ++c) {
        big += "  - id: c" + QByteArray::number(c) + "\n    title: check " + QByteArray::number(c)
               + "\n    probes:\n      - { id: p, http: \"http://127.0.0.1:1/\", every: 50ms }\n    steps:\n";
        for (int s = 0; s < 10; ++s)
            big += "      - { http: \"http://127.0.0.1:1/x\", expect_status: 200 }\n";
        big += "    expect: [\"p.availability_pct >= 99\"]\n";
    }
    const QByteArray largest = syntheticChecks(LabLimits::maxFileBytes);

    // Hostile files: the 50 MB lab (read from disk, as `halab-cli validate` does), a
    // billion-laughs alias bomb and a 1 MB name.
    QTemporaryDir dir;
    const QString hugePath = (writeDir.isEmpty() ? dir.path() : writeDir) + QStringLiteral("/huge-50mb.halab.yaml");
    {
        QFile huge(hugePath);
        if (!huge.open(QIODevice::WriteOnly) || huge.write(syntheticChecks(50LL * 1024 * 1024)) <= 0) {
            fprintf(stderr, "cannot write %s\n", qPrintable(hugePath));
            return 1;
        }
    }
    QByteArray bomb = "halab: 1\nname: bomb\nstack: { backend: processes, services: { web: { command: [x] } } }\n"
                      "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (int i = 1; i <= 9; ++i) {
        bomb += "l" + QByteArray::number(i) + ": &l" + QByteArray::number(i) + " [";
        for (int k = 0; k < 10; ++k)
            bomb += (k ? ", *l" : "*l") + QByteArray::number(i - 1);
        bomb += "]\n";
    }
    const QByteArray longName = "halab: 1\nname: " + QByteArray(1024 * 1024, 'n')
                                + "\nstack: { backend: processes, services: { web: { command: [x] } } }\n";

    write(writeDir, "largest-valid.halab.yaml", largest);
    write(writeDir, "alias-bomb.halab.yaml", bomb);
    write(writeDir, "long-name.halab.yaml", longName);

    QString hugeProblem, bombProblem, nameProblem;
    const Timing hugeMs = median([&] { return LabParser::parseFile(hugePath); }, iterations, Expect::Refused, &hugeProblem);
    const Timing demoMs = median(text(demoYaml), iterations, Expect::Valid);
    const Timing bigMs = median(text(big), std::max(1, iterations / 10), Expect::Valid);
    const Timing bombMs = median(text(bomb), iterations, Expect::Refused, &bombProblem);
    const Timing nameMs = median(text(longName), std::max(1, iterations / 10), Expect::Refused, &nameProblem);
    const Timing largestMs = median(text(largest), std::max(1, iterations / 25), Expect::Valid);

    printf("| lab | size | median parse (wall / CPU) | outcome |\n|---|---|---|---|\n");
    const auto row = [](const char *what, qint64 bytes, Timing t, const QString &outcome) {
        printf("| %s | %lld bytes | %.2f / %.2f ms | %s |\n", what, qlonglong(bytes), t.wallMs, t.cpuMs, qPrintable(outcome));
    };
    row("demo.halab.yaml (11 checks)", demoYaml.size(), demoMs, QStringLiteral("valid"));
    row("synthetic (500 checks x 10 steps)", big.size(), bigMs, QStringLiteral("valid"));
    row("synthetic at the 4 MiB limit", largest.size(), largestMs, QStringLiteral("valid"));
    row("50 MB file (parseFile, as halab-cli)", QFile(hugePath).size(), hugeMs, hugeProblem);
    row("alias bomb (10^9 values expanded)", bomb.size(), bombMs, bombProblem);
    row("1 MB name", longName.size(), nameMs, nameProblem);
    printf("| ratio synthetic / demo | %.1fx size | %.1fx time | |\n", double(big.size()) / double(demoYaml.size()), bigMs.wallMs / demoMs.wallMs);
    return 0;
}
