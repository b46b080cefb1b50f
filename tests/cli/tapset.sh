#!/bin/sh
# The tapset library (issue 12): lazy resolution (only the files a script
# needs, transitively, counted by -v), -I DIR and SYSTEMTAP_TAPSET, embedded
# C in library files without -g, messages naming library files, the cache
# key covering exactly the library text a module uses, and golden -p2 texts
# of every library family (tests/stp-front/tapset/; REGEN=1 rewrites them).
. tests/lib.sh
STAP="$BIN/stap"
GOLD=tests/stp-front/tapset
export SYSTEMTAP_DIR="$TMP/stapdir"
unset SYSTEMTAP_TAPSET

have_kernel=0
if "$STAP" -l 'kernel.function("vfs_read")' >"$TMP/kcheck" 2>&1 && grep -q vfs_read "$TMP/kcheck"; then
	have_kernel=1
fi
REL=$(kbuild_release)

# -v library counts: none for builtins only, the files reached otherwise.
libs() { # SCRIPT [stap options]: the N of "and N library scripts"
	s=$1
	shift
	"$STAP" -v -p1 "$@" -e "$s" 2>&1 >/dev/null | sed -n 's/^Pass 1: parsed user script and \([0-9]*\) library script.*/\1/p'
}
n=$(libs 'probe begin { println(execname(), pid()) }')
[ "$n" = 0 ] && pass "builtins read no library" || fail "builtins read no library" "$n files"
n=$(libs 'probe begin { println(errno_str(2)) }')
[ "$n" = 1 ] && pass "errno_str: one library file" || fail "errno_str: one library file" "$n files"
n=$(libs 'probe begin { println(return_str(1, -2)) }')
[ "$n" = 2 ] && pass "return_str: its file and errno's" || fail "return_str: its file and errno's" "$n files"
n=$(libs 'probe syscall.openat { println(argstr) }')
[ "$n" = 3 ] && pass "syscall.openat: three files" || fail "syscall.openat: three files" "$n files"
run "-v line" 0 '^Pass 1: parsed user script and 1 library script using ' -- "$STAP" -v -p1 -e 'probe begin { println(errno_str(2)) }'

# A library of our own: -I DIR, SYSTEMTAP_TAPSET, first definition wins.
mkdir -p "$TMP/inc/sub" "$TMP/lib"
cat >"$TMP/inc/mine.stp" <<'STP'
// a -I library with embedded C (no -g needed) and an alias
function mine:long() %{ /* pure */ STAP_RETVALUE = 42; %}
function errno_str:string(e:long) { return "mine" }
function quiet() { unused_local = 1 }
probe my.alias = begin { word = "aliased" }
probe my.epi += end { println("epilogue"); unread = 2 }
STP
cat >"$TMP/inc/sub/broken.stp" <<'STP'
function broken_one() {
  x = = 1
}
STP
cat >"$TMP/lib/lib.stp" <<'STP'
function from_env:long() { return 7 }
STP
run "-I function with embedded C" 0 'STAP_RETVALUE = 42' -- "$STAP" -p2 -I "$TMP/inc" -e 'probe begin { println(mine()) }'
run "-I alias prologue" 0 'word = "aliased"' -- "$STAP" -p2 -I "$TMP/inc" -e 'probe my.alias { println(word) }'
if grep -q 'WARNING' "$TMP/out"; then fail "no warnings from library code" "$(grep WARNING "$TMP/out" | head -1)"; else pass "no warnings from library code"; fi
run "-I alias epilogue" 0 'println\("epilogue"\)' -- "$STAP" -p2 -I "$TMP/inc" -e 'probe my.epi { println(1) }'
run "-I first definition wins" 0 'return "mine"' -- "$STAP" -p2 -I "$TMP/inc" -e 'probe begin { println(errno_str(2)) }'
run "-I unused broken file is never parsed" 0 -- "$STAP" -p2 -I "$TMP/inc" -e 'probe begin { println(mine()) }'
run "-I broken file names its place" 1 "^$TMP/inc/sub/broken.stp:2:7: parse error" -- "$STAP" -p2 -I "$TMP/inc" -e 'probe begin { broken_one() }'
run "-I missing folder" 1 "^stap: -I $TMP/nosuch: no such folder" -- "$STAP" -p2 -I "$TMP/nosuch" -e 'probe begin { exit() }'
run "SYSTEMTAP_TAPSET" 0 'return 7' -- env SYSTEMTAP_TAPSET="$TMP/lib" "$STAP" -p2 -e 'probe begin { println(from_env()) }'
run "SYSTEMTAP_TAPSET replaces the library" 1 "unresolved function 'errno_str'" -- env SYSTEMTAP_TAPSET="$TMP/lib" "$STAP" -p2 -e 'probe begin { println(errno_str(2)) }'
# Library macros: *.stpm files, read only when a script uses an @name it
# does not define; the script's own @define wins; a broken one names itself.
cat >"$TMP/inc/sub/mine.stpm" <<'STP'
@define twice(x) %( (2 * @x) %)
@define mine_word %( "library" %)
STP
run "-I macro file" 0 'println\(\(2 \* 21\)\)' -- "$STAP" -p1 -I "$TMP/inc" -e 'probe begin { println(@twice(21)) }'
run "a script's @define wins over the library's" 0 'println\("script"\)' -- "$STAP" -p1 -I "$TMP/inc" -e '@define mine_word %( "script" %) probe begin { println(@mine_word) }'
run "library macro then a script @define" 0 'println\(\("library" \. "script"\)\)' -- "$STAP" -p1 -I "$TMP/inc" -e 'probe begin { println(@mine_word . "script") } @define twice(y) %( @y %)'
run "macro files are not counted as library scripts" 0 '^Pass 1: parsed user script and 0 library scripts' -- "$STAP" -v -p1 -I "$TMP/inc" -e 'probe begin { println(@twice(1)) }'
run "unknown macro after reading the library" 1 "unknown operator or undefined macro '@thrice'" -- "$STAP" -p1 -I "$TMP/inc" -e 'probe begin { println(@thrice(1)) }'
printf '@define bad(x %%( 1 %%)\n' >"$TMP/lib/bad.stpm"
run "broken macro file names its place" 1 "^tapset/bad.stpm:1:15: parse error" -- env SYSTEMTAP_TAPSET="$TMP/lib" "$STAP" -p1 -e 'probe begin { println(@nothing_here) }'
rm -f "$TMP/lib/bad.stpm"

run "user script still needs -g for embedded C" 1 'need stap -g' -- "$STAP" -p1 -e 'function f:long() %{ STAP_RETVALUE = 1; %} probe begin { println(f()) }'
if "$STAP" -p2 -I "$TMP/inc" -e 'probe begin { println(mine()) }' | grep -q 'stapauth_guru'; then
	fail "library embedded C is not guru mode"
else
	pass "library embedded C is not guru mode"
fi
run "error inside a library function names the library file" 1 '^tapset/syscalls_file.stp:[0-9]+:[0-9]+: semantic error' -- "$STAP" -p2 -e 'global flags; probe syscall.openat { flags[1] = 1 }'
run "unknown library function" 1 "unresolved function 'errno_strr'; did you mean 'errno_str'" -- "$STAP" -p2 -e 'probe begin { errno_str(1); println(errno_strr(2)) }'

# The cache key covers exactly the library text a module uses.
if [ $have_kernel = 1 ] && [ -n "$REL" ]; then
	cp -R tapset "$TMP/copy"
	key() { env SYSTEMTAP_TAPSET="$TMP/copy" "$STAP" -r "$REL" -p2 -v -e 'probe begin { println(errno_str(2)) }' 2>&1 >/dev/null | sed -n 's/^cache: key: //p'; }
	k1=$(key)
	echo 'function never_used:long() { return 1 }' >>"$TMP/copy/task.stp"
	printf '\n// a comment after every function\n' >>"$TMP/copy/errno.stp"
	k2=$(key)
	sed -i 's/"E#%lld"/"E#%lld!"/' "$TMP/copy/errno.stp"
	k3=$(key)
	if [ -n "$k1" ] && [ "$k1" = "$k2" ]; then pass "key: unused library text does not count"; else fail "key: unused library text does not count" "$k1 vs $k2"; fi
	if [ -n "$k3" ] && [ "$k3" != "$k2" ]; then pass "key: used library text counts"; else fail "key: used library text counts" "$k2 vs $k3"; fi
	# Locations in library files are path-independent ("tapset/..."), so
	# the same library elsewhere gives the same program text.
	"$STAP" -p2 -e 'probe syscall.close { println(argstr) }' >"$TMP/p2a" 2>/dev/null
	cp -R tapset "$TMP/copy2"
	SYSTEMTAP_TAPSET="$TMP/copy2" "$STAP" -p2 -e 'probe syscall.close { println(argstr) }' >"$TMP/p2b" 2>/dev/null
	if [ -s "$TMP/p2a" ] && cmp -s "$TMP/p2a" "$TMP/p2b"; then pass "program text independent of the library's path"; else fail "program text independent of the library's path"; fi
else
	skip "cache key" "no kernel symbols or build tree"
fi

# Probe aliases of the library.
if [ $have_kernel = 1 ]; then
	run "syscall.* expands to entry aliases" 0 '__x64_sys_openat' -- "$STAP" -p2 -e 'probe syscall.* { println(name) }'
	n=$(grep -c '^probe kernel.function("__x64_sys_' "$TMP/out")
	[ "$n" -ge 45 ] && pass "syscall.*: $n system calls" || fail "syscall.* count" "$n"
	if grep -q '^probe kernel.*\.return' "$TMP/out"; then fail "syscall.* has no .return"; else pass "syscall.* has no .return"; fi
	run "syscall.*.return" 0 '__x64_sys_read"\)\.return' -- "$STAP" -p2 -e 'probe syscall.*.return { println(retstr) }'
	if grep -q '__x64_sys_exit_group' "$TMP/out"; then fail "exit_group never returns"; else pass "exit_group never returns"; fi
	run "syscall.open* wildcard" 0 '__x64_sys_open"\)' -- "$STAP" -p2 -e 'probe syscall.open* { println(argstr) }'
	run "unknown syscall alias" 1 "unknown probe point 'syscall.nosuch'" -- "$STAP" -p2 -e 'probe syscall.nosuch { }'
	run "alias variables and a user global" 0 -- "$STAP" -p2 -e 'global c; probe syscall.read { c[execname(), fd] += count }'
fi

# Golden -p2 texts per library family.
for f in "$GOLD"/*.stp; do
	name="golden $(basename "$f" .stp)"
	if [ $have_kernel = 0 ] || [ -z "$REL" ]; then
		skip "$name" "no kernel symbols"
		continue
	fi
	golden_check "$name" "${f%.stp}.p2" "$STAP" -r "$REL" -p2 "$f"
done

# Every library function a script may call (no leading _) is listed in
# stapfuncs(3stap), whose font escapes are dropped before the look-up.
sed 's/\\f[BIRP]//g' man/stapfuncs.3stap >"$TMP/stapfuncs"
missing=$(grep -ho '^function [A-Za-z0-9_]*' tapset/*.stp | sed 's/^function //' | grep -v '^_' | sort -u |
	while read -r f; do grep -qw "$f" "$TMP/stapfuncs" || printf '%s ' "$f"; done)
[ -z "$missing" ] && pass "stapfuncs(3stap) lists every library function" ||
	fail "stapfuncs(3stap) lists every library function" "missing: $missing"

# make install puts the library under the data folder.
if make -n install-base DESTDIR=/nonexistent 2>/dev/null | grep -q 'cp -R runtime tapset'; then
	pass "make install copies tapset/"
else
	fail "make install copies tapset/"
fi

# -p1 prints the script as parsed, not the library files parsed with it.
run "-p1 shows the script only" 0 'println\(errno_str\(2\)\)' -- "$STAP" -p1 -e 'probe begin { println(errno_str(2)) }'
if grep -q '^function\|%{' "$TMP/out"; then fail "-p1 without library code"; else pass "-p1 without library code"; fi

# -l / -L list library aliases by name, as SystemTap does.
if [ $have_kernel = 1 ]; then
	run "-l syscall.open*" 0 '^syscall\.openat$' -- "$STAP" -l 'syscall.open*'
	# open and openat (syscalls_file.stp), open_by_handle_at, open_tree and
	# openat2 (syscalls_other.stp) where the kernel has them: names only.
	if [ "$(grep -c '^syscall\.open' "$TMP/out")" -ge 3 ] && grep -q '^syscall\.open$' "$TMP/out" &&
		grep -q '^syscall\.openat2$' "$TMP/out" && ! grep -q '^syscall\..*[(" ]' "$TMP/out"; then
		pass "-l syscall.open*: every alias, names only"
	else
		fail "-l syscall.open*: every alias, names only" "$(tr '\n' ' ' <"$TMP/out")"
	fi
	run "-L syscall.openat" 0 '^syscall\.openat name:string dfd:long dfd_str:string filename:string flags:long flags_str:string mode:long argstr:string$' -- "$STAP" -L 'syscall.openat'
	run "-l syscall.*.return" 0 '^syscall\.close\.return$' -- "$STAP" -l 'syscall.*.return'
	run "-l unknown alias" 1 "unknown probe point 'syscall.nosuch'" -- "$STAP" -l 'syscall.nosuch'
fi
run "-vv: the library's own time" 0 '^stap: tapset library: [0-9]+ files indexed \([0-9]+ functions, [0-9]+ aliases\), 1 parsed, in [0-9.]+ ms$' -- "$STAP" -vv -p1 -e 'probe begin { println(errno_str(2)) }'

# A value returned inside try is checked before leaving, so its error is
# caught (the library relied on this; the VM case tapset_funcs runs it).
if [ -n "$REL" ]; then
	"$STAP" -r "$REL" -p3 -e 'function q:string(a:long) { try { return user_string(a) } catch { return "caught" } } probe begin { println(q(1)) }' >"$TMP/c" 2>/dev/null
	if grep -A1 'stp_strcpy(stp_ret, stp_mem_string' "$TMP/c" | grep -q 'goto stp_catch_1;'; then
		pass "return inside try: error goes to the catch"
	else
		fail "return inside try: error goes to the catch"
	fi
fi

# Without SYSTEMTAP_TAPSET the library is the tapset/ beside the runtime/.
mkdir -p "$TMP/tree/runtime" "$TMP/tree/tapset"
echo 'function beside_runtime:long() { return 3 }' >"$TMP/tree/tapset/b.stp"
run "library beside the runtime" 0 'return 3' -- env SYSTEMTAP_RUNTIME="$TMP/tree/runtime" "$STAP" -p2 -e 'probe begin { println(beside_runtime()) }'
