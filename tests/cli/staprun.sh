# staprun without a kernel: bad input is refused with one clear line before
# anything reaches init_module(2).  The test module is built with kbuild
# when the headers of an installed kernel are present.
. tests/lib.sh
S=$BIN/staprun
[ -x "$S" ] || { skip "all" "$S is not built"; exit 0; }

# one_line NAME PATTERN ARGS...: staprun fails with exactly one stderr line.
one_line() {
	name=$1 pat=$2
	shift 2
	"$S" "$@" >"$TMP/o" 2>"$TMP/e"
	rc=$?
	if [ $rc -ne 0 ] && [ "$(wc -l <"$TMP/e")" -eq 1 ] && grep -Eq -- "$pat" "$TMP/e" &&
		[ ! -s "$TMP/o" ]; then
		pass "$name"
	else
		fail "$name" "status $rc"
		sed 's/^/#   /' "$TMP/e" | head -5
	fi
}

one_line "no arguments: usage" "^usage: staprun" 
one_line "unknown option" "^staprun: unknown option -q" -q x.ko
one_line "option without its argument" "^staprun: option -o needs an argument" -o
one_line "-c and -x together" "cannot be used together" -c true -x 1 x.ko
one_line "-x not a pid" "-x 12ab: not a process id" -x 12ab x.ko
one_line "missing file" "nope.ko: cannot read: No such file" "$TMP/nope.ko"
one_line "directory" "cannot read: is a directory" "$TMP"
: >"$TMP/empty.ko"
one_line "empty file" "empty.ko: is empty" "$TMP/empty.ko"
ln -s "$TMP/empty.ko" "$TMP/link.ko"
one_line "symlink" "link.ko: cannot read: is a symbolic link" "$TMP/link.ko"
printf 'not an elf file at all' >"$TMP/text.ko"
one_line "not an ELF file" "text.ko: not a usable kernel module: not an ELF" "$TMP/text.ko"

rel=$(ls /boot/vmlinuz-* 2>/dev/null | sed 's|/boot/vmlinuz-||' | while read -r r; do
	[ -d "/usr/src/linux-headers-$r" ] && echo "$r" && break; done)
if [ -z "$rel" ]; then
	skip "module checks" "no kernel headers under /usr/src to build the test module"
	exit 0
fi
mkdir -p "$TMP/kmod"
cp tests/kmod/* "$TMP/kmod/"
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	make -s -C "/usr/src/linux-headers-$rel" M="$TMP/kmod" RUNTIME="$PWD/runtime" modules \
	>"$TMP/kbuild.log" 2>&1; then
	fail "test module builds" "kbuild failed"
	sed 's/^/#   /' "$TMP/kbuild.log" | tail -20
	exit 1
fi
M=$TMP/kmod/stp_test.ko
pass "test module builds against $rel"
one_line "undeclared parameter is named" "stp_test.ko: the module does not declare parameter bogus" "$M" bogus=1
one_line "internal parameter refused" "parameter _stp_target is internal" "$M" _stp_target=1
one_line "parameter without =" "lines: expected a parameter as name=value" "$M" lines
one_line "integer parameter checked" 'lines: "5x" is not a valid int' "$M" lines=5x
one_line "quote in a value refused" "prefix: value has a forbidden character" "$M" 'prefix=a"b'
one_line "parameter given twice" "parameter lines given twice" "$M" lines=1 lines=2
head -c 3000 "$M" >"$TMP/trunc.ko"
one_line "truncated module" "trunc.ko: not a usable kernel module" "$TMP/trunc.ko"
if [ "$(uname -r)" != "$rel" ]; then
	one_line "module for another kernel" \
		"not built for this kernel: built for $rel, running $(uname -r) \(vermagic $rel SMP" "$M" lines=1
else
	skip "module for another kernel" "the host runs the headers' release $rel"
fi
