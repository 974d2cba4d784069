#pragma once

#include <QSyntaxHighlighter>

// YAML as a lab is written: keys, comments, quoted strings, ${NAME} substitutions, list dashes.
class YamlHighlighter : public QSyntaxHighlighter
{
    Q_OBJECT

public:
    explicit YamlHighlighter(QTextDocument *document);

protected:
    void highlightBlock(const QString &text) override;
};
