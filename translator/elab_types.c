/* Pass 2, types: infer every expression's, variable's and function's type
 * (long, string, stats) by rounds until nothing changes, then check. */
#include <stdlib.h>
#include <string.h>

#include "translator/elab_int.h"
#include "translator/front.h"

struct tctx {
	struct elab *el;
	struct stap_func *func;
	int check; /* report errors (last round) */
	int changed;
};

static enum stap_type ty(struct tctx *c, struct stap_expr *e, enum stap_type want);

static int known(enum stap_type t)
{
	return t == STAP_T_LONG || t == STAP_T_STRING || t == STAP_T_STATS;
}

static void mismatch(struct tctx *c, const struct stap_loc *loc, const char *what,
		     enum stap_type have, enum stap_type want)
{
	if (c->check)
		elab_error(c->el, loc, "type mismatch for %s: %s, expected %s", what,
			   stap_type_name(have), stap_type_name(want));
}

static enum stap_type unify_slot(struct tctx *c, enum stap_type *slot, enum stap_type t,
				 const struct stap_loc *loc, const char *what)
{
	if (!known(t))
		return *slot;
	if (!known(*slot)) {
		*slot = t;
		c->changed = 1;
	} else if (*slot != t) {
		mismatch(c, loc, what, t, *slot);
	}
	return *slot;
}

static enum stap_type expect(struct tctx *c, struct stap_expr *e, enum stap_type want,
			     const char *what)
{
	enum stap_type t = ty(c, e, want);
	if (t == STAP_T_VOID && want == STAP_T_LONG)
		return STAP_T_LONG; /* as in SystemTap: a call returning nothing is 0 in a number */
	if (c->check && t == STAP_T_VOID)
		elab_error(c->el, &e->loc, "%s has no value (a function returning nothing)", what);
	else if (known(t) && t != want && known(want))
		mismatch(c, &e->loc, what, t, want);
	return t;
}

static enum stap_type ty_var(struct tctx *c, struct stap_expr *e, enum stap_type want)
{
	struct stap_var *v = e->var;
	char what[300] = "";
	if (c->check)
		snprintf(what, sizeof(what), "'%s'", v->name);
	if (e->kind == E_INDEX || e->kind == E_IN) {
		for (size_t k = 0; k < e->nargs && k < STAP_MAX_ARITY; k++) {
			enum stap_type kt = ty(c, e->args[k], v->key_types[k]);
			if (c->check && kt == STAP_T_STATS)
				elab_error(c->el, &e->args[k]->loc,
					   "an array key cannot be a statistic");
			if (c->check)
				snprintf(what, sizeof(what), "key %zu of '%s'", k + 1, v->name);
			unify_slot(c, &v->key_types[k], kt, &e->args[k]->loc, what);
		}
		if (e->kind == E_IN)
			return STAP_T_LONG;
		if (c->check)
			snprintf(what, sizeof(what), "'%s'", v->name);
	} else if (c->check && v->arity > 0) {
		elab_error(c->el, &e->loc, "array '%s' used without an index", v->name);
	}
	if (c->check && v->type == STAP_T_STATS && want != STAP_T_STATS)
		elab_error(c->el, &e->loc,
			   "statistic '%s' used as a value; use @count, @sum, @min, @max or @avg",
			   v->name);
	return unify_slot(c, &v->type,
			  want == STAP_T_STATS && v->type != STAP_T_UNKNOWN &&
				  v->type != STAP_T_STATS
			      ? STAP_T_UNKNOWN
			      : want,
			  &e->loc, what);
}

static enum stap_type ty_stat(struct tctx *c, struct stap_expr *e)
{
	struct stap_expr *a = e->a;
	if (a->kind != E_VAR && a->kind != E_INDEX) {
		if (c->check)
			elab_error(c->el, &e->loc, "%s wants a statistics variable",
				   e->op == OP_HIST_LOG ? "@hist_log"
				   : e->op == OP_HIST_LINEAR
				       ? "@hist_linear"
				       : "@count/@sum/@min/@max/@avg/@variance");
		return STAP_T_LONG;
	}
	enum stap_type t = ty(c, a, STAP_T_STATS);
	if (c->check && t != STAP_T_STATS)
		elab_error(c->el, &e->loc, "'%s' is not a statistic (fill it with <<<)",
			   a->var->name);
	static const int bits[] = {
	    [OP_COUNT] = STAP_STAT_COUNT,	[OP_SUM] = STAP_STAT_SUM,
	    [OP_MIN] = STAP_STAT_MIN,		[OP_MAX] = STAP_STAT_MAX,
	    [OP_AVG] = STAP_STAT_AVG,		[OP_HIST_LINEAR] = STAP_STAT_HIST_LINEAR,
	    [OP_HIST_LOG] = STAP_STAT_HIST_LOG, [OP_VARIANCE] = STAP_STAT_VARIANCE};
	if (e->kind == E_STAT && e->op == OP_VARIANCE) {
		struct stap_var *var = a->var;
		if (c->check && var->stat_ops & STAP_STAT_VARIANCE &&
		    var->variance_shift != (int)e->num)
			elab_error(c->el, &e->loc,
				   "'%s' is used with two different @variance bit shifts",
				   var->name);
		var->variance_shift = (int)e->num;
	}
	a->var->stat_ops |= bits[e->op];
	if (e->kind == E_HIST && e->op == OP_HIST_LINEAR) {
		int64_t v[3] = {0};
		for (size_t i = 0; i < 3 && i < e->nargs; i++) {
			if (e->args[i]->kind != E_NUM) {
				if (c->check)
					elab_error(c->el, &e->args[i]->loc,
						   "@hist_linear bounds must be number literals");
				return STAP_T_STATS;
			}
			v[i] = e->args[i]->num;
		}
		if (c->check && (v[2] <= 0 || v[1] <= v[0] || (v[1] - v[0]) / v[2] > 10000))
			elab_error(
			    c->el, &e->loc,
			    "@hist_linear wants low < high, step > 0 and at most 10000 buckets");
		struct stap_var *var = a->var;
		if (c->check && var->stat_ops & STAP_STAT_HIST_LINEAR && var->hist_step &&
		    (var->hist_lo != v[0] || var->hist_hi != v[1] || var->hist_step != v[2]))
			elab_error(c->el, &e->loc,
				   "'%s' is used with two different @hist_linear parameters",
				   var->name);
		var->hist_lo = v[0], var->hist_hi = v[1], var->hist_step = v[2];
	}
	return e->kind == E_HIST ? STAP_T_STATS : STAP_T_LONG;
}

/* printf-style format: the type each conversion wants, in order. */
static int format_types(struct tctx *c, const struct stap_expr *fmt, enum stap_type *out, int max)
{
	int n = 0;
	const char *s = fmt->str, *end = fmt->str + fmt->str_len;
	while (s < end) {
		if (*s++ != '%')
			continue;
		if (s < end && *s == '%') {
			s++;
			continue;
		}
		while (s < end && strchr("-+ #0", *s))
			s++;
		if (s < end && *s == '*') {
			if (n < max)
				out[n] = STAP_T_LONG;
			n++, s++;
		}
		while (s < end && *s >= '0' && *s <= '9')
			s++;
		if (s < end && *s == '.') {
			s++;
			if (s < end && *s == '*') {
				if (n < max)
					out[n] = STAP_T_LONG;
				n++, s++;
			}
			while (s < end && *s >= '0' && *s <= '9')
				s++;
		}
		while (s < end && strchr("lhLqjzt", *s))
			s++;
		if (s >= end) {
			if (c->check)
				elab_error(c->el, &fmt->loc,
					   "format string ends inside a conversion");
			return -1;
		}
		char conv = *s++;
		enum stap_type t = strchr("diouxXcpbB", conv) ? STAP_T_LONG
				   : strchr("sMm", conv)      ? STAP_T_STRING
							      : STAP_T_UNKNOWN;
		if (t == STAP_T_UNKNOWN) {
			if (c->check)
				elab_error(c->el, &fmt->loc,
					   "unknown conversion '%%%c' in format string", conv);
			return -1;
		}
		if (n < max)
			out[n] = t;
		n++;
	}
	return n;
}

static enum stap_type ty_printf(struct tctx *c, struct stap_expr *e)
{
	enum stap_type want[64];
	const char *name = stap_builtin_name(e->builtin);
	if (e->nargs == 0 || e->args[0]->kind != E_STR) {
		if (c->check)
			elab_error(c->el, &e->loc,
				   "%s wants a literal format string as its first argument", name);
		for (size_t i = 0; i < e->nargs; i++)
			ty(c, e->args[i], STAP_T_UNKNOWN);
		return stap_builtin_ret(e->builtin);
	}
	int n = format_types(c, e->args[0], want, 64);
	if (n < 0)
		return stap_builtin_ret(e->builtin);
	if (n > 64 || (size_t)n != e->nargs - 1) {
		if (c->check)
			elab_error(c->el, &e->loc, "%s: format wants %d argument(s), got %zu", name,
				   n, e->nargs - 1);
		return stap_builtin_ret(e->builtin);
	}
	for (int i = 0; i < n; i++)
		expect(c, e->args[i + 1], want[i], "a format argument");
	return stap_builtin_ret(e->builtin);
}

static enum stap_type ty_builtin(struct tctx *c, struct stap_expr *e)
{
	enum stap_builtin b = e->builtin;
	const char *sig = stap_builtin_args(b), *name = stap_builtin_name(b);
	if (b == BI_PRINTF || b == BI_SPRINTF)
		return ty_printf(c, e);
	/* kernel_string($p->comm): SystemTap reads a char array member as its
	 * address, this translator as the string itself (pass 2 made it
	 * kernel_string(ADDRESS) already): take it as it is. */
	if (b == BI_KERNEL_STRING && e->nargs == 1 && e->args[0]->kind == E_BUILTIN &&
	    e->args[0]->builtin == BI_KERNEL_STRING) {
		*e = *e->args[0];
		return STAP_T_STRING;
	}
	size_t min = 0, max = 0, i;
	int star = 0;
	for (const char *p = sig; *p; p++) {
		if (*p == '?')
			continue;
		if (*p == '*') {
			star = 1;
			continue;
		}
		if (!strchr(sig, '?') || p < strchr(sig, '?'))
			min++;
		max++;
	}
	if (e->nargs < min || (!star && e->nargs > max)) {
		if (c->check)
			elab_error(c->el, &e->loc,
				   "wrong number of arguments to '%s': expected %s%zu, got %zu",
				   name, star ? "at least " : "", min, e->nargs);
		return stap_builtin_ret(b);
	}
	char last = 'a';
	int hist_ok = b == BI_PRINT || b == BI_PRINTLN;
	for (i = 0; i < e->nargs; i++) {
		const char *p = sig;
		size_t k = 0;
		for (; *p; p++) {
			if (*p == '?' || *p == '*')
				continue;
			if (k++ == i)
				break;
		}
		char kind = *p ? *p : last;
		last = kind;
		if (kind == 'l')
			expect(c, e->args[i], STAP_T_LONG, "an argument");
		else if (kind == 's')
			expect(c, e->args[i], STAP_T_STRING, "an argument");
		else {
			enum stap_type t = ty(c, e->args[i], STAP_T_UNKNOWN);
			if (c->check && t == STAP_T_VOID)
				elab_error(c->el, &e->args[i]->loc, "argument of '%s' has no value",
					   name);
			if (c->check && t == STAP_T_STATS &&
			    !(hist_ok && e->args[i]->kind == E_HIST))
				elab_error(
				    c->el, &e->args[i]->loc,
				    "a statistic or histogram cannot be an argument of '%s'%s",
				    name,
				    hist_ok ? " (only @hist_log/@hist_linear can be printed)" : "");
		}
	}
	return stap_builtin_ret(b);
}

static enum stap_type ty_call(struct tctx *c, struct stap_expr *e)
{
	struct stap_func *f = e->func;
	char what[300] = "";
	for (size_t i = 0; i < e->nargs && i < f->nparams; i++) {
		struct stap_var *p = f->params[i];
		enum stap_type t = ty(c, e->args[i], p->type);
		if (c->check)
			snprintf(what, sizeof(what), "argument '%s' of '%s'", p->name, f->name);
		if (c->check && (t == STAP_T_VOID || t == STAP_T_STATS))
			elab_error(c->el, &e->args[i]->loc, "%s has no usable value", what);
		else
			unify_slot(c, &p->type, t, &e->args[i]->loc, what);
	}
	return f->ret;
}

static enum stap_type ty_assign(struct tctx *c, struct stap_expr *e)
{
	if (e->op == OP_CONCAT) {
		expect(c, e->a, STAP_T_STRING, "the left side of .=");
		expect(c, e->b, STAP_T_STRING, "the right side of .=");
		return STAP_T_STRING;
	}
	if (e->op != OP_ASSIGN) {
		expect(c, e->a, STAP_T_LONG, "the left side of an arithmetic assignment");
		expect(c, e->b, STAP_T_LONG, "the right side of an arithmetic assignment");
		return STAP_T_LONG;
	}
	enum stap_type lt = ty(c, e->a, STAP_T_UNKNOWN);
	enum stap_type rt = ty(c, e->b, lt == STAP_T_STATS ? STAP_T_UNKNOWN : lt);
	if (!known(lt))
		lt = ty(c, e->a, rt);
	if (c->check && (lt == STAP_T_STATS || rt == STAP_T_STATS))
		elab_error(c->el, &e->loc, "a statistic can only be filled with <<<");
	else if (c->check && rt == STAP_T_VOID)
		elab_error(c->el, &e->b->loc, "the right side of = has no value");
	else if (known(lt) && known(rt) && lt != rt)
		mismatch(c, &e->loc, "assignment", rt, lt);
	return lt;
}

static enum stap_type ty(struct tctx *c, struct stap_expr *e, enum stap_type want)
{
	enum stap_type t = STAP_T_UNKNOWN, u;
	switch (e->kind) {
	case E_NUM:
		t = STAP_T_LONG;
		break;
	case E_STR:
		t = STAP_T_STRING;
		break;
	case E_ARG:
		t = STAP_T_UNKNOWN;
		break;
	case E_VAR:
	case E_INDEX:
	case E_IN:
		if (e->kind == E_IN && e->a) { /* k in @hist_*(s): bucket k's count */
			ty(c, e->a, STAP_T_STATS);
			expect(c, e->args[0], STAP_T_LONG, "a histogram's bucket number");
			t = STAP_T_LONG;
			break;
		}
		t = ty_var(c, e, want);
		break;
	case E_CALL:
		t = ty_call(c, e);
		break;
	case E_BUILTIN:
		t = ty_builtin(c, e);
		break;
	case E_TARGET:
		t = STAP_T_LONG;
		break;
	case E_WILD:
		t = want; /* matches any key */
		break;
	case E_ENTRY:
		t = ty(c, e->a, STAP_T_LONG);
		if (c->check && t != STAP_T_LONG)
			elab_error(
			    c->el, &e->loc,
			    "@entry of a %s is not supported (only numbers are saved at entry)",
			    stap_type_name(t));
		t = STAP_T_LONG;
		break;
	case E_ASSIGN:
		t = ty_assign(c, e);
		break;
	case E_STATS_ADD:
		ty(c, e->a, STAP_T_STATS);
		if (c->check && e->a->var && e->a->var->type != STAP_T_STATS)
			elab_error(c->el, &e->loc, "'%s' is used both as a statistic and as a %s",
				   e->a->var->name, stap_type_name(e->a->var->type));
		expect(c, e->b, STAP_T_LONG, "the value added with <<<");
		t = STAP_T_VOID;
		break;
	case E_STAT:
	case E_HIST:
		t = ty_stat(c, e);
		break;
	case E_UNARY:
	case E_INCDEC:
		expect(c, e->a, STAP_T_LONG, "the operand");
		t = STAP_T_LONG;
		break;
	case E_BINARY:
		u = e->op == OP_CONCAT ? STAP_T_STRING : STAP_T_LONG;
		expect(c, e->a, u, "the left operand");
		expect(c, e->b, u, "the right operand");
		t = u;
		break;
	case E_LOGICAL:
		expect(c, e->a, STAP_T_LONG, "the left operand");
		expect(c, e->b, STAP_T_LONG, "the right operand");
		t = STAP_T_LONG;
		break;
	case E_COMPARE:
		if (e->op == OP_MATCH || e->op == OP_NMATCH) {
			expect(c, e->a, STAP_T_STRING, "the left operand of =~");
			expect(c, e->b, STAP_T_STRING, "the regular expression");
			t = STAP_T_LONG;
			break;
		}
		u = ty(c, e->a, STAP_T_UNKNOWN);
		t = ty(c, e->b, u);
		if (!known(u))
			u = ty(c, e->a, t);
		if (c->check && (u == STAP_T_STATS || t == STAP_T_STATS || u == STAP_T_VOID ||
				 t == STAP_T_VOID))
			elab_error(c->el, &e->loc,
				   "comparison of values that are not numbers or strings");
		else if (known(u) && known(t) && u != t)
			mismatch(c, &e->loc, "comparison", t, u);
		t = STAP_T_LONG;
		break;
	case E_TERNARY:
		expect(c, e->a, STAP_T_LONG, "the condition");
		u = ty(c, e->b, want);
		t = ty(c, e->c, known(u) ? u : want);
		if (!known(u))
			u = ty(c, e->b, t);
		if (known(u) && known(t) && u != t)
			mismatch(c, &e->loc, "the branches of ?:", t, u);
		t = u;
		break;
	}
	e->type = t;
	return t;
}

static void ty_stmt(struct tctx *c, struct stap_stmt *s);

static void ty_foreach(struct tctx *c, struct stap_stmt *s)
{
	if (s->array->kind == E_HIST) {
		ty(c, s->array, STAP_T_STATS);
		if (s->nkeys)
			unify_slot(c, &s->keys[0]->type, STAP_T_LONG, &s->keys[0]->loc,
				   "a bucket variable");
		if (s->value)
			unify_slot(c, &s->value->type, STAP_T_LONG, &s->value->loc,
				   "a bucket count");
	} else if (s->array->var) {
		struct stap_var *a = s->array->var;
		if (c->check && s->sort_agg && a->type != STAP_T_STATS)
			elab_error(c->el, &s->loc, "foreach sorted by %s needs a statistics array",
				   stap_op_text((enum stap_op)s->sort_agg));
		if (s->array->kind == E_INDEX) /* a slice: its fixed keys */
			ty(c, s->array, a->type);
		char what[300] = "";
		for (size_t k = 0; k < s->nkeys && k < STAP_MAX_ARITY; k++) {
			if (c->check)
				snprintf(what, sizeof(what), "key %zu of '%s'", k + 1, a->name);
			unify_slot(c, &s->keys[k]->type, a->key_types[k], &s->keys[k]->loc, what);
			unify_slot(c, &a->key_types[k], s->keys[k]->type, &s->keys[k]->loc, what);
		}
		if (s->value) {
			if (c->check && a->type == STAP_T_STATS)
				elab_error(
				    c->el, &s->value->loc,
				    "foreach value of a statistics array; use @count(%s[...]) etc.",
				    a->name);
			else {
				unify_slot(c, &s->value->type, a->type, &s->value->loc,
					   "the foreach value");
				unify_slot(c, &a->type, s->value->type, &s->value->loc,
					   "the foreach value");
			}
		}
	}
	if (s->limit)
		expect(c, s->limit, STAP_T_LONG, "the foreach limit");
	ty_stmt(c, s->body);
}

static void ty_stmt(struct tctx *c, struct stap_stmt *s)
{
	switch (s->kind) {
	case S_BLOCK:
		for (size_t i = 0; i < s->nstmts; i++)
			ty_stmt(c, s->stmts[i]);
		break;
	case S_EXPR:
		ty(c, s->expr, STAP_T_UNKNOWN);
		break;
	case S_IF:
	case S_WHILE:
	case S_FOR:
		if (s->init)
			ty(c, s->init, STAP_T_UNKNOWN);
		if (s->expr)
			expect(c, s->expr, STAP_T_LONG, "the condition");
		if (s->step)
			ty(c, s->step, STAP_T_UNKNOWN);
		ty_stmt(c, s->body);
		if (s->els)
			ty_stmt(c, s->els);
		break;
	case S_FOREACH:
		ty_foreach(c, s);
		break;
	case S_RETURN:
		if (!c->func)
			break;
		if (s->expr) {
			enum stap_type t = ty(c, s->expr, c->func->ret);
			if (c->check && (t == STAP_T_VOID || t == STAP_T_STATS))
				elab_error(c->el, &s->loc, "return value has no usable type");
			else if (c->func->ret == STAP_T_VOID && c->check)
				elab_error(c->el, &s->loc,
					   "function '%s' returns nothing but returns a value here",
					   c->func->name);
			else if (c->func->ret != STAP_T_VOID)
				unify_slot(c, &c->func->ret, t, &s->loc, "the return value");
		}
		break;
	case S_DELETE:
		if (s->expr->kind == E_INDEX) /* an element; of a stats array too */
			ty(c, s->expr,
			   s->expr->var && s->expr->var->type == STAP_T_STATS ? STAP_T_STATS
									      : STAP_T_UNKNOWN);
		else if (s->expr->var && s->expr->var->arity == 0 &&
			 s->expr->var->type == STAP_T_UNKNOWN)
			ty(c, s->expr, STAP_T_UNKNOWN);
		break;
	case S_TRY:
		ty_stmt(c, s->body);
		if (s->catch_var)
			unify_slot(c, &s->catch_var->type, STAP_T_STRING, &s->catch_var->loc,
				   "the catch variable");
		ty_stmt(c, s->els);
		break;
	default:
		break;
	}
}

void elab_types_round(struct elab *el, struct stap_func **funcs, size_t nfuncs, int check,
		      int *changed)
{
	struct tctx c = {.el = el, .check = check};
	for (size_t i = 0; i < el->p->nprobes; i++) {
		struct stap_probe *pr = el->p->probes[i];
		if (pr->cond)
			expect(&c, pr->cond, STAP_T_LONG, "the probe condition");
		ty_stmt(&c, pr->body);
	}
	for (size_t i = 0; i < nfuncs; i++) {
		c.func = funcs[i];
		if (funcs[i]->body)
			ty_stmt(&c, funcs[i]->body);
	}
	*changed = c.changed;
}
