#!/bin/sh
# Host side of bench/probe-cost.sh (run by tests/vm/run as a VM_PREP): the
# four workloads as stapauth modules (stap -p4 for the VM's kernel) and as
# bpftrace programs, Debian's bpftrace with every shared library it loads
# (libbcc, LLVM, clang: ~200 MB), and the getpid() busy loop.
set -u
. "$REPO/tests/vm/host.sh"
STAP=$STAPAUTH_RELBIN/stap
D=$VMROOT/stap/pc
B=$W/pc
rm -rf "$B" "$D" && mkdir -p "$B" "$D" || exit 1
[ -x "$STAP" ] || { echo "SKIP: vm/probe_cost: no $STAP (make programs)"; exit 0; }
BT=$(command -v bpftrace) || { echo "SKIP: vm/probe_cost: bpftrace is not installed"; exit 0; }
gcc -static -O2 -o "$D/busy" "$REPO/tests/stp/busy.c" || exit 1
cp -L --parents "$BT" "$VMROOT" && vm_copy_libs "$BT" || exit 1
echo "$BT" >"$D/bpftrace.path"
clock="TCG, wall clock"
[ -n "${PC_ICOUNT:-}" ] && clock="TCG, -icount shift=$PC_ICOUNT (guest time counts instructions)"
printf 'PC_CALLS=%d\nPC_ROUNDS=%d\nPC_CLOCK="%s"\n' "${PC_CALLS:-200000}" "${PC_ROUNDS:-5}" "$clock" >"$D/conf"

# The workloads, each as NAME.stp and NAME.bt: the same probes, the same
# work per hit, the same output at the end.
F=__task_pid_nr_ns # getpid() -> task_tgid_vnr() -> one hit per call
cat >"$B/count.stp" <<S
global hits
probe kernel.function("$F") { hits++ }
probe end { printf("hits %d\n", hits) }
S
cat >"$D/count.bt" <<S
kprobe:$F { @hits = count(); }
S
cat >"$B/lathist.stp" <<S
global t, lat
probe kernel.function("$F") { t[tid()] = gettimeofday_ns() }
probe kernel.function("$F").return {
	if ([tid()] in t) {
		lat <<< gettimeofday_ns() - t[tid()]
		delete t[tid()]
	}
}
probe end { print(@hist_log(lat)) }
S
cat >"$D/lathist.bt" <<S
kprobe:$F { @t[tid] = nsecs; }
kretprobe:$F /@t[tid]/ { @lat = hist(nsecs - @t[tid]); delete(@t[tid]); }
END { clear(@t); }
S
cat >"$B/trace.stp" <<S
global n
probe kernel.trace("raw_syscalls:sys_enter") { n++ }
probe end { printf("n %d\n", n) }
S
cat >"$D/trace.bt" <<S
tracepoint:raw_syscalls:sys_enter { @n = count(); }
S
cat >"$B/print.stp" <<S
probe kernel.function("$F") { if (pid() == target()) printf("ev %d\n", tid()) }
S
cat >"$D/print.bt" <<S
kprobe:$F /pid == cpid/ { printf("ev %d\n", tid); }
S
# bpftrace's fastest form for a function entry and return (DESIGN.md §5):
# kfunc/kretfunc, BPF trampolines on fentry, beside kprobe/kretprobe.
sed -e 's/^kprobe:/kfunc:/' "$D/count.bt" >"$D/count-kfunc.bt"
sed -e 's/^kprobe:/kfunc:/' -e 's/^kretprobe:/kretfunc:/' "$D/lathist.bt" >"$D/lathist-kfunc.bt"
sed -e 's/^kprobe:/kfunc:/' "$D/print.bt" >"$D/print-kfunc.bt"
# The counter as two probes on one function: the translator keeps such
# probes on kprobes (runtime/stp_kprobe.c), for the start/stop time beside
# the ftrace path's.
cat >"$B/count2.stp" <<S
global hits, hits2
probe kernel.function("$F") { hits++ }
probe kernel.function("$F") { hits2++ }
probe end { printf("hits %d\n", hits + hits2) }
S
for w in count lathist trace print count2; do
	if ! (cd "$B" && "$STAP" --disable-cache -r "$KREL" -p4 ${PC_STAP_FLAGS:-} -m "pc_$w" "$w.stp") \
		>"$B/$w.log" 2>&1 || [ ! -f "$B/pc_$w.ko" ]; then
		echo "FAIL: vm/probe_cost: build $w: stap -p4 failed"
		tail -n 12 "$B/$w.log" | sed 's/^/#   /'
		continue
	fi
	cp "$B/pc_$w.ko" "$B/$w.stp" "$D/"
done
echo "# vm/probe_cost: bpftrace $("$BT" --version | sed 's/^bpftrace //'), image $(du -sm "$VMROOT" | cut -f1) MiB"
