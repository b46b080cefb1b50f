#!/bin/sh
# Host side of the stap case: build every catalogue script (tests/stp) into a
# module with the release stap (passes 1-4 for the VM's kernel), next to its
# expectations and run arguments, in $VMROOT/stap/stp.
set -u
. "$REPO/tests/vm/host.sh"
STAP=$STAPAUTH_RELBIN/stap
D=$VMROOT/stap/stp
B=$W/stp
rm -rf "$B" "$D" && mkdir -p "$B" "$D" || exit 1
[ -x "$STAP" ] || { echo "SKIP: vm/stap: build: no $STAP"; exit 0; }

# The uprobe target lives at the same absolute path on the host (where pass 2
# reads its symbols) and in the VM (where uprobe_register finds its inode);
# not under /tmp, which the VM mounts over.
U=/var/tmp/stapauth-vm
mkdir -p "$U" "$VMROOT$U" "$VMROOT/stap/data" || exit 1
gcc -static -O1 -g -fno-inline -o "$U/uprog.$$" "$REPO/tests/stp/uprog.c" &&
	mv -f "$U/uprog.$$" "$U/uprog" || exit 1
cp "$U/uprog" "$VMROOT$U/uprog"
gcc -static -O2 -o "$VMROOT/stap/data/busy" "$REPO/tests/stp/busy.c" || exit 1
echo /stap/data/busy >"$D/busy.path"

# build_one SRC: stap -p4 one script; prints a FAIL line when it fails.
build_one() {
	src=$1
	n=${src##*/}
	n=${n%.in}
	n=${n%.stp}
	sed -e "s|@PROG@|$U/uprog|g" -e "s|@BUSY@|/stap/data/busy|g" "$src" >"$B/$n.stp"
	opts=$(sed -n 's/^# stap: //p' "$B/$n.stp")
	# shellcheck disable=SC2086
	if ! (cd "$B" && "$STAP" --disable-cache -r "$KREL" -p4 -m "stp_$n" $opts "$B/$n.stp") \
		>"$B/$n.log" 2>&1 || [ ! -f "$B/stp_$n.ko" ]; then
		echo "FAIL: vm/stap: build $n: stap -p4 failed"
		tail -n 12 "$B/$n.log" | sed 's/^/#   /'
		return 1
	fi
	# Readable by all: staprun.auth opens it with alice's own permissions.
	cp "$B/stp_$n.ko" "$D/" && chmod 644 "$D/stp_$n.ko"
	cp "$REPO/tests/stp/$n.expect" "$D/" 2>/dev/null
	sed -n 's/^# run: //p' "$B/$n.stp" >"$D/$n.run"
	sed -n 's/^# params: //p' "$B/$n.stp" >"$D/$n.params"
	# The real-world scripts also run as alice (cases/catalogue_auth.sh).
	sed -n 's/^# real-world: //p' "$B/$n.stp" >"$D/$n.rw"
	[ -s "$D/$n.rw" ] || rm -f "$D/$n.rw"
	sed -n 's/^# root-only: //p' "$B/$n.stp" >"$D/$n.root-only"
	[ -s "$D/$n.root-only" ] || rm -f "$D/$n.root-only"
	cp "$REPO/tests/stp/$n.expect-user" "$D/" 2>/dev/null
	return 0
}

# Two builds at a time (kbuild is mostly one compiler process).
# STP_ONLY='GLOB...' builds only the scripts whose name matches one of the
# globs (while working).
set --
for f in "$REPO"/tests/stp/*.stp "$REPO"/tests/stp/*.stp.in; do
	n=${f##*/}
	set -f
	for g in ${STP_ONLY:-*}; do
		# shellcheck disable=SC2254
		case ${n%%.*} in $g) set -- "$@" "$f" && break ;; esac
	done
	set +f
done
while [ $# -gt 0 ]; do
	build_one "$1" &
	[ $# -gt 1 ] && build_one "$2"
	wait
	shift
	[ $# -gt 0 ] && shift
done
# staprun.auth's PAM service file, for the runs as alice.
install -m 0644 "$REPO/staprun-auth/pam.d/staprun-auth" "$D/pam-staprun-auth"
built=$(ls "$D"/*.ko 2>/dev/null | wc -l)
echo "# vm/stap: $built catalogue modules built for $KREL"
