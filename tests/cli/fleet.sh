#!/bin/sh
# stap -T FLEET on a simulated fleet on loopback (tests/fleetsim.sh): real
# sshd on FLEET_HOSTS (default 24) addresses of 127.1.0.0/16, real ssh as
# the current user, ClusterShell's fan-out, the real staprun.auth test build
# (fake init_module) deciding on every host.  Asserts: every host's lines
# arrive tagged and whole; the summary's node set per outcome (refused,
# stale record, unreachable, timed out, no module for a kernel, a host
# killed mid-run) and the exit status; a silent address times out without
# holding the rest; Ctrl-C ends every remote run cleanly, nothing left;
# node sets, known_hosts and ClusterShell groups; one build per kernel;
# --no-prefix and --gather.  200 hosts: bench/fleet.sh.
. tests/lib.sh
. tests/sshd.sh
STAPAUTH_O=${STAPAUTH_O:-build}
. tests/fleetsim.sh
STAP=$BIN/stap
N=${FLEET_HOSTS:-24}
[ -x "$STAP" ] && [ -x "$BIN/stap-target" ] || { skip all "stap or stap-target not built"; exit 0; }
[ -n "$(kbuild_release)" ] || { skip all "no installed kernel with its headers"; exit 0; }
why=$(fleetsim_usable) || { skip all "$why"; exit 0; }
trap 'sshd_stop; [ -n "$HOLE" ] && kill "$HOLE" 2>/dev/null; rm -rf "$TMP"' EXIT
export SYSTEMTAP_DIR=$TMP/stapdir STAPAUTH_KNOWN_HOSTS_SYSTEM=$TMP/none
mkdir -p "$SYSTEMTAP_DIR" "$TMP/t"
export TMPDIR=$TMP/t
fleetsim_start "$N" || { fail fleetsim_start "$(tail -3 "$SSHD_DIR/log" 2>/dev/null)"; exit 0; }
pass "sim_${N}_hosts_up"
KH=$SYSTEMTAP_DIR/known_hosts
sim1=$(sed -n 's/^sim001 //p' "$KH")
# simdown: nothing listens there; simhole: accepts and never speaks (ssh's
# connect timeout: unreachable); sim004 hangs (--host-timeout: timed out);
# simbad: a kernel with no build tree here.
{
	echo "simdown $sim1" | sed "s/@127\.1\.0\.1:/@127.2.0.1:/"
	echo "simhole $sim1" | sed "s/@127\.1\.0\.1:/@127.2.0.2:/"
	echo "simbad $sim1" | sed 's/ kernel=[^ ]*/ kernel=9.9.9-nokernel/'
} >>"$KH"
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.2.0.2", int(sys.argv[1]))); s.listen(64)
held = []
while True:
    held.append(s.accept()[0])
' "$SSHD_PORT" &
HOLE=$!

S='global lines = 3, status = 0, anon = 0
probe begin { printf("%d %d %d\n", lines, status, anon) exit() }'
ko=$("$STAP" -T sim001 -p4 -e "$S" 2>"$TMP/e") || { fail build "$(cat "$TMP/e")"; exit 0; }
fleetsim_approve "$ko"
echo 127.1.0.2 >"$SSHD_STATE/refuse"
echo 127.1.0.3 >"$SSHD_STATE/stale"
echo 127.1.0.4 >"$SSHD_STATE/hang"

# One run with every outcome.
t0=$(date +%s)
# The host timeout covers the wait for a CPU too: 2 cores, 64 handshakes
# at once take about 15 s, so it grows with the fleet.
HT=$((15 + N / 4))
"$STAP" -T '@sim,simdown,simhole,simbad' --host-timeout $HT -G lines=5 -G status=0 -e "$S" \
	>"$TMP/o" 2>"$TMP/e"
rc=$?
t1=$(date +%s)
[ $rc = 1 ] && pass outcomes_status_1 || fail outcomes_status_1 "status $rc: $(tail -5 "$TMP/e")"
bad=0
i=1
while [ $i -le "$N" ]; do
	case $i in 2 | 3 | 4) i=$((i + 1)) && continue ;; esac
	name=$(printf 'sim%03d' $i)
	a=$(fleetsim_addr $i)
	got=$(grep -c "^$name: line [1-5] of 5 from $a 0\{200\}$" "$TMP/o")
	[ "$got" = 5 ] || { bad=$((bad + 1)) && echo "# $name: $got of 5 lines"; }
	i=$((i + 1))
done
[ $bad = 0 ] && pass every_hosts_lines_tagged_and_whole || fail every_hosts_lines_tagged_and_whole "$bad hosts"
[ "$(grep -c . "$TMP/o")" = $(((N - 2) * 5 + 1)) ] && pass no_other_stdout_lines || fail no_other_stdout_lines "$(grep -vc '^sim[0-9]*: line' "$TMP/o")"
sumline() { grep -qxF "$1" "$TMP/e" && pass "$2" || { fail "$2" "no line '$1'"; sed 's/^/#   /' "$TMP/e" | tail -8; }; }
sumline "stap: fleet: $((N + 3)) hosts: $((N - 3)) succeeded, 6 did not" summary_counts
grep -Eqx "stap: refused: sha256:[0-9a-f]{64} is not approved .*: sim002 \(1\)" "$TMP/e" &&
	pass summary_refused || fail summary_refused
grep -q "^sim002: staprun.auth: refused: sha256:" "$TMP/e" && pass refusal_line_tagged || fail refusal_line_tagged
sumline "stap: kernel record stale: sim003 (1)" summary_stale
grep -q "^sim003: stap: no longer matches its record (.*known_hosts:3): uname -v was .*, is now '#2 rebuilt'; nothing uploaded (refresh the record with: stap-target add sim003 " "$TMP/e" &&
	pass stale_line_says_why || fail stale_line_says_why
sumline "stap: unreachable: simdown,simhole (2)" summary_unreachable
sumline "stap: timed out: sim004 (1)" summary_timed_out
grep -q "^sim004: first line done 127.1.0.4" "$TMP/o" && pass timed_out_host_ran || fail timed_out_host_ran
sumline "stap: no module built for kernel 9.9.9-nokernel: simbad (1)" summary_no_module
grep -q "^stap: target simbad: no build tree for its kernel 9.9.9-nokernel here" "$TMP/e" &&
	pass no_module_reason_shown || fail no_module_reason_shown
# The silent and the hung hosts held nobody: the whole run took about the
# connect timeout (10 s, facts) and the host timeout (run) once, plus the
# fan-out's own time, not once per host, nor forever.
[ $((t1 - t0)) -lt $((30 + HT + N)) ] && pass silent_host_holds_nobody || fail silent_host_holds_nobody "$((t1 - t0)) s"
[ -z "$(ls "$SSHD_TMP")" ] && pass upload_dirs_removed || fail upload_dirs_removed "$(ls "$SSHD_TMP" | head -3)"
[ -z "$(ls "$TMPDIR")" ] && pass local_folder_removed || fail local_folder_removed "$(ls "$TMPDIR")"
rm -f "$SSHD_STATE/refuse" "$SSHD_STATE/stale" "$SSHD_STATE/hang"

# Ctrl-C mid-run, one host's loader killed before: every other run ends
# as on SIGINT (its end output arrives), the killed one is in the summary.
"$STAP" -T "sim[001-$(printf %03d "$N")]" --fanout "$N" -G lines=1 -e "$S" >"$TMP/o" 2>"$TMP/e" &
sp=$!
i=0
while [ "$(grep -c 'first line done' "$TMP/o")" -lt "$N" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(grep -c 'first line done' "$TMP/o")" = "$N" ] && pass all_hosts_running || fail all_hosts_running "$(grep -c 'first line done' "$TMP/o") of $N"
victim=$(cat "$SSHD_STATE/pid.127.1.0.7" 2>/dev/null)
[ -n "$victim" ] && kill -KILL "$victim" && rm -f "$SSHD_STATE/pid.127.1.0.7"
i=0
while ! [ -z "$(ps -o pid= -p "${victim:-1}" 2>/dev/null)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
kill -INT $sp
wait $sp
rc=$?
[ $rc = 1 ] && pass ctrl_c_status_1 || fail ctrl_c_status_1 "status $rc"
ended=$(grep -c "^sim[0-9]*: end probe ran 127\.1\." "$TMP/o")
[ "$ended" = $((N - 1)) ] && ! grep -q '^sim007: end probe ran' "$TMP/o" && pass ctrl_c_ends_every_run ||
	fail ctrl_c_ends_every_run "$ended of $((N - 1))"
sumline "stap: failed with status 137: sim007 (1)" killed_host_in_summary
sumline "stap: fleet: $N hosts: $((N - 1)) succeeded, 1 did not" ctrl_c_summary_counts
sleep 0.5
[ -z "$(ls "$SSHD_STATE" | grep '^pid\.')" ] && ! pgrep -f "$SSHD_BIN/staprun.auth" >/dev/null &&
	pass nothing_left_running || fail nothing_left_running "$(ls "$SSHD_STATE")"
[ -z "$(ls "$SSHD_TMP")" ] && pass ctrl_c_upload_dirs_removed || fail ctrl_c_upload_dirs_removed

# Prefixes off, outputs gathered.
run no_prefix 0 -- "$STAP" -T 'sim[001-003]' --no-prefix -G lines=2 -G status=0 -e "$S"
[ "$(grep -c '^line [12] of 2 from 127\.1\.0\.[123] 0*$' "$TMP/out")" = 6 ] && pass no_prefix_lines || fail no_prefix_lines
run gather 0 -- "$STAP" -T 'sim[001-004]' --gather -G lines=2 -G status=0 -G anon=1 -e "$S"
{ printf '%s\n' --------------- 'sim[001-004] (4)' --------------- 'line 1 of 2' 'line 2 of 2'; } >"$TMP/want"
grep -v '^stap: fleet' "$TMP/out" | cmp -s - "$TMP/want" && pass gather_identical_output ||
	{ fail gather_identical_output; sed 's/^/#   /' "$TMP/out" | head; }

# Groups: known_hosts group= (above, @sim) and ClusterShell's own group
# files, as an admin has them; one build per kernel: a second build tree
# path (the same headers) is a second kernel, built beside the first.
mkdir -p "$TMP/cs/groups.d"
printf '[Main]\ndefault: site\nautodir: %s/cs/groups.d\n' "$TMP" >"$TMP/cs/groups.conf"
printf 'site:\n    front: sim[001-002]\n    back: sim003\n' >"$TMP/cs/groups.d/site.yaml"
ln -s "/usr/src/linux-headers-$(kbuild_release)" "$TMP/tree2"
echo "simtree2 $sim1 build=$TMP/tree2" >>"$KH"
CLUSTERSHELL_CFGDIR=$TMP/cs run clustershell_group_p4 0 -- "$STAP" -T '@front,@back,simtree2' -p4 -e "$S"
[ "$(grep -c '^sim001,sim002,sim003:$' "$TMP/out")" = 1 ] && [ "$(grep -c '^simtree2:$' "$TMP/out")" = 1 ] &&
	[ "$(grep -c '\.ko$' "$TMP/out")" = 2 ] && pass one_build_per_kernel || { fail one_build_per_kernel; sed 's/^/#   /' "$TMP/out"; }
CLUSTERSHELL_CFGDIR=$TMP/cs run clustershell_unknown_group 1 "unknown|@nosuch" -- "$STAP" -T '@nosuch' -p4 -e "$S"

# Refreshing a record keeps its groups.
run refresh_record 0 -- "$BIN/stap-target" add sim005 "$SSHD_USER@$(fleetsim_addr 5):$SSHD_PORT" auth
grep -q '^sim005 .* group=sim$' "$KH" && pass refresh_keeps_group || fail refresh_keeps_group "$(grep '^sim005 ' "$KH")"

# Bad input: one line, nothing run.
run unknown_target 1 "^stap: -T sim001,nosuch: no such target nosuch" -- "$STAP" -T sim001,nosuch -e "$S"
[ "$(grep -c . "$TMP/out")" = 1 ] && pass unknown_target_one_line || fail unknown_target_one_line "$(cat "$TMP/out")"
run fleet_x_refused 1 "not on a fleet" -- "$STAP" -T 'sim[001-002]' -x 1 -e "$S"
run bad_fanout 1 "invalid argument '0' for --fanout" -- "$STAP" -T 'sim[001-002]' --fanout 0 -e "$S"
exit 0
