#!/bin/sh
# Host side of the remote-run bench, run by tests/vm/run while the VM
# boots (env: SERIAL, W, REPO, KREL, STAPAUTH_RELBIN, VM_SSH_PORT).  The VM
# is a target reached on 127.0.0.1:VM_SSH_PORT only.  Each check prints one
# PASS:/FAIL:/SKIP: line; the VM's own checks (nothing left loaded, no
# upload folder left) run after /tmp/host-done appears there.
cd "$REPO" || exit 1
T_NAME=vm/remote
. tests/lib.sh
BIN=$STAPAUTH_RELBIN
STAP=$BIN/stap
ST=$BIN/stap-target
P=$VM_SSH_PORT
. tests/vm/remote/hostlib.sh
remote_setup "$P"
trap 'finish; rm -rf "$TMP"' EXIT
vmroot() { vmroot_at "$P" "$@"; }
finish() { vmroot 'touch /tmp/host-done' </dev/null >/dev/null 2>&1; }

# the guest writes SSHD-READY on its console once sshd listens
if ! sshd_ready "$SERIAL"; then
	fail "guest sshd ready" "no SSHD-READY on the console in 300 s"
	exit 0
fi
pass "guest sshd ready"

# 1. record the VM as targets (auth for alice, root for root)
run record_vm_auth 0 "^vm execute=ssh:alice@127.0.0.1:$P:auth kernel=$KREL arch=x86_64 uname-v=.* build-id=[0-9a-f]+ sig-enforce=(yes|no) stapauth=0\\.1$" -- \
	"$ST" add vm "alice@127.0.0.1:$P" auth
run record_vm_root 0 "^vmroot execute=ssh:root@127.0.0.1:$P:root kernel=$KREL " -- \
	"$ST" add vmroot "root@127.0.0.1:$P" root
KH=$SYSTEMTAP_DIR/known_hosts
# the VM kernel's own BTF is kept and used for probe resolution
[ -s "$SYSTEMTAP_DIR/targets/vm.btf" ] && [ -s "$SYSTEMTAP_DIR/targets/vm.btf.sha256" ] &&
	pass "the VM kernel's BTF copied" || fail "the VM kernel's BTF copied"
run symbols_from_target_btf 0 "kernel functions from the target's BTF" -- \
	"$STAP" -T vm -p2 -vv -e 'probe kernel.function("vfs_read") { exit() }'

# 2. -p4 on the host for the VM's kernel
S1='global n = 1, msg = "m"
probe begin { printf("n=%d %s\n", n, msg) }
probe end { printf("end probe ran\n") }'
run p4_for_target 0 "^$SYSTEMTAP_DIR/cache/.*\\.ko$" -- "$STAP" -T vm -p4 -e "$S1"
KO1=$(cat "$TMP/out")
grep -aq "vermagic=$KREL " "$KO1" && pass "module built for the VM's kernel" || fail "module built for the VM's kernel"

approve() { approve_at "$P" "$@"; } # KO [PARAMS]: bless the module for alice on the VM

# 3. before approval: the target's own one-line refusal, nothing loaded
HOSTILE_C="echo 'a;b \$(touch /tmp/pwned) \`id\` \"q\"'"
run refused_before_approval 1 "^staprun.auth: refused: sha256:[0-9a-f]+ is not approved" -- \
	"$STAP" -T vm -c "$HOSTILE_C" -G n=5 -e "$S1"
[ "$(grep -c . "$TMP/out")" = 1 ] && pass "refusal is one line" || fail "refusal is one line" "$(cat "$TMP/out")"

# 4. approved: alice runs it with -c and a parameter; output streamed back
approve "$KO1" n,msg
"$STAP" -T vm -c "$HOSTILE_C" -G n=5 -e "$S1" >"$TMP/o" 2>"$TMP/e"
rc=$?
[ $rc = 0 ] && pass "approved auth run exits 0" || { fail "approved auth run exits 0" "status $rc"; sed 's/^/#   /' "$TMP/e" | head -5; }
grep -qx 'n=5 m' "$TMP/o" && pass "parameter reached the module" || fail "parameter reached the module" "$(cat "$TMP/o")"
grep -qxF "a;b \$(touch /tmp/pwned) \`id\` \"q\"" "$TMP/o" && pass "hostile -c ran as written" ||
	fail "hostile -c ran as written" "$(cat "$TMP/o")"
grep -qx 'end probe ran' "$TMP/o" && pass "end probe output" || fail "end probe output"
vmroot '[ ! -e /tmp/pwned ] && ! grep -q "^stap_" /proc/modules && [ -z "$(ls -d /tmp/stapauth.* 2>/dev/null)" ]' </dev/null &&
	pass "after the run: nothing injected, unloaded, folder removed" ||
	fail "after the run: nothing injected, unloaded, folder removed"

# 5. hostile parameter value and -o path
run hostile_param_refused 1 "^staprun.auth: refused: .*forbidden character" -- \
	"$STAP" -T vm -G 'msg=a;touch /tmp/pwned' -e "$S1"
OUTNAME="o \$(touch pwned) 'q' ;x.txt"
run hostile_o_path 0 -- "$STAP" -T vm -o "$OUTNAME" -c true -G n=2 -e "$S1"
q=$(printf '%s' "$OUTNAME" | sed "s/'/'\\\\''/g")
vmroot "grep -qx 'n=2 m' '/home/alice/$q' && [ ! -e /home/alice/pwned ] && rm -f '/home/alice/$q'" </dev/null &&
	pass "-o wrote the file of that exact name" || fail "-o wrote the file of that exact name"

# 6. root mode
run root_mode 0 "^as root$" -- "$STAP" -T vmroot -e 'probe begin { printf("as root\n") exit() }'

not_loaded_soon() { not_loaded_at "$P" "$1"; }

# 7. Ctrl-C mid-run: end probes run, output flushed, module unloaded
S2='probe timer.ms(300) { printf("tick\n") }
probe end { printf("end ran\n") }'
"$STAP" -T vm -p4 -e "$S2" >"$TMP/ko2" && approve "$(cat "$TMP/ko2")"
"$STAP" -T vm -e "$S2" >"$TMP/o" 2>"$TMP/e" &
sp=$!
if wait_line "$TMP/o" tick 1200; then pass "output streamed while running"; else fail "output streamed while running" "$(cat "$TMP/e")"; fi
kill -INT $sp
wait $sp
rc=$?
grep -qx 'end ran' "$TMP/o" && pass "Ctrl-C: end probe output arrives" || fail "Ctrl-C: end probe output arrives" "$(tail -3 "$TMP/o")"
[ $rc = 0 ] && pass "Ctrl-C: status 0" || fail "Ctrl-C: status 0" "status $rc"
not_loaded_soon 10 && pass "Ctrl-C: unloaded, folder removed" || fail "Ctrl-C: unloaded, folder removed"

# 8. the local ssh SIGKILLed mid-run, the probe printing nothing
S3='probe begin { printf("started\n") }
probe timer.s(3600) { printf("never\n") }'
"$STAP" -T vm -p4 -e "$S3" >"$TMP/ko3" && approve "$(cat "$TMP/ko3")"
"$STAP" -T vm -e "$S3" >"$TMP/o" 2>"$TMP/e" &
sp=$!
wait_line "$TMP/o" started 1200
sshpid=$(ps -o pid= --ppid $sp | head -1 | tr -d ' ')
if [ -n "$sshpid" ]; then
	kill -KILL "$sshpid"
	not_loaded_soon 10 && pass "ssh killed: remote unload within seconds" ||
		fail "ssh killed: remote unload within seconds"
else
	fail "ssh killed" "no ssh child of stap"
fi
kill $sp 2>/dev/null
wait $sp

# 9. a stale record (another uname -v) is refused before upload
cp "$KH" "$TMP/kh.good"
sed -i '/^vm /s/ uname-v="[^"]*"/ uname-v="#0 rebuilt"/' "$KH"
run stale_record 1 "^stap: target vm no longer matches its record .*uname -v was '#0 rebuilt', is now .*nothing uploaded" -- \
	"$STAP" -T vm -e "$S1"
[ "$(grep -c . "$TMP/out")" = 1 ] && pass "stale: one line" || fail "stale: one line"
cp "$TMP/kh.good" "$KH"

# 10. a changed host key: ssh refuses, one line
cp "$TMP/known_hosts" "$TMP/known_hosts.good"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/other"
printf '[127.0.0.1]:%s %s\n' "$P" "$(cut -d' ' -f1,2 "$TMP/other.pub")" >"$TMP/known_hosts"
run changed_host_key 1 "^stap: target vm: ssh .* failed: the host key of 127.0.0.1 has changed" -- \
	"$STAP" -T vm -e "$S1"
[ "$(grep -c . "$TMP/out")" = 1 ] && pass "changed host key: one line" || fail "changed host key: one line"
cp "$TMP/known_hosts.good" "$TMP/known_hosts"

# 12. a fleet (stap -T LIST, ClusterShell's fan-out) on the VM's real
# kernel: records of the one VM (a single TCG guest is what 2 cores
# afford; many hosts: tests/cli/fleet.sh, bench/fleet.sh): fa (alice,
# approved), fb (root through staprun.auth, not in users=: refused) and fs
# (a stale record); then fa and fa2 (the module running twice) and Ctrl-C.
if /usr/bin/python3 -c 'import ClusterShell' 2>/dev/null; then
	sed -n '/^vm /p' "$KH" | sed 's/^vm /fa /' >>"$KH"
	sed -n '/^vm /p' "$KH" | sed 's/^vm /fa2 /' >>"$KH"
	sed -n '/^vm /p' "$KH" | sed 's/^vm /fb /; s/alice@/root@/' >>"$KH"
	sed -n '/^vm /p' "$KH" | sed 's/^vm /fs /; s/ uname-v="[^"]*"/ uname-v="#0 rebuilt"/' >>"$KH"
	S4='global n = 1, msg = "m"
probe begin { printf("n=%d %s\n", n, msg) exit() }
probe end { printf("end probe ran\n") }'
	"$STAP" -T fa -p4 -e "$S4" >"$TMP/ko4" && approve "$(cat "$TMP/ko4")" n,msg
	"$STAP" -T fa,fb,fs -G n=3 -e "$S4" >"$TMP/o" 2>"$TMP/e"
	rc=$?
	[ $rc = 1 ] && pass "fleet: status 1 (not every host succeeded)" || fail "fleet: status 1 (not every host succeeded)" "status $rc"
	grep -qx 'fa: n=3 m' "$TMP/o" && grep -qx 'fa: end probe ran' "$TMP/o" && [ "$(grep -c . "$TMP/o")" = 2 ] &&
		pass "fleet: the approved host's output, prefixed" || fail "fleet: the approved host's output, prefixed" "$(cat "$TMP/o")"
	grep -Eq '^stap: refused: .*: fb \(1\)$' "$TMP/e" && pass "fleet: summary: refused fb" ||
		{ fail "fleet: summary: refused fb"; sed 's/^/#   /' "$TMP/e"; }
	grep -qx 'stap: kernel record stale: fs (1)' "$TMP/e" && pass "fleet: summary: stale fs" || fail "fleet: summary: stale fs"
	grep -qx 'stap: fleet: 3 hosts: 1 succeeded, 2 did not' "$TMP/e" && pass "fleet: summary counts" || fail "fleet: summary counts"
	not_loaded_soon 10 && pass "fleet: nothing left loaded" || fail "fleet: nothing left loaded"
	# Ctrl-C mid-run, the module running twice at once (fa and fa2)
	fleet_interrupt "fleet: Ctrl-C: " fa fa2 "$S2"
	not_loaded_soon 10 && pass "fleet: Ctrl-C: nothing left loaded" || fail "fleet: Ctrl-C: nothing left loaded"
else
	skip fleet "no ClusterShell (python3-clustershell) on the host"
fi

# 11. a target whose headers are missing on the host
sed -n '/^vm /p' "$KH" | sed 's/^vm /nohdr /; s/ kernel=[^ ]*/ kernel=0.0.0-missing/' >>"$KH"
run missing_headers 1 "^stap: target nohdr: .*install the Debian package linux-headers-0.0.0-missing$" -- \
	"$STAP" -T nohdr -p4 -e "$S1"
finish
exit 0
