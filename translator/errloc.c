/* The nodes whose source location pass 3 embeds (see errloc.h). */
#include <stddef.h>

#include "translator/errloc.h"

/* A division by a non-zero constant cannot fail: pass 3 gives it no place. */
static int errloc_div_can_fail(const struct stap_expr *divisor)
{
	return !(divisor && divisor->kind == E_NUM && divisor->num != 0);
}

static int errloc_builtin(enum stap_builtin b)
{
	switch (b) {
	case BI_STRTOL:
	case BI_STRINGAT:
	case BI_RETURNVAL:
	case BI_RANDINT:
	case BI_INT_ARG:
	case BI_S32_ARG:
	case BI_UINT_ARG:
	case BI_U32_ARG:
	case BI_LONG_ARG:
	case BI_S64_ARG:
	case BI_ULONG_ARG:
	case BI_POINTER_ARG:
	case BI_U64_ARG:
	case BI_ERROR:
	case BI_REGISTER:
	case BI_KERNEL_STRING:
	case BI_KERNEL_STRING_N:
	case BI_USER_STRING:
	case BI_USER_STRING_N:
	case BI_KERNEL_LONG:
	case BI_KERNEL_POINTER:
	case BI_KERNEL_INT:
	case BI_KERNEL_SHORT:
	case BI_KERNEL_CHAR:
	case BI_USER_LONG:
	case BI_USER_POINTER:
	case BI_USER_INT:
	case BI_USER_SHORT:
	case BI_USER_CHAR:
	case BI_MATCHED:
	case BI_MATCHED_STR:
	case BI_NGROUPS:
		return 1;
	default:
		return 0;
	}
}

const struct stap_loc *errloc_expr(const struct stap_expr *x)
{
	if (!x)
		return NULL;
	switch (x->kind) {
	case E_BINARY:
		if ((x->op == OP_DIV || x->op == OP_MOD) && errloc_div_can_fail(x->b))
			return &x->loc;
		return NULL;
	case E_ASSIGN:
		/* an array element names the element (the array may be full);
		 * "a /= b" of a scalar names the operator */
		if (x->a && x->a->kind == E_INDEX)
			return &x->a->loc;
		if ((x->op == OP_DIV || x->op == OP_MOD) && errloc_div_can_fail(x->b))
			return &x->loc;
		return NULL;
	case E_INCDEC:
	case E_STATS_ADD:
		return x->a && x->a->kind == E_INDEX ? &x->a->loc : NULL;
	case E_STAT:
		return x->a ? &x->a->loc : NULL; /* empty aggregate */
	case E_IN:				 /* k in @hist_*(s): empty, or no bucket k */
		return x->a && x->a->a ? &x->a->a->loc : NULL;
	case E_BUILTIN:
		return errloc_builtin(x->builtin) ? &x->loc : NULL;
	default:
		return NULL;
	}
}

const struct stap_loc *errloc_stmt(const struct stap_stmt *st)
{
	/* foreach sorts into frame memory, which may run out */
	return st && st->kind == S_FOREACH ? &st->loc : NULL;
}
