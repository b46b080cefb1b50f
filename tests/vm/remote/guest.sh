# Inside the VM: network up (e1000 from the installed kernel), loaders
# installed (staprun.auth setuid root), Debian's sshd started; then wait
# while the host side (tests/vm/remote/host.sh) runs stap -T against this
# machine, and check that nothing was left behind.
. /stap/lib.sh
R=/stap/remote
# one of three VMs (tests/vm/remote/run fleet3): its role on the command line
ROLE=$(sed -n 's/.*stapvm\.role=\([a-z]*\).*/\1/p' /proc/cmdline)
[ -n "$ROLE" ] && T_NAME=$T_NAME/$ROLE
insmod "$R/e1000.ko" || { fail network "insmod e1000.ko"; exit 1; }
wait_for 10 ip link show eth0 >/dev/null
ok "e1000 driver from /lib/modules"
ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0
ok "eth0 up (10.0.2.15, user networking, restrict=on)"
mkdir -p /usr/sbin /etc/systemtap/keys /run/sshd /etc/pam.d
cp "$BIN/staprun.auth" /usr/sbin/staprun.auth && chmod 4755 /usr/sbin/staprun.auth
cp "$BIN/staprun" /usr/sbin/staprun && chmod 755 /usr/sbin/staprun
cp "$R/pam-staprun-auth" /etc/pam.d/staprun-auth
chmod 755 /etc /etc/systemtap /etc/systemtap/keys
: >/etc/systemtap/authorized_probes && chmod 644 /etc/systemtap/authorized_probes
chmod 755 /run/sshd && chmod 755 /etc/ssh
/usr/sbin/sshd -f /etc/ssh/sshd_config -E /tmp/sshd.log
ok "sshd started" "$(cat /tmp/sshd.log 2>/dev/null)"
echo "SSHD-READY" >/dev/console
# the host side ends by creating /tmp/host-done over ssh
n=0
while [ ! -e /tmp/host-done ] && [ $n -lt 8000 ]; do sleep 0.1; n=$((n + 1)); done
[ -e /tmp/host-done ]
ok "host side finished"
! grep -q '^stap_' /proc/modules
ok "no probe module left loaded" "$(grep '^stap_' /proc/modules)"
[ -z "$(ls -d /tmp/stapauth.* 2>/dev/null)" ]
ok "no upload folder left" "$(ls -d /tmp/stapauth.* 2>/dev/null)"
if [ "$ROLE" = empty ]; then
	[ ! -s /etc/systemtap/authorized_probes ]
	ok "the policy stayed empty" "$(cat /etc/systemtap/authorized_probes)"
fi
grep -v '^$' /tmp/sshd.log 2>/dev/null | head -5 | sed 's/^/# sshd: /'
kill "$(cat /run/sshd.pid 2>/dev/null)" 2>/dev/null
exit 0
