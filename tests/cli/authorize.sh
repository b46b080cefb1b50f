#!/bin/sh
# stap-authorize end to end: keys, kernel-format signatures (checked with the
# kernel's own tools: modinfo, openssl cms, Debian's sign-file), policy edits
# and every refusal the issue lists.  Rehearsal mode (--policy/--keys) makes
# the invoking user the expected owner, so this runs without root too.
. tests/lib.sh
A="$BIN/stap-authorize"
[ -x "$A" ] || { fail "binary" "$A missing"; exit 1; }
E=$TMP/etc
P=$E/authorized_probes
K=$E/keys
mkdir -p "$E" && chmod 755 "$TMP" "$E"
az() { "$A" --policy "$P" --keys "$K" "$@"; }

# A real module when kbuild is here (modinfo needs one), else a stand-in.
REL=$(ls /boot/vmlinuz-* 2>/dev/null | sed 's|.*/vmlinuz-||' | head -1)
KB=/usr/src/linux-headers-$REL
MOD=$TMP/mod/authz_test.ko
mkdir -p "$TMP/mod"
if [ -n "$REL" ] && [ -d "$KB" ]; then
	cat >"$TMP/mod/authz_test.c" <<'C'
#include <linux/module.h>
static int n;
module_param(n, int, 0);
static int __init t_init(void) { return 0; }
static void __exit t_exit(void) { }
module_init(t_init);
module_exit(t_exit);
MODULE_LICENSE("GPL");
C
	echo 'obj-m := authz_test.o' >"$TMP/mod/Makefile"
	make -s -C "$KB" M="$TMP/mod" modules >"$TMP/kbuild.log" 2>&1 || true
fi
if [ -f "$MOD" ]; then
	REAL=1
else
	REAL=0
	skip "kbuild" "no kernel headers for a real module; using a stand-in file"
	head -c 4096 /dev/urandom >"$MOD"
fi

flip() { # FILE OFFSET: flip the low bit of one byte
	b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf %03o $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
trailer() { # SIG_LEN: struct module_signature + magic
	n=$1
	printf '\000\000\002\000\000\000\000\000'
	printf "\\$(printf %03o $((n >> 24 & 255)))\\$(printf %03o $((n >> 16 & 255)))"
	printf "\\$(printf %03o $((n >> 8 & 255)))\\$(printf %03o $((n & 255)))"
	printf '~Module signature appended~\n'
}
size() { stat -c %s "$1"; }

# --- digest, keys ---------------------------------------------------------
run "digest" 0 '^sha256:[0-9a-f]{64}$' -- "$A" digest "$MOD"
DIG=$(cat "$TMP/out")
run "keygen P-256" 0 '^signer:sha256:' -- az keygen --out "$TMP/k" --cn "test signer"
[ "$(stat -c %a "$TMP/k/signing_key.pem")" = 600 ] && pass "private key is 0600" ||
	fail "private key is 0600" "$(stat -c %a "$TMP/k/signing_key.pem")"
if openssl x509 -in "$TMP/k/signing_cert.der" -inform DER -noout -text >"$TMP/x509" 2>&1 &&
	grep -q 'CA:FALSE' "$TMP/x509" && grep -q 'Digital Signature' "$TMP/x509" &&
	grep -q 'Code Signing' "$TMP/x509" && grep -q 'Subject Key Identifier' "$TMP/x509" &&
	grep -q 'prime256v1' "$TMP/x509"; then
	pass "certificate has module-signing extensions (DER)"
else
	fail "certificate has module-signing extensions (DER)"
fi
run "keygen refuses to overwrite" nz 'exists' -- az keygen --out "$TMP/k"
run "trust" 0 '^signer:sha256:[0-9a-f]{64}$' -- az trust "$TMP/k/signing_cert.pem"
SIGNER=$(grep '^signer:' "$TMP/out")

# --- signing: the kernel's tools read what we write -----------------------
run "sign" 0 'signed' -- az sign --key "$TMP/k/signing_key.pem" --cert "$TMP/k/signing_cert.pem" \
	"$MOD" -o "$TMP/signed.ko"
run "digest survives signing" 0 "^$DIG\$" -- "$A" digest "$TMP/signed.ko"
if [ "$REAL" = 1 ] && command -v modinfo >/dev/null; then
	modinfo "$TMP/signed.ko" >"$TMP/modinfo" 2>&1
	if grep -q '^signer: *test signer$' "$TMP/modinfo" && grep -q '^sig_key: *[0-9A-F:]' "$TMP/modinfo" &&
		grep -q '^sig_hashalgo: *sha256$' "$TMP/modinfo"; then
		pass "modinfo reads signer, sig_key, sig_hashalgo"
	else
		fail "modinfo reads signer, sig_key, sig_hashalgo"
		sed 's/^/#   /' "$TMP/modinfo" | head
	fi
else
	skip "modinfo" "no real module or no modinfo"
fi
# split the trailer by hand and let openssl check the PKCS#7
S=$(size "$TMP/signed.ko")
SL=$(od -An -tu1 -j$((S - 32)) -N4 "$TMP/signed.ko" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
PL=$((S - 40 - SL))
head -c "$PL" "$TMP/signed.ko" >"$TMP/payload"
tail -c $((SL + 40)) "$TMP/signed.ko" | head -c "$SL" >"$TMP/sig.p7"
run "openssl cms -verify accepts our PKCS#7" 0 'Verification successful' -- \
	openssl cms -verify -binary -inform DER -in "$TMP/sig.p7" -content "$TMP/payload" \
	-noverify -certfile "$TMP/k/signing_cert.pem" -out /dev/null
run "verify: good" 0 'signature: good \(SHA256\) by "test signer"' -- az verify "$TMP/signed.ko"
grep -q "^signer: $SIGNER\$" "$TMP/out" && pass "verify prints the signer fingerprint" ||
	fail "verify prints the signer fingerprint"
run "sign --hash sha384 re-signs in place" 0 'signed' -- az sign --hash sha384 \
	--key "$TMP/k/signing_key.pem" --cert "$TMP/k/signing_cert.der" "$TMP/signed.ko"
run "verify: sha384" 0 'signature: good \(SHA384\)' -- az verify "$TMP/signed.ko"

SF=
for f in /usr/src/linux-headers-"$REL"/scripts/sign-file /usr/lib/linux-kbuild-*/scripts/sign-file; do
	[ -x "$f" ] && SF=$f && break
done
if [ -n "$SF" ]; then
	cp "$MOD" "$TMP/sf.ko"
	if "$SF" sha512 "$TMP/k/signing_key.pem" "$TMP/k/signing_cert.pem" "$TMP/sf.ko" 2>"$TMP/sf.err"; then
		run "sign-file's signature verifies" 0 'signature: good \(SHA512\)' -- az verify "$TMP/sf.ko"
		run "sign-file's digest is the payload's" 0 "^$DIG\$" -- "$A" digest "$TMP/sf.ko"
	else
		fail "sign-file ran" "$(head -1 "$TMP/sf.err")"
	fi
else
	skip "sign-file" "no kbuild sign-file found"
fi

# --- signature refusals -----------------------------------------------------
cp "$TMP/signed.ko" "$TMP/bad.ko" && flip "$TMP/bad.ko" 100
run "refuse: flipped payload byte" 1 'BAD: signature does not match' -- az verify "$TMP/bad.ko"
cp "$TMP/signed.ko" "$TMP/bad.ko" && flip "$TMP/bad.ko" $(($(size "$TMP/bad.ko") - 45))
run "refuse: flipped signature byte" 1 'signature: BAD' -- az verify "$TMP/bad.ko"
tail -c 32 "$TMP/signed.ko" >"$TMP/bad.ko"
run "refuse: truncated trailer" 1 'BAD: signature trailer is truncated' -- az verify "$TMP/bad.ko"
cp "$TMP/signed.ko" "$TMP/bad.ko" && printf '\177' |
	dd of="$TMP/bad.ko" bs=1 seek=$(($(size "$TMP/bad.ko") - 32)) conv=notrunc 2>/dev/null
run "refuse: sig_len larger than the file" 1 'larger than the file' -- az verify "$TMP/bad.ko"
"$A" --policy "$P" --keys "$TMP/nokeys" keygen --out "$TMP/k2" --cn intruder >/dev/null
az sign --key "$TMP/k2/signing_key.pem" --cert "$TMP/k2/signing_cert.pem" "$MOD" -o "$TMP/bad.ko" >/dev/null
run "refuse: untrusted key" 1 'BAD: signer .*CN ?= ?intruder.* is not a trusted key' -- az verify "$TMP/bad.ko"
# two signers, SHA-1 and MD5: made with openssl cms (RSA: MD5 needs it)
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=rsa-test -days 2 \
	-keyout "$TMP/rsa.key" -out "$TMP/rsa.pem" >/dev/null 2>&1
cp "$TMP/rsa.pem" "$K/rsa.pem"
cms_module() { # OUT OPENSSL-ARGS...: payload + PKCS#7 + trailer
	out=$1
	shift
	openssl cms -sign -binary -noattr -nocerts -nosmimecap -outform DER -in "$TMP/payload" \
		-out "$TMP/x.p7" "$@" 2>"$TMP/cms.err" || { echo "# $(head -1 "$TMP/cms.err")"; return 1; }
	{ cat "$TMP/payload" "$TMP/x.p7"; trailer "$(size "$TMP/x.p7")"; } >"$out"
}
cms_module "$TMP/one.ko" -md sha256 -signer "$TMP/rsa.pem" -inkey "$TMP/rsa.key" &&
	run "openssl-made RSA signature verifies" 0 'signature: good \(SHA256\) by "rsa-test"' -- az verify "$TMP/one.ko"
cms_module "$TMP/keyid.ko" -md sha512 -keyid -signer "$TMP/k/signing_cert.pem" -inkey "$TMP/k/signing_key.pem" &&
	run "signer named by subjectKeyIdentifier verifies" 0 'signature: good \(SHA512\) by "test signer"' -- az verify "$TMP/keyid.ko"
cms_module "$TMP/two.ko" -md sha256 -signer "$TMP/rsa.pem" -inkey "$TMP/rsa.key" \
	-signer "$TMP/k/signing_cert.pem" -inkey "$TMP/k/signing_key.pem" &&
	run "refuse: two signers" 1 'BAD: signature has 2 signers; exactly one is allowed' -- az verify "$TMP/two.ko"
if cms_module "$TMP/sha1.ko" -md sha1 -signer "$TMP/rsa.pem" -inkey "$TMP/rsa.key"; then
	run "refuse: SHA-1 in the CMS" 1 'BAD: signature uses SHA-1, which is refused' -- az verify "$TMP/sha1.ko"
else
	skip "SHA-1" "openssl would not make a SHA-1 CMS"
fi
if cms_module "$TMP/md5.ko" -md md5 -signer "$TMP/rsa.pem" -inkey "$TMP/rsa.key"; then
	run "refuse: MD5 in the CMS" 1 'BAD: signature uses MD5, which is refused' -- az verify "$TMP/md5.ko"
else
	skip "MD5" "openssl would not make an MD5 CMS"
fi
openssl req -x509 -newkey rsa:1024 -nodes -subj /CN=weak -days 2 \
	-keyout "$TMP/weak.key" -out "$TMP/weak.pem" >/dev/null 2>&1
cp "$TMP/weak.pem" "$K/weak.pem"
cms_module "$TMP/weak.ko" -md sha256 -signer "$TMP/weak.pem" -inkey "$TMP/weak.key" &&
	run "refuse: RSA key under 2048 bits" 1 'BAD: .*RSA key of 1024 bits is too weak' -- az verify "$TMP/weak.ko"
rm -f "$K/rsa.pem" "$K/weak.pem"

# --- policy edits -------------------------------------------------------------
run "bless MOD.ko" 0 'added: sha256:.* users=root params=n # first' -- \
	az bless "$MOD" --users root --params n --comment first
run "bless the same digest again updates the line" 0 ':3: updated:' -- \
	az bless "$DIG" --users root,daemon --expires 2099-12-31
[ "$(grep -c "^$DIG" "$P")" = 1 ] && grep -q "^$DIG users=root,daemon expires=2099-12-31 # first\$" "$P" &&
	pass "one line, new options, comment kept" || fail "one line, new options, comment kept" "$(cat "$P")"
printf '# local note\n' >>"$P"
run "bless signer:" 0 'added: signer:sha256' -- az bless "$SIGNER" --groups nogroup-xyz
run "remote form: bless sha256:HEX with no module" 0 'added' -- \
	az bless sha256:1111111111111111111111111111111111111111111111111111111111111111
grep -q '^# local note$' "$P" && [ "$(sed -n 4p "$P")" = '# local note' ] &&
	pass "comments and order kept" || fail "comments and order kept" "$(cat "$P")"
run "list" 0 ":3: $DIG users=root,daemon" -- az list
run "list --json" 0 '"kind":"signer"' -- az list --json
run "bless: bad date refused" nz 'bad date' -- az bless "$DIG" --expires 2099-02-30
run "bless: _stp_ params refused" nz 'internal' -- az bless "$DIG" --params _stp_pid
run "bless: md5 refused" nz 'md5: digests are refused' -- az bless md5:0123456789abcdef0123456789abcdef

# --- decisions -----------------------------------------------------------------
run "check: allow" 0 '^allow: approved by its sha256: line' -- az check "$MOD" --user root
run "check: allow, signed copy (same payload)" 0 '^allow' -- az check "$TMP/signed.ko" --user root
run "check: a bad signature refuses even an approved digest" 1 '^deny: bad signature: signer .* is not a trusted key' -- \
	az check "$TMP/bad.ko" --user root
run "check: param not allowed" 1 '^deny: parameter n is not allowed' -- az check "$MOD" --user root --params n
run "check: user not listed" 1 '^deny: user nobody is not in users= or groups=' -- az check "$MOD" --user nobody
run "check: no such user" 2 'no such user' -- az check "$MOD" --user no-such-user-xyz
run "revoke" 0 'added: revoke:sha256' -- az revoke "$DIG" --comment leaked
grep -q "^$DIG " "$P" && fail "revoke removes the approval line" || pass "revoke removes the approval line"
run "check: revoked" 1 '^deny: sha256:[0-9a-f]+ is revoked' -- az check "$MOD" --user root
run "bless refuses a revoked digest" nz 'is revoked' -- az bless "$DIG"
run "unbless" 0 'removed: signer:' -- az unbless "$SIGNER"
run "unbless: not there" nz 'is not blessed' -- az unbless "$SIGNER"

# concurrent edits are serialized by the lock: every line lands exactly once
for i in 2 3 4 5 6; do
	az bless "sha256:$(printf "$i%.0s" $(seq 64))" >/dev/null 2>&1 &
done
wait
n=0
for i in 2 3 4 5 6; do
	[ "$(grep -c "^sha256:$(printf "$i%.0s" $(seq 64))\$" "$P")" = 1 ] && n=$((n + 1))
done
[ "$n" = 5 ] && pass "5 concurrent blesses, 5 lines" || fail "5 concurrent blesses, 5 lines" "$n"
ls -a "$E" | grep -q '^\.authorized_probes\.' && fail "no temporary files left" || pass "no temporary files left"

# --- refusals of the files themselves ----------------------------------------
cp "$P" "$TMP/saved"
printf 'sha256:%s colour=red\n' "$(printf '7%.0s' $(seq 64))" >>"$P"
run "list: unknown option refused, whole file" 1 "authorized_probes:[0-9]+: unknown option 'colour'" -- az list
run "bless refuses to edit a file with errors" nz 'refusing to edit' -- az bless "$DIG"
tail -1 "$P" | grep -q colour && pass "broken file left untouched" || fail "broken file left untouched"
cp "$TMP/saved" "$P"
printf 'sha256:%s users=a users=b\n' "$(printf '8%.0s' $(seq 64))" >>"$P"
run "check: duplicate option refuses everything" 1 'duplicate option users=' -- az check "$MOD" --user root
cp "$TMP/saved" "$P"
printf 'sha256:%s expires=2024-13-01\n' "$(printf '8%.0s' $(seq 64))" >>"$P"
run "check: bad date refuses everything" 1 "bad date '2024-13-01'" -- az check "$MOD" --user root
printf 'md5:982734982739487239487234\n' >"$P"
run "list: md5 line refused with the way out" 1 'MD5 collisions are cheap.*stap-authorize bless' -- az list
cp "$TMP/saved" "$P"
chmod 664 "$P"
run "check: group-writable policy refused" 1 'writable by its group' -- az check "$MOD" --user root
run "bless: group-writable policy refused" nz 'refusing to edit: .*writable by its group' -- az bless "$DIG"
chmod 644 "$P" && chmod 775 "$E"
run "check: group-writable parent folder refused" 1 "$E: writable by its group" -- az check "$MOD" --user root
run "verify: group-writable keys parent refused" 1 'keys: refused: .*writable by its group' -- az verify "$TMP/signed.ko"
chmod 755 "$E"
if [ "$(id -u)" = 0 ]; then
	chown 65534 "$K"/stapauth-*.pem
	run "verify: key file not owned by root refused" 1 'keys: refused: .*owned by uid 65534, not root' -- \
		az verify "$TMP/signed.ko"
	grep -q 'signature: BAD: signer' "$TMP/out" && pass "no key trusted then" || fail "no key trusted then"
	chown 0 "$K"/stapauth-*.pem
else
	skip "key not owned by root" "needs root to chown"
fi
