/* Pass-2 normalization: rewrite the elaborated program into a normal form so
 * that scripts which behave identically on every run get one cache key.
 *
 * Every rewrite here must keep behaviour identical; when unsure, keep.
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
#include "translator/passes.h"
#include "translator/session.h"

#define UNROLL_MAX_ITER 64
#define UNROLL_MAX_STMTS 512

struct val {
	int known;
	int64_t v;
};

/* The body being normalized: a probe or a function. */
struct norm {
	struct stap_program *p;
	struct stap_var **locals;
	size_t nlocals;
	int opaque; /* embedded C may touch any local: track nothing */
};

struct env {
	struct val *v; /* by var->index; NULL when nothing is tracked */
	size_t n;
};

struct stmts {
	struct stap_stmt **s;
	size_t n, cap;
};

/* ---- small helpers ---- */

static struct stap_expr *ex_copy(struct norm *n, const struct stap_expr *e)
{
	struct stap_expr *c = stap_alloc(n->p, sizeof *c);

	*c = *e;
	return c;
}

static struct stap_expr *ex_num(struct norm *n, const struct stap_expr *like, int64_t v)
{
	struct stap_expr *c = stap_alloc(n->p, sizeof *c);

	memset(c, 0, sizeof *c);
	c->kind = E_NUM;
	c->type = STAP_T_LONG;
	c->loc = like->loc;
	c->num = v;
	return c;
}

static struct stap_stmt *st_new(struct norm *n, enum stap_stmt_kind kind, struct stap_loc loc)
{
	struct stap_stmt *s = stap_alloc(n->p, sizeof *s);

	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->loc = loc;
	return s;
}

static void push(struct norm *n, struct stmts *l, struct stap_stmt *s)
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

static int is_num(const struct stap_expr *e)
{
	return e && e->kind == E_NUM;
}

/* A long scalar local whose value we may follow. */
static int tracked(const struct norm *n, const struct env *env, const struct stap_var *v)
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

/* ---- constant arithmetic, as runtime/stp_funcs.c computes it ---- */

static int fold_binary(enum stap_op op, int64_t a, int64_t b, int64_t *out)
{
	uint64_t ua = (uint64_t)a, ub = (uint64_t)b;

	switch (op) {
	case OP_ADD:
		*out = (int64_t)(ua + ub);
		return 1;
	case OP_SUB:
		*out = (int64_t)(ua - ub);
		return 1;
	case OP_MUL:
		*out = (int64_t)(ua * ub);
		return 1;
	case OP_DIV:
	case OP_MOD:
		if (b == 0)
			return 0; /* the runtime reports it, with the location */
		if (b == -1)
			*out = op == OP_MOD ? 0 : (int64_t)(0 - ua);
		else
			*out = op == OP_MOD ? a % b : a / b;
		return 1;
	case OP_SHL:
		*out = (int64_t)(ua << (b & 63));
		return 1;
	case OP_SHR:
		*out = a >> (b & 63);
		return 1;
	case OP_AND:
		*out = a & b;
		return 1;
	case OP_OR:
		*out = a | b;
		return 1;
	case OP_XOR:
		*out = a ^ b;
		return 1;
	case OP_LT:
		*out = a < b;
		return 1;
	case OP_LE:
		*out = a <= b;
		return 1;
	case OP_GT:
		*out = a > b;
		return 1;
	case OP_GE:
		*out = a >= b;
		return 1;
	case OP_EQ:
		*out = a == b;
		return 1;
	case OP_NE:
		*out = a != b;
		return 1;
	default:
		return 0;
	}
}

static int fold_unary(enum stap_op op, int64_t a, int64_t *out)
{
	switch (op) {
	case OP_NEG:
		*out = (int64_t)(0 - (uint64_t)a);
		return 1;
	case OP_PLUS:
		*out = a;
		return 1;
	case OP_NOT:
		*out = !a;
		return 1;
	case OP_BITNOT:
		*out = ~a;
		return 1;
	default:
		return 0;
	}
}

static int long_operands(const struct stap_expr *e)
{
	return e->a && e->a->type == STAP_T_LONG && (!e->b || e->b->type == STAP_T_LONG);
}

/* ---- full evaluation: every part known, effects only on tracked locals ---- */

static int eval_full(struct norm *n, const struct stap_expr *e, struct env *env, int64_t *out);

static int eval_assign(struct norm *n, const struct stap_expr *e, struct env *env, int64_t *out)
{
	struct stap_var *v = e->a->kind == E_VAR ? e->a->var : NULL;
	int64_t rhs, cur;

	if (!tracked(n, env, v) || (e->op != OP_ASSIGN && !env->v[v->index].known))
		return 0;
	if (!eval_full(n, e->b, env, &rhs))
		return 0;
	if (e->op == OP_ASSIGN)
		cur = rhs;
	else if (!fold_binary(e->op, env->v[v->index].v, rhs, &cur))
		return 0;
	env->v[v->index] = (struct val){1, cur};
	*out = cur;
	return 1;
}

static int eval_incdec(struct norm *n, const struct stap_expr *e, struct env *env, int64_t *out)
{
	struct stap_var *v = e->a->kind == E_VAR ? e->a->var : NULL;
	int64_t old;

	if (!tracked(n, env, v) || !env->v[v->index].known)
		return 0;
	old = env->v[v->index].v;
	int64_t nv =
	    (int64_t)((uint64_t)old + (e->op == OP_PREINC || e->op == OP_POSTINC ? 1 : -1));
	env->v[v->index].v = nv;
	*out = e->op == OP_PREINC || e->op == OP_PREDEC ? nv : old;
	return 1;
}

static int eval_full(struct norm *n, const struct stap_expr *e, struct env *env, int64_t *out)
{
	int64_t a, b;

	if (!e || e->type != STAP_T_LONG)
		return 0;
	switch (e->kind) {
	case E_NUM:
		*out = e->num;
		return 1;
	case E_VAR:
		if (!tracked(n, env, e->var) || !env->v[e->var->index].known)
			return 0;
		*out = env->v[e->var->index].v;
		return 1;
	case E_UNARY:
		return long_operands(e) && eval_full(n, e->a, env, &a) && fold_unary(e->op, a, out);
	case E_BINARY:
	case E_COMPARE:
		return long_operands(e) && eval_full(n, e->a, env, &a) &&
		       eval_full(n, e->b, env, &b) && fold_binary(e->op, a, b, out);
	case E_LOGICAL:
		if (!eval_full(n, e->a, env, &a))
			return 0;
		if ((e->op == OP_LAND && !a) || (e->op == OP_LOR && a)) {
			*out = e->op == OP_LOR;
			return 1;
		}
		if (!eval_full(n, e->b, env, &b))
			return 0;
		*out = b != 0;
		return 1;
	case E_TERNARY:
		return eval_full(n, e->a, env, &a) && eval_full(n, a ? e->b : e->c, env, out);
	case E_ASSIGN:
		return eval_assign(n, e, env, out);
	case E_INCDEC:
		return eval_incdec(n, e, env, out);
	default:
		return 0;
	}
}

/* ---- effects ---- */

static void forget_written(struct norm *n, const struct stap_expr *e, struct env *env);

static void forget_var(struct norm *n, const struct stap_var *v, struct env *env)
{
	if (tracked(n, env, v))
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
static int pure(const struct stap_expr *e)
{
	if (!e)
		return 1;
	switch (e->kind) {
	case E_NUM:
	case E_STR:
	case E_VAR:
		return 1;
	case E_UNARY:
	case E_COMPARE:
	case E_LOGICAL:
	case E_TERNARY:
		return pure(e->a) && pure(e->b) && pure(e->c);
	case E_BINARY:
		if ((e->op == OP_DIV || e->op == OP_MOD) && !(is_num(e->b) && e->b->num != 0))
			return 0;
		return pure(e->a) && pure(e->b);
	default:
		return 0; /* calls, targets, array reads, assignments, stats */
	}
}

/* ---- partial simplification ---- */

static struct stap_expr *simp(struct norm *n, const struct stap_expr *e, struct env *env);

static struct stap_expr *simp_children(struct norm *n, const struct stap_expr *e, struct env *env)
{
	struct stap_expr *c = ex_copy(n, e);

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
	struct stap_expr *c = ex_copy(n, e);

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
		if (tracked(n, env, e->var) && env->v[e->var->index].known)
			return ex_num(n, e, env->v[e->var->index].v);
		return ex_copy(n, e);
	case E_ASSIGN:
	case E_INCDEC:
	case E_STATS_ADD:
		c = ex_copy(n, e);
		/* The right side is evaluated before the store. */
		c->b = e->b ? simp(n, e->b, env) : NULL;
		c->a = simp_lvalue(n, e->a, env);
		forget_written(n, e, env);
		return c;
	case E_LOGICAL:
		c = ex_copy(n, e);
		c->a = simp(n, e->a, env);
		if (is_num(c->a) &&
		    ((e->op == OP_LAND && !c->a->num) || (e->op == OP_LOR && c->a->num)))
			return ex_num(n, e, e->op == OP_LOR);
		{
			/* The right side may not run: what it writes is unknown after. */
			struct env right = env_dup(n, env);
			c->b = simp(n, e->b, &right);
			forget_written(n, e->b, env);
		}
		if (is_num(c->a) && is_num(c->b))
			return ex_num(n, e, c->b->num != 0);
		return c;
	case E_TERNARY:
		c = ex_copy(n, e);
		c->a = simp(n, e->a, env);
		if (is_num(c->a) && e->b->type == e->c->type)
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
	if (e->kind == E_UNARY && long_operands(e) && is_num(c->a) &&
	    fold_unary(e->op, c->a->num, &v))
		return ex_num(n, e, v);
	if ((e->kind == E_BINARY || e->kind == E_COMPARE) && long_operands(e) && is_num(c->a) &&
	    is_num(c->b) && fold_binary(e->op, c->a->num, c->b->num, &v))
		return ex_num(n, e, v);
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
	if (e->kind == E_VAR && tracked(n, env, e->var))
		refs[e->var->index]++;
	if ((e->kind == E_ASSIGN || e->kind == E_INCDEC) && e->a && e->a->kind == E_VAR &&
	    tracked(n, env, e->a->var))
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
	if (root->kind == E_ASSIGN && root->a->kind == E_VAR && tracked(n, env, root->a->var))
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
static struct stap_stmt *as_body(struct norm *n, struct stmts *l, struct stap_loc loc)
{
	struct stap_stmt *b;

	if (l->n == 1 && l->s[0]->kind != S_BLOCK)
		return l->s[0];
	b = st_new(n, S_BLOCK, loc);
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
	return as_body(n, &l, s ? s->loc : (struct stap_loc){0});
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
		as->b = ex_num(n, lhs, after->v[i].v);
		struct stap_stmt *st = st_new(n, S_EXPR, at->loc);
		st->expr = as;
		push(n, out, st);
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
	else if (env->v && eval_full(n, s->expr, &trial, &v)) {
		emit_changes(n, env, &trial, s, out);
		memcpy(env->v, trial.v, env->n * sizeof *env->v);
		return;
	}
	c = st_new(n, S_EXPR, s->loc);
	c->expr = simp(n, s->expr, env);
	if (pure(c->expr))
		return; /* no effect, cannot fail */
	/* v = constant: v is known from here on. */
	if (c->expr->kind == E_ASSIGN && c->expr->op == OP_ASSIGN && c->expr->a->kind == E_VAR &&
	    is_num(c->expr->b) && tracked(n, env, c->expr->a->var))
		env->v[c->expr->a->var->index] = (struct val){1, c->expr->b->num};
	push(n, out, c);
}

static enum flow norm_if(struct norm *n, const struct stap_stmt *s, struct env *env,
			 struct stmts *out)
{
	struct stap_expr *cond = simp_top(n, s->expr, env);
	struct env eb, ee;
	enum flow fb, fe;
	struct stap_stmt *c;

	if (is_num(cond)) {
		const struct stap_stmt *taken = cond->num ? s->body : s->els;
		return taken ? norm_stmt(n, taken, env, out) : FLOW_NEXT;
	}
	eb = env_dup(n, env);
	ee = env_dup(n, env);
	c = st_new(n, S_IF, s->loc);
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
	if (c->body->kind == S_BLOCK && c->body->nstmts == 0 && !c->els && pure(cond))
		return FLOW_NEXT;
	push(n, out, c);
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
		if (!writes_ordered(n, &e, s->expr) || !eval_full(n, s->expr, &e, &v))
			return 0;
		emit_changes(n, &before, &e, s, &l);
		if (!v) {
			for (size_t i = 0; i < l.n; i++)
				push(n, out, l.s[i]);
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
	c = st_new(n, s->kind, s->loc);
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
		if (is_num(c->expr) && !c->expr->num)
			return FLOW_NEXT;
		c->step = s->step ? simp_top(n, s->step, &inner) : NULL;
	}
	c->body = norm_body(n, s->body, &inner, NULL);
	push(n, out, c);
	return FLOW_NEXT;
}

static enum flow norm_try(struct norm *n, const struct stap_stmt *s, struct env *env,
			  struct stmts *out)
{
	struct stap_stmt *c = st_new(n, S_TRY, s->loc);
	struct env body = env_dup(n, env), handler;

	*c = *s;
	c->body = norm_body(n, s->body, &body, NULL);
	/* An error may come from anywhere in the body. */
	forget_written_stmt(n, s->body, env);
	forget_var(n, s->catch_var, env);
	handler = env_dup(n, env);
	c->els = s->els ? norm_body(n, s->els, &handler, NULL) : NULL;
	forget_written_stmt(n, s, env);
	push(n, out, c);
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
		push(n, out, (struct stap_stmt *)s);
		return FLOW_JUMP;
	case S_RETURN:
	case S_DELETE:
		c = st_new(n, s->kind, s->loc);
		*c = *s;
		if (s->expr)
			c->expr = s->kind == S_DELETE ? simp_lvalue(n, s->expr, env)
						      : simp_top(n, s->expr, env);
		if (s->kind == S_DELETE && s->expr && s->expr->kind == E_VAR)
			forget_var(n, s->expr->var, env);
		push(n, out, c);
		return s->kind == S_RETURN ? FLOW_JUMP : FLOW_NEXT;
	case S_EMBEDDED:
		env_forget_all(env);
		push(n, out, (struct stap_stmt *)s);
		return FLOW_NEXT;
	}
	return FLOW_NEXT;
}

/* ---- dead stores to locals nobody reads ---- */

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
		if (s->expr->kind == E_ASSIGN && !pure(s->expr->b)) {
			struct stap_stmt *keep = st_new(n, S_EXPR, s->loc);
			keep->expr = s->expr->b; /* its effects stay */
			return keep;
		}
		return st_new(n, S_NULL, s->loc);
	}
	switch (s->kind) {
	case S_BLOCK:
		for (size_t i = 0; i < s->nstmts; i++) {
			struct stap_stmt *c = drop_dead(n, s->stmts[i], u, changed);
			if (c->kind == S_NULL)
				continue;
			if (c->kind == S_BLOCK)
				for (size_t j = 0; j < c->nstmts; j++)
					push(n, &l, c->stmts[j]);
			else
				push(n, &l, c);
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
			s->body = as_body(n, &l, s->loc);
		s->els = drop_dead(n, s->els, u, changed);
		if (s->els && s->els->kind == S_NULL)
			s->els = s->kind == S_TRY ? as_body(n, &l, s->loc) : NULL;
		return s;
	default:
		return s;
	}
}

/* Remove dead stores until none is left, then the locals nothing mentions. */
static struct stap_stmt *dead_stores(struct norm *n, struct stap_stmt *body,
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
	b = st_new(&n, S_BLOCK, body->loc);
	b->stmts = out.s;
	b->nstmts = out.n;
	return dead_stores(&n, b, locals, nlocals, nparams);
}

/* ---- probe and function order ---- */

/* The event a point fires on, for ordering: probes sharing one keep their
 * order.  Kernel and user probes are named by what they attach to, not by
 * how the script spelled it (kernel.function("f") and kprobe.function("f")
 * are one event); all timer.profile probes fire on the same tick. */
static const char *point_event(const struct stap_probe_point *pt, char *buf, size_t len)
{
	static const char *const kinds[] = {"begin", "end", "error"};

	switch (pt->kind) {
	case PP_BEGIN:
	case PP_END:
	case PP_ERROR:
		snprintf(buf, len, "%s(%d)", kinds[pt->kind - PP_BEGIN], pt->sequence);
		break;
	case PP_PROFILE:
		snprintf(buf, len, "profile");
		break;
	case PP_KPROBE:
	case PP_KRETPROBE:
		snprintf(buf, len, "%s:%s:%s", pt->kind == PP_KPROBE ? "kprobe" : "kretprobe",
			 pt->module ? pt->module : "kernel", pt->symbol ? pt->symbol : pt->pp);
		break;
	case PP_UPROBE:
	case PP_URETPROBE:
		snprintf(buf, len, "%s:%s:%llx", pt->kind == PP_UPROBE ? "uprobe" : "uretprobe",
			 pt->path ? pt->path : pt->pp, (unsigned long long)pt->offset);
		break;
	default:
		snprintf(buf, len, "%d:%s", (int)pt->kind, pt->pp ? pt->pp : "");
		break;
	}
	return buf;
}

static int cmp_point(const void *a, const void *b)
{
	const struct stap_probe_point *x = a, *y = b;
	char ex[512], ey[512];
	int c = strcmp(point_event(x, ex, sizeof ex), point_event(y, ey, sizeof ey));

	return c ? c : strcmp(x->pp ? x->pp : "", y->pp ? y->pp : "");
}

/* A probe's events, computed once: its points are sorted already. */
struct probe_events {
	char **ev;
	size_t n;
};

static int cmp_events(const struct probe_events *a, const struct probe_events *b)
{
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		int c = strcmp(a->ev[i], b->ev[i]);
		if (c)
			return c;
	}
	return a->n < b->n ? -1 : a->n > b->n;
}

struct event_use {
	const char *ev;
	size_t probe;
};

static int cmp_use(const void *a, const void *b)
{
	const struct event_use *x = a, *y = b;
	int c = strcmp(x->ev, y->ev);

	return c ? c : x->probe < y->probe ? -1 : x->probe > y->probe;
}

/* Edges "j before i" for probes sharing an event, j < i in source order: per
 * event, between consecutive users (the rest follows).  Returns the edge
 * count; from[k] -> to[k]. */
static size_t order_edges(struct stap_program *p, const struct probe_events *pe, size_t n,
			  size_t **from, size_t **to)
{
	size_t nuse = 0, k = 0, ne = 0;
	struct event_use *use;

	for (size_t i = 0; i < n; i++)
		nuse += pe[i].n;
	use = stap_alloc(p, nuse * sizeof *use + 1);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < pe[i].n; j++)
			use[k++] = (struct event_use){pe[i].ev[j], i};
	qsort(use, nuse, sizeof *use, cmp_use);
	*from = stap_alloc(p, nuse * sizeof **from + 1);
	*to = stap_alloc(p, nuse * sizeof **to + 1);
	for (size_t u = 1; u < nuse; u++)
		if (strcmp(use[u - 1].ev, use[u].ev) == 0 && use[u - 1].probe != use[u].probe) {
			(*from)[ne] = use[u - 1].probe;
			(*to)[ne++] = use[u].probe;
		}
	return ne;
}

/* The smallest order (by events) that keeps every pair of probes sharing an
 * event in source order: repeatedly take the least probe whose predecessors
 * are all placed (Kahn's algorithm). */
static void order_probes(struct stap_program *p)
{
	size_t n = p->nprobes, ne, *from, *to;
	struct stap_probe **src = stap_alloc(p, n * sizeof *src + 1);
	struct probe_events *pe = stap_alloc(p, n * sizeof *pe + 1);
	size_t *indeg = stap_alloc(p, n * sizeof *indeg + 1);
	char *done = stap_alloc(p, n + 1);

	memcpy(src, p->probes, n * sizeof *src);
	for (size_t i = 0; i < n; i++) {
		pe[i].n = src[i]->npoints;
		pe[i].ev = stap_alloc(p, pe[i].n * sizeof *pe[i].ev + 1);
		for (size_t j = 0; j < pe[i].n; j++) {
			char buf[512];
			pe[i].ev[j] =
			    stap_strdup(p, point_event(&src[i]->points[j], buf, sizeof buf));
		}
	}
	ne = order_edges(p, pe, n, &from, &to);
	for (size_t e = 0; e < ne; e++)
		indeg[to[e]]++;
	for (size_t k = 0; k < n; k++) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (!done[i] && !indeg[i] &&
			    (best == n || cmp_events(&pe[i], &pe[best]) < 0))
				best = i;
		done[best] = 1;
		for (size_t e = 0; e < ne; e++)
			if (from[e] == best)
				indeg[to[e]]--;
		p->probes[k] = src[best];
		p->probes[k]->index = (int)k;
	}
}

static int cmp_func(const void *a, const void *b)
{
	return strcmp((*(struct stap_func *const *)a)->name, (*(struct stap_func *const *)b)->name);
}

int normalize_program(struct stap_session *s, struct stap_program *p)
{
	int unopt = s && s->unoptimized;

	for (size_t i = 0; i < p->nprobes; i++) {
		struct stap_probe *pr = p->probes[i];
		pr->body = norm_owner(p, pr->body, &pr->locals, &pr->nlocals, 0, unopt);
		if (pr->npoints > 1)
			qsort(pr->points, pr->npoints, sizeof *pr->points, cmp_point);
	}
	for (size_t i = 0; i < p->nfuncs; i++) {
		struct stap_func *f = p->funcs[i];
		f->body = norm_owner(p, f->body, &f->locals, &f->nlocals, f->nparams, unopt);
	}
	order_probes(p);
	if (p->nfuncs > 1)
		qsort(p->funcs, p->nfuncs, sizeof *p->funcs, cmp_func);
	return 0;
}
