#pragma once

#include <QString>

class QProcess;

// Starts a QProcess inside a lab host's network namespace: the child joins it with setns() before
// exec (not `ip netns exec`, which also remounts /sys). Call after the process's other child
// setup (ChildProcessSetup::apply) and before start(); call release() once start() returned.
class NamespaceLaunch
{
public:
    NamespaceLaunch() = default;
    ~NamespaceLaunch() { release(); }
    NamespaceLaunch(const NamespaceLaunch &) = delete;
    NamespaceLaunch &operator=(const NamespaceLaunch &) = delete;

    // nsPath: /run/netns/NAME. False (with *error) when the namespace cannot be opened.
    bool prepare(QProcess *process, const QString &nsPath, QString *error = nullptr);
    // Closes the console's handle on the namespace (the child holds its own from then on).
    void release();

private:
    int m_fd = -1;
};
