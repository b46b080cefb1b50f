# staprun.auth and the Linux audit subsystem, with Debian's auditd running:
# a grant and its unload, a refusal, a -d unload, each a TRUSTED_APP record
# ausearch finds with the user, module, digest and policy line; the kernel's
# own SYSCALL + KERN_MODULE records of the same loads from the same pid (the
# stapauth.rules rule); stap-authorize log and status --json from the same
# trail; and with auditd stopped, or audit disabled, nothing fails.
. /stap/lib.sh
A=/stap/audit
AL=/var/log/audit/audit.log
SZ=/stap/bin/stap-authorize
if [ ! -x /sbin/auditd ] || [ ! -f "$A/m.ko" ] || [ ! -x "$BIN/staprun.auth" ]; then
	skip all "auditd, staprun.auth or the test module is missing (prep failed?)"
	exit 0
fi
auth_install "$A/pam-staprun-auth" || exit 1
D=sha256:$(sha256sum "$A/m.ko" | cut -d' ' -f1)
alice() { as_user alice "$SA" "$@"; }
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n' | tr a-f A-F; }
# aus ARGS...: ausearch over the live log, raw records, never "no matches" noise
aus() { ausearch --input-logs "$@" 2>/dev/null; }
T0=$(cut -d' ' -f1 /proc/uptime)
# lap WHAT: how long the case took so far (on the console, for the budget)
lap() { echo "# vm/auth_audit: $1 at $(awk -v t="$T0" '{ printf "%.1f", $1 - t }' /proc/uptime) s"; }

mkdir -p /var/run /var/log/audit
auditd >"$TMP/auditd.out" 2>&1
wait_for 10 sh -c 'auditctl -s 2>/dev/null | grep -q "^pid [1-9]"'
ok "auditd runs and the kernel talks to it" "$(cat "$TMP/auditd.out"; auditctl -s 2>&1 | head -3)"
auditctl -R "$A/stapauth.rules" >"$TMP/rules.out" 2>&1
auditctl -l | grep -q 'init_module.*key=stapauth'
lap "auditd up"
ok "stapauth.rules loads" "$(cat "$TMP/rules.out"; auditctl -l 2>&1)"

# A path with a space: the record must carry it hex-encoded, one field.
cp "$A/m.ko" "/home/alice/my mod.ko" && chown 1000:1000 "/home/alice/my mod.ko"
BAD=/home/alice/other.ko
cp "$A/m.ko" "$BAD" && printf x >>"$BAD" && chown 1000:1000 "$BAD"
pol "$D users=alice params=lines"
run "grant by digest, auditd running" 0 -- alice "/home/alice/my mod.ko" lines=2
run "refusal, auditd running" 1 'not approved' -- alice "$BAD"
alice "$A/m.ko" lines=0 >"$TMP/bg.out" 2>&1 &
bg=$!
wait_for 10 sh -c 'ls /run/stapauth 2>/dev/null | grep -qv "\.lock$"'
lap "background run loaded"
name=$(ls /run/stapauth | grep -v '\.lock$' | head -1)
$SZ status --json >"$TMP/st.json" 2>&1
grep -q "^\[\$" "$TMP/st.json" && grep -q "{\"module\":\"$name\",\"digest\":\"$D\",\"user\":\"alice\",\"uid\":1000,.*\"loader_alive\":true}" "$TMP/st.json"
ok "stap-authorize status --json lists the live load" "$(cat "$TMP/st.json")"
run "-d of the live run" 0 -- alice -d "$name"
lap "-d done"
wait "$bg"
lap "runs done"

wait_for 5 sh -c "grep -q 'op=stapauth-unload result=done' $AL"
aus -m TRUSTED_APP -ui 1000 --raw >"$TMP/user"
g=$(grep 'op=stapauth-load result=grant' "$TMP/user" | head -1)
echo "$g" | grep -q "acct=\"alice\" module=\"stp_test[A-Za-z0-9_]*\" digest=\"$D\" signer=? policy=\"/etc/systemtap/authorized_probes:1\""
ok "grant record: user, module, digest, signer, policy line" "$g"
echo "#   $g" | cut -c1-400
echo "$g" | grep -q "path=$(hex '/home/alice/my mod.ko') " &&
	echo "$g" | grep -q "exe=\"$SA\".* res=success'"
ok "grant record: the user's path hex-encoded, exe, res=success" "$g"
aus -m TRUSTED_APP -ui 1000 -i >"$TMP/user.i"
grep -q 'path=/home/alice/my mod.ko' "$TMP/user.i"
ok "ausearch -i decodes the path" "$(grep stapauth-load "$TMP/user.i" | head -2)"
r=$(grep 'op=stapauth-load result=refused' "$TMP/user" | head -1)
echo "$r" | grep -q "acct=\"alice\".*digest=\"sha256:[0-9a-f]\{64\}\".*reason=[0-9A-F]* .*res=failed'" &&
	! echo "$r" | grep -q "digest=\"$D\""
ok "refusal record: the refused digest, a reason, res=failed" "$r"
[ "$(grep -c 'op=stapauth-unload result=done' "$TMP/user")" -ge 3 ]
ok "unload records: the run's own end, the -d run's end and the -d itself" \
	"$(grep -c 'op=stapauth-unload' "$TMP/user")"

# The kernel's own record of the same load, from the same pid.
pid=$(echo "$g" | sed -n 's/.* pid=\([0-9]*\) uid=1000 .*/\1/p')
mod=$(echo "$g" | sed -n 's/.*module="\([A-Za-z0-9_]*\)".*/\1/p')
aus -p "$pid" --raw >"$TMP/run"
grep -q "^type=KERN_MODULE .*name=\"$mod\"" "$TMP/run" &&
	grep -q '^type=SYSCALL .*syscall=175 success=yes .*uid=1000 .*exe="/usr/sbin/staprun.auth".*key="stapauth"' "$TMP/run"
ok "ausearch -p PID: init_module's SYSCALL + KERN_MODULE beside the grant" "$(cut -c1-160 "$TMP/run")"
[ "$(grep -c "^type=KERN_MODULE .*name=\"$mod\"" "$TMP/run")" -eq 2 ] &&
	grep -q '^type=SYSCALL .*syscall=176 success=yes' "$TMP/run"
ok "... and delete_module's, for the unload"
aus -i -x "$SA" -ui alice -ts today >"$TMP/all"
grep -q "type=TRUSTED_APP .*op=stapauth-load result=grant" "$TMP/all" &&
	grep -q "type=KERN_MODULE .*name=$mod" "$TMP/all"
ok "one query (staprun.auth(8): ausearch -i -x $SA -ui alice -ts today) shows both" "$(head -c 600 "$TMP/all")"

lap "ausearch checks done"
# stap-authorize log from the same trail.
$SZ log >"$TMP/log" 2>&1
[ "$(grep -c " alice .* $D unloaded  *load+unload  *$POL:1" "$TMP/log")" -eq 2 ] &&
	! grep -q refused "$TMP/log"
ok "stap-authorize log: both approved loads, unloaded, with the policy line" "$(cat "$TMP/log")"
$SZ log --json --user alice >"$TMP/log.json" 2>&1
grep -q "\"module\":\"$mod\",\"digest\":\"$D\"" "$TMP/log.json" &&
	grep -q '"path":"/home/alice/my mod.ko"' "$TMP/log.json" &&
	grep -q '"ended":"unloaded","user":"alice","uid":1000' "$TMP/log.json" &&
	grep "\"module\":\"$mod\"" "$TMP/log.json" | grep -q '"kernel_load_epoch":[0-9]*,"kernel_unload_epoch":[0-9]*}'
ok "stap-authorize log --json --user alice, with the kernel's records of load and unload" "$(cat "$TMP/log.json")"
$SZ log --user bob >"$TMP/log.bob" 2>&1
grep -q 'no approved load' "$TMP/log.bob"
ok "stap-authorize log --user bob: none" "$(cat "$TMP/log.bob")"

lap "log checks done"
# The loader killed: its guard unloads the module, and says so.
alice "$A/m.ko" lines=0 >/dev/null 2>&1 &
bg=$!
wait_for 10 sh -c 'ls /run/stapauth 2>/dev/null | grep -qv "\.lock$"'
name=$(ls /run/stapauth | grep -v '\.lock$' | head -1)
lp=$(sed -n 's/^pid=//p' "/run/stapauth/$name" 2>/dev/null)
wait_for 10 grep -q "^$name " /proc/modules
[ -n "$lp" ] && as_user alice kill -9 "$lp"
wait "$bg" 2>/dev/null
wait_for 20 sh -c "! grep -q '^$name ' /proc/modules"
ok "SIGKILLed loader: its guard unloaded $name"
wait_for 5 sh -c "grep -q 'op=stapauth-unload result=done acct=\"alice\" module=\"$name\"' $AL"
k=$(grep "op=stapauth-unload result=done acct=\"alice\" module=\"$name\"" "$AL")
echo "$k" | grep -q "digest=\"$D\" .*reason=$(hex 'the loader died: its guard unloaded the module') " &&
	! echo "$k" | grep -q " pid=$lp "
ok "the guard's unload record: user, module, digest, why, from the guard's pid" "$k"
$SZ log --json --user alice >"$TMP/log.json" 2>&1
grep -q "\"ended\":\"unloaded\",\"user\":\"alice\",\"uid\":1000,\"auid\":null,\"pid\":$lp,\"module\":\"$name\"" "$TMP/log.json"
ok "stap-authorize log pairs the grant with the guard's unload" "$(cat "$TMP/log.json")"
lap "SIGKILL case done"
# auditd gone (audit still enabled: the kernel keeps or prints the records
# itself), then audit disabled: the runs go on.
ad=$(auditctl -s 2>/dev/null | sed -n 's/^pid \([0-9]*\)$/\1/p')
[ -n "$ad" ] && [ "$ad" -gt 0 ] && kill "$ad"
wait_for 10 sh -c "! kill -0 $ad 2>/dev/null"
ok "auditd stops" "pid $ad; $(auditctl -s 2>&1 | head -3)"
run "grant with auditd stopped, audit enabled" 0 '^line 2$' -- alice "$A/m.ko" lines=2
auditctl -e 0 >/dev/null 2>&1
run "refusal with audit disabled" 1 'not approved' -- alice "$BAD"
lap "no-audit runs done"
! grep -qE '^stp_test' /proc/modules
ok "nothing left loaded"
