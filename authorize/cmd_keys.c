/* keygen, trust, sign: the signing keys and the keys folder. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "keys/sign.h"
#include "keys/verify.h"
#include "authorize/authorize.h"
#include "lib/modsig.h"
#include "lib/number.h"
#include "lib/readfile.h"

int az_cmd_keygen(struct az *az)
{
	char cn[256], host[128] = "localhost", msg[4200], path[PATH_MAX];
	struct keys_cert c;
	long long days = 3650;
	char hex[DIGEST_HEXLEN + 1];

	if (!az->out)
		return az_err(az, "--out DIR is required");
	if (az->days && number_parse(az->days, 1, 36500, &days) < 0)
		return az_err(az, "--days: a number of days from 1 to 36500");
	gethostname(host, sizeof host - 1);
	snprintf(cn, sizeof cn, "%s", az->cn ? az->cn : "");
	if (!az->cn)
		snprintf(cn, sizeof cn, "stapauth module signing key (%s)", host);
	if (mkdir(az->out, 0700) < 0 && errno != EEXIST)
		return az_err(az, "%s: %s", az->out, strerror(errno));
	if (keys_keygen(az->out, cn, az->rsa, (int)days, msg, sizeof msg) < 0)
		return az_err(az, "%s", msg);
	snprintf(path, sizeof path, "%s/signing_cert.der", az->out);
	if (keys_cert_load(path, &c, msg, sizeof msg) < 0)
		return az_err(az, "%s", msg);
	digest_hex(c.fpr, DIGEST_LEN, hex);
	keys_cert_free(&c);
	printf("private key: %s/signing_key.pem (%s, mode 0600: keep it secret)\n", az->out,
	       az->rsa ? "RSA 3072" : "ECDSA P-256");
	printf("certificate: %s/signing_cert.pem and .der (\"%s\", %lld days)\n", az->out, cn,
	       days);
	printf("signer:sha256:%s\n", hex);
	printf("next: stap-authorize trust %s/signing_cert.pem; "
	       "for Secure Boot: mokutil --import %s/signing_cert.der\n",
	       az->out, az->out);
	return 0;
}

int az_cert_pem(const struct keys_cert *c, char **pem, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data = NULL;
	long n = 0;

	*pem = NULL;
	if (b && PEM_write_bio_X509(b, c->x509))
		n = BIO_get_mem_data(b, &data);
	if (n > 0 && (*pem = malloc((size_t)n)))
		memcpy(*pem, data, (size_t)n);
	*len = *pem ? (size_t)n : 0;
	BIO_free(b);
	return *pem ? 0 : -EIO;
}

/* The certificate named by arg, or read from stdin for "-" (how a fleet
 * push hands it over: stap-authorize -w NODES trust). */
int az_cert_load(const struct az *az, const char *arg, struct keys_cert *c)
{
	char msg[4200];
	unsigned char *buf;
	size_t len;
	int r;

	if (strcmp(arg, "-") != 0)
		r = keys_cert_load(arg, c, msg, sizeof msg);
	else if ((r = readfile_stream(0, 1u << 20, &buf, &len)) < 0)
		snprintf(msg, sizeof msg, "standard input: %s", readfile_strerror(r));
	else {
		r = keys_cert_parse(buf, len, "standard input", c, msg, sizeof msg);
		free(buf);
	}
	if (r < 0)
		az_err(az, "%s", msg);
	return r;
}

/* Copy the certificate (as PEM) into the keys folder under a name made of
 * its fingerprint, so trusting the same cert twice is harmless. */
int az_cmd_trust(struct az *az)
{
	char msg[4200], path[PATH_MAX], hex[DIGEST_HEXLEN + 1];
	struct keys_cert c;
	struct stat st;
	char *pem = NULL;
	size_t n;
	int r;

	if (az_cert_load(az, az->pos[0], &c) < 0)
		return 2;
	digest_hex(c.fpr, DIGEST_LEN, hex);
	if (stat(az->keys, &st) < 0 && errno == ENOENT && mkdir(az->keys, 0755) < 0) {
		keys_cert_free(&c);
		return az_err(az, "%s: %s", az->keys, strerror(errno));
	}
	if ((r = keys_check_dir(az->keys, az->keys_owner, msg, sizeof msg)) < 0) {
		keys_cert_free(&c);
		return az_err(az, "refusing to add to an unsafe keys folder: %s", msg);
	}
	snprintf(path, sizeof path, "%s/stapauth-%.16s.pem", az->keys, hex);
	if (az_cert_pem(&c, &pem, &n) == 0) {
		r = az_write_atomic(az, path, pem, n, 0644);
	} else {
		az_err(az, "cannot encode the certificate");
		r = -EIO;
	}
	free(pem);
	if (r == 0) {
		fprintf(stderr,
			"trusted \"%s\" as %s; approve what it signs with:\n"
			"  stap-authorize bless signer:sha256:%s [--users ...]\n",
			c.cn, path, hex);
		printf("signer:sha256:%s\n", hex);
	}
	keys_cert_free(&c);
	return r < 0 ? 1 : 0;
}

int az_cmd_sign(struct az *az)
{
	const char *out = az->out ? az->out : az->pos[0];
	unsigned char *mod, *signed_mod;
	char msg[4200], hex[DIGEST_HEXLEN + 1];
	size_t len, slen;
	int r;

	if (!az->key || !az->cert)
		return az_err(az, "--key KEY.pem and --cert CERT are required");
	if (az_read_module(az, az->pos[0], &mod, &len) < 0)
		return 2;
	r = keys_sign_module(mod, len, az->key, az->cert, az->hash, &signed_mod, &slen, msg,
			     sizeof msg);
	free(mod);
	if (r < 0)
		return az_err(az, "%s: %s", az->pos[0], msg);
	r = az_write_atomic(az, out, signed_mod, slen, 0644);
	if (r == 0) {
		unsigned char md[DIGEST_LEN];
		struct modsig ms;
		const char *why;
		modsig_split(signed_mod, slen, &ms, &why);
		digest_sha256(signed_mod, ms.payload_len, md);
		digest_hex(md, DIGEST_LEN, hex);
		printf("signed %s (%s): payload sha256:%s\n", out, az->hash ? az->hash : "sha256",
		       hex);
	}
	free(signed_mod);
	return r < 0 ? 1 : 0;
}
