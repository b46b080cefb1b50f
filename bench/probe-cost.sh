#!/bin/sh
# The cost of a probe hit, measured in the VM bench (a real kernel under
# TCG): a loop of getpid() calls alone and with a kprobe on
# __task_pid_nr_ns counting hits, as a ratio to the bare loop.  The
# measurement is part of tests/vm/cases/stap.sh; this runs that case.
set -u
cd "$(dirname "$0")/.." || exit 1
O=${O:-build}
O=$O TESTS_ONLY=stap tests/vm/run 2>&1 | grep -E '^# bench probe-cost|^SKIP|^FAIL: vm/stap: hot'
