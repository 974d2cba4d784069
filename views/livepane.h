#pragma once

#include "metricinterval.h"
#include <QSet>

#include "probesample.h"
#include "runevent.h"
#include "sampletimeline.h"

#include <QMap>
#include <QWidget>

class LiveChartView;
class QLabel;
class QTableWidget;

// The Live tab: the chart of the running check and a panel of its live metrics.
class LivePane : public QWidget
{
    Q_OBJECT

public:
    explicit LivePane(QWidget *parent = nullptr);

    void beginCheck(const QString &title);
    void addSamples(const ProbeSampleBatch &batch);
    void addEvent(const RunEvent &event);
    void addRoleRounds(const RoleSampleBatch &rounds);
    void addFailover(qint64 fromNs, qint64 toNs, double resolutionMs);
    // Metrics as they stand (live) or final, timings with the interval that holds the truth.
    void setMetrics(const QMap<QString, double> &metrics, const MetricIntervals &intervals, const QString &verdict);
    // After the verdict: the expectations that decided it, and the metrics nobody judged (greyed).
    void setExplanation(const struct VerdictExplanation &why, const QMap<QString, double> &metrics);

    LiveChartView *chartView() const { return m_chart; }
    const SampleTimeline &timeline() const { return m_timeline; }

private:
    SampleTimeline m_timeline;
    LiveChartView *m_chart;
    QLabel *m_title;
    QTableWidget *m_metrics;
    QLabel *m_explanation;
    QSet<QString> m_notJudged;
};
