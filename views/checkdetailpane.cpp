#include "checkdetailpane.h"

#include "verdictexplanation.h"

#include "checklistmodel.h"
#include "duration.h"
#include "elidedname.h"
#include "metricformat.h"
#include "stepbadge.h"
#include "stepevidenceview.h"

#include <QButtonGroup>
#include <QDateTime>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTextBrowser>
#include <QTimer>
#include <QVBoxLayout>

#include <functional>

// One step of the shown check: number, kind badge, what it does, its latest outcome, Run.
// A plain widget (no signals of its own): the pane wires its button and its click.
class StepRow : public QFrame
{
public:
    StepRow(int index, const StepSpec &step, QWidget *parent)
        : QFrame(parent)
        , m_index(index)
        , m_text(new QLabel(this))
        , m_result(new QLabel(this))
        , m_run(new QPushButton(QObject::tr("Run"), this))
    {
        setObjectName(QStringLiteral("stepRow_%1").arg(index));
        setFrameShape(QFrame::NoFrame);
        auto *number = new QLabel(QStringLiteral("%1.").arg(index + 1), this);
        number->setFixedWidth(fontMetrics().horizontalAdvance(QStringLiteral("000.")));
        number->setAlignment(Qt::AlignRight | Qt::AlignTop);
        auto *badge = new QLabel(StepBadge::label(step.kind), this);
        badge->setAlignment(Qt::AlignCenter);
        badge->setFixedWidth(fontMetrics().horizontalAdvance(QStringLiteral("OPERATOR")) + 14);
        badge->setStyleSheet(QStringLiteral("background:%1;color:white;font-weight:bold;border-radius:3px;padding:1px 3px;")
                                 .arg(StepBadge::colour(step.kind)));
        QFont small = badge->font();
        small.setPointSizeF(small.pointSizeF() * 0.85);
        badge->setFont(small);

        const bool prompt = step.kind == StepSpec::Kind::Prompt;
        const QString description = CheckListModel::stepDescription(step);
        QString text;
        if (!step.title.isEmpty())
            text = QStringLiteral("<b>%1</b>").arg(step.title.toHtmlEscaped());
        if (!prompt && (step.title.isEmpty() || description != step.title))
            text += (text.isEmpty() ? QString() : QStringLiteral("<br>"))
                    + QStringLiteral("<span style='font-family:monospace;color:#455a64'>%1</span>").arg(description.toHtmlEscaped());
        if (!step.instructions.isEmpty())
            text += (text.isEmpty() ? QString() : QStringLiteral("<br>")) + QStringLiteral("<i>%1</i>").arg(step.instructions.toHtmlEscaped());
        if (step.kind == StepSpec::Kind::Matrix)
            text += QObject::tr("<br><span style='color:#555'>%n request(s), expected %1</span>", nullptr, int(step.rows.size()))
                        .arg([&] {
                            QStringList codes;
                            for (const MatrixRowSpec &r : step.rows)
                                codes << QString::number(r.expectStatus);
                            return codes.join(QLatin1Char('/'));
                        }());
        m_text->setText(text);
        m_text->setWordWrap(true);
        m_text->setTextFormat(Qt::RichText);
        m_text->setToolTip(description);
        m_result->setObjectName(QStringLiteral("stepResult_%1").arg(index));
        m_result->setTextFormat(Qt::RichText);
        m_result->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("✓ 4/4 as expected · 999 ms")));
        m_result->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_run->setObjectName(QStringLiteral("runStep_%1").arg(index));
        m_run->setToolTip(prompt ? QObject::tr("Ask the question: answer it below with Yes or No")
                                 : QObject::tr("Run this step now; its evidence shows below"));

        auto *layout = new QHBoxLayout(this);
        layout->setContentsMargins(4, 3, 4, 3);
        layout->addWidget(number, 0, Qt::AlignTop);
        layout->addWidget(badge, 0, Qt::AlignTop);
        layout->addWidget(m_text, 1);
        layout->addWidget(m_result);
        layout->addWidget(m_run, 0, Qt::AlignVCenter);
        setSelected(false);
    }

    QPushButton *runButton() const { return m_run; }
    std::function<void(int)> onClicked;

    void setSelected(bool selected)
    {
        setStyleSheet(selected ? QStringLiteral("QFrame#%1 { background:#e3f2fd; border-left:3px solid #1565c0; }").arg(objectName())
                               : QStringLiteral("QFrame#%1 { border-left:3px solid transparent; }").arg(objectName()));
    }

    void setOutcome(const StepOutcome *o, bool running, const StepSpec &step)
    {
        if (running) {
            m_result->setText(QObject::tr("<i>running…</i>"));
            return;
        }
        if (!o) {
            m_result->clear();
            return;
        }
        if (o->skipped) {
            m_result->setText(QObject::tr("<span style='color:#666'>– skipped</span>"));
            return;
        }
        QString what;
        switch (step.kind) {
        case StepSpec::Kind::Http: what = o->status ? QString::number(o->status) : QObject::tr("no answer"); break;
        case StepSpec::Kind::Command: what = QObject::tr("exit %1").arg(o->status); break;
        case StepSpec::Kind::LogScan: what = QObject::tr("%n line(s)", nullptr, o->status); break;
        case StepSpec::Kind::Matrix: {
            int good = 0;
            for (const auto &[expected, actual] : o->matrix)
                good += expected == actual ? 1 : 0;
            what = QObject::tr("%1/%2 as expected").arg(good).arg(o->matrix.size());
            break;
        }
        case StepSpec::Kind::Prompt: what = o->ok ? QObject::tr("confirmed") : QObject::tr("rejected"); break;
        default: what = o->ok ? QObject::tr("done") : QObject::tr("failed"); break;
        }
        m_result->setText(QStringLiteral("<span style='color:%1'><b>%2</b> %3</span> <span style='color:#666'>· %4</span>")
                              .arg(o->ok ? QStringLiteral("#2e7d32") : QStringLiteral("#c62828"),
                                   o->ok ? QStringLiteral("✓") : QStringLiteral("✗"), what.toHtmlEscaped(), MetricFormat::duration(o->durationMs)));
        m_result->setToolTip(o->summary);
    }

protected:
    void mousePressEvent(QMouseEvent *event) override
    {
        if (event->button() == Qt::LeftButton && onClicked)
            onClicked(m_index);
        QFrame::mousePressEvent(event);
    }

private:
    int m_index;
    QLabel *m_text;
    QLabel *m_result;
    QPushButton *m_run;
};

namespace {
QPushButton *verdictButton(const QString &name, const QString &text, const QString &colour, QWidget *parent)
{
    auto *b = new QPushButton(text, parent);
    b->setObjectName(name);
    b->setCheckable(true);
    b->setMinimumWidth(b->fontMetrics().horizontalAdvance(QStringLiteral("DEFERRED")) + 24);
    b->setStyleSheet(QStringLiteral("QPushButton#%1:checked { background:%2; color:white; font-weight:bold; border:1px solid %2; border-radius:3px; padding:4px; }")
                         .arg(name, colour));
    return b;
}

QString verdictColour(Verdict v)
{
    switch (v) {
    case Verdict::Pass: return QStringLiteral("#2e7d32");
    case Verdict::Fail:
    case Verdict::Error:
    case Verdict::Aborted: return QStringLiteral("#c62828");
    case Verdict::Deferred: return QStringLiteral("#ef6c00");
    case Verdict::Inconclusive: return QStringLiteral("#8250df"); // the console, not the target: neither red nor green
    default: return QStringLiteral("#546e7a");
    }
}
} // namespace

CheckDetailPane::CheckDetailPane(QWidget *parent)
    : QWidget(parent)
    , m_view(new QTextBrowser(this))
    , m_sessionLabel(new QLabel(this))
    , m_finish(new QPushButton(tr("Finish"), this))
    , m_stepScroll(new QScrollArea(this))
    , m_stepHost(new QWidget(m_stepScroll))
    , m_stepLayout(new QVBoxLayout(m_stepHost))
    , m_prompt(new QFrame(this))
    , m_promptText(new QLabel(m_prompt))
    , m_promptNote(new QLineEdit(m_prompt))
    , m_evidence(new StepEvidenceView(this))
    , m_verdictBar(new QFrame(this))
    , m_proposed(new QLabel(m_verdictBar))
    , m_verdictGroup(new QButtonGroup(this))
    , m_note(new QLineEdit(m_verdictBar))
    , m_overrideReason(new QLineEdit(m_verdictBar))
    , m_record(new QPushButton(tr("Record verdict"), m_verdictBar))
    , m_recorded(new QLabel(m_verdictBar))
{
    setObjectName(QStringLiteral("checkDetailPane"));
    m_view->setObjectName(QStringLiteral("checkDetail"));
    m_view->setOpenLinks(false);
    m_view->setFrameShape(QFrame::NoFrame);

    // Session bar: who is working on this check, and the way to end a sitting by hand.
    m_sessionLabel->setObjectName(QStringLiteral("sessionStatus"));
    m_sessionLabel->setWordWrap(true);
    m_finish->setObjectName(QStringLiteral("finishCheck"));
    m_finish->setToolTip(tr("End working on this check by hand: probes stop, faults roll back, and the verdict is proposed"));
    auto *sessionBar = new QHBoxLayout;
    sessionBar->addWidget(m_sessionLabel, 1);
    sessionBar->addWidget(m_finish);

    m_stepScroll->setObjectName(QStringLiteral("stepList"));
    m_stepScroll->setWidgetResizable(true);
    m_stepScroll->setWidget(m_stepHost);
    m_stepScroll->setFrameShape(QFrame::StyledPanel);
    m_stepLayout->setContentsMargins(0, 0, 0, 0);
    m_stepLayout->setSpacing(0);

    auto *stepsBox = new QWidget(this);
    auto *stepsLayout = new QVBoxLayout(stepsBox);
    stepsLayout->setContentsMargins(0, 0, 0, 0);
    stepsLayout->setSpacing(2);
    stepsLayout->addLayout(sessionBar);
    stepsLayout->addWidget(m_stepScroll, 1);

    // Operator prompt, answered inline so probes and charts keep running.
    m_prompt->setObjectName(QStringLiteral("promptPanel"));
    m_prompt->setStyleSheet(QStringLiteral("QFrame#promptPanel { background:#f3e5f5; border:1px solid #8e24aa; border-radius:3px; }"));
    m_promptText->setWordWrap(true);
    m_promptNote->setObjectName(QStringLiteral("promptNote"));
    m_promptNote->setPlaceholderText(tr("What you saw (optional)"));
    auto *yes = new QPushButton(tr("Yes, it holds"), m_prompt);
    yes->setObjectName(QStringLiteral("promptYes"));
    auto *no = new QPushButton(tr("No"), m_prompt);
    no->setObjectName(QStringLiteral("promptNo"));
    auto *promptLayout = new QVBoxLayout(m_prompt);
    promptLayout->addWidget(m_promptText);
    auto *promptButtons = new QHBoxLayout;
    promptButtons->addWidget(m_promptNote, 1);
    promptButtons->addWidget(yes);
    promptButtons->addWidget(no);
    promptLayout->addLayout(promptButtons);

    auto *evidenceBox = new QWidget(this);
    auto *evidenceLayout = new QVBoxLayout(evidenceBox);
    evidenceLayout->setContentsMargins(0, 0, 0, 0);
    evidenceLayout->addWidget(m_prompt);
    evidenceLayout->addWidget(m_evidence, 1);

    // Verdict bar.
    m_verdictBar->setObjectName(QStringLiteral("verdictBar"));
    m_verdictBar->setFrameShape(QFrame::StyledPanel);
    m_proposed->setObjectName(QStringLiteral("proposedVerdict"));
    m_proposed->setWordWrap(true);
    m_proposed->setTextFormat(Qt::RichText);
    const QList<QPair<Verdict, QAbstractButton *>> buttons = {
        {Verdict::Pass, verdictButton(QStringLiteral("verdictPass"), tr("PASS"), verdictColour(Verdict::Pass), m_verdictBar)},
        {Verdict::Fail, verdictButton(QStringLiteral("verdictFail"), tr("FAIL"), verdictColour(Verdict::Fail), m_verdictBar)},
        {Verdict::Deferred, verdictButton(QStringLiteral("verdictDeferred"), tr("DEFERRED"), verdictColour(Verdict::Deferred), m_verdictBar)},
        {Verdict::NotApplicable, verdictButton(QStringLiteral("verdictNotApplicable"), tr("N/A"), verdictColour(Verdict::NotApplicable), m_verdictBar)},
    };
    auto *choice = new QHBoxLayout;
    for (const auto &[verdict, button] : buttons) {
        m_verdictGroup->addButton(button, int(verdict));
        choice->addWidget(button);
    }
    m_note->setObjectName(QStringLiteral("verdictNote"));
    m_note->setClearButtonEnabled(true);
    choice->addWidget(m_note, 1);
    m_record->setObjectName(QStringLiteral("recordVerdict"));
    choice->addWidget(m_record);
    m_overrideReason->setObjectName(QStringLiteral("overrideReason"));
    m_overrideReason->setPlaceholderText(tr("Why do you override the proposed verdict? (required, kept with the run)"));
    m_recorded->setObjectName(QStringLiteral("recordedVerdict"));
    m_recorded->setTextFormat(Qt::RichText);
    m_recorded->setWordWrap(true);
    auto *barLayout = new QVBoxLayout(m_verdictBar);
    barLayout->setContentsMargins(6, 4, 6, 4);
    barLayout->setSpacing(3);
    barLayout->addWidget(m_proposed);
    barLayout->addLayout(choice);
    barLayout->addWidget(m_overrideReason);
    barLayout->addWidget(m_recorded);

    auto *split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("checkSplit"));
    split->addWidget(m_view);
    split->addWidget(stepsBox);
    split->addWidget(evidenceBox);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 3);
    split->setStretchFactor(2, 3);
    split->setChildrenCollapsible(false);
    split->setSizes({110, 380, 340}); // the check's text is a preamble; steps and evidence are the work
    m_view->setMinimumHeight(60);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addWidget(split, 1);
    layout->addWidget(m_verdictBar);

    connect(m_finish, &QPushButton::clicked, this, [this] {
        if (sessionHere())
            Q_EMIT finishRequested(m_check.id);
    });
    const auto answer = [this](bool ok) {
        CheckState &st = m_states[m_check.id];
        if (st.promptStep < 0)
            return;
        st.promptStep = -1;
        const QString note = m_promptNote->text().trimmed();
        m_promptNote->clear();
        updateEvidence();
        Q_EMIT promptAnswered(ok, note);
    };
    connect(yes, &QPushButton::clicked, this, [answer] { answer(true); });
    connect(no, &QPushButton::clicked, this, [answer] { answer(false); });
    connect(m_verdictGroup, &QButtonGroup::idClicked, this, &CheckDetailPane::updateVerdictBar);
    connect(m_note, &QLineEdit::textChanged, this, &CheckDetailPane::updateVerdictBar);
    connect(m_overrideReason, &QLineEdit::textChanged, this, &CheckDetailPane::updateVerdictBar);
    connect(m_record, &QPushButton::clicked, this, &CheckDetailPane::submitVerdict);
    showCheck(nullptr, true);
}

void CheckDetailPane::showCheck(const CheckSpec *check, bool applicable)
{
    m_hasCheck = check != nullptr;
    m_check = check ? *check : CheckSpec();
    m_applicable = applicable;
    m_selected = -1;
    if (!check) {
        m_view->setHtml(tr("<p style='color:#666'>Select a check on the left to see its steps.</p>"));
        rebuildSteps();
        updateSessionBar();
        updateEvidence();
        presetVerdict();
        return;
    }
    QString html;
    html += QStringLiteral("<h3 style='margin:0'>%1</h3><p style='color:#666;margin:2px 0'>check <code>%2</code> · <b>%3</b> · %4 step(s) · %5 probe(s)</p>")
                .arg(elidedName(check->title).toHtmlEscaped(), elidedName(check->id).toHtmlEscaped(), CheckSpec::modeText(check->mode))
                .arg(check->steps.size())
                .arg(check->probes.size());
    if (!applicable)
        html += QStringLiteral("<p style='background:#eceff1;padding:4px'><b>N/A</b> — %1</p>")
                    .arg((check->notApplicableReason.isEmpty() ? tr("does not apply to this stack") : check->notApplicableReason).toHtmlEscaped());
    if (!check->deferredReason.isEmpty())
        html += QStringLiteral("<p style='background:#fff8e1;padding:4px'><b>DEFERRED</b> — %1</p>").arg(check->deferredReason.toHtmlEscaped());
    if (!check->description.isEmpty())
        html += QStringLiteral("<p style='margin:4px 0'>%1</p>").arg(check->description.toHtmlEscaped().replace(QLatin1Char('\n'), QLatin1Char(' ')));
    if (!check->probes.isEmpty()) {
        QStringList probes;
        for (const ProbeSpec &p : check->probes) {
            const QString target = p.kind == ProbeSpec::Kind::Http ? p.method + QLatin1Char(' ') + p.url
                                   : p.kind == ProbeSpec::Kind::Tcp ? QStringLiteral("tcp ") + p.address
                                   : p.kind == ProbeSpec::Kind::Sql ? QStringLiteral("sql ") + p.query
                                   : p.kind == ProbeSpec::Kind::Redis ? QStringLiteral("redis %1 %2").arg(p.address, p.redisCommand.join(QLatin1Char(' ')))
                                                                    : p.command.join(QLatin1Char(' '));
            probes << QStringLiteral("<b>%1</b> <code>%2</code> every %3").arg(p.id.toHtmlEscaped(), target.toHtmlEscaped(), Duration::format(p.intervalMs));
        }
        html += tr("<p style='margin:2px 0'>Probes: %1</p>").arg(probes.join(QStringLiteral(" · ")));
    }
    if (!check->expectations.isEmpty()) {
        QStringList expectations;
        for (const Expectation &e : check->expectations)
            expectations << QStringLiteral("<code>%1</code>").arg(e.text.toHtmlEscaped());
        html += tr("<p style='margin:2px 0'>Expect: %1</p>").arg(expectations.join(QStringLiteral(" · ")));
    }
    m_view->setHtml(html);
    rebuildSteps();
    const CheckState st = m_states.value(m_check.id);
    if (st.runningStep >= 0)
        m_selected = st.runningStep;
    else if (st.promptStep >= 0)
        m_selected = st.promptStep;
    else if (!m_check.steps.isEmpty())
        m_selected = 0;
    updateRows();
    updateSessionBar();
    updateEvidence();
    presetVerdict();
}

void CheckDetailPane::clearAll()
{
    m_states.clear();
    m_sessionCheck.clear();
    m_session = Session::None;
    showCheck(nullptr, true);
}

void CheckDetailPane::rebuildSteps()
{
    qDeleteAll(m_rows);
    m_rows.clear();
    while (QLayoutItem *item = m_stepLayout->takeAt(0))
        delete item;
    for (int i = 0; i < m_check.steps.size(); ++i) {
        auto *row = new StepRow(i, m_check.steps.at(i), m_stepHost);
        row->onClicked = [this](int index) { selectStep(index); };
        connect(row->runButton(), &QPushButton::clicked, this, [this, i] {
            selectStep(i);
            Q_EMIT runStepRequested(m_check.id, i);
        });
        if (i > 0) {
            auto *line = new QFrame(m_stepHost);
            line->setFrameShape(QFrame::HLine);
            line->setStyleSheet(QStringLiteral("color:#e0e0e0"));
            m_stepLayout->addWidget(line);
        }
        m_stepLayout->addWidget(row);
        m_rows.append(row);
    }
    m_stepLayout->addStretch(1);
}

void CheckDetailPane::selectStep(int index)
{
    if (index < 0 || index >= m_rows.size())
        return;
    m_selected = index;
    updateRows();
    updateEvidence();
    scrollToStep(index);
}

void CheckDetailPane::scrollToStep(int index)
{
    // After the layout has settled: a row just built or resized has no final geometry yet.
    QTimer::singleShot(0, this, [this, index] {
        if (index >= 0 && index < m_rows.size())
            m_stepScroll->ensureWidgetVisible(m_rows.at(index), 0, 4);
    });
}

void CheckDetailPane::updateRows()
{
    const CheckState st = m_states.value(m_check.id);
    const bool free = m_sessionCheck.isEmpty() || (sessionHere() && m_session == Session::Manual);
    const bool idle = st.runningStep < 0 && st.promptStep < 0;
    for (int i = 0; i < m_rows.size(); ++i) {
        StepRow *row = m_rows.at(i);
        const auto it = st.outcomes.constFind(i);
        row->setOutcome(it == st.outcomes.cend() ? nullptr : &*it, st.runningStep == i, m_check.steps.at(i));
        row->setSelected(i == m_selected);
        row->runButton()->setEnabled(m_hasCheck && !m_busy && free && idle);
    }
}

void CheckDetailPane::updateSessionBar()
{
    const CheckState st = m_states.value(m_check.id);
    QString text;
    if (!m_hasCheck)
        text.clear();
    else if (m_busy)
        text = m_busyWhy;
    else if (!m_sessionCheck.isEmpty() && !sessionHere())
        text = tr("Check %1 is in progress: finish it (or Abort, Esc) before running steps here.").arg(m_sessionCheck);
    else if (sessionHere() && m_session == Session::Automated)
        text = tr("<b>Automated run in progress</b> — the Live tab follows it; Abort (Esc) stops it and rolls back faults.");
    else if (sessionHere()) {
        text = tr("<b>Working by hand</b> — %1 of %2 step(s) run. Run them in any order; press <b>Finish</b> for the proposed verdict.")
                   .arg(st.outcomes.size())
                   .arg(m_check.steps.size());
    } else if (st.hasProposal)
        text = tr("Finished. Run a step to work on this check again (a new attempt).");
    else
        text = tr("Press <b>Run</b> on a step to work on this check by hand; its probes run meanwhile.");
    m_sessionLabel->setText(text);
    m_finish->setVisible(sessionHere() && m_session == Session::Manual);
    m_finish->setEnabled(st.runningStep < 0 && st.promptStep < 0);
}

void CheckDetailPane::updateEvidence()
{
    const CheckState st = m_states.value(m_check.id);
    m_prompt->setVisible(m_hasCheck && st.promptStep >= 0);
    if (st.promptStep >= 0)
        m_promptText->setText(tr("<b>Step %1 asks:</b> %2").arg(st.promptStep + 1).arg(st.promptText.toHtmlEscaped()));
    if (!m_hasCheck || m_selected < 0 || m_selected >= m_check.steps.size()) {
        m_evidence->showMessage(m_hasCheck && m_check.steps.isEmpty() ? tr("This check has no steps: judge it with the verdict bar.")
                                                                      : tr("Select a step to see its evidence."));
        return;
    }
    const StepSpec &spec = m_check.steps.at(m_selected);
    const auto it = st.outcomes.constFind(m_selected);
    if (it != st.outcomes.cend() && st.runningStep != m_selected)
        m_evidence->showOutcome(*it, &spec);
    else
        m_evidence->showPending(m_selected, &spec, st.runningStep == m_selected);
}

Verdict CheckDetailPane::chosenVerdict() const
{
    const int id = m_verdictGroup->checkedId();
    return id < 0 ? Verdict::NotRun : Verdict(id);
}

void CheckDetailPane::presetVerdict()
{
    const CheckState st = m_states.value(m_check.id);
    Verdict preset = Verdict::NotRun;
    QString note;
    QString reason;
    if (st.recorded) {
        preset = st.recordedVerdict;
        note = st.recordedNote;
        reason = st.recordedOverride;
    } else if (st.hasProposal) {
        preset = st.proposed;
    } else if (m_hasCheck && !m_applicable) {
        preset = Verdict::NotApplicable;
        note = m_check.notApplicableReason;
    } else if (m_hasCheck && !m_check.deferredReason.isEmpty()) {
        preset = Verdict::Deferred;
        note = m_check.deferredReason;
    }
    m_verdictGroup->setExclusive(false);
    for (QAbstractButton *b : m_verdictGroup->buttons())
        b->setChecked(m_verdictGroup->id(b) == int(preset));
    m_verdictGroup->setExclusive(true);
    m_note->setText(note);
    m_overrideReason->setText(reason);
    updateVerdictBar();
}

void CheckDetailPane::updateVerdictBar()
{
    const CheckState st = m_states.value(m_check.id);
    m_verdictBar->setEnabled(m_hasCheck);
    if (st.hasProposal) {
        QString why = st.proposedWhy;
        if (why.isEmpty())
            why = (st.proposedNote.isEmpty() ? tr("every step run and every expectation held") : st.proposedNote).toHtmlEscaped();
        m_proposed->setText(tr("Proposed verdict: <b style='color:%1'>%2</b> — %3")
                                .arg(verdictColour(st.proposed), VerdictText::toString(st.proposed), why));
    }
    m_proposed->setVisible(st.hasProposal);

    const Verdict chosen = chosenVerdict();
    const bool overriding = st.hasProposal && chosen != Verdict::NotRun && chosen != st.proposed;
    m_overrideReason->setVisible(overriding);
    const bool needNote = !st.hasProposal && (chosen == Verdict::Pass || chosen == Verdict::Fail);
    m_note->setPlaceholderText(needNote ? tr("Note (required: nothing was run here, so say what you checked)")
                                        : tr("Note: what you saw, anomalies"));
    QString blocked;
    if (!m_hasCheck)
        blocked = tr("Select a check");
    else if (m_busy)
        blocked = m_busyWhy;
    else if (sessionHere())
        blocked = tr("Finish the check first: the proposed verdict comes from its steps and expectations");
    else if (chosen == Verdict::NotRun)
        blocked = tr("Choose PASS, FAIL, DEFERRED or N/A");
    else if (overriding && m_overrideReason->text().trimmed().isEmpty())
        blocked = tr("Overriding the proposed %1 needs a reason").arg(VerdictText::toString(st.proposed));
    else if (needNote && m_note->text().trimmed().isEmpty())
        blocked = tr("Say in the note what you checked");
    m_record->setEnabled(blocked.isEmpty());
    m_record->setToolTip(blocked.isEmpty() ? tr("Store this verdict in the run") : blocked);

    if (st.recorded) {
        QString text = tr("Recorded: <b style='color:%1'>%2</b>").arg(verdictColour(st.recordedVerdict), VerdictText::toString(st.recordedVerdict));
        if (!st.recordedNote.isEmpty())
            text += QStringLiteral(" — ") + st.recordedNote.toHtmlEscaped();
        if (!st.recordedOverride.isEmpty())
            text += tr(" <span style='color:#666'>(overrides %1: %2)</span>").arg(VerdictText::toString(st.proposed), st.recordedOverride.toHtmlEscaped());
        m_recorded->setText(text);
    } else if (st.hasProposal) {
        m_recorded->setText(tr("<span style='color:#666'>The run holds the proposed verdict until you record yours.</span>"));
    } else {
        m_recorded->setText(tr("<span style='color:#666'>Not judged in this sitting.</span>"));
    }
}

void CheckDetailPane::submitVerdict()
{
    if (!m_record->isEnabled())
        return;
    const CheckState st = m_states.value(m_check.id);
    const Verdict chosen = chosenVerdict();
    const bool overriding = st.hasProposal && chosen != st.proposed;
    Q_EMIT verdictSubmitted(m_check.id, chosen, m_note->text().trimmed(), overriding ? m_overrideReason->text().trimmed() : QString());
}

void CheckDetailPane::setSession(const QString &checkId, Session session)
{
    m_sessionCheck = session == Session::None ? QString() : checkId;
    m_session = session;
    if (session != Session::None) {
        // A new attempt: its evidence and proposal replace the previous one's.
        CheckState &st = m_states[checkId];
        st.outcomes.clear();
        st.hasProposal = false;
        st.runningStep = -1;
        st.promptStep = -1;
    }
    updateRows();
    updateSessionBar();
    updateEvidence();
    updateVerdictBar();
}

void CheckDetailPane::setBusy(bool busy, const QString &why)
{
    m_busy = busy;
    m_busyWhy = why;
    updateRows();
    updateSessionBar();
    updateVerdictBar();
}

void CheckDetailPane::stepStarted(const QString &checkId, int index)
{
    m_states[checkId].runningStep = index;
    if (checkId != m_check.id)
        return;
    m_selected = index;
    updateRows();
    updateSessionBar();
    updateEvidence();
}

void CheckDetailPane::stepFinished(const QString &checkId, const StepOutcome &outcome)
{
    CheckState &st = m_states[checkId];
    st.outcomes.insert(outcome.index, outcome);
    st.runningStep = -1;
    if (st.promptStep == outcome.index)
        st.promptStep = -1;
    if (checkId != m_check.id)
        return;
    m_selected = outcome.index;
    updateRows();
    updateSessionBar();
    updateEvidence();
    scrollToStep(outcome.index);
}

void CheckDetailPane::promptRequested(const QString &checkId, int index, const QString &text)
{
    CheckState &st = m_states[checkId];
    st.runningStep = -1;
    st.promptStep = index;
    st.promptText = text;
    if (checkId != m_check.id)
        return;
    m_selected = index;
    updateRows();
    updateSessionBar();
    updateEvidence();
    m_promptNote->setFocus();
}

void CheckDetailPane::checkFinished(const CheckResult &proposed)
{
    CheckState &st = m_states[proposed.checkId];
    st.hasProposal = true;
    st.proposed = proposed.verdict;
    st.proposedNote = proposed.note;
    st.proposedWhy = VerdictExplanation::of(proposed, proposed.checkId == m_check.id ? &m_check : nullptr).html(proposed.metrics);
    st.runningStep = -1;
    st.promptStep = -1;
    st.recorded = false;
    if (proposed.checkId == m_sessionCheck) {
        m_sessionCheck.clear();
        m_session = Session::None;
    }
    if (proposed.checkId != m_check.id) {
        updateRows(); // Run buttons of the shown check are free again
        updateSessionBar();
        return;
    }
    updateRows();
    updateSessionBar();
    updateEvidence();
    presetVerdict();
}

void CheckDetailPane::verdictRecorded(const QString &checkId, Verdict verdict, const QString &note, const QString &overrideReason)
{
    CheckState &st = m_states[checkId];
    st.recorded = true;
    st.recordedVerdict = verdict;
    st.recordedNote = note;
    st.recordedOverride = overrideReason;
    if (checkId == m_check.id)
        presetVerdict();
}
