# Host-side helpers for tests/vm/run and the prep scripts (tests/vm/prep/*.sh
# may source "$REPO/tests/vm/host.sh").  Needs KDIR, REPO, W (work dir).

# vm_kbuild SRCDIR NAME [EXTRA_CFLAGS]: build the module sources in SRCDIR
# (a Kbuild file, RUNTIME set to $REPO/runtime) in a copy under $W/build/NAME;
# prints the build dir.  Output from kbuild goes to stderr on failure only.
vm_kbuild() {
	b=$W/build/$2
	rm -rf "$b" && mkdir -p "$b" && cp -R "$1"/. "$b"/ || return 1
	# Under `make demo O=...` MAKEFLAGS carries O=, which kbuild would take
	# for its output directory.
	if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		make -s -C "$KDIR" M="$b" RUNTIME="$REPO/runtime" EXTRA_CFLAGS="${3:-}" \
		modules >"$b/kbuild.log" 2>&1; then
		cat "$b/kbuild.log" >&2
		return 1
	fi
	echo "$b"
}

# vm_copy_libs FILE...: copy each file's shared libraries (ldd) and its ELF
# interpreter into $VMROOT at the same paths.
vm_copy_libs() {
	for f in "$@"; do
		ldd "$f" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'
	done | sort -u | while read -r lib; do
		[ -e "$VMROOT$lib" ] || cp -L --parents "$lib" "$VMROOT"
	done
}

# vm_patch FILE OLD NEW: replace the bytes OLD by NEW (same length) once.
vm_patch() {
	python3 - "$1" "$2" "$3" <<'PY'
import sys
p, old, new = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
assert len(old) == len(new), "vm_patch: lengths differ"
b = open(p, "rb").read()
i = b.find(old)
if i < 0:
    sys.exit("vm_patch: %s not found in %s" % (old, p))
open(p, "wb").write(b[:i] + new + b[i + len(old):])
PY
}

# vm_kernels: every kernel the bench can boot and build for (a
# /boot/vmlinuz-REL with /usr/src/linux-headers-REL), one release a line,
# the plain flavour (-amd64) first, then -cloud-*, then -rt-*; never a
# hard-coded release.
vm_kernels() {
	for k in /boot/vmlinuz-*; do
		[ -e "$k" ] || continue
		r=${k#/boot/vmlinuz-}
		[ -d "/usr/src/linux-headers-$r" ] || continue
		case $r in
		*-cloud-*) echo "2 $r" ;;
		*-rt-*) echo "3 $r" ;;
		*) echo "1 $r" ;;
		esac
	done | sort -k1,1n -k2,2Vr | cut -d' ' -f2
}

# vm_flavour REL: the flavour of a release (amd64, cloud-amd64, rt-amd64).
vm_flavour() {
	echo "$1" | sed -E 's/^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-//'
}
