#!/bin/sh
# Reproducible modules (issue 18): the same script built by different users,
# in different cache and temporary folders, a second apart, under other
# TZ/LANG, another host name (a UTS namespace), another runtime location
# whose directory lists in another order, gives the same module bytes, so
# one approved digest covers every user's own build.  A near miss differs.
. tests/lib.sh
STAP=$BIN/stap
AZ=$BIN/stap-authorize
S='probe timer.s(1) { printf("tick\n"); exit() }'
S2='probe timer.s(1){printf("tick\n")
exit()}' # another spelling of S
NEAR='probe timer.s(1) { printf("tock\n"); exit() }'

REL=$(kbuild_release)
if [ -z "$REL" ] || ! command -v make >/dev/null; then
	skip "all" "no /boot/vmlinuz-REL with /usr/src/linux-headers-REL, or no make"
	exit 0
fi
chmod 755 "$TMP"

# build NAME SCRIPT [env/wrapper words...]: stap -p4 in $TMP/NAME (cache and
# TMPDIR), owned by whoever runs it; the module's path in $TMP/NAME.ko.
build() {
	n=$1 s=$2
	shift 2
	mkdir -p "$TMP/$n/cache" "$TMP/$n/tmp"
	chown -R "${OWNER:-0}" "$TMP/$n"
	env SYSTEMTAP_DIR="$TMP/$n/cache" TMPDIR="$TMP/$n/tmp" "$@" \
		"$STAP" -r "$REL" -p4 -e "$s" >"$TMP/$n.out" 2>&1
	st=$?
	ko=$(tail -n 1 "$TMP/$n.out")
	if [ $st -ne 0 ] || [ ! -f "$ko" ]; then
		fail "build $n" "stap exit $st"
		sed 's/^/#   /' "$TMP/$n.out" | head -10
		return 1
	fi
	echo "$ko" >"$TMP/$n.ko"
	"$AZ" digest "$ko" >"$TMP/$n.digest"
}
digest() { cat "$TMP/$1.digest" 2>/dev/null; }

build root "$S" TZ=UTC LANG=C || exit 0
D=$(digest root)
case $D in sha256:*) pass "root's build has a digest" ;; *) fail "root's build has a digest" "$D" ;; esac
if strings -a "$(cat "$TMP/root.ko")" | grep -q -e "$TMP" -e stapkbuild; then
	fail "the module records no build, cache or temporary path" \
		"$(strings -a "$(cat "$TMP/root.ko")" | grep -m1 -e "$TMP" -e stapkbuild)"
else
	pass "the module records no build, cache or temporary path"
fi

sleep 1
build again "$S" TZ=Pacific/Kiritimati LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 \
	SOURCE_DATE_EPOCH=1234567890 KBUILD_BUILD_USER=eve KBUILD_BUILD_HOST=evil
[ "$(digest again)" = "$D" ] &&
	pass "another cache folder, a second later, other TZ/LANG/SOURCE_DATE_EPOCH: same digest" ||
	fail "another cache folder, a second later, other TZ/LANG/SOURCE_DATE_EPOCH: same digest" \
		"$(digest again) != $D"

build spelling "$S2"
[ "$(digest spelling)" = "$D" ] && pass "an equivalent spelling: same digest" ||
	fail "an equivalent spelling: same digest" "$(digest spelling) != $D"

# The runtime copied elsewhere, files created in reverse order (tmpfs and
# ext4 list a folder in creation-dependent order).
RT=$(pwd)/runtime # the source tree's, which an uninstalled stap uses
mkdir -p "$TMP/rt-elsewhere/runtime"
(cd "$RT" && find . -type f | sort -r) | while read -r f; do
	mkdir -p "$TMP/rt-elsewhere/runtime/$(dirname "$f")"
	cp "$RT/$f" "$TMP/rt-elsewhere/runtime/$f"
done
chmod -R a+rX "$TMP/rt-elsewhere"
build runtime "$S" SYSTEMTAP_RUNTIME="$TMP/rt-elsewhere/runtime"
[ "$(digest runtime)" = "$D" ] && pass "the runtime in another folder, listed in another order: same digest" ||
	fail "the runtime in another folder, listed in another order: same digest" "$(digest runtime) != $D"

if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
	skip "other users" "needs root and setpriv to build as other users"
else
	OWNER=65534 build nobody "$S" setpriv --reuid=65534 --regid=65534 --clear-groups
	[ "$(digest nobody)" = "$D" ] && pass "built by nobody (uid 65534): same digest" ||
		fail "built by nobody (uid 65534): same digest" "$(digest nobody) != $D"
	# a uid without a passwd entry, as an unknown "bob"
	OWNER=64123 build bob "$S" setpriv --reuid=64123 --regid=64123 --clear-groups
	[ "$(digest bob)" = "$D" ] && pass "built by uid 64123: same digest" ||
		fail "built by uid 64123: same digest" "$(digest bob) != $D"
	k1=$(sed -n 's/.*stap_\([0-9a-f]*\)\.ko$/\1/p' "$TMP/root.ko")
	k2=$(sed -n 's/.*stap_\([0-9a-f]*\)\.ko$/\1/p' "$TMP/nobody.ko")
	[ -n "$k1" ] && [ "$k1" != "$k2" ] &&
		pass "the cache key still differs per user (entries are per owner)" ||
		fail "the cache key still differs per user (entries are per owner)" "$k1 / $k2"
fi

if unshare -u true 2>/dev/null; then
	build host "$S" unshare -u sh -c 'hostname stapauth-other-host && exec "$@"' sh
	[ "$(digest host)" = "$D" ] && pass "another host name (UTS namespace): same digest" ||
		fail "another host name (UTS namespace): same digest" "$(digest host) != $D"
else
	skip "host name" "unshare -u is not permitted here"
fi

build near "$NEAR"
[ -n "$(digest near)" ] && [ "$(digest near)" != "$D" ] &&
	pass "a near-miss script: another digest" ||
	fail "a near-miss script: another digest" "$(digest near)"

# --- stap-authorize bless --script / -e, explain ---------------------------
P=$TMP/etc/authorized_probes
mkdir -p "$TMP/etc" && chmod 755 "$TMP/etc"
az() { env -u SUDO_USER "$AZ" --policy "$P" "$@"; }
PROG=sha256:$("$STAP" -r "$REL" -p2 -e "$S" | sha256sum | cut -d' ' -f1)
run "bless -e builds, shows the program and the module, adds the line" 0 \
	"^$P:3: added: $D users=nobody program=$PROG # stap -e, program ${PROG%"${PROG#???????????????????}"}\.\.\., kernel $REL$" -- \
	az bless -e "$S" -r "$REL" --users nobody
grep -q "^program $PROG " "$TMP/out" && grep -q '^    probe timer.s(1)$' "$TMP/out" &&
	grep -q "^module $D$" "$TMP/out"
[ $? -eq 0 ] && pass "bless prints the canonical program, its hash and the module digest" ||
	fail "bless prints the canonical program, its hash and the module digest"
if [ "$(id -u)" -eq 0 ]; then
	grep -q '^building -e SCRIPT as nobody (uid 65534)' "$TMP/out" &&
		pass "bless run by root without SUDO_USER builds as nobody" ||
		fail "bless run by root without SUDO_USER builds as nobody" "$(head -1 "$TMP/out")"
	run "bless refuses to compile as root" 1 'refusing to compile a script as root' -- \
		az bless -e "$S" -r "$REL" --build-user root
	[ "$(grep -c '^sha256:' "$P")" -eq 1 ] && pass "a refused bless changes nothing" ||
		fail "a refused bless changes nothing" "$(cat "$P")"
fi
if [ -n "$(digest nobody)" ]; then
	run "another user's own build of another spelling is approved for nobody" 0 'allow|grant|approved' -- \
		"$AZ" --policy "$P" check "$(cat "$TMP/spelling.ko")" --user nobody
	run "a near-miss script's module is refused" 1 -- \
		"$AZ" --policy "$P" check "$(cat "$TMP/near.ko")" --user nobody
fi

printf '%s\n' "$S2" >"$TMP/tick.stp"
chmod 644 "$TMP/tick.stp"
# SUDO_USER: the administrator's own account builds (daemon stands in)
if [ "$(id -u)" -eq 0 ] && id daemon >/dev/null 2>&1; then
	SUDO_USER=daemon "$AZ" --policy "$P" explain "$D" --script "$TMP/tick.stp" -r "$REL" \
		>"$TMP/out" 2>&1
	st=$?
	grep -q "^building tick.stp as daemon " "$TMP/out"
	[ $? -eq 0 ] && pass "bless/explain run through sudo build as SUDO_USER" ||
		fail "bless/explain run through sudo build as SUDO_USER" "$(head -1 "$TMP/out")"
else
	az explain "$D" --script "$TMP/tick.stp" -r "$REL" >"$TMP/out" 2>&1
	st=$?
fi
[ $st -eq 0 ] && grep -q "^SAME: the script builds $D$" "$TMP/out" &&
	grep -q "^$P:3: program $PROG (the script's)$" "$TMP/out"
[ $? -eq 0 ] && pass "explain --script: the script rebuilds to the approved digest and program" ||
	fail "explain --script: the script rebuilds to the approved digest and program" \
		"status $st: $(tr '\n' '|' <"$TMP/out")"
run "explain -e NEAR: another digest, exit 1" 1 "^DIFFERENT: the script builds $(digest near)$" -- \
	az explain "$D" -e "$NEAR" -r "$REL"
grep -q "program $PROG (NOT the script's)$" "$TMP/out" &&
	pass "explain names the approved program as not the script's" ||
	fail "explain names the approved program as not the script's"
run "explain without a script: the policy lines and their program" 0 "^$P:3: program $PROG$" -- \
	az explain "$D"
run "explain of an unknown digest: exit 1" 1 'no line names this digest' -- \
	az explain "sha256:$(printf '%064d' 0)"
cp "$P" "$TMP/before"
run "bless of a script that does not compile: nothing changed" 1 'stap -p2 failed' -- \
	az bless -e 'probe nosuch.point { }' -r "$REL"
cmp -s "$P" "$TMP/before" && pass "the policy is untouched after a failed build" ||
	fail "the policy is untouched after a failed build"
ls /tmp | grep -q '^stap-authorize\.' &&
	fail "no build folder left in /tmp" "$(ls -d /tmp/stap-authorize.*)" ||
	pass "no build folder left in /tmp"
