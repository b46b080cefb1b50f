#!/bin/sh
# Host side of the package case: build the Debian packages from the tree
# (scripts/deb), a module built by the PACKAGED translator (stap -p4 from the
# unpacked stapauth + stapauth-common, with their tapset and runtime), an
# upgrade of stapauth-runtime whose conffile changed (repacked with dpkg-deb),
# and Debian's own dpkg (dpkg, dpkg-deb, dpkg-split, dpkg-statoverride, GNU tar), getent,
# ldconfig and systemd-tmpfiles in the image: the case installs with dpkg -i.
set -eu
. "$REPO/tests/vm/host.sh"
D=$VMROOT/stap/deb
mkdir -p "$D"
t0=$(date +%s)
"$REPO/tests/debs.sh" "$W/deb" >"$W/deb-build.log" 2>&1 || {
	tail -n 20 "$W/deb-build.log"
	exit 1
}
echo "# vm/deb: packages ready in $(($(date +%s) - t0)) s (built once per tests/run)"
cp "$W"/deb/stapauth_*.deb "$W"/deb/stapauth-common_*.deb "$W"/deb/stapauth-runtime_*.deb "$D/"

# The demo module, built by the packaged translator.
X=$W/deb-x
rm -rf "$X" && mkdir -p "$X"
for p in "$D"/stapauth_*.deb "$D"/stapauth-common_*.deb; do dpkg-deb -x "$p" "$X"; done
SYSTEMTAP_DIR=$W/deb-cache SYSTEMTAP_TAPSET=$X/usr/share/stapauth/tapset \
	SYSTEMTAP_RUNTIME=$X/usr/share/stapauth/runtime \
	"$X/usr/bin/stap" -p4 -r "$KREL" -m stp_debdemo \
	-e 'probe begin { printf("deb demo from %s\n", execname()); exit() }' >"$W/deb-stap.out"
cp "$(tail -n 1 "$W/deb-stap.out")" "$D/stp_debdemo.ko"

# 0.1 -> 0.1.1: the same files, authorized_probes with one more comment line.
U=$W/deb-up
rm -rf "$U" && dpkg-deb -R "$D"/stapauth-runtime_*.deb "$U"
sed -i 's/^Version: .*/&.1/' "$U/DEBIAN/control"
echo '# (0.1.1: this line is new in the packaged file)' >>"$U/etc/systemtap/authorized_probes"
(cd "$U" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort |
	xargs md5sum >DEBIAN/md5sums)
dpkg-deb --root-owner-group -b "$U" "$D/upgrade.deb" >/dev/null

# Debian's dpkg and what it runs; an empty dpkg database.
for f in /usr/bin/dpkg /usr/bin/dpkg-deb /usr/bin/dpkg-split /usr/bin/dpkg-statoverride /usr/bin/dpkg-query \
	/usr/bin/tar /usr/bin/getent /usr/bin/systemd-tmpfiles /usr/sbin/ldconfig; do
	cp -L --parents "$f" "$VMROOT"
	vm_copy_libs "$f"
done
mkdir -p "$VMROOT/var/lib/dpkg/info" "$VMROOT/var/lib/dpkg/updates" "$VMROOT/var/lib/dpkg/triggers"
: >"$VMROOT/var/lib/dpkg/status"
: >"$VMROOT/var/lib/dpkg/available"
