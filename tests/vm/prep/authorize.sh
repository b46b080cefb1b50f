#!/bin/sh
# Host side of the authorize case: a tiny module signed by stap-authorize
# (ECDSA P-256 and RSA 3072 keys), and a copy whose PKCS#7 is malformed.
# The kernel does not enforce signatures, so it loads a module whose key it
# lacks only after parsing the signature; a malformed one it always refuses.
set -eu
. "$REPO/tests/vm/host.sh"
A=$VMROOT/stap/authorize
SA=$STAPAUTH_RELBIN/stap-authorize
mkdir -p "$A/keys"
s=$W/build/authz-src
rm -rf "$s" && mkdir -p "$s"
cat >"$s/authz_probe.c" <<'C'
#include <linux/module.h>
static int __init authz_init(void) { return 0; }
static void __exit authz_exit(void) { }
module_init(authz_init);
module_exit(authz_exit);
MODULE_LICENSE("GPL");
C
echo 'obj-m := authz_probe.o' >"$s/Kbuild"
b=$(vm_kbuild "$s" authz)
k=$W/authorize-keys
rm -rf "$k" && mkdir -p "$k"
"$SA" keygen --out "$k/ec" --cn "vm ecdsa key" >/dev/null
"$SA" keygen --out "$k/rsa" --cn "vm rsa key" --rsa >/dev/null
for t in ec rsa; do
	"$SA" sign --key "$k/$t/signing_key.pem" --cert "$k/$t/signing_cert.pem" \
		"$b/authz_probe.ko" -o "$A/authz_$t.ko" >/dev/null
done
cp "$k/ec/signing_cert.pem" "$A/keys/ec.pem"
# Malformed: the PKCS#7's outer SEQUENCE tag 0x30 becomes 0x31.
cp "$A/authz_ec.ko" "$A/authz_malformed.ko"
python3 - "$A/authz_malformed.ko" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
n = int.from_bytes(b[-32:-28], "big")
off = len(b) - 40 - n
assert b[off] == 0x30
b[off] = 0x31
open(p, "wb").write(bytes(b))
PY
echo "# vm/authorize: signed test modules built for $KREL"
