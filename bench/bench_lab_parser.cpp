// How long a lab takes to parse: the demo lab, and a synthetic lab with many checks.
// Usage: bench_lab_parser [iterations]   (prints a Markdown table row per case)
#include "datapaths.h"
#include "labparser.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>

#include <algorithm>
#include <cstdio>
#include <vector>

static double medianMs(const QByteArray &yaml, int iterations)
{
    std::vector<double> samples;
    for (int i = 0; i < iterations; ++i) {
        QElapsedTimer t;
        t.start();
        const LabParser::Result r = LabParser::parseText(yaml, QStringLiteral("bench.halab.yaml"));
        samples.push_back(double(t.nsecsElapsed()) / 1e6);
        if (!r.ok()) {
            fprintf(stderr, "bench lab does not parse: %s\n", qPrintable(r.errors.first().toString()));
            std::exit(1);
        }
    }
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const int iterations = argc > 1 ? std::max(1, atoi(argv[1])) : 50;
    QFile demo(DataPaths::demoLabPath());
    if (!demo.open(QIODevice::ReadOnly)) {
        fprintf(stderr, "cannot read %s\n", qPrintable(demo.fileName()));
        return 1;
    }
    const QByteArray demoYaml = demo.readAll();

    // 500 checks of 10 steps each: a lab far bigger than anyone writes by hand.
    QByteArray big = "halab: 1\nname: big\nstack:\n  backend: processes\n  services:\n    web: { command: [x] }\nchecks:\n";
    for (int c = 0; c < 500; ++c) {
        big += "  - id: c" + QByteArray::number(c) + "\n    title: check " + QByteArray::number(c)
               + "\n    probes:\n      - { id: p, http: \"http://127.0.0.1:1/\", every: 50ms }\n    steps:\n";
        for (int s = 0; s < 10; ++s)
            big += "      - { http: \"http://127.0.0.1:1/x\", expect_status: 200 }\n";
        big += "    expect: [\"p.availability_pct >= 99\"]\n";
    }

    const double demoMs = medianMs(demoYaml, iterations);
    const double bigMs = medianMs(big, std::max(1, iterations / 10));
    printf("| lab | size | median parse |\n|---|---|---|\n");
    printf("| demo.halab.yaml (11 checks) | %lld bytes | %.2f ms |\n", qlonglong(demoYaml.size()), demoMs);
    printf("| synthetic (500 checks x 10 steps) | %lld bytes | %.1f ms |\n", qlonglong(big.size()), bigMs);
    printf("| ratio synthetic / demo | %.1fx size | %.1fx time |\n", double(big.size()) / double(demoYaml.size()), bigMs / demoMs);
    return 0;
}
