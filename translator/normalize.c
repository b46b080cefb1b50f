/* Pass-2 normalization: rewrite the elaborated program into a normal form so
 * that scripts which behave identically on every run get one cache key.
 *
 * Every rewrite here must keep behaviour identical; when unsure, keep.
 * (normalize_eval.c: constants and the interpreter's full evaluation;
 * normalize_dead.c: dead stores; normalize_order.c: probe and function order.)
 * - Blocks are flattened (stap locals are per probe/function, not per block),
 *   empty statements and statements without effect go; a body of one
 *   statement is that statement.
 * - Long arithmetic on constants is folded exactly as the runtime computes it
 *   (runtime/stp_funcs.c: 64-bit wrap, shifts by (b & 63), x / -1 = -x,
 *   x % -1 = 0); a division by zero stays, to fail at run time.
 * - A small abstract interpreter follows the values of long scalar locals
 *   (0 at entry) through straight-line code: reads of known values become
 *   constants, if/while on known conditions are decided, and loops whose
 *   condition stays known are unrolled (bounded).  Globals are never assumed
 *   known: other probes and module parameters change them.
 * - Stores to locals that nothing reads are removed, keeping the effects of
 *   their right-hand side (calls, possible errors).  exit() does not end a
 *   probe, so nothing after it is dropped; only after next/return/break/
 *   continue is code unreachable.
 * - Points of a probe are sorted; probes are ordered canonically except that
 *   probes sharing an event keep their source order (they run in it).
 *   Functions are sorted by name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "translator/ast.h"
#include "translator/normalize_int.h"
#include "translator/passes.h"
#include "translator/session.h"

#define UNROLL_MAX_ITER 64
#define UNROLL_MAX_STMTS 512

/* ---- small helpers ---- */

static struct stap_expr *norm_ex_copy(struct norm *n, const struct stap_expr *e)
{
	struct stap_expr *c = stap_alloc(n->p, sizeof *c);

	*c = *e;
	return c;
}

static struct stap_expr *norm_ex_num(struct norm *n, const struct stap_expr *like, int64_t v)
{
	struct stap_expr *c = stap_alloc(n->p, sizeof *c);

	memset(c, 0, sizeof *c);
	c->kind = E_NUM;
	c->type = STAP_T_LONG;
	c->loc = like->loc;
	c->num = v;
	return c;
}

struct stap_stmt *norm_st_new(struct norm *n, enum stap_stmt_kind kind, struct stap_loc loc)
{
	struct stap_stmt *s = stap_alloc(n->p, sizeof *s);

	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->loc = loc;
	return s;
}

void norm_push(struct norm *n, struct stmts *l, struct stap_stmt *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct stap_stmt **a = stap_alloc(n->p, cap * sizeof *a);
		if (l->n)
			memcpy(a, l->s, l->n * sizeof *a);
		l->s = a;
		l->cap = cap;
	}
	l->s[l->n++] = s;
}

static int norm_is_num(const struct stap_expr *e)
{
	return e && e->kind == E_NUM;
}

/* A long scalar local whose value we may follow. */
int norm_tracked(const struct norm *n, const struct env *env, const struct stap_var *v)
{
	return v && !n->opaque && env->v &&
	       (v->scope == STAP_VAR_LOCAL || v->scope == STAP_VAR_PARAM) && v->arity == 0 &&
	       v->type == STAP_T_LONG && v->index >= 0 && (size_t)v->index < env->n &&
	       n->locals[v->index] == v;
}

static struct env env_dup(struct norm *n, const struct env *e)
{
	struct env d = {NULL, e->n};

	if (e->v) {
		d.v = stap_alloc(n->p, e->n * sizeof *d.v + 1);
		memcpy(d.v, e->v, e->n * sizeof *d.v);
	}
	return d;
}

static void env_forget_all(struct env *e)
{
	for (size_t i = 0; e->v && i < e->n; i++)
		e->v[i].known = 0;
}

/* into = the values both paths agree on. */
static void env_meet(struct env *into, const struct env *other)
{
	for (size_t i = 0; into->v && i < into->n; i++)
		if (!other->v[i].known || !into->v[i].known || other->v[i].v != into->v[i].v)
			into->v[i].known = 0;
}

/* ---- effects ---- */

static void forget_written(struct norm *n, const struct stap_expr *e, struct env *env);

static void forget_var(struct norm *n, const struct stap_var *v, struct env *env)
{
	if (norm_tracked(n, env, v))
		env->v[v->index].known = 0;
}

static void forget_written(struct norm *n, const struct stap_expr *e, struct env *env)
{
	if (!e)
		return;
	if ((e->kind == E_ASSIGN || e->kind == E_INCDEC) && e->a && e->a->kind == E_VAR)
		forget_var(n, e->a->var, env);
	forget_written(n, e->a, env);
	forget_written(n, e->b, env);
	forget_written(n, e->c, env);
	for (size_t i = 0; i < e->nargs; i++)
		forget_written(n, e->args[i], env);
}

static void forget_written_stmt(struct norm *n, const struct stap_stmt *s, struct env *env)
{
	if (!s)
		return;
	if (s->kind == S_EMBEDDED) {
		env_forget_all(env);
		return;
	}
	forget_written(n, s->expr, env);
	forget_written(n, s->init, env);
	forget_written(n, s->step, env);
	forget_written(n, s->array, env);
	forget_written(n, s->limit, env);
	if (s->kind == S_DELETE && s->expr && s->expr->kind == E_VAR)
		forget_var(n, s->expr->var, env);
	for (size_t i = 0; i < s->nkeys; i++)
		forget_var(n, s->keys[i], env);
	forget_var(n, s->value, env);
	forget_var(n, s->catch_var, env);
	for (size_t i = 0; i < s->nstmts; i++)
		forget_written_stmt(n, s->stmts[i], env);
	forget_written_stmt(n, s->body, env);
	forget_written_stmt(n, s->els, env);
}

/* True when evaluating e can have no effect and cannot fail. */
int norm_pure(const struct stap_expr *e)
{
	if (!e)
		return 1;
	switch (e->kind) {
	case E_NUM:
	case E_STR:
	case E_VAR:
		return 1;
	case E_COMPARE:
		if (e->op == OP_MATCH || e->op == OP_NMATCH)
			return 0; /* sets the state matched() reads */
		return norm_pure(e->a) && norm_pure(e->b);
	case E_UNARY:
	case E_LOGICAL:
	case E_TERNARY:
		return norm_pure(e->a) && norm_pure(e->b) && norm_pure(e->c);
	case E_BINARY:
		if ((e->op == OP_DIV || e->op == OP_MOD) && !(norm_is_num(e->b) && e->b->num != 0))
			return 0;
		return norm_pure(e->a) && norm_pure(e->b);
	default:
		return 0; /* calls, targets, array reads, assignments, stats */
	}
}

/* ---- partial simplification ---- */

static struct stap_expr *simp(struct norm *n, const struct stap_expr *e, struct env *env);

static struct stap_expr *simp_children(struct norm *n, const struct stap_expr *e, struct env *env)
{
	struct stap_expr *c = norm_ex_copy(n, e);

	c->a = e->a ? simp(n, e->a, env) : NULL;
	c->b = e->b ? simp(n, e->b, env) : NULL;
	c->c = e->c ? simp(n, e->c, env) : NULL;
	if (e->nargs) {
		c->args = stap_alloc(n->p, e->nargs * sizeof *c->args);
		for (size_t i = 0; i < e->nargs; i++)
			c->args[i] = simp(n, e->args[i], env);
	}
	return c;
}

/* Assignment targets are not values: copy them without substituting. */
static struct stap_expr *simp_lvalue(struct norm *n, const struct stap_expr *e, struct env *env)
{
	struct stap_expr *c = norm_ex_copy(n, e);

	if (e->kind == E_INDEX && e->nargs) {
		c->args = stap_alloc(n->p, e->nargs * sizeof *c->args);
		for (size_t i = 0; i < e->nargs; i++)
			c->args[i] = simp(n, e->args[i], env);
	}
	return c;
}

static struct stap_expr *simp(struct norm *n, const struct stap_expr *e, struct env *env)
{
	struct stap_expr *c;
	int64_t v;

	switch (e->kind) {
	case E_VAR:
		if (norm_tracked(n, env, e->var) && env->v[e->var->index].known)
			return norm_ex_num(n, e, env->v[e->var->index].v);
		return norm_ex_copy(n, e);
	case E_ASSIGN:
	case E_INCDEC:
	case E_STATS_ADD:
		c = norm_ex_copy(n, e);
		/* The right side is evaluated before the store. */
		c->b = e->b ? simp(n, e->b, env) : NULL;
		c->a = simp_lvalue(n, e->a, env);
		forget_written(n, e, env);
		return c;
	case E_LOGICAL:
		c = norm_ex_copy(n, e);
		c->a = simp(n, e->a, env);
		if (norm_is_num(c->a) &&
		    ((e->op == OP_LAND && !c->a->num) || (e->op == OP_LOR && c->a->num)))
			return norm_ex_num(n, e, e->op == OP_LOR);
		{
			/* The right side may not run: what it writes is unknown after. */
			struct env right = env_dup(n, env);
			c->b = simp(n, e->b, &right);
			forget_written(n, e->b, env);
		}
		if (norm_is_num(c->a) && norm_is_num(c->b))
			return norm_ex_num(n, e, c->b->num != 0);
		return c;
	case E_TERNARY:
		c = norm_ex_copy(n, e);
		c->a = simp(n, e->a, env);
		if (norm_is_num(c->a) && e->b->type == e->c->type)
			return simp(n, c->a->num ? e->b : e->c, env);
		{
			struct env eb = env_dup(n, env), ec = env_dup(n, env);
			c->b = simp(n, e->b, &eb);
			c->c = simp(n, e->c, &ec);
			forget_written(n, e->b, env);
			forget_written(n, e->c, env);
		}
		return c;
	default:
		break;
	}
	c = simp_children(n, e, env);
	if (e->type != STAP_T_LONG)
		return c;
	if (e->kind == E_UNARY && norm_long_operands(e) && norm_is_num(c->a) &&
	    norm_fold_unary(e->op, c->a->num, &v))
		return norm_ex_num(n, e, v);
	if ((e->kind == E_BINARY || e->kind == E_COMPARE) && norm_long_operands(e) &&
	    norm_is_num(c->a) && norm_is_num(c->b) &&
	    norm_fold_binary(e->op, c->a->num, c->b->num, &v))
		return norm_ex_num(n, e, v);
	return c;
}

/* Where an expression writes a local and also reads it elsewhere, the value
 * read depends on evaluation order, which the C the back end emits may
 * leave unspecified.  Such expressions are simplified without assuming any
 * value for those locals.  A store at the root ("v = ... v ...") is fine:
 * its right side is evaluated first. */
static void count_refs(const struct norm *n, const struct env *env, const struct stap_expr *e,
		       int *refs, int *writes)
{
	if (!e)
		return;
	if (e->kind == E_VAR && norm_tracked(n, env, e->var))
		refs[e->var->index]++;
	if ((e->kind == E_ASSIGN || e->kind == E_INCDEC) && e->a && e->a->kind == E_VAR &&
	    norm_tracked(n, env, e->a->var))
		writes[e->a->var->index]++;
	count_refs(n, env, e->a, refs, writes);
	count_refs(n, env, e->b, refs, writes);
	count_refs(n, env, e->c, refs, writes);
	for (size_t i = 0; i < e->nargs; i++)
		count_refs(n, env, e->args[i], refs, writes);
}

static int writes_ordered(struct norm *n, const struct env *env, const struct stap_expr *root)
{
	const struct stap_var *top = NULL;
	int *refs, *writes;

	if (!env->v || !root)
		return 1;
	refs = stap_alloc(n->p, env->n * sizeof *refs + 1);
	writes = stap_alloc(n->p, env->n * sizeof *writes + 1);
	count_refs(n, env, root, refs, writes);
	if (root->kind == E_ASSIGN && root->a->kind == E_VAR && norm_tracked(n, env, root->a->var))
		top = root->a->var;
	for (size_t i = 0; i < env->n; i++) {
		if (!writes[i] || refs[i] == 1)
			continue;
		if (top && (size_t)top->index == i && writes[i] == 1)
			continue;
		return 0;
	}
	return 1;
}

/* simp() for a whole expression of a statement. */
static struct stap_expr *simp_top(struct norm *n, const struct stap_expr *e, struct env *env)
{
	if (!writes_ordered(n, env, e))
		forget_written(n, e, env);
	return simp(n, e, env);
}

/* ---- statements ---- */

/* How control leaves a statement list. */
enum flow { FLOW_NEXT, FLOW_JUMP };

static enum flow norm_stmt(struct norm *n, const struct stap_stmt *s, struct env *env,
			   struct stmts *out);

static enum flow norm_list(struct norm *n, struct stap_stmt *const *ss, size_t count,
			   struct env *env, struct stmts *out)
{
	for (size_t i = 0; i < count; i++)
		if (ss[i] && norm_stmt(n, ss[i], env, out) == FLOW_JUMP)
			return FLOW_JUMP; /* the rest is unreachable */
	return FLOW_NEXT;
}

/* A body as one statement: the statement itself, a block, or NULL if empty. */
struct stap_stmt *norm_as_body(struct norm *n, struct stmts *l, struct stap_loc loc)
{
	struct stap_stmt *b;

	if (l->n == 1 && l->s[0]->kind != S_BLOCK)
		return l->s[0];
	b = norm_st_new(n, S_BLOCK, loc);
	b->stmts = l->s;
	b->nstmts = l->n;
	return b;
}

static struct stap_stmt *norm_body(struct norm *n, const struct stap_stmt *s, struct env *env,
				   enum flow *flow)
{
	struct stmts l = {0};
	enum flow f = FLOW_NEXT;

	if (s)
		f = norm_stmt(n, s, env, &l);
	if (flow)
		*flow = f;
	return norm_as_body(n, &l, s ? s->loc : (struct stap_loc){0});
}

/* Assignments "v = value" for every tracked local whose value differs. */
static void emit_changes(struct norm *n, const struct env *before, const struct env *after,
			 const struct stap_stmt *at, struct stmts *out)
{
	for (size_t i = 0; after->v && i < after->n; i++) {
		if (!after->v[i].known || (before->v[i].known && before->v[i].v == after->v[i].v))
			continue;
		struct stap_expr *lhs = stap_alloc(n->p, sizeof *lhs), *as;
		memset(lhs, 0, sizeof *lhs);
		lhs->kind = E_VAR;
		lhs->type = STAP_T_LONG;
		lhs->loc = at->loc;
		lhs->var = n->locals[i];
		lhs->str = n->locals[i]->name;
		as = stap_alloc(n->p, sizeof *as);
		memset(as, 0, sizeof *as);
		as->kind = E_ASSIGN;
		as->op = OP_ASSIGN;
		as->type = STAP_T_LONG;
		as->loc = at->loc;
		as->a = lhs;
		as->b = norm_ex_num(n, lhs, after->v[i].v);
		struct stap_stmt *st = norm_st_new(n, S_EXPR, at->loc);
		st->expr = as;
		norm_push(n, out, st);
	}
}

static void norm_expr_stmt(struct norm *n, const struct stap_stmt *s, struct env *env,
			   struct stmts *out)
{
	struct env trial = env_dup(n, env);
	struct stap_stmt *c;
	int64_t v;

	/* Fully known (e.g. i++ with i known): keep only its effects. */
	if (!writes_ordered(n, env, s->expr))
		forget_written(n, s->expr, env);
	else if (env->v && norm_eval_full(n, s->expr, &trial, &v)) {
		emit_changes(n, env, &trial, s, out);
		memcpy(env->v, trial.v, env->n * sizeof *env->v);
		return;
	}
	c = norm_st_new(n, S_EXPR, s->loc);
	c->expr = simp(n, s->expr, env);
	if (norm_pure(c->expr))
		return; /* no effect, cannot fail */
	/* v = constant: v is known from here on. */
	if (c->expr->kind == E_ASSIGN && c->expr->op == OP_ASSIGN && c->expr->a->kind == E_VAR &&
	    norm_is_num(c->expr->b) && norm_tracked(n, env, c->expr->a->var))
		env->v[c->expr->a->var->index] = (struct val){1, c->expr->b->num};
	norm_push(n, out, c);
}

static enum flow norm_if(struct norm *n, const struct stap_stmt *s, struct env *env,
			 struct stmts *out)
{
	struct stap_expr *cond = simp_top(n, s->expr, env);
	struct env eb, ee;
	enum flow fb, fe;
	struct stap_stmt *c;

	if (norm_is_num(cond)) {
		const struct stap_stmt *taken = cond->num ? s->body : s->els;
		return taken ? norm_stmt(n, taken, env, out) : FLOW_NEXT;
	}
	eb = env_dup(n, env);
	ee = env_dup(n, env);
	c = norm_st_new(n, S_IF, s->loc);
	c->expr = cond;
	c->body = norm_body(n, s->body, &eb, &fb);
	c->els = s->els ? norm_body(n, s->els, &ee, &fe) : NULL;
	if (!s->els)
		fe = FLOW_NEXT;
	if (c->els && c->els->kind == S_BLOCK && c->els->nstmts == 0)
		c->els = NULL;
	/* Only paths that fall through reach what follows. */
	if (fb == FLOW_NEXT && fe == FLOW_NEXT) {
		env_meet(&eb, &ee);
		if (env->v)
			memcpy(env->v, eb.v, env->n * sizeof *env->v);
	} else if (fb == FLOW_NEXT && env->v) {
		memcpy(env->v, eb.v, env->n * sizeof *env->v);
	} else if (fe == FLOW_NEXT && env->v) {
		memcpy(env->v, ee.v, env->n * sizeof *env->v);
	}
	if (c->body->kind == S_BLOCK && c->body->nstmts == 0 && !c->els && norm_pure(cond))
		return FLOW_NEXT;
	norm_push(n, out, c);
	return fb == FLOW_JUMP && fe == FLOW_JUMP ? FLOW_JUMP : FLOW_NEXT;
}

static int unrollable(const struct stap_stmt *s)
{
	if (!s)
		return 1;
	switch (s->kind) {
	case S_BREAK:
	case S_CONTINUE:
	case S_NEXT:
	case S_RETURN:
	case S_TRY:
	case S_EMBEDDED:
	case S_WHILE:
	case S_FOR:
	case S_FOREACH:
		return 0;
	default:
		break;
	}
	for (size_t i = 0; i < s->nstmts; i++)
		if (!unrollable(s->stmts[i]))
			return 0;
	return unrollable(s->body) && unrollable(s->els);
}

/* while (cond) body, or for (; cond; step) body, with cond known at every
 * turn: the body (and step) repeated. */
static int unroll_loop(struct norm *n, const struct stap_stmt *s, struct env *env,
		       struct stmts *out)
{
	struct env e = env_dup(n, env), before;
	struct stmts l = {0};
	int64_t v;

	if (!env->v || !s->expr || !unrollable(s->body))
		return 0;
	for (int iter = 0; iter <= UNROLL_MAX_ITER && l.n <= UNROLL_MAX_STMTS; iter++) {
		before = env_dup(n, &e);
		if (!writes_ordered(n, &e, s->expr) || !norm_eval_full(n, s->expr, &e, &v))
			return 0;
		emit_changes(n, &before, &e, s, &l);
		if (!v) {
			for (size_t i = 0; i < l.n; i++)
				norm_push(n, out, l.s[i]);
			memcpy(env->v, e.v, env->n * sizeof *env->v);
			return 1;
		}
		if (s->body)
			norm_stmt(n, s->body, &e, &l);
		if (s->step) {
			struct stap_stmt step = {.kind = S_EXPR, .loc = s->loc, .expr = s->step};
			norm_expr_stmt(n, &step, &e, &l);
		}
	}
	return 0;
}

static enum flow norm_loop(struct norm *n, const struct stap_stmt *s, struct env *env,
			   struct stmts *out)
{
	struct stap_stmt *c;
	struct env inner;

	/* for (init; ...): init runs once, first. */
	if (s->kind == S_FOR && s->init) {
		struct stap_stmt init = {.kind = S_EXPR, .loc = s->loc, .expr = s->init};
		norm_expr_stmt(n, &init, env, out);
	}
	if (s->kind != S_FOREACH && unroll_loop(n, s, env, out))
		return FLOW_NEXT;
	c = norm_st_new(n, s->kind, s->loc);
	*c = *s;
	c->init = NULL;
	/* The parts run many times: what the loop writes is unknown in it. */
	forget_written_stmt(n, s, env);
	inner = env_dup(n, env);
	if (s->kind == S_FOREACH) {
		c->array = simp_top(n, s->array, &inner);
		c->limit = s->limit ? simp_top(n, s->limit, &inner) : NULL;
	} else {
		c->expr = s->expr ? simp_top(n, s->expr, &inner) : NULL;
		if (norm_is_num(c->expr) && !c->expr->num)
			return FLOW_NEXT;
		c->step = s->step ? simp_top(n, s->step, &inner) : NULL;
	}
	c->body = norm_body(n, s->body, &inner, NULL);
	norm_push(n, out, c);
	return FLOW_NEXT;
}

static enum flow norm_try(struct norm *n, const struct stap_stmt *s, struct env *env,
			  struct stmts *out)
{
	struct stap_stmt *c = norm_st_new(n, S_TRY, s->loc);
	struct env body = env_dup(n, env), handler;

	*c = *s;
	c->body = norm_body(n, s->body, &body, NULL);
	/* An error may come from anywhere in the body. */
	forget_written_stmt(n, s->body, env);
	forget_var(n, s->catch_var, env);
	handler = env_dup(n, env);
	c->els = s->els ? norm_body(n, s->els, &handler, NULL) : NULL;
	forget_written_stmt(n, s, env);
	norm_push(n, out, c);
	return FLOW_NEXT;
}

static enum flow norm_stmt(struct norm *n, const struct stap_stmt *s, struct env *env,
			   struct stmts *out)
{
	struct stap_stmt *c;

	switch (s->kind) {
	case S_NULL:
		return FLOW_NEXT;
	case S_BLOCK:
		return norm_list(n, s->stmts, s->nstmts, env, out);
	case S_EXPR:
		norm_expr_stmt(n, s, env, out);
		return FLOW_NEXT;
	case S_IF:
		return norm_if(n, s, env, out);
	case S_WHILE:
	case S_FOR:
	case S_FOREACH:
		return norm_loop(n, s, env, out);
	case S_TRY:
		return norm_try(n, s, env, out);
	case S_BREAK:
	case S_CONTINUE:
	case S_NEXT:
		norm_push(n, out, (struct stap_stmt *)s);
		return FLOW_JUMP;
	case S_RETURN:
	case S_DELETE:
		c = norm_st_new(n, s->kind, s->loc);
		*c = *s;
		if (s->expr)
			c->expr = s->kind == S_DELETE ? simp_lvalue(n, s->expr, env)
						      : simp_top(n, s->expr, env);
		if (s->kind == S_DELETE && s->expr && s->expr->kind == E_VAR)
			forget_var(n, s->expr->var, env);
		norm_push(n, out, c);
		return s->kind == S_RETURN ? FLOW_JUMP : FLOW_NEXT;
	case S_EMBEDDED:
		env_forget_all(env);
		norm_push(n, out, (struct stap_stmt *)s);
		return FLOW_NEXT;
	}
	return FLOW_NEXT;
}

/* ---- one body ---- */

static int has_embedded(const struct stap_stmt *s)
{
	if (!s)
		return 0;
	if (s->kind == S_EMBEDDED)
		return 1;
	for (size_t i = 0; i < s->nstmts; i++)
		if (has_embedded(s->stmts[i]))
			return 1;
	return has_embedded(s->body) || has_embedded(s->els);
}

static struct stap_stmt *norm_owner(struct stap_program *p, struct stap_stmt *body,
				    struct stap_var ***locals, size_t *nlocals, size_t nparams,
				    int unoptimized)
{
	/* -u keeps every store and local: follow no values, remove no stores. */
	struct norm n = {p, *locals, *nlocals, unoptimized || has_embedded(body)};
	struct env env = {NULL, *nlocals};
	struct stmts out = {0};
	struct stap_stmt *b;

	if (!body)
		return NULL;
	for (size_t i = 0; i < *nlocals; i++)
		if ((*locals)[i]->index != (int)i)
			n.opaque = 1; /* indexes we cannot rely on: track nothing */
	if (!n.opaque) {
		env.v = stap_alloc(p, *nlocals * sizeof *env.v + 1);
		/* Locals start at 0; parameters are the caller's. */
		for (size_t i = 0; i < *nlocals; i++)
			env.v[i] = (struct val){i >= nparams, 0};
	}
	norm_stmt(&n, body, &env, &out);
	b = norm_st_new(&n, S_BLOCK, body->loc);
	b->stmts = out.s;
	b->nstmts = out.n;
	return norm_dead_stores(&n, b, locals, nlocals, nparams);
}

int normalize_program(struct stap_session *s, struct stap_program *p)
{
	int unopt = s && s->unoptimized;

	for (size_t i = 0; i < p->nprobes; i++) {
		struct stap_probe *pr = p->probes[i];
		pr->body = norm_owner(p, pr->body, &pr->locals, &pr->nlocals, 0, unopt);
	}
	for (size_t i = 0; i < p->nfuncs; i++) {
		struct stap_func *f = p->funcs[i];
		f->body = norm_owner(p, f->body, &f->locals, &f->nlocals, f->nparams, unopt);
	}
	normalize_order(p);
	return 0;
}
