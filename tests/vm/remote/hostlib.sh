# Host-side helpers of the remote-run benches (tests/vm/remote/host.sh,
# fleet3.sh), sourced after tests/lib.sh (TMP); env W (the VM work dir).

# remote_setup PORT...: a private SYSTEMTAP_DIR, known_hosts holding the
# VMs' host key at each 127.0.0.1:PORT, and an ssh (STAPAUTH_SSH) that uses
# the run's user key and checks host keys strictly.
remote_setup() {
	export SYSTEMTAP_DIR=$TMP/stapdir STAPAUTH_KNOWN_HOSTS_SYSTEM=$TMP/none
	mkdir -p "$SYSTEMTAP_DIR"
	: >"$TMP/known_hosts"
	for p; do
		printf '[127.0.0.1]:%s %s\n' "$p" "$(cut -d' ' -f1,2 "$W/ssh/host.pub")" >>"$TMP/known_hosts"
	done
	cat >"$TMP/ssh_config" <<CFG
Host *
	IdentityFile $W/ssh/id
	IdentitiesOnly yes
	UserKnownHostsFile $TMP/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	ConnectTimeout 60
	LogLevel ERROR
CFG
	printf '#!/bin/sh\nexec ssh -F %s "$@"\n' "$TMP/ssh_config" >"$TMP/ssh"
	chmod 755 "$TMP/ssh"
	export STAPAUTH_SSH=$TMP/ssh
}

# vmroot_at PORT CMD: run CMD as root on the VM at 127.0.0.1:PORT.
vmroot_at() {
	p=$1
	shift
	"$TMP/ssh" -o BatchMode=yes -p "$p" root@127.0.0.1 "$@"
}

# sshd_ready SERIAL: wait (300 s at most) for the guest's SSHD-READY line.
sshd_ready() {
	n=0
	while ! grep -aq SSHD-READY "$1" && [ $n -lt 3000 ]; do sleep 0.1; n=$((n + 1)); done
	grep -aq SSHD-READY "$1"
}

# approve_at PORT KO [PARAMS]: bless the module for alice on that VM.
approve_at() {
	d=$(sha256sum "$2" | cut -d' ' -f1)
	vmroot_at "$1" "echo 'sha256:$d users=alice${3:+ params=$3}' >>/etc/systemtap/authorized_probes" </dev/null
}

# not_loaded_at PORT SECONDS: within SECONDS, no stap_ module loaded and no
# upload folder left on that VM, seen from root's own connection.
not_loaded_at() {
	vmroot_at "$1" "i=0; while grep -q '^stap_' /proc/modules && [ \$i -lt $(($2 * 10)) ]; do sleep 0.1; i=\$((i+1)); done; ! grep -q '^stap_' /proc/modules && [ -z \"\$(ls -d /tmp/stapauth.* 2>/dev/null)\" ]" </dev/null
}

# fleet_interrupt LABEL A B SCRIPT: $STAP -T A,B runs SCRIPT (it prints
# "tick" until stopped and "end ran" from its end probe); SIGINT once both
# hosts stream; checks (named LABEL...) that both streamed, that stap exits
# 0 and that both end probes' output arrives.  Output in $TMP/o, $TMP/e.
fleet_interrupt() {
	"$STAP" -T "$2,$3" -e "$4" >"$TMP/o" 2>"$TMP/e" &
	sp=$!
	wait_line "$TMP/o" "^$2: tick" 1200 && wait_line "$TMP/o" "^$3: tick" 600 &&
		pass "$1both hosts streaming" || fail "$1both hosts streaming" "$(tail -3 "$TMP/e")"
	kill -INT $sp
	wait $sp
	rc=$?
	[ $rc = 0 ] && pass "$1status 0 (every host ended its run)" ||
		fail "$1status 0 (every host ended its run)" "status $rc: $(tail -3 "$TMP/e")"
	grep -qx "$2: end ran" "$TMP/o" && grep -qx "$3: end ran" "$TMP/o" &&
		pass "$1every end probe's output arrives" || fail "$1every end probe's output arrives" "$(tail -4 "$TMP/o")"
}
