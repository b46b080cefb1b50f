#!/bin/sh
# stap-target: this machine's line, and recording a target over ssh (a
# private sshd on 127.0.0.1 made by tests/sshd.sh).
. tests/lib.sh
. tests/sshd.sh
ST=$BIN/stap-target
[ -x "$ST" ] || { skip all "$ST is not built"; exit 0; }
export SYSTEMTAP_DIR=$TMP/stap STAPAUTH_KNOWN_HOSTS_SYSTEM=$TMP/none
# stap-target's ssh control folders go to a private, short TMPDIR (a socket
# path holds 107 bytes), so the check that none is left sees only this test's.
CTLTMP=$(mktemp -d /tmp/stc.XXXXXX) && export TMPDIR=$CTLTMP
trap 'rm -rf "$TMP" "$CTLTMP"' EXIT
mkdir -p "$SYSTEMTAP_DIR"

run print_own_line 0 "^box execute=local kernel=$(uname -r) arch=" -- "$ST" print box
grep -q ' stapauth=0.1' "$TMP/out" && grep -q ' sig-enforce=' "$TMP/out" &&
	pass print_has_version_and_signing || fail print_has_version_and_signing "$(cat "$TMP/out")"
# the printed lines of two machines concatenate into a file stap reads
"$ST" print a >"$TMP/kh" && "$ST" print b >>"$TMP/kh"
cp "$TMP/kh" "$SYSTEMTAP_DIR/known_hosts"
run concatenated_lines_parse 0 -- sh -c "'$ST' print a >/dev/null && grep -c execute=local '$TMP/kh'"
run print_bad_name 1 "not a target name" -- "$ST" print 'a b'
run add_bad_destination 1 "bad host name" -- "$ST" add x 'u@-oProxyCommand=x'
run add_bad_mode 1 "want auth, sudo or root" -- "$ST" add x localhost fly
run usage 1 "^usage: stap-target" -- "$ST" frobnicate

if ! sshd_usable; then
	skip ssh "no sshd/ssh (openssh-server, openssh-client)"
	exit 0
fi
trap 'sshd_stop; rm -rf "$TMP" "$CTLTMP"' EXIT
if ! sshd_start; then
	fail sshd_start "$(cat "$SSHD_DIR/log" 2>/dev/null | head -3)"
	exit 0
fi
printf '#!/bin/sh\necho "staprun (stapauth) 9.9"\n' >"$SSHD_BIN/staprun"
chmod 755 "$SSHD_BIN/staprun"
KH=$SYSTEMTAP_DIR/known_hosts
printf '# my targets\nold execute=local kernel=1 arch=x86_64\n' >"$KH"
D="$SSHD_USER@127.0.0.1:$SSHD_PORT"
run add_over_ssh 0 "^vm execute=ssh:$SSHD_USER@127.0.0.1:$SSHD_PORT:root kernel=$(uname -r) " -- \
	"$ST" add vm "$D" root
grep -q '^vm .* stapauth=9.9' "$KH" && grep -q '^# my targets$' "$KH" &&
	grep -q '^old execute=local' "$KH" && pass add_appends_keeping_the_file ||
	fail add_appends_keeping_the_file "$(cat "$KH")"
# the same name and host again: the line is updated in place, other names kept
sed -i 's/^vm /vm,alias /' "$KH"
run add_again_updates 0 "^vm,alias execute=ssh:.*:auth " -- "$ST" add vm "$D" auth
[ "$(grep -c 'execute=ssh' "$KH")" = 1 ] && pass add_again_one_line || fail add_again_one_line "$(cat "$KH")"
# a name bound to another host is refused, then moved with --force
cp "$KH" "$TMP/kh.before"
run add_other_host_refused 1 "known_hosts:2: target 'old' is bound to local; not changed \(--force" -- \
	"$ST" add old "$D"
cmp -s "$KH" "$TMP/kh.before" && pass refused_leaves_file || fail refused_leaves_file
run add_force_moves 0 "^old execute=ssh:" -- "$ST" add --force old "$D"
[ "$(grep -c '^old ' "$KH")" = 1 ] && grep -q '^old execute=ssh' "$KH" && pass force_one_line ||
	fail force_one_line "$(cat "$KH")"
# a broken file is never rewritten
echo 'broken execute=local' >>"$KH"
cp "$KH" "$TMP/kh.before"
run add_broken_file 1 "known_hosts:4: kernel= is missing" -- "$ST" add vm "$D"
cmp -s "$KH" "$TMP/kh.before" && pass broken_file_untouched || fail broken_file_untouched
# ssh refuses an unknown host key: one line from stap-target
: >"$SSHD_DIR/known_hosts"
run unknown_host_key 1 "^stap: target x: ssh .* failed: host key verification failed" -- \
	"$ST" add -f "$TMP/kh2" x "$D"
[ "$(wc -l <"$TMP/out")" = 1 ] && pass unknown_host_key_one_line || fail unknown_host_key_one_line "$(cat "$TMP/out")"
ls "$CTLTMP"/stapssh.* >/dev/null 2>&1 && fail control_dirs_removed "$(ls -d "$CTLTMP"/stapssh.*)" || pass control_dirs_removed
exit 0
