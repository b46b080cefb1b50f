/* Pass 2 checks after binding, with SystemTap's reasons: an array must not
 * change while a foreach walks it (directly or through a called function),
 * and a probe condition ("probe P if (cond)") must have no side effects,
 * because the runtime evaluates it whenever it likes to arm or disarm P. */
#include <string.h>

#include "translator/ast_walk.h"
#include "translator/elab_int.h"

/* The walk of ast_walk.h, into called functions when follow is set (each
 * function once per walk). */
struct walk {
	struct ast_visit v; /* first: the callbacks get &walk.v */
	struct elab *el;
	int follow;
	const struct stap_var *var;	/* what the callbacks look for */
	const struct stap_func *via;	/* outermost called function, or NULL */
	const struct stap_loc *via_loc; /* where it is called */
	const struct stap_func *seen[64];
	size_t nseen;
	struct reported *rep;
};

/* Places already reported: probes derived from one source (aliases, several
 * points with one condition) share the code, and one message is enough. */
struct reported {
	struct stap_loc v[32];
	size_t n;
};

static int first_report(struct walk *w, const struct stap_loc *loc)
{
	struct reported *r = w->rep;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].line == loc->line && r->v[i].col == loc->col &&
		    r->v[i].file == loc->file)
			return 0;
	if (r->n < sizeof(r->v) / sizeof(r->v[0]))
		r->v[r->n++] = *loc;
	return 1;
}

/* Into the function a call reaches, once. */
static int walk_call(struct ast_visit *v, const struct stap_expr *e)
{
	struct walk *w = (struct walk *)v;
	const struct stap_func *f = e->func;
	if (!w->follow || !f || !f->body)
		return 0;
	for (size_t i = 0; i < w->nseen; i++)
		if (w->seen[i] == f)
			return 0;
	if (w->nseen == sizeof(w->seen) / sizeof(w->seen[0]))
		return 0;
	w->seen[w->nseen++] = f;
	const struct stap_func *outer = w->via;
	const struct stap_loc *outer_loc = w->via_loc;
	if (!w->via) {
		w->via = f;
		w->via_loc = &e->loc;
	}
	int r = ast_visit_stmt(v, f->body);
	w->via = outer;
	w->via_loc = outer_loc;
	return r;
}

/* The variable an lvalue expression writes, or NULL. */
static const struct stap_var *written_var(const struct stap_expr *e)
{
	if (e->kind != E_ASSIGN && e->kind != E_INCDEC && e->kind != E_STATS_ADD)
		return NULL;
	return e->a && (e->a->kind == E_VAR || e->a->kind == E_INDEX) ? e->a->var : NULL;
}

/* ---- foreach ---- */

/* Where to point: the call that leads to the write, else the write. */
static const struct stap_loc *at(const struct walk *w, const struct stap_loc *loc)
{
	return w->via ? w->via_loc : loc;
}

static void report_modify(struct walk *w, const struct stap_loc *loc)
{
	loc = at(w, loc);
	if (!first_report(w, loc))
		return;
	if (w->via)
		elab_error(w->el, loc,
			   "function '%s' modifies variable '%s' during 'foreach' iteration",
			   w->via->name, w->var->name);
	else
		elab_error(w->el, loc, "variable '%s' modified during 'foreach' iteration",
			   w->var->name);
}

static int modify_expr(struct ast_visit *v, const struct stap_expr *e)
{
	struct walk *w = (struct walk *)v;
	if (written_var(e) == w->var) {
		report_modify(w, &e->a->loc);
		return 1;
	}
	return 0;
}

static int modify_stmt(struct ast_visit *v, const struct stap_stmt *s)
{
	struct walk *w = (struct walk *)v;
	if (s->kind == S_DELETE && s->expr && s->expr->var == w->var) {
		report_modify(w, &s->expr->loc);
		return 1;
	}
	return 0;
}

/* A foreach found anywhere: its body must leave its array alone. */
static int foreach_stmt(struct ast_visit *v, const struct stap_stmt *s)
{
	struct walk *w = (struct walk *)v;
	const struct stap_expr *a = s->kind == S_FOREACH ? s->array : NULL;
	if (a && a->kind == E_HIST) /* a histogram's buckets: its statistic */
		a = a->a;
	if (!a || (a->kind != E_VAR && a->kind != E_INDEX) || !a->var)
		return 0;
	struct walk inner = {.v = {modify_stmt, modify_expr, walk_call},
			     .el = w->el,
			     .follow = 1,
			     .var = a->var,
			     .rep = w->rep};
	ast_visit_stmt(&inner.v, s->body);
	return 0;
}

static void check_foreach(struct elab *el, const struct stap_stmt *body, struct reported *rep)
{
	struct walk w = {.v = {.stmt = foreach_stmt}, .el = el, .rep = rep};
	ast_visit_stmt(&w.v, body);
}

/* ---- probe conditions ---- */

static int cond_expr(struct walk *w, const struct stap_expr *e)
{
	const char *in = w->via ? " (in a called function)" : "";
	const struct stap_loc *loc = at(w, written_var(e) ? &e->a->loc : &e->loc);
	if (written_var(e)) {
		if (first_report(w, loc))
			elab_error(w->el, loc, "probe condition must not modify any variables%s",
				   in);
	} else if (e->kind == E_BUILTIN && stap_builtin_has_effect(e->builtin)) {
		if (first_report(w, loc))
			elab_error(w->el, loc,
				   "probe condition must not call '%s', which has side effects%s",
				   stap_builtin_name(e->builtin), in);
	} else if (e->kind == E_CALL && e->func && e->func->embedded && !e->func->pure) {
		if (first_report(w, loc))
			elab_error(w->el, loc,
				   "probe condition must not call '%s', impure embedded C (mark it "
				   "/* pure */)",
				   e->func->name);
	} else {
		return 0;
	}
	return 1;
}

static int cond_stmt(struct ast_visit *v, const struct stap_stmt *s)
{
	struct walk *w = (struct walk *)v;
	const char *msg = NULL;
	if (s->kind == S_DELETE && s->expr && s->expr->var &&
	    s->expr->var->scope == STAP_VAR_GLOBAL)
		msg = "probe condition must not modify any variables (in a called function)";
	else if (s->kind == S_EMBEDDED)
		msg = "probe condition must not run embedded C";
	if (!msg)
		return 0;
	if (first_report(w, at(w, &s->loc)))
		elab_error(w->el, at(w, &s->loc), "%s", msg);
	return 1;
}

/* In a called function, writes to its own locals are no side effect. */
static int cond_expr_globals(struct ast_visit *v, const struct stap_expr *e)
{
	struct walk *w = (struct walk *)v;
	const struct stap_var *var = written_var(e);
	if (var && w->via && var->scope != STAP_VAR_GLOBAL)
		return 0;
	return cond_expr(w, e);
}

void elab_check(struct elab *el, struct stap_func **funcs, size_t nfuncs)
{
	struct stap_program *p = el->p;
	struct reported rep = {0};
	for (size_t i = 0; i < p->nprobes; i++) {
		struct stap_probe *pr = p->probes[i];
		check_foreach(el, pr->body, &rep);
		if (pr->cond) {
			struct walk w = {.v = {cond_stmt, cond_expr_globals, walk_call},
					 .el = el,
					 .follow = 1,
					 .rep = &rep};
			ast_visit_expr(&w.v, pr->cond);
		}
	}
	for (size_t i = 0; i < nfuncs; i++)
		check_foreach(el, funcs[i]->body, &rep);
}
