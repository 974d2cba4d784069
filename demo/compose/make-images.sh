#!/bin/sh
# Builds the demo stack's images from this machine's own binaries, without any registry:
#   halab/redis:local     /usr/bin/redis-server
#   halab/demo-api:local  halab-demo-api (from BIN_DIR)
#   halab/nginx:local     /usr/sbin/nginx, plus sh + sed to render the LB template at start
# Each image is a root filesystem assembled in a temporary directory (binaries and the shared
# libraries ldd names, the dynamic loader included, a minimal /etc), checked with chroot, then
# brought in with `docker import`.
#
# Usage: make-images.sh [BIN_DIR]     (BIN_DIR defaults to $HALAB_BIN_DIR)
# The Docker engine is whatever `docker` talks to (DOCKER_HOST is honoured). Needs root (chroot).
set -eu

BIN_DIR=${1:-${HALAB_BIN_DIR:-}}
REDIS=${HALAB_REDIS_SERVER:-/usr/bin/redis-server}
NGINX=${HALAB_NGINX:-/usr/sbin/nginx}

die() {
    echo "make-images.sh: $*" >&2
    exit 1
}

[ -n "$BIN_DIR" ] || die "no build dir: pass the folder holding halab-demo-api or set HALAB_BIN_DIR"
API="$BIN_DIR/halab-demo-api"
[ -x "$API" ] || die "$API is missing: build the halab-demo-api target first"
[ -x "$REDIS" ] || die "$REDIS is missing: apt-get install redis-server"
[ -x "$NGINX" ] || die "$NGINX is missing: apt-get install nginx-light (or nginx)"
command -v docker >/dev/null 2>&1 || die "docker is not installed: apt-get install docker.io docker-compose"
command -v chroot >/dev/null 2>&1 || die "chroot is missing (coreutils)"
[ "$(id -u)" = 0 ] || die "run as root: the images are checked with chroot"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 \
    || die "cannot reach the Docker engine at ${DOCKER_HOST:-unix:///var/run/docker.sock}: is dockerd running?"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/halab-images.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

# Copies a file and every library it links (as ldd resolves them on this machine) into ROOT.
copy_with_libs() {
    root=$1
    file=$2
    dest=${3:-$file}
    mkdir -p "$root$(dirname "$dest")"
    cp -L "$file" "$root$dest"
    # "libx.so => /path (addr)" and the loader's bare "/lib64/ld-linux-x86-64.so.2 (addr)".
    ldd "$file" 2>/dev/null | sed -n -e 's/.*=> \(\/[^ ]*\) .*/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' |
        while read -r lib; do
            [ -e "$root$lib" ] && continue
            mkdir -p "$root$(dirname "$lib")"
            cp -L "$lib" "$root$lib"
        done
}

base_root() {
    root=$1
    mkdir -p "$root/etc" "$root/tmp" "$root/data" "$root/run" "$root/root"
    chmod 1777 "$root/tmp"
    cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
    cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
    cat >"$root/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF
    cat >"$root/etc/hosts" <<'EOF'
127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
EOF
}

# Runs the image's smoke command inside ROOT: a missing library shows here, not in compose.
check_root() {
    root=$1
    shift
    chroot "$root" "$@" >"$WORK/check.log" 2>&1 || {
        cat "$WORK/check.log" >&2
        die "'$*' does not start inside the image's root filesystem ($root)"
    }
}

import_root() {
    root=$1
    tag=$2
    shift 2
    # Numeric owners: the host's user names mean nothing inside the image.
    tar --numeric-owner -C "$root" -cf - . | docker import "$@" - "$tag" >/dev/null
    echo "imported $tag ($(du -sh "$root" | cut -f1))"
}

# --- redis -----------------------------------------------------------------------------------
R="$WORK/redis"
base_root "$R"
copy_with_libs "$R" "$REDIS" /usr/bin/redis-server
check_root "$R" /usr/bin/redis-server --version
import_root "$R" halab/redis:local \
    --change 'ENTRYPOINT ["/usr/bin/redis-server"]' \
    --change 'WORKDIR /data'

# --- demo API --------------------------------------------------------------------------------
A="$WORK/api"
base_root "$A"
copy_with_libs "$A" "$API" /usr/local/bin/halab-demo-api
# QtNetwork looks for a TLS backend at start-up (and warns on every lookup without one); its
# OpenSSL plugin loads libssl at run time, so ldd of the plugin alone does not name it.
QT_PLUGINS=${HALAB_QT_PLUGINS:-$(qtpaths6 --query QT_INSTALL_PLUGINS 2>/dev/null || echo /usr/lib/x86_64-linux-gnu/qt6/plugins)}
if [ -e "$QT_PLUGINS/tls/libqopensslbackend.so" ]; then
    copy_with_libs "$A" "$QT_PLUGINS/tls/libqopensslbackend.so"
    for lib in libssl.so.3 libcrypto.so.3; do
        path=$(ldconfig -p | sed -n "s/.*$lib (libc6,x86-64) => //p" | head -n1)
        [ -n "$path" ] && copy_with_libs "$A" "$path"
    done
fi
check_root "$A" /usr/local/bin/halab-demo-api --version
import_root "$A" halab/demo-api:local \
    --change 'ENTRYPOINT ["/usr/local/bin/halab-demo-api"]' \
    --change 'ENV HOME=/root' \
    --change 'WORKDIR /data'

# --- nginx -----------------------------------------------------------------------------------
N="$WORK/nginx"
base_root "$N"
copy_with_libs "$N" "$NGINX" /usr/sbin/nginx
copy_with_libs "$N" "$(readlink -f /bin/sh)" /bin/sh
copy_with_libs "$N" "$(command -v sed)" /bin/sed
# Compiled-in defaults nginx touches before it reads our config (error log, temp paths).
mkdir -p "$N/var/log/nginx" "$N/var/lib/nginx" "$N/etc/nginx" "$N/run/halab-nginx" "$N/etc/halab" \
    "$N/usr/local/bin"
cat >"$N/usr/local/bin/halab-nginx" <<'EOF'
#!/bin/sh
# Renders the mounted demo template (/etc/halab/nginx.conf.in) with the ports from the
# environment, then runs nginx in the foreground as the container's main process.
set -e
RUN_DIR=/run/halab-nginx
sed -e "s|\${LB_PORT}|${LB_PORT:-19080}|g" \
    -e "s|\${API1_PORT}|${API1_PORT:-19081}|g" \
    -e "s|\${API2_PORT}|${API2_PORT:-19082}|g" \
    -e "s|\${RUN_DIR}|$RUN_DIR|g" \
    /etc/halab/nginx.conf.in >"$RUN_DIR/nginx.conf"
exec /usr/sbin/nginx -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -e stderr "$@"
EOF
chmod 755 "$N/usr/local/bin/halab-nginx"
check_root "$N" /usr/sbin/nginx -v
check_root "$N" /bin/sh -c 'echo ok | /bin/sed s/ok/yes/'
import_root "$N" halab/nginx:local \
    --change 'ENTRYPOINT ["/usr/local/bin/halab-nginx"]'
