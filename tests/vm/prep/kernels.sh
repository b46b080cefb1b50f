#!/bin/sh
# Host side of the kernels case: one stap module (a timer and a kprobe, so
# it imports real kernel symbols) built for every installed kernel flavour
# with the release stap -r REL, a copy for the booted kernel whose __versions
# CRC of `jiffies` is changed, the booted kernel's Module.symvers where a
# machine with its headers has it, and staprun.auth's PAM file.
set -eu
. "$REPO/tests/vm/host.sh"
K=$VMROOT/stap/kernels
B=$W/kernels
rm -rf "$K" "$B" && mkdir -p "$K" "$B"
STAP=$STAPAUTH_RELBIN/stap
printf 'global n\nprobe kernel.function("vfs_read") { n++ }\nprobe timer.ms(10) { n++ }\nprobe begin { printf("begin %%d\\n", jiffies() > 0) }\nprobe timer.ms(50) { exit() }\n' >"$B/k.stp"

# build REL NAME: stap -p4 for REL into $K/NAME.ko (readable by alice).
# One cache for every flavour's run (tests/vm/flavours): the modules for
# the other kernels are built once.
export SYSTEMTAP_DIR="$O/vm-kernels-cache"
build() {
	(cd "$B" && "$STAP" -r "$1" -p4 -m "$2" "$B/k.stp") >"$B/$2.log" 2>&1 &&
		ko=$(grep '\.ko$' "$B/$2.log" | tail -n 1) && [ -f "$ko" ] || {
		echo "FAIL: vm/kernels: build for $1: stap -p4 failed"
		tail -n 8 "$B/$2.log" | sed 's/^/#   /'
		return 1
	}
	cp "$ko" "$K/$2.ko" && chmod 644 "$K/$2.ko"
}

# Named by flavour only, so each flavour's run reuses the cached builds.
n=0
for r in $(vm_kernels); do
	f=$(vm_flavour "$r" | tr -c 'a-z0-9\n' _)
	build "$r" "stp_kx_$f" && echo "$r" >"$K/stp_kx_$f.release" && n=$((n + 1))
	if [ "$r" = "$KREL" ]; then cp "$K/stp_kx_$f.ko" "$K/same.ko"; fi
done
[ -f "$K/same.ko" ]

# Same release, other symbol CRCs (a kernel rebuilt with changed types):
# the __versions entry of jiffies (8-byte CRC, then its 56-byte name).
cp "$K/same.ko" "$K/stp_kx_crc.ko"
python3 - "$K/stp_kx_crc.ko" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.find(b"jiffies" + b"\0" * 49)
assert i >= 8, "no __versions entry for jiffies"
b[i - 8] ^= 0x5a
open(p, "wb").write(bytes(b))
PY

# On an RT kernel: the same release without preempt_rt in the vermagic (a
# kernel of that name built without PREEMPT_RT).
if grep -aq "vermagic=$KREL SMP preempt_rt " "$K/same.ko"; then
	cp "$K/same.ko" "$K/stp_kx_nort.ko"
	vm_patch "$K/stp_kx_nort.ko" "vermagic=$KREL SMP preempt_rt " "vermagic=$KREL SMP preempt_no "
fi

# Module.symvers where a Debian machine with the headers installed has it:
# /lib/modules/REL/build -> /usr/src/linux-headers-REL.
mkdir -p "$VMROOT/usr/src/linux-headers-$KREL" "$VMROOT/lib/modules/$KREL"
cp "$KDIR/Module.symvers" "$VMROOT/usr/src/linux-headers-$KREL/"
ln -sfn "/usr/src/linux-headers-$KREL" "$VMROOT/lib/modules/$KREL/build"
install -m 0644 "$REPO/staprun-auth/pam.d/staprun-auth" "$K/pam-staprun-auth"
echo "# vm/kernels: modules for $n installed kernels, booting $KREL"
