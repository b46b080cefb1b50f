#!/bin/sh
# The cost of a probe hit beside bpftrace, in the VM bench (a real Debian
# kernel under QEMU TCG, no KVM): the same four workloads on a getpid() busy
# loop, each probed by stapauth and by Debian's bpftrace 0.17 in the same
# boot, as ratios:
#   count    a counter on __task_pid_nr_ns (one hit per getpid())
#   lathist  entry time in a map by thread, a log histogram at return
#   trace    a counter on the raw_syscalls:sys_enter tracepoint
#   print    a printf per hit of the loop's process: events delivered to
#            user space per second of the loop, lost events counted on both
#            sides (staprun's dropped writes, bpftrace's "Lost N events")
# bpftrace runs each function workload twice: kprobe/kretprobe and its
# fastest form, kfunc/kretfunc (fentry trampolines); DESIGN.md §5 asks
# stapauth's per-hit cost to be at most the cheaper of the two.
#
# Two boots (PC_CLOCKS, default "icount wall"):
#   icount  qemu -icount shift=0: guest time counts guest instructions, so
#           the figures are exact and do not move with the host's load
#   wall    TCG's wall clock: real emulated time, noisy on a shared machine
# Per-hit cost = ns per loop call probed - the bare loop run just before,
# medians of PC_ROUNDS (default 5) rounds of PC_CALLS (default 200000)
# calls.  Files: bench/vm/prep.sh (host side: modules, bpftrace and its
# ~200 MB of libraries into the image), bench/vm/probe_cost.sh (in the VM);
# logs under $O/vm-probe-cost/.
# PC_STAP_FLAGS: extra stap options for the stapauth modules, e.g.
# "-D STP_NO_FTRACE_ENTRY" to put the counter's lone entry probe on a
# kprobe instead of its own ftrace_ops (stap(1)).
set -u
cd "$(dirname "$0")/.." || exit 1
O=${O:-build}
case $O in /*) ;; *) O=$PWD/$O ;; esac
EXTRA_PKGS=bpftrace scripts/deps || exit 1
[ -x "$O/bin/stap" ] || { echo "bench probe-cost: $O/bin/stap is not built" >&2; exit 1; }
bad=0
for clock in ${PC_CLOCKS:-icount wall}; do
	qargs=
	case $clock in
	icount) qargs="-icount shift=0" ;;
	wall) ;;
	*) echo "bench probe-cost: PC_CLOCKS: unknown clock $clock (icount, wall)" >&2; exit 1 ;;
	esac
	# bpftrace and LLVM live in the initramfs (~200 MB unpacked) and
	# compile each script inside the VM: 2 GiB, a long case timeout.
	out=$(PC_ICOUNT=$([ "$clock" = icount ] && echo 0) VM_QEMU_ARGS=$qargs O=$O \
		VM_WORK=$O/vm-probe-cost VM_MEM=${VM_MEM:-2048} VM_CASE_TIMEOUT=${VM_CASE_TIMEOUT:-3000} \
		VM_PREP=bench/vm/prep.sh VM_CASES=bench/vm/probe_cost.sh tests/vm/run 2>&1)
	echo "$out" | grep -E '^# (bench probe-cost|probe-cost|vm)|^SKIP|^FAIL|^PASS'
	echo "$out" | grep -q '^FAIL' && bad=1
done
[ $bad -eq 0 ]
