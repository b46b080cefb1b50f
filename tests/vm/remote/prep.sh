#!/bin/sh
# Host side, before packing: the network driver module of the installed
# kernel (e1000: QEMU's -device e1000, no other module needed), Debian's sshd with its libraries, a host key and a user key made
# for this run (alice and root may log in with it), the PAM file of
# staprun.auth.  Keys for the host side stay in $W/ssh.
set -eu
. "$REPO/tests/vm/host.sh"
R=$VMROOT/stap/remote
mkdir -p "$R" "$VMROOT/etc/ssh/keys" "$W/ssh"
for m in kernel/drivers/net/ethernet/intel/e1000/e1000.ko; do
	f=/lib/modules/$KREL/$m
	[ -f "$f" ] || f=$(ls "$f".* 2>/dev/null | head -1)
	[ -n "$f" ] && [ -f "$f" ] || { echo "FAIL: vm/guest: $m not in /lib/modules/$KREL"; exit 1; }
	case $f in
	*.xz) xz -dc "$f" >"$R/$(basename "${f%.xz}")" ;;
	*.zst) zstd -qdc "$f" >"$R/$(basename "${f%.zst}")" ;;
	*) cp "$f" "$R/" ;;
	esac
done
cp /usr/sbin/sshd "$VMROOT/usr/sbin/sshd"
vm_copy_libs /usr/sbin/sshd
rm -f "$W/ssh/"*
ssh-keygen -q -t ed25519 -N '' -C vm-host -f "$W/ssh/host"
ssh-keygen -q -t ed25519 -N '' -C vm-test -f "$W/ssh/id"
cp "$W/ssh/host" "$VMROOT/etc/ssh/host_ed25519"
chmod 600 "$VMROOT/etc/ssh/host_ed25519"
cp "$W/ssh/id.pub" "$VMROOT/etc/ssh/keys/alice"
cp "$W/ssh/id.pub" "$VMROOT/etc/ssh/keys/root"
cat >"$VMROOT/etc/ssh/sshd_config" <<CFG
Port 22
HostKey /etc/ssh/host_ed25519
AuthorizedKeysFile /etc/ssh/keys/%u
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
LogLevel ERROR
CFG
echo 'sshd:x:100:65534:sshd:/run/sshd:/bin/false' >>"$VMROOT/etc/passwd"
echo 'sshd:*:19000:0:99999:7:::' >>"$VMROOT/etc/shadow"
install -m 0644 "$REPO/staprun-auth/pam.d/staprun-auth" "$R/pam-staprun-auth"
