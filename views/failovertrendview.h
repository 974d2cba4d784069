#pragma once

#include "run.h"

#include <QWidget>

class QChart;
class QChartView;
class QLabel;

// Failover timings per check across runs, oldest to newest: a regression shows as a step up.
class FailoverTrendView : public QWidget
{
    Q_OBJECT

public:
    explicit FailoverTrendView(QWidget *parent = nullptr);

    // runs: any order; checkId: only that check, or every check that measured failover_ms.
    void setRuns(const QList<Run> &runs, const QString &checkId = {});
    int seriesCount() const;
    int pointCount() const;

private:
    QChart *m_chart;
    QChartView *m_view;
    QLabel *m_caption;
};
