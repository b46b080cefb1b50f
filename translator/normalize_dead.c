/* Pass-2 normalization, dead stores: stores to locals that nothing reads
 * are removed, keeping the effects of their right-hand side. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "translator/ast.h"
#include "translator/normalize_int.h"

struct uses {
	int *read;    /* by local index: read other than as a store target */
	int *mention; /* appears at all */
	size_t n;
};

static int local_of(const struct norm *n, const struct stap_var *v)
{
	return v && (v->scope == STAP_VAR_LOCAL || v->scope == STAP_VAR_PARAM) && v->index >= 0 &&
	       (size_t)v->index < n->nlocals && n->locals[v->index] == v;
}

static void uses_expr(const struct norm *n, const struct stap_expr *e, struct uses *u, int target)
{
	if (!e)
		return;
	if (local_of(n, e->var)) {
		u->mention[e->var->index] = 1;
		if (!target || e->kind != E_VAR)
			u->read[e->var->index] = 1;
	}
	uses_expr(n, e->a, u, 0);
	uses_expr(n, e->b, u, 0);
	uses_expr(n, e->c, u, 0);
	for (size_t i = 0; i < e->nargs; i++)
		uses_expr(n, e->args[i], u, 0);
}

/* A statement "v = x", "v op= x", "v++": its target v, else NULL. */
static const struct stap_var *store_target(const struct norm *n, const struct stap_stmt *s)
{
	const struct stap_expr *e = s->kind == S_EXPR ? s->expr : NULL;

	if (!e || (e->kind != E_ASSIGN && e->kind != E_INCDEC) || e->a->kind != E_VAR ||
	    !local_of(n, e->a->var) || e->a->var->arity != 0)
		return NULL;
	return e->a->var;
}

static void uses_stmt(const struct norm *n, const struct stap_stmt *s, struct uses *u)
{
	const struct stap_var *t;

	if (!s)
		return;
	if (s->kind == S_EMBEDDED) {
		for (size_t i = 0; i < u->n; i++)
			u->read[i] = u->mention[i] = 1;
		return;
	}
	if ((t = store_target(n, s))) {
		u->mention[t->index] = 1;
		/* "v op= x" and "v++" read v only to write v. */
		uses_expr(n, s->expr->b, u, 0);
	} else {
		uses_expr(n, s->expr, u, s->kind == S_DELETE);
	}
	uses_expr(n, s->init, u, 0);
	uses_expr(n, s->step, u, 0);
	uses_expr(n, s->array, u, 0);
	uses_expr(n, s->limit, u, 0);
	for (size_t i = 0; i < s->nkeys; i++)
		if (local_of(n, s->keys[i]))
			u->mention[s->keys[i]->index] = 1;
	if (local_of(n, s->value))
		u->mention[s->value->index] = 1;
	if (local_of(n, s->catch_var))
		u->mention[s->catch_var->index] = 1;
	for (size_t i = 0; i < s->nstmts; i++)
		uses_stmt(n, s->stmts[i], u);
	uses_stmt(n, s->body, u);
	uses_stmt(n, s->els, u);
}

/* Remove stores to unread scalars from a body; returns the new body. */
static struct stap_stmt *drop_dead(struct norm *n, struct stap_stmt *s, const struct uses *u,
				   int *changed)
{
	const struct stap_var *t;
	struct stmts l = {0};

	if (!s)
		return NULL;
	if ((t = store_target(n, s)) && !u->read[t->index]) {
		*changed = 1;
		if (s->expr->kind == E_ASSIGN && !norm_pure(s->expr->b)) {
			struct stap_stmt *keep = norm_st_new(n, S_EXPR, s->loc);
			keep->expr = s->expr->b; /* its effects stay */
			return keep;
		}
		return norm_st_new(n, S_NULL, s->loc);
	}
	switch (s->kind) {
	case S_BLOCK:
		for (size_t i = 0; i < s->nstmts; i++) {
			struct stap_stmt *c = drop_dead(n, s->stmts[i], u, changed);
			if (c->kind == S_NULL)
				continue;
			if (c->kind == S_BLOCK)
				for (size_t j = 0; j < c->nstmts; j++)
					norm_push(n, &l, c->stmts[j]);
			else
				norm_push(n, &l, c);
		}
		s->stmts = l.s;
		s->nstmts = l.n;
		return s;
	case S_IF:
	case S_WHILE:
	case S_FOR:
	case S_FOREACH:
	case S_TRY:
		s->body = drop_dead(n, s->body, u, changed);
		if (s->body && s->body->kind == S_NULL)
			s->body = norm_as_body(n, &l, s->loc);
		s->els = drop_dead(n, s->els, u, changed);
		if (s->els && s->els->kind == S_NULL)
			s->els = s->kind == S_TRY ? norm_as_body(n, &l, s->loc) : NULL;
		return s;
	default:
		return s;
	}
}

/* Remove dead stores until none is left, then the locals nothing mentions. */
struct stap_stmt *norm_dead_stores(struct norm *n, struct stap_stmt *body,
				   struct stap_var ***locals, size_t *nlocals, size_t keep)
{
	struct uses u = {stap_alloc(n->p, n->nlocals * sizeof(int) + 1),
			 stap_alloc(n->p, n->nlocals * sizeof(int) + 1), n->nlocals};
	int changed = 1;
	size_t k = 0;

	if (!body)
		return body;
	while (changed) {
		changed = 0;
		memset(u.read, 0, n->nlocals * sizeof(int));
		memset(u.mention, 0, n->nlocals * sizeof(int));
		uses_stmt(n, body, &u);
		if (!n->opaque)
			body = drop_dead(n, body, &u, &changed);
	}
	if (n->opaque)
		return body;
	for (size_t i = 0; i < *nlocals; i++) {
		struct stap_var *v = (*locals)[i];
		if (i < keep || u.mention[i]) {
			v->index = (int)k;
			(*locals)[k++] = v;
		}
	}
	*nlocals = k;
	return body;
}
