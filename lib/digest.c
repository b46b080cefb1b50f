#include "lib/digest.h"

#include <errno.h>
#include <string.h>

/* The SHA-256 primitive itself, not EVP: in OpenSSL 3, EVP_Digest (and the
 * SHA256() one-shot) initialise the library context, load openssl.cnf and
 * fetch the default provider's implementation: most of the cost of a
 * digest in a short process (issue 17), and a configuration file parsed by
 * the setuid staprun.auth for nothing.  Same code, same CPU dispatch
 * (SHA-NI, AVX2) underneath. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

int digest_sha256(const void *buf, size_t len, unsigned char md[DIGEST_LEN])
{
	SHA256_CTX ctx;

	if (!SHA256_Init(&ctx) || !SHA256_Update(&ctx, buf, len) || !SHA256_Final(md, &ctx))
		return -EIO;
	return 0;
}

void digest_hex(const unsigned char *md, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * n] = '\0';
}

int digest_sha256_str(const void *buf, size_t len, char out[DIGEST_STRLEN])
{
	unsigned char md[DIGEST_LEN];
	int r = digest_sha256(buf, len, md);

	if (r < 0)
		return r;
	memcpy(out, "sha256:", 7);
	digest_hex(md, DIGEST_LEN, out + 7);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int digest_parse(const char *s, unsigned char md[DIGEST_LEN])
{
	if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + DIGEST_HEXLEN)
		return -EINVAL;
	s += 7;
	for (int i = 0; i < DIGEST_LEN; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		md[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int digest_unhex(const char *s, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
