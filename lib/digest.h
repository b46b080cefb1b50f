/* SHA-256 digests in the form users see: "sha256:" + 64 lowercase hex. */
#ifndef LIB_DIGEST_H
#define LIB_DIGEST_H

#include <stddef.h>

#define DIGEST_LEN 32
#define DIGEST_HEXLEN 64
#define DIGEST_STRLEN (7 + DIGEST_HEXLEN + 1) /* "sha256:" hex NUL */

/* Returns 0, or -EIO if OpenSSL fails. */
int digest_sha256(const void *buf, size_t len, unsigned char md[DIGEST_LEN]);
/* "sha256:<hex>" of buf into out. */
int digest_sha256_str(const void *buf, size_t len, char out[DIGEST_STRLEN]);
/* Lowercase hex of n bytes into out (2n+1 bytes). */
void digest_hex(const unsigned char *md, size_t n, char *out);
/* Parse exactly "sha256:" + 64 lowercase hex digits.  0 or -EINVAL. */
int digest_parse(const char *s, unsigned char md[DIGEST_LEN]);
/* n bytes from the first 2n lowercase hex digits of s.  0 or -EINVAL. */
int digest_unhex(const char *s, size_t n, unsigned char *out);

#endif
