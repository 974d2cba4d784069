#pragma once

#include "checkchartdata.h"
#include "lab.h"
#include "run.h"
#include "sampletimeline.h"

#include <QWidget>

class LiveChartView;
class QComboBox;
class QLabel;
class QListWidget;
class QTextBrowser;
class StepEvidenceView;

// One stored run, read-only: its header and results (metrics with their intervals, failures), and for the
// chosen check its chart (the live chart over the stored samples) and each step's evidence.
class RunDetailView : public QWidget
{
    Q_OBJECT

public:
    explicit RunDetailView(QWidget *parent = nullptr);

    void setLab(const Lab &lab) { m_lab = lab; }
    // The run with its steps, events and service log lines, and its checks' charts (RunLoader reads both).
    void showRun(const Run &run, const RunChartData &charts);
    void selectCheck(const QString &checkId);
    const Run &run() const { return m_run; }
    QString shownCheckId() const;
    LiveChartView *chartView() const { return m_chart; }
    // The chosen check's chart data (empty when it has none).
    const SampleTimeline &timeline() const;

private:
    void showCheck(int resultIndex);
    void showStep(int row);

    Lab m_lab;
    Run m_run;
    RunChartData m_charts;
    std::shared_ptr<const CheckChartData> m_shownChart; // kept while the chart draws its timeline
    SampleTimeline m_noChart;
    QTextBrowser *m_summary;
    QComboBox *m_check;
    QLabel *m_checkSummary;
    LiveChartView *m_chart;
    QListWidget *m_steps;
    StepEvidenceView *m_evidence;
    class QPlainTextEdit *m_serviceLogs; // the stored lines of the chosen check's time, as `halab-cli logs` prints them
};
