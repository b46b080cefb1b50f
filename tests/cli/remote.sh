#!/bin/sh
# stap -T NAME pass 5 over OpenSSH, against a private sshd on 127.0.0.1
# (tests/sshd.sh) whose loaders are stand-ins (tests/remote/fakeloader;
# tests/remote/authloader, the real staprun.auth test build, for a tie cut
# before the loader starts): the facts check before upload, the private
# folder and its removal (a connection lost between or during trips), the
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
trap 'sshd_stop; rm -rf "$TMP"' EXIT
sshd_start || { fail sshd_start "$(head -3 "$SSHD_DIR/log" 2>/dev/null)"; exit 0; }
export SYSTEMTAP_DIR=$TMP/stapdir STAPAUTH_KNOWN_HOSTS_SYSTEM=$TMP/none
mkdir -p "$SYSTEMTAP_DIR" "$TMP/t"
export TMPDIR=$TMP/t # stap's own control folders, apart from other runs
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
# The target's BTF is kept for probe resolution: a private, exact copy
# with its stamp, used by stap -T; a changed copy or record is refused.
BTF=$SYSTEMTAP_DIR/targets/vm.btf
if [ -r /sys/kernel/btf/vmlinux ]; then
	[ "$(stat -c %a "$BTF" 2>/dev/null)" = 600 ] && [ "$(stat -c %a "${BTF%/*}")" = 700 ] &&
		cmp -s "$BTF" /sys/kernel/btf/vmlinux && pass btf_copied_private ||
		fail btf_copied_private "$(ls -la "${BTF%/*}" 2>&1)"
	grep -qx "sha256:$(sha256sum <"$BTF" | cut -d' ' -f1) build-id=$(sed -n 's/.* build-id=\([0-9a-f]*\).*/\1/p' "$KH")" "$BTF.sha256" &&
		pass btf_stamp_recorded || fail btf_stamp_recorded "$(cat "$BTF.sha256")"
	P='probe kernel.function("vfs_read") { exit() }'
	run btf_used_for_symbols 0 "kernel functions from the target's BTF" -- "$STAP" -T vm -p2 -vv -e "$P"
	cp "$BTF" "$TMP/btf.good"
	printf x >>"$BTF"
	run btf_stale_copy_refused 1 "^stap: target vm: its BTF copy .*/targets/vm.btf is stale \(its digest or build-id no longer matches the record\)" -- "$STAP" -T vm -p2 -e "$P"
	cp "$TMP/btf.good" "$BTF"
	cp "$KH" "$TMP/kh.btf"
	sed -i 's/ build-id=[0-9a-f]*/ build-id=00112233/' "$KH"
	run btf_other_build_refused 1 "is stale" -- "$STAP" -T vm -p2 -e "$P"
	cp "$TMP/kh.btf" "$KH"
	run btf_good_again 0 -- "$STAP" -T vm -p2 -e "$P"
	# A target without BTF (or a cut-short one): no copy kept, one note.
	for how in none short; do
		case $how in
		none) printf '#!/bin/sh\n[ "$1" = /sys/kernel/btf/vmlinux ] && exit 1\nexec /bin/cat "$@"\n' ;;
		short) printf '#!/bin/sh\n[ "$1" = /sys/kernel/btf/vmlinux ] && exec /usr/bin/head -c 100000 "$1"\nexec /bin/cat "$@"\n' ;;
		esac >"$SSHD_BIN/cat"
		chmod 755 "$SSHD_BIN/cat"
		run "btf_${how}_noted" 0 "^stap-target: vm: no /sys/kernel/btf/vmlinux there; stap -T vm resolves probes with this machine's files" -- "$ST" add vm "$D" auth
		[ ! -e "$BTF" ] && [ ! -e "$BTF.sha256" ] && pass "btf_${how}_no_copy" || fail "btf_${how}_no_copy"
		run "btf_${how}_local_files" 0 -- "$STAP" -T vm -p2 -vv -e "$P"
		! grep -q "from the target's BTF" "$TMP/out" && pass "btf_${how}_not_used" || fail "btf_${how}_not_used"
	done
	rm -f "$SSHD_BIN/cat"
	run btf_refetched 0 -- "$ST" add vm "$D" auth
	cmp -s "$BTF" /sys/kernel/btf/vmlinux && pass btf_refetched_copy || fail btf_refetched_copy
else
	skip btf "no /sys/kernel/btf/vmlinux here"
fi
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
ls -d "$TMP"/t/stapssh.* >/dev/null 2>&1 && fail control_dir_removed || pass control_dir_removed

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
wait_line "$TMP/o" "first line" 600
sshpid=$(pgrep -P $sp -x ssh | head -1)
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
	fail killed_ssh "no ssh child of stap found (stap $(kill -0 $sp 2>/dev/null && echo running || echo ended)): $(tail -c 400 "$TMP/o" "$TMP/e")"
	kill $sp 2>/dev/null
	wait $sp
fi

# ctrl_c_at FILE: stap -T vm in the background, sent SIGINT once the far
# side's stand-in has written $SSHD_STATE/FILE; its status in rc, its
# output in $TMP/o and $TMP/e.
ctrl_c_at() {
	rm -f "$SSHD_STATE/$1"
	"$STAP" -T vm -e "$S" >"$TMP/o" 2>"$TMP/e" &
	sp=$!
	wait_line "$SSHD_STATE/$1" . 300
	kill -INT $sp
	wait $sp
	rc=$?
}

# Ctrl-C during the facts trip (a slow uname there): no run, nothing
# made there, status 130.
cp "$SSHD_BIN/uname" "$TMP/uname.real"
printf '#!/bin/sh\n[ "$1" = -r ] && { echo facts >"$STAPAUTH_TEST_STATE/facts"; sleep 3; }\nexec %s "$@"\n' "$TMP/uname.real" >"$SSHD_BIN/uname"
rm -f "$SSHD_STATE/args"
ctrl_c_at facts
cp "$TMP/uname.real" "$SSHD_BIN/uname"
[ $rc = 130 ] && grep -q "interrupted before the run; nothing left there" "$TMP/e" &&
	pass ctrl_c_before_upload_stops || fail ctrl_c_before_upload_stops "status $rc: $(cat "$TMP/e")"
[ ! -e "$SSHD_STATE/args" ] && [ -z "$(ls "$SSHD_TMP")" ] && pass ctrl_c_before_upload_leaves_nothing ||
	fail ctrl_c_before_upload_leaves_nothing

# The connection lost between the two trips (an ssh that can no longer
# reach the target for the run): the facts trip made nothing there, so
# nothing is left behind.
printf '#!/bin/sh\ncase "$*" in *--tied*) echo "Connection closed by 127.0.0.1" >&2; exit 255 ;; esac\nexec %s "$@"\n' \
	"$STAPAUTH_SSH" >"$TMP/lostssh"
chmod 755 "$TMP/lostssh"
rm -f "$SSHD_STATE/args"
STAPAUTH_SSH=$TMP/lostssh run lost_between_trips 255 "^stap: target vm: the connection failed \(ssh status 255\)" -- \
	"$STAP" -T vm -G status=0 -e "$S"
[ ! -e "$SSHD_STATE/args" ] && [ -z "$(ls "$SSHD_TMP")" ] && pass lost_between_trips_leaves_nothing ||
	fail lost_between_trips_leaves_nothing "$(ls "$SSHD_TMP")"

# The connection lost during the digest check of a corrupted upload (a
# slow sha256sum; the local ssh and the connection's master killed): the
# far shell's refusal line has nowhere to go (SIGPIPE), and its trap still
# removes the folder.  The run's command goes through dash there
# (tests/remote/dashssh): unlike bash, dash runs no EXIT trap when a signal
# kills it.
printf '#!/bin/sh\n/usr/bin/head "$@" | tr "\\000" "\\001"\n' >"$SSHD_BIN/head"
printf '#!/bin/sh\necho digest >"$STAPAUTH_TEST_STATE/digest"\nsleep 2\nexec /usr/bin/sha256sum "$@"\n' >"$SSHD_BIN/sha256sum"
chmod 755 "$SSHD_BIN/head" "$SSHD_BIN/sha256sum"
rm -f "$SSHD_STATE/args" "$SSHD_STATE/digest"
DASHSSH_SSH=$STAPAUTH_SSH STAPAUTH_SSH=$PWD/tests/remote/dashssh "$STAP" -T vm -G status=0 -e "$S" >"$TMP/o" 2>"$TMP/e" &
sp=$!
wait_line "$SSHD_STATE/digest" digest 300
sshpid=$(ps -o pid= --ppid $sp | head -1 | tr -d ' ')
master=$(ps -eo pid=,args= | grep -F -- "-S $TMP/t/stapssh." | grep -F ControlMaster=yes | grep -v grep | awk '{ print $1 }')
[ -n "$sshpid" ] && [ -n "$master" ] && kill -KILL "$sshpid" $master
wait $sp
i=0
while [ -n "$(ls "$SSHD_TMP")" ] && [ $i -lt 60 ]; do sleep 0.1; i=$((i + 1)); done
rm -f "$SSHD_BIN/head" "$SSHD_BIN/sha256sum"
[ -n "$sshpid" ] && [ -n "$master" ] && [ ! -e "$SSHD_STATE/args" ] && [ -z "$(ls "$SSHD_TMP")" ] &&
	pass lost_during_digest_leaves_nothing || fail lost_during_digest_leaves_nothing "ssh ${sshpid:-not found}, master ${master:-not found}: $(ls "$SSHD_TMP")"

# Ctrl-C once the module is sent, while the target checks its digest (a
# slow sha256sum there): the loader would start with its tie cut already,
# so it refuses in one line and loads nothing; the folder is removed.  The
# loader is the real staprun.auth test build with the fake init_module
# (tests/remote/authloader); a live tie loads.
FAKE_DIR=$(cd "${STAPAUTH_O:-build}/tests/fake" 2>/dev/null && pwd)
if [ "$(id -u)" != 0 ] || [ ! -x "$FAKE_DIR/staprun.auth-fake" ] || ! command -v cc >/dev/null; then
	skip ctrl_c_during_digest "needs root, ${STAPAUTH_O:-build}/tests/fake/staprun.auth-fake and cc"
else
	FR=$FAKE_DIR/root
	rm -rf "$FR" && mkdir -p "$FR/etc/keys" "$FR/sys/module" "$FR/run" "$SSHD_STATE/fake"
	cc -c -DSTP_FIX_VERMAGIC="\"$(uname -r)\"" -o "$SSHD_STATE/fix.ko" tests/fake/stp_fix.c
	printf 'sha256:%s\n' "$(sha256sum <"$SSHD_STATE/fix.ko" | cut -d' ' -f1)" >"$FR/etc/authorized_probes"
	echo "$FAKE_DIR" >"$SSHD_STATE/fake_dir"
	cp tests/remote/authloader "$SSHD_BIN/staprun.auth"
	printf '#!/bin/sh\necho digest >"$STAPAUTH_TEST_STATE/digest"\nsleep 3\nexec /usr/bin/sha256sum "$@"\n' >"$SSHD_BIN/sha256sum"
	chmod 755 "$SSHD_BIN/sha256sum"
	rm -f "$SSHD_STATE/fake/log"
	ctrl_c_at digest
	rm -f "$SSHD_BIN/sha256sum"
	[ $rc = 1 ] && [ "$(grep -c . "$TMP/e")" = 1 ] &&
		grep -Eq "^staprun.auth: load failed: .*fix\.ko: --tied, but the connection is gone already .*; nothing loaded$" "$TMP/e" &&
		pass ctrl_c_during_digest_refused_one_line || fail ctrl_c_during_digest_refused_one_line "status $rc: $(cat "$TMP/e")"
	! grep -q init_module "$SSHD_STATE/fake/log" 2>/dev/null && [ -z "$(ls "$SSHD_TMP")" ] &&
		[ -z "$(ls "$FR/run/stapauth" 2>/dev/null)" ] && pass ctrl_c_during_digest_loads_nothing ||
		fail ctrl_c_during_digest_loads_nothing "$(cat "$SSHD_STATE/fake/log" 2>/dev/null; ls "$SSHD_TMP")"
	# (the fake kernel has no transport: the relay gives up after 5 s)
	run live_tie_loads nz -- "$STAP" -T vm -e "$S"
	grep -q '^init_module' "$SSHD_STATE/fake/log" 2>/dev/null && grep -q '^delete_module' "$SSHD_STATE/fake/log" &&
		[ -z "$(ls "$SSHD_TMP")" ] && pass live_tie_loads_and_unloads || fail live_tie_loads_and_unloads "$(cat "$TMP/out")"
	cp tests/remote/fakeloader "$SSHD_BIN/staprun.auth"
fi

# The module is checked there before any loader runs: a short upload and
# a corrupted one (stand-ins for head on the target) are refused, nothing
# left behind.
for bad in short digest; do
	case $bad in
	short) printf '#!/bin/sh\nexec /usr/bin/head -c 100\n' ;;
	digest) printf '#!/bin/sh\n/usr/bin/head "$@" | tr "\\000" "\\001"\n' ;;
	esac >"$SSHD_BIN/head"
	chmod 755 "$SSHD_BIN/head"
	rm -f "$SSHD_STATE/args"
	case $bad in
	short) want="^stap: target vm: the upload ended early; not run" ;;
	digest) want="^stap: target vm: the uploaded module's digest differs from sha256:[0-9a-f]+; not run" ;;
	esac
	run "upload_${bad}_refused" 1 "$want" -- "$STAP" -T vm -G status=0 -e "$S"
	[ ! -e "$SSHD_STATE/args" ] && [ -z "$(ls "$SSHD_TMP")" ] && pass "upload_${bad}_no_run" ||
		fail "upload_${bad}_no_run" "$(ls "$SSHD_TMP")"
done
rm -f "$SSHD_BIN/head"

# No private folder there (a failing mktemp): one line, no loader run.
printf '#!/bin/sh\nexit 1\n' >"$SSHD_BIN/mktemp"
chmod 755 "$SSHD_BIN/mktemp"
rm -f "$SSHD_STATE/args"
run no_private_folder 1 "^stap: target vm: cannot make a private folder there; not run$" -- "$STAP" -T vm -G status=0 -e "$S"
rm -f "$SSHD_BIN/mktemp"
[ "$(grep -c . "$TMP/out")" = 1 ] && [ ! -e "$SSHD_STATE/args" ] && [ -z "$(ls "$SSHD_TMP")" ] &&
	pass no_private_folder_no_run || fail no_private_folder_no_run "$(cat "$TMP/out")"

# Two round trips per run: a logging wrapper around ssh counts the remote
# commands (the rest are local: -O check, the master, -O exit).
printf '#!/bin/sh\necho "$*" >>%s\nexec %s "$@"\n' "$TMP/sshlog" "$STAPAUTH_SSH" >"$TMP/cssh"
chmod 755 "$TMP/cssh"
rm -f "$TMP/sshlog"
STAPAUTH_SSH=$TMP/cssh "$STAP" -T vm -G status=0 -e "$S" >"$TMP/o" 2>"$TMP/e" || fail counted_run "$(cat "$TMP/e")"
cmds=$(grep '^-o BatchMode' "$TMP/sshlog" | grep -v -e ' -O ' -e ' -N ' | wc -l)
[ "$cmds" = 2 ] && pass two_remote_commands_per_run || fail two_remote_commands_per_run "$cmds: $(cat "$TMP/sshlog")"
grep -q -- '-f -N' "$TMP/sshlog" && grep -q -- '-O exit' "$TMP/sshlog" && pass own_master_without_user_one ||
	fail own_master_without_user_one "$(cat "$TMP/sshlog")"

# A ControlMaster the user already runs (their ssh config's ControlPath)
# is used: no master of ours, theirs is left running.
cp "$SSHD_DIR/ssh_config" "$TMP/ucfg"
printf '\tControlPath %s\n' "$TMP/um" >>"$TMP/ucfg"
printf '#!/bin/sh\necho "$*" >>%s\nexec ssh -F %s "$@"\n' "$TMP/sshlog" "$TMP/ucfg" >"$TMP/ussh"
chmod 755 "$TMP/ussh"
"$TMP/ussh" -o ControlMaster=yes -o ControlPersist=60 -p "$SSHD_PORT" -fN "$SSHD_USER@127.0.0.1" 2>/dev/null
rm -f "$TMP/sshlog"
STAPAUTH_SSH=$TMP/ussh run user_master_run 0 "probe output" -- "$STAP" -T vm -G status=0 -e "$S"
! grep -q -e '-f -N' -e '-O exit' "$TMP/sshlog" && grep -q -- '-O check' "$TMP/sshlog" &&
	pass user_master_reused || fail user_master_reused "$(cat "$TMP/sshlog")"
"$TMP/ussh" -p "$SSHD_PORT" -O check "$SSHD_USER@127.0.0.1" 2>/dev/null && pass user_master_left_running ||
	fail user_master_left_running
"$TMP/ussh" -p "$SSHD_PORT" -O exit "$SSHD_USER@127.0.0.1" 2>/dev/null

# A changed host key: ssh refuses, stap says so in one line.
ssh-keygen -q -t ed25519 -N '' -f "$TMP/otherkey"
printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" "$(cut -d' ' -f1,2 "$TMP/otherkey.pub")" >"$SSHD_DIR/known_hosts"
run changed_host_key 1 "^stap: target vm: ssh .* failed: the host key of 127.0.0.1 has changed" -- "$STAP" -T vm -e "$S"
[ "$(wc -l <"$TMP/out")" = 1 ] && pass changed_host_key_one_line || fail changed_host_key_one_line "$(cat "$TMP/out")"
exit 0
