/* Reading staprun.auth's records back from the Linux audit trail (the raw
 * form auditd writes to audit.log and `ausearch --raw` prints), for
 * `stap-authorize log`.  One line:
 *
 *   [node=HOST ]type=TRUSTED_APP msg=audit(SEC.MSEC:SERIAL): pid=N uid=N
 *     auid=N ses=N [subj=CTX ]msg='op=stapauth-EVENT result=R acct=V
 *     module=V digest=V signer=V policy=V path=V reason=V exe=... res=...'
 *     [\x1dUID="alice" AUID="..."]          (log_format = ENRICHED)
 *
 * op= and result= are bare words ([a-z-]); any other
 * V is "text" (no space, quote or control byte inside), an even run of
 * upper-case hex digits (audit_encode_nv_string's form for anything else),
 * or ? (absent).  Every length is checked; a line that names
 * op=stapauth-... but breaks this form is malformed (-EBADMSG), any other
 * line is not ours (0).  The log is root's, written by the kernel from what
 * staprun.auth sent, but the values inside came from users: decoded bytes
 * are kept as bytes, and only the printers make them safe to show. */
#include "authorize/authorize.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/number.h"

/* The value of key in the space-separated fields of [s, end): a pointer to
 * its first byte and its length, or NULL.  Keys match whole words only. */
static const char *al_find(const char *s, const char *end, const char *key, size_t *len)
{
	size_t k = strlen(key);

	for (const char *p = s; p < end;) {
		const char *w = p;

		while (p < end && *p != ' ')
			p++;
		if ((size_t)(p - w) > k && !memcmp(w, key, k) && w[k] == '=') {
			*len = (size_t)(p - w) - k - 1;
			return w + k + 1;
		}
		while (p < end && *p == ' ')
			p++;
	}
	return NULL;
}

static int al_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one encoded value into out (NUL-terminated, outlen > 0). */
static int al_decode(const char *v, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	out[0] = '\0';
	if (n == 1 && v[0] == '?')
		return 0;
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		if (n - 2 >= outlen || memchr(v + 1, '"', n - 2))
			return -EBADMSG;
		memcpy(out, v + 1, n - 2);
		out[n - 2] = '\0';
		return 0;
	}
	if (n == 0 || n % 2 || n / 2 >= outlen)
		return -EBADMSG;
	for (i = 0; i < n; i += 2) {
		int hi = al_hexval(v[i]), lo = al_hexval(v[i + 1]);

		if (hi < 0 || lo < 0)
			return -EBADMSG;
		out[o++] = (char)(hi << 4 | lo);
	}
	out[o] = '\0';
	/* An embedded NUL would make the text mean less than the record. */
	return strlen(out) == o ? 0 : -EBADMSG;
}

/* One of our own bare words (op=, result=): [a-z-], 1..outlen-1 bytes. */
static int al_word(const char *s, const char *end, const char *key, char *out, size_t outlen)
{
	size_t n, i;
	const char *v = al_find(s, end, key, &n);

	if (!v || n == 0 || n >= outlen)
		return -EBADMSG;
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || v[i] == '-'))
			return -EBADMSG;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

static int al_text(const char *s, const char *end, const char *key, char *out, size_t outlen)
{
	size_t n;
	const char *v = al_find(s, end, key, &n);

	if (!v)
		return -EBADMSG;
	return al_decode(v, n, out, outlen);
}

/* A decimal field of the kernel's part; absent or bad: -EBADMSG. */
static int al_num(const char *s, const char *end, const char *key, long long max, long long *out)
{
	char buf[24];
	size_t n;
	const char *v = al_find(s, end, key, &n);

	if (!v || n == 0 || n >= sizeof buf)
		return -EBADMSG;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return number_parse(buf, 0, max, out) == 0 ? 0 : -EBADMSG;
}

/* A decimal number of [p, q) into *out: 0, or -1. */
static int al_digits(const char *p, const char *q, long long max, long long *out)
{
	char num[24];
	size_t n = (size_t)(q - p);

	if (n == 0 || n >= sizeof num)
		return -1;
	memcpy(num, p, n);
	num[n] = '\0';
	return number_parse(num, 0, max, out) == 0 ? 0 : -1;
}

/* "msg=audit(SEC.MSEC:SERIAL): " at p: the time and the event's serial
 * number, and where the body starts; NULL when malformed. */
static const char *al_stamp(const char *p, const char *end, long long *sec, long long *serial)
{
	static const char pre[] = "msg=audit(";
	const char *dot, *colon, *close;

	if ((size_t)(end - p) < sizeof pre - 1 || memcmp(p, pre, sizeof pre - 1))
		return NULL;
	p += sizeof pre - 1;
	dot = memchr(p, '.', (size_t)(end - p));
	colon = dot ? memchr(dot, ':', (size_t)(end - dot)) : NULL;
	close = colon ? memchr(colon, ')', (size_t)(end - colon)) : NULL;
	if (!close || end - close < 2 || close[1] != ':' ||
	    al_digits(p, dot, LLONG_MAX / 2, sec) < 0 ||
	    al_digits(colon + 1, close, LLONG_MAX / 2, serial) < 0)
		return NULL;
	return close + 2;
}

/* After an optional "node=NAME ": the line if it starts with type, else NULL. */
static const char *al_type(const char *line, const char *end, const char *type)
{
	const char *p = line;
	size_t n = strlen(type);

	if (end - p > 5 && !memcmp(p, "node=", 5)) {
		p = memchr(p, ' ', (size_t)(end - p));
		if (!p)
			return NULL;
		p++;
	}
	if ((size_t)(end - p) < n || memcmp(p, type, n))
		return NULL;
	return p + n;
}

int az_audit_parse_kernel(const char *line, size_t len, struct az_audit_kern *k)
{
	const char *end = line + len, *p, *t;
	long long v;
	size_t n;

	memset(k, 0, sizeof *k);
	t = memchr(line, 0x1d, len); /* the enriched tail is auditd's */
	if (t)
		end = t;
	while (end > line && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	if ((p = al_type(line, end, "type=KERN_MODULE "))) {
		k->kind = AZ_KERN_MODULE;
		p = al_stamp(p, end, &k->sec, &k->serial);
		if (!p || al_text(p, end, "name", k->name, sizeof k->name) < 0 || !k->name[0])
			return -EBADMSG;
		return 1;
	}
	if ((p = al_type(line, end, "type=SYSCALL "))) {
		const char *ok;

		k->kind = AZ_KERN_SYSCALL;
		p = al_stamp(p, end, &k->sec, &k->serial);
		if (!p || al_num(p, end, "pid", INT_MAX, &v) < 0)
			return -EBADMSG;
		k->pid = (int)v;
		ok = al_find(p, end, "success", &n);
		k->success = ok && n == 3 && !memcmp(ok, "yes", 3);
		return 1;
	}
	return 0;
}

int az_audit_parse_line(const char *line, size_t len, struct az_audit_rec *r)
{
	const char *end = line + len, *p, *m, *mend;
	long long v, serial;
	char op[32];

	memset(r, 0, sizeof *r);
	r->auid = -1;
	p = al_type(line, end, "type=TRUSTED_APP ");
	if (!p)
		return 0;
	/* the enriched tail (after 0x1d) is auditd's, not the record's */
	m = memchr(p, 0x1d, (size_t)(end - p));
	if (m)
		end = m;
	m = memmem(p, (size_t)(end - p), " msg='", 6);
	if (!m)
		return 0;
	m += 6;
	mend = end;
	while (mend > m && (mend[-1] == '\n' || mend[-1] == ' '))
		mend--;
	if (mend == m || mend[-1] != '\'')
		return 0;
	mend--;
	if (al_word(m, mend, "op", op, sizeof op) < 0 || strncmp(op, "stapauth-", 9) != 0)
		return 0;
	/* From here on it claims to be ours: every part must be right. */
	snprintf(r->op, sizeof r->op, "%s", op + 9);
	p = al_stamp(p, end, &r->sec, &serial);
	if (!p)
		return -EBADMSG;
	if (al_num(p, m, "pid", INT_MAX, &v) < 0)
		return -EBADMSG;
	r->pid = (int)v;
	if (al_num(p, m, "uid", UINT_MAX, &v) < 0)
		return -EBADMSG;
	r->uid = (long long)v;
	if (al_num(p, m, "auid", UINT_MAX, &v) == 0 && v != UINT_MAX)
		r->auid = v;
	if (al_word(m, mend, "result", r->result, sizeof r->result) < 0 ||
	    al_text(m, mend, "acct", r->acct, sizeof r->acct) < 0 ||
	    al_text(m, mend, "module", r->module, sizeof r->module) < 0 ||
	    al_text(m, mend, "digest", r->digest, sizeof r->digest) < 0 ||
	    al_text(m, mend, "signer", r->signer, sizeof r->signer) < 0 ||
	    al_text(m, mend, "policy", r->policy, sizeof r->policy) < 0 ||
	    al_text(m, mend, "path", r->path, sizeof r->path) < 0 ||
	    al_text(m, mend, "reason", r->reason, sizeof r->reason) < 0)
		return -EBADMSG;
	if (!r->op[0] || !r->result[0])
		return -EBADMSG;
	return 1;
}
