#pragma once

#include "labdiagnostic.h"

#include <QWidget>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QTimer;

// The Lab tab: the lab file as text, with YAML highlighting and the parser's file:line:col problems
// listed live under it (a click goes to the place). Save writes the file; the window reloads it.
class LabEditorPane : public QWidget
{
    Q_OBJECT

public:
    // Problems are re-read this long after the last keystroke.
    static constexpr int CheckDelayMs = 300;

    explicit LabEditorPane(QWidget *parent = nullptr);

    // Shows the file (its text on disk); unsaved edits of another file are dropped.
    void openFile(const QString &path);
    QString filePath() const { return m_path; }
    bool isModified() const;
    void setText(const QString &text);
    QString text() const;
    // Parses the text now (normally CheckDelayMs after an edit).
    void checkNow();
    LabDiagnostics problems() const { return m_problems; }
    bool save(QString *error = nullptr);

Q_SIGNALS:
    // The file on disk changed (Save): the window loads it again.
    void saved(const QString &path);

private:
    void goToProblem(int row);
    void updateState();

    QString m_path;
    QLabel *m_title;
    QPlainTextEdit *m_editor;
    QListWidget *m_problemList;
    QPushButton *m_save;
    QTimer *m_check;
    LabDiagnostics m_problems;
};
