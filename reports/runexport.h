#pragma once

#include "checkchartdata.h"
#include "lab.h"
#include "readinessresult.h"
#include "run.h"

#include <QString>
#include <QStringList>

#include <optional>

// Every export of one stored run, for the window's File → Export… and for halab-cli: the run log
// (markdown), JSON, JUnit, and HTML/PDF with each check's chart drawn by ReportChart. HTML/PDF need
// a QGuiApplication.
namespace RunExport {
enum class Format { Markdown, Json, JUnit, Html, Pdf };

QStringList nameFilters();
Format formatOfFilter(const QString &nameFilter);
// By suffix (.md .json .xml .html .pdf); markdown when unknown.
Format formatOfPath(const QString &path);
// "markdown", "json", "junit", "html", "pdf": the names halab-cli takes; nullopt for others.
std::optional<Format> formatOfName(const QString &name);
QString suffix(Format format);
// charts: what HTML and PDF draw (CheckChartData::readRun streams them from the store); the other
// formats need none.
bool write(const Run &run, const RunChartData &charts, const QList<ReadinessResult> &readiness, const Lab *lab, const QString &path,
           Format format, QString *error);
} // namespace RunExport
