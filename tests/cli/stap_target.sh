#!/bin/sh
# stap -T NAME, passes 1-4: the target's kernel from known_hosts(5), its
# identity in the cache key, one line naming the package when its headers
# are missing.
. tests/lib.sh
STAP=$BIN/stap
[ -x "$STAP" ] || { skip all "$STAP is not built"; exit 0; }
export SYSTEMTAP_DIR=$TMP/stapdir STAPAUTH_KNOWN_HOSTS_SYSTEM=$TMP/system_known_hosts
mkdir -p "$SYSTEMTAP_DIR"
rel=$(kbuild_release)
if [ -z "$rel" ]; then
	skip all "no installed kernel with its headers (linux-headers-amd64)"
	exit 0
fi
S='probe begin { printf("hi\n") exit() }'
cat >"$SYSTEMTAP_DIR/known_hosts" <<KH
deb,deb-alias execute=local kernel=$rel arch=x86_64 uname-v="#1 SMP Debian A" build-id=a1
deb2 execute=ssh:alice@127.0.0.1:2222:auth kernel=$rel arch=x86_64 uname-v="#1 SMP Debian B" build-id=b2
miss execute=local kernel=6.1.0-99-amd64 arch=x86_64
KH
printf 'deb execute=local kernel=0.0-system arch=x86_64\nsysonly execute=local kernel=%s arch=x86_64\n' \
	"$rel" >"$STAPAUTH_KNOWN_HOSTS_SYSTEM"

key() { "$STAP" -p2 -v "$@" -e "$S" 2>&1 >/dev/null | sed -n 's/^cache: key: //p'; }
k1=$(key -T deb) k1a=$(key -T deb-alias) k2=$(key -T deb2) kr=$(key -r "$rel") ks=$(key -T sysonly)
[ -n "$k1" ] && [ "$k1" = "$k1a" ] && pass "two names of one target share a key" ||
	fail "two names of one target share a key" "$k1 / $k1a"
[ -n "$k2" ] && [ "$k1" != "$k2" ] && pass "same release, other kernel build: other key" ||
	fail "same release, other kernel build: other key"
[ "$k1" != "$kr" ] && [ -n "$ks" ] && pass "the user's line wins; the system file still serves" ||
	fail "the user's line wins; the system file still serves" "$kr $ks"
"$STAP" -p2 -v -T deb -e "$S" 2>&1 >/dev/null | grep -q "^cache: target.kernel: kernel=$rel arch=x86_64 uname-v=#1 SMP Debian A build-id=a1$" &&
	pass "identity field in the key" || fail "identity field in the key"

one_line() { # NAME PATTERN ARGS...: status 1, exactly one stderr line, no stdout
	name=$1 pat=$2
	shift 2
	"$STAP" "$@" >"$TMP/o" 2>"$TMP/e"
	rc=$?
	if [ $rc = 1 ] && [ "$(wc -l <"$TMP/e")" = 1 ] && grep -Eq -- "$pat" "$TMP/e" && [ ! -s "$TMP/o" ]; then
		pass "$name"
	else
		fail "$name" "status $rc"
		sed 's/^/#   /' "$TMP/e" | head -5
	fi
}
one_line "missing headers: one line naming the package" \
	"^stap: target miss: no build tree for its kernel 6.1.0-99-amd64 here; install the Debian package linux-headers-6.1.0-99-amd64$" \
	-T miss -p4 -e "$S"
one_line "unknown target" "^stap: -T nope: no such target" -T nope -p4 -e "$S"
one_line "-T with -r" "cannot be used together" -T deb -r "$rel" -p4 -e "$S"
echo 'deb3 execute=local kernel=x arch=x86_64 colour=blue' >>"$SYSTEMTAP_DIR/known_hosts"
run "known_hosts error names the place" 1 "known_hosts:4: unknown key 'colour'" -- "$STAP" -T deb -p4 -e "$S"
sed -i '$d' "$SYSTEMTAP_DIR/known_hosts"

# pass 4 for the target: a cached path like any other build; a second
# target with another kernel build gets its own entry
run "-T -p4 builds" 0 "^$SYSTEMTAP_DIR/cache/../stap_[0-9a-f]+\\.ko$" -- "$STAP" -T deb -p4 -e "$S"
p1=$(cat "$TMP/out")
run "-T -p4 again hits" 0 -- "$STAP" -T deb -p4 -e "$S"
[ "$(cat "$TMP/out")" = "$p1" ] && pass "hit gives the same path" || fail "hit gives the same path"
run "-T other target -p4" 0 "\\.ko$" -- "$STAP" -T deb2 -p4 -e "$S"
[ "$(cat "$TMP/out")" != "$p1" ] && pass "two targets, two entries" || fail "two targets, two entries"
grep -q "vermagic=$rel " "$p1" 2>/dev/null || strings "$p1" | grep -q "vermagic=$rel " &&
	pass "module built for the target's release" || fail "module built for the target's release"
exit 0
