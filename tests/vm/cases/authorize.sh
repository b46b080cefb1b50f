# stap-authorize's signatures in the real kernel (runs as root in the VM).
# Debian's kernel parses every appended signature; lacking the key it only
# taints (signatures are not enforced), so a load proves the parse succeeded.
. /stap/lib.sh
A=/stap/authorize
if [ ! -f "$A/authz_ec.ko" ]; then
	skip "all" "prep/authorize.sh made no modules"
	exit 0
fi
for t in ec rsa; do
	if insmod "$A/authz_$t.ko" >"$TMP/err" 2>&1; then
		pass "kernel loads a module signed by stap-authorize ($t key)"
	else
		fail "kernel loads a module signed by stap-authorize ($t key)" "$(cat "$TMP/err")"
	fi
	if mod_loaded authz_probe; then
		rmmod authz_probe
		ok "unloaded ($t)"
	fi
done
if insmod "$A/authz_malformed.ko" >"$TMP/err" 2>&1; then
	fail "kernel refuses a malformed signature" "it loaded"
	rmmod authz_probe
else
	why=$(cat "$TMP/err")
	grep -q 'Bad message' "$TMP/err"
	ok "kernel refuses a malformed signature (EBADMSG)" "$why"
fi
if [ -x "$BIN/stap-authorize" ]; then
	run "stap-authorize verify in the VM" 0 'signature: good \(SHA256\) by "vm ecdsa key"' -- \
		"$BIN/stap-authorize" --keys "$A/keys" --policy "$A/none" verify "$A/authz_ec.ko"
	run "stap-authorize verify: untrusted rsa key" 1 'not a trusted key' -- \
		"$BIN/stap-authorize" --keys "$A/keys" --policy "$A/none" verify "$A/authz_rsa.ko"
fi
mod_loaded authz_probe && fail "nothing left loaded" || pass "nothing left loaded"
