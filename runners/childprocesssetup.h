#pragma once

#include <sys/types.h>

#include <vector>

class QProcess;

// Child-side setup of every process the console starts for a stack.
namespace ChildProcessSetup {
struct Options
{
    // An open cgroup.procs file of the scope's cgroup: the child moves itself there before exec,
    // so everything it ever starts, in any session, belongs to the scope. -1: no cgroup.
    int cgroupProcsFd = -1;
    // Without a cgroup: the child becomes a subreaper, so descendants that daemonize (parent
    // exits, setsid) are re-parented to it and stay in its tree instead of going to init.
    bool subreaper = false;
    // Run as another user (a lab's `user:` / `group:`): the child calls setgroups, setgid and
    // setuid itself after the cgroup move and before exec, so no wrapper process sits between
    // the console and the daemon. The death signal is set after the switch (the kernel clears
    // it when credentials change).
    bool switchUser = false;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
};

// Before exec the child gets its own process group (so signals reach its whole group) and
// PR_SET_PDEATHSIG(SIGKILL) (so it dies with the console). Call before QProcess::start().
// The death signal follows the thread that starts the process: start services from a thread
// that lives as long as the console (the GUI thread).
void apply(QProcess *process, Options options = {});
} // namespace ChildProcessSetup
