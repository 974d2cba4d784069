#pragma once

class QProcess;

// Child-side setup of every process the console starts for a stack.
namespace ChildProcessSetup {
// Before exec the child gets its own process group (so signals reach its whole group) and
// PR_SET_PDEATHSIG(SIGKILL) (so it dies with the console). Call before QProcess::start().
// The death signal follows the thread that starts the process: start services from a thread
// that lives as long as the console (the GUI thread).
void apply(QProcess *process);
} // namespace ChildProcessSetup
