#pragma once

#include "checkspec.h"
#include "run.h"
#include "stepoutcome.h"
#include "verdict.h"

#include <QHash>
#include <QWidget>

class QAbstractButton;
class QButtonGroup;
class QFrame;
class QLabel;
class QLineEdit;
class QPushButton;
class QScrollArea;
class QTextBrowser;
class QVBoxLayout;
class StepEvidenceView;
class StepRow;

// The selected check, worked by hand: what it proves, its steps each with a Run button, the
// evidence of the selected step, and the verdict bar (PASS / FAIL / DEFERRED / N/A + note).
// It only shows and asks: the window runs the steps (ScenarioRunner) and records the verdicts.
class CheckDetailPane : public QWidget
{
    Q_OBJECT

public:
    // Who is working on a check right now.
    enum class Session { None, Manual, Automated };

    explicit CheckDetailPane(QWidget *parent = nullptr);

    void showCheck(const CheckSpec *check, bool applicable);
    QString shownCheckId() const { return m_check.id; }
    // A new lab: forget every check's evidence.
    void clearAll();

    // The one check being run (by hand or automated), or an empty id when none is.
    void setSession(const QString &checkId, Session session);
    // While the window prepares a run (secrets, operator name, stack versions) nothing else may start.
    void setBusy(bool busy, const QString &why = {});

    void stepStarted(const QString &checkId, int index);
    void stepFinished(const QString &checkId, const StepOutcome &outcome);
    void promptRequested(const QString &checkId, int index, const QString &text);
    // The runner judged the check: its verdict is the proposal the engineer confirms or overrides.
    void checkFinished(const CheckResult &proposed);
    void verdictRecorded(const QString &checkId, Verdict verdict, const QString &note, const QString &overrideReason);

    int selectedStep() const { return m_selected; }
    void selectStep(int index);
    StepOutcome outcome(const QString &checkId, int index) const { return m_states.value(checkId).outcomes.value(index); }
    bool hasProposal(const QString &checkId) const { return m_states.value(checkId).hasProposal; }

Q_SIGNALS:
    void runStepRequested(const QString &checkId, int index);
    void finishRequested(const QString &checkId);
    void promptAnswered(bool ok, const QString &note);
    void verdictSubmitted(const QString &checkId, Verdict verdict, const QString &note, const QString &overrideReason);

private:
    struct CheckState
    {
        QHash<int, StepOutcome> outcomes;
        int runningStep = -1;
        int promptStep = -1;
        QString promptText;
        bool hasProposal = false;
        Verdict proposed = Verdict::NotRun;
        QString proposedNote;
        QString proposedWhy; // rich text: the expectations that decided it, the metrics not judged
        bool recorded = false;
        Verdict recordedVerdict = Verdict::NotRun;
        QString recordedNote;
        QString recordedOverride;
    };

    void rebuildSteps();
    void scrollToStep(int index);
    void updateRows();
    void updateSessionBar();
    void updateEvidence();
    void updateVerdictBar();
    void presetVerdict();
    void submitVerdict();
    Verdict chosenVerdict() const;
    bool sessionHere() const { return !m_sessionCheck.isEmpty() && m_sessionCheck == m_check.id; }

    CheckSpec m_check;
    bool m_hasCheck = false;
    bool m_applicable = true;
    QHash<QString, CheckState> m_states;
    QString m_sessionCheck;
    Session m_session = Session::None;
    bool m_busy = false;
    QString m_busyWhy;
    int m_selected = -1;

    QTextBrowser *m_view;
    QLabel *m_sessionLabel;
    QPushButton *m_finish;
    QScrollArea *m_stepScroll;
    QWidget *m_stepHost;
    QVBoxLayout *m_stepLayout;
    QList<StepRow *> m_rows;
    QFrame *m_prompt;
    QLabel *m_promptText;
    QLineEdit *m_promptNote;
    StepEvidenceView *m_evidence;
    QFrame *m_verdictBar;
    QLabel *m_proposed;
    QButtonGroup *m_verdictGroup;
    QLineEdit *m_note;
    QLineEdit *m_overrideReason;
    QPushButton *m_record;
    QLabel *m_recorded;
};
