#pragma once

#include "loglinebatch.h"

#include <QHash>
#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

// The log of the selected service, following new lines as they arrive (bounded per service).
// Follow keeps the newest line in view; Find shows only lines containing a text; Hide drops lines
// matching a pattern (the probes' own requests, by default those to /health).
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
    // The lines on screen, for tests.
    QString shownText() const;
    void setFind(const QString &text);
    void setHidePattern(const QString &pattern);
    void setFollow(bool follow);

private:
    static QString format(const LogLine &line);
    bool passes(const LogLine &line) const;
    void redisplay();

    QLabel *m_title;
    QLineEdit *m_find;
    QLineEdit *m_hide;
    QCheckBox *m_follow;
    QPlainTextEdit *m_text;
    QString m_service;
    QHash<QString, QList<LogLine>> m_lines; // bounded ring per service
};
