#pragma once

#include <QString>
#include <QStringList>

// The options of the halab window, parsed once and testable without a display.
class GuiCommandLine
{
public:
    // Parses argv; on --help / --version / a bad option it prints and sets exitCode().
    bool parse(const QStringList &arguments);

    bool selfTest() const { return m_selfTest; }
    QString labPath() const { return m_labPath; }
    QString storePath() const { return m_storePath; }
    QString demoCheck() const { return m_demoCheck; }
    int exitCode() const { return m_exitCode; }

private:
    bool m_selfTest = false;
    QString m_labPath;
    QString m_storePath;
    QString m_demoCheck;
    int m_exitCode = 0;
};
