/*
 * Verifying a kernel-format module signature against the pinned
 * certificates of /etc/systemtap/keys/ (OpenSSL CMS).  Linked by the setuid
 * staprun.auth: no global state, every result in the caller's structs.
 */
#ifndef KEYS_VERIFY_H
#define KEYS_VERIFY_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/digest.h"

typedef struct x509_st X509;

struct keys_cert {
	X509 *x509;
	unsigned char fpr[DIGEST_LEN]; /* SHA-256 of the certificate's DER */
	char *cn;		       /* subject CN, or "" */
	char *path;		       /* file it came from */
};

struct keys_store {
	struct keys_cert *certs;
	size_t n, cap;
};

/*
 * Load every *.pem, *.crt (PEM) and *.der (DER) certificate in dir, after
 * checking dir, its parents and each file with keys_check_dir (owner: 0 in
 * production, the caller's uid for rehearsals and tests).  Any unreadable
 * or malformed certificate refuses the whole store (fail closed).  A
 * missing dir gives an empty store and 0.  Returns 0 or -errno with one
 * line in msg.  Free with keys_store_free in every case.
 */
int keys_load_trusted(const char *dir, uid_t owner, struct keys_store *store, char *msg,
		      size_t msglen);
void keys_store_free(struct keys_store *store);
/* The pinned certificate with this fingerprint, or NULL. */
const struct keys_cert *keys_store_find(const struct keys_store *store,
					const unsigned char fpr[DIGEST_LEN]);

/* Read one certificate file (PEM or DER), for stap-authorize trust/verify. */
int keys_cert_load(const char *path, struct keys_cert *c, char *msg, size_t msglen);
/* The same from bytes in memory (a certificate read from a pipe); name is
 * what messages and c->path call it. */
int keys_cert_parse(const unsigned char *buf, size_t len, const char *name, struct keys_cert *c,
		    char *msg, size_t msglen);
void keys_cert_free(struct keys_cert *c);

enum modsig_status {
	MODSIG_VERIFIED = 0, /* signed by exactly one pinned certificate */
	MODSIG_UNSIGNED,     /* no trailer: only a sha256: line can approve it */
	MODSIG_BAD,	     /* malformed or failing signature, or untrusted signer */
};

struct modsig_result {
	enum modsig_status status;
	size_t payload_len;
	unsigned char payload_digest[DIGEST_LEN]; /* always set (unless OpenSSL failed) */
	const struct keys_cert *signer;		  /* into the store, when VERIFIED */
	unsigned char signer_fpr[DIGEST_LEN];	  /* when VERIFIED */
	char signer_cn[256];			  /* when VERIFIED */
	char hash[16]; /* digest of the CMS signer ("sha256"), when known */
	char why[256]; /* one line when BAD */
};

/*
 * Verify buf (a whole module) with lib/modsig.h's modsig_split and OpenSSL
 * CMS: detached signature over the payload, exactly one SignerInfo, its
 * digest SHA-256/384/512 (MD5 and SHA-1 refused), the signer one of the
 * pinned certificates, matched by issuer+serial or subjectKeyIdentifier
 * against the store (never by chain trust; certificates embedded in the CMS
 * are ignored).  Returns 0 when VERIFIED or UNSIGNED (see res->status), or
 * -EBADMSG / -EKEYREJECTED / -ENOKEY / -ENOPKG / -EIO with res->why.
 */
int modsig_verify(const void *buf, size_t len, const struct keys_store *store,
		  struct modsig_result *res);

/*
 * Ownership/mode checks shared with policy/: path (a regular file, or a
 * directory when want_dir) owned by owner and not group/world-writable,
 * every parent up to / owned by root or owner and not group/world-writable
 * (root-owned sticky dirs such as /tmp accepted).  keys_check_dir checks
 * dir that way and then every entry in it (regular files only).
 * 0 or -errno with one line in msg.
 */
int keys_check_path(const char *path, uid_t owner, int want_dir, char *msg, size_t msglen);
int keys_check_dir(const char *dir, uid_t owner, char *msg, size_t msglen);

#endif
