#!/bin/sh
# The cost of a probe hit beside bpftrace, in one boot of the VM bench (a
# real Debian kernel under TCG, no KVM: absolute figures are slow and noisy,
# the ratios between the two tools in the same boot are what count).  The
# same four workloads on a getpid() busy loop, each probed by stapauth and by
# Debian's bpftrace (0.17): a kprobe counter on __task_pid_nr_ns, a
# kprobe+kretprobe latency histogram on it, a raw_syscalls:sys_enter
# tracepoint counter, and a printf per hit (delivered events/s, lost events
# counted on both sides).  Figures are medians of PC_ROUNDS (default 5)
# rounds of PC_CALLS (default 200000) calls.  Files: bench/vm/prep.sh (host
# side), bench/vm/probe_cost.sh (in the VM); the log: $O/vm-probe-cost/.
set -u
cd "$(dirname "$0")/.." || exit 1
O=${O:-build}
case $O in /*) ;; *) O=$PWD/$O ;; esac
EXTRA_PKGS=bpftrace scripts/deps || exit 1
[ -x "$O/bin/stap" ] || { echo "bench probe-cost: $O/bin/stap is not built" >&2; exit 1; }
# bpftrace and LLVM live in the initramfs (~200 MB unpacked) and LLVM
# compiles each script inside the VM: 2 GiB, a long case timeout.
qargs=
[ -n "${PC_ICOUNT:-}" ] && qargs="-icount shift=$PC_ICOUNT"
out=$(VM_QEMU_ARGS=$qargs O=$O VM_WORK=$O/vm-probe-cost VM_MEM=${VM_MEM:-2048} VM_CASE_TIMEOUT=${VM_CASE_TIMEOUT:-3000} \
	VM_PREP=bench/vm/prep.sh VM_CASES=bench/vm/probe_cost.sh tests/vm/run 2>&1)
echo "$out" | grep -E '^# (bench probe-cost|probe-cost|vm)|^SKIP|^FAIL|^PASS'
! echo "$out" | grep -q '^FAIL'
