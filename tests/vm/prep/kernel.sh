#!/bin/sh
# Host side of the kernel case: attack helpers (kattack, and a setuid-root
# copy for the target that gains privileges), a module whose start fails
# slowly, the hand-made test module if the staprun prep did not build it,
# and three generated modules (histograms, printf '*', a -x target probe).
set -eu
. "$REPO/tests/vm/host.sh"
K=$VMROOT/stap/kernel
S=$REPO/tests/vm/kernel
mkdir -p "$K"
gcc -static -O2 -Wall -Wextra -Werror -o "$K/kattack" "$S/kattack.c"
cp "$K/kattack" "$K/kattack-suid"
chmod 4755 "$K/kattack-suid"
b=$(vm_kbuild "$S/slowfail" kernel-slowfail)
cp "$b/stp_slowfail.ko" "$K/"
if [ -f "$VMROOT/stap/mod/stp_test.ko" ]; then
	cp "$VMROOT/stap/mod/stp_test.ko" "$K/"
else
	b=$(vm_kbuild "$REPO/tests/kmod" kernel-kmod)
	cp "$b/stp_test.ko" "$K/"
fi
STAP=$STAPAUTH_RELBIN/stap
B=$W/kernel-stp
rm -rf "$B" && mkdir -p "$B"
# kftrace twice: the default (a lone entry probe on the ftrace path) and
# every probe a kprobe (-D STP_NO_FTRACE_ENTRY).
for n in khist kstar ktarget kftrace kftrace_kp; do
	src=$S/$n.stp opts=
	[ "$n" = kftrace_kp ] && src=$S/kftrace.stp opts="-D STP_NO_FTRACE_ENTRY"
	# shellcheck disable=SC2086
	if ! (cd "$B" && "$STAP" --disable-cache -r "$KREL" -p4 -m "stp_$n" $opts "$src") \
		>"$B/$n.log" 2>&1; then
		echo "FAIL: vm/kernel: build $n: stap -p4 failed"
		tail -n 12 "$B/$n.log" | sed 's/^/#   /'
		exit 1
	fi
	cp "$B/stp_$n.ko" "$K/"
done
gcc -static -O2 -o "$K/busy" "$REPO/tests/stp/busy.c" || exit 1
# A module named like an entry /proc already has (/proc/sys).
if ! (cd "$B" && "$STAP" --disable-cache -r "$KREL" -p4 -m sys -e 'probe begin { exit() }') \
	>"$B/sys.log" 2>&1; then
	echo "FAIL: vm/kernel: build sys: stap -p4 failed"
	tail -n 12 "$B/sys.log" | sed 's/^/#   /'
	exit 1
fi
cp "$B/sys.ko" "$K/"
echo "# vm/kernel: attack helpers and modules built for $KREL"
