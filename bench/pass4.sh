#!/bin/sh
# Pass 4 cold (kbuild of a generated module) against the kbuild floor: an
# empty module built in the same kernel tree, same run; DESIGN.md §5 asks for
# <= 1.3x.  Pass 4 = time(stap -p4) - time(stap -p3), no cache, best of
# BENCH_RUNS (default 3).  Also the size of both modules.
set -u
cd "$(dirname "$0")/.." || exit 1
O=${O:-build}
case $O in /*) ;; *) O=$PWD/$O ;; esac
STAP=$O/bin/stap
N=${BENCH_RUNS:-3}
SCRIPT='probe begin { printf("hello\n"); exit() }'
[ -x "$STAP" ] || { echo "bench pass4: $STAP is not built" >&2; exit 1; }
REL=
for k in /boot/vmlinuz-*; do
	r=${k#/boot/vmlinuz-}
	[ -f "/usr/src/linux-headers-$r/Makefile" ] && REL=$r
done
[ -n "$REL" ] || { echo "SKIP: bench pass4: no kernel headers"; exit 0; }
KDIR=/usr/src/linux-headers-$REL
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

now_ns() { date +%s%N; }

# best_ms CMD...: the fastest of N runs, in ms.
best_ms() {
	best=
	i=0
	while [ $i -lt "$N" ]; do
		t0=$(now_ns)
		"$@" >/dev/null 2>&1 || { echo "bench pass4: failed: $*" >&2; exit 1; }
		t1=$(now_ns)
		m=$(((t1 - t0) / 1000000))
		if [ -z "$best" ] || [ "$m" -lt "$best" ]; then best=$m; fi
		i=$((i + 1))
	done
	echo "$best"
}

floor() {
	rm -rf "$W/floor" && mkdir -p "$W/floor" &&
		printf '#include <linux/module.h>\nMODULE_LICENSE("GPL");\n' >"$W/floor/empty.c" &&
		echo 'obj-m := empty.o' >"$W/floor/Kbuild" &&
		make -s -C "$KDIR" M="$W/floor" modules
}

ours() {
	(cd "$W" && "$STAP" --disable-cache -r "$REL" -p"$1" -m stap_bench -e "$SCRIPT")
}

floor_ms=$(best_ms floor)
p3_ms=$(best_ms ours 3)
p4_ms=$(best_ms ours 4)
pass4_ms=$((p4_ms - p3_ms))
echo "bench pass4: kernel $REL"
echo "bench pass4: kbuild floor (empty module) ${floor_ms} ms, $(stat -c %s "$W/floor/empty.ko") bytes"
echo "bench pass4: stap pass 4 ${pass4_ms} ms (passes 1-4 ${p4_ms} ms), module $(stat -c %s "$W/stap_bench.ko") bytes"
awk -v a="$pass4_ms" -v b="$floor_ms" 'BEGIN { r = a / b; printf "bench pass4: ratio %.2fx the floor (target <= 1.3x): %s\n", r, r <= 1.3 ? "met" : "NOT met" }'
