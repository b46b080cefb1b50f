#include "keys/verify.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/array.h"
#include "lib/readfile.h"

#define KEYS_CERT_MAX (1u << 20)

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n > m && strcmp(s + n - m, suf) == 0;
}

/* PEM when the bytes look like PEM, DER otherwise: the extension is a hint
 * people get wrong (Debian's .crt files are PEM, MOK exports are DER). */
static X509 *cert_parse(const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf;
	X509 *x = NULL;

	if (len > 10 && memmem(buf, len, "-----BEGIN", 10)) {
		BIO *b = BIO_new_mem_buf(buf, (int)len);
		if (b)
			x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
		return x;
	}
	x = d2i_X509(NULL, &p, (long)len);
	if (x && p != buf + len) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

static int cert_fill(struct keys_cert *c, X509 *x, const char *path)
{
	unsigned int n = 0;
	char cn[256] = "";
	X509_NAME *name = X509_get_subject_name(x);

	c->x509 = x;
	if (!X509_digest(x, EVP_sha256(), c->fpr, &n) || n != DIGEST_LEN)
		return -EIO;
	if (name && X509_NAME_get_text_by_NID(name, NID_commonName, cn, sizeof cn) < 0)
		cn[0] = '\0';
	c->cn = strdup(cn);
	c->path = strdup(path);
	return c->cn && c->path ? 0 : -ENOMEM;
}

int keys_cert_parse(const unsigned char *buf, size_t len, const char *name, struct keys_cert *c,
		    char *msg, size_t msglen)
{
	X509 *x = cert_parse(buf, len);
	int r;

	memset(c, 0, sizeof *c);
	if (!x) {
		snprintf(msg, msglen, "%s: not an X.509 certificate (PEM or DER)", name);
		return -EBADMSG;
	}
	r = cert_fill(c, x, name);
	if (r < 0)
		snprintf(msg, msglen, "%s: %s", name, strerror(-r));
	return r;
}

int keys_cert_load(const char *path, struct keys_cert *c, char *msg, size_t msglen)
{
	unsigned char *buf;
	size_t len;
	int r;

	memset(c, 0, sizeof *c);
	r = readfile_path(path, KEYS_CERT_MAX, &buf, &len);
	if (r < 0) {
		snprintf(msg, msglen, "%s: %s", path, readfile_strerror(r));
		return r;
	}
	r = keys_cert_parse(buf, len, path, c, msg, msglen);
	free(buf);
	return r;
}

void keys_cert_free(struct keys_cert *c)
{
	X509_free(c->x509);
	free(c->cn);
	free(c->path);
	memset(c, 0, sizeof *c);
}

static int store_add(struct keys_store *s, const char *path, char *msg, size_t msglen)
{
	struct keys_cert c;
	int r = keys_cert_load(path, &c, msg, msglen);

	if (r < 0) {
		keys_cert_free(&c);
		return r;
	}
	if (keys_store_find(s, c.fpr)) { /* the same cert twice: harmless */
		keys_cert_free(&c);
		return 0;
	}
	if (array_grow(&s->certs, &s->cap, s->n, sizeof *s->certs, 4) < 0) {
		keys_cert_free(&c);
		snprintf(msg, msglen, "%s: out of memory", path);
		return -ENOMEM;
	}
	s->certs[s->n++] = c;
	return 0;
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int keys_load_trusted(const char *dir, uid_t owner, struct keys_store *store, char *msg,
		      size_t msglen)
{
	struct dirent **names = NULL;
	char path[PATH_MAX];
	int n, r;

	store->certs = NULL;
	store->n = store->cap = 0;
	r = keys_check_dir(dir, owner, msg, msglen);
	if (r == -ENOENT && access(dir, F_OK) < 0 && errno == ENOENT)
		return 0; /* no keys folder: no signer is trusted */
	if (r < 0)
		return r;
	n = scandir(dir, &names, NULL, name_cmp);
	if (n < 0) {
		r = -errno;
		snprintf(msg, msglen, "%s: %s", dir, strerror(-r));
		return r;
	}
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		if (r == 0 &&
		    (has_suffix(nm, ".pem") || has_suffix(nm, ".crt") || has_suffix(nm, ".der"))) {
			snprintf(path, sizeof path, "%s/%s", dir, nm);
			r = store_add(store, path, msg, msglen);
		}
		free(names[i]);
	}
	free(names);
	if (r < 0)
		keys_store_free(store);
	return r;
}

void keys_store_free(struct keys_store *store)
{
	for (size_t i = 0; i < store->n; i++)
		keys_cert_free(&store->certs[i]);
	free(store->certs);
	store->certs = NULL;
	store->n = store->cap = 0;
}

const struct keys_cert *keys_store_find(const struct keys_store *store,
					const unsigned char fpr[DIGEST_LEN])
{
	for (size_t i = 0; i < store->n; i++)
		if (memcmp(store->certs[i].fpr, fpr, DIGEST_LEN) == 0)
			return &store->certs[i];
	return NULL;
}
