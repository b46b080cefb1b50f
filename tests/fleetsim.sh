# A simulated fleet on loopback for tests/cli/fleet.sh and bench/fleet.sh
# (sourced after tests/lib.sh and tests/sshd.sh).  fleetsim_start N:
#   - sshd (tests/sshd.sh) on 127.1.0.1 .. (N addresses of 127.1.0.0/16,
#     16 per server: sshd's limit), the current user logging in over ssh;
#   - known_hosts records sim001..simN (group=sim), the first recorded by
#     stap-target over ssh, the others the same machine at other addresses;
#   - on each, staprun.auth is tests/remote/fleetloader: the real
#     staprun.auth test build (fake init_module) decides, against the fake
#     root's policy (fleetsim_approve KO approves a module there).
# The far side's uname -r reports the installed kernel with headers (the
# running one may have none); addresses listed in $SSHD_STATE/stale report
# another uname -v (a rebuilt kernel: their records are stale).
# Only loopback addresses are ever listened on or named.
FLEETSIM_FAKE=$(cd "${STAPAUTH_O:-build}/tests/fake" 2>/dev/null && pwd)

fleetsim_usable() {
	[ "$(id -u)" = 0 ] || { echo "needs root (the staprun.auth test build refuses to work without it)"; return 1; }
	[ -x "$FLEETSIM_FAKE/staprun.auth-fake" ] || { echo "${STAPAUTH_O:-build}/tests/fake/staprun.auth-fake not built (make O=build SAN=0 programs)"; return 1; }
	command -v unshare >/dev/null || { echo "no unshare (util-linux)"; return 1; }
	/usr/bin/python3 -c 'import ClusterShell' 2>/dev/null || { echo "no ClusterShell (python3-clustershell)"; return 1; }
	sshd_usable || { echo "no sshd/ssh (openssh-server, openssh-client)"; return 1; }
}

# The address of host number I (1-based).
fleetsim_addr() {
	echo "127.1.$((($1 - 1) / 250)).$((($1 - 1) % 250 + 1))"
}

fleetsim_start() {
	n=$1
	rel=$(kbuild_release)
	sshd_start || return 1
	fs_i=1
	while [ $fs_i -le "$n" ]; do
		set --
		fs_j=0
		while [ $fs_j -lt 16 ] && [ $fs_i -le "$n" ]; do
			set -- "$@" "$(fleetsim_addr $fs_i)"
			fs_i=$((fs_i + 1))
			fs_j=$((fs_j + 1))
		done
		sshd_more "$@" || return 1
	done
	echo "$FLEETSIM_FAKE" >"$SSHD_STATE/fake_dir"
	printf '# nothing approved\n' >"$SSHD_STATE/empty_policy"
	cp tests/remote/fleetloader "$SSHD_BIN/staprun.auth"
	cp tests/remote/fleetloader.check "$SSHD_BIN/staprun.auth.check"
	cat >"$SSHD_BIN/uname" <<EOF
#!/bin/sh
me=\${SSH_CONNECTION#* * }
me=\${me%% *}
case "\$1" in
-r) echo $rel ;;
-v) if grep -qx "\$me" "$SSHD_STATE/stale" 2>/dev/null; then echo "#2 rebuilt"; else /bin/uname -v; fi ;;
*) exec /bin/uname "\$@" ;;
esac
EOF
	chmod 755 "$SSHD_BIN/uname"
	mkdir -p "$FLEETSIM_FAKE/root/etc/keys" "$FLEETSIM_FAKE/root/run" "$FLEETSIM_FAKE/root/sys/module"
	printf '# nothing approved yet\n' >"$FLEETSIM_FAKE/root/etc/authorized_probes"
	"$BIN/stap-target" add sim001 "$SSHD_USER@$(fleetsim_addr 1):$SSHD_PORT" auth >"$TMP/fleetsim.out" 2>&1 ||
		{ cat "$TMP/fleetsim.out"; return 1; }
	kh=$SYSTEMTAP_DIR/known_hosts
	line=$(grep '^sim001 ' "$kh")
	line="${line#sim001 } group=sim"
	fs_i=1
	while [ $fs_i -le "$n" ]; do
		printf 'sim%03d %s\n' $fs_i "$(echo "$line" | sed "s/@127\.1\.0\.1:/@$(fleetsim_addr $fs_i):/")"
		fs_i=$((fs_i + 1))
	done >"$kh"
}

# fleetsim_approve KO [PARAMS]: approve the module in the fake root's policy.
fleetsim_approve() {
	printf 'sha256:%s params=%s\n' "$(sha256sum <"$1" | cut -d' ' -f1)" "${2:-*}" \
		>"$FLEETSIM_FAKE/root/etc/authorized_probes"
}
