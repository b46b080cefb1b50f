/* Pass-2 normalization, constants: long arithmetic folded exactly as
 * runtime/stp_funcs.c computes it, and full evaluation of an expression whose
 * every part is known (the interpreter's straight-line step). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "translator/ast.h"
#include "translator/normalize_int.h"

/* Constant arithmetic, as runtime/stp_funcs.c computes it. */

int norm_fold_binary(enum stap_op op, int64_t a, int64_t b, int64_t *out)
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

int norm_fold_unary(enum stap_op op, int64_t a, int64_t *out)
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

int norm_long_operands(const struct stap_expr *e)
{
	return e->a && e->a->type == STAP_T_LONG && (!e->b || e->b->type == STAP_T_LONG);
}

/* Full evaluation: every part known, effects only on tracked locals. */

int norm_eval_full(struct norm *n, const struct stap_expr *e, struct env *env, int64_t *out);

static int eval_assign(struct norm *n, const struct stap_expr *e, struct env *env, int64_t *out)
{
	struct stap_var *v = e->a->kind == E_VAR ? e->a->var : NULL;
	int64_t rhs, cur;

	if (!norm_tracked(n, env, v) || (e->op != OP_ASSIGN && !env->v[v->index].known))
		return 0;
	if (!norm_eval_full(n, e->b, env, &rhs))
		return 0;
	if (e->op == OP_ASSIGN)
		cur = rhs;
	else if (!norm_fold_binary(e->op, env->v[v->index].v, rhs, &cur))
		return 0;
	env->v[v->index] = (struct val){1, cur};
	*out = cur;
	return 1;
}

static int eval_incdec(struct norm *n, const struct stap_expr *e, struct env *env, int64_t *out)
{
	struct stap_var *v = e->a->kind == E_VAR ? e->a->var : NULL;
	int64_t old;

	if (!norm_tracked(n, env, v) || !env->v[v->index].known)
		return 0;
	old = env->v[v->index].v;
	int64_t nv =
	    (int64_t)((uint64_t)old + (e->op == OP_PREINC || e->op == OP_POSTINC ? 1 : -1));
	env->v[v->index].v = nv;
	*out = e->op == OP_PREINC || e->op == OP_PREDEC ? nv : old;
	return 1;
}

int norm_eval_full(struct norm *n, const struct stap_expr *e, struct env *env, int64_t *out)
{
	int64_t a, b;

	if (!e || e->type != STAP_T_LONG)
		return 0;
	switch (e->kind) {
	case E_NUM:
		*out = e->num;
		return 1;
	case E_VAR:
		if (!norm_tracked(n, env, e->var) || !env->v[e->var->index].known)
			return 0;
		*out = env->v[e->var->index].v;
		return 1;
	case E_UNARY:
		return norm_long_operands(e) && norm_eval_full(n, e->a, env, &a) &&
		       norm_fold_unary(e->op, a, out);
	case E_BINARY:
	case E_COMPARE:
		return norm_long_operands(e) && norm_eval_full(n, e->a, env, &a) &&
		       norm_eval_full(n, e->b, env, &b) && norm_fold_binary(e->op, a, b, out);
	case E_LOGICAL:
		if (!norm_eval_full(n, e->a, env, &a))
			return 0;
		if ((e->op == OP_LAND && !a) || (e->op == OP_LOR && a)) {
			*out = e->op == OP_LOR;
			return 1;
		}
		if (!norm_eval_full(n, e->b, env, &b))
			return 0;
		*out = b != 0;
		return 1;
	case E_TERNARY:
		return norm_eval_full(n, e->a, env, &a) &&
		       norm_eval_full(n, a ? e->b : e->c, env, out);
	case E_ASSIGN:
		return eval_assign(n, e, env, out);
	case E_INCDEC:
		return eval_incdec(n, e, env, out);
	default:
		return 0;
	}
}
