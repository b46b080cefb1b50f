#!/bin/sh
# Host side of the reproducible-modules case (issue 18): the administrator
# blesses a script with stap-authorize (built as nobody, never as root), then
# alice compiles her own copy, spelled differently but the same canonical
# program, with her own stap -e in her own cache; and a near miss.  The case
# runs alice's module with staprun.auth under the blessed policy line.
set -eu
R=$VMROOT/stap/repro
H=$W/repro
rm -rf "$R" "$H"
mkdir -p "$R" "$H/etc" "$H/alice"
chmod 755 "$H" "$H/etc"
AZ=$STAPAUTH_RELBIN/stap-authorize
STAP=$STAPAUTH_RELBIN/stap
cat >"$H/hello.stp" <<'S'
probe begin { printf("hello from a blessed script\n") }
probe end { printf("bye\n") }
S
env -u SUDO_USER "$AZ" --policy "$H/etc/authorized_probes" bless --script "$H/hello.stp" \
	-r "$KREL" --users alice >"$H/bless.out"
cat "$H/bless.out"
sed -n 's/^program \(sha256:[0-9a-f]*\) .*/\1/p' "$H/bless.out" >"$R/program"
sed -n 's/^module \(sha256:[0-9a-f]*\)$/\1/p' "$H/bless.out" >"$R/digest"
cp "$H/etc/authorized_probes" "$R/authorized_probes"

# alice: her own build, probes in the other order and another layout.
ALICE_S='probe end{printf("bye\n")}
probe begin{
	printf("hello from a blessed script\n")
}'
NEAR_S='probe begin { printf("hello from a blessed script!\n") } probe end { printf("bye\n") }'
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	as_alice() { setpriv --reuid=1000 --regid=1000 --clear-groups "$@"; }
	chown 1000:1000 "$H/alice"
	echo "# alice (uid 1000) builds her own copy"
else
	as_alice() { "$@"; }
	echo "# not root: the invoking user stands in for alice"
fi
for n in alice near; do
	s=$ALICE_S
	[ $n = near ] && s=$NEAR_S
	ko=$(as_alice env -i PATH=/usr/bin:/bin HOME="$H/alice" SYSTEMTAP_DIR="$H/alice/$n" \
		TMPDIR="$H/alice" "$STAP" -r "$KREL" -p4 -e "$s")
	cp "$ko" "$R/$n.ko"
done
"$AZ" digest "$R/alice.ko" >"$R/alice.digest"
echo "# blessed $(cat "$R/digest"), alice built $(cat "$R/alice.digest")"
install -m 0644 "$REPO/staprun-auth/pam.d/staprun-auth" "$R/pam-staprun-auth"
