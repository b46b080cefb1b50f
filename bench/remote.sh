#!/bin/sh
# A remote run of a cached module (stap -T NAME, pass 5 over ssh) against
# `ssh HOST true` on a warm connection to the same host, in the same run
# (DESIGN.md §5: <= 2x, plus the upload).  The host is a private sshd on
# 127.0.0.1 (tests/sshd.sh) with a stand-in loader that ends at once, so
# the figures are the transport's: the facts check with the private
# folder (one round trip), the upload with its digest check and the run
# command (the second).  stap reuses the anchor's master as it would a
# user's ControlMaster (their ssh config names its ControlPath); the run
# with a connection of stap's own is measured too.
# BENCH_RUNS (default 10) runs of each.
set -u
cd "$(dirname "$0")/.." || exit 1
O=${O:-build}
case $O in /*) ;; *) O=$PWD/$O ;; esac
N=${BENCH_RUNS:-10}
T_NAME=bench-remote
. tests/lib.sh
. tests/sshd.sh
BIN=$O/bin
rel=$(kbuild_release)
[ -x "$BIN/stap" ] && [ -x "$BIN/stap-target" ] || { echo "bench remote: programs not built" >&2; exit 1; }
[ -n "$rel" ] && sshd_usable || { echo "bench remote: needs kernel headers and openssh-server" >&2; exit 1; }
trap 'sshd_stop; rm -rf "$TMP"' EXIT
sshd_start || { echo "bench remote: sshd did not start" >&2; exit 1; }
export SYSTEMTAP_DIR=$TMP/stapdir STAPAUTH_KNOWN_HOSTS_SYSTEM=$TMP/none
mkdir -p "$SYSTEMTAP_DIR"
cp tests/remote/fakeloader "$SSHD_BIN/staprun.auth"
cp tests/remote/fakeloader "$SSHD_BIN/staprun"
printf '#!/bin/sh\ncase "$1" in -r) echo %s ;; *) exec /bin/uname "$@" ;; esac\n' "$rel" >"$SSHD_BIN/uname"
chmod 755 "$SSHD_BIN/uname"
D="$SSHD_USER@127.0.0.1:$SSHD_PORT"
"$BIN/stap-target" add vm "$D" auth >/dev/null || exit 1
S='global status = 0
probe begin { printf("%d\n", status) exit() }'
ko=$("$BIN/stap" -T vm -p4 -e "$S") || exit 1
"$BIN/stap" -T vm -G status=0 -e "$S" >/dev/null 2>&1 || { echo "bench remote: a remote run fails" >&2; exit 1; }
# a warm master for the anchor
"$STAPAUTH_SSH" -o BatchMode=yes -o ControlMaster=yes -o ControlPersist=60 -S "$TMP/warm" \
	-p "$SSHD_PORT" -fN "$SSHD_USER@127.0.0.1" || exit 1
measure() {
	python3 - "$N" "$@" <<'PY'
import subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
walls = []
for _ in range(n):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    walls.append(time.perf_counter() - t)
walls.sort()
print("%.1f" % (walls[n // 2] * 1000))
PY
}
warm=$(measure "$STAPAUTH_SSH" -S "$TMP/warm" -p "$SSHD_PORT" "$SSHD_USER@127.0.0.1" true)
cold=$(measure "$STAPAUTH_SSH" -o BatchMode=yes -p "$SSHD_PORT" "$SSHD_USER@127.0.0.1" true)
upload=$(measure sh -c "'$STAPAUTH_SSH' -S '$TMP/warm' -p $SSHD_PORT $SSHD_USER@127.0.0.1 'cat >/dev/null' <'$ko'")
# the user's config names the warm master's ControlPath
cp "$SSHD_DIR/ssh_config" "$TMP/ucfg"
printf '\tControlPath %s\n' "$TMP/warm" >>"$TMP/ucfg"
printf '#!/bin/sh\nexec ssh -F %s "$@"\n' "$TMP/ucfg" >"$TMP/ussh"
chmod 755 "$TMP/ussh"
run=$(STAPAUTH_SSH=$TMP/ussh measure "$BIN/stap" -T vm -G status=0 -e "$S")
own=$(measure "$BIN/stap" -T vm -G status=0 -e "$S")
"$STAPAUTH_SSH" -S "$TMP/warm" -O exit -p "$SSHD_PORT" "$SSHD_USER@127.0.0.1" 2>/dev/null
size=$(stat -c %s "$ko")
python3 - "$warm" "$cold" "$upload" "$run" "$own" "$size" <<'PY'
import sys
warm, cold, upload, run, own = map(float, sys.argv[1:6])
size = int(sys.argv[6])
print("ssh true, warm connection (anchor): %.1f ms" % warm)
print("ssh true, new connection:           %.1f ms (%.2fx the anchor)" % (cold, cold / warm))
print("upload of the %d-byte module, warm:  %.1f ms" % (size, upload))
print("stap -T remote run, cached module, the user's warm master:  %.1f ms (%.2fx the anchor; %.2fx anchor+upload; target <= 2x plus upload)"
      % (run, run / warm, run / (warm + upload)))
print("stap -T remote run, cached module, a connection of its own:  %.1f ms (%.2fx a new connection plus upload)"
      % (own, own / (cold + upload)))
PY
