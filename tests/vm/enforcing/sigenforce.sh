# A kernel that enforces module signatures (booted with module.sig_enforce=1
# by tests/vm/flavours): Debian's kernel trusts Debian's key alone, so every
# module stapauth can make is refused by the kernel itself.  staprun.auth
# takes the documented unrenamed path for a signed module (renaming would
# break the signature), and for each refusal prints one line that says what
# to do, leaves nothing loaded (no module, no live-load record, no name
# lock) and logs it.  Two users running the same signed module at once get
# the same treatment, never a half-done load.  (A module the kernel accepts
# needs a certificate in its keyring: a MOK through shim, or a kernel built
# with it; the accepted unrenamed path is tested with sig_enforce bound
# over in cases/auth.sh.)
. /stap/lib.sh
A=/stap/auth
LOG=/var/log/messages
SE=/sys/module/module/parameters/sig_enforce
if [ ! -f "$A/m.ko" ] || [ ! -f "$A/signed-trusted.ko" ]; then
	skip all "the test module or its signed copy is missing (no sign-file on the host?)"
	exit 0
fi
[ "$(cat "$SE" 2>/dev/null)" = Y ]
ok "the kernel enforces module signatures (module.sig_enforce=1)" "sig_enforce: $(cat "$SE" 2>&1)"
auth_install "$A/pam-staprun-auth" || exit 1
D=sha256:$(sha256sum "$A/m.ko" | cut -d' ' -f1)
FPR=sha256:$(cat "$A/trusted.fpr")
nlog() { grep -c 'staprun.auth' "$LOG" 2>/dev/null || echo 0; }
nothing_left() {
	! grep -q '^stp_test' /proc/modules && [ -z "$(ls /run/stapauth 2>/dev/null)" ]
}
kern() { dmesg | grep -c "$1"; }

# refused_by_kernel NAME PATTERN KMSG CMD...: exit 1, one line matching
# PATTERN, the kernel logged KMSG once more, nothing left, syslog record.
refused_by_kernel() {
	name=$1 pat=$2 kmsg=$3
	shift 3
	k0=$(kern "$kmsg") l0=$(nlog)
	run "$name" 1 "$pat" -- "$@" || return 0
	[ "$(grep -c . "$TMP/out")" -eq 1 ]
	ok "$name: one line" "$(cat "$TMP/out")"
	[ "$(kern "$kmsg")" -gt "$k0" ]
	ok "$name: refused by the kernel ($kmsg)" "$(dmesg | tail -2)"
	nothing_left
	ok "$name: nothing loaded, no record or lock left" "$(ls /run/stapauth 2>&1; grep stp_ /proc/modules)"
	[ "$1" = as_user ] || return 0
	wait_for 3 sh -c "[ \$(grep -c 'staprun.auth' $LOG) -gt $l0 ]"
	ok "$name: syslog record"
	grep 'staprun.auth' "$LOG" | tail -1 | grep 'load failed:' | grep -qF 'enforces\x20module\x20signatures'
	ok "$name: the record gives the reason" "$(grep 'staprun.auth' "$LOG" | tail -1)"
}

UNSIGNED='not signed; sign it \(stap-authorize sign\) with a key whose certificate is enrolled in the kernel.s keyring'
UNTRUSTED='does not trust the module.s signer; enrol the signing certificate in the kernel.s keyring'

# An unsigned module, approved by its digest: renamed as usual, refused.
pol "$D users=alice,bob params=lines"
refused_by_kernel "unsigned, approved: staprun.auth" "^staprun.auth: load failed: .*$UNSIGNED" \
	'unsigned module is rejected' as_user alice "$SA" "$A/m.ko" lines=1
grep 'staprun.auth' "$LOG" | tail -1 | grep -q 'module="stp_test_u1000_'
ok "unsigned: loaded under a name of its own (renamed)" "$(grep 'staprun.auth' "$LOG" | tail -1)"
refused_by_kernel "unsigned: root's staprun" "^staprun: .*$UNSIGNED" \
	'unsigned module is rejected' "$BIN/staprun" "$A/m.ko" lines=1

# Signed by a key stapauth trusts (pinned in /etc/systemtap/keys) but the
# kernel does not: the unrenamed path, refused by the kernel.
cp "$A/trusted.der" /etc/systemtap/keys/ && chmod 644 /etc/systemtap/keys/trusted.der
pol "signer:$FPR users=alice,bob params=lines"
refused_by_kernel "signed by a key the kernel does not trust: staprun.auth" \
	"^staprun.auth: load failed: .*$UNTRUSTED" 'module with unavailable key is rejected' \
	as_user alice "$SA" "$A/signed-trusted.ko" lines=1
grep 'staprun.auth' "$LOG" | tail -1 | grep -q 'module="stp_test" '
ok "signed: the unrenamed path (its own name, stp_test)" "$(grep 'staprun.auth' "$LOG" | tail -1)"
refused_by_kernel "signed, untrusted by the kernel: root's staprun" "^staprun: .*$UNTRUSTED" \
	'module with unavailable key is rejected' "$BIN/staprun" "$A/signed-trusted.ko" lines=1

# Two users at once, the same signed module (one kernel name, one lock):
# each run ends with one line, either the kernel's refusal or the name in
# use by the other run, and nothing is left behind.  Ten rounds, so the
# two meet inside each other's lock window at least once under TCG.
l0=$(nlog)
both=0 inuse=0 bad=0
i=0
while [ $i -lt 10 ]; do
	as_user alice "$SA" "$A/signed-trusted.ko" lines=1 >"$TMP/a.out" 2>&1 &
	pa=$!
	as_user bob "$SA" "$A/signed-trusted.ko" lines=1 >"$TMP/b.out" 2>&1
	sb=$?
	wait $pa
	sa=$?
	for f in a b; do
		if [ "$(grep -c . "$TMP/$f.out")" -ne 1 ]; then
			bad=$((bad + 1))
		elif grep -q 'module name stp_test is in use by another run' "$TMP/$f.out"; then
			inuse=$((inuse + 1))
		elif ! grep -Eq "$UNTRUSTED" "$TMP/$f.out"; then
			bad=$((bad + 1))
		fi
	done
	[ $sa -eq 1 ] && [ $sb -eq 1 ] && both=$((both + 1))
	nothing_left || bad=$((bad + 1))
	i=$((i + 1))
done
[ $both -eq 10 ] && [ $bad -eq 0 ]
ok "two users at once: every run refused in one line, nothing left (10 rounds, $inuse saw the name in use)" \
	"both refused $both of 10, $bad bad; last: $(cat "$TMP/a.out" "$TMP/b.out")"
[ "$(($(nlog) - l0))" -ge 20 ]
ok "two users at once: each run logged" "$(($(nlog) - l0)) records"
check "no oops in the kernel log" no_oops
