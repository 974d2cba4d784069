#include "rejudgedialog.h"

#include "expectationoutcome.h"
#include "metricformat.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleValidator>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace {
enum Column { MetricCol, OpCol, BoundCol, MeasuredCol, HoldsCol };

const QList<Expectation::Op> ops = {Expectation::Op::Less, Expectation::Op::LessEqual, Expectation::Op::Equal,
                                    Expectation::Op::NotEqual, Expectation::Op::GreaterEqual, Expectation::Op::Greater};
} // namespace

RejudgeDialog::RejudgeDialog(const QString &runId, const CheckResult &result, const QList<Expectation> &expectations, QWidget *parent)
    : QDialog(parent)
    , m_runId(runId)
    , m_result(result)
    , m_table(new QTableWidget(0, 5, this))
    , m_preview(new QLabel(this))
{
    setObjectName(QStringLiteral("rejudgeDialog"));
    setWindowTitle(tr("Re-judge %1").arg(result.title.isEmpty() ? result.checkId : result.title));
    for (const QString &f : result.failures)
        if (!ExpectationOutcome::fromFailure(f))
            m_otherFailures << f;

    auto *intro = new QLabel(tr("Judge the stored metrics of <b>%1</b> against other bounds. The measurements do not change; "
                                "the verdict they give does, and the old one stays in the run's history.")
                                 .arg((result.title.isEmpty() ? result.checkId : result.title).toHtmlEscaped()),
                             this);
    intro->setWordWrap(true);
    m_table->setObjectName(QStringLiteral("rejudgeTable"));
    m_table->setHorizontalHeaderLabels({tr("Metric"), tr("Op"), tr("Bound"), tr("Measured"), tr("Holds")});
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(MetricCol, QHeaderView::Stretch);
    for (int c = OpCol; c <= HoldsCol; ++c)
        m_table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_preview->setObjectName(QStringLiteral("rejudgePreview"));
    m_preview->setTextFormat(Qt::RichText);
    m_preview->setWordWrap(true);

    auto *add = new QPushButton(tr("Add bound"), this);
    add->setObjectName(QStringLiteral("rejudgeAdd"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Re-judge"));
    buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("rejudgeOk"));
    buttons->addButton(add, QDialogButtonBox::ActionRole);
    auto *remove = new QPushButton(tr("Remove bound"), this);
    remove->setObjectName(QStringLiteral("rejudgeRemove"));
    remove->setToolTip(tr("Drop the selected bound: the verdict is judged without it"));
    buttons->addButton(remove, QDialogButtonBox::ActionRole);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_table, 1);
    if (!m_otherFailures.isEmpty()) {
        auto *other = new QLabel(tr("Not decided by bounds (stays a failure): %1").arg(m_otherFailures.join(QStringLiteral("; ")).toHtmlEscaped()), this);
        other->setWordWrap(true);
        other->setStyleSheet(QStringLiteral("color:#c62828"));
        layout->addWidget(other);
    }
    layout->addWidget(m_preview);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(remove, &QPushButton::clicked, this, [this] {
        const int row = m_table->currentRow() >= 0 ? m_table->currentRow() : m_table->rowCount() - 1;
        removeRow(row);
    });
    connect(add, &QPushButton::clicked, this, [this] {
        Expectation e;
        e.metric = m_result.metrics.isEmpty() ? QString() : m_result.metrics.firstKey();
        e.op = Expectation::Op::LessEqual;
        e.bound = m_result.metrics.value(e.metric);
        addRow(e);
    });
    for (const Expectation &e : expectations)
        addRow(e);
    update();
    resize(640, 360);
}

void RejudgeDialog::addRow(const Expectation &e)
{
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    auto *metric = new QComboBox(m_table);
    metric->setEditable(true);
    metric->addItems(m_result.metrics.keys());
    metric->setCurrentText(e.metric);
    auto *op = new QComboBox(m_table);
    for (Expectation::Op o : ops)
        op->addItem(Expectation::opText(o), int(o));
    op->setCurrentIndex(int(ops.indexOf(e.op)));
    auto *bound = new QLineEdit(MetricFormat::number(e.bound), m_table);
    bound->setObjectName(QStringLiteral("rejudgeBound_%1").arg(row));
    auto *validator = new QDoubleValidator(bound);
    validator->setLocale(QLocale::c());
    bound->setValidator(validator);
    m_table->setCellWidget(row, MetricCol, metric);
    m_table->setCellWidget(row, OpCol, op);
    m_table->setCellWidget(row, BoundCol, bound);
    m_table->setItem(row, MeasuredCol, new QTableWidgetItem);
    m_table->setItem(row, HoldsCol, new QTableWidgetItem);
    connect(metric, &QComboBox::currentTextChanged, this, &RejudgeDialog::update);
    connect(op, &QComboBox::currentIndexChanged, this, &RejudgeDialog::update);
    connect(bound, &QLineEdit::textChanged, this, &RejudgeDialog::update);
    update();
}

void RejudgeDialog::removeRow(int row)
{
    if (row < 0 || row >= m_table->rowCount())
        return;
    m_table->removeRow(row);
    update();
}

void RejudgeDialog::setBound(int row, double bound)
{
    if (auto *edit = qobject_cast<QLineEdit *>(m_table->cellWidget(row, BoundCol)))
        edit->setText(QString::number(bound, 'g', 12));
}

QList<Expectation> RejudgeDialog::expectations() const
{
    QList<Expectation> out;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        const auto *metric = qobject_cast<QComboBox *>(m_table->cellWidget(row, MetricCol));
        const auto *op = qobject_cast<QComboBox *>(m_table->cellWidget(row, OpCol));
        const auto *bound = qobject_cast<QLineEdit *>(m_table->cellWidget(row, BoundCol));
        if (!metric || !op || !bound || metric->currentText().trimmed().isEmpty())
            continue;
        Expectation e;
        e.metric = metric->currentText().trimmed();
        e.op = Expectation::Op(op->currentData().toInt());
        e.bound = QLocale::c().toDouble(bound->text());
        e.text = e.metric + QLatin1Char(' ') + Expectation::opText(e.op) + QLatin1Char(' ') + MetricFormat::number(e.bound);
        out.append(e);
    }
    return out;
}

Verdict RejudgeDialog::preview() const
{
    bool pass = m_otherFailures.isEmpty();
    for (const Expectation &e : expectations())
        pass = pass && ExpectationOutcome::judge(e, m_result.metrics, m_result.saved).passed;
    return pass ? Verdict::Pass : Verdict::Fail;
}

void RejudgeDialog::update()
{
    for (int row = 0; row < m_table->rowCount(); ++row) {
        const auto *metric = qobject_cast<QComboBox *>(m_table->cellWidget(row, MetricCol));
        const QString name = metric ? metric->currentText().trimmed() : QString();
        const bool measured = m_result.metrics.contains(name);
        m_table->item(row, MeasuredCol)->setText(measured ? MetricFormat::value(name, m_result.metrics.value(name), m_result.intervals)
                                                          : tr("not measured"));
    }
    const QList<Expectation> list = expectations();
    int i = 0;
    for (int row = 0; row < m_table->rowCount() && i < list.size(); ++row) {
        const auto *metric = qobject_cast<QComboBox *>(m_table->cellWidget(row, MetricCol));
        if (!metric || metric->currentText().trimmed().isEmpty())
            continue;
        const bool holds = ExpectationOutcome::judge(list.at(i++), m_result.metrics, m_result.saved).passed;
        QTableWidgetItem *item = m_table->item(row, HoldsCol);
        item->setText(holds ? QStringLiteral("✓") : QStringLiteral("✗"));
        item->setForeground(holds ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28));
        item->setTextAlignment(Qt::AlignCenter);
    }
    const Verdict v = preview();
    m_preview->setText(tr("With these bounds: <b style='color:%1'>%2</b> (stored: %3)")
                           .arg(v == Verdict::Pass ? QStringLiteral("#2e7d32") : QStringLiteral("#c62828"), VerdictText::toString(v),
                                VerdictText::toString(m_result.verdict)));
}
