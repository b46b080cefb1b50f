#include "keys/verify.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "lib/modsig.h"

/*
 * What lies between the payload and the trailer (lib/modsig.h draws the
 * trailer): a DER ContentInfo as scripts/sign-file writes it.
 *
 *   ContentInfo { contentType signedData,
 *     SignedData { digestAlgorithms { sha256 },
 *                  encapContentInfo { data }        <- no content: detached
 *                  [certificates]                   <- absent (CMS_NOCERTS)
 *                  signerInfos { SignerInfo {
 *                      sid: issuer+serial | [0] subjectKeyIdentifier,
 *                      digestAlgorithm, [signedAttrs: absent], signatureAlgorithm,
 *                      signature } } } }
 *
 * The kernel checks the signature over the payload bytes directly (no signed
 * attributes), and so do we, against a certificate pinned in the keys folder.
 */

static int bad(struct modsig_result *res, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(struct modsig_result *res, int err, const char *fmt, ...)
{
	va_list ap;

	res->status = MODSIG_BAD;
	va_start(ap, fmt);
	vsnprintf(res->why, sizeof res->why, fmt, ap);
	va_end(ap);
	ERR_clear_error();
	return err;
}

/* SHA-256/384/512 only: MD5 and SHA-1 collisions are within reach, and a
 * signature over a colliding payload would approve the other one. */
static int check_digest_alg(CMS_SignerInfo *si, struct modsig_result *res)
{
	X509_ALGOR *dig = NULL, *sig = NULL;
	int nid;

	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	nid = dig ? OBJ_obj2nid(dig->algorithm) : NID_undef;
	snprintf(res->hash, sizeof res->hash, "%s", nid != NID_undef ? OBJ_nid2sn(nid) : "?");
	switch (nid) {
	case NID_sha256:
	case NID_sha384:
	case NID_sha512:
		return 0;
	case NID_md5:
	case NID_sha1:
		return bad(res, -EKEYREJECTED,
			   "signature uses %s, which is refused (collisions are cheap): "
			   "re-sign with SHA-256 (stap-authorize sign)",
			   nid == NID_md5 ? "MD5" : "SHA-1");
	default:
		return bad(res, -EKEYREJECTED,
			   "signature digest %s is not supported (SHA-256, SHA-384 or SHA-512)",
			   res->hash);
	}
}

/* The kernel's own rules: RSA of at least 2048 bits, ECDSA on P-256/P-384. */
static int check_key(const struct keys_cert *c, struct modsig_result *res)
{
	EVP_PKEY *k = X509_get0_pubkey(c->x509);
	char group[64] = "";
	size_t glen = 0;

	if (!k)
		return bad(res, -EKEYREJECTED, "%s: certificate has no usable public key", c->path);
	if (EVP_PKEY_is_a(k, "RSA")) {
		if (EVP_PKEY_get_bits(k) < 2048)
			return bad(res, -EKEYREJECTED,
				   "%s: RSA key of %d bits is too weak (2048 at least)", c->path,
				   EVP_PKEY_get_bits(k));
		return 0;
	}
	if (EVP_PKEY_is_a(k, "EC") &&
	    EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof group, &glen) &&
	    (!strcmp(group, "prime256v1") || !strcmp(group, "secp384r1")))
		return 0;
	return bad(res, -EKEYREJECTED, "%s: key type is not RSA or ECDSA P-256/P-384", c->path);
}

/* Describe who the SignerInfo says signed, for "untrusted signer" lines. */
static void signer_id(CMS_SignerInfo *si, char *out, size_t outlen)
{
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *sno = NULL;
	char name[160] = "?";

	if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &sno) != 1) {
		snprintf(out, outlen, "unknown signer");
		return;
	}
	if (keyid) {
		size_t n = (size_t)ASN1_STRING_length(keyid), o = 0;
		const unsigned char *d = ASN1_STRING_get0_data(keyid);
		o = (size_t)snprintf(out, outlen, "key id ");
		for (size_t i = 0; i < n && o + 3 < outlen; i++, o += 2)
			snprintf(out + o, outlen - o, "%02x", d[i]);
		return;
	}
	if (issuer)
		X509_NAME_oneline(issuer, name, sizeof name);
	BIGNUM *bn = sno ? ASN1_INTEGER_to_BN(sno, NULL) : NULL;
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	snprintf(out, outlen, "issuer %s serial %s", name, hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
}

static const struct keys_cert *find_signer(CMS_SignerInfo *si, const struct keys_store *store)
{
	for (size_t i = 0; i < store->n; i++)
		if (CMS_SignerInfo_cert_cmp(si, store->certs[i].x509) == 0)
			return &store->certs[i];
	return NULL;
}

/* Parse the DER and check its shape before any cryptography. */
static int parse_cms(const unsigned char *sig, size_t sig_len, CMS_ContentInfo **out,
		     CMS_SignerInfo **si_out, struct modsig_result *res)
{
	const unsigned char *p = sig;
	CMS_ContentInfo *cms;
	STACK_OF(CMS_SignerInfo) * sis;
	int n;

	*out = NULL;
	if (sig_len > (size_t)LONG_MAX)
		return bad(res, -EBADMSG, "signature is too large");
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)sig_len);
	if (!cms)
		return bad(res, -EBADMSG, "signature is not a DER PKCS#7/CMS message");
	*out = cms;
	if (p != sig + sig_len)
		return bad(res, -EBADMSG,
			   "signature has %zu extra byte(s) after the PKCS#7 message",
			   (size_t)(sig + sig_len - p));
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
		return bad(res, -EBADMSG, "signature is not PKCS#7 signedData");
	if (CMS_is_detached(cms) != 1)
		return bad(res, -EBADMSG, "signature is not detached (it embeds content)");
	sis = CMS_get0_SignerInfos(cms);
	n = sis ? sk_CMS_SignerInfo_num(sis) : 0;
	if (n != 1)
		return bad(res, -EBADMSG, "signature has %d signers; exactly one is allowed", n);
	*si_out = sk_CMS_SignerInfo_value(sis, 0);
	return 0;
}

/* The cryptographic check, against the one pinned certificate only:
 * CMS_NOINTERN ignores certificates carried in the message, and
 * CMS_NO_SIGNER_CERT_VERIFY skips chain trust, which pinning replaces.
 * The payload goes in through a null filter: CMS_verify copies a bare
 * memory BIO, and OpenSSL 3.0 leaks that copy when the message's digest
 * set cannot be set up (found by tests/fuzz/modsig_fuzz.c). */
static int check_signature(CMS_ContentInfo *cms, const void *payload, size_t len,
			   const struct keys_cert *c, struct modsig_result *res)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	BIO *mem = len <= INT_MAX ? BIO_new_mem_buf(payload, (int)len) : NULL;
	BIO *content = mem ? BIO_new(BIO_f_null()) : NULL;
	int ok = 0;

	if (content)
		BIO_push(content, mem);
	else
		BIO_free(mem);
	if (certs && content && sk_X509_push(certs, c->x509))
		ok = CMS_verify(cms, certs, NULL, content, NULL,
				CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1;
	sk_X509_free(certs);
	BIO_free_all(content);
	if (!ok)
		return bad(res, -EKEYREJECTED,
			   "signature does not match the module (payload or signature altered)");
	return 0;
}

int modsig_verify(const void *buf, size_t len, const struct keys_store *store,
		  struct modsig_result *res)
{
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si = NULL;
	const struct keys_cert *c = NULL;
	struct modsig ms;
	const char *why;
	char who[256];
	int r;

	memset(res, 0, sizeof *res);
	r = modsig_split(buf, len, &ms, &why);
	res->payload_len = ms.payload_len;
	if (digest_sha256(buf, ms.payload_len, res->payload_digest) < 0)
		return bad(res, -EIO, "cannot compute SHA-256 (OpenSSL)");
	if (r < 0)
		return bad(res, r, "%s", why);
	if (!ms.sig) {
		res->status = MODSIG_UNSIGNED;
		return 0;
	}
	r = parse_cms(ms.sig, ms.sig_len, &cms, &si, res);
	if (r == 0)
		r = check_digest_alg(si, res);
	if (r == 0 && !(c = find_signer(si, store))) {
		signer_id(si, who, sizeof who);
		r = bad(res, -ENOKEY, "signer (%s) is not a trusted key in the keys folder", who);
	}
	if (r == 0)
		r = check_key(c, res);
	if (r == 0)
		r = check_signature(cms, buf, ms.payload_len, c, res);
	CMS_ContentInfo_free(cms);
	if (r < 0)
		return r;
	res->status = MODSIG_VERIFIED;
	res->signer = c;
	memcpy(res->signer_fpr, c->fpr, DIGEST_LEN);
	snprintf(res->signer_cn, sizeof res->signer_cn, "%s", c->cn);
	return 0;
}
