#pragma once

#include "loglinebatch.h"

#include <QHash>
#include <QWidget>

class QLabel;
class QPlainTextEdit;

// The log of the selected service, following new lines as they arrive (bounded per service).
class ServiceLogPane : public QWidget
{
    Q_OBJECT

public:
    static constexpr int MaxLinesPerService = 5000;

    explicit ServiceLogPane(QWidget *parent = nullptr);

    void appendLines(const QList<LogLine> &lines);
    void showService(const QString &service);
    void clear();
    QString shownService() const { return m_service; }

private:
    static QString format(const LogLine &line);

    QLabel *m_title;
    QPlainTextEdit *m_text;
    QString m_service;
    QHash<QString, QList<LogLine>> m_lines; // bounded ring per service
};
