// ReportRenderer: the recorded run as self-contained HTML (chart inline as base64 PNG) and as an A4 PDF
// with pages. Set HALAB_REPORT_OUT=dir to keep report.html and report.pdf for a look.
#include "readinessevaluator.h"
#include "reportrenderer.h"
#include "samplerun.h"

#include <QDir>
#include <QFile>
#include <QPainter>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

namespace {

// A stand-in for the live chart: availability dips while api1 is down.
QImage chart()
{
    QImage img(900, 300, QImage::Format_ARGB32);
    img.fill(Qt::white);
    QPainter p(&img);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(QPen(QColor(0xc8, 0xcc, 0xd0), 1));
    p.drawRect(40, 10, 850, 260);
    QPolygonF line;
    for (int x = 0; x <= 850; x += 10)
        line << QPointF(40 + x, x > 300 && x < 420 ? 240.0 : 40.0 + (x % 50) / 10.0);
    p.setPen(QPen(QColor(0x09, 0x69, 0xda), 2));
    p.drawPolyline(line);
    p.setPen(QPen(QColor(0xcf, 0x22, 0x2e), 2, Qt::DashLine));
    p.drawLine(340, 10, 340, 270);
    p.end();
    return img;
}

int pdfPages(const QString &path)
{
    const QString pdfinfo = QStandardPaths::findExecutable(QStringLiteral("pdfinfo"));
    if (!pdfinfo.isEmpty()) {
        QProcess p;
        p.start(pdfinfo, {path});
        if (!p.waitForFinished(30000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
            return -1; // pdfinfo refused the file or hung: not a page count
        const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("Pages:\\s+(\\d+)")).match(QString::fromUtf8(p.readAllStandardOutput()));
        if (m.hasMatch())
            return m.captured(1).toInt();
    }
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    return int(QString::fromLatin1(f.readAll()).count(QRegularExpression(QStringLiteral("/Type\\s*/Page[^s]"))));
}

} // namespace

class TestReportRenderer : public QObject
{
    Q_OBJECT

private:
    Run m_run = SampleRun::make();
    Lab m_lab = SampleRun::lab();
    QTemporaryDir m_dir;

    QString outDir() const
    {
        const QString keep = qEnvironmentVariable("HALAB_REPORT_OUT");
        if (!keep.isEmpty() && QDir().mkpath(keep))
            return keep;
        return m_dir.path();
    }

private Q_SLOTS:
    void htmlIsSelfContained()
    {
        const QList<ReadinessResult> readiness = ReadinessEvaluator::evaluate(m_lab, {m_run}, SampleRun::at(30));
        const QString html = ReportRenderer::html(m_run, readiness, {{QStringLiteral("failover"), chart()}}, &m_lab);
        QVERIFY(html.startsWith(QStringLiteral("<!DOCTYPE html>")));
        const qsizetype img = html.indexOf(QStringLiteral("<img src=\"data:image/png;base64,"));
        QVERIFY(img > 0);
        QCOMPARE(html.count(QStringLiteral("<img ")), 1); // only the check that has a chart
        // The inline image decodes to the chart.
        const qsizetype start = html.indexOf(QLatin1Char(','), img) + 1;
        const QByteArray base64 = html.mid(start, html.indexOf(QLatin1Char('"'), start) - start).toLatin1();
        QImage decoded;
        QVERIFY(decoded.loadFromData(QByteArray::fromBase64(base64), "PNG"));
        QCOMPARE(decoded.size(), QSize(900, 300));
        QVERIFY(!html.contains(QStringLiteral("src=\"http")));
        QVERIFY(!html.contains(QStringLiteral("<link")));
        QVERIFY(!html.contains(QStringLiteral("<script")));
        for (const QString &needle : {QStringLiteral("Graceful degradation when one replica is killed"), QStringLiteral("412 ms"),
                                      QStringLiteral("single-tenant stack"), QStringLiteral("Notes and anomalies"), QStringLiteral("READY ✓"),
                                      QStringLiteral("API key rotation with *_PREVIOUS, zero 401s")})
            QVERIFY2(html.contains(needle.toHtmlEscaped()), qPrintable(needle));
        // Page 1 (everything before the first page break): verdict, readiness, the checks by lab id.
        const QString first = html.left(html.indexOf(QStringLiteral("page-break-before")));
        QVERIFY(first.contains(QStringLiteral("Overall verdict")));
        QVERIFY(first.contains(QStringLiteral("&nbsp;FAIL&nbsp;")));
        QVERIFY(first.contains(QStringLiteral("Readiness")));
        qsizetype at = first.indexOf(QStringLiteral("Deciding figures"));
        for (const char *id : {"asset", "failover", "rotation", "schedule", "tenant", "soak", "quorum"}) {
            const qsizetype next = first.indexOf(QStringLiteral("<td>") + QLatin1String(id) + QStringLiteral("</td>"), at);
            QVERIFY2(next > at, id);
            at = next;
        }
        QVERIFY(first.contains(QStringLiteral("failover_ms 412 ms ≤ 5000 ms")));
        QFile out(QDir(outDir()).filePath(QStringLiteral("report.html")));
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(html.toUtf8());
    }

    void pdfHasPages()
    {
        const QList<ReadinessResult> readiness = ReadinessEvaluator::evaluate(m_lab, {m_run}, SampleRun::at(30));
        const QString path = QDir(outDir()).filePath(QStringLiteral("report.pdf"));
        QFile::remove(path);
        QString error;
        QVERIFY2(ReportRenderer::pdf(path, m_run, readiness, {{QStringLiteral("failover"), chart()}}, &error, &m_lab), qPrintable(error));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.size() > 10000);
        QCOMPARE(f.read(5), QByteArray("%PDF-"));
        f.close();
        const int pages = pdfPages(path);
        qInfo("report.pdf: %d page(s), %lld bytes", pages, static_cast<long long>(QFileInfo(path).size()));
        QVERIFY(pages >= 2);
    }

    void pdfToAnUnwritablePathFails()
    {
        QString error;
        QVERIFY(!ReportRenderer::pdf(QStringLiteral("/nonexistent-dir/x/report.pdf"), m_run, {}, {}, &error));
        QVERIFY(!error.isEmpty());
    }
};

QTEST_MAIN(TestReportRenderer)
#include "tst_reportrenderer.moc"
