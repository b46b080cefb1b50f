#!/bin/sh
# Host side of the Linux audit case (cases/auth_audit.sh): Debian's auditd,
# auditctl and ausearch with their libraries, a small auditd.conf, and the
# test module (prep/auth.sh's copy when it ran, else built here).
set -eu
. "$REPO/tests/vm/host.sh"
A=$VMROOT/stap/audit
mkdir -p "$A"
for b in /sbin/auditd /sbin/auditctl /sbin/ausearch; do
	if [ ! -x "$b" ]; then
		echo "# vm/auth_audit: $b missing (apt-get install auditd): the case skips"
		exit 0
	fi
done
mkdir -p "$VMROOT/sbin" "$VMROOT/etc/audit/plugins.d" "$VMROOT/var/log/audit"
cp /sbin/auditd /sbin/auditctl /sbin/ausearch "$VMROOT/sbin/"
vm_copy_libs /sbin/auditd /sbin/auditctl /sbin/ausearch
# Debian's settings where they matter here; nothing that waits for a disk,
# mails or listens.
cat >"$VMROOT/etc/audit/auditd.conf" <<'CONF'
local_events = yes
write_logs = yes
log_file = /var/log/audit/audit.log
log_format = ENRICHED
flush = NONE
max_log_file = 8
num_logs = 2
max_log_file_action = ROTATE
name_format = NONE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
q_depth = 2000
overflow_action = IGNORE
plugin_dir = /etc/audit/plugins.d
end_of_event_timeout = 2
CONF
chmod 0640 "$VMROOT/etc/audit/auditd.conf"
if [ -f "$VMROOT/stap/auth/m.ko" ]; then
	cp "$VMROOT/stap/auth/m.ko" "$A/m.ko"
else
	b=$(vm_kbuild "$REPO/tests/kmod" audit-kmod)
	cp "$b/stp_test.ko" "$A/m.ko"
fi
install -m 0644 "$REPO/staprun-auth/pam.d/staprun-auth" "$A/pam-staprun-auth"
install -m 0644 "$REPO/staprun-auth/stapauth.rules" "$A/stapauth.rules"
echo "# vm/auth_audit: auditd $(dpkg-query -W -f='${Version}' auditd 2>/dev/null) ready"
