/* Key generation and kernel-format module signing (stap-authorize only). */
#ifndef KEYS_SIGN_H
#define KEYS_SIGN_H

#include <stddef.h>

/*
 * Write DIR/signing_key.pem (private key, mode 0600), DIR/signing_cert.pem
 * and DIR/signing_cert.der (0644): a self-signed certificate fit for module signing and MOK
 * enrolment: basicConstraints CA:FALSE, keyUsage digitalSignature, extendedKeyUsage codeSigning,
 * subjectKeyIdentifier.  ECDSA P-256, or RSA 3072 when rsa. Refuses to overwrite existing files.  0
 * or -errno with msg.
 */
int keys_keygen(const char *dir, const char *cn, int rsa, int days, char *msg, size_t msglen);

/*
 * Sign a module as the kernel's scripts/sign-file does: CMS detached over
 * the payload (an existing signature is stripped first), no signed
 * attributes, no certificates, the signer named by issuer+serial, then
 * the DER, struct module_signature and the magic appended.  hash is
 * "sha256" (default when NULL), "sha384" or "sha512".  *out is malloc'ed.
 */
int keys_sign_module(const void *mod, size_t len, const char *key_path, const char *cert_path,
		     const char *hash, unsigned char **out, size_t *outlen, char *msg,
		     size_t msglen);

#endif
