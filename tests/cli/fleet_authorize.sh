#!/bin/sh
# stap-authorize -w NODESET: approval pushed to a fleet through ClusterShell
# (fleet/fleet-run's shell mode: ClusterShell's ssh worker over OpenSSH,
# the admin's clush.conf and groups.conf).  One real sshd listens on
# several loopback addresses; each address is a "host" with its own policy
# root (the --policy/--keys override, set by a per-host stap-authorize on
# its PATH) and, as root, its own staprun.auth: the fake-kernel variant of
# tests/cli/auth_fake.sh run in a private mount namespace where the host's
# root is bound over the variant's compiled-in root.  Shown: a certificate
# trusted on N hosts, one signed module accepted on every host with no
# per-host bless, a clush.conf run mode wrapping every host's command, a
# bless then a revoke pushed, an unreachable host and a timed-out host
# reported without holding the rest, Ctrl-C reporting what is known, a host
# that refuses left byte-for-byte unchanged, a bad argument stopping the
# push before any host is touched.
. tests/lib.sh
. tests/sshd.sh
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
A=$(abs "$BIN/stap-authorize")
O=$(abs "${STAPAUTH_O:-build}")
PROG=$O/tests/fake/staprun.auth-fake
FAKEROOT=$O/tests/fake/root
[ -x "$A" ] || { skip all "$A not built"; exit 0; }
command -v clush >/dev/null && command -v nodeset >/dev/null ||
	{ skip all "no clush/nodeset (Debian package clustershell)"; exit 0; }
sshd_usable || { skip all "no sshd/ssh (openssh-server, openssh-client)"; exit 0; }
command -v cc >/dev/null || { skip all "no C compiler for the fixture module"; exit 0; }
umask 022

LIVE="2 3 4 5 6" # 127.0.0.6 is reached but never in a push (-x)
ALL='127.0.0.[2-5]'
DEAD=127.0.0.9 # nobody listens there
LOADER=
if [ "$(id -u)" = 0 ] && [ -x "$PROG" ] && [ -f "$O/tests/fake/fakemod.so" ] &&
	unshare -m true 2>/dev/null; then
	LOADER=1
	mkdir -p "$FAKEROOT"
fi
SSHD_ADDRS=
SSHD_MATCH=
for n in $LIVE; do
	H=$TMP/hosts/$n
	mkdir -p "$H/bin" "$H/root/etc/keys" "$H/root/run" "$H/root/sys/module" "$H/fake"
	# the host's own stap-authorize: the real one on the host's files
	# (relative names, so that every host says the same as a real fleet's)
	# (and notes the run mode's mark, below)
	printf '#!/bin/sh\n[ -e %s/hang ] && echo $$ >%s/hang && exec sleep 20\n[ -n "$STAPAUTH_MODE" ] && echo "$STAPAUTH_MODE" >%s/mode\ncd %s || exit 9\nexec %s --policy etc/authorized_probes --keys etc/keys "$@"\n' \
		"$H" "$H" "$H" "$H/root" "$A" >"$H/bin/stap-authorize"
	# ... and its own staprun.auth (the fake-kernel variant on its root)
	printf '#!/bin/sh\nexec unshare -m sh -c %s sh %s "$@"\n' \
		"'mount --bind \"\$1\" \"\$2\" && shift 2 && FAKEMOD_DIR=$H/fake LD_PRELOAD=$O/tests/fake/fakemod.so exec \"\$@\"'" \
		"$H/root $FAKEROOT $PROG" >"$H/bin/staprun.auth"
	chmod 755 "$H/bin/stap-authorize" "$H/bin/staprun.auth"
	SSHD_ADDRS="$SSHD_ADDRS 127.0.0.$n"
	SSHD_MATCH="$SSHD_MATCH
Match LocalAddress 127.0.0.$n
	SetEnv PATH=$H/bin:/usr/local/bin:/usr/bin:/bin"
done
trap 'sshd_stop; rm -rf "$TMP"' EXIT
sshd_start || { fail sshd_start "$(head -3 "$SSHD_DIR/log" 2>/dev/null)"; exit 0; }
# The admin's ClusterShell configuration: clush's ssh is the test's, and a
# group of the four hosts.
export CLUSTERSHELL_CFGDIR=$TMP/cs
mkdir -p "$CLUSTERSHELL_CFGDIR"
# A run mode whose command prefix marks the hosts' commands (as sudo would
# wrap them).
printf '[Main]\nssh_path: %s\nconnect_timeout: 5\ncolor: never\n[mode:mark]\ncommand_prefix: env STAPAUTH_MODE=marked\n' \
	"$STAPAUTH_SSH" >"$CLUSTERSHELL_CFGDIR/clush.conf"
printf '[Main]\ndefault: t\n[t]\nmap: sed -n "s/^$GROUP: *//p" %s\nlist: sed -n "s/:.*//p" %s\n' \
	"$CLUSTERSHELL_CFGDIR/groups" "$CLUSTERSHELL_CFGDIR/groups" >"$CLUSTERSHELL_CFGDIR/groups.conf"
printf 'web: 127.0.0.[2-5]\n' >"$CLUSTERSHELL_CFGDIR/groups"
pol() { echo "$TMP/hosts/$1/root/etc/authorized_probes"; }
snapshot() { for n in $LIVE; do cat "$(pol $n)" 2>/dev/null; ls -a "$TMP/hosts/$n/root/etc" "$TMP/hosts/$n/root/etc/keys"; done; }

# The fixture module (tests/fake/stp_fix.c) and a signing key, made once.
cc -c -DSTP_FIX_VERMAGIC="\"$(uname -r)\"" -o "$TMP/m.ko" tests/fake/stp_fix.c || { fail fixture "cc failed"; exit 0; }
D=sha256:$(sha256sum "$TMP/m.ko" | cut -d' ' -f1)
"$A" keygen --out "$TMP/key" --cn "fleet signer" >"$TMP/keygen" 2>&1 || { fail keygen "$(cat "$TMP/keygen")"; exit 0; }
SIGNER=$(grep '^signer:' "$TMP/keygen")

# --- a bad argument stops the push before any host is touched ------------
snapshot >"$TMP/before"
run bad_digest_refused_here 2 "^stap-authorize: bless: sha256:zz: not sha256:" -- "$A" -w "$ALL" bless sha256:zz
run bad_option_refused_here 2 "^stap-authorize: bless: .*expires" -- "$A" -w "$ALL" bless "$D" --expires 2026-13-45
run local_command_refused 2 "^stap-authorize: check: does not run on a node set" -- "$A" -w "$ALL" check "$TMP/m.ko" --user root
run script_refused 2 "sign the module once" -- "$A" -w "$ALL" bless -e 'probe begin { exit() }'
run empty_nodeset 2 "no hosts" -- "$A" -w "$ALL" -x "$ALL" list
run nodeset_after_command 2 "^stap-authorize: list: -w goes before the command" -- "$A" list -w "$ALL"
run fleet_option_alone 2 "go with -w NODESET" -- "$A" --timeout 3 list
run bad_timeout 2 "^stap-authorize: list: --timeout: a number of seconds" -- "$A" -w "$ALL" --timeout 0 list
run bad_nodeset 2 "^stap-authorize: list: cannot expand the node set 127\.0\.0\.\[2-" -- "$A" -w '127.0.0.[2-' list
run unknown_group 2 "^stap-authorize: list: (cannot expand the node set @nosuch|the node set @nosuch has no hosts)" -- "$A" -w @nosuch list
run unknown_mode 2 '^stap-authorize: list: clush.conf: invalid mode "nosuch"' -- "$A" -w "$ALL" --mode nosuch list
STAPAUTH_FLEET_RUN=$TMP/nosuch run no_driver 2 "^stap-authorize: list: the fleet driver $TMP/nosuch is missing" -- "$A" -w "$ALL" list
run bad_cert_refused_here 2 "^stap-authorize: trust: $TMP/m.ko: not an X.509 certificate" -- "$A" -w "$ALL" trust "$TMP/m.ko"
# what each host runs for trust: the certificate on stdin
run trust_stdin_not_a_cert 2 "^stap-authorize: trust: standard input: not an X.509 certificate" -- \
	sh -c "echo junk | '$A' --keys '$TMP/k2' trust -"
snapshot | cmp -s - "$TMP/before" && pass bad_arguments_touch_no_host || fail bad_arguments_touch_no_host

# --- trust the certificate on the fleet once (one host unreachable) ------
run trust_pushed 1 "^stap-authorize: trust: ok: 127\.0\.0\.\[2-5\] \(4\)$" -- \
	"$A" -w "$ALL,$DEAD" trust "$TMP/key/signing_cert.der"
grep -q "^stap-authorize: trust: unreachable: $DEAD (1): .*ssh: connect to host $DEAD .*refused" "$TMP/out" &&
	grep -q "^stap-authorize: trust: 4 of 5 hosts succeeded$" "$TMP/out" &&
	pass trust_unreachable_in_summary || fail trust_unreachable_in_summary "$(cat "$TMP/out")"
# every host answered the same fingerprint, gathered as one block
grep -A3 -x '127\.0\.0\.\[2-5\] (4)' "$TMP/out" | grep -qx "$SIGNER" && pass trust_output_gathered ||
	fail trust_output_gathered "$(cat "$TMP/out")"
PEM=stapauth-$(echo "$SIGNER" | cut -c15-30).pem
openssl x509 -inform DER -in "$TMP/key/signing_cert.der" >"$TMP/cert.pem"
ok=0
for n in 2 3 4 5; do cmp -s "$TMP/cert.pem" "$TMP/hosts/$n/root/etc/keys/$PEM" && ok=$((ok + 1)); done
[ $ok = 4 ] && [ ! -e "$TMP/hosts/6/root/etc/keys/$PEM" ] && pass trust_installed_on_4_hosts ||
	fail trust_installed_on_4_hosts "$ok of 4; $(ls "$TMP"/hosts/*/root/etc/keys)"
# (two connections at a time: clush hands the certificate to the later ones too)
run trust_again_harmless 0 "trust: 4 of 4 hosts succeeded" -- "$A" -w @web --fanout 2 trust "$TMP/key/signing_cert.pem"

# --- approve the signer on the fleet once (a node set and a group) -------
run signer_approved 0 "^stap-authorize: bless: ok: 127\.0\.0\.\[2-5\] \(4\)$" -- \
	"$A" -w @web -l "$SSHD_USER" bless "$SIGNER" --users root
ok=0
for n in 2 3 4 5; do grep -qx "$SIGNER users=root" "$(pol $n)" && ok=$((ok + 1)); done
[ $ok = 4 ] && [ ! -e "$(pol 6)" ] && pass signer_line_on_4_hosts || fail signer_line_on_4_hosts "$ok of 4"

# --- sign the module once: every host accepts it, none blessed it --------
run sign_once 0 'signed' -- "$A" sign --key "$TMP/key/signing_key.pem" --cert "$TMP/key/signing_cert.pem" \
	"$TMP/m.ko" -o "$TMP/m.signed.ko"
! grep -q "^$D" "$TMP"/hosts/*/root/etc/authorized_probes && pass no_host_blessed_the_digest ||
	fail no_host_blessed_the_digest
# clush_hosts FILE: the hosts (one per line, sorted) whose line says allowed
allowed_hosts() { sed -n 's/^\(127\.0\.0\.[0-9]*\): allowed: .*/\1/p' "$1" | sort | tr '\n' ' '; }
if [ -n "$LOADER" ]; then
	clush -w "$ALL,127.0.0.6" "staprun.auth --check $TMP/m.signed.ko; staprun.auth --check $TMP/m.ko" >"$TMP/check" 2>&1
	[ "$(sed -n "s/^\(127\.0\.0\.[0-9]*\): allowed: $D .*signer.*/\1/p" "$TMP/check" | sort | tr '\n' ' ')" = \
		"127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 " ] &&
		pass signed_module_allowed_on_every_host || fail signed_module_allowed_on_every_host "$(cat "$TMP/check")"
	[ "$(grep -c '^127\.0\.0\.[2-5]: staprun.auth: refused: .*is not approved' "$TMP/check")" = 4 ] &&
		pass unsigned_module_refused_everywhere || fail unsigned_module_refused_everywhere "$(cat "$TMP/check")"
	[ "$(grep -c '^127\.0\.0\.6: staprun.auth: refused: ' "$TMP/check")" = 2 ] && ! grep -q '^127\.0\.0\.6: allowed' "$TMP/check" &&
		pass host_outside_push_refuses || fail host_outside_push_refuses "$(cat "$TMP/check")"
else
	skip signed_module_allowed_on_every_host "needs root, unshare -m and $PROG (the fake-kernel staprun.auth)"
fi
run verify_on_one_host 0 "signer" -- "$TMP/hosts/3/bin/stap-authorize" verify "$TMP/m.signed.ko" --user root

# --- a run mode of clush.conf wraps every host's command -----------------
run list_in_run_mode 0 "^stap-authorize: list: 4 of 4 hosts succeeded$" -- "$A" -w @web --mode mark list
[ "$(cat "$TMP"/hosts/[2-5]/mode 2>/dev/null | sort | uniq -c | tr -s ' ')" = " 4 marked" ] &&
	[ ! -e "$TMP/hosts/6/mode" ] && pass run_mode_applied_on_every_host ||
	fail run_mode_applied_on_every_host "$(ls "$TMP"/hosts/*/mode 2>&1)"

# --- a bless pushed, then a revoke pushed --------------------------------
run bless_pushed 0 "^stap-authorize: bless: 4 of 4 hosts succeeded$" -- "$A" -w "$ALL" bless "$TMP/m.ko"
ok=0
for n in 2 3 4 5; do grep -qx "$D" "$(pol $n)" && ok=$((ok + 1)); done
[ $ok = 4 ] && pass digest_blessed_on_4_hosts || fail digest_blessed_on_4_hosts "$ok of 4"
if [ -n "$LOADER" ]; then
	clush -w "$ALL" staprun.auth --check "$TMP/m.ko" >"$TMP/check" 2>&1
	[ "$(allowed_hosts "$TMP/check")" = "127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 " ] &&
		pass blessed_module_allowed_everywhere || fail blessed_module_allowed_everywhere "$(cat "$TMP/check")"
fi
run revoke_pushed 0 "^stap-authorize: revoke: ok: 127\.0\.0\.\[2-5\] \(4\)$" -- \
	"$A" -w "$ALL" revoke "$D" --comment "fleet test"
ok=0
for n in 2 3 4 5; do grep -q "^revoke:$D" "$(pol $n)" && ! grep -qx "$D" "$(pol $n)" && ok=$((ok + 1)); done
[ $ok = 4 ] && pass revoked_on_4_hosts || fail revoked_on_4_hosts "$ok of 4"
if [ -n "$LOADER" ]; then
	clush -w "$ALL" staprun.auth --check "$TMP/m.signed.ko" >"$TMP/check" 2>&1
	[ -z "$(allowed_hosts "$TMP/check")" ] && [ "$(grep -c 'refused: .*revoked' "$TMP/check")" = 4 ] &&
		pass revoke_beats_signature_everywhere || fail revoke_beats_signature_everywhere "$(cat "$TMP/check")"
fi

# --- Ctrl-C (to the whole process group, as a terminal sends it) ---------
touch "$TMP/hosts/5/hang"
setsid "$A" -w "$ALL" list >"$TMP/int" 2>&1 &
ip=$!
wait_line "$TMP/hosts/5/hang" '[0-9]' 100 && sleep 1
kill -INT "-$ip"
wait $ip
rc=$?
kill "$(cat "$TMP/hosts/5/hang")" 2>/dev/null
rm -f "$TMP/hosts/5/hang"
[ $rc = 1 ] && grep -q "^stap-authorize: list: interrupted: 127\.0\.0\.5 (1)" "$TMP/int" &&
	grep -q "^stap-authorize: list: [0-3] of 4 hosts succeeded$" "$TMP/int" &&
	pass ctrl_c_reports_what_is_known || fail ctrl_c_reports_what_is_known "status $rc: $(tail -5 "$TMP/int")"

# --- failures: reported per host, the rest done, nothing half-written ----
chmod 664 "$(pol 3)"                                  # unsafe: refused there
printf 'sha256:%064d bogus=1\n' 0 >>"$(pol 4)"        # does not parse: refused there
touch "$TMP/hosts/5/hang"                             # hangs past --timeout
for n in 3 4; do cp "$(pol $n)" "$TMP/pol.$n"; done
ls -a "$TMP"/hosts/*/root/etc >"$TMP/ls.before"
start=$(date +%s%N)
run failures_summarized 1 "^stap-authorize: unbless: ok: 127\.0\.0\.2 \(1\)$" -- \
	"$A" -w "$ALL,$DEAD" --timeout 6 unbless "$SIGNER"
took=$((($(date +%s%N) - start) / 1000000))
# (a host's words may follow its login shell's: root's .bashrc may speak)
grep -q "^stap-authorize: unbless: failed with status 1: 127\.0\.0\.3 (1): " "$TMP/out" &&
	grep -q "stap-authorize: unbless: refusing .*writable by its group" "$TMP/out" &&
	pass failure_names_host_and_reason || fail failure_names_host_and_reason "$(cat "$TMP/out")"
grep -q "^stap-authorize: unbless: failed with status [12]: 127\.0\.0\.4 (1): " "$TMP/out" &&
	grep -q "authorized_probes:[0-9]*: unknown option 'bogus'" "$TMP/out" &&
	pass parse_error_names_line || fail parse_error_names_line "$(cat "$TMP/out")"
grep -q "^stap-authorize: unbless: timed out: 127\.0\.0\.5 (1)" "$TMP/out" &&
	grep -q "^stap-authorize: unbless: unreachable: $DEAD (1)" "$TMP/out" &&
	grep -q "^stap-authorize: unbless: 1 of 5 hosts succeeded$" "$TMP/out" &&
	pass timeout_and_unreachable_in_summary || fail timeout_and_unreachable_in_summary "$(cat "$TMP/out")"
# --timeout 6 against a host that hangs 20 s (ended here, by its pid)
kill "$(cat "$TMP/hosts/5/hang")" 2>/dev/null
[ "$took" -lt 15000 ] && pass hung_host_does_not_hold_the_rest || fail hung_host_does_not_hold_the_rest "${took} ms"
cmp -s "$(pol 3)" "$TMP/pol.3" && cmp -s "$(pol 4)" "$TMP/pol.4" && pass refusing_hosts_unchanged ||
	fail refusing_hosts_unchanged
ls -a "$TMP"/hosts/*/root/etc | cmp -s - "$TMP/ls.before" && pass no_stray_files || fail no_stray_files "$(ls -a "$TMP"/hosts/*/root/etc)"
! grep -q "^$SIGNER" "$(pol 2)" && grep -q "^$SIGNER" "$(pol 5)" && pass done_where_it_ran_only ||
	fail done_where_it_ran_only
exit 0
