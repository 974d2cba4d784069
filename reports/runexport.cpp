#include "runexport.h"

#include "reportrenderer.h"
#include "reportchart.h"
#include "runexporter.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QHash>
#include <QSaveFile>

namespace RunExport {

namespace {
struct FormatInfo
{
    Format format;
    const char *filter;
    const char *suffix;
};
constexpr FormatInfo formats[] = {
    {Format::Markdown, QT_TRANSLATE_NOOP("RunExport", "Markdown run log (*.md)"), "md"},
    {Format::Json, QT_TRANSLATE_NOOP("RunExport", "JSON, halab.run/2 (*.json)"), "json"},
    {Format::JUnit, QT_TRANSLATE_NOOP("RunExport", "JUnit XML (*.xml)"), "xml"},
    {Format::Html, QT_TRANSLATE_NOOP("RunExport", "HTML report with charts (*.html)"), "html"},
    {Format::Pdf, QT_TRANSLATE_NOOP("RunExport", "PDF report with charts (*.pdf)"), "pdf"},
};

QString filterText(const FormatInfo &f)
{
    return QCoreApplication::translate("RunExport", f.filter);
}

bool save(const QString &path, const QByteArray &data, QString *error)
{
    QSaveFile file(path); // atomic: a failed export never leaves half a report
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}
} // namespace

QStringList nameFilters()
{
    QStringList out;
    for (const FormatInfo &f : formats)
        out << filterText(f);
    return out;
}

Format formatOfFilter(const QString &nameFilter)
{
    for (const FormatInfo &f : formats)
        if (filterText(f) == nameFilter)
            return f.format;
    return Format::Markdown;
}

Format formatOfPath(const QString &path)
{
    const QString ext = QFileInfo(path).suffix().toLower();
    for (const FormatInfo &f : formats)
        if (ext == QLatin1String(f.suffix))
            return f.format;
    if (ext == QLatin1String("htm"))
        return Format::Html;
    return Format::Markdown;
}

std::optional<Format> formatOfName(const QString &name)
{
    static const QHash<QString, Format> names{{QStringLiteral("markdown"), Format::Markdown},
                                              {QStringLiteral("json"), Format::Json},
                                              {QStringLiteral("junit"), Format::JUnit},
                                              {QStringLiteral("html"), Format::Html},
                                              {QStringLiteral("pdf"), Format::Pdf}};
    const auto it = names.constFind(name);
    return it == names.cend() ? std::nullopt : std::optional<Format>(it.value());
}

QString suffix(Format format)
{
    for (const FormatInfo &f : formats)
        if (f.format == format)
            return QLatin1String(f.suffix);
    return QStringLiteral("md");
}

bool write(const Run &run, const RunChartData &charts, const QList<ReadinessResult> &readiness, const Lab *lab, const QString &path, Format format,
           QString *error)
{
    switch (format) {
    case Format::Markdown: return save(path, RunExporter::markdown(run, readiness, lab).toUtf8(), error);
    case Format::Json: return save(path, RunExporter::json(run, readiness, lab), error);
    case Format::JUnit: return save(path, RunExporter::junit(run, lab), error);
    case Format::Html: return save(path, ReportRenderer::html(run, readiness, ReportChart::images(charts), lab).toUtf8(), error);
    case Format::Pdf: return ReportRenderer::pdf(path, run, readiness, ReportChart::images(charts), error, lab);
    }
    return false;
}

} // namespace RunExport
