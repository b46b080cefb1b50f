#!/bin/sh
# The back end from the command line: pass 3's C (parameters, .modinfo, -D),
# pass 4 with the installed Debian kernel's kbuild (a module with its
# .modinfo, compile errors shown, the temporary folder always removed, also
# on SIGINT).  Loading needs the VM bench (tests/vm/cases/stap.sh).
. tests/lib.sh
STAP=$BIN/stap
export SYSTEMTAP_DIR="$TMP/stapdir"
mkdir -p "$TMP/tmpdir" "$TMP/w"

if ! "$STAP" -p3 -e 'probe begin { exit() }' >/dev/null 2>&1; then
	skip "all" "stap -p3 does not work yet"
	exit 0
fi

S='global count = 3, name = "n"; probe begin { printf("%d %s\n", count, name); exit() }'
run "-p3 prints C with the scalar globals as module parameters" 0 \
	'module_param_named\(count, stp_g_count, long, 0\);' -- "$STAP" -p3 -e "$S"
grep -q 'module_param_string(name, stp_g_name, MAXSTRINGLEN, 0);' "$TMP/out"
ok_str=$?
[ $ok_str -eq 0 ] && pass "string global is a string parameter" ||
	fail "string global is a string parameter"
grep -q 'MODULE_INFO(stapauth_guru, "0");' "$TMP/out" &&
	grep -q 'MODULE_INFO(stapauth_version, "' "$TMP/out"
[ $? -eq 0 ] && pass ".modinfo records the version and guru=0" ||
	fail ".modinfo records the version and guru=0"
run "-D NAME=VALUE becomes a #define before the runtime" 0 '^#define MAXACTION 5$' -- \
	"$STAP" -p3 -D MAXACTION=5 -e "$S"
run "-D with a bad name is refused" nz 'not NAME or NAME=VALUE' -- \
	"$STAP" -p3 -D '1X=2' -e "$S"
run "-g records guru mode" 0 'MODULE_INFO\(stapauth_guru, "1"\);' -- \
	"$STAP" -g -p3 -e "$S"

# Evaluation order: stap's left to right where C leaves it open and two
# operands may interact (the earlier ones into locals _oN first, a string
# copied at its turn); the C unchanged where they cannot.
F='function f(x) { return x } '
order() { run "order: $1" 0 "$2" -- "$STAP" -p3 -e "$3"; }
order "printf arguments with two calls" \
	'\(\{ int64_t _o0 = \(stp_fn_f\(c, \(\(int64_t\)1LL\)\)\); \(stp_printf\(c, "%lld %lld\\n", \(long long\)\(_o0\), \(long long\)\(stp_fn_f\(c, \(\(int64_t\)2LL\)\)\)\)' \
	"$F"'probe begin { printf("%d %d\n", f(1), f(2)) }'
order "a function's arguments" \
	'\(\{ int64_t _o0 = \(stp_fn_f\(c, \(\(int64_t\)1LL\)\)\); stp_fn_g\(c, _o0, stp_fn_f\(c, \(\(int64_t\)2LL\)\)\); \}\)' \
	"$F"'function g(a, b) { return a - b } probe begin { println(g(f(1), f(2))) }'
order "i++ twice" \
	'int64_t _o0 = \(\(l->v0\+\+\)\); int64_t _o1 = \(\(l->v0\+\+\)\); \(stp_printf\(c, "%lld %lld %lld\\n", \(long long\)\(_o0\), \(long long\)\(_o1\), \(long long\)\(l->v0\)\)' \
	'probe begin { i = 0; printf("%d %d %d\n", i++, i++, i) }'
order "a binary operator" \
	'\(\{ int64_t _o0 = \(stp_fn_f\(c, \(\(int64_t\)1LL\)\)\); \(\(int64_t\)\(\(uint64_t\)\(_o0\) \+ \(uint64_t\)\(stp_fn_f\(c, \(\(int64_t\)2LL\)\)\)\)\); \}\)' \
	"$F"'probe begin { println(f(1) + f(2)) }'
order "array keys" \
	'\(\{ int64_t _o0 = \(stp_fn_f\(c, \(\(int64_t\)1LL\)\)\); stp_map_set_n\(c, &stp_m_m, \(const union stp_key\[\]\)\{\{\.n = _o0\}, \{\.n = stp_fn_f\(c, \(\(int64_t\)2LL\)\)\}\}' \
	"global m; $F"'probe begin { m[f(1), f(2)] = 3 }'
order "a string is copied at its turn" \
	'\(\{ const char \*_o0 = stp_strcpy\(l->t[0-9]+, stp_g_g\); .*stp_printf\(c, "%s %s %s\\n", _o0, _o1, stp_g_g\)' \
	'global g; function set(v) { g = v; return v } probe begin { printf("%s %s %s\n", g, set("x"), g) }'
order "concatenation" \
	'\(\{ const char \*_o0 = \(stp_fn_s\(c, l->t[0-9]+, "a"\)\); stp_concat\(l->t[0-9]+, _o0, stp_fn_s\(c, l->t[0-9]+, "b"\)\); \}\)' \
	'function s(x) { return x } probe begin { println(s("a") . s("b")) }'
order "a compound assignment to an element evaluates its keys once" \
	'\(\{ int64_t _o0 = \(\(l->v0\+\+\)\); stp_map_set_n\(c, &stp_m_m, \(const union stp_key\[\]\)\{\{\.n = _o0\}\}, \(\(int64_t\)\(\(uint64_t\)\(stp_map_get_n\(&stp_m_m, \(const union stp_key\[\]\)\{\{\.n = _o0\}\}\)\)' \
	'global m; probe begin { i = 0; m[i++] *= 2 }'
order "printd evaluates its delimiter once" \
	'\(\{ const char \*_o0 = \(stp_fn_d\(c, l->t0\)\); \(stp_printf\(c, "%lld%s%lld%s%lld", \(long long\)\(\(\(int64_t\)1LL\)\), _o0, \(long long\)\(\(\(int64_t\)2LL\)\), _o0, ' \
	'function d() { println("d"); return "," } probe begin { printd(d(), 1, 2, 3) }'
run "order: at most one side effect: C unchanged" 0 -- "$STAP" -p3 -e "global t; $F"'probe begin {
	t[tid(), pid()] = gettimeofday_ns(); printf("%d %s %d\n", pid(), execname(), f(1) + 2)
	x = gettimeofday_ns() - t[tid(), pid()]; s = "a"; println(x, f(x), s . execname()); x++; println(s, x) }'
if grep -q '_o[0-9]' "$TMP/out"; then
	fail "order: no temporaries where at most one operand has effects" "$(grep -m1 '_o[0-9]' "$TMP/out")"
else
	pass "order: no temporaries where at most one operand has effects"
fi

REL=$(kbuild_release)
if [ -z "$REL" ] || ! command -v make >/dev/null; then
	skip "pass 4" "no /boot/vmlinuz-REL with /usr/src/linux-headers-REL, or no make"
	exit 0
fi
export TMPDIR="$TMP/tmpdir"
empty_tmp() { [ -z "$(ls -A "$TMP/tmpdir")" ]; }
RUNNING=$(uname -r)

# Without -r, a running kernel with no build tree falls back to the newest
# installed one: never silently (issue 20).
if [ -e "/lib/modules/$RUNNING/build" ] || [ -e "/usr/src/linux-headers-$RUNNING" ]; then
	skip "fallback warning" "the running kernel $RUNNING has a build tree"
else
	run "no build tree for the running kernel: one warning naming both releases" 0 -- \
		"$STAP" -p2 -e "$S"
	n=$(grep -c 'warning' "$TMP/out")
	grep -q "^stap: warning: the running kernel $RUNNING has no build tree; building for .* instead (choose with -r RELEASE, or install linux-headers-$RUNNING)\$" "$TMP/out" &&
		[ "$n" -eq 1 ]
	[ $? -eq 0 ] && pass "the fallback warning names $RUNNING, the chosen release, -r and the headers package" ||
		{ fail "fallback warning line" "$n warning lines"; sed 's/^/#   /' "$TMP/out" | head -5; }
	run "-r RELEASE: no fallback warning" 0 -- "$STAP" -r "$REL" -p2 -e "$S"
	grep -q 'warning' "$TMP/out" && fail "-r RELEASE: no fallback warning" "$(head -1 "$TMP/out")"
fi
run "-v: the pass 3 line names the chosen release" 0 "^Pass 3: translated to C into .* for kernel $REL " -- \
	"$STAP" --disable-cache -v -r "$REL" -p3 -e "$S"

(cd "$TMP/w" && "$STAP" --disable-cache -v -r "$REL" -p4 -m stap_clitest -e "$S") >"$TMP/out" 2>&1
if [ -f "$TMP/w/stap_clitest.ko" ]; then
	pass "-p4 builds stap_clitest.ko for $REL"
else
	fail "-p4 builds stap_clitest.ko for $REL"
	sed 's/^/#   /' "$TMP/out" | head -20
fi
grep -q "^stap_clitest.ko$" "$TMP/out" && pass "-p4 prints the module's path" ||
	fail "-p4 prints the module's path"
grep -q "^Pass 4: compiled C into \"stap_clitest.ko\" for kernel $REL " "$TMP/out" &&
	pass "-v: the pass 4 line names the chosen release" ||
	fail "-v: the pass 4 line names the chosen release" "$(grep '^Pass 4' "$TMP/out")"
grep -aq 'stapauth_guru=0' "$TMP/w/stap_clitest.ko" && grep -aq 'vermagic=' "$TMP/w/stap_clitest.ko" &&
	grep -aq 'parm=count:\|parmtype=count:long' "$TMP/w/stap_clitest.ko"
[ $? -eq 0 ] && pass "the module's .modinfo has stapauth_guru, vermagic and the parameter" ||
	fail "the module's .modinfo has stapauth_guru, vermagic and the parameter"
# The DWARF kbuild adds is stripped; the symbol table (oops names) stays.
secs=$(readelf -SW "$TMP/w/stap_clitest.ko" 2>&1)
case $secs in
*.debug_*) fail "the module carries no .debug_* section" "$(echo "$secs" | grep -m3 debug_)" ;;
*.symtab*) pass "the module carries no .debug_* section, and keeps .symtab" ;;
*) fail "the module carries no .debug_* section, and keeps .symtab" "no .symtab" ;;
esac
empty_tmp && pass "temporary build folder removed after success" ||
	fail "temporary build folder removed after success" "$(ls "$TMP/tmpdir")"

run "a compile error fails pass 4 and is shown" nz 'error' -- \
	"$STAP" --disable-cache -g -r "$REL" -p4 -e '%{ this is not C; %} probe begin { exit() }'
empty_tmp && pass "temporary build folder removed after a failure" ||
	fail "temporary build folder removed after a failure" "$(ls "$TMP/tmpdir")"

# A strip that fails (a stand-in first on PATH) fails pass 4 in one line,
# with no module and no folder left.
mkdir -p "$TMP/badstrip"
printf '#!/bin/sh\necho "strip: broken" >&2\nexit 3\n' >"$TMP/badstrip/strip"
chmod +x "$TMP/badstrip/strip"
(cd "$TMP/w" && PATH="$TMP/badstrip:$PATH" exec "$STAP" --disable-cache -r "$REL" -p4 \
	-m stap_clistrip -e "$S") >"$TMP/out" 2>&1
st=$?
[ $st -ne 0 ] && grep -q '^stap: strip --strip-debug stap_clistrip.ko failed (exit 3)$' "$TMP/out" &&
	[ ! -e "$TMP/w/stap_clistrip.ko" ] && empty_tmp
[ $? -eq 0 ] && pass "a failing strip fails pass 4 in one line, nothing left" ||
	fail "a failing strip fails pass 4 in one line, nothing left" \
		"status $st: $(tail -2 "$TMP/out"), left: $(ls -A "$TMP/tmpdir" "$TMP/w")"

(cd "$TMP/w" && exec "$STAP" --disable-cache -r "$REL" -p4 -m stap_cliint -e "$S") >/dev/null 2>&1 &
pid=$!
n=0
while [ $n -lt 100 ] && ! ls "$TMP/tmpdir"/stapkbuild* >/dev/null 2>&1; do
	sleep 0.1
	n=$((n + 1))
done
sleep 0.3
kill -INT $pid
wait $pid
st=$?
[ $st -ne 0 ] && empty_tmp && [ ! -f "$TMP/w/stap_cliint.ko" ]
[ $? -eq 0 ] && pass "SIGINT during pass 4: no module, temporary folder removed (status $st)" ||
	fail "SIGINT during pass 4: no module, temporary folder removed" \
		"status $st, left: $(ls -A "$TMP/tmpdir" "$TMP/w")"

# Pass 5 hands -o, -c, -x, the module and every -G name=value to the loader
# (a stand-in that prints its arguments; the real ones run in the VM bench).
cat >"$TMP/loader" <<'L'
#!/bin/sh
for a in "$@"; do printf '[%s]' "$a"; done
echo
exit 3
L
chmod +x "$TMP/loader"
if [ "$RUNNING" = "$REL" ]; then
	skip "pass 5 for another kernel" "the running kernel is $REL"
else
	# Pass 5 refuses a module built for another kernel before any loader runs.
	printf '#!/bin/sh\ntouch "%s/loaded"\n' "$TMP" >"$TMP/marker-loader"
	chmod +x "$TMP/marker-loader"
	(cd "$TMP/w" && STAPAUTH_STAPRUN="$TMP/marker-loader" "$STAP" -r "$REL" -m stap_clirel \
		-e "$S") >"$TMP/out" 2>&1
	st=$?
	[ $st -eq 1 ] && [ ! -e "$TMP/loaded" ] && [ "$(wc -l <"$TMP/out")" -eq 1 ] &&
		grep -q "built for kernel $REL, not the running $RUNNING; nothing loaded" "$TMP/out"
	[ $? -eq 0 ] && pass "pass 5: a module for $REL is refused on $RUNNING in one line, no loader run" ||
		{ fail "pass 5: module for another kernel" "status $st"; sed 's/^/#   /' "$TMP/out" | head -5; }
fi
(cd "$TMP/w" && STAPAUTH_RUNNING_RELEASE="$REL" STAPAUTH_STAPRUN="$TMP/loader" "$STAP" --disable-cache -r "$REL" -m stap_clirun \
	-G count=9 -G name=x -o out.txt -c 'echo hi' -e "$S") >"$TMP/out" 2>&1
st=$?
grep -qx '\[-o\]\[out.txt\]\[-c\]\[echo hi\]\[stap_clirun.ko\]\[count=9\]\[name=x\]' "$TMP/out" &&
	[ $st -eq 3 ]
[ $? -eq 0 ] && pass "pass 5: loader gets -o, -c, the module and -G values; its status comes back" ||
	{ fail "pass 5: loader arguments" "status $st"; sed 's/^/#   /' "$TMP/out" | head -5; }
(cd "$TMP/w" && STAPAUTH_RUNNING_RELEASE="$REL" STAPAUTH_STAPRUN="$TMP/loader" "$STAP" --disable-cache -r "$REL" -m stap_clirun \
	-x 1 -e "$S") >"$TMP/out" 2>&1
grep -q '\[-x\]\[1\]\[stap_clirun.ko\]' "$TMP/out" && pass "pass 5: -x PID reaches the loader" ||
	{ fail "pass 5: -x PID reaches the loader"; sed 's/^/#   /' "$TMP/out" | head -5; }
