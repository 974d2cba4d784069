#include "childprocesssetup.h"

#include <QProcess>

#include <csignal>

#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <vector>

namespace ChildProcessSetup {

void apply(QProcess *process, Options options)
{
    const pid_t console = ::getpid();
    // Runs in the forked child before exec: only async-signal-safe calls here.
    process->setChildProcessModifier([console, options]() {
        // "0" moves the writing process itself; a child outside its scope must not run at all.
        if (options.cgroupProcsFd >= 0 && ::write(options.cgroupProcsFd, "0", 1) != 1)
            ::_exit(126);
        ::setpgid(0, 0);
        if (options.switchUser
            && (::setgroups(options.groups.size(), options.groups.data()) != 0 || ::setgid(options.gid) != 0
                || ::setuid(options.uid) != 0))
            ::_exit(126); // never run a service with more privilege than the lab asked for
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (options.subreaper)
            ::prctl(PR_SET_CHILD_SUBREAPER, 1);
        // The console may have died between fork and prctl; then nobody would send the signal.
        if (::getppid() != console)
            ::_exit(127);
    });
}

} // namespace ChildProcessSetup
