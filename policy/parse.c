#include "policy/policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/readfile.h"

/* One line being parsed: where it is, and the rule it builds. */
struct line_ctx {
	const char *name;
	unsigned line;
	struct policy_errors *errors;
	int failed;
	unsigned seen; /* bit per option, to refuse duplicates */
};

enum { OPT_USERS = 1, OPT_GROUPS = 2, OPT_EXPIRES = 4, OPT_PARAMS = 8 };

void policy_errors_free(struct policy_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->msg[i]);
	free(e->msg);
	e->msg = NULL;
	e->n = 0;
}

static void errors_add(struct policy_errors *e, char *m)
{
	char **v;

	if (!m)
		return;
	v = realloc(e->msg, (e->n + 1) * sizeof *v);
	if (!v) {
		free(m);
		return;
	}
	e->msg = v;
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

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
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

static int name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.' || ch == '-';
}

/* User and group names as shadow-utils accepts them (plus a trailing $ for
 * Samba machine accounts); never starting with '-'. */
static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 256 || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]) && !(s[i] == '$' && i == n - 1))
			return 0;
	return 1;
}

static int valid_ident(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!name_char(*s) || *s == '.' || *s == '-')
			return 0;
	return 1;
}

/* Split v on ',' in place into a new array.  Empty items are an error. */
static int split_list(struct line_ctx *c, const char *opt, char *v, char ***out, size_t *n)
{
	size_t count = 1, i = 0;

	for (char *p = v; *p; p++)
		count += *p == ',';
	*out = malloc(count * sizeof **out);
	if (!*out) {
		lerr(c, "out of memory");
		return -1;
	}
	for (char *p = v;;) {
		char *comma = strchr(p, ',');
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

static void parse_option(struct line_ctx *c, char *tok, struct policy_rule *r)
{
	static const struct {
		const char *name;
		unsigned bit;
	} opts[] = {{"users", OPT_USERS},
		    {"groups", OPT_GROUPS},
		    {"expires", OPT_EXPIRES},
		    {"params", OPT_PARAMS}};
	char *eq = strchr(tok, '='), sh[64];
	unsigned bit = 0;

	if (eq)
		*eq = '\0';
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (strcmp(tok, opts[i].name) == 0)
			bit = opts[i].bit;
	if (!bit) {
		lerr(c, "unknown option '%s' (users=, groups=, expires=, params=)",
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
	else if (policy_parse_time(v, &r->expires) < 0)
		lerr(c, "bad date '%s' in expires= (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC)",
		     shown(v, sh, sizeof sh));
	else
		r->has_expires = 1;
}

/* The first word: what kind of line this is and which digest it names. */
static int parse_head(struct line_ctx *c, const char *tok, struct policy_rule *r)
{
	const char *hex = tok;
	char sh[64];

	if (strncmp(tok, "md5:", 4) == 0) {
		lerr(c, "md5: entries are refused: MD5 collisions are cheap and this file grants "
			"root actions; re-bless the module with `stap-authorize bless MOD.ko` "
			"(a sha256: line)");
		return -1;
	}
	if (strncmp(tok, "signer:", 7) == 0) {
		r->kind = POLICY_SIGNER;
		hex = tok + 7;
	} else if (strncmp(tok, "revoke:", 7) == 0) {
		r->kind = POLICY_REVOKE;
		hex = tok + 7;
	} else if (strncmp(tok, "sha256:", 7) == 0) {
		r->kind = POLICY_DIGEST;
	} else {
		lerr(c, "unknown entry '%s' (sha256:, signer:sha256: or revoke:sha256:)",
		     shown(tok, sh, sizeof sh));
		return -1;
	}
	if (digest_parse(hex, r->digest) < 0) {
		lerr(c, "bad digest '%s': want sha256: and 64 lowercase hex digits",
		     shown(hex, sh, sizeof sh));
		return -1;
	}
	return 0;
}

static void rule_free(struct policy_rule *r)
{
	free(r->users);
	free(r->groups);
	free(r->params);
}

/* Tokenize one line of work (a private copy) into r. */
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
			r->comment = p + 1 + strspn(p + 1, " \t");
			break;
		}
		tok = p;
		while (*p && !is_space(*p))
			p++;
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

static int rules_grow(struct policy *p, size_t *cap)
{
	struct policy_rule *v;

	if (p->nrules < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 64;
	v = realloc(p->rules, *cap * sizeof *v);
	if (!v)
		return -ENOMEM;
	p->rules = v;
	return 0;
}

static void strip_end(char *s, size_t *n)
{
	while (*n && is_space(s[*n - 1]))
		s[--*n] = '\0';
}

/* Walk the lines of p->buf (newlines already NULs) and p->lines (a copy to
 * tokenize). */
static int parse_all(struct policy *p, size_t len, struct policy_errors *errors)
{
	struct line_ctx c = {.name = p->path, .errors = errors};
	size_t off = 0, cap = 0;
	int failed = 0;

	while (off < len) {
		char *text = p->buf + off, *work = p->lines + off;
		size_t n = strlen(text), end = off + n;
		c.line++;
		c.failed = 0;
		c.seen = 0;
		if (end < len && p->buf[end] == '\0' && p->lines[end] != '\n') {
			lerr(&c, "NUL byte in line");
			return -EBADMSG;
		}
		off = end + 1;
		p->lines[end] = '\0';
		strip_end(text, &n);
		work[n] = '\0';
		if (n >= POLICY_MAX_LINE) {
			lerr(&c, "line longer than %u bytes", POLICY_MAX_LINE);
			failed = 1;
			continue;
		}
		const char *s = text + strspn(text, " \t\r");
		if (!*s || *s == '#')
			continue;
		if (rules_grow(p, &cap) < 0) {
			lerr(&c, "out of memory");
			return -ENOMEM;
		}
		struct policy_rule *r = &p->rules[p->nrules];
		memset(r, 0, sizeof *r);
		r->line = c.line;
		r->text = s;
		parse_line(&c, work, r);
		if (c.failed) {
			rule_free(r);
			failed = 1;
		} else {
			p->nrules++;
		}
	}
	return failed ? -EBADMSG : 0;
}

int policy_parse(const char *name, const char *buf, size_t len, struct policy *p,
		 struct policy_errors *errors)
{
	int r;

	memset(p, 0, sizeof *p);
	errors->msg = NULL;
	errors->n = 0;
	p->path = strdup(name);
	p->buf = malloc(len + 1);
	p->lines = malloc(len + 1);
	if (!p->path || !p->buf || !p->lines) {
		policy_free(p);
		errors_add(errors, strdup("out of memory"));
		return -ENOMEM;
	}
	memcpy(p->buf, buf, len);
	memcpy(p->lines, buf, len);
	p->buf[len] = p->lines[len] = '\0';
	/* Lines end at '\n'; a NUL inside a line is caught by comparing the
	 * two copies: only buf gets its newlines replaced. */
	for (char *q = p->buf; (q = memchr(q, '\n', len - (size_t)(q - p->buf))); q++)
		*q = '\0';
	r = parse_all(p, len, errors);
	if (r < 0) {
		/* Fail closed: a file with any error approves nothing. */
		char *keep = p->path;
		p->path = NULL;
		policy_free(p);
		p->path = keep;
	}
	return r;
}

int policy_load(const char *path, struct policy *p, struct policy_errors *errors)
{
	unsigned char *buf;
	size_t len;
	char *m = NULL;
	int r;

	memset(p, 0, sizeof *p);
	errors->msg = NULL;
	errors->n = 0;
	r = readfile_path(path, POLICY_MAX_SIZE, &buf, &len);
	if (r < 0) {
		if (asprintf(&m, "%s: %s", path, readfile_strerror(r)) < 0)
			m = NULL;
		errors_add(errors, m);
		return r;
	}
	r = policy_parse(path, (const char *)buf, len, p, errors);
	free(buf);
	return r;
}

void policy_free(struct policy *p)
{
	for (size_t i = 0; i < p->nrules; i++)
		rule_free(&p->rules[i]);
	free(p->rules);
	free(p->buf);
	free(p->lines);
	free(p->path);
	memset(p, 0, sizeof *p);
}
