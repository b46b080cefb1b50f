#!/bin/sh
# Host side of `tests/vm/remote/run fleet3` (issue 14): three VMs at once,
# each Debian's kernel with its own sshd on its own 127.0.0.1 port
# (VM_SSH_PFX0..2; roles from their kernel command lines): "approved" (the
# module's digest in its policy for alice), "empty" (an empty policy) and
# "stale" (reached through a known_hosts record whose uname -v is stale).
# stap -T @three runs a module on all three through ClusterShell; then a
# Ctrl-C mid-run on two approved hosts.  env: W, REPO, KREL,
# STAPAUTH_RELBIN, VM_SSH_PFX.
cd "$REPO" || exit 1
T_NAME=vm/fleet3
. tests/lib.sh
. tests/vm/remote/hostlib.sh
STAP=$STAPAUTH_RELBIN/stap
ST=$STAPAUTH_RELBIN/stap-target
PA=${VM_SSH_PFX}0 PE=${VM_SSH_PFX}1 PS=${VM_SSH_PFX}2
ALL="$PA $PE $PS"
remote_setup $ALL
finish() {
	for p in $ALL; do vmroot_at "$p" 'touch /tmp/host-done' </dev/null >/dev/null 2>&1; done
}
trap 'finish; rm -rf "$TMP"' EXIT
KH=$SYSTEMTAP_DIR/known_hosts

for r in approved empty stale; do
	sshd_ready "$W/serial-$r.log" || { fail "$r: guest sshd ready" "no SSHD-READY in 300 s"; exit 0; }
done
pass "three guests' sshd ready"

# records: fa (approved), fe (empty policy), fc (the third VM, current) and
# fs (the third VM, its uname -v stale); fa, fe and fs form group three
for rec in "fa $PA" "fe $PE" "fc $PS"; do
	set -- $rec
	"$ST" add "$1" "alice@127.0.0.1:$2" auth >"$TMP/out" 2>&1 || fail "record $1" "$(cat "$TMP/out")"
done
sed -n '/^fc /p' "$KH" | sed 's/^fc /fs /; s/ uname-v="[^"]*"/ uname-v="#0 rebuilt"/' >>"$KH"
sed -i -E '/^f[aes] /s/$/ group=three/' "$KH"
[ "$(grep -c ' group=three$' "$KH")" = 3 ] && pass "records fa, fe, fs in group three" ||
	fail "records fa, fe, fs in group three" "$(cat "$KH")"

S4='global n = 1, msg = "m"
probe begin { printf("n=%d %s\n", n, msg) exit() }
probe end { printf("end probe ran\n") }'
"$STAP" -T fa -p4 -e "$S4" >"$TMP/ko4" 2>"$TMP/e" || fail "module built" "$(head -3 "$TMP/e")"
D4=$(sha256sum "$(cat "$TMP/ko4")" | cut -d' ' -f1)
approve_at "$PA" "$(cat "$TMP/ko4")" n,msg

"$STAP" -T @three -G n=3 -e "$S4" >"$TMP/o" 2>"$TMP/e"
rc=$?
[ $rc = 1 ] && pass "status 1 (not every host succeeded)" || fail "status 1 (not every host succeeded)" "status $rc"
grep -qx 'fa: n=3 m' "$TMP/o" && grep -qx 'fa: end probe ran' "$TMP/o" && [ "$(grep -c . "$TMP/o")" = 2 ] &&
	pass "the approved host's output, prefixed (and nothing else)" ||
	fail "the approved host's output, prefixed (and nothing else)" "$(cat "$TMP/o")"
grep -q "^fe: staprun.auth: refused: sha256:$D4 is not approved" "$TMP/e" &&
	pass "fe: staprun.auth's own refusal, prefixed" || fail "fe: staprun.auth's own refusal, prefixed"
grep -q "^fs: stap: no longer matches its record (.*): uname -v was '#0 rebuilt', is now .*nothing uploaded" "$TMP/e" &&
	pass "fs: the stale record's line, prefixed" || fail "fs: the stale record's line, prefixed"
grep -Eqx "stap: refused: sha256:$D4 is not approved .*: fe \(1\)" "$TMP/e" &&
	pass "summary: refused (the real reason): fe" || fail "summary: refused (the real reason): fe"
grep -qx 'stap: kernel record stale: fs (1)' "$TMP/e" && pass "summary: kernel record stale: fs" ||
	fail "summary: kernel record stale: fs"
grep -qx 'stap: fleet: 3 hosts: 1 succeeded, 2 did not' "$TMP/e" && pass "summary: counts" || fail "summary: counts"
[ "$(grep -c '^stap: ' "$TMP/e")" = 3 ] && pass "summary: three lines, no other outcome" ||
	fail "summary: three lines, no other outcome"
sed 's/^/#   /' "$TMP/e"
for p in $ALL; do
	not_loaded_at "$p" 10 && pass "nothing loaded at :$p (/proc/modules)" || fail "nothing loaded at :$p (/proc/modules)"
done

# Ctrl-C mid-run: fa and fc (the third VM through its current record) both
# approved, a probe that runs until stopped
S2='probe timer.ms(300) { printf("tick\n") }
probe end { printf("end ran\n") }'
"$STAP" -T fa -p4 -e "$S2" >"$TMP/ko2" 2>"$TMP/e" || fail "module built (Ctrl-C)" "$(head -3 "$TMP/e")"
approve_at "$PA" "$(cat "$TMP/ko2")"
approve_at "$PS" "$(cat "$TMP/ko2")"
fleet_interrupt "Ctrl-C: " fa fc "$S2"
grep -qx 'stap: fleet: 2 hosts: 2 succeeded, 0 did not' "$TMP/e" && pass "Ctrl-C: summary counts" ||
	fail "Ctrl-C: summary counts" "$(cat "$TMP/e")"
for p in $ALL; do
	not_loaded_at "$p" 10 && pass "Ctrl-C: nothing loaded at :$p (/proc/modules)" ||
		fail "Ctrl-C: nothing loaded at :$p (/proc/modules)"
done
finish
exit 0
