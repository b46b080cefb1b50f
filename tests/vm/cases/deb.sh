# The Debian packages, installed with Debian's own dpkg in the real kernel:
# stapauth-runtime alone (a loader host: no translator), the postinst's
# setuid staprun.auth, the packaged PAM file, /run/stapauth from tmpfiles.d;
# the demo from the installed paths (stap-authorize bless, alice runs the
# module the packaged translator built); an upgrade under an admin's
# dpkg-statoverride with a changed conffile; the translator packages; purge.
. /stap/lib.sh
D=/stap/deb
M=$D/stp_debdemo.ko
SA=/usr/sbin/staprun.auth
AZ=/usr/sbin/stap-authorize
POL=/etc/systemtap/authorized_probes
if [ ! -x /usr/bin/dpkg ] || [ ! -f "$M" ]; then
	skip all "dpkg or the packages are missing from the image (prep failed?)"
	exit 0
fi
# Debian's dpkg, dpkg-deb and friends, not busybox's applets of the same
# names (busybox sh runs its applets first: absolute paths; dpkg finds
# dpkg-deb through PATH).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/stap/bin
# The image's dpkg database lists none of the libraries the packages depend
# on (they are in the image, copied by the bench): --force-depends.
DPKG="/usr/bin/dpkg --force-depends"
QUERY=/usr/bin/dpkg-query
STATO=/usr/bin/dpkg-statoverride
# What earlier cases installed by hand is not the package's.
rm -f "$SA" /etc/pam.d/staprun-auth
rm -rf /etc/systemtap /run/stapauth

run "dpkg -i stapauth-runtime" 0 -- $DPKG -i $D/stapauth-runtime_*.deb
check "dpkg lists it installed" [ "$($QUERY -W -f '${Status}' stapauth-runtime)" = "install ok installed" ]
st=$(stat -c '%u:%g %a' "$SA")
[ "$st" = "0:0 4755" ]
ok "the postinst made staprun.auth setuid root" "$st"
check "the PAM file comes from the package" grep -q '^@include common-account' /etc/pam.d/staprun-auth
st=$(stat -c '%u:%g %a' /run/stapauth 2>&1)
[ "$st" = "0:0 755" ]
ok "tmpfiles.d made /run/stapauth (root's, 0755)" "$st"
check "a loader host has no translator" [ ! -e /usr/bin/stap ]
check "the stapusr group is there, once" [ "$(grep -c '^stapusr:' /etc/group)" -eq 1 ]

# The demo, from the installed paths.
run "alice is refused before approval (installed staprun.auth)" 1 'refused' -- as_user alice "$SA" "$M"
run "stap-authorize bless (installed) approves the module for alice" 0 -- "$AZ" bless "$M" --users alice
run "alice runs the approved module through the installed staprun.auth" 0 '^deb demo from ' -- \
	as_user alice "$SA" "$M"
check "nothing left loaded" sh -c '! grep -q "^stp_debdemo " /proc/modules'
run "bob is refused (not in users=)" 1 'refused' -- as_user bob "$SA" "$M"

# The admin narrows who may run the loader; an upgrade whose packaged policy
# changed keeps both the admin's policy and the admin's override.
run "dpkg-statoverride: root:stapusr 4750" 0 -- $STATO --update --add root stapusr 4750 "$SA"
run "upgrade to 0.1.1 (conffile changed on both sides)" 0 -- \
	$DPKG --force-confdef --force-confold -i $D/upgrade.deb
check "the upgrade is installed" [ "$($QUERY -W -f '${Version}' stapauth-runtime)" = 0.1.1 ]
check "the upgrade kept the admin's approvals" grep -q 'users=alice' "$POL"
check "the packaged policy waits in authorized_probes.dpkg-dist" grep -q '0.1.1' "$POL.dpkg-dist"
st=$(stat -c '%u:%G %a' "$SA")
[ "$st" = "0:stapusr 4750" ]
ok "the upgrade kept the dpkg-statoverride (the postinst did not chmod)" "$st"
run "alice (stapusr) still runs it" 0 '^deb demo from ' -- as_user alice "$SA" "$M"
run "bob (not in stapusr) cannot run staprun.auth at all" 126 "Permission denied" -- as_user bob "$SA" "$M"

# The translator packages; the installed stap reads the installed tapsets.
run "dpkg -i stapauth-common stapauth" 0 -- $DPKG -i $D/stapauth-common_*.deb $D/stapauth_*.deb
# (a real host has /lib/modules/RELEASE; the initramfs may have none)
LM=/lib/modules/$(uname -r)
[ -d "$LM" ] || { mkdir -p "$LM" && made_lm=1; }
run "the installed stap resolves a function from the installed tapset library" 0 '^function errno_str' -- \
	/usr/bin/stap -r "$(uname -r)" -p2 -e 'probe begin { print(errno_str(2)) }'

# Purge: what install made goes; the group and the admin's override stay.
run "dpkg --purge the three packages" 0 -- /usr/bin/dpkg --purge stapauth stapauth-common stapauth-runtime
left=
for f in "$SA" /usr/bin/staprun "$AZ" /usr/bin/stap /usr/share/stapauth /etc/pam.d/staprun-auth \
	"$POL" "$POL.dpkg-dist" "$POL.lock" /etc/systemtap /run/stapauth; do
	[ -e "$f" ] && left="$left $f"
done
[ -z "$left" ]
ok "purge removed the programs, conffiles, lock, /etc/systemtap and /run/stapauth" "left:$left"
check "purge kept the stapusr group" grep -q '^stapusr:' /etc/group
check "purge kept the admin's dpkg-statoverride" sh -c "$STATO --list $SA >/dev/null"
$STATO --remove "$SA" >/dev/null 2>&1
[ -n "${made_lm:-}" ] && rmdir "$LM"
exit 0
