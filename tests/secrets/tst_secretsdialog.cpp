// SecretsDialog against a real Secret Service: checking… then present/missing, Set, Generate,
// Clear, and Reveal that masks again when the dialog hides.
#include "keychainstore.h"
#include "secretsdialog.h"
#include "secretstesthelpers.h"

#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTest>

using SecretsTest::wait;

class TestSecretsDialog : public QObject
{
    Q_OBJECT

private:
    static QString status(QTableWidget *t, int row) { return t->item(row, SecretsDialog::StatusColumn)->text(); }
    static QString value(QTableWidget *t, int row) { return t->item(row, SecretsDialog::ValueColumn)->text(); }

private Q_SLOTS:
    void initTestCase()
    {
        if (qEnvironmentVariableIsSet("HALAB_KEYRING_SKIP"))
            QSKIP(qPrintable(qEnvironmentVariable("HALAB_KEYRING_SKIP")));
        QVERIFY2(qEnvironmentVariableIsSet("HALAB_KEYRING_HOME"),
                 "run this test through tests/secrets/with-keyring.sh: it must not touch your own keyring");
    }

    void workflow()
    {
        const Lab lab = SecretsTest::lab(QStringLiteral("test.dialog"));
        KeychainStore store;
        QVERIFY(wait(store.write(lab.id, QStringLiteral("API_KEY"), QStringLiteral("preset-value-123"))).ok);

        SecretsDialog dialog(lab);
        QSignalSpy changed(&dialog, &SecretsDialog::secretChanged);
        auto *table = dialog.findChild<QTableWidget *>(QStringLiteral("secretsTable"));
        auto *error = dialog.findChild<QLabel *>(QStringLiteral("keychainError"));
        auto *reveal = dialog.findChild<QPushButton *>(QStringLiteral("revealSecrets"));
        auto *set = dialog.findChild<QPushButton *>(QStringLiteral("setSecret"));
        auto *generate = dialog.findChild<QPushButton *>(QStringLiteral("generateSecret"));
        auto *clear = dialog.findChild<QPushButton *>(QStringLiteral("clearSecret"));
        QVERIFY(table && error && reveal && set && generate && clear);
        QCOMPARE(table->rowCount(), 2);
        // Nothing is known before the keychain answers, and the constructor did not wait for it.
        QCOMPARE(status(table, 0), QStringLiteral("checking…"));
        QCOMPARE(status(table, 1), QStringLiteral("checking…"));

        dialog.show();
        QTRY_COMPARE_WITH_TIMEOUT(status(table, 0), QStringLiteral("present"), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(status(table, 1), QStringLiteral("missing (generated on first use)"), 30000);
        QVERIFY(!error->isVisible());

        // Reveal shows values while pressed; hiding the dialog masks them again.
        QVERIFY(!value(table, 0).contains(QLatin1String("preset")));
        QVERIFY(!value(table, 0).isEmpty());
        reveal->click();
        QCOMPARE(value(table, 0), QStringLiteral("preset-value-123"));
        dialog.hide();
        QVERIFY(!reveal->isChecked());
        QVERIFY(!value(table, 0).contains(QLatin1String("preset")));
        dialog.show();

        // Generate a missing one: no question asked.
        table->selectRow(1);
        QVERIFY(generate->isEnabled());
        QVERIFY(!clear->isEnabled()); // nothing to clear
        generate->click();
        QTRY_COMPARE_WITH_TIMEOUT(status(table, 1), QStringLiteral("present"), 30000);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.at(0).at(0).toString(), QStringLiteral("TOKEN_SECRET"));
        const QString generated = wait(store.read(lab.id, QStringLiteral("TOKEN_SECRET"))).value;
        QCOMPARE(generated.size(), 43);

        // Generate over a present one asks first; Cancel keeps it.
        generate->click();
        QMessageBox *box = nullptr;
        QTRY_VERIFY((box = dialog.findChild<QMessageBox *>(QStringLiteral("confirmSecretAction"))) && box->isVisible());
        box->button(QMessageBox::Cancel)->click();
        QTest::qWait(200);
        QCOMPARE(wait(store.read(lab.id, QStringLiteral("TOKEN_SECRET"))).value, generated);
        QCOMPARE(changed.count(), 1);

        // Set: masked entry.
        table->selectRow(0);
        set->click();
        QInputDialog *input = nullptr;
        QTRY_VERIFY((input = dialog.findChild<QInputDialog *>(QStringLiteral("secretValueDialog"))) && input->isVisible());
        QCOMPARE(input->textEchoMode(), QLineEdit::Password);
        input->setTextValue(QStringLiteral("typed-value-456"));
        input->accept();
        QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 2, 30000);
        QCOMPARE(status(table, 0), QStringLiteral("present"));
        QCOMPARE(wait(store.read(lab.id, QStringLiteral("API_KEY"))).value, QStringLiteral("typed-value-456"));
        reveal->click();
        QCOMPARE(value(table, 0), QStringLiteral("typed-value-456"));
        reveal->click();

        // Clear asks, then removes.
        QTRY_VERIFY(clear->isEnabled());
        clear->click();
        QTRY_VERIFY((box = dialog.findChild<QMessageBox *>(QStringLiteral("confirmSecretAction"))) && box->isVisible());
        auto *yes = box->findChild<QPushButton *>(QStringLiteral("confirmSecretActionYes"));
        QVERIFY(yes);
        yes->click();
        QTRY_COMPARE_WITH_TIMEOUT(status(table, 0), QStringLiteral("missing"), 30000);
        QCOMPARE(changed.count(), 3);
        QCOMPARE(wait(store.read(lab.id, QStringLiteral("API_KEY"))).kind, KeychainJob::Missing);
        QVERIFY(value(table, 0).isEmpty());
        QVERIFY(!error->isVisible());
    }
};

QTEST_MAIN(TestSecretsDialog)
#include "tst_secretsdialog.moc"
