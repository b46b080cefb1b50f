/* The kernel's appended module signature: split it from the payload. */
#ifndef LIB_MODSIG_H
#define LIB_MODSIG_H

#include <stddef.h>
#include <stdint.h>

#define MODSIG_MAGIC "~Module signature appended~\n"
#define MODSIG_MAGIC_LEN 28
#define MODSIG_INFO_LEN 12 /* sizeof(struct module_signature) */
#define MODSIG_ID_PKCS7 2

struct modsig {
	size_t payload_len;	  /* bytes the digest and signature cover */
	const unsigned char *sig; /* DER PKCS#7 inside the caller's buffer, or NULL */
	size_t sig_len;
};

/* Split buf into payload and signature.  An unsigned module gives sig NULL and
 * payload_len == len.  A trailer that is present but malformed gives
 * -EBADMSG with *why saying what is wrong; an id_type other than PKCS#7
 * gives -ENOPKG. */
int modsig_split(const void *buf, size_t len, struct modsig *out, const char **why);

/* Encode the trailer (struct module_signature + magic) for a signature of
 * sig_len bytes into out[MODSIG_INFO_LEN + MODSIG_MAGIC_LEN]. */
void modsig_trailer(size_t sig_len, unsigned char *out);

#endif
