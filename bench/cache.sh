#!/bin/sh
# `stap -p4` on a cache hit: ours against Debian's SystemTap 4.8 on its own
# cache hit, and against the same binary printing its version (`stap -V`,
# the process floor), measured in the same run; DESIGN.md §5 asks for >= 100x
# and <= 1.5x.  Both are whole processes; the ratios judged are of CPU time
# (user+sys, bench/measure.py), which a loaded machine hardly changes.
# SystemTap 4.8's pass 4 fails on this kernel, so its cache entry is planted by
# hand under the name its pass 3 gives the module (stap_HASH); if our pass 4
# does not work yet, our entry is planted the same way from the key that
# `stap -p2 -v` prints.  BENCH_RUNS (default 20) runs of each are timed.
set -u
cd "$(dirname "$0")/.." || exit 1
O=${O:-build}
case $O in /*) ;; *) O=$PWD/$O ;; esac
OURS=$O/bin/stap
N=${BENCH_RUNS:-20}
SCRIPT='probe begin { exit() }'

EXTRA_PKGS=systemtap scripts/deps || exit 1
[ -x "$OURS" ] || { echo "bench cache: $OURS is not built" >&2; exit 1; }
REL=$(ls /boot/vmlinuz-* | sed 's|^/boot/vmlinuz-||' | sort -V | tail -1)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# measure CMD...: "WALL_MEDIAN_MS CPU_MEAN_MS" over N runs (bench/measure.py).
measure() { python3 bench/measure.py "$N" "$@"; }

# plant_entry DIR BASE: a module (a relocatable ELF object) and its C source.
plant() {
	mkdir -p "$1"
	echo 'int stapauth_bench;' | cc -c -x c - -o "$1/$2.ko" || exit 1
	echo '/* planted by bench/cache.sh */' >"$1/$2.c"
}

# ---- SystemTap 4.8 ----
export SYSTEMTAP_DIR="$W/st48"
name=$(/usr/bin/stap -v -r "$REL" -p3 -e "$SCRIPT" 2>&1 >/dev/null |
	sed -n 's|.*/\(stap_[0-9a-f_]*\)_src\.c".*|\1|p')
[ -n "$name" ] || { echo "bench cache: no module name from stap 4.8 -p3" >&2; exit 1; }
hash=${name#stap_}
dir48="$SYSTEMTAP_DIR/cache/$(echo "$hash" | cut -c1-2)"
plant "$dir48" "$name"
got=$(/usr/bin/stap -r "$REL" -p4 -e "$SCRIPT" 2>/dev/null)
if [ "$got" != "$dir48/$name.ko" ]; then
	echo "bench cache: stap 4.8 did not hit its planted entry (got '$got')" >&2
	exit 1
fi
t48=$(measure /usr/bin/stap -r "$REL" -p4 -e "$SCRIPT")

# ---- ours ----
export SYSTEMTAP_DIR="$W/ours"
how="real pass 4 entry"
if ! "$OURS" -r "$REL" -p4 -e "$SCRIPT" >/dev/null 2>&1; then
	how="planted entry (pass 4 not available)"
	key=$("$OURS" -r "$REL" -p2 -v -e "$SCRIPT" 2>&1 >/dev/null | sed -n 's/^cache: key: //p')
	[ -n "$key" ] || { echo "bench cache: our stap prints no key" >&2; exit 1; }
	d="$SYSTEMTAP_DIR/cache/$(echo "$key" | cut -c1-2)"
	plant "$d" "stap_$key"
	rec() { echo "sha256:$(sha256sum <"$1" | cut -d' ' -f1) $(stat -c %s "$1")"; }
	{
		"$OURS" -r "$REL" -p2 -v -e "$SCRIPT" 2>&1 >/dev/null | sed -n 's/^cache: //p'
		echo "ko: $(rec "$d/stap_$key.ko")"
		echo "c: $(rec "$d/stap_$key.c")"
	} >"$d/stap_$key.log"
fi
got=$("$OURS" -r "$REL" -p4 -e "$SCRIPT" 2>&1)
case $got in
"$SYSTEMTAP_DIR"/cache/*.ko) ;;
*) echo "bench cache: our stap did not hit ($got)" >&2; exit 1 ;;
esac
sleep 3 # let file digests settle so the memo serves them, as in steady use
"$OURS" -r "$REL" -p4 -e "$SCRIPT" >/dev/null 2>&1
tours=$(measure "$OURS" -r "$REL" -p4 -e "$SCRIPT")
# The process floor: the same binary printing its version (DESIGN.md §5: a
# hit <= 1.5x of it).
tver=$(measure "$OURS" -V)

echo "$t48 $tours $tver $(cut -d' ' -f1 /proc/loadavg)" | awk -v n="$N" -v how="$how" '{
	rw = $3 > 0 ? $1 / $3 : 0
	rc = $4 > 0 ? $2 / $4 : 0
	vw = $5 > 0 ? $3 / $5 : 0
	vc = $6 > 0 ? $4 / $6 : 0
	printf "bench cache: stap -p4 cache hit, %d runs each (%s), load average %s\n", n, how, $7
	printf "bench cache:   wall (median): stap 4.8 %.2f ms, ours %.2f ms: %.1fx (target >= 100x: %s)\n",
		$1, $3, rw, rw >= 100 ? "met" : "NOT met"
	printf "bench cache:   cpu (mean):    stap 4.8 %.2f ms, ours %.2f ms: %.1fx (target >= 100x: %s)\n",
		$2, $4, rc, rc >= 100 ? "met" : "NOT met"
	printf "bench cache:   against stap -V (wall %.2f ms, cpu %.2f ms): wall %.2fx, cpu %.2fx (target <= 1.5x: %s)\n",
		$5, $6, vw, vc, vc <= 1.5 ? "met" : "NOT met"
}'
