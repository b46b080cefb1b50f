#!/bin/sh
# The compiled-module cache seen from the command line: equivalent scripts
# share a key, near misses do not, a rebuilt kernel tree gets a new key; and,
# once pass 4 works: hits, concurrency, interruption, corruption, failures,
# --disable-cache, --poison-cache, the size limit.
. tests/lib.sh
STAP=$BIN/stap
export SYSTEMTAP_DIR="$TMP/stapdir"

# The key stap -p2 -v prints ("cache: key: HEX" on stderr).
key() {
	"$STAP" -p2 -v "$@" 2>&1 >/dev/null | sed -n 's/^cache: key: //p'
}

if [ -z "$(key -e 'probe begin { exit() }')" ]; then
	skip "keys" "stap -p2 -v prints no cache key yet (front end pass 2 not there)"
	"$STAP" -p2 -v -e 'probe begin { exit() }' 2>&1 | sed 's/^/#   /' | head -5
	exit 0
fi

# same NAME SCRIPT...: every script has the first one's key.
same() {
	name=$1
	shift
	k0=$(key -e "$1")
	[ -n "$k0" ] || { fail "$name" "no key for: $1"; return; }
	for s in "$@"; do
		k=$(key -e "$s")
		if [ "$k" != "$k0" ]; then
			fail "$name" "different keys: '$1' and '$s'"
			return
		fi
	done
	pass "$name"
}

# differ NAME SCRIPT1 SCRIPT2 [OPTIONS-FOR-2]: the keys differ.
differ() {
	name=$1 s1=$2 s2=$3
	shift 3
	k1=$(key -e "$s1")
	k2=$(key "$@" -e "$s2")
	if [ -z "$k1" ] || [ -z "$k2" ]; then
		fail "$name" "no key ('$s1' / '$s2')"
	elif [ "$k1" = "$k2" ]; then
		fail "$name" "same key for '$s1' and '$s2' $*"
	else
		pass "$name"
	fi
}

same "deterministic" 'probe begin { exit() }' 'probe begin { exit() }'
same "group: empty statements and dead stores" 'probe begin { exit() }' \
	'probe begin { exit(); }' 'probe begin { exit() a=1 }'
same "group: points of a probe" 'probe begin, end { exit() }' 'probe end, begin { exit() }'
same "group: braces" 'probe begin { if(foo) exit() }' 'probe begin { if(foo) { exit() } }' \
	'probe begin { if(foo) { { exit() } } }'
same "group: known values and the loop" 'probe begin { log("foo") }' \
	'probe begin { if(1) log("foo") }' 'probe begin { i=1; if(i) log("foo") }' \
	'probe begin { while(!i++) log("foo") }' \
	'probe begin { for (j = 0; j < 1; j++) log("foo") }'
same "group: spelling, comments, layout" 'probe begin { log(sprint(16)) }' \
	'probe begin{log(sprint(0x10))}' \
	'# a comment
probe begin /* here */ {
	log(sprint(16)) // and here
}'
same "group: function order" \
	'function f() { log("f") } function g() { log("g") } probe begin { f() g() }' \
	'function g() { log("g") } function f() { log("f") } probe begin { f() g() }'
same "group: probes on different events" \
	'probe begin { log("a") } probe end { log("b") }' \
	'probe end { log("b") } probe begin { log("a") }'

same "group: kernel probes on different functions" \
	'probe kernel.function("vfs_read") { log("a") } probe kernel.function("vfs_write") { log("b") }' \
	'probe kernel.function("vfs_write") { log("b") } probe kernel.function("vfs_read") { log("a") }'

differ "near miss: one function spelled two ways, probes swapped" \
	'probe kernel.function("vfs_read") { log("a") } probe kprobe.function("vfs_read") { log("b") }' \
	'probe kprobe.function("vfs_read") { log("b") } probe kernel.function("vfs_read") { log("a") }'
# 300 probes on six events, shuffled across events but not within one.
python3 - "$TMP/big1.stp" "$TMP/big2.stp" <<'PY'
import random, sys
random.seed(7)
ev = ['begin', 'end', 'timer.ms(100)', 'timer.ms(200)',
      'kernel.function("vfs_read")', 'kernel.function("vfs_write")']
ps = [(random.choice(ev), i) for i in range(300)]
rank = {e: random.random() for e in ev}
for path, order in ((sys.argv[1], ps), (sys.argv[2], sorted(ps, key=lambda p: rank[p[0]]))):
    with open(path, 'w') as f:
        f.write('global n\n' + ''.join('probe %s { n += %d }\n' % p for p in order))
PY
k1=$(key "$TMP/big1.stp")
k2=$(key "$TMP/big2.stp")
[ -n "$k1" ] && [ "$k1" = "$k2" ] && pass "group: 300 probes regrouped by event" ||
	fail "group: 300 probes regrouped by event" "$k1 / $k2"

differ "near miss: same-event probes swapped" \
	'probe begin { log("a") } probe begin { log("b") }' \
	'probe begin { log("b") } probe begin { log("a") }'
differ "near miss: global i in the loop" 'probe begin { log("foo") }' \
	'global i probe begin { while(!i++) log("foo") }'
differ "near miss: global foo" 'probe begin { if(foo) exit() }' \
	'global foo probe begin { if(foo) exit() }'
differ "near miss: code after exit() runs" 'probe begin { exit() }' \
	'probe begin { exit() log("x") }'
differ "near miss: division by zero stays" 'probe begin { exit() }' \
	'probe begin { a = 1/0 exit() }'
differ "near miss: a call is not folded away" 'probe begin { exit() }' \
	'probe begin { a = randint(10) exit() }'
differ "near miss: 64-bit wrap" 'probe begin { log(sprint(9223372036854775807)) }' \
	'probe begin { log(sprint(9223372036854775807 + 1)) }'
differ "near miss: string" 'probe begin { log("foo") }' 'probe begin { log("Foo") }'
differ "near miss: -D" 'probe begin { exit() }' 'probe begin { exit() }' -D MAXACTION=10
differ "near miss: -g" 'probe begin { exit() }' 'probe begin { exit() }' -g

# Source positions: only those a runtime error message names are in the key
# (division, array elements, memory reads, error()...); MAXACTION and
# MAXNESTING name the probe point or function, so layout elsewhere is free.
same "group: layout of a script without error sites" \
	'global n probe begin { n++ if (n > 1) log("x") else log(sprint(n * 2)) }' \
	'# a comment

global n
probe begin {
	/* count */   n ++
	if (n>1)   log("x")  // twice?

	else log(sprint(n*2))
}'
same "group: layout around a division that cannot fail" \
	'global y probe begin { x = y / 2 log(sprint(x)) }' \
	'global y
probe begin {
	x = y / 2
	log(sprint(x))
}'
differ "near miss: a division on another line" \
	'global y probe begin { x = 10 / y log(sprint(x)) }' \
	'global y probe begin {
	x = 10 / y log(sprint(x)) }'
differ "near miss: a division in another column" \
	'global y probe begin { x = 10 / y log(sprint(x)) }' \
	'global y probe begin {  x = 10 / y log(sprint(x)) }'
differ "near miss: an array element on another line" \
	'global a probe begin { a[1] = 2 }' 'global a probe begin {
a[1] = 2 }'
differ "near miss: error() on another line" 'probe begin { error("e") }' \
	'probe begin {
error("e") }'
"$STAP" -p2 -e 'global y probe begin { x = 10 / y log(sprint(x)) }' >"$TMP/loc" 2>/dev/null
grep -q '(10 / y) /\* at <input>:1:31 \*/' "$TMP/loc" &&
	pass "-p2 names the place of a division" ||
	{ fail "-p2 names the place of a division"; sed 's/^/#   /' "$TMP/loc"; }
printf 'global y\nprobe begin { x = 10 / y log(sprint(x)) }\n' >"$TMP/one.stp"
cp "$TMP/one.stp" "$TMP/two.stp"
printf 'global y\nprobe begin { x = y * 10 log(sprint(x)) }\n' >"$TMP/three.stp"
cp "$TMP/three.stp" "$TMP/four.stp"
k1=$(key "$TMP/one.stp")
k2=$(key "$TMP/two.stp")
[ -n "$k1" ] && [ -n "$k2" ] && [ "$k1" != "$k2" ] &&
	pass "near miss: a script with a division renamed" ||
	fail "near miss: a script with a division renamed" "$k1 / $k2"
k1=$(key "$TMP/three.stp")
k2=$(key "$TMP/four.stp")
[ -n "$k1" ] && [ "$k1" = "$k2" ] && pass "group: a script without error sites renamed" ||
	fail "group: a script without error sites renamed" "$k1 / $k2"

# The key shows its fields.
"$STAP" -p2 -v -e 'probe begin { exit() }' 2>"$TMP/fields" >/dev/null
if grep -q '^cache: kernel.symvers: sha256:' "$TMP/fields" &&
	grep -q '^cache: runtime: sha256:' "$TMP/fields" &&
	grep -q '^cache: compiler: ' "$TMP/fields" && grep -q '^cache: euid: ' "$TMP/fields" &&
	grep -Eq '^cache: modname: stap_[0-9a-f]{32}$' "$TMP/fields"; then
	pass "key fields printed"
else
	fail "key fields printed"
	sed 's/^/#   /' "$TMP/fields" | head -20
fi

# A rebuilt kernel tree with the same release gives a new key; a copy of the
# same tree (same content, other place and times) the same key.
bd=$(sed -n 's/^cache: kernel.build_dir: //p' "$TMP/fields")
[ -n "$bd" ] || bd=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | head -1)
if [ -d "$bd" ] && [ -f "$bd/Module.symvers" ]; then
	cp -a "$bd" "$TMP/kb"
	mkdir -p "$TMP/kb/include/config"
	[ -f "$TMP/kb/include/config/kernel.release" ] ||
		sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$bd/include/generated/utsrelease.h" \
			>"$TMP/kb/include/config/kernel.release"
	k1=$(key -r "$TMP/kb" -e 'probe begin { exit() }')
	touch -d 2001-01-01 "$TMP/kb/.config" "$TMP/kb/Module.symvers"
	k2=$(key -r "$TMP/kb" -e 'probe begin { exit() }')
	echo "0x00000000	stapauth_test_symbol	vmlinux	EXPORT_SYMBOL	" >>"$TMP/kb/Module.symvers"
	k3=$(key -r "$TMP/kb" -e 'probe begin { exit() }')
	if [ -n "$k1" ] && [ "$k1" = "$k2" ] && [ "$k3" != "$k1" ] && [ -n "$k3" ]; then
		pass "rebuilt tree, same release: new key (mtimes alone: same key)"
	else
		fail "rebuilt tree, same release: new key" "k1=$k1 k2=$k2 k3=$k3"
	fi
else
	skip "rebuilt tree" "no kernel build tree found"
fi

# --clean-cache alone: leftovers of killed runs and orphan files go.
mkdir -p "$SYSTEMTAP_DIR/cache/ab"
orphan="$SYSTEMTAP_DIR/cache/ab/stap_ab$(printf '%062d' 0).ko"
tmpf="$SYSTEMTAP_DIR/cache/ab/.tmp.999999999.stap_x.ko.AAAAAA"
echo x >"$orphan"
echo x >"$tmpf"
touch -d '2001-01-01' "$orphan"
run "--clean-cache alone" 0 -- "$STAP" --clean-cache
[ ! -e "$orphan" ] && [ ! -e "$tmpf" ] && pass "--clean-cache removed leftovers" ||
	fail "--clean-cache removed leftovers"

# ---- pass 4: needs the back end ----
if ! "$STAP" -p4 -e 'probe begin { exit() }' >"$TMP/p4" 2>&1; then
	skip "pass 4 cache cases" "stap -p4 does not build a module yet"
	sed 's/^/#   /' "$TMP/p4" | head -5
	exit 0
fi
ko=$(tail -1 "$TMP/p4")
case $ko in
"$SYSTEMTAP_DIR"/cache/??/stap_*.ko) pass "miss: -p4 prints the cached module" ;;
*) fail "miss: -p4 prints the cached module" "$ko" ;;
esac
run "hit: same path, passes 3 and 4 cached" 0 'Pass 4: using cached.*\(cached\)' -- \
	"$STAP" -v -p4 -e 'probe begin { exit(); }'
grep -qx "$ko" "$TMP/out" && pass "hit: same module for the equivalent script" ||
	fail "hit: same module for the equivalent script"
"$STAP" -p3 -e 'probe begin { exit() }' >"$TMP/c" 2>/dev/null
cmp -s "$TMP/c" "${ko%.ko}.c" && pass "hit: -p3 prints the cached C" ||
	fail "hit: -p3 prints the cached C"
# issue 17: libelf and libdw are loaded on first use; a hit reads no ELF
# file (the store checked the bytes the .log's digest names), so it loads
# neither.  The loader's own trace names every object it maps.
LD_DEBUG=files "$STAP" -p4 -e 'probe begin { exit() }' >/dev/null 2>"$TMP/ldd"
if ! grep -q 'file=libc\.so' "$TMP/ldd"; then
	fail "hit: loads neither libelf nor libdw" "no loader trace (LD_DEBUG=files)"
elif grep -Eq 'file=lib(elf|dw)[.-]' "$TMP/ldd"; then
	fail "hit: loads neither libelf nor libdw" "$(grep -E 'file=lib(elf|dw)[.-]' "$TMP/ldd" | head -1)"
else
	pass "hit: loads neither libelf nor libdw"
fi

# Eight identical compiles at once: all succeed, one entry.
s8='probe begin { log("eight") exit() }'
i=0
while [ $i -lt 8 ]; do
	("$STAP" -v -p4 -e "$s8" >"$TMP/c8.$i" 2>&1; echo $? >"$TMP/rc8.$i") &
	i=$((i + 1))
done
wait
ok=1
for i in 0 1 2 3 4 5 6 7; do
	[ "$(cat "$TMP/rc8.$i")" = 0 ] || ok=0
done
n=$(cat "$TMP"/c8.* | grep -c '\.ko$')
paths=$(cat "$TMP"/c8.* | grep '\.ko$' | sort -u | wc -l)
built=$(cat "$TMP"/c8.* | grep -c '^Pass 4: compiled')
if [ $ok = 1 ] && [ "$n" = 8 ] && [ "$paths" = 1 ] && [ "$built" = 1 ]; then
	pass "8 concurrent compiles: all succeed, one build, one entry"
else
	fail "8 concurrent compiles" "ok=$ok paths=$paths builds=$built"
	cat "$TMP"/c8.* | sed 's/^/#   /' | head -10
fi

# SIGKILL in the middle of a compile leaves nothing a later run uses.
sk='probe begin { log("killed") exit() }'
setsid "$STAP" -p4 -e "$sk" >/dev/null 2>&1 &
pid=$!
sleep 1
kill -9 -- -"$pid" 2>/dev/null || kill -9 "$pid"
wait "$pid" 2>/dev/null
kk=$(key -e "$sk")
if ls "$SYSTEMTAP_DIR"/cache/*/stap_"$kk".log >/dev/null 2>&1; then
	fail "SIGKILL mid-compile" "an entry exists"
else
	left=$(ls -a "$SYSTEMTAP_DIR"/cache/*/ | grep -c '^\.tmp\.')
	run "SIGKILL mid-compile: no entry, the next run builds" 0 '\.ko$' -- \
		"$STAP" -p4 -e "$sk"
	now=$(ls -a "$SYSTEMTAP_DIR"/cache/*/ | grep -c '^\.tmp\.')
	[ "$now" = 0 ] && pass "SIGKILL leftovers ($left temporaries) cleaned" ||
		fail "SIGKILL leftovers cleaned" "$now temporaries left"
fi

# A corrupt module is detected and rebuilt, never used.
printf 'garbage' | dd of="$ko" bs=1 seek=200 conv=notrunc 2>/dev/null
run "corrupt entry is rebuilt" 0 'damaged' -- "$STAP" -p4 -e 'probe begin { exit() }'
run "rebuilt entry is a hit" 0 '' -- "$STAP" -p4 -e 'probe begin { exit() }'
grep -q damaged "$TMP/out" && fail "rebuilt entry is clean" || pass "rebuilt entry is clean"

# A failing compile is never cached.
before=$(ls "$SYSTEMTAP_DIR"/cache/*/*.log | wc -l)
"$STAP" -g -p4 -e '%{ #error stapauth_test_failure %} probe begin { exit() }' >/dev/null 2>&1 &&
	fail "failing compile fails" || pass "failing compile fails"
after=$(ls "$SYSTEMTAP_DIR"/cache/*/*.log | wc -l)
[ "$before" = "$after" ] && pass "failing compile not cached" ||
	fail "failing compile not cached" "$before -> $after entries"
ls -a "$SYSTEMTAP_DIR"/cache/*/ | grep -q '^\.tmp\.' && fail "failing compile leaves no temporaries" ||
	pass "failing compile leaves no temporaries"

# A full disk: the compile fails, nothing is cached, nothing is left.  The
# disk is filled up front, whatever the size of a module.
mkdir "$TMP/full"
if mount -t tmpfs -o size=200k tmpfs "$TMP/full" 2>/dev/null; then
	dd if=/dev/zero of="$TMP/full/filler" bs=4k >/dev/null 2>&1
	SYSTEMTAP_DIR="$TMP/full" "$STAP" -p4 -e 'probe begin { log("full") exit() }' >"$TMP/fo" 2>&1
	rc=$?
	left=$(find "$TMP/full/cache" -name '*.ko' -o -name '*.log' -o -name '.tmp.*' | wc -l)
	umount "$TMP/full"
	[ $rc != 0 ] && [ "$left" = 0 ] && pass "full disk: fails cleanly, no entry" ||
		fail "full disk: fails cleanly, no entry" "status $rc, $left files"
else
	skip "full disk" "cannot mount a small tmpfs here (not root?)"
fi

# --disable-cache: the module goes to the current folder.
mkdir "$TMP/here"
(cd "$TMP/here" && "$STAP" --disable-cache -p4 -e 'probe begin { log("nc") exit() }') >"$TMP/nc" 2>&1
m=$(tail -1 "$TMP/nc")
[ -f "$TMP/here/$m" ] && pass "--disable-cache: module in the current folder" ||
	fail "--disable-cache: module in the current folder" "$m"

# --poison-cache: rebuilt and overwritten.
ino1=$(stat -c %i "$ko")
run "--poison-cache rebuilds" 0 'Pass 4: compiled' -- \
	"$STAP" -v --poison-cache -p4 -e 'probe begin { exit() }'
[ "$(stat -c %i "$ko")" != "$ino1" ] && pass "--poison-cache overwrote the entry" ||
	fail "--poison-cache overwrote the entry"

# The size limit: with 0 MB only the newest entry stays.
[ "$(cat "$SYSTEMTAP_DIR/cache/cache_mb_limit")" = 256 ] && pass "cache_mb_limit defaults to 256" ||
	fail "cache_mb_limit defaults to 256"
echo 0 >"$SYSTEMTAP_DIR/cache/cache_mb_limit"
"$STAP" -p4 -e 'probe begin { log("newest") exit() }' >"$TMP/new" 2>&1
n=$(ls "$SYSTEMTAP_DIR"/cache/*/*.log | wc -l)
[ "$n" = 1 ] && [ -f "$(tail -1 "$TMP/new")" ] && pass "LRU cleaning to the limit" ||
	fail "LRU cleaning to the limit" "$n entries left"
