#!/bin/sh
# stap passes 1-2 (issue 5): the script corpus in tests/stp-front/ (must parse,
# must fail to parse, must elaborate, must fail elaboration, golden -p2
# texts), error format, -v pass lines, -l/-L, determinism of -p2.
# REGEN=1 rewrites the golden .p2 files from the current stap.
. tests/lib.sh
STAP="$BIN/stap"
CORPUS=tests/stp-front
export SYSTEMTAP_DIR="$TMP/stapdir" # the kernel symbol cache stays private

# Headers: "# opts: ...", "# args: ...", "# expect: ERE", "# needs: kernel".
header() { sed -n "s/^# $1: //p" "$2"; }
# The -p2 text without the " /* at FILE:LINE:COL */" of nodes whose runtime
# errors name their place (translator/errloc.h).
noloc() { sed 's| /\* at [^*]* \*/||g' "$@"; }
# stap -p2 ARGS..., its output through noloc, its exit status.
p2_noloc() {
	"$STAP" -p2 "$@" >"$TMP/p2raw" 2>&1
	rc=$?
	noloc "$TMP/p2raw"
	return $rc
}

have_kernel=0
if "$STAP" -l 'kernel.function("vfs_read")' >"$TMP/kcheck" 2>&1 && grep -q vfs_read "$TMP/kcheck"; then
	have_kernel=1
fi

corpus_case() { # dir pass want
	dir=$1 pass=$2 want=$3
	for f in "$CORPUS/$dir"/*.stp; do
		name="$dir/$(basename "$f" .stp)"
		if [ "$(header needs "$f")" = kernel ] && [ $have_kernel = 0 ]; then
			skip "$name" "no symbols for the target kernel"
			continue
		fi
		# shellcheck disable=SC2046
		"$STAP" $(header opts "$f") -p"$pass" "$f" $(header args "$f") >"$TMP/out" 2>&1
		got=$?
		if [ "$got" -ne "$want" ]; then
			fail "$name" "exit status $got, wanted $want"
			sed 's/^/#   /' "$TMP/out" | head -10
			continue
		fi
		if grep -q 'AddressSanitizer\|runtime error:\|LeakSanitizer' "$TMP/out"; then
			fail "$name" "sanitizer report"
			sed 's/^/#   /' "$TMP/out" | head -10
			continue
		fi
		ok=1
		header expect "$f" >"$TMP/pats"
		noloc "$TMP/out" >"$TMP/out.noloc"
		while IFS= read -r pat; do
			if ! grep -Eq -- "$pat" "$TMP/out.noloc"; then
				fail "$name" "output lacks /$pat/"
				sed 's/^/#   /' "$TMP/out" | head -10
				ok=0
				break
			fi
		done <"$TMP/pats"
		[ $ok = 1 ] && pass "$name"
	done
}

corpus_case must-parse 1 0
corpus_case must-fail-parse 1 1
corpus_case must-elaborate 2 0
corpus_case must-fail-elaborate 2 1

# Golden canonical texts: same input, same bytes, release after release.
for f in "$CORPUS"/golden/*.stp; do
	g=${f%.stp}.p2
	name="golden/$(basename "$f" .stp)"
	if [ "$(header needs "$f")" = kernel ] && [ $have_kernel = 0 ]; then
		skip "$name" "no symbols for the target kernel"
	else
		golden_check "$name" "$g" "$STAP" -p2 "$f"
	fi
done

# -p1 prints a script that parses back to the same -p1 text.
for f in "$CORPUS"/must-parse/*.stp "$CORPUS"/golden/*.stp; do
	name="p1 round trip $(basename "$f" .stp)"
	# shellcheck disable=SC2046
	"$STAP" $(header opts "$f") -p1 "$f" $(header args "$f") >"$TMP/r1.stp" 2>/dev/null
	# shellcheck disable=SC2046
	"$STAP" $(header opts "$f") -p1 "$TMP/r1.stp" $(header args "$f") >"$TMP/r2.stp" 2>"$TMP/err"
	tail -n +3 "$TMP/r1.stp" >"$TMP/r1.tail" # past "# parse tree dump", "# file"
	tail -n +3 "$TMP/r2.stp" >"$TMP/r2.tail"
	if [ -s "$TMP/r1.tail" ] && cmp -s "$TMP/r1.tail" "$TMP/r2.tail"; then
		pass "$name"
	else
		fail "$name" "the -p1 text does not parse back to itself"
		head -3 "$TMP/err" | sed 's/^/#   /'
	fi
done

# Determinism: twice the same bytes, and layout/comments do not matter
# (but for the places runtime errors name, which the cache key must cover).
f="$CORPUS/must-elaborate/types.stp"
"$STAP" -p2 "$f" >"$TMP/a" 2>/dev/null
"$STAP" -p2 "$f" >"$TMP/b" 2>/dev/null
if [ -s "$TMP/a" ] && cmp -s "$TMP/a" "$TMP/b"; then pass "p2 deterministic"; else fail "p2 deterministic"; fi
{ echo "/* reformatted */"; sed 's/;/ ;  /g; s/{/{\n/g' "$f"; } >"$TMP/re.stp"
"$STAP" -p2 "$TMP/re.stp" >"$TMP/c" 2>/dev/null
noloc "$TMP/a" >"$TMP/a.noloc"
noloc "$TMP/c" >"$TMP/c.noloc"
if [ -s "$TMP/a.noloc" ] && cmp -s "$TMP/a.noloc" "$TMP/c.noloc"; then
	pass "p2 ignores layout and comments"
else
	fail "p2 ignores layout and comments"
fi

# Error format: file:line:col: message, the source line, a caret under col.
printf 'probe begin {\n  x = 1 +\n}\n' >"$TMP/err.stp"
"$STAP" -p1 "$TMP/err.stp" >"$TMP/out" 2>&1
if [ "$(sed -n 1p "$TMP/out")" = "$TMP/err.stp:3:1: parse error: expected an expression, found '}'" ] &&
	[ "$(sed -n 2p "$TMP/out")" = "    }" ] && [ "$(sed -n 3p "$TMP/out")" = "    ^" ]; then
	pass "error format with caret"
else
	fail "error format with caret"
	sed 's/^/#   /' "$TMP/out"
fi
printf 'probe begin {\n\tprintf("%%d\\n", "s")\n}\n' >"$TMP/err2.stp"
run "semantic error position" 1 "err2.stp:2:17: semantic error: type mismatch" -- "$STAP" -p2 "$TMP/err2.stp"

# Inputs: -e, stdin, script arguments.
run "-e script" 0 'printf\("hi' -- "$STAP" -p1 -e 'probe begin { printf("hi") }'
echo 'probe begin { println(@1) }' >"$TMP/stdin.stp"
run "stdin script" 0 '"arg one"' -- sh -c "\"$STAP\" -p2 - 'arg one' <\"$TMP/stdin.stp\""
run "no script" 1 "no script given" -- "$STAP" -p1
run "bad -p" 1 "invalid argument" -- "$STAP" -p 9 -e 'probe begin {}'
run "-c with -x" 1 "cannot be used together" -- "$STAP" -c ls -x 1 -e 'probe begin {}'
run "--version" 0 "stap" -- "$STAP" --version

# -v: stap's pass lines.
run "-v pass 1 line" 0 '^Pass 1: parsed user script and [0-9]+ library scripts using [0-9]+virt/[0-9]+res/[0-9]+shr/[0-9]+data kb, in [0-9]+usr/[0-9]+sys/[0-9]+real ms\.$' \
	-- "$STAP" -v -p2 -e 'probe begin { exit() }'
run "-v pass 2 line" 0 '^Pass 2: analyzed script: 1 probe, 0 functions, 0 embeds, 0 globals using [0-9]+virt/.* ms\.$' \
	-- "$STAP" -v -p2 -e 'probe begin { exit() }'
run "warning for unused" 0 "WARNING: eliding unused variable 'nobody'" -- "$STAP" -p2 -e 'global nobody; probe begin { exit() }'
run "unused function" 0 "WARNING: eliding unused function 'f'" -- "$STAP" -p2 -e 'function f() { nope() } probe begin { exit() }'
run "-w silences warnings" 0 -- "$STAP" -w -p2 -e 'global nobody; probe begin { exit() }'
if grep -q WARNING "$TMP/out"; then fail "-w output" "still warns"; else pass "-w output"; fi

# -l / -L against the installed Debian kernel.
if [ $have_kernel = 1 ]; then
	run "-l vfs_*" 0 '^kernel.function\("vfs_read"\)$' -- "$STAP" -l 'kernel.function("vfs_*")'
	n=$(grep -c '^kernel.function("vfs_' "$TMP/out")
	if [ "$n" -ge 20 ]; then pass "-l lists $n vfs_* functions"; else fail "-l count" "only $n"; fi
	run "-L parameters" 0 '^kernel.function\("vfs_read"\) \$file:struct file\* .*\$count:size_t' -- "$STAP" -L 'kernel.function("vfs_read")'
	run "-l nothing" 1 "no function matches 'zzz_no_such'" -- "$STAP" -l 'kernel.function("zzz_no_such")'
	run "-l module" 0 '^module\("ext4"\)\.function\("ext4_file_open"\)$' -- "$STAP" -l 'module("ext4").function("ext4_file_*")'
	rel=$(kbuild_release)
	if [ -n "$rel" ] && [ -d "/lib/modules/$rel/build/" ]; then
		run "-r build tree" 0 'kernel.function\("vfs_read"\)' -- "$STAP" -r "/lib/modules/$rel/build/" -p2 -e 'probe kernel.function("vfs_read") {}'
		if [ ! -d "/lib/modules/$(uname -r)/build/" ]; then
			# The running kernel has no build tree here: stap takes the newest
			# installed one, the plain flavour before -cloud/-rt of one version.
			run "default kernel: $rel" 0 '"yes"' -- "$STAP" -p2 -e "probe begin { %( kernel_vr == \"$rel\" %? println(\"yes\") %: println(\"no\") %) }"
		fi
		run "-r release" 0 '"yes"' -- "$STAP" -r "$rel" -p2 -e "probe begin { %( kernel_vr == \"$rel\" && CONFIG_MODULES == \"y\" %? println(\"yes\") %: println(\"no\") %) }"
	fi
	run "\$\$return" 0 'sprintf\("return=%#x", returnval\(\)\)' -- p2_noloc -e 'probe kernel.function("vfs_read").return { println($$return) }'
	run "\$file->f_path->dentry->d_iname" 0 'kernel_string\(\(kernel_pointer\(\(\(pointer_arg\(1\) \+ [0-9]+\) \+ 8\)\) \+ [0-9]+\)\)' \
		-- p2_noloc -e 'probe kernel.function("vfs_read") { println($file->f_path->dentry->d_iname) }'
	run "\$file->f_pos" 0 'kernel_long\(\(pointer_arg\(1\) \+ [0-9]+\)\)' -- p2_noloc -e 'probe kernel.function("vfs_read") { println($file->f_pos) }'
	run "no such member" 1 "cannot resolve \\\$file->nosuch in kernel.function\\(\"vfs_read\"\\): no member 'nosuch'" \
		-- "$STAP" -p2 -e 'probe kernel.function("vfs_read") { println($file->nosuch) }'
	run "@cast" 0 'kernel_int\(\(pointer_arg\(1\) \+ [0-9]+\)\)' -- p2_noloc -e 'probe kernel.function("vfs_read") { println(@cast(pointer_arg(1), "struct file")->f_flags) }'
	run "@cast unknown type" 1 "no type 'struct zz_nosuch'" -- "$STAP" -p2 -e 'probe begin { println(@cast(0, "struct zz_nosuch")->x) }'
	run "member is a struct" 1 "is a structure or an array" -- "$STAP" -p2 -e 'probe kernel.function("vfs_read") { println($file->f_path) }'
	run "param -> long_arg" 0 'long_arg\(3\)' -- "$STAP" -p2 -e 'probe kernel.function("vfs_read") { println($count) }'
	run "-L kernel.trace" 0 '^kernel.trace\("sched:sched_switch"\) \$preempt:bool \$prev:struct task_struct\* \$next:struct task_struct\* \$prev_state:unsigned int$' \
		-- "$STAP" -L 'kernel.trace("sched_switch")'
	run "-l kernel.trace: arch trace systems" 0 '^kernel.trace\("x86_fpu:x86_fpu_dropped"\)$' -- "$STAP" -l 'kernel.trace("x86_fpu:*drop*")'
	run "-l kernel.trace glob" 0 '^kernel.trace\("sched:sched_wakeup_new"\)$' -- "$STAP" -l 'kernel.trace("sched:sched_wake*")'
	run "kernel.trace: argument 8 of 8" 0 'println\(int_arg\(8\)' -- p2_noloc -e 'probe kernel.trace("mm_migrate_pages") { println($reason) }'
	run "kernel.trace: a bool is its low byte" 0 'println\(\(uint_arg\(2\) & 255\)\)' -- p2_noloc -e 'probe kernel.trace("sched_switch") { println($preempt) }'
	run "kernel.trace: an s8 is sign-extended" 0 '\(\(\(uint_arg\(7\) & 255\) \^ 128\) - 128\)' -- p2_noloc -e 'probe kernel.trace("mc_event") { println($top_layer) }'
	run "procfs: one read probe per file" 1 'procfs\("k"\).read has more than one probe' \
		-- "$STAP" -p3 -e 'probe procfs("k").read { $value = "a" } probe procfs("k").read { $value = "b" }'
else
	skip "-l/-L" "no symbols for the target kernel"
fi
# A program with DWARF: its functions' parameters are context variables.
printf 'int foo(int a, char *b, long c) { return a + (int)c + b[0]; }\nint main(int n, char **v) { return foo(n, v[0], 3); }\n' >"$TMP/prog.c"
if cc -g -O0 -o "$TMP/prog" "$TMP/prog.c" 2>/dev/null; then
	run "-L process DWARF" 0 'function\("foo"\) \$a:int \$b:char\* \$c:long int$' -- "$STAP" -L "process(\"$TMP/prog\").function(\"foo\")"
	run "process \$param" 0 'int_arg\(1\), user_string\(pointer_arg\(2\)\), long_arg\(3\)' \
		-- p2_noloc -e "probe process(\"$TMP/prog\").function(\"foo\") { printf(\"%d %s %d\\n\", \$a, user_string(\$b), \$c) }"
	run "process .return \$return" 0 'returnval\(\)' -- "$STAP" -p2 -e "probe process(\"$TMP/prog\").function(\"foo\").return { println(\$return) }"
	run "process \$\$parms" 0 'sprintf\("a=%#x b=%#x c=%#x", int_arg\(1\), pointer_arg\(2\), long_arg\(3\)\)' \
		-- p2_noloc -e "probe process(\"$TMP/prog\").function(\"foo\") { println(\$\$parms\$) }"
	run "process no such param" 1 'unable to find context variable \$zz' -- "$STAP" -p2 -e "probe process(\"$TMP/prog\").function(\"foo\") { println(\$zz) }"
else
	skip "process DWARF" "no C compiler"
fi
run "-l process" 0 '^process\("/usr/bin/ls"\)|^process\("/bin/ls"\)' -- "$STAP" -l 'process("ls").function("*")'
run "-r unknown release" 1 "" -- "$STAP" -r 0.0-nosuch -p2 -e 'probe kernel.function("vfs_read") {}'
