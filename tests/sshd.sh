# A private OpenSSH server on 127.0.0.1 for command-line tests of remote
# runs (sourced after tests/lib.sh).  Debian's own sshd, a host key and a
# user key made for the test, the current user as the login; nothing
# listens beyond loopback.  After sshd_start:
#   SSHD_PORT            the port
#   STAPAUTH_SSH         a wrapper running ssh with the test's config (exported)
#   SSHD_BIN             a folder first on the remote PATH (fake loaders go here)
#   SSHD_STATE           $STAPAUTH_TEST_STATE of remote sessions (for fakes)
#   SSHD_TMP             $TMPDIR of remote sessions
#   SSHD_USER            the login name
# sshd_more ADDR... starts one more server with the same keys and port on
# up to 16 more loopback addresses (sshd's limit per server), known to ssh.
# sshd_stop ends them all (also on exit, through the caller's trap).
# Several loopback "hosts" (fleet tests): SSHD_ADDRS="127.0.0.2 127.0.0.3"
# before sshd_start listens on each (same port, known to ssh, which also
# defaults to that port), and SSHD_MATCH is appended to sshd_config
# (Match LocalAddress blocks give each address its own environment).
# One sshd listens on at most 16 addresses (OpenSSH's MAX_LISTEN_SOCKS).
SSHD=${SSHD:-/usr/sbin/sshd}

sshd_usable() {
	[ -x "$SSHD" ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null
}

sshd_start() {
	SSHD_DIR=$TMP/sshd
	SSHD_BIN=$SSHD_DIR/bin
	SSHD_STATE=$SSHD_DIR/state
	SSHD_TMP=$SSHD_DIR/tmp
	SSHD_USER=$(id -un)
	mkdir -p "$SSHD_BIN" "$SSHD_STATE" "$SSHD_TMP" && chmod 700 "$SSHD_DIR"
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/host" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/id" || return 1
	cp "$SSHD_DIR/id.pub" "$SSHD_DIR/authorized_keys"
	[ "$(id -u)" = 0 ] && mkdir -p /run/sshd
	for try in 1 2 3 4 5; do
		SSHD_PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
		cat >"$SSHD_DIR/sshd_config" <<CFG
Port $SSHD_PORT
$(for a in ${SSHD_ADDRS:-127.0.0.1}; do echo "ListenAddress $a"; done)
HostKey $SSHD_DIR/host
PidFile $SSHD_DIR/pid
AuthorizedKeysFile $SSHD_DIR/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
SetEnv PATH=$SSHD_BIN:/usr/local/bin:/usr/bin:/bin STAPAUTH_TEST_STATE=$SSHD_STATE TMPDIR=$SSHD_TMP
LogLevel ERROR
MaxStartups 400
${SSHD_MATCH:-}
CFG
		"$SSHD" -f "$SSHD_DIR/sshd_config" -E "$SSHD_DIR/log" || continue
		i=0
		while [ ! -s "$SSHD_DIR/pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		[ -s "$SSHD_DIR/pid" ] && break
	done
	[ -s "$SSHD_DIR/pid" ] || return 1
	for a in ${SSHD_ADDRS:-127.0.0.1}; do
		printf '[%s]:%s %s\n' "$a" "$SSHD_PORT" "$(cut -d' ' -f1,2 "$SSHD_DIR/host.pub")"
	done >"$SSHD_DIR/known_hosts"
	cat >"$SSHD_DIR/ssh_config" <<CFG
Host *
	Port $SSHD_PORT
	IdentityFile $SSHD_DIR/id
	IdentitiesOnly yes
	UserKnownHostsFile $SSHD_DIR/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	LogLevel ERROR
CFG
	printf '#!/bin/sh\nexec ssh -F %s "$@"\n' "$SSHD_DIR/ssh_config" >"$SSHD_DIR/ssh"
	chmod 755 "$SSHD_DIR/ssh"
	STAPAUTH_SSH=$SSHD_DIR/ssh
	export STAPAUTH_SSH
}

sshd_more() {
	SSHD_MORE=$((${SSHD_MORE:-0} + 1))
	cfg=$SSHD_DIR/sshd_config.$SSHD_MORE
	echo "PidFile $SSHD_DIR/pid.$SSHD_MORE" >"$cfg" # before any Match block
	for a in "$@"; do
		case $a in 127.*) ;; *) echo "sshd_more: $a is not a loopback address" >&2; return 1 ;; esac
		echo "ListenAddress $a" >>"$cfg"
		printf '[%s]:%s %s\n' "$a" "$SSHD_PORT" "$(cut -d' ' -f1,2 "$SSHD_DIR/host.pub")" \
			>>"$SSHD_DIR/known_hosts"
	done
	grep -v -e '^ListenAddress' -e '^PidFile' "$SSHD_DIR/sshd_config" >>"$cfg"
	"$SSHD" -f "$cfg" -E "$SSHD_DIR/log" || return 1
	i=0
	while [ ! -s "$SSHD_DIR/pid.$SSHD_MORE" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$SSHD_DIR/pid.$SSHD_MORE" ]
}

sshd_stop() {
	for p in "${SSHD_DIR:-/nonexistent}"/pid "${SSHD_DIR:-/nonexistent}"/pid.*; do
		[ -s "$p" ] && kill "$(cat "$p")" 2>/dev/null
		rm -f "$p"
	done
}
