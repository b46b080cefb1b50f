# Reproducible modules in the real kernel (issue 18): the administrator
# blessed hello.stp on the host (tests/vm/prep/repro.sh); alice's own build of
# another spelling of it runs approved through staprun.auth, and
# `stap-authorize status` names its program; a near miss is refused.
. /stap/lib.sh
R=/stap/repro
SA=/usr/sbin/staprun.auth
POL=/etc/systemtap/authorized_probes
if [ ! -x "$BIN/staprun.auth" ] || [ ! -f "$R/alice.ko" ] || [ ! -s "$R/digest" ]; then
	skip all "staprun.auth or the modules of prep/repro.sh are missing (prep failed?)"
	exit 0
fi
D=$(cat "$R/digest")
PROG=$(cat "$R/program")
check "alice's own build has the blessed digest" [ "$(cat "$R/alice.digest")" = "$D" ]
mkdir -p /usr/sbin /etc/systemtap/keys /etc/pam.d /run
cp "$BIN/staprun.auth" "$SA" && chown 0:0 "$SA" && chmod 4755 "$SA"
chmod 755 /etc /etc/systemtap /etc/systemtap/keys
cp "$R/authorized_probes" "$POL" && chmod 644 "$POL"
[ -f /etc/pam.d/staprun-auth ] || cp /stap/repro/pam-staprun-auth /etc/pam.d/staprun-auth 2>/dev/null
grep -q "^$D users=alice program=$PROG # hello.stp" "$POL"
ok "the blessed line names the program" "$(grep '^sha256' "$POL")"

as_user alice "$SA" -c 'sleep 4' "$R/alice.ko" >"$TMP/alice.out" 2>&1 &
pa=$!
wait_for 20 sh -c '[ -n "$(ls /run/stapauth 2>/dev/null)" ]'
"$BIN/stap-authorize" status >"$TMP/status" 2>&1
grep -q " $D user=alice uid=1000 .* program=$PROG" "$TMP/status"
ok "stap-authorize status shows which program alice runs" "$(cat "$TMP/status")"
wait $pa
st=$?
[ $st -eq 0 ] && grep -qx 'hello from a blessed script' "$TMP/alice.out" &&
	grep -qx 'bye' "$TMP/alice.out"
ok "alice's own build runs approved (status $st)" "$(head -5 "$TMP/alice.out")"

run "a near-miss script's module is refused" 1 '^staprun.auth: refused: .*not approved' -- \
	as_user alice "$SA" "$R/near.ko"
run "bob is not in users=alice" 1 '^staprun.auth: refused:' -- as_user bob "$SA" "$R/alice.ko"
grep -qE '^stap_' /proc/modules && fail "nothing left loaded" "$(grep '^stap_' /proc/modules)" ||
	pass "nothing left loaded"
