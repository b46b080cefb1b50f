#!/bin/sh
# The fleet fan-out (stap -T FLEET, ClusterShell) on 1, 10, 50 and 200
# simulated hosts on loopback (tests/fleetsim.sh: real sshd on 200
# addresses of 127.1.0.0/16, real ssh, the staprun.auth test build deciding
# on every host, a stand-in for the module's output that ends at once).
# The module is cached: the figures are the fan-out's.  Reports the wall
# time of each (median of BENCH_RUNS, default 3) as a ratio to the 1-host
# time, hosts per second, the per-host cost (DESIGN.md §5: at 200 <= 1.5x
# the cost at 10) and where the time goes (stap -v's Fleet: line: the
# cache hit, the facts round trip, the run round trip).
# Needs root (the staprun.auth test build refuses to work otherwise).
set -u
cd "$(dirname "$0")/.." || exit 1
O=${O:-build}
case $O in /*) ;; *) O=$PWD/$O ;; esac
R=${BENCH_RUNS:-3}
MAX=${BENCH_FLEET_MAX:-200}
T_NAME=bench-fleet
STAPAUTH_O=$O
. tests/lib.sh
. tests/sshd.sh
. tests/fleetsim.sh
BIN=$O/bin
[ -x "$BIN/stap" ] && [ -x "$BIN/stap-target" ] || { echo "bench fleet: programs not built" >&2; exit 1; }
[ -n "$(kbuild_release)" ] || { echo "bench fleet: needs kernel headers" >&2; exit 1; }
why=$(fleetsim_usable) || { echo "bench fleet: $why" >&2; exit 1; }
trap 'sshd_stop; rm -rf "$TMP"' EXIT
export SYSTEMTAP_DIR=$TMP/stapdir STAPAUTH_KNOWN_HOSTS_SYSTEM=$TMP/none
mkdir -p "$SYSTEMTAP_DIR" "$TMP/t"
export TMPDIR=$TMP/t
fleetsim_start "$MAX" || { echo "bench fleet: the simulated fleet did not start" >&2; exit 1; }
S='global lines = 1, status = 0
probe begin { printf("%d %d\n", lines, status) exit() }'
ko=$("$BIN/stap" -T sim001 -p4 -e "$S") || exit 1
fleetsim_approve "$ko"
echo "bench fleet: $MAX simulated hosts up; fan-out window 64 (stap's default); $(nproc) cores; machine shared, figures noisy"
printf '%6s %10s %9s %9s %12s   %s\n' hosts "wall ms" "x 1-host" hosts/s "ms per host" "where (median run): cache hit+build / facts / run"
for n in 1 10 50 200; do
	[ "$n" -le "$MAX" ] || continue
	set="sim[001-$(printf %03d "$n")]"
	: >"$TMP/walls"
	i=0
	while [ $i -lt "$R" ]; do
		t=$(date +%s%N)
		"$BIN/stap" -v -T "$set" -G lines=1 -G status=0 -e "$S" >"$TMP/o" 2>"$TMP/e"
		rc=$?
		t=$((($(date +%s%N) - t) / 1000000))
		[ $rc = 0 ] && [ "$(grep -c "^sim[0-9]*: line 1 of 1 from" "$TMP/o")" = "$n" ] ||
			{ echo "bench fleet: $n hosts: status $rc, $(grep -c 'line 1' "$TMP/o") of $n hosts' lines: $(tail -3 "$TMP/e")" >&2; exit 1; }
		echo "$t $(sed -n 's/^Fleet: .*builds \([0-9]*\) ms, facts round trip \([0-9]*\) ms, run \([0-9]*\) ms$/\1 \2 \3/p' "$TMP/e")" >>"$TMP/walls"
		i=$((i + 1))
	done
	sort -n "$TMP/walls" | sed -n "$(((R + 1) / 2))p" >"$TMP/med"
	read -r wall b f r <"$TMP/med"
	[ "$n" = 1 ] && one=$wall
	[ "$n" = 10 ] && ten=$wall
	awk -v n="$n" -v w="$wall" -v one="${one:-$wall}" -v b="$b" -v f="$f" -v r="$r" 'BEGIN {
		printf "%6d %10d %9.2f %9.1f %12.1f   %d / %d / %d ms\n", n, w, w / one, n * 1000 / w, w / n, b, f, r }'
	[ "$n" = 200 ] && [ -n "${ten:-}" ] && awk -v a="$ten" -v b="$wall" 'BEGIN {
		r = (b / 200) / (a / 10)
		printf "per-host cost at 200 / at 10: %.2f (target <= 1.5): %s\n", r, r <= 1.5 ? "met" : "NOT met" }'
done
