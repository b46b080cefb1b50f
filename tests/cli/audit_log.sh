#!/bin/sh
# stap-authorize log over an audit log this test writes itself, in the raw
# form auditd writes (log_format ENRICHED, the kernel's prefix, libaudit's
# suffix): grants paired with their ends, refusals left out, --since,
# --user, --json (checked by python3's JSON parser), malformed records
# counted, and (when auditd's tools are installed) the same file read by
# ausearch itself: the fields are in the form it parses.  The real audit
# subsystem is the VM case auth_audit's.
. tests/lib.sh
A="$BIN/stap-authorize"
[ -x "$A" ] || { fail "binary" "$A missing"; exit 1; }
L=$TMP/audit.log
D1=sha256:$(printf '1%.0s' $(seq 64))
D2=sha256:$(printf '2%.0s' $(seq 64))
POL=/etc/systemtap/authorized_probes
# ok NAME: PASS when the previous command succeeded
ok() { if [ $? -eq 0 ]; then pass "$1"; else fail "$1" "$(head -20 "$TMP/out")"; fi; }
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n' | tr a-f A-F; }
# rec SEC SERIAL PID UID OP RESULT ACCT MODULE DIGEST POLICYLINE PATH RES [REASON]
rec() {
	pol='?' path='?' reason='?'
	[ -n "${10}" ] && pol="\"$POL:${10}\""
	[ -n "${11}" ] && path=$(hex "${11}")
	[ -n "${13:-}" ] && reason=$(hex "${13}")
	printf "type=TRUSTED_APP msg=audit(%s.123:%s): pid=%s uid=%s auid=%s ses=3 subj=unconfined msg='op=stapauth-%s result=%s acct=\"%s\" module=\"%s\" digest=\"%s\" signer=? policy=%s path=%s reason=%s exe=\"/usr/sbin/staprun.auth\" hostname=? addr=? terminal=pts/0 res=%s'\035UID=\"%s\" AUID=\"%s\"\n" \
		"$1" "$2" "$3" "$4" "$4" "$5" "$6" "$7" "$8" "$9" "$pol" "$path" "$reason" "${12}" "$7" "$7"
}
{
	# alice: a load of 75 s, its kernel record between, then its unload
	rec 1795000000 10 4242 1000 load grant alice stp_a_u1000_4242 "$D1" 3 "/home/alice/my mod.ko" success
	printf 'type=SYSCALL msg=audit(1795000001.000:11): arch=c000003e syscall=175 success=yes exit=0 a0=7f a1=10 a2=55 a3=0 items=0 ppid=1 pid=4242 auid=1000 uid=1000 gid=1000 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm="staprun.auth" exe="/usr/sbin/staprun.auth" subj=unconfined key="stapauth"\035ARCH=x86_64 SYSCALL=init_module AUID="alice" UID="alice"\n'
	printf 'type=KERN_MODULE msg=audit(1795000001.000:11): name="stp_a_u1000_4242"\n'
	# the unload: KERN_MODULE before SYSCALL this time (either order pairs)
	printf 'type=KERN_MODULE msg=audit(1795000074.500:13): name="stp_a_u1000_4242"\n'
	printf 'type=SYSCALL msg=audit(1795000074.500:13): arch=c000003e syscall=176 success=yes exit=0 a0=7f a1=800 a2=0 a3=0 items=0 ppid=1 pid=4242 auid=1000 uid=1000 gid=1000 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm="staprun.auth" exe="/usr/sbin/staprun.auth" subj=unconfined key="stapauth"\n'
	rec 1795000075 12 4242 1000 unload done alice stp_a_u1000_4242 "$D1" 3 "/home/alice/my mod.ko" success
	# bob: refused (not a load), then a load its loader never ended: the
	# next start reconciled it an hour later
	rec 1795086400 20 5000 1001 load refused bob stp_b "$D2" "" /tmp/b.ko failed "not approved"
	rec 1795086500 21 5001 1001 load grant bob stp_b_u1001_5001 "$D2" 7 /tmp/b.ko success
	rec 1795090100 22 5100 1001 reconcile done bob stp_b_u1001_5001 "$D2" "" "" success
	# a claimed stapauth record that is broken (odd hex): counted, skipped
	printf "type=TRUSTED_APP msg=audit(1795090200.000:23): pid=1 uid=0 auid=0 ses=1 msg='op=stapauth-load result=grant acct=ABC module=? digest=? signer=? policy=? path=? reason=? res=success'\n"
	# alice again: still running (no end yet), and a load that failed
	rec 1795172800 30 6000 1000 load grant alice stp_a_u1000_6000 "$D1" 3 /home/alice/a.ko success
	rec 1795172900 31 6001 1000 load grant alice stp_a_u1000_6001 "$D1" 3 /home/alice/a.ko success
	rec 1795172901 32 6001 1000 load failed alice stp_a_u1000_6001 "$D1" 3 /home/alice/a.ko failed "init_module: File exists"
} >"$L"

run "log: table" 0 '^START \(UTC\) +DURATION +USER' -- "$A" log --input "$L"
grep -q "malformed" "$TMP/out" && [ "$(grep -c 'stp_' "$TMP/out")" -eq 4 ]
ok "log: four approved loads (refusal left out), one malformed record counted"
grep -Eq "^2026-11-18T11:06:40Z +1m15s +alice +stp_a_u1000_4242 +$D1 +unloaded +load\+unload +$POL:3\$" "$TMP/out"
ok "log: start, duration, user, module, digest, end, the kernel's records, approval line"
grep -Eq "^2026-11-19T11:08:20Z +1h00m00s +bob +stp_b_u1001_5001 +$D2 +reconciled +- +$POL:7\$" "$TMP/out"
ok "log: a load its next start reconciled"
grep -Eq "^2026-11-20T11:06:40Z +- +alice +stp_a_u1000_6000 .* no record " "$TMP/out" &&
	grep -Eq "stp_a_u1000_6001 .* load failed " "$TMP/out"
ok "log: a load with no end yet, and a failed load"

run "log --user bob" 0 -- "$A" log --input "$L" --user bob
[ "$(grep -c 'stp_' "$TMP/out")" -eq 1 ] && grep -q stp_b_u1001_5001 "$TMP/out"
ok "log --user bob: bob's load only"
run "log --user 1000" 0 -- "$A" log --input "$L" --user 1000
[ "$(grep -c 'stp_a_' "$TMP/out")" -eq 3 ] && ! grep -q stp_b "$TMP/out"
ok "log --user UID: alice's three"
run "log --since DATE" 0 -- "$A" log --input "$L" --since 2026-11-20
[ "$(grep -c 'stp_' "$TMP/out")" -eq 2 ] && ! grep -q 'stp_b\|4242' "$TMP/out"
ok "log --since: from the start of that day, UTC"
run "log --since TIME" 0 -- "$A" log --input "$L" --since 2026-11-20T11:07:00Z
[ "$(grep -c 'stp_' "$TMP/out")" -eq 1 ]
ok "log --since RFC 3339: loads started at or after it"
run "log --since bad" 2 '^stap-authorize: log: --since 20-11-2026: not YYYY-MM-DD' -- \
	"$A" log --input "$L" --since 20-11-2026
run "log --input missing" 2 '^stap-authorize: log: .*/none: No such file' -- "$A" log --input "$TMP/none"
: >"$TMP/empty"
run "log: nothing" 0 'no approved load in the audit trail' -- "$A" log --input "$TMP/empty"

"$A" log --input "$L" --json >"$TMP/log.json" 2>"$TMP/err"
if python3 -m json.tool "$TMP/log.json" >/dev/null 2>&1; then pass "log --json is valid JSON"; else
	fail "log --json is valid JSON" "$(head -c 400 "$TMP/log.json")"; fi
python3 - "$TMP/log.json" "$D1" <<'PY' >"$TMP/out" 2>&1
import json, sys
v = json.load(open(sys.argv[1]))
assert len(v) == 4, len(v)
a = v[0]
want = {"start": "2026-11-18T11:06:40Z", "start_epoch": 1795000000, "end_epoch": 1795000075,
        "seconds": 75, "ended": "unloaded", "user": "alice", "uid": 1000, "auid": 1000,
        "pid": 4242, "module": "stp_a_u1000_4242", "digest": sys.argv[2], "signer": None,
        "approval": "/etc/systemtap/authorized_probes:3", "path": "/home/alice/my mod.ko",
        "kernel_load_epoch": 1795000001, "kernel_unload_epoch": 1795000074}
for k, w in want.items():
    assert a[k] == w, (k, a[k], w)
assert v[2]["end"] is None and v[2]["seconds"] is None and v[2]["ended"] is None
assert v[1]["kernel_load_epoch"] is None and v[1]["kernel_unload_epoch"] is None
assert v[3]["ended"] == "load failed"
PY
ok "log --json: fields, the decoded path, the kernel's records, nulls for a load not ended"
"$A" log --input "$L" --json --user nobody >"$TMP/none.json" 2>/dev/null
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/none.json" 2>&1)" = 0 ]
ok "log --json with nothing: an empty array"

"$A" status --json >"$TMP/st.json" 2>&1
python3 -m json.tool "$TMP/st.json" >/dev/null 2>&1
ok "status --json is valid JSON"

if command -v ausearch >/dev/null 2>&1; then
	ausearch -if "$L" -m TRUSTED_APP -ui 1000 --raw >"$TMP/out" 2>&1
	[ "$(grep -c 'op=stapauth-' "$TMP/out")" -eq 5 ]
	ok "ausearch -m TRUSTED_APP -ui 1000 finds alice's five records"
	ausearch -if "$L" -i -x /usr/sbin/staprun.auth -p 4242 >"$TMP/out" 2>&1
	grep -q 'path=/home/alice/my mod.ko' "$TMP/out" && grep -q 'type=KERN_MODULE.*name=stp_a_u1000_4242' "$TMP/out" &&
		grep -q 'op=stapauth-unload result=done acct=alice' "$TMP/out"
	ok "ausearch -i -x staprun.auth -p PID: the decoded records and the kernel's, one query"
else
	skip "ausearch" "auditd's tools are not installed (scripts/deps installs auditd)"
fi
