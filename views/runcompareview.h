#pragma once

#include "checkchartdata.h"
#include "run.h"
#include "sampletimeline.h"

#include <QWidget>

class LiveChartView;
class QComboBox;
class QLabel;
class QTableWidget;

// Two stored runs side by side: which verdicts changed, how each metric moved (B − A), and
// one check's availability/latency charts stacked, A above B, on the same time scale.
class RunCompareView : public QWidget
{
    Q_OBJECT

public:
    explicit RunCompareView(QWidget *parent = nullptr);

    // Runs with their charts as RunLoader reads them; a is the older one.
    void showRuns(const Run &a, const RunChartData &chartsA, const Run &b, const RunChartData &chartsB);
    void selectCheck(const QString &checkId);
    const Run &runA() const { return m_a; }
    const Run &runB() const { return m_b; }

private:
    void showCharts(int index);

    Run m_a;
    Run m_b;
    RunChartData m_chartsA;
    RunChartData m_chartsB;
    std::shared_ptr<const CheckChartData> m_shownA; // kept while the charts draw their timelines
    std::shared_ptr<const CheckChartData> m_shownB;
    SampleTimeline m_noChart;
    QLabel *m_title;
    QTableWidget *m_verdicts;
    QTableWidget *m_metrics;
    QComboBox *m_check;
    QLabel *m_labelA;
    QLabel *m_labelB;
    LiveChartView *m_chartA;
    LiveChartView *m_chartB;
};
