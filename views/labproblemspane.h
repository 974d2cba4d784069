#pragma once

#include "labdiagnostic.h"

#include <QWidget>

class QLabel;
class QListWidget;

// The problems of a lab file that did not load: one line per error, "file:line:column: message".
class LabProblemsPane : public QWidget
{
    Q_OBJECT

public:
    explicit LabProblemsPane(QWidget *parent = nullptr);

    void setProblems(const QString &labPath, const LabDiagnostics &problems);
    int problemCount() const;

private:
    QLabel *m_header;
    QListWidget *m_list;
};
