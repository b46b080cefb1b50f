# Helpers for command-line tests (sourced by tests/cli/*.sh and the VM bench
# case scripts).  Each check prints one PASS:/FAIL:/SKIP: line.
T_NAME=${T_NAME:-$(basename "$0" .sh)}
BIN=${STAPAUTH_BIN:-build/san/bin}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

pass() { echo "PASS: $T_NAME: $1"; }
fail() { echo "FAIL: $T_NAME: $1${2:+: $2}"; }
skip() { echo "SKIP: $T_NAME: $1: $2"; }

# run NAME STATUS [GREP-PATTERN] -- CMD...: CMD must exit with STATUS and,
# when a pattern is given, print (stdout+stderr) a line matching it.
# The output stays in $TMP/out for further checks.
run() {
	name=$1 want=$2
	shift 2
	pat=
	if [ "$1" != "--" ]; then pat=$1; shift; fi
	shift
	"$@" >"$TMP/out" 2>&1
	got=$?
	if { [ "$want" = nz ] && [ "$got" -eq 0 ]; } || { [ "$want" != nz ] && [ "$got" -ne "$want" ]; }; then
		fail "$name" "exit status $got, wanted $want"
		sed 's/^/#   /' "$TMP/out" | head -20
		return 1
	fi
	if [ -n "$pat" ] && ! grep -Eq -- "$pat" "$TMP/out"; then
		fail "$name" "output lacks /$pat/"
		sed 's/^/#   /' "$TMP/out" | head -20
		return 1
	fi
	pass "$name"
}

# The release of an installed kernel (/boot/vmlinuz-REL) whose kbuild tree
# (/usr/src/linux-headers-REL) is installed too, or nothing: the newest
# version and, of one version, the plain flavour before -cloud/-rt (the
# shorter name), as stap itself chooses when the running kernel is not there.
kbuild_release() {
	for k in /boot/vmlinuz-*; do
		r=${k#/boot/vmlinuz-}
		[ -f "/usr/src/linux-headers-$r/Makefile" ] && echo "$r"
	done | awk '{ v = $0; sub(/-[a-z].*$/, "", v); print v "\t" length($0) "\t" $0 }' |
		sort -t "$(printf '\t')" -k1,1V -k2,2nr | tail -n 1 | cut -f 3
}

# wait_line FILE PATTERN [TENTHS]: poll every 0.1 s (at most TENTHS times,
# default 100) until FILE has a line matching PATTERN.
wait_line() {
	i=0
	while ! grep -q -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt "${3:-100}" ] && return 1
		sleep 0.1
	done
}

# golden_check NAME GOLDEN CMD...: CMD's stdout must equal the file GOLDEN
# byte for byte; REGEN=1 rewrites GOLDEN instead.  Uses $TMP.
golden_check() {
	gname=$1 gfile=$2
	shift 2
	if ! "$@" >"$TMP/golden.out" 2>"$TMP/golden.err"; then
		fail "$gname" "${1##*/} failed"
		sed 's/^/#   /' "$TMP/golden.err" | head -5
	elif [ -n "${REGEN:-}" ]; then
		cp "$TMP/golden.out" "$gfile"
		pass "$gname (regenerated)"
	elif cmp -s "$TMP/golden.out" "$gfile"; then
		pass "$gname"
	else
		fail "$gname" "output differs from $gfile"
		diff "$gfile" "$TMP/golden.out" | head -10 | sed 's/^/#   /'
	fi
}
