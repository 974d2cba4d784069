#include "childprocesssetup.h"

#include <QProcess>

#include <csignal>

#include <sys/prctl.h>
#include <unistd.h>

namespace ChildProcessSetup {

void apply(QProcess *process)
{
    const pid_t console = ::getpid();
    // Runs in the forked child before exec: only async-signal-safe calls here.
    process->setChildProcessModifier([console]() {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        // The console may have died between fork and prctl; then nobody would send the signal.
        if (::getppid() != console)
            ::_exit(127);
    });
}

} // namespace ChildProcessSetup
