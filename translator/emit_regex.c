/* Pass 3: the tables of every distinct regex of =~ / !~ (translator/regex.h),
 * as static constants the runtime matcher (runtime/stp_regex.c) walks. */
#include <stdlib.h>
#include <string.h>

#include "translator/ast_walk.h"
#include "translator/emit.h"
#include "translator/regex.h"

struct collect {
	struct ast_visit v;
	struct emit *e;
};

static int is_regex(const struct stap_expr *x)
{
	return x->kind == E_COMPARE && (x->op == OP_MATCH || x->op == OP_NMATCH);
}

static int collect_expr(struct ast_visit *v, const struct stap_expr *x)
{
	struct emit *e = ((struct collect *)v)->e;
	if (x->kind == E_BUILTIN &&
	    (x->builtin == BI_MATCHED || x->builtin == BI_MATCHED_STR || x->builtin == BI_NGROUPS))
		e->regex_groups = 1;
	if (!is_regex(x) || emit_regex_index(e, x) >= 0)
		return 0;
	struct emit_regex *r = realloc(e->regexes, (e->nregexes + 1) * sizeof(*r));
	if (!r)
		abort();
	e->regexes = r;
	r += e->nregexes;
	r->str = x->b->str;
	r->len = x->b->str_len;
	r->prog = calloc(1, sizeof(*r->prog));
	char why[128];
	size_t at;
	if (!r->prog)
		abort();
	if (re_compile(r->str, r->len, r->prog, why, sizeof(why), &at) < 0) {
		emit_error(e, &x->b->loc, "invalid regular expression: %s",
			   why); /* pass 1 checked */
		free(r->prog);
		return 0;
	}
	e->nregexes++;
	return 0;
}

void emit_regex_collect(struct emit *e)
{
	struct collect c = {.v = {.expr = collect_expr}, .e = e};
	for (size_t i = 0; i < e->p->nprobes; i++)
		ast_visit_stmt(&c.v, e->p->probes[i]->body);
	for (size_t i = 0; i < e->p->nfuncs; i++)
		ast_visit_stmt(&c.v, e->p->funcs[i]->body);
}

int emit_regex_index(const struct emit *e, const struct stap_expr *x)
{
	for (size_t i = 0; i < e->nregexes; i++)
		if (e->regexes[i].len == x->b->str_len &&
		    memcmp(e->regexes[i].str, x->b->str, x->b->str_len) == 0)
			return (int)i;
	return -1;
}

/* Sized for the largest regex; only what a module uses. */
void emit_regex_defines(const struct emit *e, FILE *o)
{
	size_t prog = 1, groups = 0;
	if (!e->nregexes)
		return;
	for (size_t i = 0; i < e->nregexes; i++) {
		const struct re_prog *p = e->regexes[i].prog;
		if (p->n > prog)
			prog = p->n;
		if ((size_t)p->ngroups > groups)
			groups = (size_t)p->ngroups;
	}
	fputs("#define STP_NEED_REGEX 1\n", o);
	if (e->regex_groups)
		fprintf(o, "#define STP_RE_MAXPROG %zu\n#define STP_RE_MAXCAPS %zu\n", prog,
			2 * (groups + 1));
}

/* Before element i of a table, per lines of n. */
static const char *sep(size_t i, size_t n)
{
	return i == 0 ? "\n\t" : i % n ? ", " : ",\n\t";
}

static void emit_u16s(FILE *o, const char *name, int k, const uint16_t *v, size_t n)
{
	fprintf(o, "static const u16 stp_re%d_%s[%zu] = {", k, name, n);
	for (size_t i = 0; i < n; i++)
		fprintf(o, "%s%u", sep(i, 16), v[i]);
	fputs("\n};\n", o);
}

static void emit_u8s(FILE *o, const char *name, int k, const uint8_t *v, size_t n)
{
	fprintf(o, "static const u8 stp_re%d_%s[%zu] = {", k, name, n);
	for (size_t i = 0; i < n; i++)
		fprintf(o, "%s%u", sep(i, 16), v[i]);
	fputs("\n};\n", o);
}

static void emit_one(const struct emit_regex *r, int k, FILE *o)
{
	const struct re_prog *p = r->prog;
	fputs("/* ", o);
	for (size_t i = 0; i < r->len && i < 60; i++)
		fputc(r->str[i] >= 0x20 && r->str[i] < 0x7f && r->str[i] != '*' ? r->str[i] : '.',
		      o);
	fputs(" */\n", o);
	emit_u8s(o, "cls", k, p->cls, 256);
	emit_u16s(o, "search", k, p->search.next, p->search.nstates * p->nclasses);
	emit_u8s(o, "sflags", k, p->search.flags, p->search.nstates);
	emit_u16s(o, "anch", k, p->anchored.next, p->anchored.nstates * p->nclasses);
	emit_u8s(o, "aflags", k, p->anchored.flags, p->anchored.nstates);
	fprintf(o, "static const struct stp_re_inst stp_re%d_prog[%zu] = {", k, p->n);
	for (size_t i = 0; i < p->n; i++)
		fprintf(o, "%s{%u, %u, %u}", sep(i, 8), p->inst[i].op, p->inst[i].x, p->inst[i].y);
	fprintf(o, "\n};\nstatic const u8 stp_re%d_sets[%zu][32] = {", k, p->nsets ? p->nsets : 1);
	for (size_t s = 0; s < p->nsets; s++) {
		fputs("\n\t{", o);
		for (int b = 0; b < 32; b++)
			fprintf(o, "%s%u", b ? ", " : "", p->sets[s][b]);
		fputs("},", o);
	}
	fprintf(
	    o,
	    "\n};\nstatic const struct stp_regex stp_re%d = {\n"
	    "\t.cls = stp_re%d_cls, .nclasses = %zu,\n"
	    "\t.search = stp_re%d_search, .search_flags = stp_re%d_sflags, .search_start = %u,\n"
	    "\t.anch = stp_re%d_anch, .anch_flags = stp_re%d_aflags,\n"
	    "\t.anch_start0 = %u, .anch_startmid = %u,\n"
	    "\t.prog = stp_re%d_prog, .nprog = %zu, .sets = stp_re%d_sets, .ngroups = %d,\n};\n\n",
	    k, k, p->nclasses, k, k, p->search.start0, k, k, p->anchored.start0,
	    p->anchored.startmid, k, p->n, k, p->ngroups);
}

void emit_regex_tables(const struct emit *e, FILE *o)
{
	for (size_t i = 0; i < e->nregexes; i++)
		emit_one(&e->regexes[i], (int)i, o);
}

/* (a =~ "re") -> stp_regex_match(c, &stp_reK, a, groups) */
void emit_regex_match(struct emit *e, const struct stap_expr *x)
{
	fprintf(e->out, "%s(stp_regex_match(c, &stp_re%d, ", x->op == OP_NMATCH ? "!" : "",
		emit_regex_index(e, x));
	emit_expr(e, x->a);
	fprintf(e->out, ", %s))", e->regex_groups ? "true" : "false");
}

void emit_regex_free(struct emit *e)
{
	for (size_t i = 0; i < e->nregexes; i++) {
		re_free(e->regexes[i].prog);
		free(e->regexes[i].prog);
	}
	free(e->regexes);
	e->regexes = NULL;
	e->nregexes = 0;
}
