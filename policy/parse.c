#include "policy/policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "lib/number.h"
#include "lib/readfile.h"

/* One line being parsed: where it is, and the rule it builds. */
struct line_ctx {
	const char *name;
	unsigned line;
	struct policy_errors *errors;
	int failed;
	unsigned seen; /* bit per option, to refuse duplicates */
	struct policy *policy;
};

enum { OPT_USERS = 1, OPT_GROUPS = 2, OPT_EXPIRES = 4, OPT_PARAMS = 8, OPT_PROGRAM = 16 };

void policy_errors_free(struct policy_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->msg[i]);
	free(e->msg);
	e->msg = NULL;
	e->n = e->cap = 0;
}

static void errors_add(struct policy_errors *e, char *m)
{
	if (!m)
		return;
	if (array_grow(&e->msg, &e->cap, e->n, sizeof *e->msg, 8) < 0) {
		free(m);
		return;
	}
	e->msg[e->n++] = m;
}

static void lerr(struct line_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void lerr(struct line_ctx *c, const char *fmt, ...)
{
	char buf[512], *m = NULL;
	va_list ap;

	c->failed = 1;
	if (c->errors->n > POLICY_MAX_ERRORS)
		return;
	if (c->errors->n == POLICY_MAX_ERRORS) {
		if (asprintf(&m, "%s: too many errors; stopped counting", c->name) < 0)
			m = NULL;
		errors_add(c->errors, m);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (asprintf(&m, "%s:%u: %s", c->name, c->line, buf) < 0)
		m = NULL;
	errors_add(c->errors, m);
}

/* Character classes by table: the parser's inner loops run over every
 * byte of files with 100,000 lines. */
enum { C_SPACE = 1, C_NAME = 2, C_IDENT = 4, C_IDSTART = 8 };
#define C_LETTER (C_NAME | C_IDENT | C_IDSTART)
#define C_DIGIT (C_NAME | C_IDENT)
/* clang-format off */
#define RANGE(a, b, v) [a ... b] = v
static const unsigned char cls[256] = {
	[' '] = C_SPACE, ['\t'] = C_SPACE, ['\r'] = C_SPACE,
	RANGE('a', 'z', C_LETTER), RANGE('A', 'Z', C_LETTER), RANGE('0', '9', C_DIGIT),
	['_'] = C_LETTER, ['.'] = C_NAME, ['-'] = C_NAME,
};
/* clang-format on */

static int is_space(char ch)
{
	return cls[(unsigned char)ch] & C_SPACE;
}

/* Printable form of a token for messages: at most 40 bytes, no controls. */
static const char *shown(const char *s, char *buf, size_t n)
{
	size_t i = 0;

	for (; s[i] && i + 4 < n && i < 40; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i] && i + 4 <= n) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* User and group names as shadow-utils accepts them (plus a trailing $ for
 * Samba machine accounts); never starting with '-'. */
static int valid_name(const char *s)
{
	size_t i = 0;

	if (s[0] == '-')
		return 0;
	while (cls[(unsigned char)s[i]] & C_NAME)
		i++;
	if (s[i] == '$')
		i++;
	return i > 0 && i <= 256 && s[i] == '\0';
}

static int valid_ident(const char *s)
{
	if (!(cls[(unsigned char)*s] & C_IDSTART))
		return 0;
	while (cls[(unsigned char)*s] & C_IDENT)
		s++;
	return *s == '\0';
}

/* Name lists live in a few large chunks freed with the policy: a malloc
 * per list would be most of the cost of a 100,000-line file. */
struct arena {
	struct arena *next;
	size_t used, cap;
	_Alignas(void *) char mem[];
};

static inline void *arena_alloc(struct policy *p, size_t n)
{
	struct arena *a = p->arena;

	n = (n + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
	if (!a || a->cap - a->used < n) {
		size_t cap = n > 65536 ? n : 65536;
		a = malloc(sizeof *a + cap);
		if (!a)
			return NULL;
		a->next = p->arena;
		a->used = 0;
		a->cap = cap;
		p->arena = a;
	}
	a->used += n;
	return a->mem + a->used - n;
}

static void arena_free(struct policy *p)
{
	for (struct arena *a = p->arena, *next; a; a = next) {
		next = a->next;
		free(a);
	}
	p->arena = NULL;
}

/* Split v (in the line's scratch copy) on ',' into an array of names,
 * both in the arena.  Empty items are an error. */
static int split_list(struct line_ctx *c, const char *opt, char *v, char ***out, size_t *n)
{
	size_t len = strlen(v), count = 1, i = 0;
	char *copy = arena_alloc(c->policy, len + 1), *q;

	for (q = v; (q = memchr(q, ',', len - (size_t)(q - v))); q++)
		count++;
	*out = arena_alloc(c->policy, count * sizeof **out);
	if (!copy || !*out) {
		lerr(c, "out of memory");
		return -1;
	}
	memcpy(copy, v, len + 1);
	for (char *p = copy;;) {
		char *comma = memchr(p, ',', len - (size_t)(p - copy));
		if (comma)
			*comma = '\0';
		if (!*p) {
			lerr(c, "empty name in %s=", opt);
			return -1;
		}
		(*out)[i++] = p;
		if (!comma)
			break;
		p = comma + 1;
	}
	*n = i;
	return 0;
}

static void opt_names(struct line_ctx *c, const char *opt, char *v, char ***list, size_t *n)
{
	char sh[64];

	if (split_list(c, opt, v, list, n) < 0)
		return;
	for (size_t i = 0; i < *n; i++)
		if (!valid_name((*list)[i])) {
			lerr(c, "bad %s name '%s' in %s=", opt[0] == 'u' ? "user" : "group",
			     shown((*list)[i], sh, sizeof sh), opt);
			return;
		}
}

static void opt_params(struct line_ctx *c, char *v, struct policy_rule *r)
{
	char sh[64];

	if (strcmp(v, "*") == 0) {
		r->params_all = 1;
		return;
	}
	if (split_list(c, "params", v, &r->params, &r->nparams) < 0)
		return;
	for (size_t i = 0; i < r->nparams; i++) {
		const char *p = r->params[i];
		if (strcmp(p, "*") == 0) {
			lerr(c, "params=* stands alone (it means every script global)");
			return;
		}
		if (!valid_ident(p)) {
			lerr(c, "bad parameter name '%s' in params=", shown(p, sh, sizeof sh));
			return;
		}
		if (strncmp(p, "_stp_", 5) == 0) {
			lerr(c, "params=%s: _stp_ parameters are internal and never user-settable",
			     shown(p, sh, sizeof sh));
			return;
		}
	}
}

static int parse_digest(const char *s, unsigned char md[DIGEST_LEN]);

/* program=sha256:HEX: the canonical program the module was built from (a
 * record for people: the decision never reads it). */
static void opt_program(struct line_ctx *c, char *v, struct policy_rule *r)
{
	char sh[64];

	if (r->kind != POLICY_DIGEST)
		lerr(c, "program= belongs on a sha256: line (one module, one program)");
	else if (parse_digest(v, r->program) < 0)
		lerr(c, "bad digest '%s' in program=: want sha256: and 64 lowercase hex digits",
		     shown(v, sh, sizeof sh));
	else
		r->has_program = 1;
}

/* Which option tok (up to '=' or its end) names, or 0. */
static unsigned option_bit(const char *tok, size_t n)
{
	switch (n) {
	case 5:
		return memcmp(tok, "users", 5) ? 0 : OPT_USERS;
	case 6:
		return !memcmp(tok, "groups", 6)   ? OPT_GROUPS
		       : !memcmp(tok, "params", 6) ? OPT_PARAMS
						   : 0;
	case 7:
		return !memcmp(tok, "expires", 7)   ? OPT_EXPIRES
		       : !memcmp(tok, "program", 7) ? OPT_PROGRAM
						    : 0;
	}
	return 0;
}

static void parse_option(struct line_ctx *c, char *tok, struct policy_rule *r)
{
	char *eq = strchr(tok, '='), sh[64];
	unsigned bit = option_bit(tok, eq ? (size_t)(eq - tok) : strlen(tok));

	if (eq)
		*eq = '\0';
	if (!bit) {
		lerr(c, "unknown option '%s' (users=, groups=, expires=, params=, program=)",
		     shown(tok, sh, sizeof sh));
		return;
	}
	if (!eq || !eq[1]) {
		lerr(c, "option %s needs a value (%s=...)", tok, tok);
		return;
	}
	if (c->seen & bit) {
		lerr(c, "duplicate option %s=", tok);
		return;
	}
	c->seen |= bit;
	char *v = eq + 1;
	if (bit == OPT_USERS)
		opt_names(c, "users", v, &r->users, &r->nusers);
	else if (bit == OPT_GROUPS)
		opt_names(c, "groups", v, &r->groups, &r->ngroups);
	else if (bit == OPT_PARAMS)
		opt_params(c, v, r);
	else if (bit == OPT_PROGRAM)
		opt_program(c, v, r);
	else if (policy_parse_time(v, &r->expires) < 0)
		lerr(c, "bad date '%s' in expires= (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC)",
		     shown(v, sh, sizeof sh));
	else
		r->has_expires = 1;
}

/* "sha256:" + exactly 64 lowercase hex digits, 16 at a time with SSE2 (a
 * table without a branch per digit elsewhere): digit by digit, this was a
 * third of the time of a 100,000-line file. */
#define X16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
#ifndef __SSE2__
/* clang-format off */
static const unsigned char hexv[256] = {
	X16(0xff), X16(0xff), X16(0xff),
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* '0'.. */
	X16(0xff), X16(0xff),
	0xff, 10, 11, 12, 13, 14, 15, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* 'a'.. */
	X16(0xff), X16(0xff), X16(0xff), X16(0xff), X16(0xff), X16(0xff), X16(0xff), X16(0xff),
	X16(0xff), /* 0x70..0xff */
};
/* clang-format on */
#endif

#ifdef __SSE2__
#include <emmintrin.h>

/* 16 hex digits to 8 bytes; returns 0 when all were '0'-'9' or 'a'-'f'. */
static int hex16(const unsigned char *h, unsigned char *out)
{
	__m128i x = _mm_loadu_si128((const __m128i *)h);
	__m128i dig = _mm_sub_epi8(x, _mm_set1_epi8('0'));
	__m128i let = _mm_sub_epi8(x, _mm_set1_epi8('a' - 10));
	/* signed compares: bytes >= 0x80 are negative and fail both ranges */
	__m128i is_dig = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
				       _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
	__m128i is_let = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('a' - 1)),
				       _mm_cmplt_epi8(x, _mm_set1_epi8('f' + 1)));
	__m128i v = _mm_or_si128(_mm_and_si128(is_dig, dig), _mm_and_si128(is_let, let));
	unsigned char b[16];

	if (_mm_movemask_epi8(_mm_or_si128(is_dig, is_let)) != 0xffff)
		return -1;
	/* pairs: high nibble in the even byte, low nibble in the odd one */
	v = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(v, _mm_set1_epi16(0xff)), 4),
			 _mm_srli_epi16(v, 8));
	v = _mm_packus_epi16(v, v);
	_mm_storel_epi64((__m128i *)b, v);
	memcpy(out, b, 8);
	return 0;
}
#endif

static int parse_digest(const char *s, unsigned char md[DIGEST_LEN])
{
	const unsigned char *h = (const unsigned char *)s + 7;

	if (s[0] != 's' || strncmp(s, "sha256:", 7) != 0 || strnlen((const char *)h, 65) != 64)
		return -1;
#ifdef __SSE2__
	for (int i = 0; i < 4; i++)
		if (hex16(h + 16 * i, md + 8 * i) < 0)
			return -1;
	return 0;
#else
	unsigned bad = 0;
	for (int i = 0; i < DIGEST_LEN; i++) {
		unsigned hi = hexv[h[2 * i]], lo = hexv[h[2 * i + 1]];
		bad |= hi | lo;
		md[i] = (unsigned char)(hi << 4 | lo);
	}
	return bad & 0xf0 ? -1 : 0;
#endif
}

/* The first word: what kind of line this is and which digest it names. */
static int parse_head(struct line_ctx *c, const char *tok, struct policy_rule *r)
{
	const char *hex = tok;
	char sh[64];

	/* by first letter: this runs once per line of large files */
	if (tok[0] == 's' && !strncmp(tok, "sha256:", 7)) {
		r->kind = POLICY_DIGEST;
	} else if (tok[0] == 's' && !strncmp(tok, "signer:", 7)) {
		r->kind = POLICY_SIGNER;
		hex = tok + 7;
	} else if (tok[0] == 'r' && !strncmp(tok, "revoke:", 7)) {
		r->kind = POLICY_REVOKE;
		hex = tok + 7;
	} else if (!strncmp(tok, "md5:", 4)) {
		lerr(c, "md5: entries are refused: MD5 collisions are cheap and this file grants "
			"root actions; re-bless the module with `stap-authorize bless MOD.ko` "
			"(a sha256: line)");
		return -1;
	} else {
		lerr(c, "unknown entry '%s' (sha256:, signer:sha256: or revoke:sha256:)",
		     shown(tok, sh, sizeof sh));
		return -1;
	}
	if (parse_digest(hex, r->digest) < 0) {
		lerr(c, "bad digest '%s': want sha256: and 64 lowercase hex digits",
		     shown(hex, sh, sizeof sh));
		return -1;
	}
	return 0;
}

/* "limits: per-user=N total=N": N in 1..POLICY_MAX_LOADS; once per file. */
static int limit_value(const char *v, unsigned *out)
{
	long long n;

	if (number_parse(v, 1, POLICY_MAX_LOADS, &n) < 0)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static void parse_limits(struct line_ctx *c, char *work)
{
	struct policy *p = c->policy;
	char *save = NULL, *tok, sh[64];

	if (p->limits_line) {
		lerr(c, "a second limits: line (the first is line %u)", p->limits_line);
		return;
	}
	strtok_r(work, " \t\r", &save); /* "limits:" */
	while ((tok = strtok_r(NULL, " \t\r", &save)) && *tok != '#') {
		int user = !strncmp(tok, "per-user=", 9), total = !strncmp(tok, "total=", 6);
		unsigned bit = user ? 16 : 32, *dst = user ? &p->max_loads_user : &p->max_loads;

		if (!user && !total) {
			lerr(c, "unknown limit '%s' (per-user=N, total=N)",
			     shown(tok, sh, sizeof sh));
			return;
		}
		if (c->seen & bit) {
			lerr(c, "duplicate limit %.*s", user ? 9 : 6, tok);
			return;
		}
		c->seen |= bit;
		if (limit_value(tok + (user ? 9 : 6), dst) < 0) {
			lerr(c, "bad number in %s: want 1 to %u", shown(tok, sh, sizeof sh),
			     POLICY_MAX_LOADS);
			return;
		}
	}
	p->limits_line = c->line;
}

/* Tokenize work, a scratch copy of the line r->text, into r. */
static void parse_line(struct line_ctx *c, char *work, struct policy_rule *r)
{
	char *p = work, *tok;
	int first = 1;

	for (;;) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		if (*p == '#') {
			p++;
			r->comment = r->text + (p - work) + strspn(p, " \t");
			break;
		}
		tok = p;
		p += strcspn(p, " \t\r");
		if (*p)
			*p++ = '\0';
		if (first) {
			if (parse_head(c, tok, r) < 0)
				return;
			first = 0;
		} else if (r->kind == POLICY_REVOKE) {
			lerr(c, "revoke: lines take no options");
			return;
		} else {
			parse_option(c, tok, r);
		}
	}
}

static void strip_end(char *s, size_t *n)
{
	while (*n && is_space(s[*n - 1]))
		s[--*n] = '\0';
}

/* Walk the lines of p->buf, ending each at its newline. */
static int parse_all(struct policy *p, size_t len, struct policy_errors *errors)
{
	struct line_ctx c = {.name = p->path, .errors = errors, .policy = p};
	char work[POLICY_MAX_LINE];
	size_t off = 0;
	int failed = 0;

	while (off < len) {
		char *text = p->buf + off, *nl = memchr(text, '\n', len - off);
		size_t n = nl ? (size_t)(nl - text) : len - off;
		text[n] = '\0';
		off += n + 1;
		c.line++;
		c.failed = 0;
		c.seen = 0;
		strip_end(text, &n);
		if (n >= POLICY_MAX_LINE) {
			lerr(&c, "line longer than %u bytes", POLICY_MAX_LINE - 1);
			failed = 1;
			continue;
		}
		size_t lead = strspn(text, " \t\r");
		if (lead == n || text[lead] == '#')
			continue;
		if (!strncmp(text + lead, "limits:", 7) &&
		    (!text[lead + 7] || is_space(text[lead + 7]))) {
			memcpy(work, text + lead, n - lead + 1);
			parse_limits(&c, work);
			failed |= c.failed;
			continue;
		}
		struct policy_rule *r = &p->rules[p->nrules];
		memset(r, 0, sizeof *r);
		r->line = c.line;
		r->text = text + lead;
		memcpy(work, text + lead, n - lead + 1);
		parse_line(&c, work, r);
		if (c.failed)
			failed = 1;
		else
			p->nrules++;
	}
	return failed ? -EBADMSG : 0;
}

/* The line number of byte off, for a NUL byte found anywhere. */
static unsigned line_of(const char *buf, size_t off)
{
	unsigned line = 1;

	for (const char *q = buf; (q = memchr(q, '\n', off - (size_t)(q - buf))); q++)
		line++;
	return line;
}

/* Parse buf (len bytes plus a NUL, malloc'ed); p takes it over. */
static int parse_owned(const char *name, char *buf, size_t len, struct policy *p,
		       struct policy_errors *errors)
{
	int r;

	memset(p, 0, sizeof *p);
	errors->msg = NULL;
	errors->n = errors->cap = 0;
	p->buf = buf;
	p->path = strdup(name);
	if (!p->path) {
		policy_free(p);
		errors_add(errors, strdup("out of memory"));
		return -ENOMEM;
	}
	const char *nul = memchr(buf, '\0', len);
	if (nul) {
		struct line_ctx c = {.name = p->path, .errors = errors, .policy = p};
		c.line = line_of(buf, (size_t)(nul - buf));
		lerr(&c, "NUL byte in line");
		return -EBADMSG;
	}
	/* A rule takes a line of at least 71 bytes ("sha256:" and 64 digits)
	 * plus its newline: that bounds the array, sized once. */
	p->rules = malloc((len / 72 + 1) * sizeof *p->rules);
	if (!p->rules) {
		errors_add(errors, strdup("out of memory"));
		policy_free(p);
		return -ENOMEM;
	}
	r = parse_all(p, len, errors);
	if (!p->max_loads_user)
		p->max_loads_user = POLICY_DEFAULT_LOADS_PER_USER;
	if (!p->max_loads)
		p->max_loads = POLICY_DEFAULT_LOADS;
	if (r < 0) {
		/* Fail closed: a file with any error approves nothing. */
		char *keep = p->path;
		p->path = NULL;
		policy_free(p);
		p->path = keep;
	}
	return r;
}

int policy_parse(const char *name, const char *buf, size_t len, struct policy *p,
		 struct policy_errors *errors)
{
	char *copy = malloc(len + 1);

	if (!copy) {
		memset(p, 0, sizeof *p);
		errors->msg = NULL;
		errors->n = errors->cap = 0;
		errors_add(errors, strdup("out of memory"));
		return -ENOMEM;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	return parse_owned(name, copy, len, p, errors);
}

int policy_load(const char *path, struct policy *p, struct policy_errors *errors)
{
	unsigned char *buf;
	size_t len;
	char *m = NULL;
	int r;

	memset(p, 0, sizeof *p);
	errors->msg = NULL;
	errors->n = errors->cap = 0;
	r = readfile_path(path, POLICY_MAX_SIZE, &buf, &len);
	if (r < 0) {
		if (asprintf(&m, "%s: %s", path, readfile_strerror(r)) < 0)
			m = NULL;
		errors_add(errors, m);
		return r;
	}
	return parse_owned(path, (char *)buf, len, p, errors); /* readfile NUL-terminates */
}

void policy_free(struct policy *p)
{
	arena_free(p);
	free(p->rules);
	free(p->buf);
	free(p->path);
	memset(p, 0, sizeof *p);
}
