/* The -p1 text (the script as parsed) and the -p2 canonical text (the
 * elaborated program).  The canonical text is what the cache key hashes: it
 * depends only on the program, never on addresses in memory or hash order, so
 * the same program gives the same bytes.  Source positions appear only where
 * the module embeds them in an error message (translator/errloc.h), as
 * comments like  a / b /\* at f.stp:3:9 *\/. */
#include <stdlib.h>
#include <string.h>

#include "translator/errloc.h"
#include "translator/front.h"
#include "translator/front_int.h"
#include "translator/passes.h"

static void print_args(struct strbuf *b, struct stap_expr **args, size_t n, int typed)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_puts(b, ", ");
		print_expr(b, args[i], typed);
	}
}

static const char *expr_name(const struct stap_expr *e)
{
	if ((e->kind == E_VAR || e->kind == E_INDEX || e->kind == E_IN) && e->var)
		return e->var->name;
	if (e->kind == E_CALL && e->func)
		return e->func->name;
	if (e->kind == E_BUILTIN)
		return stap_builtin_name(e->builtin);
	return e->str ? e->str : "?";
}

static void print_errloc(struct strbuf *b, const struct stap_loc *loc)
{
	if (loc)
		sb_printf(b, " /* at %s:%d:%d */", loc->file ? loc->file : "?", loc->line,
			  loc->col);
}

static void print_expr_node(struct strbuf *b, const struct stap_expr *e, int typed);

void print_expr(struct strbuf *b, const struct stap_expr *e, int typed)
{
	print_expr_node(b, e, typed);
	if (typed)
		print_errloc(b, errloc_expr(e));
}

static void print_expr_node(struct strbuf *b, const struct stap_expr *e, int typed)
{
	switch (e->kind) {
	case E_NUM:
		sb_printf(b, "%lld", (long long)e->num);
		break;
	case E_STR:
		sb_quote(b, e->str, e->str_len);
		break;
	case E_VAR:
		sb_puts(b, expr_name(e));
		break;
	case E_TARGET:
		if (e->op == OP_ADDR)
			sb_puts(b, "&");
		if (e->a) { /* @cast */
			sb_puts(b, "@cast(");
			print_expr(b, e->a, typed);
			sb_puts(b, ", ");
			print_expr(b, e->b, typed);
			if (e->c) {
				sb_puts(b, ", ");
				print_expr(b, e->c, typed);
			}
			sb_puts(b, ")");
		}
		sb_puts(b, expr_name(e));
		break;
	case E_ARG:
		sb_printf(b, "$%lld", (long long)e->num);
		break;
	case E_WILD:
		sb_puts(b, "*");
		break;
	case E_ENTRY:
		sb_puts(b, "@entry(");
		print_expr(b, e->a, typed);
		sb_puts(b, ")");
		break;
	case E_INDEX:
		sb_printf(b, "%s[", expr_name(e));
		print_args(b, e->args, e->nargs, typed);
		sb_puts(b, "]");
		break;
	case E_CALL:
	case E_BUILTIN:
		sb_printf(b, "%s(", expr_name(e));
		print_args(b, e->args, e->nargs, typed);
		sb_puts(b, ")");
		break;
	case E_UNARY:
		sb_printf(b, "%s(", stap_op_text(e->op));
		print_expr(b, e->a, typed);
		sb_puts(b, ")");
		break;
	case E_INCDEC:
		if (e->op == OP_PREINC || e->op == OP_PREDEC)
			sb_puts(b, stap_op_text(e->op));
		print_expr(b, e->a, typed);
		if (e->op == OP_POSTINC || e->op == OP_POSTDEC)
			sb_puts(b, stap_op_text(e->op));
		break;
	case E_BINARY:
	case E_COMPARE:
	case E_LOGICAL:
		sb_puts(b, "(");
		print_expr(b, e->a, typed);
		sb_printf(b, " %s ", stap_op_text(e->op));
		print_expr(b, e->b, typed);
		sb_puts(b, ")");
		break;
	case E_TERNARY:
		sb_puts(b, "(");
		print_expr(b, e->a, typed);
		sb_puts(b, " ? ");
		print_expr(b, e->b, typed);
		sb_puts(b, " : ");
		print_expr(b, e->c, typed);
		sb_puts(b, ")");
		break;
	case E_ASSIGN:
	case E_STATS_ADD:
		print_expr(b, e->a, typed);
		sb_printf(b, " %s%s ",
			  e->kind == E_STATS_ADD ? "<<<"
			  : e->op == OP_ASSIGN	 ? ""
						 : stap_op_text(e->op),
			  e->kind == E_STATS_ADD ? "" : "=");
		print_expr(b, e->b, typed);
		break;
	case E_IN:
		sb_puts(b, "([");
		print_args(b, e->args, e->nargs, typed);
		if (e->a) { /* a histogram's bucket */
			sb_puts(b, "] in ");
			print_expr(b, e->a, typed);
			sb_puts(b, ")");
		} else
			sb_printf(b, "] in %s)", expr_name(e));
		break;
	case E_STAT:
		sb_printf(b, "%s(", stap_op_text(e->op));
		print_expr(b, e->a, typed);
		if (e->op == OP_VARIANCE && e->num)
			sb_printf(b, ", %lld", (long long)e->num);
		sb_puts(b, ")");
		break;
	case E_HIST:
		sb_printf(b, "%s(", stap_op_text(e->op));
		print_expr(b, e->a, typed);
		for (size_t i = 0; i < e->nargs; i++) {
			sb_puts(b, ", ");
			print_expr(b, e->args[i], typed);
		}
		sb_puts(b, ")");
		break;
	}
}

static void indent(struct strbuf *b, int n)
{
	for (int i = 0; i < n; i++)
		sb_puts(b, "  ");
}

static void print_stmt(struct strbuf *b, const struct stap_stmt *s, int ind, int typed);

static void print_body(struct strbuf *b, const struct stap_stmt *s, int ind, int typed)
{
	if (s->kind == S_BLOCK) {
		print_stmt(b, s, ind, typed);
	} else {
		print_stmt(b, s, ind + 1, typed);
	}
}

static void print_foreach(struct strbuf *b, const struct stap_stmt *s, int typed)
{
	const char *mark = s->sort_dir > 0 ? "+" : "-";
	sb_puts(b, "foreach (");
	if (s->value)
		sb_printf(b, "%s%s = ", s->value->name,
			  s->sort_dir && s->sort_column == -1 ? mark : "");
	sb_puts(b, "[");
	for (size_t k = 0; k < s->nkeys; k++)
		sb_printf(b, "%s%s%s", k ? ", " : "", s->keys[k]->name,
			  s->sort_dir && s->sort_column == (int)k + 1 ? mark : "");
	sb_puts(b, "] in ");
	print_expr(b, s->array, typed);
	if (s->sort_agg)
		sb_printf(b, " %s", stap_op_text((enum stap_op)s->sort_agg));
	if (s->sort_dir && s->sort_column == -1 && !s->value)
		sb_puts(b, mark);
	if (s->limit) {
		sb_puts(b, " limit ");
		print_expr(b, s->limit, typed);
	}
	sb_puts(b, ")");
	if (typed)
		print_errloc(b, errloc_stmt(s));
	sb_puts(b, "\n");
}

static void print_stmt(struct strbuf *b, const struct stap_stmt *s, int ind, int typed)
{
	indent(b, ind);
	switch (s->kind) {
	case S_NULL:
		sb_puts(b, ";\n");
		break;
	case S_BLOCK:
		sb_puts(b, "{\n");
		for (size_t i = 0; i < s->nstmts; i++)
			print_stmt(b, s->stmts[i], ind + 1, typed);
		indent(b, ind);
		sb_puts(b, "}\n");
		break;
	case S_EXPR:
		print_expr(b, s->expr, typed);
		sb_puts(b, ";\n");
		break;
	case S_IF:
		sb_puts(b, "if (");
		print_expr(b, s->expr, typed);
		sb_puts(b, ")\n");
		print_body(b, s->body, ind, typed);
		if (s->els) {
			indent(b, ind);
			sb_puts(b, "else\n");
			print_body(b, s->els, ind, typed);
		}
		break;
	case S_WHILE:
		sb_puts(b, "while (");
		print_expr(b, s->expr, typed);
		sb_puts(b, ")\n");
		print_body(b, s->body, ind, typed);
		break;
	case S_FOR:
		sb_puts(b, "for (");
		if (s->init)
			print_expr(b, s->init, typed);
		sb_puts(b, "; ");
		if (s->expr)
			print_expr(b, s->expr, typed);
		sb_puts(b, "; ");
		if (s->step)
			print_expr(b, s->step, typed);
		sb_puts(b, ")\n");
		print_body(b, s->body, ind, typed);
		break;
	case S_FOREACH:
		print_foreach(b, s, typed);
		print_body(b, s->body, ind, typed);
		break;
	case S_BREAK:
		sb_puts(b, "break;\n");
		break;
	case S_CONTINUE:
		sb_puts(b, "continue;\n");
		break;
	case S_NEXT:
		sb_puts(b, "next;\n");
		break;
	case S_RETURN:
		sb_puts(b, "return");
		if (s->expr) {
			sb_puts(b, " ");
			print_expr(b, s->expr, typed);
		}
		sb_puts(b, ";\n");
		break;
	case S_DELETE:
		sb_puts(b, "delete ");
		print_expr(b, s->expr, typed);
		sb_puts(b, ";\n");
		break;
	case S_TRY:
		sb_puts(b, "try\n");
		print_body(b, s->body, ind, typed);
		indent(b, ind);
		sb_puts(b, "catch");
		if (s->catch_var)
			sb_printf(b, " (%s)", s->catch_var->name);
		sb_puts(b, "\n");
		print_body(b, s->els, ind, typed);
		break;
	case S_EMBEDDED:
		sb_printf(b, "%%{%s%%}\n", s->code);
		break;
	}
}

void print_spec(struct strbuf *b, const struct stap_pp_spec *sp)
{
	for (size_t i = 0; i < sp->ncomps; i++) {
		const struct stap_pp_comp *c = &sp->comps[i];
		sb_printf(b, "%s%s", i ? "." : "", c->name);
		if (c->has_arg && c->arg_is_num)
			sb_printf(b, "(%lld)", (long long)c->arg_num);
		else if (c->has_arg) {
			sb_puts(b, "(");
			sb_quote(b, c->arg_str, strlen(c->arg_str));
			sb_puts(b, ")");
		}
	}
	if (sp->sufficient)
		sb_puts(b, "!");
	else if (sp->optional)
		sb_puts(b, "?");
	if (sp->cond) {
		sb_puts(b, " if (");
		print_expr(b, sp->cond, 0);
		sb_puts(b, ")");
	}
}

struct stap_pp_spec *spec_with_suffix(struct stap_program *p, const struct stap_pp_spec *base,
				      const struct stap_pp_spec *sp, size_t from)
{
	struct stap_pp_spec *r = stap_alloc(p, sizeof(*r));
	*r = *base;
	r->ncomps = base->ncomps + sp->ncomps - from;
	r->comps = stap_alloc(p, r->ncomps * sizeof(*r->comps));
	memcpy(r->comps, base->comps, base->ncomps * sizeof(*r->comps));
	memcpy(r->comps + base->ncomps, sp->comps + from, (sp->ncomps - from) * sizeof(*r->comps));
	struct strbuf b = {0};
	print_spec(&b, r);
	r->text = stap_strdup(p, b.s ? b.s : "");
	free(b.s);
	return r;
}

static void print_var_decl(struct strbuf *b, const struct stap_var *v, int typed)
{
	sb_puts(b, v->name);
	if (!typed) {
		/* -p1: the declaration as a script would write it. */
		if (v->wrap)
			sb_puts(b, "%");
		if (v->maxsize)
			sb_printf(b, "[%ld]", v->maxsize);
		if (v->init) {
			sb_puts(b, " = ");
			print_expr(b, v->init, typed);
		}
		return;
	}
	sb_printf(b, ":%s", stap_type_name(v->type));
	if (v->arity > 0) {
		sb_puts(b, " [");
		for (int k = 0; k < v->arity; k++)
			sb_printf(b, "%s%s", k ? ", " : "", stap_type_name(v->key_types[k]));
		sb_puts(b, "]");
	}
	if (v->maxsize)
		sb_printf(b, " maxsize=%ld", v->maxsize);
	if (v->wrap)
		sb_puts(b, " wrap");
	if (v->init) {
		sb_puts(b, " = ");
		print_expr(b, v->init, typed);
	}
}

static void print_func(struct strbuf *b, const struct stap_func *f, int typed)
{
	sb_printf(b, "function %s", f->name);
	if (typed || f->ret_declared)
		sb_printf(b, ":%s", stap_type_name(f->ret));
	sb_puts(b, " (");
	for (size_t i = 0; i < f->nparams; i++) {
		sb_printf(b, "%s%s", i ? ", " : "", f->params[i]->name);
		if (typed || f->params[i]->type)
			sb_printf(b, ":%s", stap_type_name(f->params[i]->type));
	}
	sb_puts(b, ")\n");
	if (typed && f->nlocals > f->nparams) {
		sb_puts(b, "# locals\n");
		for (size_t i = f->nparams; i < f->nlocals; i++) {
			print_var_decl(b, f->locals[i], 1);
			sb_puts(b, "\n");
		}
	}
	if (f->embedded)
		sb_printf(b, "%%{%s%%}\n", f->embedded);
	else
		print_stmt(b, f->body, 0, typed);
}

/* -p1 shows the script, not the library files parsed with it. */
static int p1_in_script(const struct stap_program *p, const struct stap_loc *loc)
{
	return !p->nsources || !loc->file || strcmp(loc->file, p->file) == 0;
}

char *front_p1_text(const struct stap_program *p)
{
	struct strbuf b = {0};
	size_t nembedded = p->nsources ? p->sources[0].first_embedded : p->nembedded;
	sb_printf(&b, "# parse tree dump\n# file %s\n", p->file);
	for (size_t i = 0; i < nembedded; i++)
		sb_printf(&b, "%%{%s%%}\n", p->embedded[i]);
	for (size_t i = 0; i < p->nglobals; i++) {
		if (!p1_in_script(p, &p->globals[i]->loc))
			continue;
		sb_puts(&b, "global ");
		print_var_decl(&b, p->globals[i], 0);
		sb_puts(&b, "\n");
	}
	for (size_t i = 0; i < p->nfuncs; i++)
		if (p1_in_script(p, &p->funcs[i]->loc))
			print_func(&b, p->funcs[i], 0);
	for (size_t i = 0; i < p->naliases; i++) {
		const struct stap_alias *a = p->aliases[i];
		if (!p1_in_script(p, &a->loc))
			continue;
		sb_puts(&b, "probe ");
		for (size_t k = 0; k < a->nnames; k++)
			sb_printf(&b, "%s%s", k ? ", " : "", a->names[k]->text);
		sb_puts(&b, a->epilogue ? " += " : " = ");
		for (size_t k = 0; k < a->nspecs; k++)
			sb_printf(&b, "%s%s", k ? ", " : "", a->specs[k]->text);
		sb_puts(&b, "\n");
		print_stmt(&b, a->body, 0, 0);
	}
	for (size_t i = 0; i < p->nprobes; i++) {
		const struct stap_probe *pr = p->probes[i];
		if (!p1_in_script(p, &pr->loc))
			continue;
		sb_puts(&b, "probe ");
		for (size_t k = 0; k < pr->nspecs; k++)
			sb_printf(&b, "%s%s", k ? ", " : "", pr->specs[k]->text);
		sb_puts(&b, "\n");
		print_stmt(&b, pr->body, 0, 0);
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s ? b.s : strdup("");
}

static void print_point(struct strbuf *b, const struct stap_probe_point *pt)
{
	sb_puts(b, pt->pp);
	if (pt->kind == PP_UPROBE || pt->kind == PP_URETPROBE)
		sb_printf(b, " /* offset 0x%llx */", (unsigned long long)pt->offset);
}

char *program_canonical_text(const struct stap_program *p)
{
	struct strbuf b = {0};
	sb_puts(&b, "# global\n");
	for (size_t i = 0; i < p->nglobals; i++) {
		print_var_decl(&b, p->globals[i], 1);
		sb_puts(&b, "\n");
	}
	if (p->nembedded) {
		sb_puts(&b, "# embedded\n");
		for (size_t i = 0; i < p->nembedded; i++)
			sb_printf(&b, "%%{%s%%}\n", p->embedded[i]);
	}
	sb_puts(&b, "# functions\n");
	for (size_t i = 0; i < p->nfuncs; i++)
		print_func(&b, p->funcs[i], 1);
	sb_puts(&b, "# probes\n");
	for (size_t i = 0; i < p->nprobes; i++) {
		const struct stap_probe *pr = p->probes[i];
		for (size_t k = 0; k < pr->npoints; k++) {
			sb_puts(&b, k ? ",\n" : "probe ");
			print_point(&b, &pr->points[k]);
		}
		sb_puts(&b, "\n");
		if (pr->cond) {
			sb_puts(&b, "# condition\n");
			print_expr(&b, pr->cond, 1);
			sb_puts(&b, "\n");
		}
		if (pr->nlocals) {
			sb_puts(&b, "# locals\n");
			for (size_t k = 0; k < pr->nlocals; k++) {
				print_var_decl(&b, pr->locals[k], 1);
				sb_puts(&b, "\n");
			}
		}
		print_stmt(&b, pr->body, 0, 1);
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}
