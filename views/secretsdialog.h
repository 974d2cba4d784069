#pragma once

#include "lab.h"

#include <QDialog>
#include <QList>

class KeychainStore;
class QLabel;
class QPushButton;
class QTableWidget;

// The lab's secrets in the OS keychain: present or missing (checked asynchronously, "checking…"
// until the keychain answers), Set (masked entry), Generate (a random key, e.g. to rotate one),
// Clear, and Reveal (values stay masked unless pressed; masked again whenever the dialog hides).
// Never blocks on the keychain. objectNames: secretsTable, keychainError, setSecret,
// generateSecret, clearSecret, revealSecrets, refreshSecrets; pop-ups: secretValueDialog,
// confirmSecretAction.
class SecretsDialog : public QDialog
{
    Q_OBJECT

public:
    enum Column { NameColumn, StatusColumn, ValueColumn, DescriptionColumn };

    explicit SecretsDialog(const Lab &lab, QWidget *parent = nullptr);

    // Asks the keychain again about every secret (e.g. after starting a Secret Service).
    void refresh();

Q_SIGNALS:
    // A value was set, generated or cleared: a running session should load() its secrets again.
    void secretChanged(const QString &name);

protected:
    void hideEvent(QHideEvent *event) override;

private:
    enum class State { Checking, Present, Missing, Failed, Busy };
    struct Row
    {
        SecretSpec spec;
        State state = State::Checking;
        QString value;
        int generation = 0; // answers to superseded requests are dropped
    };

    void check(int row);
    void store(int row, const QString &value);
    void askValue();
    void generateValue();
    void clearValue();
    void confirm(const QString &text, const QString &action, int row, void (SecretsDialog::*then)(int));
    void doGenerate(int row);
    void doClear(int row);
    void showError(const QString &message);
    void updateRow(int row);
    void updateButtons();
    int currentRow() const;

    Lab m_lab;
    KeychainStore *m_store;
    QList<Row> m_rows;
    QTableWidget *m_table;
    QLabel *m_error;
    QLabel *m_empty;
    QPushButton *m_set;
    QPushButton *m_generate;
    QPushButton *m_clear;
    QPushButton *m_reveal;
    QPushButton *m_refresh;
};
