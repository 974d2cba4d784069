#!/usr/bin/env python3
"""How long a SIGKILLed halab-cli leaves the demo lab's processes alive (no timed test: a number).

Usage: bench/console_sigkill.py BUILD_BIN_DIR [RUNS]   (HALAB_NO_CGROUPS=1 for the tree-walk fallback)

Each run starts `halab-cli run demo.halab.yaml --check 7` on free loopback ports with its own
data dir, waits until api2 is paused (frozen), snapshots the lab's processes (the CLI's tree
and every process carrying this run's marker in its environment), SIGKILLs the CLI and polls
/proc every 2 ms until none of them is alive (zombies count as gone). Only the CLI started
here is signalled.
"""
import os, signal, socket, subprocess, sys, tempfile, time, uuid

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/bin"
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
LAB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "labs", "demo.halab.yaml")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def stat(pid):
    try:
        text = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # state, ppid, pgid, ...


def lab_processes(root, marker):
    children, found = {}, set()
    for d in filter(str.isdigit, os.listdir("/proc")):
        f = stat(d)
        if not f or f[0] == "Z":
            continue
        children.setdefault(int(f[1]), []).append(int(d))
        children.setdefault(("group", int(f[2])), []).append(int(d))
        try:
            if marker in open(f"/proc/{d}/environ", "rb").read():
                found.add(int(d))
        except OSError:
            pass
    # The CLI's tree plus the marked ones (daemons re-parented to init), with the groups they lead.
    queue, seen = [root] + list(found), set()
    while queue:
        p = queue.pop()
        if p in seen:
            continue
        seen.add(p)
        queue += children.get(p, []) + children.get(("group", p), [])
    found = seen
    return found


def alive(pids):
    return [p for p in pids if (f := stat(p)) and f[0] != "Z"]


results = []
for run in range(RUNS):
    data = tempfile.mkdtemp(prefix="halab-sigkill-")
    marker = str(uuid.uuid4()).encode()
    env = dict(os.environ, XDG_DATA_HOME=data, HALAB_TEST_MARK=marker.decode(), QT_QPA_PLATFORM="offscreen")
    ports = [f"{name}={free_port()}" for name in ("LB_PORT", "API1_PORT", "API2_PORT", "REDIS_PORT")]
    args = [os.path.join(BIN, "halab-cli"), "run", LAB, "--check", "7", "--store", os.path.join(data, "runs.sqlite")]
    for p in ports:
        args += ["--set", p]
    cli = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = b""
    while b"pause api2" not in out:
        chunk = cli.stdout.read1(4096)
        if not chunk:
            sys.exit("halab-cli ended before the fault:\n" + out.decode(errors="replace"))
        out += chunk
    time.sleep(0.3)
    procs = lab_processes(cli.pid, b"HALAB_TEST_MARK=" + marker)
    start = time.monotonic()
    os.kill(cli.pid, signal.SIGKILL)
    cli.wait()
    while alive(procs):
        time.sleep(0.002)
    results.append((time.monotonic() - start) * 1000)
    print(f"run {run}: {len(procs)} processes, all gone {results[-1]:.1f} ms after the SIGKILL", flush=True)
results.sort()
print(f"median {results[len(results) // 2]:.1f} ms, max {results[-1]:.1f} ms over {RUNS} runs")
