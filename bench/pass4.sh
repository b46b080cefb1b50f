#!/bin/sh
# Pass 4 cold (kbuild of a generated module) against the kbuild floor: an
# empty module built in the same kernel tree, same run; DESIGN.md §5 asks for
# <= 1.3x.  Pass 4 = time(stap -p4) - time(stap -p3), no cache, best of
# BENCH_RUNS (default 3).
# Then module size and load time (issue 15): the bytes of a one-probe module
# and of a tapset-using one (syscall.* with argstr) as ratios to the empty
# module (goal for one probe: <= 2x), and, in the VM bench (tests/vm/run,
# BENCH_VM=0 to leave it out), each one's init_module(2) time as a ratio to
# the empty module's (bench/vm/loadtime.sh, median of BENCH_VM_RUNS, 7).
set -u
cd "$(dirname "$0")/.." || exit 1
O=${O:-build}
case $O in /*) ;; *) O=$PWD/$O ;; esac
STAP=$O/bin/stap
N=${BENCH_RUNS:-3}
SCRIPT='probe begin { printf("hello\n"); exit() }'
SYSCALLS='probe syscall.* { if (pid() == target()) printf("%s(%s)\n", name, argstr) }'
[ -x "$STAP" ] || { echo "bench pass4: $STAP is not built" >&2; exit 1; }
# The kernel the VM bench boots (STAPAUTH_KREL, else a plain flavour before
# -cloud/-rt), so that the modules built here load there.
REL=${STAPAUTH_KREL:-}
for k in /boot/vmlinuz-*; do
	[ -n "${STAPAUTH_KREL:-}" ] && break
	r=${k#/boot/vmlinuz-}
	[ -f "/usr/src/linux-headers-$r/Makefile" ] || continue
	case $r in
	*-cloud-* | *-rt-*) REL=${REL:-$r} ;;
	*) REL=$r && break ;;
	esac
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

# size LABEL FILE: bytes and the ratio to the empty module.
size() {
	b=$(stat -c %s "$2")
	awk -v l="$1" -v a="$b" -v e="$empty_b" -v s="$empty_sb" 'BEGIN {
		printf "bench pass4: size %s: %d bytes, %.2fx the empty module (%.1fx it stripped)\n", l, a, a / e, a / s }'
}

floor_ms=$(best_ms floor)
p3_ms=$(best_ms ours 3)
p4_ms=$(best_ms ours 4)
pass4_ms=$((p4_ms - p3_ms))
echo "bench pass4: kernel $REL"
echo "bench pass4: kbuild floor (empty module) ${floor_ms} ms, $(stat -c %s "$W/floor/empty.ko") bytes"
echo "bench pass4: stap pass 4 ${pass4_ms} ms (passes 1-4 ${p4_ms} ms), module $(stat -c %s "$W/stap_bench.ko") bytes"
awk -v a="$pass4_ms" -v b="$floor_ms" 'BEGIN { r = a / b; printf "bench pass4: ratio %.2fx the floor (target <= 1.3x): %s\n", r, r <= 1.3 ? "met" : "NOT met" }'

(cd "$W" && "$STAP" --disable-cache -r "$REL" -p4 -m stap_bsys -e "$SYSCALLS") >"$W/sys.log" 2>&1 ||
	{ echo "bench pass4: stap -p4 of the syscall.* script failed:" >&2; cat "$W/sys.log" >&2; exit 1; }
strip --strip-debug -o "$W/floor/empty-stripped.ko" "$W/floor/empty.ko" || exit 1
empty_b=$(stat -c %s "$W/floor/empty.ko")
empty_sb=$(stat -c %s "$W/floor/empty-stripped.ko")
echo "bench pass4: size empty module: $empty_b bytes ($empty_sb bytes stripped of its debug information)"
size "one probe (begin, printf)" "$W/stap_bench.ko"
size "syscall.* with argstr" "$W/stap_bsys.ko"
awk -v a="$(stat -c %s "$W/stap_bench.ko")" -v e="$empty_b" 'BEGIN { r = a / e; printf "bench pass4: one-probe module %.2fx the empty module (goal <= 2x): %s\n", r, r <= 2 ? "met" : "NOT met" }'

[ "${BENCH_VM:-1}" = 0 ] && { echo "bench pass4: init_module times left out (BENCH_VM=0)"; exit 0; }
cat >"$W/list" <<L
empty $W/floor/empty.ko empty
empty-stripped $W/floor/empty-stripped.ko empty
one-probe $W/stap_bench.ko stap_bench
syscall.*-argstr $W/stap_bsys.ko stap_bsys
L
out=$(STAPAUTH_KREL=$REL BENCH_LOADTIME_LIST=$W/list VM_PREP=bench/vm/loadtime-prep.sh \
	VM_CASES=bench/vm/loadtime.sh O=$O tests/vm/run 2>&1)
echo "$out" | grep -E '^# bench pass4|^SKIP|^FAIL'
case $out in *FAIL:*) exit 1 ;; esac
exit 0
