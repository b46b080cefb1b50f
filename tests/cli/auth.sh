#!/bin/sh
# staprun.auth (sanitized build, not setuid): argument handling and the
# fail-closed start.  The decision paths are in tests/cli/auth_fake.sh and
# tests/unit/auth_*_test.c, the real thing in tests/vm/cases/auth.sh.
. tests/lib.sh
P=$BIN/staprun.auth
if [ ! -x "$P" ]; then
	skip all "$P not built"
	exit 0
fi
run no_args 1 '^staprun.auth: no module given' -- "$P"
run unknown_option 1 'unknown option: -q' -- "$P" -q m.ko
run bundled_options 1 'unknown option' -- "$P" -vc ls m.ko
run c_and_x 1 'only one of -c and -x' -- "$P" -c ls -x 1 m.ko
run bad_param_form 1 'not a name=value' -- "$P" m.ko lines
run x_leading_zero 1 'not a process id' -- "$P" -x 012 m.ko
long=$(head -c 5000 /dev/zero | tr '\0' a)
run long_argument 1 'longer than 4096' -- "$P" m.ko "p=$long"
run d_extra 1 '-d takes a module name' -- "$P" -d a b
run check_with_c 1 'takes no -o, -c or -x' -- "$P" --check -c ls m.ko
# The environment names no path: a policy elsewhere is never read.
printf 'sha256:%064d\n' 0 >"$TMP/pol"
if [ "$(id -u)" = 0 ]; then
	run env_ignored 1 'refused' -- env STAPAUTH_POLICY="$TMP/pol" SYSCONFDIR="$TMP" "$P" --check /nonexistent.ko
	run d_not_ours 1 'refused: ext4 was not loaded by staprun.auth' -- "$P" -d ext4
else
	run not_root 1 'not running as root' -- "$P" /nonexistent.ko
fi
exit 0
