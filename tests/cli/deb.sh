#!/bin/sh
# The Debian packages: scripts/deb builds them from a clean copy of the tree
# (dpkg-buildpackage -us -uc -b), then: the split (a loader host takes
# stapauth-runtime without the translator), contents and modes (nothing
# setuid inside the .deb: the postinst sets it, respecting dpkg-statoverride),
# conffiles, maintainer scripts (sh -n, and the postinst's decisions with
# stand-in commands), lintian without errors.  About 30 s on 2 idle cores,
# 70-85 s at load 12.
. tests/lib.sh
for t in dpkg-buildpackage dh fakeroot dpkg-deb; do
	command -v $t >/dev/null || { skip all "$t is missing (scripts/deps installs it)"; exit 0; }
done
D=$TMP/deb
t0=$(date +%s)
# (noddebs: no -dbgsym packages, which this test does not look at)
if O=$TMP/o tests/debs.sh "$D" >"$TMP/deb.log" 2>&1; then
	pass "dpkg-buildpackage builds the packages, lintian reports no error ($(($(date +%s) - t0)) s, built once per tests/run)"
else
	fail "dpkg-buildpackage builds the packages, lintian reports no error"
	sed 's/^/#   /' "$TMP/deb.log" | tail -25
	exit 1
fi
grep -E '^[WIX]:' "$D/lintian.txt" 2>/dev/null | sed 's/^/#   lintian: /'

deb() { ls "$D/$1"_*.deb 2>/dev/null | head -1; }
TR=$(deb stapauth)
RT=$(deb stapauth-runtime)
CO=$(deb stapauth-common)
for p in "$TR" "$RT" "$CO"; do
	[ -f "$p" ] || { fail "three packages" "missing: $(ls "$D")"; exit 1; }
done
pass "three packages: stapauth, stapauth-runtime, stapauth-common"
for p in "$TR" "$RT" "$CO"; do
	dpkg-deb -c "$p" >"$TMP/${p##*/}.c"
done
contents() { cat "$TMP/${1##*/}.c"; }
has() { contents "$1" | grep -Eq " \./$2( ->.*)?\$"; }

# has_all PKG NAME PATH...: every PATH is in PKG
has_all() {
	p=$1 n=$2
	shift 2
	miss=
	for f in "$@"; do has "$p" "$f" || miss="$miss $f"; done
	if [ -z "$miss" ]; then pass "$n"; else fail "$n" "missing:$miss"; fi
}
has_all "$RT" "stapauth-runtime: loaders, admin tool, PAM file, policy, SELinux module, audit rules, man pages, completion" \
	usr/bin/staprun usr/sbin/staprun.auth usr/sbin/stap-authorize etc/pam.d/staprun-auth \
	etc/systemtap/authorized_probes etc/systemtap/keys/ usr/lib/tmpfiles.d/stapauth.conf \
	usr/lib/sysusers.d/stapauth.conf usr/share/selinux/packages/staprun_auth.pp \
	usr/share/man/man8/staprun.auth.8.gz usr/share/man/man8/stap-authorize.8.gz \
	usr/share/man/man8/staprun.8.gz usr/share/man/man5/authorized_probes.5.gz \
	usr/share/bash-completion/completions/staprun.auth \
	usr/share/bash-completion/completions/stap-authorize usr/share/stapauth/audit/stapauth.rules
has_all "$TR" "stapauth: translator, stap-target, man pages, completion" \
	usr/bin/stap usr/bin/stap-target usr/share/man/man1/stap.1.gz \
	usr/share/man/man5/known_hosts.5.gz usr/share/bash-completion/completions/stap \
	usr/share/bash-completion/completions/stap-target
has_all "$CO" "stapauth-common: tapsets and runtime sources" \
	usr/share/stapauth/tapset/syscalls_file.stp usr/share/stapauth/runtime/runtime.c \
	usr/share/man/man3/stapfuncs.3stap.gz

if has "$RT" usr/bin/stap || dpkg-deb -f "$RT" Depends | grep -Eq 'stapauth([ ,]|$)|gcc|make'; then
	fail "the loader package needs no translator" "$(dpkg-deb -f "$RT" Depends)"
else
	pass "the loader package needs no translator (no stap, no gcc/make dependency)"
fi
for p in "$TR" "$CO"; do
	if has "$p" usr/sbin/staprun.auth || has "$p" usr/bin/staprun; then
		fail "${p##*/} holds no loader"
	fi
done

l=$(contents "$RT" | grep ' \./usr/sbin/staprun\.auth$')
case $l in
"-rwxr-xr-x root/root "*) pass "staprun.auth ships 0755 root:root (the postinst makes it setuid)" ;;
*) fail "staprun.auth ships 0755 root:root" "$l" ;;
esac
bad=$(cat "$TMP"/*.deb.c | grep -E '^[-d]..[sS]|^[-d].....[sS]|^-....w|^-.......w' || true)
if [ -z "$bad" ]; then pass "no setuid, setgid or group/world-writable file in any package"; else
	fail "no setuid, setgid or group/world-writable file in any package" "$bad"
fi

dpkg-deb -e "$RT" "$TMP/ctl"
printf '/etc/pam.d/staprun-auth\n/etc/systemtap/authorized_probes\n' >"$TMP/want-conffiles"
if sort "$TMP/ctl/conffiles" | cmp -s - "$TMP/want-conffiles"; then
	pass "conffiles: the PAM file and authorized_probes"
else
	fail "conffiles: the PAM file and authorized_probes" "$(tr '\n' ' ' <"$TMP/ctl/conffiles")"
fi
dpkg-deb -x "$RT" "$TMP/root"
run "the packaged authorized_probes is a valid, empty policy" 0 -- \
	"$BIN/stap-authorize" --policy "$TMP/root/etc/systemtap/authorized_probes" list
if grep -Eq '^d /run/stapauth 0755 root root' "$TMP/root/usr/lib/tmpfiles.d/stapauth.conf" &&
	grep -Eq '^g stapusr ' "$TMP/root/usr/lib/sysusers.d/stapauth.conf"; then
	pass "tmpfiles.d makes /run/stapauth root's 0755; sysusers.d names stapusr"
else
	fail "tmpfiles.d makes /run/stapauth root's 0755; sysusers.d names stapusr"
fi

n=0
for p in "$TR" "$RT" "$CO"; do
	dpkg-deb -e "$p" "$TMP/c$n"
	for s in preinst postinst prerm postrm; do
		[ -f "$TMP/c$n/$s" ] || continue
		sh -n "$TMP/c$n/$s" || fail "${p##*/} $s passes sh -n"
	done
	n=$((n + 1))
done
pass "maintainer scripts pass sh -n"

# The postinst's decisions, with stand-ins for the commands it runs (the VM
# case runs it for real): group added only when missing, setuid only when no
# dpkg-statoverride names staprun.auth.
mkdir -p "$TMP/stub"
for c in getent addgroup dpkg-statoverride chown chmod systemd-tmpfiles; do
	cat >"$TMP/stub/$c" <<EOF
#!/bin/sh
echo "$c \$*" >>"$TMP/calls"
case $c in
getent) [ -n "\${HAVE_GROUP:-}" ] ;;
dpkg-statoverride) [ -n "\${HAVE_OVERRIDE:-}" ] ;;
esac
EOF
	chmod +x "$TMP/stub/$c"
done
postinst() {
	: >"$TMP/calls"
	PATH="$TMP/stub:$PATH" sh -e "$TMP/ctl/postinst" configure >/dev/null 2>&1
}
if postinst && grep -qx 'addgroup --system --quiet stapusr' "$TMP/calls" &&
	grep -qx 'chmod 4755 /usr/sbin/staprun.auth' "$TMP/calls" &&
	grep -qx 'chown root:root /usr/sbin/staprun.auth' "$TMP/calls"; then
	pass "postinst (fresh host): adds the stapusr system group, makes staprun.auth setuid root"
else
	fail "postinst (fresh host)" "$(tr '\n' ';' <"$TMP/calls")"
fi
if HAVE_GROUP=1 HAVE_OVERRIDE=1 postinst && ! grep -q '^addgroup' "$TMP/calls" &&
	! grep -q '^chmod' "$TMP/calls" && ! grep -q '^chown' "$TMP/calls"; then
	pass "postinst keeps an existing group and the admin's dpkg-statoverride"
else
	fail "postinst keeps an existing group and the admin's dpkg-statoverride" "$(tr '\n' ';' <"$TMP/calls")"
fi
exit 0
