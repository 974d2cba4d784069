#!/bin/sh
# with-keyring.sh CMD [ARGS...]: runs CMD against a real, unlocked Secret Service (gnome-keyring)
# on a private D-Bus session bus, in a throwaway HOME, so tests never touch the user's keyring.
# If gnome-keyring-daemon or dbus-run-session is missing, CMD still runs with
# HALAB_KEYRING_SKIP=<reason> so the test can QSKIP with that reason.
set -eu

if [ "$#" -eq 0 ]; then
    echo "usage: with-keyring.sh CMD [ARGS...]" >&2
    exit 2
fi

for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        HALAB_KEYRING_SKIP="$tool is not installed (Debian: apt install gnome-keyring dbus-x11 dbus-bin)"
        export HALAB_KEYRING_SKIP
        exec "$@"
    fi
done

# Everything the keyring or the test writes lands under one 0700 directory, removed on exit.
base=$(mktemp -d "${TMPDIR:-/tmp}/halab-keyring.XXXXXX")
chmod 0700 "$base"
trap 'rm -rf "$base"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for d in home data config cache runtime; do
    mkdir -m 0700 "$base/$d"
done
HOME="$base/home"
XDG_DATA_HOME="$base/data"
XDG_CONFIG_HOME="$base/config"
XDG_CACHE_HOME="$base/cache"
XDG_RUNTIME_DIR="$base/runtime"
HALAB_KEYRING_HOME="$base" # lets a test scan every file the run produced
export HOME XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME XDG_RUNTIME_DIR HALAB_KEYRING_HOME
# A display would let D-Bus autolaunch or gnome-keyring prompt on the user's desktop: none here.
unset DISPLAY WAYLAND_DISPLAY HALAB_KEYRING_SKIP || true

# The inner script starts the daemon, waits for org.freedesktop.secrets, runs CMD, then ends
# exactly the daemon it started (by the PID the bus reports for that name).
inner='
set -u
out=$(printf %s testpw | gnome-keyring-daemon --unlock --components=secrets) || {
    echo "with-keyring.sh: gnome-keyring-daemon --unlock failed" >&2; exit 1; }
# gnome-keyring 42 prints nothing for --components=secrets; honour any VAR=value it does print.
for line in $out; do
    case "$line" in
        [A-Z_]*=*) export "$line"; echo "with-keyring.sh: gnome-keyring-daemon: $line" >&2 ;;
    esac
done
pid=""
i=0
while [ "$i" -lt 100 ]; do
    reply=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null) && {
        pid=$(printf %s "$reply" | sed -n "s/.*uint32 \([0-9][0-9]*\).*/\1/p"); break; }
    i=$((i + 1))
    sleep 0.05
done
if [ -z "$pid" ]; then
    echo "with-keyring.sh: the Secret Service (org.freedesktop.secrets) did not appear on the session bus" >&2
    exit 1
fi
rc=0
"$@" || rc=$?
kill "$pid" 2>/dev/null || true
exit "$rc"
'
rc=0
dbus-run-session -- sh -c "$inner" with-keyring "$@" || rc=$?
exit "$rc"
