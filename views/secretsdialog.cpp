#include "secretsdialog.h"

#include "elidedname.h"
#include "keychainstore.h"
#include "sessionsecrets.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace {
const QString kMask = QStringLiteral("••••••••");
}

SecretsDialog::SecretsDialog(const Lab &lab, QWidget *parent)
    : QDialog(parent)
    , m_lab(lab)
    , m_store(new KeychainStore(this))
    , m_table(new QTableWidget(this))
    , m_error(new QLabel(this))
    , m_empty(new QLabel(tr("This lab declares no secrets."), this))
    , m_set(new QPushButton(tr("Set…"), this))
    , m_generate(new QPushButton(tr("Generate"), this))
    , m_clear(new QPushButton(tr("Clear"), this))
    , m_reveal(new QPushButton(tr("Reveal"), this))
    , m_refresh(new QPushButton(tr("Check Again"), this))
{
    setObjectName(QStringLiteral("secretsDialog"));
    setWindowTitle(tr("Secrets of %1").arg(elidedName(lab.name.isEmpty() ? lab.id : lab.name)));
    resize(720, 360);

    m_error->setObjectName(QStringLiteral("keychainError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("QLabel { background: #fde7e9; color: #a4262c; border: 1px solid #a4262c; padding: 6px; font-weight: bold; }"));
    m_error->hide();

    auto *intro = new QLabel(tr("Stored in the OS keychain under \"%1\", never on disk by the console. "
                                "HALAB_SECRET_<NAME> environment variables override them.")
                                 .arg(KeychainStore::key(lab.id, QStringLiteral("…"))),
                             this);
    intro->setWordWrap(true);

    m_table->setObjectName(QStringLiteral("secretsTable"));
    m_table->setColumnCount(4);
    m_table->setHorizontalHeaderLabels({tr("Name"), tr("Status"), tr("Value"), tr("Description")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    // Names are what people look for ("API_KEY_ADMIN_NEW"): whole, never "API_KEY_AD…".
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_table->setTextElideMode(Qt::ElideMiddle);

    m_set->setObjectName(QStringLiteral("setSecret"));
    m_generate->setObjectName(QStringLiteral("generateSecret"));
    m_generate->setToolTip(tr("Store a new random key (32 bytes, base64url), e.g. to rotate this one"));
    m_clear->setObjectName(QStringLiteral("clearSecret"));
    m_reveal->setObjectName(QStringLiteral("revealSecrets"));
    m_reveal->setCheckable(true);
    m_reveal->setToolTip(tr("Show the values while pressed; they are masked again when the dialog closes"));
    m_refresh->setObjectName(QStringLiteral("refreshSecrets"));

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_set);
    buttons->addWidget(m_generate);
    buttons->addWidget(m_clear);
    buttons->addStretch();
    buttons->addWidget(m_reveal);
    buttons->addWidget(m_refresh);
    auto *close = new QDialogButtonBox(QDialogButtonBox::Close, this);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_error);
    layout->addWidget(intro);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_empty);
    layout->addLayout(buttons);
    layout->addWidget(close);

    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_set, &QPushButton::clicked, this, &SecretsDialog::askValue);
    connect(m_generate, &QPushButton::clicked, this, &SecretsDialog::generateValue);
    connect(m_clear, &QPushButton::clicked, this, &SecretsDialog::clearValue);
    connect(m_refresh, &QPushButton::clicked, this, &SecretsDialog::refresh);
    connect(m_reveal, &QPushButton::toggled, this, [this] {
        for (int i = 0; i < m_rows.size(); ++i)
            updateRow(i);
    });
    connect(m_table, &QTableWidget::itemSelectionChanged, this, &SecretsDialog::updateButtons);

    m_table->setRowCount(int(lab.secrets.size()));
    for (const SecretSpec &spec : lab.secrets) {
        const int row = int(m_rows.size());
        m_rows.append({spec, State::Checking, QString(), 0});
        for (int c = 0; c < 4; ++c)
            m_table->setItem(row, c, new QTableWidgetItem);
        m_table->item(row, NameColumn)->setText(spec.name);
        m_table->item(row, DescriptionColumn)->setText(spec.description);
    }
    m_empty->setVisible(lab.secrets.isEmpty());
    m_table->setVisible(!lab.secrets.isEmpty());
    if (!m_rows.isEmpty())
        m_table->selectRow(0);
    refresh();
}

void SecretsDialog::refresh()
{
    m_error->hide();
    for (int i = 0; i < m_rows.size(); ++i)
        check(i);
    updateButtons();
}

void SecretsDialog::check(int row)
{
    Row &r = m_rows[row];
    r.state = State::Checking;
    r.value.clear();
    const int generation = ++r.generation;
    updateRow(row);
    KeychainJob *job = m_store->read(m_lab.id, r.spec.name);
    connect(job, &KeychainJob::finished, this,
            [this, row, generation](bool ok, const QString &value, KeychainJob::Error kind, const QString &message) {
                Row &answered = m_rows[row];
                if (answered.generation != generation)
                    return;
                if (ok) {
                    answered.state = State::Present;
                    answered.value = value;
                } else if (kind == KeychainJob::Missing) {
                    answered.state = State::Missing;
                } else {
                    answered.state = State::Failed;
                    showError(message);
                }
                updateRow(row);
                updateButtons();
            });
}

void SecretsDialog::store(int row, const QString &value)
{
    Row &r = m_rows[row];
    r.state = State::Busy;
    const int generation = ++r.generation;
    updateRow(row);
    updateButtons();
    KeychainJob *job = m_store->write(m_lab.id, r.spec.name, value);
    connect(job, &KeychainJob::finished, this,
            [this, row, generation, value](bool ok, const QString &, KeychainJob::Error, const QString &message) {
                Row &answered = m_rows[row];
                if (answered.generation != generation)
                    return;
                if (!ok) {
                    showError(message);
                    check(row); // show what the keychain really holds now
                    updateButtons();
                    return;
                }
                answered.state = State::Present;
                answered.value = value;
                updateRow(row);
                updateButtons();
                Q_EMIT secretChanged(answered.spec.name);
            });
}

void SecretsDialog::askValue()
{
    const int row = currentRow();
    if (row < 0)
        return;
    // Not exec(): a nested event loop would stall keychain answers and other windows.
    auto *input = new QInputDialog(this);
    input->setObjectName(QStringLiteral("secretValueDialog"));
    input->setAttribute(Qt::WA_DeleteOnClose);
    input->setWindowTitle(tr("Set %1").arg(m_rows.at(row).spec.name));
    input->setLabelText(tr("New value of %1 (stored in the keychain):").arg(m_rows.at(row).spec.name));
    input->setTextEchoMode(QLineEdit::Password);
    const QString name = m_rows.at(row).spec.name;
    connect(input, &QInputDialog::textValueSelected, this, [this, row, name](const QString &value) {
        if (row >= m_rows.size() || m_rows.at(row).spec.name != name)
            return;
        if (value.isEmpty()) {
            showError(tr("An empty value was not stored; use Clear to remove %1.").arg(name));
            return;
        }
        store(row, value);
    });
    input->open();
}

void SecretsDialog::generateValue()
{
    const int row = currentRow();
    if (row < 0)
        return;
    if (m_rows.at(row).state == State::Present)
        confirm(tr("Replace %1 with a new random value? Services started with the old value keep it until restarted.")
                    .arg(m_rows.at(row).spec.name),
                tr("Replace"), row, &SecretsDialog::doGenerate);
    else
        doGenerate(row);
}

void SecretsDialog::doGenerate(int row)
{
    store(row, SessionSecrets::generate());
}

void SecretsDialog::clearValue()
{
    const int row = currentRow();
    if (row < 0)
        return;
    const SecretSpec &spec = m_rows.at(row).spec;
    confirm(spec.generateIfMissing ? tr("Remove %1 from the keychain? A new random value is made on next use.").arg(spec.name)
                                   : tr("Remove %1 from the keychain? The lab cannot start its stack until it is set again.").arg(spec.name),
            tr("Remove"), row, &SecretsDialog::doClear);
}

void SecretsDialog::doClear(int row)
{
    Row &r = m_rows[row];
    r.state = State::Busy;
    const int generation = ++r.generation;
    updateRow(row);
    updateButtons();
    KeychainJob *job = m_store->remove(m_lab.id, r.spec.name);
    connect(job, &KeychainJob::finished, this,
            [this, row, generation](bool ok, const QString &, KeychainJob::Error kind, const QString &message) {
                Row &answered = m_rows[row];
                if (answered.generation != generation)
                    return;
                if (!ok && kind != KeychainJob::Missing) {
                    showError(message);
                    check(row);
                    updateButtons();
                    return;
                }
                answered.state = State::Missing;
                answered.value.clear();
                updateRow(row);
                updateButtons();
                Q_EMIT secretChanged(answered.spec.name);
            });
}

void SecretsDialog::confirm(const QString &text, const QString &action, int row, void (SecretsDialog::*then)(int))
{
    // open(), not exec(): the dialog keeps processing keychain answers while the question is up.
    auto *box = new QMessageBox(QMessageBox::Question, windowTitle(), text, QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("confirmSecretAction"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *yes = box->addButton(action, QMessageBox::AcceptRole);
    yes->setObjectName(QStringLiteral("confirmSecretActionYes"));
    box->setDefaultButton(QMessageBox::Cancel);
    const QString name = m_rows.at(row).spec.name;
    connect(box, &QMessageBox::buttonClicked, this, [this, yes, row, name, then](QAbstractButton *clicked) {
        if (clicked == yes && row < m_rows.size() && m_rows.at(row).spec.name == name)
            (this->*then)(row);
    });
    box->open();
}

void SecretsDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->show();
}

void SecretsDialog::updateRow(int row)
{
    const Row &r = m_rows.at(row);
    QString status;
    QString value;
    switch (r.state) {
    case State::Checking:
        status = tr("checking…");
        break;
    case State::Present:
        status = tr("present");
        value = m_reveal->isChecked() ? r.value : kMask;
        break;
    case State::Missing:
        status = r.spec.generateIfMissing ? tr("missing (generated on first use)") : tr("missing");
        break;
    case State::Failed:
        status = tr("unknown (keychain error)");
        break;
    case State::Busy:
        status = tr("saving…");
        break;
    }
    m_table->item(row, StatusColumn)->setText(status);
    m_table->item(row, ValueColumn)->setText(value);
}

void SecretsDialog::updateButtons()
{
    const int row = currentRow();
    const bool idle = row >= 0 && m_rows.at(row).state != State::Busy && m_rows.at(row).state != State::Checking;
    m_set->setEnabled(idle);
    m_generate->setEnabled(idle);
    m_clear->setEnabled(idle && m_rows.at(row).state == State::Present);
}

int SecretsDialog::currentRow() const
{
    const QList<QTableWidgetItem *> selected = m_table->selectedItems();
    return selected.isEmpty() ? -1 : selected.first()->row();
}

void SecretsDialog::hideEvent(QHideEvent *event)
{
    m_reveal->setChecked(false); // values are shown only while asked for, never on the next open
    QDialog::hideEvent(event);
}
