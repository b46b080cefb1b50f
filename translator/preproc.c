/* Pass 1, step 2: the preprocessor.  Conditionals %( COND %? A %: B %) on the
 * target kernel (kernel_v, kernel_vr, arch, CONFIG_*), @define macros, and
 * script arguments $N (as tokens), @N (as a string), $# and @#. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "translator/front_int.h"
#include "translator/tapset.h"

#define PP_MAX_DEPTH 64	     /* nested macro expansions */
#define PP_MAX_TOKENS 500000 /* after expansion: stops exponential macros */

struct macro {
	const struct token *name;
	struct token *params;
	size_t nparams;
	struct tokvec body;
	int lib; /* from a library macro file: a script's @define replaces it */
};

struct pp {
	struct stap_program *p;
	struct diag *d;
	const struct pp_env *env;
	struct macro *macros;
	size_t nmacros, macros_cap;
	int depth;
	char *config; /* the target .config text, read on first CONFIG_ test */
	int config_read;
	int lib_loaded;		 /* the library's macro files were read */
	struct tokvec *lib_toks; /* their tokens, which the macros point into */
	size_t nlib_toks, lib_toks_cap;
};

static int pp_run(struct pp *st, const struct token *t, size_t n, struct tokvec *out);

void pp_env_from_session(struct pp_env *e, const struct stap_session *s, char *kv, size_t kvlen)
{
	const char *rel = s->kernel.release ? s->kernel.release : "";
	memset(e, 0, sizeof(*e));
	snprintf(kv, kvlen, "%.*s", (int)strcspn(rel, "-+"), rel);
	e->kernel_v = kv;
	e->kernel_vr = rel;
	e->arch = s->kernel.arch ? s->kernel.arch : "";
	e->s = s;
	e->config = s->kernel.config;
	e->args = s->args;
	e->nargs = s->nargs;
	e->guru = s->guru;
}

/* ---- conditions ---- */

struct cond {
	struct pp *st;
	const struct token *t;
	size_t i, n;
	int error;
};

static const struct token *cond_peek(struct cond *c)
{
	static const struct token eof = {.kind = TK_EOF, .text = "%?", .len = 2};
	return c->i < c->n ? &c->t[c->i] : &eof;
}

static void cond_fail(struct cond *c, const char *what)
{
	char buf[80];
	const struct token *t = cond_peek(c);
	if (!c->error)
		diag_error(c->st->d, c->i < c->n ? &t->loc : &c->t[c->n - (c->n > 0)].loc,
			   "parse error: preprocessor condition: %s, found %s", what,
			   tok_describe(t, buf, sizeof(buf)));
	c->error = 1;
}

static const char *config_value(struct pp *st, const struct token *name, char *buf, size_t n)
{
	if (!st->config_read) {
		size_t len = 0, cap = 0;
		FILE *f = st->env->config ? fopen(st->env->config, "r") : NULL;
		st->config_read = 1;
		if (f) {
			char chunk[8192];
			size_t got;
			while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
				if (len + got + 2 > cap) {
					cap = (len + got + 2) * 2;
					char *nc = realloc(st->config, cap);
					if (!nc)
						break;
					st->config = nc;
				}
				memcpy(st->config + len, chunk, got);
				len += got;
			}
			fclose(f);
			if (st->config) {
				memmove(st->config + 1, st->config, len);
				st->config[0] = '\n';
				st->config[len + 1] = 0;
			}
		}
	}
	buf[0] = 0;
	if (!st->config)
		return buf;
	char key[128];
	snprintf(key, sizeof(key), "\n%.*s=", name->len > 100 ? 100 : name->len, name->text);
	const char *v = strstr(st->config, key);
	if (!v)
		return buf;
	v += strlen(key);
	size_t len = strcspn(v, "\n");
	if (len >= 2 && v[0] == '"' && v[len - 1] == '"')
		v++, len -= 2;
	snprintf(buf, n, "%.*s", (int)len, v);
	return buf;
}

static int cmp_result(const struct token *op, int cmp)
{
	if (tok_is(op, TK_OP, "=="))
		return cmp == 0;
	if (tok_is(op, TK_OP, "!="))
		return cmp != 0;
	if (tok_is(op, TK_OP, "<"))
		return cmp < 0;
	if (tok_is(op, TK_OP, "<="))
		return cmp <= 0;
	if (tok_is(op, TK_OP, ">"))
		return cmp > 0;
	return cmp >= 0;
}

static int is_cmp_op(const struct token *t)
{
	static const char *const cmp[] = {"==", "!=", "<", "<=", ">", ">=", NULL};
	for (int i = 0; cmp[i]; i++)
		if (tok_is(t, TK_OP, cmp[i]))
			return 1;
	return 0;
}

/* Compare a string value: == and != match wildcards, the others compare
 * versions ("5.10" < "5.9" is false). */
static int cond_string(const struct token *op, const char *have, const char *want)
{
	if (tok_is(op, TK_OP, "==") || tok_is(op, TK_OP, "!="))
		return cmp_result(op, fnmatch(want, have, 0) == 0 ? 0 : 1);
	return cmp_result(op, strverscmp(have, want));
}

static int cond_compare(struct cond *c)
{
	const struct token *lhs = cond_peek(c);
	const struct pp_env *e = c->st->env;
	char buf[256];
	const char *sval = NULL;
	int64_t nval = 0;
	int numeric = 0;

	if (tok_is(lhs, TK_IDENT, "kernel_v"))
		sval = e->kernel_v;
	else if (tok_is(lhs, TK_IDENT, "kernel_vr"))
		sval = e->kernel_vr;
	else if (tok_is(lhs, TK_IDENT, "arch"))
		sval = e->arch;
	else if (tok_is(lhs, TK_IDENT, "systemtap_v"))
		sval = "4.8";
	else if (tok_is(lhs, TK_IDENT, "runtime"))
		sval = "kernel";
	else if (tok_is(lhs, TK_IDENT, "systemtap_privilege"))
		sval = "stapdev";
	else if (tok_is(lhs, TK_IDENT, "guru_mode"))
		numeric = 1, nval = e->guru;
	else if (tok_is(lhs, TK_DOLLAR, "$#") || tok_is(lhs, TK_AT, "@#"))
		numeric = 1, nval = e->nargs;
	else if (lhs->kind == TK_IDENT && lhs->len > 7 && memcmp(lhs->text, "CONFIG_", 7) == 0)
		sval = config_value(c->st, lhs, buf, sizeof(buf));
	else {
		cond_fail(
		    c,
		    "expected kernel_v, kernel_vr, arch, CONFIG_..., systemtap_v, $# or guru_mode");
		return 0;
	}
	c->i++;
	const struct token *op = cond_peek(c);
	if (!is_cmp_op(op)) {
		cond_fail(c, "expected a comparison operator");
		return 0;
	}
	c->i++;
	const struct token *rhs = cond_peek(c);
	int neg = 0;
	if (tok_is(rhs, TK_OP, "-")) {
		neg = 1;
		c->i++;
		rhs = cond_peek(c);
	}
	if (rhs->kind == TK_NUM) {
		c->i++;
		int64_t r = neg ? tok_neg(rhs->num) : rhs->num;
		if (!numeric) {
			char *end;
			nval = strtoll(sval, &end, 0);
			if (*end || !*sval)
				return tok_is(op, TK_OP, "!=");
		}
		return cmp_result(op, nval < r ? -1 : nval > r);
	}
	if (rhs->kind == TK_STR && !neg && !numeric) {
		/* "2.6" ".30" is one literal, as in the script */
		char want[256];
		size_t len = 0;
		want[0] = 0;
		for (; cond_peek(c)->kind == TK_STR; c->i++) {
			const struct token *s = cond_peek(c);
			size_t k = s->str_len < sizeof(want) - 1 - len ? s->str_len
								       : sizeof(want) - 1 - len;
			memcpy(want + len, s->str, k);
			want[len += k] = 0;
		}
		return cond_string(op, sval, want);
	}
	cond_fail(c, numeric ? "expected a number" : "expected a string or a number");
	return 0;
}

static int cond_or(struct cond *c);

static int cond_unary(struct cond *c)
{
	if (tok_is(cond_peek(c), TK_OP, "!")) {
		c->i++;
		return !cond_unary(c);
	}
	if (tok_is(cond_peek(c), TK_OP, "(")) {
		c->i++;
		int v = cond_or(c);
		if (!tok_is(cond_peek(c), TK_OP, ")"))
			cond_fail(c, "expected ')'");
		c->i++;
		return v;
	}
	return cond_compare(c);
}

static int cond_and(struct cond *c)
{
	int v = cond_unary(c);
	while (!c->error && tok_is(cond_peek(c), TK_OP, "&&")) {
		c->i++;
		int w = cond_unary(c);
		v = v && w;
	}
	return v;
}

static int cond_or(struct cond *c)
{
	int v = cond_and(c);
	while (!c->error && tok_is(cond_peek(c), TK_OP, "||")) {
		c->i++;
		int w = cond_and(c);
		v = v || w;
	}
	return v;
}

/* ---- %( COND %? A %: B %) ---- */

/* Index of the %: or %) closing the branch that starts at i (nested
 * conditionals skipped), or n. */
static size_t pp_branch_end(const struct token *t, size_t i, size_t n, int stop_at_else)
{
	int depth = 0;
	for (; i < n; i++) {
		if (tok_is(&t[i], TK_OP, "%("))
			depth++;
		else if (tok_is(&t[i], TK_OP, "%)") && depth-- == 0)
			return i;
		else if (stop_at_else && depth == 0 && tok_is(&t[i], TK_OP, "%:"))
			return i;
	}
	return n;
}

static int pp_conditional(struct pp *st, const struct token *t, size_t n, size_t *i,
			  struct tokvec *out)
{
	size_t start = *i, q = start + 1;
	while (q < n && !tok_is(&t[q], TK_OP, "%?") && !tok_is(&t[q], TK_OP, "%("))
		q++;
	if (q >= n || !tok_is(&t[q], TK_OP, "%?")) {
		diag_error(st->d, &t[start].loc,
			   "parse error: preprocessor conditional without %%?");
		return -1;
	}
	struct cond c = {st, t + start + 1, 0, q - start - 1, 0};
	int v = cond_or(&c);
	if (!c.error && c.i < c.n)
		cond_fail(&c, "expected %? after the condition");
	if (c.error)
		return -1;
	size_t a = q + 1, a_end = pp_branch_end(t, a, n, 1), b = a_end, b_end = a_end;
	if (a_end < n && tok_is(&t[a_end], TK_OP, "%:")) {
		b = a_end + 1;
		b_end = pp_branch_end(t, b, n, 0);
	}
	if (b_end >= n) {
		diag_error(st->d, &t[start].loc,
			   "parse error: preprocessor conditional without its %%)");
		return -1;
	}
	*i = b_end + 1;
	return v ? pp_run(st, t + a, a_end - a, out) : pp_run(st, t + b, b_end - b, out);
}

/* ---- @define NAME(params) %( body %) ---- */

static struct macro *pp_macro_find(struct pp *st, const struct token *at)
{
	for (size_t m = 0; m < st->nmacros; m++) {
		const struct token *nm = st->macros[m].name;
		if (at->len == nm->len + 1 && memcmp(at->text + 1, nm->text, (size_t)nm->len) == 0)
			return &st->macros[m];
	}
	return NULL;
}

static int pp_define(struct pp *st, const struct token *t, size_t n, size_t *i)
{
	size_t k = *i + 1;
	if (k >= n || t[k].kind != TK_IDENT) {
		diag_error(st->d, &t[*i].loc, "parse error: @define wants a macro name");
		return -1;
	}
	const struct token *name = &t[k++];
	struct macro m = {.name = name};
	size_t params_cap = 0;
	if (k < n && tok_is(&t[k], TK_OP, "(")) {
		for (k++; k < n && !tok_is(&t[k], TK_OP, ")"); k++) {
			if (t[k].kind != TK_IDENT) {
				diag_error(st->d, &t[k].loc,
					   "parse error: macro parameter must be a name");
				free(m.params);
				return -1;
			}
			if (array_grow(&m.params, &params_cap, m.nparams, sizeof(*m.params), 4) < 0)
				abort();
			m.params[m.nparams++] = t[k];
			if (k + 1 < n && tok_is(&t[k + 1], TK_OP, ","))
				k++;
		}
		k++;
	}
	if (k >= n || !tok_is(&t[k], TK_OP, "%(")) {
		diag_error(st->d, &name->loc, "parse error: @define %.*s wants a body in %%( %%)",
			   name->len, name->text);
		free(m.params);
		return -1;
	}
	size_t end = pp_branch_end(t, k + 1, n, 0);
	if (end >= n) {
		diag_error(st->d, &t[k].loc, "parse error: macro body without its %%)");
		free(m.params);
		return -1;
	}
	for (size_t j = k + 1; j < end; j++)
		tokvec_push(&m.body, &t[j]);
	struct token at = *name;
	char *atname = stap_alloc(st->p, (size_t)name->len + 2);
	atname[0] = '@';
	memcpy(atname + 1, name->text, (size_t)name->len);
	at.text = atname;
	at.len = name->len + 1;
	struct macro *old = pp_macro_find(st, &at);
	if (old && old->lib) { /* the script's own definition wins */
		free(old->params);
		tokvec_free(&old->body);
		*old = m;
		*i = end + 1;
		return 0;
	}
	if (old) {
		diag_error(st->d, &name->loc, "parse error: macro @%.*s is already defined",
			   name->len, name->text);
		free(m.params);
		tokvec_free(&m.body);
		return -1;
	}
	if (array_grow(&st->macros, &st->macros_cap, st->nmacros, sizeof(*st->macros), 8) < 0)
		abort();
	st->macros[st->nmacros++] = m;
	*i = end + 1;
	return 0;
}

/* Arguments of a macro use: "(" a, b ")" split at depth 0. */
static int pp_macro_args(struct pp *st, const struct macro *m, const struct token *t, size_t n,
			 size_t *i, struct tokvec *args)
{
	size_t k = *i + 1, na = 0;
	if (k >= n || !tok_is(&t[k], TK_OP, "(")) {
		diag_error(st->d, &t[*i].loc, "parse error: macro %.*s wants %zu argument(s)",
			   t[*i].len, t[*i].text, m->nparams);
		return -1;
	}
	int depth = 0;
	size_t start = ++k;
	for (; k < n; k++) {
		const struct token *u = &t[k];
		if (tok_is(u, TK_OP, "(") || tok_is(u, TK_OP, "[") || tok_is(u, TK_OP, "{"))
			depth++;
		else if ((tok_is(u, TK_OP, ")") || tok_is(u, TK_OP, ",")) && depth == 0) {
			if (na < m->nparams && pp_run(st, t + start, k - start, &args[na]) < 0)
				return -1;
			if (k > start || na > 0 || tok_is(u, TK_OP, ","))
				na++;
			start = k + 1;
			if (tok_is(u, TK_OP, ")"))
				break;
		} else if (tok_is(u, TK_OP, ")") || tok_is(u, TK_OP, "]") || tok_is(u, TK_OP, "}"))
			depth--;
	}
	if (k >= n || na != m->nparams) {
		diag_error(st->d, &t[*i].loc,
			   "parse error: macro %.*s wants %zu argument(s), got %zu", t[*i].len,
			   t[*i].text, m->nparams, na);
		return -1;
	}
	*i = k + 1;
	return 0;
}

static int pp_expand(struct pp *st, const struct macro *m, const struct token *t, size_t n,
		     size_t *i, struct tokvec *out)
{
	struct tokvec args[16] = {{0}};
	struct tokvec body = {0};
	int r = -1;

	if (st->depth >= PP_MAX_DEPTH) {
		diag_error(st->d, &t[*i].loc, "parse error: macro expansion nested too deeply");
		return -1;
	}
	if (m->nparams > 16) {
		diag_error(st->d, &t[*i].loc, "parse error: macro has too many parameters");
		return -1;
	}
	if (m->nparams == 0)
		(*i)++;
	else if (pp_macro_args(st, m, t, n, i, args) < 0)
		goto out;
	for (size_t j = 0; j < m->body.n; j++) {
		const struct token *b = &m->body.v[j];
		size_t pi = m->nparams;
		if (b->kind == TK_AT)
			for (pi = 0; pi < m->nparams; pi++)
				if (b->len == m->params[pi].len + 1 &&
				    memcmp(b->text + 1, m->params[pi].text, (size_t)b->len - 1) ==
					0)
					break;
		if (pi < m->nparams)
			for (size_t a = 0; a < args[pi].n; a++)
				tokvec_push(&body, &args[pi].v[a]);
		else
			tokvec_push(&body, b);
		if (body.n > PP_MAX_TOKENS)
			break;
	}
	st->depth++;
	r = pp_run(st, body.v, body.n, out);
	st->depth--;
out:
	for (size_t a = 0; a < 16; a++)
		tokvec_free(&args[a]);
	tokvec_free(&body);
	return r;
}

/* $N: the argument's own tokens; @N: a string; $# @#: their count. */
static int pp_script_arg(struct pp *st, const struct token *t, struct tokvec *out)
{
	struct token r = *t;
	const struct pp_env *e = st->env;

	if (t->text[1] == '#') {
		r.kind = TK_NUM;
		r.num = e->nargs;
		r.text = t->kind == TK_DOLLAR ? "$#" : "@#";
		tokvec_push(out, &r);
		return 0;
	}
	long idx = strtol(t->text + 1, NULL, 10);
	if (idx < 1 || idx > e->nargs) {
		diag_error(st->d, &t->loc,
			   "parse error: command line argument index %.*s out of range [1-%d]",
			   t->len - 1, t->text + 1, e->nargs);
		return -1;
	}
	const char *a = e->args[idx - 1];
	if (t->kind == TK_AT) {
		r.kind = TK_STR;
		r.str = stap_strdup(st->p, a);
		r.str_len = strlen(a);
		tokvec_push(out, &r);
		return 0;
	}
	struct tokvec sub = {0};
	struct diag quiet = *st->d;
	quiet.out = NULL;
	int rc = lex_tokens(st->p, &quiet, t->loc.file, a, strlen(a), &sub);
	if (rc < 0 || sub.n == 1) {
		diag_error(st->d, &t->loc,
			   "parse error: command line argument %.*s ('%s') is not a valid token",
			   t->len, t->text, a);
		tokvec_free(&sub);
		return -1;
	}
	for (size_t j = 0; j + 1 < sub.n; j++) {
		sub.v[j].loc = t->loc; /* messages point at $N */
		sub.v[j].adjacent = j ? sub.v[j].adjacent : t->adjacent;
		tokvec_push(out, &sub.v[j]);
	}
	tokvec_free(&sub);
	return 0;
}

static int is_script_arg(const struct token *t)
{
	return (t->kind == TK_DOLLAR || t->kind == TK_AT) &&
	       (t->text[1] == '#' || (t->text[1] >= '0' && t->text[1] <= '9'));
}

/* An @word of the language itself, never a macro use. */
static int pp_is_operator(const struct token *u)
{
	static const char *const ops[] = {
	    "@count",	 "@sum",	 "@min",      "@max",  "@avg",
	    "@variance", "@hist_linear", "@hist_log", "@cast", "@choose_defined",
	    "@defined",	 "@entry",	 "@var",      NULL,
	};
	for (int k = 0; ops[k]; k++)
		if (tok_is(u, TK_AT, ops[k]))
			return 1;
	return 0;
}

/* The library's macros, read the first time a script uses an @name it does
 * not define: every *.stpm file of the library folders is preprocessed
 * (its own diagnostics), and the macros it defines are added to st, marked
 * as the library's.  A file defines only macros; anything else in it is
 * dropped.  A name defined twice keeps its first definition. */
static void pp_library(struct pp *st)
{
	struct tapset_index ix = {0};
	st->lib_loaded = 1;
	if (!st->env->s || tapset_macro_files(st->env->s, &ix, st->d->out) < 0) {
		if (st->env->s)
			st->d->nerrors++;
		tapset_index_free(&ix);
		return;
	}
	for (size_t f = 0; f < ix.nfiles; f++) {
		struct tapset_file *tf = &ix.files[f];
		char *text = stap_alloc(st->p, tf->len + 1);
		memcpy(text, tf->text, tf->len);
		struct diag d = {.src = text, .len = tf->len, .out = st->d->out};
		struct pp lib = {.p = st->p, .d = &d, .env = st->env, .lib_loaded = 1};
		struct tokvec raw = {0}, out = {0};
		if (lex_tokens(st->p, &d, stap_strdup(st->p, tf->display), text, tf->len, &raw) ==
		    0)
			pp_run(&lib, raw.v, raw.n - 1, &out);
		tokvec_free(&out);
		st->d->nerrors += d.nerrors;
		for (size_t m = 0; m < lib.nmacros; m++) {
			struct token at = *lib.macros[m].name;
			char *atname = stap_alloc(st->p, (size_t)at.len + 2);
			atname[0] = '@';
			memcpy(atname + 1, at.text, (size_t)at.len);
			at.text = atname;
			at.len++;
			if (pp_macro_find(st, &at)) {
				free(lib.macros[m].params);
				tokvec_free(&lib.macros[m].body);
				continue;
			}
			if (array_grow(&st->macros, &st->macros_cap, st->nmacros,
				       sizeof(*st->macros), 8) < 0)
				abort();
			st->macros[st->nmacros] = lib.macros[m];
			st->macros[st->nmacros++].lib = 1;
		}
		free(lib.macros);
		free(lib.config);
		if (array_grow(&st->lib_toks, &st->lib_toks_cap, st->nlib_toks,
			       sizeof(*st->lib_toks), 8) < 0)
			abort();
		st->lib_toks[st->nlib_toks++] = raw;
	}
	tapset_index_free(&ix);
}

static int pp_run(struct pp *st, const struct token *t, size_t n, struct tokvec *out)
{
	size_t i = 0;
	while (i < n) {
		const struct token *u = &t[i];
		int r = 0;
		struct macro *m;
		if (out->n > PP_MAX_TOKENS) {
			diag_error(st->d, &u->loc,
				   "parse error: script too large after macro expansion");
			return -1;
		}
		if (tok_is(u, TK_OP, "%(")) {
			r = pp_conditional(st, t, n, &i, out);
		} else if (tok_is(u, TK_OP, "%?") || tok_is(u, TK_OP, "%:") ||
			   tok_is(u, TK_OP, "%)")) {
			diag_error(st->d, &u->loc,
				   "parse error: '%.*s' outside a preprocessor conditional", u->len,
				   u->text);
			r = -1;
		} else if (tok_is(u, TK_AT, "@define") && st->depth > 0) {
			/* A macro's tokens live only while it expands. */
			diag_error(st->d, &u->loc, "parse error: @define inside a macro body");
			r = -1;
		} else if (tok_is(u, TK_AT, "@define")) {
			r = pp_define(st, t, n, &i);
		} else if (is_script_arg(u)) {
			r = pp_script_arg(st, u, out);
			i++;
		} else if (u->kind == TK_AT && (m = pp_macro_find(st, u))) {
			r = pp_expand(st, m, t, n, &i, out);
		} else if (u->kind == TK_AT && !st->lib_loaded && !pp_is_operator(u)) {
			pp_library(st); /* then look again */
		} else {
			tokvec_push(out, u);
			i++;
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

int preprocess(struct stap_program *p, struct diag *d, const struct pp_env *env,
	       const struct tokvec *in, struct tokvec *out)
{
	struct pp st = {.p = p, .d = d, .env = env};
	int r = pp_run(&st, in->v, in->n - 1, out); /* all but TK_EOF */
	tokvec_push(out, &in->v[in->n - 1]);
	for (size_t m = 0; m < st.nmacros; m++) {
		free(st.macros[m].params);
		tokvec_free(&st.macros[m].body);
	}
	free(st.macros);
	free(st.config);
	for (size_t k = 0; k < st.nlib_toks; k++)
		tokvec_free(&st.lib_toks[k]);
	free(st.lib_toks);
	return r;
}
