#include "lib/digest.h"

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

int digest_sha256(const void *buf, size_t len, unsigned char md[DIGEST_LEN])
{
	unsigned int n = 0;

	if (!EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL) || n != DIGEST_LEN)
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
