# A module built for another kernel is refused before init_module, by
# staprun (root) and by staprun.auth (alice, the module approved), in one
# line naming both kernels, with nothing loaded and no init_module attempt
# (the kernel logs every refused one: "version magic", "disagrees about").
# Modules: tests/vm/prep/kernels.sh (one per installed flavour, and a copy
# for this kernel with one symbol CRC changed).
. /stap/lib.sh
K=/stap/kernels
S=$BIN/staprun
LOG=/var/log/messages
if [ ! -f "$K/same.ko" ] || [ ! -x "$S" ]; then
	skip all "the modules or staprun are missing (prep failed?)"
	exit 0
fi
auth_install "$K/pam-staprun-auth" || exit 1
chmod 755 /stap "$K"
REL=$(uname -r)
kmsgs() { dmesg | grep -cE 'version magic|disagrees about version|Unknown symbol'; }
nlog() { grep -c 'staprun.auth' "$LOG" 2>/dev/null || echo 0; }
none_loaded() { ! grep -q '^stp_kx_' /proc/modules && [ -z "$(ls /run/stapauth 2>/dev/null)" ]; }
digest() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }

# refused NAME KO PATTERN: staprun and staprun.auth refuse KO with one line
# matching PATTERN, before init_module, nothing loaded, syslog record.
refused() {
	rname=$1 rko=$2 rpat=$3
	k0=$(kmsgs)
	run "$rname: staprun refuses" 1 "^staprun: .*$rpat" -- "$S" "$rko"
	[ "$(grep -c . "$TMP/out")" -eq 1 ]
	ok "$rname: staprun: one line" "$(cat "$TMP/out")"
	pol "$(digest "$rko") users=alice"
	l0=$(nlog)
	run "$rname: staprun.auth refuses" 1 "^staprun.auth: refused: .*$rpat" -- as_user alice "$SA" "$rko"
	[ "$(grep -c . "$TMP/out")" -eq 1 ]
	ok "$rname: staprun.auth: one line" "$(cat "$TMP/out")"
	wait_for 3 sh -c "[ \$(grep -c 'staprun.auth' $LOG) -gt $l0 ]"
	ok "$rname: staprun.auth: syslog record"
	grep 'staprun.auth' "$LOG" | tail -1 | grep -q 'load refused:'
	ok "$rname: syslog says refused" "$(grep 'staprun.auth' "$LOG" | tail -1)"
	[ "$(kmsgs)" -eq "$k0" ]
	ok "$rname: no init_module attempt (kernel log unchanged)" "$(dmesg | tail -3)"
	none_loaded
	ok "$rname: nothing loaded"
}

# The module built for this kernel loads (the control for the refusals).
run "built for $REL: staprun runs it" 0 '^begin 1$' -- timeout 60 "$S" "$K/same.ko"
pol "$(digest "$K/same.ko") users=alice"
run "built for $REL: staprun.auth runs it for alice" 0 '^begin 1$' -- \
	as_user alice timeout 60 "$SA" "$K/same.ko"
none_loaded
ok "built for $REL: nothing left loaded"

# Every other installed flavour: the line names the module's and our kernel.
others=0
for rf in "$K"/stp_kx_*.release; do
	[ -f "$rf" ] || continue
	other=$(cat "$rf")
	[ "$other" = "$REL" ] && continue
	ko=${rf%.release}.ko
	refused "built for $other" "$ko" "built for $other, running $REL"
	others=$((others + 1))
done
[ $others -gt 0 ] || skip "other flavours" "only $REL is installed on the host"

# Same release, PREEMPT_RT on the kernel's side only.
if [ -f "$K/stp_kx_nort.ko" ]; then
	refused "PREEMPT_RT on one side" "$K/stp_kx_nort.ko" \
		"built for $REL without PREEMPT_RT, running $REL with it"
fi

# Same release, one CRC changed: named from Module.symvers, then (without
# that file, as on a machine without headers) left to the kernel, which
# refuses it all the same.
refused "other symbol CRCs" "$K/stp_kx_crc.ko" \
	"other symbol versions than the running $REL \\(jiffies: 0x[0-9a-f]+ in the module"
SV=/lib/modules/$REL/build/Module.symvers
mv "$SV" "$SV.off"
k0=$(kmsgs)
run "other symbol CRCs, no Module.symvers: the kernel refuses" 1 '^staprun: .*(cannot load|not built for this kernel)' -- \
	"$S" "$K/stp_kx_crc.ko"
[ "$(kmsgs)" -gt "$k0" ]
ok "other symbol CRCs, no Module.symvers: the kernel's own check ran" "$(dmesg | tail -2)"
mv "$SV.off" "$SV"
none_loaded
ok "nothing loaded at the end"
check "no oops in the kernel log" no_oops
