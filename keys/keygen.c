#include "keys/sign.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lib/atomicfile.h"

/* The extensions of the kernel's own certs/x509.genkey, plus codeSigning:
 * a key that can sign modules and nothing else, enrollable as a MOK. */
static const struct {
	int nid;
	const char *value;
} cert_exts[] = {
    {NID_basic_constraints, "critical,CA:FALSE"}, {NID_key_usage, "digitalSignature"},
    {NID_ext_key_usage, "codeSigning"},		  {NID_subject_key_identifier, "hash"},
    {NID_authority_key_identifier, "keyid"},
};

static int add_exts(X509 *x)
{
	X509V3_CTX ctx;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	for (size_t i = 0; i < sizeof cert_exts / sizeof cert_exts[0]; i++) {
		X509_EXTENSION *e =
		    X509V3_EXT_conf_nid(NULL, &ctx, cert_exts[i].nid, cert_exts[i].value);
		int ok = e && X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
		if (!ok)
			return -EIO;
	}
	return 0;
}

static int set_serial(X509 *x)
{
	unsigned char rnd[16];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(rnd, sizeof rnd) != 1)
		return -EIO;
	rnd[0] &= 0x7f; /* positive, as RFC 5280 wants */
	rnd[0] |= 0x40; /* and of a fixed length */
	bn = BN_bin2bn(rnd, sizeof rnd, NULL);
	ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	return ok ? 0 : -EIO;
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, int days)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	int ok = x && name && X509_set_version(x, X509_VERSION_3) && set_serial(x) == 0 &&
		 X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
		 X509_time_adj_ex(X509_getm_notAfter(x), days, 0, NULL) &&
		 X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
					    (const unsigned char *)"stapauth", -1, -1, 0) &&
		 X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
					    -1, -1, 0) &&
		 X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
		 X509_set_pubkey(x, key) && add_exts(x) == 0 && X509_sign(x, key, EVP_sha256());

	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Create path with mode and what fn puts into a BIO, atomically and never
 * over an existing file (a key never overwrites a key). */
static int write_new(const char *path, mode_t mode, int (*fn)(BIO *, const void *), const void *obj,
		     char *msg, size_t msglen)
{
	struct atomic_file af;
	int r = atomic_file_open(&af, path, mode);
	BIO *b;

	if (r < 0) {
		snprintf(msg, msglen, "%s: %s", path, strerror(-r));
		return r;
	}
	b = BIO_new_fd(af.fd, BIO_NOCLOSE);
	r = b && fn(b, obj) && BIO_flush(b) == 1 ? 0 : -EIO;
	BIO_free(b);
	if (r < 0) {
		atomic_file_abort(&af);
		snprintf(msg, msglen, "%s: write failed", path);
		return r;
	}
	r = atomic_file_commit_new(&af);
	if (r < 0)
		snprintf(msg, msglen, "%s: %s", path, strerror(-r));
	return r;
}

static int w_key(BIO *b, const void *k)
{
	return PEM_write_bio_PrivateKey(b, (EVP_PKEY *)k, NULL, NULL, 0, NULL, NULL);
}
static int w_pem(BIO *b, const void *x)
{
	return PEM_write_bio_X509(b, (X509 *)x);
}
static int w_der(BIO *b, const void *x)
{
	return i2d_X509_bio(b, (X509 *)x);
}

int keys_keygen(const char *dir, const char *cn, int rsa, int days, char *msg, size_t msglen)
{
	static const char *const names[] = {"signing_key.pem", "signing_cert.pem",
					    "signing_cert.der"};
	char path[3][4096];
	EVP_PKEY *key;
	X509 *x = NULL;
	int r = 0;

	for (int i = 0; i < 3; i++) {
		snprintf(path[i], sizeof path[i], "%s/%s", dir, names[i]);
		if (access(path[i], F_OK) == 0) {
			snprintf(msg, msglen, "%s: exists; will not overwrite a key", path[i]);
			return -EEXIST;
		}
	}
	key = rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072)
		  : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (key)
		x = make_cert(key, cn, days);
	if (!x) {
		snprintf(msg, msglen, "key generation failed (OpenSSL)");
		r = -EIO;
	}
	if (r == 0)
		r = write_new(path[0], 0600, w_key, key, msg, msglen);
	if (r == 0)
		r = write_new(path[1], 0644, w_pem, x, msg, msglen);
	if (r == 0)
		r = write_new(path[2], 0644, w_der, x, msg, msglen);
	X509_free(x);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return r;
}
