#pragma once

#include "stepoutcome.h"
#include "stepspec.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;
class QTabWidget;

// The evidence one step left: request, status, headers, body (a preview with "Show all"),
// exit code and stderr, a matrix as expected-vs-actual rows, a log scan's matching lines,
// when it ran and how long it took. Read-only; used by the Check pane and by stored runs.
class StepEvidenceView : public QWidget
{
    Q_OBJECT

public:
    // The body preview: long bodies (up to the runner's 64 KB cap) only on "Show all".
    static constexpr int BodyPreviewBytes = 4096;

    explicit StepEvidenceView(QWidget *parent = nullptr);

    // spec may be null (a stored run whose lab is not loaded): the kind is then read off the evidence.
    void showOutcome(const StepOutcome &outcome, const StepSpec *spec);
    // A step not run yet, or running now: what it will do, no evidence.
    void showPending(int index, const StepSpec *spec, bool running);
    void showMessage(const QString &text);

    bool isShowingAll() const;

private:
    enum class Kind { Http, Command, Matrix, LogScan, Other };
    static Kind kindOf(const StepOutcome &outcome, const StepSpec *spec);
    void fillMatrix(const StepOutcome &outcome, const StepSpec *spec);
    void updateBody();
    void setTabsFor(Kind kind);

    QLabel *m_header;
    QLabel *m_summary;
    QLabel *m_request;
    QLabel *m_status;
    QTableWidget *m_matrix;
    QTabWidget *m_tabs;
    QPlainTextEdit *m_body;
    QPlainTextEdit *m_headers;
    QPlainTextEdit *m_stderr;
    QPushButton *m_showAll;
    QLabel *m_bodyNote;
    QString m_fullBody;
};
