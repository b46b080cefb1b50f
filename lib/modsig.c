#include "lib/modsig.h"

#include <errno.h>
#include <string.h>

/*
 * A signed module, as scripts/sign-file writes it and the kernel's
 * mod_check_sig() reads it:
 *
 *   +------------------+---------------------+-----------------+-----------+
 *   | payload          | PKCS#7 DER          | module_signature| magic     |
 *   | (the ELF module) | sig_len bytes       | 12 bytes        | 28 bytes  |
 *   +------------------+---------------------+-----------------+-----------+
 *
 *   struct module_signature {
 *           u8     algo;        0 for PKCS#7
 *           u8     hash;        0
 *           u8     id_type;     2 = PKEY_ID_PKCS7
 *           u8     signer_len;  0
 *           u8     key_id_len;  0
 *           u8     __pad[3];    0
 *           __be32 sig_len;     length of the PKCS#7 blob
 *   };
 *   magic: "~Module signature appended~\n"
 */

int modsig_split(const void *buf, size_t len, struct modsig *out, const char **why)
{
	const unsigned char *p = buf, *ms;
	size_t rest;
	uint32_t sig_len;

	out->payload_len = len;
	out->sig = NULL;
	out->sig_len = 0;
	*why = NULL;
	if (len < MODSIG_MAGIC_LEN ||
	    memcmp(p + len - MODSIG_MAGIC_LEN, MODSIG_MAGIC, MODSIG_MAGIC_LEN) != 0)
		return 0;
	rest = len - MODSIG_MAGIC_LEN;
	if (rest < MODSIG_INFO_LEN) {
		*why = "signature trailer is truncated";
		return -EBADMSG;
	}
	ms = p + rest - MODSIG_INFO_LEN;
	rest -= MODSIG_INFO_LEN;
	if (ms[2] != MODSIG_ID_PKCS7) {
		*why = "signature is not PKCS#7";
		return -ENOPKG;
	}
	if (ms[0] || ms[1] || ms[3] || ms[4] || ms[5] || ms[6] || ms[7]) {
		*why = "signature trailer has unexpected non-zero fields";
		return -EBADMSG;
	}
	sig_len = (uint32_t)ms[8] << 24 | (uint32_t)ms[9] << 16 | (uint32_t)ms[10] << 8 | ms[11];
	if (sig_len == 0) {
		*why = "signature is empty";
		return -EBADMSG;
	}
	if (sig_len >= rest) {
		*why = "signature length is larger than the file";
		return -EBADMSG;
	}
	out->payload_len = rest - sig_len;
	out->sig = p + out->payload_len;
	out->sig_len = sig_len;
	return 0;
}

void modsig_trailer(size_t sig_len, unsigned char *out)
{
	memset(out, 0, MODSIG_INFO_LEN);
	out[2] = MODSIG_ID_PKCS7;
	out[8] = (unsigned char)(sig_len >> 24);
	out[9] = (unsigned char)(sig_len >> 16);
	out[10] = (unsigned char)(sig_len >> 8);
	out[11] = (unsigned char)sig_len;
	memcpy(out + MODSIG_INFO_LEN, MODSIG_MAGIC, MODSIG_MAGIC_LEN);
}
