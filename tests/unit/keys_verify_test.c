/* keys/: keygen, kernel-format signing, and every refusal of modsig_verify. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/pem.h>

#include "keys/sign.h"
#include "keys/verify.h"
#include "lib/modsig.h"
#include "lib/readfile.h"
#include "unit.h"

static const char payload[] = "\177ELF pretend module payload, long enough to sign";
static char trusted[600], other[600], rsadir[600], msg[512];

static int mkkeys(char *dir, const char *name, int rsa)
{
	snprintf(dir, 600, "%s/%s", unit_tmpdir(), name);
	if (mkdir(dir, 0755) < 0)
		return -1;
	return keys_keygen(dir, name, rsa, 30, msg, sizeof msg);
}

/* unit_tmpdir is fresh per test: make the keys each time (P-256 is cheap). */
static int setup(int with_rsa)
{
	if (mkkeys(trusted, "trusted", 0) < 0 || mkkeys(other, "other", 0) < 0)
		return -1;
	if (with_rsa && mkkeys(rsadir, "rsa", 1) < 0)
		return -1;
	return 0;
}

/* A store holding only certs whose dirs are listed. */
static int store_of(struct keys_store *s, const char *dir)
{
	char kd[700], src[800], dst[1400];

	snprintf(kd, sizeof kd, "%s/store", unit_tmpdir());
	mkdir(kd, 0755);
	snprintf(src, sizeof src, "%s/signing_cert.der", dir);
	snprintf(dst, sizeof dst, "%s/%s.der", kd, strrchr(dir, '/') + 1);
	if (link(src, dst) < 0 && errno != EEXIST)
		return -1;
	return keys_load_trusted(kd, getuid(), s, msg, sizeof msg);
}

static int sign_with(const char *dir, const char *hash, unsigned char **out, size_t *n)
{
	char k[700], c[700];

	snprintf(k, sizeof k, "%s/signing_key.pem", dir);
	snprintf(c, sizeof c, "%s/signing_cert.pem", dir);
	return keys_sign_module(payload, sizeof payload, k, c, hash, out, n, msg, sizeof msg);
}

/* Append der as the kernel's trailer does. */
static unsigned char *append_sig(const unsigned char *der, size_t len, size_t *n)
{
	unsigned char *out;

	*n = sizeof payload + len + MODSIG_INFO_LEN + MODSIG_MAGIC_LEN;
	out = malloc(*n);
	if (!out)
		return NULL;
	memcpy(out, payload, sizeof payload);
	memcpy(out + sizeof payload, der, len);
	modsig_trailer(len, out + sizeof payload + len);
	return out;
}

static int detached = CMS_DETACHED;

/* A CMS like sign-file's but with any digest and any number of signers,
 * made with OpenSSL directly, then appended in the kernel format. */
static unsigned char *forge(const char *const *dirs, int ndirs, const EVP_MD *md, size_t *n)
{
	CMS_ContentInfo *cms =
	    CMS_sign(NULL, NULL, NULL, NULL, CMS_NOCERTS | CMS_PARTIAL | CMS_BINARY | detached);
	BIO *in = BIO_new_mem_buf(payload, sizeof payload);
	unsigned char *der = NULL, *out = NULL;
	int len;

	for (int i = 0; i < ndirs; i++) {
		char k[700], c[700];
		snprintf(k, sizeof k, "%s/signing_key.pem", dirs[i]);
		snprintf(c, sizeof c, "%s/signing_cert.pem", dirs[i]);
		FILE *fk = fopen(k, "r"), *fc = fopen(c, "r");
		EVP_PKEY *key = fk ? PEM_read_PrivateKey(fk, NULL, NULL, NULL) : NULL;
		X509 *x = fc ? PEM_read_X509(fc, NULL, NULL, NULL) : NULL;
		if (fk)
			fclose(fk);
		if (fc)
			fclose(fc);
		if (!key || !x ||
		    !CMS_add1_signer(cms, x, key, md,
				     CMS_NOCERTS | CMS_BINARY | CMS_NOSMIMECAP | CMS_NOATTR))
			fprintf(stderr, "# forge: cannot add signer %s\n", dirs[i]);
		EVP_PKEY_free(key);
		X509_free(x);
	}
	if (CMS_final(cms, in, NULL, CMS_NOCERTS | CMS_BINARY | detached) == 1 &&
	    (len = i2d_CMS_ContentInfo(cms, &der)) > 0)
		out = append_sig(der, (size_t)len, n);
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return out;
}

TEST(keygen_files)
{
	char p[700];
	struct stat st;
	struct keys_cert c;

	CHECK(setup(0) == 0);
	snprintf(p, sizeof p, "%s/signing_key.pem", trusted);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
	snprintf(p, sizeof p, "%s/signing_cert.pem", trusted);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0644);
	snprintf(p, sizeof p, "%s/signing_cert.der", trusted);
	CHECK(keys_cert_load(p, &c, msg, sizeof msg) == 0);
	CHECK_STR(c.cn, "trusted");
	keys_cert_free(&c);
	/* never overwrite a key */
	CHECK(keys_keygen(trusted, "again", 0, 30, msg, sizeof msg) == -EEXIST);
}

TEST(sign_verify_roundtrip)
{
	struct keys_store s;
	struct modsig_result res;
	unsigned char *mod, *again, want[32];
	size_t n, n2;

	CHECK(setup(0) == 0);
	CHECK(store_of(&s, trusted) == 0 && s.n == 1);
	CHECK(sign_with(trusted, NULL, &mod, &n) == 0);
	CHECK(modsig_verify(mod, n, &s, &res) == 0);
	CHECK(res.status == MODSIG_VERIFIED);
	CHECK_STR(res.signer_cn, "trusted");
	CHECK_STR(res.hash, "SHA256");
	CHECK(memcmp(res.signer_fpr, s.certs[0].fpr, 32) == 0);
	CHECK(digest_sha256(payload, sizeof payload, want) == 0);
	CHECK(memcmp(res.payload_digest, want, 32) == 0);
	/* re-signing replaces the signature: the payload digest is unchanged */
	CHECK(keys_sign_module(mod, n, "/nonexistent", "/nonexistent", "sha512", &again, &n2, msg,
			       sizeof msg) < 0);
	char k[700], c[700];
	snprintf(k, sizeof k, "%s/signing_key.pem", trusted);
	snprintf(c, sizeof c, "%s/signing_cert.der", trusted);
	CHECK(keys_sign_module(mod, n, k, c, "sha512", &again, &n2, msg, sizeof msg) == 0);
	CHECK(modsig_verify(again, n2, &s, &res) == 0 && res.status == MODSIG_VERIFIED);
	CHECK_STR(res.hash, "SHA512");
	CHECK(memcmp(res.payload_digest, want, 32) == 0);
	free(again);
	free(mod);
	keys_store_free(&s);
}

TEST(verify_unsigned)
{
	struct keys_store s = {0};
	struct modsig_result res;

	CHECK(modsig_verify(payload, sizeof payload, &s, &res) == 0);
	CHECK(res.status == MODSIG_UNSIGNED && res.payload_len == sizeof payload);
}

TEST(verify_refusals_tampering)
{
	struct keys_store s;
	struct modsig_result res;
	unsigned char *mod;
	size_t n;

	CHECK(setup(0) == 0);
	CHECK(store_of(&s, trusted) == 0);
	CHECK(sign_with(trusted, "sha384", &mod, &n) == 0);
	mod[3] ^= 1; /* payload */
	CHECK(modsig_verify(mod, n, &s, &res) == -EKEYREJECTED);
	CHECK(res.status == MODSIG_BAD && strstr(res.why, "does not match"));
	mod[3] ^= 1;
	mod[n - MODSIG_MAGIC_LEN - MODSIG_INFO_LEN - 5] ^= 1; /* inside the signature value */
	CHECK(modsig_verify(mod, n, &s, &res) < 0 && res.status == MODSIG_BAD);
	fprintf(stderr, "# flipped signature byte: %s\n", res.why);
	mod[n - MODSIG_MAGIC_LEN - MODSIG_INFO_LEN - 5] ^= 1;
	CHECK(modsig_verify(mod, n, &s, &res) == 0);
	/* truncated trailer: only part of struct module_signature left */
	CHECK(modsig_verify(mod + n - MODSIG_MAGIC_LEN - 4, MODSIG_MAGIC_LEN + 4, &s, &res) ==
	      -EBADMSG);
	CHECK(strstr(res.why, "truncated"));
	/* sig_len larger than the file */
	mod[n - MODSIG_MAGIC_LEN - 4] = 0x7f;
	CHECK(modsig_verify(mod, n, &s, &res) == -EBADMSG);
	CHECK(strstr(res.why, "larger than the file"));
	free(mod);
	keys_store_free(&s);
}

TEST(verify_refusals_signers)
{
	struct keys_store s;
	struct modsig_result res;
	unsigned char *mod;
	size_t n;
	const char *both[2];

	CHECK(setup(0) == 0);
	CHECK(store_of(&s, trusted) == 0);
	CHECK(sign_with(other, NULL, &mod, &n) == 0);
	CHECK(modsig_verify(mod, n, &s, &res) == -ENOKEY);
	CHECK(strstr(res.why, "not a trusted key"));
	CHECK(strstr(res.why, "CN=other"));
	free(mod);
	both[0] = trusted;
	both[1] = other;
	mod = forge(both, 2, EVP_sha256(), &n);
	CHECK(mod);
	CHECK(modsig_verify(mod, n, &s, &res) == -EBADMSG);
	CHECK_STR(res.why, "signature has 2 signers; exactly one is allowed");
	free(mod);
	mod = forge(both, 1, EVP_sha256(), &n); /* the forge itself is sound */
	CHECK(mod && modsig_verify(mod, n, &s, &res) == 0);
	free(mod);
	keys_store_free(&s);
}

TEST(verify_refusals_weak_digests)
{
	struct keys_store s;
	struct modsig_result res;
	unsigned char *mod;
	size_t n;
	const char *one[1];

	CHECK(setup(1) == 0);
	CHECK(store_of(&s, rsadir) == 0);
	one[0] = rsadir;
	mod = forge(one, 1, EVP_sha1(), &n);
	CHECK(mod);
	CHECK(modsig_verify(mod, n, &s, &res) == -EKEYREJECTED);
	CHECK(strstr(res.why, "SHA-1, which is refused"));
	free(mod);
	mod = forge(one, 1, EVP_md5(), &n);
	CHECK(mod);
	CHECK(modsig_verify(mod, n, &s, &res) == -EKEYREJECTED);
	CHECK(strstr(res.why, "MD5, which is refused"));
	free(mod);
	mod = forge(one, 1, EVP_sha256(), &n);
	CHECK(mod && modsig_verify(mod, n, &s, &res) == 0); /* RSA 3072 itself is fine */
	free(mod);
	keys_store_free(&s);
}

TEST(store_refuses_bad_cert)
{
	char kd[700], p[800];
	struct keys_store s;
	FILE *f;

	snprintf(kd, sizeof kd, "%s/keys", unit_tmpdir());
	CHECK(mkdir(kd, 0755) == 0);
	snprintf(p, sizeof p, "%s/junk.pem", kd);
	f = fopen(p, "w");
	CHECK(f);
	fputs("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", f);
	fclose(f);
	CHECK(chmod(p, 0644) == 0);
	CHECK(keys_load_trusted(kd, getuid(), &s, msg, sizeof msg) == -EBADMSG);
	CHECK(strstr(msg, "junk.pem: not an X.509 certificate"));
	CHECK(s.n == 0);
	/* a missing folder trusts nobody, and is not an error */
	snprintf(p, sizeof p, "%s/none", unit_tmpdir());
	CHECK(keys_load_trusted(p, getuid(), &s, msg, sizeof msg) == 0 && s.n == 0);
}

TEST(verify_refusals_shape)
{
	static const unsigned char junk[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	struct keys_store s;
	struct modsig_result res;
	unsigned char *mod, *der;
	size_t n;
	const char *one[1];

	CHECK(setup(0) == 0);
	CHECK(store_of(&s, trusted) == 0);
	one[0] = trusted;
	detached = 0; /* content embedded: not what the kernel verifies */
	mod = forge(one, 1, EVP_sha256(), &n);
	detached = CMS_DETACHED;
	CHECK(mod);
	CHECK(modsig_verify(mod, n, &s, &res) == -EBADMSG);
	CHECK_STR(res.why, "signature is not detached (it embeds content)");
	free(mod);
	mod = append_sig(junk, sizeof junk, &n);
	CHECK(mod && modsig_verify(mod, n, &s, &res) == -EBADMSG);
	CHECK_STR(res.why, "signature is not a DER PKCS#7/CMS message");
	free(mod);
	/* a good signature with a byte after it, counted in sig_len */
	CHECK(sign_with(trusted, NULL, &mod, &n) == 0);
	size_t siglen = n - sizeof payload - MODSIG_INFO_LEN - MODSIG_MAGIC_LEN;
	der = malloc(siglen + 1);
	CHECK(der);
	memcpy(der, mod + sizeof payload, siglen);
	der[siglen] = 0;
	free(mod);
	mod = append_sig(der, siglen + 1, &n);
	free(der);
	CHECK(mod && modsig_verify(mod, n, &s, &res) == -EBADMSG);
	CHECK_STR(res.why, "signature has 1 extra byte(s) after the PKCS#7 message");
	free(mod);
	keys_store_free(&s);
}
