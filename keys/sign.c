#include "keys/sign.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "keys/verify.h"
#include "lib/modsig.h"
#include "lib/readfile.h"

static EVP_PKEY *key_load(const char *path, char *msg, size_t msglen)
{
	unsigned char *buf;
	size_t len;
	EVP_PKEY *k = NULL;
	BIO *b;
	int r = readfile_path(path, 1u << 20, &buf, &len);

	if (r < 0) {
		snprintf(msg, msglen, "%s: %s", path, readfile_strerror(r));
		return NULL;
	}
	b = BIO_new_mem_buf(buf, (int)len);
	if (b)
		k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	OPENSSL_cleanse(buf, len);
	free(buf);
	if (!k)
		snprintf(msg, msglen, "%s: not a PEM private key (or it is encrypted)", path);
	return k;
}

static const EVP_MD *hash_by_name(const char *hash)
{
	if (!hash || !strcmp(hash, "sha256"))
		return EVP_sha256();
	if (!strcmp(hash, "sha384"))
		return EVP_sha384();
	if (!strcmp(hash, "sha512"))
		return EVP_sha512();
	return NULL;
}

/* The same CMS that scripts/sign-file builds: detached, binary, no
 * certificates, no signed attributes, no S/MIME capabilities. */
static int cms_sign(const void *payload, size_t len, X509 *cert, EVP_PKEY *key, const EVP_MD *md,
		    unsigned char **der, int *derlen)
{
	const int flags = CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | CMS_DETACHED;
	BIO *in = BIO_new_mem_buf(payload, (int)len);
	CMS_ContentInfo *cms = in ? CMS_sign(NULL, NULL, NULL, NULL, flags) : NULL;
	int ok = cms &&
		 CMS_add1_signer(cms, cert, key, md,
				 CMS_NOCERTS | CMS_BINARY | CMS_NOSMIMECAP | CMS_NOATTR) &&
		 CMS_final(cms, in, NULL, CMS_NOCERTS | CMS_BINARY | CMS_DETACHED) == 1;

	*der = NULL;
	*derlen = ok ? i2d_CMS_ContentInfo(cms, der) : -1;
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return *derlen > 0 ? 0 : -EIO;
}

int keys_sign_module(const void *mod, size_t len, const char *key_path, const char *cert_path,
		     const char *hash, unsigned char **out, size_t *outlen, char *msg,
		     size_t msglen)
{
	const EVP_MD *md = hash_by_name(hash);
	struct keys_cert c;
	struct modsig ms;
	EVP_PKEY *key = NULL;
	unsigned char *der = NULL;
	const char *why;
	int derlen, r;

	*out = NULL;
	*outlen = 0;
	if (!md) {
		snprintf(msg, msglen, "hash %s: use sha256, sha384 or sha512", hash);
		return -EINVAL;
	}
	if (len > INT_MAX) {
		snprintf(msg, msglen, "module is too large to sign");
		return -EFBIG;
	}
	r = modsig_split(mod, len, &ms, &why);
	if (r < 0) {
		snprintf(msg, msglen, "existing signature: %s", why);
		return r;
	}
	r = keys_cert_load(cert_path, &c, msg, msglen);
	if (r == 0 && !(key = key_load(key_path, msg, msglen)))
		r = -EINVAL;
	if (r == 0 && X509_check_private_key(c.x509, key) != 1) {
		snprintf(msg, msglen, "%s does not belong to %s", key_path, cert_path);
		r = -EINVAL;
	}
	if (r == 0 && cms_sign(mod, ms.payload_len, c.x509, key, md, &der, &derlen) < 0) {
		unsigned long e = ERR_get_error();
		snprintf(msg, msglen, "signing failed: %s",
			 e ? ERR_reason_error_string(e) : "OpenSSL error");
		r = -EIO;
	}
	if (r == 0) {
		size_t n = ms.payload_len + (size_t)derlen + MODSIG_INFO_LEN + MODSIG_MAGIC_LEN;
		*out = malloc(n);
		if (!*out) {
			snprintf(msg, msglen, "out of memory");
			r = -ENOMEM;
		} else {
			memcpy(*out, mod, ms.payload_len);
			memcpy(*out + ms.payload_len, der, (size_t)derlen);
			modsig_trailer((size_t)derlen, *out + ms.payload_len + derlen);
			*outlen = n;
		}
	}
	OPENSSL_free(der);
	EVP_PKEY_free(key);
	keys_cert_free(&c);
	ERR_clear_error();
	return r;
}
