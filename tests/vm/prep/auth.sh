#!/bin/sh
# Host side of the staprun.auth case: the test module (and variants), keys and
# signed copies made with the kernel's own sign-file, hostile-start helpers,
# and the PAM service file.  Everything lands in $VMROOT/stap/auth.
set -eu
. "$REPO/tests/vm/host.sh"
A=$VMROOT/stap/auth
mkdir -p "$A"
if [ -f "$VMROOT/stap/mod/stp_test.ko" ]; then
	cp "$VMROOT/stap/mod/stp_test.ko" "$A/m.ko"
else
	b=$(vm_kbuild "$REPO/tests/kmod" auth-kmod)
	cp "$b/stp_test.ko" "$A/m.ko"
fi
# A module whose reader-gone grace is short, for the SIGKILL cases.
q=$W/build/auth-quick-src
rm -rf "$q" && mkdir -p "$q"
cp "$REPO/tests/kmod/stp_test.c" "$q/stp_aquick.c"
printf 'obj-m := stp_aquick.o\nccflags-y := -I$(RUNTIME) -Werror -DSTP_OPEN_TIMEOUT_MS=2000 -DSTP_READER_GRACE_MS=1000\n' >"$q/Kbuild"
b=$(vm_kbuild "$q" auth-quick)
cp "$b/stp_aquick.ko" "$A/quick.ko"

# One byte changed after approval (inside .comment-free padding: the last byte).
cp "$A/m.ko" "$A/changed.ko"
python3 - "$A/changed.ko" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-1] ^= 1
open(p, "wb").write(bytes(b))
PY

# Keys: a trusted and an untrusted signer; signed copies by sign-file.
SF=
for s in "$KDIR/scripts/sign-file" /usr/lib/linux-kbuild-*/scripts/sign-file \
	/usr/src/linux-headers-*/scripts/sign-file; do
	[ -x "$s" ] && { SF=$s; break; }
done
for k in trusted untrusted; do
	openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-days 30 -subj "/CN=stapauth vm $k" -outform DER -out "$A/$k.der" \
		-keyout "$A/$k.key" -addext basicConstraints=critical,CA:FALSE \
		-addext keyUsage=digitalSignature -addext extendedKeyUsage=codeSigning 2>/dev/null
	if [ -n "$SF" ]; then
		cp "$A/m.ko" "$A/signed-$k.ko"
		"$SF" sha256 "$A/$k.key" "$A/$k.der" "$A/signed-$k.ko"
	fi
done
rm -f "$A/untrusted.key" "$A/trusted.key"
sha256sum "$A/trusted.der" | cut -d' ' -f1 >"$A/trusted.fpr"

# Hostile-start helpers: argc == 0, and a preload library that leaves a mark.
gcc -static -O2 -Wall -Werror -o "$A/noargv" "$REPO/tests/fake/noargv.c"
# A program that prints its effective uid, to be installed setuid root.
printf '#include <stdio.h>\n#include <unistd.h>\nint main(void) { printf("euid=%%u\\n", (unsigned)geteuid()); return 0; }\n' >"$W/build/euid.c"
gcc -static -O2 -Wall -Werror -o "$A/euid" "$W/build/euid.c"
# A process of the user's that made itself non-dumpable (not traceable).
printf '#include <stdio.h>\n#include <sys/prctl.h>\n#include <unistd.h>\nint main(void) { prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); puts("nodump"); fflush(stdout); sleep(30); return 0; }\n' >"$W/build/nodump.c"
gcc -static -O2 -Wall -Werror -o "$A/nodump" "$W/build/nodump.c"
cat >"$W/build/evil.c" <<'C'
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void evil(void)
{
	int fd = open("/tmp/pwned", O_WRONLY | O_CREAT, 0666);
	if (fd >= 0)
		close(fd);
}
C
gcc -shared -fPIC -O2 -o "$A/evil.so" "$W/build/evil.c"
# ... also under the names of libraries staprun.auth really loads.
mkdir -p "$A/evil-lib"
for l in libcap.so.2 libpam.so.0 libcrypto.so.3; do cp "$A/evil.so" "$A/evil-lib/$l"; done
install -m 0644 "$REPO/staprun-auth/pam.d/staprun-auth" "$A/pam-staprun-auth"
echo "# vm/auth: modules, keys (sign-file: ${SF:-none}) and helpers ready"
