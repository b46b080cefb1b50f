#!/bin/sh
# Host side of the staprun case: the hand-made test module (tests/kmod), a
# copy with short reader-gone timeouts, and broken copies for bad input.
set -eu
. "$REPO/tests/vm/host.sh"
M=$VMROOT/stap/mod
b=$(vm_kbuild "$REPO/tests/kmod" kmod)
cp "$b/stp_test.ko" "$M/"

q=$W/build/quick-src
rm -rf "$q" && mkdir -p "$q"
cp "$REPO/tests/kmod/stp_test.c" "$q/stp_quick.c"
printf 'obj-m := stp_quick.o\nccflags-y := -I$(RUNTIME) -Werror -DSTP_OPEN_TIMEOUT_MS=2000 -DSTP_READER_GRACE_MS=1000\n' >"$q/Kbuild"
b=$(vm_kbuild "$q" quick)
cp "$b/stp_quick.ko" "$M/"

# Another release in the vermagic (staprun's own check) and other build
# flags behind the same release (the kernel's check).
cp "$M/stp_test.ko" "$M/stp_badrel.ko"
vm_patch "$M/stp_badrel.ko" "vermagic=$KREL " "vermagic=${KREL%?}x "
cp "$M/stp_test.ko" "$M/stp_badmagic.ko"
vm_patch "$M/stp_badmagic.ko" "mod_unload" "mod_unlaod"
head -c 4096 "$M/stp_test.ko" >"$M/stp_trunc.ko"
: >"$M/stp_empty.ko"
echo "# vm/staprun: test modules built for $KREL"
