#pragma once

#include "checkspec.h"

#include <QWidget>

class QTextBrowser;

// The selected check: what it proves, whether it applies, its steps and expectations.
class CheckDetailPane : public QWidget
{
    Q_OBJECT

public:
    explicit CheckDetailPane(QWidget *parent = nullptr);

    void showCheck(const CheckSpec *check, bool applicable);
    QString shownCheckId() const { return m_checkId; }

private:
    QTextBrowser *m_view;
    QString m_checkId;
};
