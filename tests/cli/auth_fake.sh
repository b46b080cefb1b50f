#!/bin/sh
# staprun.auth end to end without a kernel: the release test variant
# (compiled-in paths under $STAPAUTH_O/tests/fake/root) with
# tests/fake/fakemod.so preloaded in place of init_module/delete_module.
# Runs as root (the program refuses to work otherwise), not setuid.
. tests/lib.sh
O=${STAPAUTH_O:-build}
F=$O/tests/fake
PROG=$F/staprun.auth-fake
ROOT=$F/root
if [ "$(id -u)" != 0 ]; then
	skip all "needs root: staprun.auth refuses to run without it"
	exit 0
fi
if [ ! -x "$PROG" ] || [ ! -f "$F/fakemod.so" ]; then
	skip all "$PROG not built (make O=$O programs)"
	exit 0
fi
if ! command -v cc >/dev/null; then
	skip all "no C compiler for the fixture module"
	exit 0
fi
umask 022
rm -rf "$ROOT" && mkdir -p "$ROOT/etc/keys" "$ROOT/sys/module" "$ROOT/run" "$TMP/fake"
FAKE=$TMP/fake

# The fixture: an object shaped like a module for the running kernel
# (tests/fake/stp_fix.c; staprun.auth refuses others before init_module).
cc -c -DSTP_FIX_VERMAGIC="\"$(uname -r)\"" -o "$TMP/m.ko" tests/fake/stp_fix.c || { fail fixture "cc failed"; exit 1; }
D=sha256:$(sha256sum "$TMP/m.ko" | cut -d' ' -f1)
POL=$ROOT/etc/authorized_probes

fake() { # fake [FAKE-ERRNO] -- args: run the program with the fake preloaded
	rm -f "$FAKE/log" "$FAKE/fail" "$FAKE/loaded.ko"
	if [ "$1" != "--" ]; then echo "$1" >"$FAKE/fail"; shift; fi
	shift
	FAKEMOD_DIR=$FAKE LD_PRELOAD=$F/fakemod.so "$PROG" "$@"
}
loaded_nothing() { [ ! -s "$FAKE/log" ] || ! grep -q init_module "$FAKE/log"; }

# A refusal: one line, exit 1, init_module never called.
printf '# nothing approved\n' >"$POL"
run not_approved 1 '^staprun.auth: refused: sha256:.* is not approved' -- fake -- "$TMP/m.ko"
if loaded_nothing; then pass not_approved_loads_nothing; else fail not_approved_loads_nothing; fi
[ "$(grep -c . "$TMP/out")" = 1 ] && pass refusal_is_one_line || fail refusal_is_one_line "$(cat "$TMP/out")"

printf '%s params=lines\n' "$D" >"$POL"
run check_allowed 0 "^allowed: $D .*authorized_probes:1" -- fake -- --check "$TMP/m.ko"
loaded_nothing && pass check_loads_nothing || fail check_loads_nothing

# MUST 6: an internal parameter by hand, an undeclared one, a bad value.
run internal_param 1 'internal' -- fake -- "$TMP/m.ko" _stp_uid=0
loaded_nothing && pass internal_param_loads_nothing || fail internal_param_loads_nothing
# (params=* lets the name through the policy: the module itself refuses it)
printf '%s params=*\n' "$D" >"$POL"
run undeclared_param 1 'does not declare' -- fake -- "$TMP/m.ko" nosuch=1
printf '%s params=lines\n' "$D" >"$POL"
run bad_value 1 'forbidden character' -- fake -- "$TMP/m.ko" 'lines=1 _stp_uid=0'
# ... a comma, even in a string the policy allows: one value stays one value
printf '%s params=lines,prefix\n' "$D" >"$POL"
run comma_value 1 'forbidden character' -- fake -- "$TMP/m.ko" 'prefix=a,b'
loaded_nothing && pass comma_value_loads_nothing || fail comma_value_loads_nothing
printf '%s params=lines\n' "$D" >"$POL"

# Built for another kernel: refused before init_module, naming both.
cc -c -DSTP_FIX_VERMAGIC='"0.0.1-other"' -o "$TMP/other.ko" tests/fake/stp_fix.c || { fail fixture "cc failed"; exit 1; }
printf '%s params=lines\nsha256:%s\n' "$D" "$(sha256sum "$TMP/other.ko" | cut -d' ' -f1)" >"$POL"
: >"$FAKE/log"
run other_kernel_refused 1 "^staprun.auth: refused: .*other.ko: not built for this kernel: built for 0.0.1-other, running $(uname -r) " -- fake -- "$TMP/other.ko"
grep -q init_module "$FAKE/log" && fail other_kernel_no_init_module "$(cat "$FAKE/log")" ||
	pass other_kernel_no_init_module
printf '%s params=lines\n' "$D" >"$POL"

# A grant whose init_module fails (ENOEXEC=8): the call made is visible.
run grant_load_attempt 1 'not built for this kernel' -- fake 8 -- "$TMP/m.ko" lines=3
if grep -q "^init_module len=$(stat -c %s "$TMP/m.ko") params=lines=3 _stp_uid=0 _stp_gid=0 _stp_target=0$" "$FAKE/log"; then
	pass grant_params_set_by_staprun_auth
else
	fail grant_params_set_by_staprun_auth "$(cat "$FAKE/log")"
fi

# A full grant: the renamed copy is loaded, then unloaded (the fake has no
# /proc/<module>, so the relay gives up after its timeout).
run grant_loads_and_unloads nz -- fake -- "$TMP/m.ko"
NAME=$(sed -n 's/^delete_module name=\(stp_fix_u0_[0-9]*\) flags=.*/\1/p' "$FAKE/log")
if grep -q '^init_module' "$FAKE/log" && [ -n "$NAME" ]; then
	pass grant_unloads_renamed_copy
else
	fail grant_unloads_renamed_copy "$(cat "$FAKE/log")"
fi
if [ -z "$(ls "$ROOT/run/stapauth" 2>/dev/null)" ]; then pass record_removed_after_run; else
	fail record_removed_after_run "$(ls "$ROOT/run/stapauth")"; fi

# --tied with the tie cut already (stdin at end-of-file: a Ctrl-C during
# the remote digest check): one line, init_module never called, no record;
# the same for the root loader.  A live tie (a fifo we hold open) loads.
run tied_cut_refused 1 "^staprun.auth: load failed: .*m\.ko: --tied, but the connection is gone already .*; nothing loaded$" -- \
	fake -- --tied "$TMP/m.ko" </dev/null
[ "$(grep -c . "$TMP/out")" = 1 ] && loaded_nothing && [ -z "$(ls "$ROOT/run/stapauth" 2>/dev/null)" ] &&
	pass tied_cut_loads_nothing || fail tied_cut_loads_nothing "$(cat "$TMP/out" "$FAKE/log" 2>/dev/null)"
rm -f "$FAKE/log"
run tied_cut_refused_staprun 1 "^staprun: .*m\.ko: --tied, but the connection is gone already" -- \
	env FAKEMOD_DIR="$FAKE" LD_PRELOAD="$F/fakemod.so" "$O/bin/staprun" --tied "$TMP/m.ko" </dev/null
[ "$(grep -c . "$TMP/out")" = 1 ] && loaded_nothing && pass tied_cut_staprun_loads_nothing ||
	fail tied_cut_staprun_loads_nothing "$(cat "$TMP/out")"
mkfifo "$TMP/tie"
exec 5<>"$TMP/tie"
run tied_live_loads nz -- fake -- --tied "$TMP/m.ko" <&5
exec 5>&-
grep -q '^init_module' "$FAKE/log" && grep -q '^delete_module' "$FAKE/log" && pass tied_live_loads_and_unloads ||
	fail tied_live_loads_and_unloads "$(cat "$TMP/out")"

# MUST 9: -d of a module without our record is refused, nothing unloaded.
run unload_not_ours 1 'not loaded by staprun.auth' -- fake -- -d ext4
if [ ! -s "$FAKE/log" ]; then pass unload_not_ours_calls_nothing; else fail unload_not_ours_calls_nothing; fi
# ... and one with a record of another user
mkdir -p "$ROOT/run/stapauth" "$ROOT/sys/module/stp_other/parameters"
printf 'module=stp_other\ndigest=%s\nuser=bob\nuid=1001\npid=1\nsince=0\n' "$D" >"$ROOT/run/stapauth/stp_other"
echo 1001 >"$ROOT/sys/module/stp_other/parameters/_stp_uid"
# bob's run is alive: it holds the name's lock (else the start-up
# reconciliation would finish it as a dead run's)
hold() { if command -v flock >/dev/null; then flock "$ROOT/run/stapauth/$1.lock" sleep "$2" & fi; sleep 0.3; }
hold stp_other 4
run unload_other_user 1 'another user' -- fake -- -d stp_other
[ ! -s "$FAKE/log" ] && pass unload_other_user_calls_nothing || fail unload_other_user_calls_nothing
# ... and our own record whose module says another owner
printf 'module=stp_other\ndigest=%s\nuser=root\nuid=0\npid=1\nsince=0\n' "$D" >"$ROOT/run/stapauth/stp_other"
run unload_owner_mismatch 1 'not owned by you' -- fake -- -d stp_other
wait
echo 0 >"$ROOT/sys/module/stp_other/parameters/_stp_uid"
run unload_own 1 'no module named stp_other' -- fake -- -d stp_other
grep -q '^delete_module name=stp_other flags=2048$' "$FAKE/log" && pass unload_own_nonblock ||
	fail unload_own_nonblock "$(cat "$FAKE/log")"

# MUST 1: argc == 0 is refused before anything else (kernels since 5.18
# turn an empty argv into {""}: then argv[0] is "" and still never used).
run argc_zero 1 'argc < 1|no module given' -- "$F/noargv" "$PROG" "FOO=bar"

# MUST 2: closed fds 0-2 and a hostile environment; the policy stays intact.
cp "$POL" "$TMP/pol.orig"
fake 8 -- "$TMP/m.ko" <&- >&- 2>&-
st=$?
[ $st = 1 ] && pass closed_fds_status || fail closed_fds_status "exit $st"
cmp -s "$POL" "$TMP/pol.orig" && pass closed_fds_policy_intact || fail closed_fds_policy_intact
grep -q '^init_module' "$FAKE/log" && pass closed_fds_still_decides || fail closed_fds_still_decides
printf 'openssl_conf = evil\n[evil]\n.include /nonexistent\n' >"$TMP/evil.cnf"
run hostile_env 0 "^allowed: $D" -- env OPENSSL_CONF="$TMP/evil.cnf" LANG=xx_EVIL.UTF-8 TZ=":$TMP/evil" \
	LC_ALL=xx_EVIL GCONV_PATH="$TMP" FAKEMOD_DIR="$FAKE" LD_PRELOAD="$F/fakemod.so" \
	"$PROG" --check "$TMP/m.ko"

# MUST 2: a 1-block RLIMIT_FSIZE is lifted for our own records (needs
# CAP_SYS_RESOURCE, which containers may lack: then a clear refusal).
eff=$(awk '/^CapEff/ { print $2 }' /proc/self/status)
if [ $((0x$eff >> 24 & 1)) = 1 ]; then
	run fsize_limit_lifted 0 "^allowed: $D" -- sh -c "ulimit -f 1; exec '$PROG' --check '$TMP/m.ko'"
else
	run fsize_limit_refused_clearly 1 '^staprun.auth: refused: cannot start safely' -- \
		sh -c "ulimit -f 1; exec '$PROG' --check '$TMP/m.ko'"
fi

# MUST 3: a group-writable policy refuses everything.
chmod 664 "$POL"
run policy_group_writable 1 'unsafe policy' -- fake -- "$TMP/m.ko"
chmod 644 "$POL"
# MUST 13: a record whose run is gone (its name's lock is free) is finished
# at the next start: its module unloaded, the record removed.
printf '%s params=lines\n' "$D" >"$POL"
RUN=$ROOT/run/stapauth
mkdir -p "$RUN" "$ROOT/sys/module/stp_dead/parameters"
printf 'module=stp_dead\ndigest=%s\nuser=root\nuid=0\npid=1\nsince=0\n' "$D" >"$RUN/stp_dead"
echo 0 >"$ROOT/sys/module/stp_dead/parameters/_stp_uid"
fake 8 -- "$TMP/m.ko" >/dev/null 2>&1
grep -q '^delete_module name=stp_dead ' "$FAKE/log" && [ ! -e "$RUN/stp_dead" ] &&
	pass reconcile_unloads_dead_runs_module || fail reconcile_unloads_dead_runs_module "$(cat "$FAKE/log")"
rm -rf "$ROOT/sys/module/stp_dead"

# MUST 13: caps on concurrent loads, from the records of live runs (a run
# holding its name's lock, played by flock(1)).
if command -v flock >/dev/null; then
	printf 'module=stp_live\ndigest=%s\nuser=root\nuid=0\npid=1\nsince=0\n' "$D" >"$RUN/stp_live"
	flock "$RUN/stp_live.lock" sleep 10 &
	fl=$!
	sleep 0.3
	printf '%s params=lines\nlimits: per-user=1\n' "$D" >"$POL"
	run limit_per_user 1 '^staprun.auth: refused: too many loads at once \(root: 1 of 1' -- fake -- "$TMP/m.ko"
	loaded_nothing && pass limit_per_user_loads_nothing || fail limit_per_user_loads_nothing
	[ "$(grep -c . "$TMP/out")" = 1 ] && pass limit_refusal_one_line || fail limit_refusal_one_line
	printf '%s params=lines\nlimits: total=1 per-user=5\n' "$D" >"$POL"
	run limit_total 1 'everyone: 1 of 1' -- fake -- "$TMP/m.ko"
	[ -e "$RUN/stp_live" ] && pass limit_live_record_kept || fail limit_live_record_kept
	printf '%s params=lines\nlimits: total=2\n' "$D" >"$POL"
	run limit_not_reached 1 'not built for this kernel' -- fake 8 -- "$TMP/m.ko"
	kill "$fl" 2>/dev/null
	wait "$fl" 2>/dev/null
	rm -f "$RUN/stp_live" "$RUN/stp_live.lock"
	printf '%s params=lines\nlimits: total=2\nlimits: per-user=1\n' "$D" >"$POL"
	run limits_twice 1 'authorized_probes:3: a second limits: line' -- fake -- "$TMP/m.ko"
else
	skip limits "no flock(1) to hold a name's lock"
fi
if [ "$(stat -c %g "$RUN")" = 0 ] && [ -z "$(find "$RUN" ! -gid 0)" ]; then
	pass run_dir_root_group
else
	fail run_dir_root_group "$(ls -ln "$RUN")"
fi
exit 0
