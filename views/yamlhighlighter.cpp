#include "yamlhighlighter.h"

#include <QRegularExpression>

YamlHighlighter::YamlHighlighter(QTextDocument *document)
    : QSyntaxHighlighter(document)
{
}

void YamlHighlighter::highlightBlock(const QString &text)
{
    static const QRegularExpression key(QStringLiteral(R"(^\s*(?:-\s+)?([A-Za-z_][\w.-]*)\s*:(?=\s|$))"));
    static const QRegularExpression quoted(QStringLiteral(R"("(?:[^"\\]|\\.)*"|'[^']*')"));
    static const QRegularExpression substitution(QStringLiteral(R"(\$\{[A-Za-z_][\w.]*\})"));
    static const QRegularExpression dash(QStringLiteral(R"(^\s*-(?=\s))"));
    QTextCharFormat keyFormat;
    keyFormat.setForeground(QColor(0x0b, 0x5c, 0xad));
    keyFormat.setFontWeight(QFont::DemiBold);
    QTextCharFormat stringFormat;
    stringFormat.setForeground(QColor(0x1a, 0x7f, 0x37));
    QTextCharFormat substitutionFormat;
    substitutionFormat.setForeground(QColor(0x8250df));
    QTextCharFormat commentFormat;
    commentFormat.setForeground(QColor(0x6e, 0x77, 0x81));
    commentFormat.setFontItalic(true);

    if (const QRegularExpressionMatch m = dash.match(text); m.hasMatch())
        setFormat(int(m.capturedStart()), int(m.capturedLength()), keyFormat);
    if (const QRegularExpressionMatch m = key.match(text); m.hasMatch())
        setFormat(int(m.capturedStart(1)), int(m.capturedLength(1)), keyFormat);
    for (auto it = quoted.globalMatch(text); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        setFormat(int(m.capturedStart()), int(m.capturedLength()), stringFormat);
    }
    for (auto it = substitution.globalMatch(text); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        setFormat(int(m.capturedStart()), int(m.capturedLength()), substitutionFormat);
    }
    // A comment starts at '#' at the line start or after white space, outside quotes.
    bool inSingle = false, inDouble = false;
    for (int i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c == QLatin1Char('\'') && !inDouble)
            inSingle = !inSingle;
        else if (c == QLatin1Char('"') && !inSingle)
            inDouble = !inDouble;
        else if (c == QLatin1Char('#') && !inSingle && !inDouble && (i == 0 || text.at(i - 1).isSpace())) {
            setFormat(i, int(text.size()) - i, commentFormat);
            break;
        }
    }
}
