#!/bin/sh
# stap -T NAME pass 5 over OpenSSH, against a private sshd on 127.0.0.1
# (tests/sshd.sh) whose loaders are stand-ins (tests/remote/fakeloader):
# the facts check before upload, the private folder and its removal, the
# quoting of hostile arguments, streaming, stdout/stderr apart, the exit
# status, Ctrl-C, a killed ssh, a changed host key.  The real loaders on a
# real kernel: tests/vm.
. tests/lib.sh
. tests/sshd.sh
STAP=$BIN/stap
ST=$BIN/stap-target
[ -x "$STAP" ] && [ -x "$ST" ] || { skip all "stap or stap-target not built"; exit 0; }
rel=$(kbuild_release)
[ -n "$rel" ] || { skip all "no installed kernel with its headers"; exit 0; }
sshd_usable || { skip all "no sshd/ssh (openssh-server, openssh-client)"; exit 0; }
# stap's ssh control folders go to a private, short TMPDIR (a socket path
# holds 107 bytes), so the check that none is left sees only this test's.
CTLTMP=$(mktemp -d /tmp/stc.XXXXXX) && export TMPDIR=$CTLTMP
trap 'sshd_stop; rm -rf "$TMP" "$CTLTMP"' EXIT
sshd_start || { fail sshd_start "$(head -3 "$SSHD_DIR/log" 2>/dev/null)"; exit 0; }
export SYSTEMTAP_DIR=$TMP/stapdir STAPAUTH_KNOWN_HOSTS_SYSTEM=$TMP/none
mkdir -p "$SYSTEMTAP_DIR"
for p in staprun staprun.auth; do cp tests/remote/fakeloader "$SSHD_BIN/$p"; done
printf '#!/bin/sh\n[ "$1" = -n ] || exit 99\nshift\necho "sudo ran $1" >"$STAPAUTH_TEST_STATE/sudo"\nexec "$@"\n' >"$SSHD_BIN/sudo"
chmod 755 "$SSHD_BIN/sudo"
D="$SSHD_USER@127.0.0.1:$SSHD_PORT"
# The target is this machine seen over ssh.  Its running kernel may have
# no headers here, so the far side's uname -r (a stand-in on its PATH)
# reports the installed kernel whose headers we build with.
printf '#!/bin/sh\ncase "$1" in -r) echo %s ;; *) exec /bin/uname "$@" ;; esac\n' "$rel" >"$SSHD_BIN/uname"
chmod 755 "$SSHD_BIN/uname"
"$ST" add vm "$D" auth >"$TMP/out" 2>&1 || { fail record "$(cat "$TMP/out")"; exit 0; }
pass record_target
KH=$SYSTEMTAP_DIR/known_hosts
S='global msg = "m", status = 0, refuse = 0
probe begin { printf("%s %d %d\n", msg, status, refuse) exit() }'
# A stale record (the kernel was rebuilt: another uname -v) is refused
# before anything is uploaded.
cp "$KH" "$TMP/kh.good"
live_v=$(uname -v)
sed -i 's/ uname-v="[^"]*"/ uname-v="#0 stale"/' "$KH"
run stale_record_refused 1 "^stap: target vm no longer matches its record \(.*known_hosts:1\): uname -v was '#0 stale', is now '$live_v'; nothing uploaded \(refresh the record with: stap-target add vm $D auth\)" -- \
	"$STAP" -T vm -e "$S"
[ "$(wc -l <"$TMP/out")" = 1 ] && pass stale_one_line || fail stale_one_line "$(cat "$TMP/out")"
[ -z "$(ls "$SSHD_TMP")" ] && [ ! -e "$SSHD_STATE/args" ] && pass stale_nothing_uploaded || fail stale_nothing_uploaded
cp "$TMP/kh.good" "$KH"

HOSTILE_C='echo "$(id)" `id` ; rm -rf / '"'"'quote'"'"' \ &&& | > < * ~'
HOSTILE_O="$TMP/out dir/\$(touch x)'q'.txt"
HOSTILE_G='msg=a b;$(touch /tmp/stapauth-pwned)`x`'"'"
"$STAP" -T vm -c "$HOSTILE_C" -o "$HOSTILE_O" -G "$HOSTILE_G" -G status=7 -e "$S" >"$TMP/o" 2>"$TMP/e"
rc=$?
[ $rc = 7 ] && pass exit_status_propagated || { fail exit_status_propagated "status $rc"; sed 's/^/#   /' "$TMP/e" | head; }
grep -qx "probe output" "$TMP/o" && ! grep -q "to stderr" "$TMP/o" && grep -qx "to stderr" "$TMP/e" &&
	pass stdout_stderr_apart || fail stdout_stderr_apart
{
	echo "prog staprun.auth"
	echo "arg[--tied]"
	echo "arg[-o]"
	printf 'arg[%s]\n' "$HOSTILE_O"
	echo "arg[-c]"
	printf 'arg[%s]\n' "$HOSTILE_C"
	echo "arg[--]"
	printf 'arg[%s/' "$(cat "$SSHD_STATE/dir")"
	printf '%s]\n' "$(basename "$("$STAP" -T vm -p4 -e "$S")")"
	printf 'arg[%s]\n' "$HOSTILE_G"
	echo "arg[status=7]"
} >"$TMP/want"
cmp -s "$TMP/want" "$SSHD_STATE/args" && pass hostile_arguments_arrive_intact ||
	{ fail hostile_arguments_arrive_intact; diff "$TMP/want" "$SSHD_STATE/args" | sed 's/^/#   /' | head; }
[ ! -e /tmp/stapauth-pwned ] && [ ! -e x ] && pass no_injection || fail no_injection
dir=$(cat "$SSHD_STATE/dir")
case $dir in "$SSHD_TMP"/stapauth.*) pass upload_in_fresh_dir ;; *) fail upload_in_fresh_dir "$dir" ;; esac
[ ! -e "$dir" ] && [ -z "$(ls "$SSHD_TMP")" ] && pass upload_dir_removed || fail upload_dir_removed "$(ls "$SSHD_TMP")"
ls -d "$CTLTMP"/stapssh.* >/dev/null 2>&1 && fail control_dir_removed || pass control_dir_removed

run target_refusal_one_line 1 "^staprun.auth: refused: sha256:0000 is not approved" -- "$STAP" -T vm -G refuse=1 -e "$S"
[ "$(wc -l <"$TMP/out")" = 1 ] && pass refusal_is_the_targets_line || fail refusal_is_the_targets_line "$(cat "$TMP/out")"

# sudo and root modes run their loaders
sed -i 's/:auth kernel=/:sudo kernel=/' "$SYSTEMTAP_DIR/known_hosts"
run sudo_mode 0 -- "$STAP" -T vm -G status=0 -e "$S"
grep -qx "sudo ran staprun" "$SSHD_STATE/sudo" 2>/dev/null && grep -qx "prog staprun" "$SSHD_STATE/args" &&
	pass sudo_runs_sudo_n_staprun || fail sudo_runs_sudo_n_staprun
sed -i 's/:sudo kernel=/:root kernel=/' "$SYSTEMTAP_DIR/known_hosts"
rm -f "$SSHD_STATE/sudo"
run root_mode 0 -- "$STAP" -T vm -G status=0 -e "$S"
[ ! -e "$SSHD_STATE/sudo" ] && grep -qx "prog staprun" "$SSHD_STATE/args" && pass root_runs_staprun || fail root_runs_staprun
sed -i 's/:root kernel=/:auth kernel=/' "$SYSTEMTAP_DIR/known_hosts"

# Streaming and Ctrl-C: output arrives while the run goes on; SIGINT (as
# the terminal sends to stap's process group) ends it cleanly.
rm -f "$SSHD_STATE/ended"
"$STAP" -T vm -e "$S" >"$TMP/o" 2>"$TMP/e" &
sp=$!
if wait_line "$TMP/o" "first line" 300 && kill -0 $sp 2>/dev/null; then
	pass output_streamed_while_running
else
	fail output_streamed_while_running "$(cat "$TMP/e")"
fi
kill -INT $sp
wait $sp
rc=$?
wait_line "$SSHD_STATE/ended" ended 50 && pass ctrl_c_ends_remote_run || fail ctrl_c_ends_remote_run
grep -qx "end probe ran" "$TMP/o" && pass ctrl_c_end_output_flushed || fail ctrl_c_end_output_flushed "$(cat "$TMP/o")"
[ $rc = 0 ] && pass ctrl_c_status || fail ctrl_c_status "status $rc"
[ -z "$(ls "$SSHD_TMP")" ] && pass ctrl_c_dir_removed || fail ctrl_c_dir_removed

# The local ssh SIGKILLed mid-run: the remote side notices (stdin EOF).
rm -f "$SSHD_STATE/ended"
"$STAP" -T vm -e "$S" >"$TMP/o" 2>"$TMP/e" &
sp=$!
wait_line "$TMP/o" "first line" 300
sshpid=$(ps -o pid= --ppid $sp | head -1 | tr -d ' ')
if [ -n "$sshpid" ]; then
	kill -KILL "$sshpid"
	wait_line "$SSHD_STATE/ended" ended 50 && pass killed_ssh_ends_remote_run || fail killed_ssh_ends_remote_run
	i=0
	while [ -n "$(ls "$SSHD_TMP")" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -z "$(ls "$SSHD_TMP")" ] && pass killed_ssh_dir_removed || fail killed_ssh_dir_removed
	wait $sp
	rc=$?
	[ $rc != 0 ] && pass killed_ssh_status_nonzero || fail killed_ssh_status_nonzero
else
	fail killed_ssh "no ssh child of stap found"
	kill $sp
fi

# Ctrl-C during the upload (a slow sha256sum there): no run, the folder
# removed, status 130.
printf '#!/bin/sh\nsleep 3\nexec /usr/bin/sha256sum "$@"\n' >"$SSHD_BIN/sha256sum"
chmod 755 "$SSHD_BIN/sha256sum"
rm -f "$SSHD_STATE/args"
"$STAP" -T vm -e "$S" >"$TMP/o" 2>"$TMP/e" &
sp=$!
i=0
while [ -z "$(ls "$SSHD_TMP")" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT $sp
wait $sp
rc=$?
rm -f "$SSHD_BIN/sha256sum"
[ $rc = 130 ] && grep -q "interrupted before the run; nothing left there" "$TMP/e" &&
	pass ctrl_c_during_upload_stops || fail ctrl_c_during_upload_stops "status $rc: $(cat "$TMP/e")"
[ ! -e "$SSHD_STATE/args" ] && [ -z "$(ls "$SSHD_TMP")" ] && pass ctrl_c_during_upload_leaves_nothing ||
	fail ctrl_c_during_upload_leaves_nothing

# A changed host key: ssh refuses, stap says so in one line.
ssh-keygen -q -t ed25519 -N '' -f "$TMP/otherkey"
printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$TMP/otherkey.pub")" >"$SSHD_DIR/known_hosts"
run changed_host_key 1 "^stap: target vm: ssh .* failed: the host key of 127.0.0.1 has changed" -- "$STAP" -T vm -e "$S"
[ "$(wc -l <"$TMP/out")" = 1 ] && pass changed_host_key_one_line || fail changed_host_key_one_line "$(cat "$TMP/out")"
exit 0
