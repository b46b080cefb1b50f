/* Pass 3: expressions.  A long expression becomes a C expression of type
 * int64_t; a string expression becomes a C expression of type const char *
 * pointing at a literal, a variable, a map value or a temporary l->tN of the
 * current frame (one per string-producing node of a statement). */
#include <inttypes.h>
#include <string.h>

#include "translator/emit.h"
#include "translator/errloc.h"

int emit_new_temp(struct emit *e)
{
	int t = e->cur_temp++;

	if (e->cur_temp > e->ntemps)
		e->ntemps = e->cur_temp;
	return t;
}

void emit_c_string(FILE *f, const char *s, size_t n)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char ch = s[i];

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch >= 32 && ch < 127 && ch != '?') /* '?': no trigraphs */
			fputc(ch, f);
		else
			fprintf(f, "\\%03o", ch);
	}
	fputc('"', f);
}

void emit_loc_string(struct emit *e, const struct stap_loc *loc, const char *what)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "%s at %s:%d:%d", what, loc->file ? loc->file : "?",
			 loc->line, loc->col);

	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	emit_c_string(e->out, buf, n);
}

void emit_where(struct emit *e)
{
	if (e->func_name)
		emit_c_string(e->out, e->func_name, strlen(e->func_name));
	else
		fputs("NULL", e->out);
}

/* The place an error of node x names, as errloc_expr() has it (print.c puts
 * the same in the canonical text); NULL where x cannot fail. */
static void emit_errloc(struct emit *e, const struct stap_expr *x, const char *what)
{
	const struct stap_loc *loc = errloc_expr(x);

	if (loc)
		emit_loc_string(e, loc, what);
	else
		fputs("NULL", e->out);
}

static void emit_loc_op(struct emit *e, const struct stap_expr *x, enum stap_op op)
{
	char what[64];

	snprintf(what, sizeof what, "operator '%s'", stap_op_text(op));
	emit_errloc(e, x, what);
}

/* An error of node x near identifier id (x itself or its array operand). */
static void emit_loc_ident(struct emit *e, const struct stap_expr *x, const struct stap_expr *id)
{
	char what[160];

	snprintf(what, sizeof what, "identifier '%s'", id->str ? id->str : "?");
	emit_errloc(e, x, what);
}

void emit_var_ref(struct emit *e, const struct stap_var *v)
{
	if (v->scope == STAP_VAR_GLOBAL)
		fprintf(e->out, "stp_g_%s", v->name);
	else
		fprintf(e->out, "l->v%d", v->index);
}

/* (const union stp_key[]){ {.n = k1}, {.s = k2} }; a '*' key is a
 * placeholder its mask bit leaves out (emit_slice_mask). */
void emit_keys(struct emit *e, struct stap_expr *const *keys, size_t n)
{
	size_t i;

	fputs("(const union stp_key[]){", e->out);
	for (i = 0; i < n; i++) {
		fputs(i ? ", {." : "{.", e->out);
		if (keys[i]->kind == E_WILD) {
			fputs("n = 0}", e->out);
			continue;
		}
		fputs(keys[i]->type == STAP_T_STRING ? "s = " : "n = ", e->out);
		emit_expr(e, keys[i]);
		fputs("}", e->out);
	}
	fputs("}", e->out);
}

/* The mask of the keys a slice fixes, or 0 when none is '*' (no slice). */
unsigned emit_slice_mask(struct stap_expr *const *keys, size_t n)
{
	unsigned mask = 0, wild = 0;
	for (size_t i = 0; i < n; i++) {
		if (keys[i]->kind == E_WILD)
			wild = 1;
		else
			mask |= 1u << i;
	}
	return wild ? mask : 0;
}

static void emit_map(struct emit *e, const struct stap_var *v)
{
	fprintf(e->out, "&stp_m_%s", v->name);
}

/* Pointer to the struct stp_stat of a stats scalar or element (NULL if the
 * element does not exist). */
void emit_stat_ptr(struct emit *e, const struct stap_expr *a)
{
	if (a->kind == E_INDEX) {
		fputs("stp_map_get_stat(", e->out);
		emit_map(e, a->var);
		fputs(", ", e->out);
		emit_keys(e, a->args, a->nargs);
		fputs(")", e->out);
	} else {
		fprintf(e->out, "stp_s_%s", a->var->name);
	}
}

void emit_hist_ptr(struct emit *e, const struct stap_var *v)
{
	if (v->arity)
		fprintf(e->out, "&stp_m_%s.hist", v->name);
	else
		fprintf(e->out, "&stp_h_%s", v->name);
}

static void emit_num(struct emit *e, int64_t n)
{
	if (n >= 0)
		fprintf(e->out, "((int64_t)%" PRId64 "LL)", n);
	else
		fprintf(e->out, "((int64_t)0x%" PRIx64 "ULL)", (uint64_t)n);
}

static void emit_binary(struct emit *e, const struct stap_expr *x)
{
	switch (x->op) {
	case OP_CONCAT:
		fprintf(e->out, "stp_concat(l->t%d, ", emit_new_temp(e));
		emit_expr(e, x->a);
		fputs(", ", e->out);
		emit_expr(e, x->b);
		fputs(")", e->out);
		return;
	case OP_DIV:
	case OP_MOD:
		fputs("stp_div(c, ", e->out);
		emit_expr(e, x->a);
		fputs(", ", e->out);
		emit_expr(e, x->b);
		fprintf(e->out, ", %d, ", x->op == OP_MOD);
		emit_loc_op(e, x, x->op);
		fputs(")", e->out);
		return;
	case OP_SHL:
	case OP_SHR:
		fprintf(e->out, "%s(", x->op == OP_SHL ? "stp_shl" : "stp_shr");
		emit_expr(e, x->a);
		fputs(", ", e->out);
		emit_expr(e, x->b);
		fputs(")", e->out);
		return;
	default:
		/* the kernel builds with -fno-strict-overflow: + - * wrap */
		fputs("((int64_t)((uint64_t)(", e->out);
		emit_expr(e, x->a);
		fprintf(e->out, ") %s (uint64_t)(", stap_op_text(x->op));
		emit_expr(e, x->b);
		fputs(")))", e->out);
	}
}

static void emit_compare(struct emit *e, const struct stap_expr *x)
{
	if (x->op == OP_MATCH || x->op == OP_NMATCH) {
		fputs("((int64_t)", e->out);
		emit_regex_match(e, x);
		fputs(")", e->out);
		return;
	}
	if (x->a->type == STAP_T_STRING) {
		fputs("((int64_t)(strcmp(", e->out);
		emit_expr(e, x->a);
		fputs(", ", e->out);
		emit_expr(e, x->b);
		fprintf(e->out, ") %s 0))", stap_op_text(x->op));
		return;
	}
	fputs("((int64_t)((", e->out);
	emit_expr(e, x->a);
	fprintf(e->out, ") %s (", stap_op_text(x->op));
	emit_expr(e, x->b);
	fputs(")))", e->out);
}

/* The value "old OP rhs" of a compound assignment, old given by emit_old. */
static void emit_compound(struct emit *e, const struct stap_expr *x,
			  void (*emit_old)(struct emit *, const struct stap_expr *))
{
	if (x->op == OP_CONCAT) {
		fprintf(e->out, "stp_concat(l->t%d, ", emit_new_temp(e));
		emit_old(e, x->a);
		fputs(", ", e->out);
		emit_expr(e, x->b);
		fputs(")", e->out);
		return;
	}
	if (x->op == OP_DIV || x->op == OP_MOD) {
		fputs("stp_div(c, ", e->out);
		emit_old(e, x->a);
		fputs(", ", e->out);
		emit_expr(e, x->b);
		fprintf(e->out, ", %d, ", x->op == OP_MOD);
		emit_loc_op(e, x, x->op);
		fputs(")", e->out);
		return;
	}
	if (x->op == OP_SHL || x->op == OP_SHR) {
		fprintf(e->out, "%s(", x->op == OP_SHL ? "stp_shl" : "stp_shr");
		emit_old(e, x->a);
		fputs(", ", e->out);
		emit_expr(e, x->b);
		fputs(")", e->out);
		return;
	}
	fputs("((int64_t)((uint64_t)(", e->out);
	emit_old(e, x->a);
	fprintf(e->out, ") %s (uint64_t)(", stap_op_text(x->op));
	emit_expr(e, x->b);
	fputs(")))", e->out);
}

static void emit_old_scalar(struct emit *e, const struct stap_expr *a)
{
	emit_var_ref(e, a->var);
}

static void emit_old_elem(struct emit *e, const struct stap_expr *a)
{
	fprintf(e->out, "stp_map_get_%s(", a->type == STAP_T_STRING ? "s" : "n");
	emit_map(e, a->var);
	fputs(", ", e->out);
	emit_keys(e, a->args, a->nargs);
	fputs(")", e->out);
}

static void emit_assign(struct emit *e, const struct stap_expr *x)
{
	const struct stap_expr *a = x->a;
	int str = a->type == STAP_T_STRING;

	if (a->kind == E_INDEX) {
		if (!str && (x->op == OP_ADD || x->op == OP_SUB)) {
			fputs("stp_map_add_n(c, ", e->out);
			emit_map(e, a->var);
			fputs(", ", e->out);
			emit_keys(e, a->args, a->nargs);
			fputs(x->op == OP_SUB ? ", -(" : ", (", e->out);
			emit_expr(e, x->b);
			fputs("), ", e->out);
			emit_loc_ident(e, x, a);
			fputs(")", e->out);
			return;
		}
		fprintf(e->out, "stp_map_set_%s(c, ", str ? "s" : "n");
		emit_map(e, a->var);
		fputs(", ", e->out);
		emit_keys(e, a->args, a->nargs);
		fputs(", ", e->out);
		if (x->op == OP_ASSIGN)
			emit_expr(e, x->b);
		else
			emit_compound(e, x, emit_old_elem);
		fputs(", ", e->out);
		emit_loc_ident(e, x, a);
		fputs(")", e->out);
		return;
	}
	if (str) {
		fputs("stp_strcpy(", e->out);
		emit_var_ref(e, a->var);
		fputs(", ", e->out);
		if (x->op == OP_ASSIGN)
			emit_expr(e, x->b);
		else
			emit_compound(e, x, emit_old_scalar);
		fputs(")", e->out);
		return;
	}
	fputs("(", e->out);
	emit_var_ref(e, a->var);
	fputs(" = ", e->out);
	if (x->op == OP_ASSIGN)
		emit_expr(e, x->b);
	else
		emit_compound(e, x, emit_old_scalar);
	fputs(")", e->out);
}

static void emit_incdec(struct emit *e, const struct stap_expr *x)
{
	const struct stap_expr *a = x->a;
	int inc = x->op == OP_PREINC || x->op == OP_POSTINC;
	int post = x->op == OP_POSTINC || x->op == OP_POSTDEC;

	if (a->kind == E_INDEX) {
		fputs("(stp_map_add_n(c, ", e->out);
		emit_map(e, a->var);
		fputs(", ", e->out);
		emit_keys(e, a->args, a->nargs);
		fprintf(e->out, ", %s, ", inc ? "1" : "-1");
		emit_loc_ident(e, x, a);
		fprintf(e->out, ")%s)", post ? (inc ? " - 1" : " + 1") : "");
		return;
	}
	fputs("(", e->out);
	if (!post)
		fputs(inc ? "++" : "--", e->out);
	emit_var_ref(e, a->var);
	if (post)
		fputs(inc ? "++" : "--", e->out);
	fputs(")", e->out);
}

static void emit_call(struct emit *e, const struct stap_expr *x)
{
	const struct stap_func *f = x->func;
	size_t i;

	int is_void = f->ret == STAP_T_VOID || f->ret == STAP_T_UNKNOWN;

	char cn[STAP_FUNC_CNAME_MAX];
	fprintf(e->out, "%sstp_fn_%s(c", is_void ? "(" : "", stap_func_cname(f, cn, sizeof(cn)));
	if (f->ret == STAP_T_STRING)
		fprintf(e->out, ", l->t%d", emit_new_temp(e));
	for (i = 0; i < x->nargs; i++) {
		fputs(", ", e->out);
		emit_expr(e, x->args[i]);
	}
	fputs(")", e->out);
	if (is_void)
		fputs(", (int64_t)0)", e->out);
}

/* Builtins: one row per builtin with a common shape, code for the rest. */
enum bi_shape {
	BI_CODE = 0,	 /* no row: emit_builtin's switch */
	BI_SHAPE_CALL,	 /* c = "fn(": [c,] [temp,] args [, loc] ) */
	BI_SHAPE_FIXED,	 /* c = the whole C expression, no arguments */
	BI_SHAPE_ARG,	 /* c = the cast of a register argument */
	BI_SHAPE_READ,	 /* size bytes from memory */
	BI_SHAPE_STRING, /* a NUL-terminated (or sized) string from memory */
	BI_SHAPE_PRINTF, /* the printf family: emit_fmt.c */
};

enum { BI_TEMP = 1, BI_CTX = 2, BI_LOC = 4, BI_USER = 8, BI_SIZED = 16 };

struct bi_row {
	enum bi_shape shape;
	const char *c;
	unsigned flags; /* BI_TEMP: a string temporary first; BI_CTX: the context
			   first; BI_LOC: the location last; BI_USER: user
			   memory; BI_SIZED: the length is the second argument */
	int size;
};

#define CALL(f, fl)                                                                                \
	{                                                                                          \
		BI_SHAPE_CALL, f, fl, 0                                                            \
	}
#define FIXED(t)                                                                                   \
	{                                                                                          \
		BI_SHAPE_FIXED, t, 0, 0                                                            \
	}
#define ARG(cast)                                                                                  \
	{                                                                                          \
		BI_SHAPE_ARG, cast, 0, 0                                                           \
	}
#define READ(n, fl)                                                                                \
	{                                                                                          \
		BI_SHAPE_READ, NULL, fl, n                                                         \
	}
#define STRING(fl)                                                                                 \
	{                                                                                          \
		BI_SHAPE_STRING, NULL, fl, 0                                                       \
	}
#define PRINTF                                                                                     \
	{                                                                                          \
		BI_SHAPE_PRINTF, NULL, 0, 0                                                        \
	}
static const struct bi_row bi_rows[BI_COUNT_] = {
    [BI_STRLEN] = CALL("stp_strlen(", 0),
    [BI_SUBSTR] = CALL("stp_substr(", BI_TEMP),
    [BI_ISINSTR] = CALL("stp_isinstr(", 0),
    [BI_STRPOS] = CALL("stp_strpos(", 0),
    [BI_STRTOL] = CALL("stp_strtol(", BI_CTX | BI_LOC),
    [BI_STR_REPLACE] = CALL("stp_str_replace(", BI_TEMP),
    [BI_STRINGAT] = CALL("stp_stringat(", BI_CTX | BI_LOC),
    [BI_TOKENIZE] = CALL("stp_tokenize(c, ", BI_TEMP),
    [BI_PPID] = CALL("stp_ppid(", 0),
    [BI_EXECNAME] = CALL("stp_execname(", BI_TEMP),
    [BI_PEXECNAME] = CALL("stp_pexecname(", BI_TEMP),
    [BI_RETURNVAL] = CALL("stp_returnval(", BI_CTX | BI_LOC),
    [BI_RANDINT] = CALL("stp_randint(", BI_CTX | BI_LOC),
    [BI_PROCFS_VALUE] = CALL("stp_procfs_value(", BI_CTX | BI_LOC),
    [BI_PROCFS_SET] = CALL("stp_procfs_set(", BI_CTX | BI_LOC),
    [BI_MATCHED] = CALL("stp_regex_matched(", BI_CTX | BI_TEMP | BI_LOC),
    [BI_MATCHED_STR] = CALL("stp_regex_matched_str(", BI_CTX | BI_TEMP | BI_LOC),
    [BI_NGROUPS] = CALL("stp_regex_ngroups(", BI_CTX | BI_LOC),
    [BI_EXIT] = FIXED("(stp_exit(), (int64_t)0)"),
    [BI_ABORT] = FIXED("(stp_exit(), c->abort = c->abort ? c->abort : STP_ABORT_NEXT, (int64_t)0)"),
    [BI_PID] = FIXED("((int64_t)current->tgid)"),
    [BI_TID] = FIXED("((int64_t)current->pid)"),
    [BI_UID] = FIXED("stp_uid(false)"),
    [BI_EUID] = FIXED("stp_uid(true)"),
    [BI_GID] = FIXED("stp_gid(false)"),
    [BI_EGID] = FIXED("stp_gid(true)"),
    [BI_CPU] = FIXED("((int64_t)smp_processor_id())"),
    [BI_GETTIMEOFDAY_S] = FIXED("(stp_time_ns() / 1000000000LL)"),
    [BI_GETTIMEOFDAY_MS] = FIXED("(stp_time_ns() / 1000000LL)"),
    [BI_GETTIMEOFDAY_US] = FIXED("(stp_time_ns() / 1000LL)"),
    [BI_GETTIMEOFDAY_NS] = FIXED("stp_time_ns()"),
    [BI_LOCAL_CLOCK_NS] = FIXED("((int64_t)local_clock())"),
    [BI_JIFFIES] = FIXED("((int64_t)jiffies)"),
    [BI_GET_CYCLES] = FIXED("((int64_t)get_cycles())"),
    [BI_PROBEFUNC] = FIXED("c->probefunc"),
    [BI_PP] = FIXED("c->pp"),
    [BI_TARGET] = FIXED("((int64_t)_stp_target)"),
    [BI_IS_RETURN] = FIXED("((int64_t)c->is_return)"),
    [BI_STP_PID] = FIXED("((int64_t)0)"),
    [BI_INT_ARG] = ARG("int"),
    [BI_S32_ARG] = ARG("int"),
    [BI_UINT_ARG] = ARG("unsigned int"),
    [BI_U32_ARG] = ARG("unsigned int"),
    [BI_LONG_ARG] = ARG("long"),
    [BI_S64_ARG] = ARG("long"),
    [BI_ULONG_ARG] = ARG("unsigned long"),
    [BI_POINTER_ARG] = ARG("unsigned long"),
    [BI_U64_ARG] = ARG("unsigned long"),
    [BI_KERNEL_STRING] = STRING(0),
    [BI_KERNEL_STRING_N] = STRING(BI_SIZED),
    [BI_USER_STRING] = STRING(BI_USER),
    [BI_USER_STRING_N] = STRING(BI_USER | BI_SIZED),
    [BI_KERNEL_LONG] = READ(8, 0),
    [BI_KERNEL_POINTER] = READ(8, 0),
    [BI_KERNEL_INT] = READ(4, 0),
    [BI_KERNEL_SHORT] = READ(2, 0),
    [BI_KERNEL_CHAR] = READ(1, 0),
    [BI_USER_LONG] = READ(8, BI_USER),
    [BI_USER_POINTER] = READ(8, BI_USER),
    [BI_USER_INT] = READ(4, BI_USER),
    [BI_USER_SHORT] = READ(2, BI_USER),
    [BI_USER_CHAR] = READ(1, BI_USER),
    [BI_PRINTF] = PRINTF,
    [BI_SPRINTF] = PRINTF,
    [BI_PRINTLN] = PRINTF,
    [BI_PRINT] = PRINTF,
    [BI_SPRINT] = PRINTF,
    [BI_SPRINTLN] = PRINTF,
    [BI_PRINTD] = PRINTF,
    [BI_PRINTDLN] = PRINTF,
    [BI_SPRINTD] = PRINTF,
};
#undef CALL
#undef FIXED
#undef ARG
#undef READ
#undef STRING
#undef PRINTF

static void emit_args(struct emit *e, const struct stap_expr *x, int first)
{
	size_t i;

	for (i = 0; i < x->nargs; i++) {
		if (i || !first)
			fputs(", ", e->out);
		emit_expr(e, x->args[i]);
	}
}

static void emit_bi_call(struct emit *e, const struct stap_expr *x, const struct bi_row *b)
{
	int first = 1;

	fputs(b->c, e->out);
	if (b->flags & BI_CTX) {
		fputs("c", e->out);
		first = 0;
	}
	if (b->flags & BI_TEMP) {
		fprintf(e->out, "%sl->t%d", first ? "" : ", ", emit_new_temp(e));
		first = 0;
	}
	emit_args(e, x, first);
	if (b->flags & BI_LOC) {
		fputs(", ", e->out);
		emit_loc_ident(e, x, x);
	}
	fputs(")", e->out);
}

static void emit_arg_reg(struct emit *e, const struct stap_expr *x, const char *cast)
{
	fprintf(e->out, "((int64_t)(%s)stp_arg(c, ", cast);
	emit_expr(e, x->args[0]);
	fputs(", ", e->out);
	emit_loc_ident(e, x, x);
	fputs("))", e->out);
}

static void emit_mem_string(struct emit *e, const struct stap_expr *x, int user, int sized)
{
	fprintf(e->out, "stp_mem_string(c, l->t%d, ", emit_new_temp(e));
	emit_expr(e, x->args[0]);
	fputs(", ", e->out);
	if (sized)
		emit_expr(e, x->args[1]);
	else
		fputs("-1", e->out);
	fprintf(e->out, ", %s, ", user ? "true" : "false");
	if (!sized && x->nargs > 1)
		emit_expr(e, x->args[1]);
	else
		fputs("NULL", e->out);
	fputs(", ", e->out);
	emit_loc_ident(e, x, x);
	fputs(")", e->out);
}

static void emit_mem_read(struct emit *e, const struct stap_expr *x, int size, int user)
{
	fputs("stp_mem_read(c, ", e->out);
	emit_expr(e, x->args[0]);
	fprintf(e->out, ", %d, %s, ", size, user ? "true" : "false");
	emit_loc_ident(e, x, x);
	fputs(")", e->out);
}

/* A builtin with a row in bi_rows; 0 when it has none (its code is in
 * emit_builtin). */
static int emit_builtin_row(struct emit *e, const struct stap_expr *x)
{
	const struct bi_row *b;

	if ((size_t)x->builtin >= BI_COUNT_)
		return 0;
	b = &bi_rows[x->builtin];
	switch (b->shape) {
	case BI_SHAPE_CALL:
		emit_bi_call(e, x, b);
		return 1;
	case BI_SHAPE_FIXED:
		fputs(b->c, e->out);
		return 1;
	case BI_SHAPE_ARG:
		emit_arg_reg(e, x, b->c);
		return 1;
	case BI_SHAPE_READ:
		emit_mem_read(e, x, b->size, (b->flags & BI_USER) != 0);
		return 1;
	case BI_SHAPE_STRING:
		emit_mem_string(e, x, (b->flags & BI_USER) != 0, (b->flags & BI_SIZED) != 0);
		return 1;
	case BI_SHAPE_PRINTF:
		emit_printf_call(e, x);
		return 1;
	case BI_CODE:
		break;
	}
	return 0;
}

static void emit_builtin(struct emit *e, const struct stap_expr *x)
{
	if (emit_builtin_row(e, x))
		return;
	switch (x->builtin) {
	case BI_ERROR:
		fputs("(stp_error(c, ", e->out);
		emit_loc_ident(e, x, x);
		fputs(", \"%s\", ", e->out);
		emit_expr(e, x->args[0]);
		fputs("), (int64_t)0)", e->out);
		return;
	case BI_WARN:
		fputs("(stp_warnf(\"WARNING: %s\\n\", ", e->out);
		emit_expr(e, x->args[0]);
		fputs("), (int64_t)0)", e->out);
		return;
	case BI_LOG:
		fputs("(stp_printf(c, \"%s\\n\", ", e->out);
		emit_expr(e, x->args[0]);
		fputs("), (int64_t)0)", e->out);
		return;
	case BI_TEXT_STR:
		fprintf(e->out, "stp_text_strn(l->t%d, ", emit_new_temp(e));
		emit_expr(e, x->args[0]);
		fputs(", 0, false)", e->out);
		return;
	case BI_TEXT_STRN:
		fprintf(e->out, "stp_text_strn(l->t%d", emit_new_temp(e));
		emit_args(e, x, 0);
		fputs(")", e->out);
		return;
	case BI_STRING:
	case BI_HEXSTRING:
		fprintf(e->out, "stp_sprintf(l->t%d, \"%s\", (long long)(", emit_new_temp(e),
			x->builtin == BI_STRING ? "%lld" : "0x%llx");
		emit_expr(e, x->args[0]);
		fputs("))", e->out);
		return;
	case BI_TOUPPER:
	case BI_TOLOWER:
		fprintf(e->out, "stp_case(l->t%d, ", emit_new_temp(e));
		emit_expr(e, x->args[0]);
		fprintf(e->out, ", %s)", x->builtin == BI_TOUPPER ? "true" : "false");
		return;
	case BI_REGISTER:
		fputs("(stp_error(c, ", e->out);
		emit_loc_ident(e, x, x);
		fputs(", \"register() is not supported\"), (int64_t)0)", e->out);
		return;
	case BI_MODULE_NAME:
		emit_c_string(e->out, e->modname, strlen(e->modname));
		return;
	case BI_ABS:
		fputs("({ int64_t _v = (", e->out);
		emit_expr(e, x->args[0]);
		fputs("); _v < 0 ? (int64_t)(0 - (uint64_t)_v) : _v; })", e->out);
		return;
	case BI_MIN:
	case BI_MAX:
		fprintf(e->out, "%s_t(int64_t, ", x->builtin == BI_MIN ? "min" : "max");
		emit_args(e, x, 1);
		fputs(")", e->out);
		return;
	default:
		emit_error(e, &x->loc, "builtin %s is not supported by pass 3", x->str);
		fputs("((int64_t)0)", e->out);
	}
}

static void emit_stats_add(struct emit *e, const struct stap_expr *x)
{
	const struct stap_expr *a = x->a;

	if (a->kind == E_INDEX) {
		fputs("(stp_map_stat_add(c, ", e->out);
		emit_map(e, a->var);
		fputs(", ", e->out);
		emit_keys(e, a->args, a->nargs);
		fputs(", ", e->out);
		emit_expr(e, x->b);
		fputs(", ", e->out);
		emit_loc_ident(e, x, a);
		fputs("), (int64_t)0)", e->out);
		return;
	}
	fputs("(stp_stat_add(", e->out);
	emit_hist_ptr(e, a->var);
	fprintf(e->out, ", stp_s_%s, ", a->var->name);
	emit_expr(e, x->b);
	fputs("), (int64_t)0)", e->out);
}

static void emit_stat(struct emit *e, const struct stap_expr *x)
{
	static const char *const ops[] = {
	    [OP_COUNT] = "STP_COUNT", [OP_SUM] = "STP_SUM", [OP_MIN] = "STP_MIN",
	    [OP_MAX] = "STP_MAX",     [OP_AVG] = "STP_AVG",
	};

	fputs(x->op == OP_VARIANCE ? "stp_stat_variance(c, " : "stp_stat_get(c, ", e->out);
	emit_stat_ptr(e, x->a);
	if (x->op == OP_VARIANCE)
		fprintf(e->out, ", %d, ", (int)x->num);
	else
		fprintf(e->out, ", %s, ", ops[x->op]);
	emit_loc_ident(e, x, x->a);
	fputs(")", e->out);
}

/* @hist_*(x) as a print argument: print the histogram, value 0. */
static void emit_hist(struct emit *e, const struct stap_expr *x)
{
	fputs("(stp_hist_print(c, ", e->out);
	emit_hist_ptr(e, x->a->var);
	fputs(", ", e->out);
	emit_stat_ptr(e, x->a);
	fputs("), (int64_t)0)", e->out);
}

/* k in @hist_*(s): bucket k's count, as stap reads it (an error when s is
 * empty or k is not one of its buckets). */
static void emit_hist_in(struct emit *e, const struct stap_expr *x)
{
	const struct stap_expr *h = x->a;

	fputs("stp_hist_bucket(c, ", e->out);
	emit_hist_ptr(e, h->a->var);
	fputs(", ", e->out);
	emit_stat_ptr(e, h->a);
	fputs(", ", e->out);
	emit_expr(e, x->args[0]);
	fputs(", ", e->out);
	emit_loc_ident(e, x, h->a);
	fputs(")", e->out);
}

static void emit_node(struct emit *e, const struct stap_expr *x)
{
	switch (x->kind) {
	case E_NUM:
		emit_num(e, x->num);
		return;
	case E_STR:
		emit_c_string(e->out, x->str, x->str_len);
		return;
	case E_VAR:
		emit_var_ref(e, x->var);
		return;
	case E_INDEX:
		emit_old_elem(e, x);
		return;
	case E_CALL:
		emit_call(e, x);
		return;
	case E_BUILTIN:
		emit_builtin(e, x);
		return;
	case E_UNARY:
		if (x->op == OP_NOT)
			fputs("((int64_t)!(", e->out);
		else if (x->op == OP_NEG)
			fputs("((int64_t)(0 - (uint64_t)(", e->out);
		else
			fprintf(e->out, "((int64_t)(%s(", x->op == OP_BITNOT ? "~" : "+");
		emit_expr(e, x->a);
		fputs(x->op == OP_NOT ? "))" : ")))", e->out);
		return;
	case E_BINARY:
		emit_binary(e, x);
		return;
	case E_COMPARE:
		emit_compare(e, x);
		return;
	case E_LOGICAL:
		fputs("((int64_t)((", e->out);
		emit_expr(e, x->a);
		fputs(x->op == OP_LAND ? ") && (" : ") || (", e->out);
		emit_expr(e, x->b);
		fputs(")))", e->out);
		return;
	case E_TERNARY:
		fputs("((", e->out);
		emit_expr(e, x->a);
		fputs(") ? (", e->out);
		emit_expr(e, x->b);
		fputs(") : (", e->out);
		emit_expr(e, x->c);
		fputs("))", e->out);
		return;
	case E_ASSIGN:
		emit_assign(e, x);
		return;
	case E_INCDEC:
		emit_incdec(e, x);
		return;
	case E_IN:
		if (x->a) {
			emit_hist_in(e, x);
			return;
		}
		if (emit_slice_mask(x->args, x->nargs)) {
			fputs("((int64_t)stp_map_slice_exists(", e->out);
			emit_map(e, x->var);
			fputs(", ", e->out);
			emit_keys(e, x->args, x->nargs);
			fprintf(e->out, ", %uu))", emit_slice_mask(x->args, x->nargs));
			return;
		}
		fputs("((int64_t)(stp_map_find(", e->out);
		emit_map(e, x->var);
		fputs(", ", e->out);
		emit_keys(e, x->args, x->nargs);
		fputs(") != NULL))", e->out);
		return;
	case E_STATS_ADD:
		emit_stats_add(e, x);
		return;
	case E_STAT:
		emit_stat(e, x);
		return;
	case E_HIST:
		emit_hist(e, x);
		return;
	case E_TARGET:
		emit_error(e, &x->loc,
			   "context variable %s needs debug information, which "
			   "this translator does not read; use int_arg()/returnval()",
			   x->str ? x->str : "$?");
		fputs("((int64_t)0)", e->out);
		return;
	case E_ENTRY:
		fprintf(e->out, "stp_entry_val(c, %lld)", (long long)x->num);
		return;
	case E_WILD:
		emit_error(e, &x->loc, "a '*' key outside a slice");
		fputs("((int64_t)0)", e->out);
		return;
	case E_ARG:
		emit_error(e, &x->loc, "unresolved script argument");
		fputs("((int64_t)0)", e->out);
		return;
	}
}

/* ---- evaluation order ----
 * C leaves the order of a call's arguments and of most binary operators'
 * operands unspecified (gcc often goes right to left); stap evaluates them
 * left to right.  Where the order can show (two operands with side effects,
 * or one with side effects and another reading script state), the operands
 * before the last such one are evaluated first, in order, into locals _oN
 * of a GNU statement expression, and the node's usual code reads those.  A
 * string that could point at a variable or an array element is copied into
 * a temporary there, so that a later operand cannot change it.  Elsewhere
 * the code is as it was. */

/* What evaluating an operand can do, in two domains: script globals and
 * the outside world (ORD_READ_G: reads a global or state another operand
 * may set; ORD_EFFECT_G: prints, stops, writes a global, calls a script
 * function), and the frame's own locals, which a called function cannot
 * touch (ORD_READ_L, ORD_WRITE_L). */
enum { ORD_READ_G = 1, ORD_EFFECT_G = 2, ORD_READ_L = 4, ORD_WRITE_L = 8 };

static unsigned order_var(const struct stap_expr *v, unsigned global, unsigned local)
{
	return v->var && v->var->scope != STAP_VAR_GLOBAL ? local : global;
}

static unsigned order_class(const struct stap_expr *x)
{
	unsigned c = 0;

	if (!x)
		return 0;
	switch (x->kind) {
	case E_IN:
		if (x->a) /* k in @hist_*(s): reads s, prints nothing */
			return ORD_READ_G | order_class(x->a->a) | order_class(x->args[0]);
		c = ORD_READ_G;
		break;
	case E_VAR:
		c = order_var(x, ORD_READ_G, ORD_READ_L);
		break;
	case E_INDEX:
	case E_STAT:
		c = ORD_READ_G;
		break;
	case E_CALL:
		c = x->func && x->func->embedded && x->func->pure ? ORD_READ_G : ORD_EFFECT_G;
		break;
	case E_ASSIGN:
	case E_INCDEC:
		c = x->a->kind == E_VAR ? order_var(x->a, ORD_EFFECT_G, ORD_WRITE_L) : ORD_EFFECT_G;
		break;
	case E_STATS_ADD:
	case E_HIST: /* prints */
		c = ORD_EFFECT_G;
		break;
	case E_COMPARE: /* =~ sets what matched() reads */
		if (x->op == OP_MATCH || x->op == OP_NMATCH)
			c = ORD_EFFECT_G;
		break;
	case E_BUILTIN:
		if (stap_builtin_has_effect(x->builtin) || x->builtin == BI_PROCFS_SET)
			c = ORD_EFFECT_G;
		else if (x->builtin == BI_MATCHED || x->builtin == BI_MATCHED_STR ||
			 x->builtin == BI_NGROUPS || x->builtin == BI_PROCFS_VALUE)
			c = ORD_READ_G;
		break;
	default:
		break;
	}
	c |= order_class(x->a) | order_class(x->b) | order_class(x->c);
	for (size_t i = 0; i < x->nargs; i++)
		c |= order_class(x->args[i]);
	return c;
}

struct order_ops {
	struct stap_expr *const *v;
	size_t n;
	struct stap_expr *pair[2];
};

/* The operands of x that its C code evaluates in no fixed order. */
static void order_operands(const struct stap_expr *x, struct order_ops *o)
{
	o->v = NULL;
	o->n = 0;
	switch (x->kind) {
	case E_CALL:
	case E_BUILTIN:
		o->v = x->args;
		o->n = x->nargs;
		break;
	case E_INDEX:
	case E_IN:
		if (!x->a) { /* not k in @hist_*(s) */
			o->v = x->args;
			o->n = x->nargs;
		}
		break;
	case E_BINARY:
	case E_COMPARE:
		o->pair[0] = x->a;
		o->pair[1] = x->b;
		o->v = o->pair;
		o->n = 2;
		break;
	case E_ASSIGN:
	case E_INCDEC:
	case E_STATS_ADD: /* the keys of an element among themselves */
		if (x->a && x->a->kind == E_INDEX) {
			o->v = x->a->args;
			o->n = x->a->nargs;
		}
		break;
	default:
		break;
	}
}

/* A string value no later operand can change: a literal or a temporary of
 * its own node. */
static int order_str_stable(const struct stap_expr *x)
{
	switch (x->kind) {
	case E_STR:
	case E_CALL:
	case E_BINARY:
		return 1;
	case E_BUILTIN:
		return x->builtin != BI_PROCFS_VALUE;
	default:
		return 0;
	}
}

/* Operands i.. up to last of x, each declared as _oN before x's code. */
static void emit_pre_from(struct emit *e, const struct stap_expr *x, const struct order_ops *o,
			  size_t i, size_t last)
{
	const struct stap_expr *a;
	struct emit_pre p;

	if (i == last) {
		emit_node(e, x);
		return;
	}
	a = o->v[i];
	if (!order_class(a)) {
		emit_pre_from(e, x, o, i + 1, last);
		return;
	}
	p.x = a;
	p.id = e->order_ids++;
	p.next = e->pre;
	if (a->type == STAP_T_STRING && order_str_stable(a))
		fprintf(e->out, "const char *_o%d = (", p.id);
	else if (a->type == STAP_T_STRING)
		fprintf(e->out, "const char *_o%d = stp_strcpy(l->t%d, ", p.id, emit_new_temp(e));
	else
		fprintf(e->out, "int64_t _o%d = (", p.id);
	emit_expr(e, a);
	fputs("); ", e->out);
	e->pre = &p;
	emit_pre_from(e, x, o, i + 1, last);
	e->pre = p.next;
}

/* x's code with its operands in stap's order; 0 when their order cannot
 * show (x's code is then emitted as usual). */
static int emit_ordered(struct emit *e, const struct stap_expr *x)
{
	struct order_ops o;
	size_t i, last = 0, eg = 0, rg = 0, wl = 0, rl = 0;

	order_operands(x, &o);
	for (i = 0; i < o.n; i++) {
		unsigned c = order_class(o.v[i]);

		eg += (c & ORD_EFFECT_G) != 0;
		rg += (c & (ORD_EFFECT_G | ORD_READ_G)) == ORD_READ_G;
		wl += (c & ORD_WRITE_L) != 0;
		rl += (c & (ORD_WRITE_L | ORD_READ_L)) == ORD_READ_L;
		if (c)
			last = i;
	}
	/* a compound assignment to an element writes its keys twice (the old
	 * value, the new one): keys with effects are evaluated once, before */
	if (x->kind == E_ASSIGN && x->op != OP_ASSIGN && o.n && (eg || wl) &&
	    !(x->a->type != STAP_T_STRING && (x->op == OP_ADD || x->op == OP_SUB)))
		last = o.n;
	/* printd's delimiter is written between each two values: once, first */
	else if (x->kind == E_BUILTIN && o.n > 2 && order_class(o.v[0]) &&
		 (x->builtin == BI_PRINTD || x->builtin == BI_PRINTDLN || x->builtin == BI_SPRINTD))
		last = last > 1 ? last : 1;
	/* an operand with effects and another one it can see or that sees it */
	else if (!(eg && eg + rg >= 2) && !(wl && wl + rl >= 2))
		return 0;
	fputs("({ ", e->out);
	emit_pre_from(e, x, &o, 0, last);
	fputs("; })", e->out);
	return 1;
}

void emit_expr(struct emit *e, const struct stap_expr *x)
{
	const struct emit_pre *p;

	for (p = e->pre; p; p = p->next) {
		if (p->x == x) {
			fprintf(e->out, "_o%d", p->id);
			return;
		}
	}
	if (!emit_ordered(e, x))
		emit_node(e, x);
}

void emit_top_expr(struct emit *e, const struct stap_expr *x)
{
	e->cur_temp = 0;
	emit_expr(e, x);
}
