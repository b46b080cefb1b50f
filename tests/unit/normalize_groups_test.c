/* Normalization: each group of equivalent scripts gives one normal form, and
 * near misses (scripts that behave differently) stay apart.  The programs are
 * built as elaborated ASTs by hand and compared through a structural dump, so
 * the test depends on nothing but ast.h and normalize*.c. */
#include "tests/unit/unit.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>

#include "translator/ast.h"
#include "translator/passes.h"

/* ---- building elaborated programs ---- */

static struct stap_program *P;
static struct stap_var *pending[16];
static size_t npending;

static struct stap_program *prog(void)
{
	P = calloc(1, sizeof *P);
	npending = 0;
	return P;
}

static struct stap_var *mkvar(const char *name, enum stap_var_scope scope, enum stap_type t)
{
	struct stap_var *v = stap_alloc(P, sizeof *v);

	v->name = stap_strdup(P, name);
	v->scope = scope;
	v->type = t;
	return v;
}

static struct stap_var *local(const char *name)
{
	struct stap_var *v = mkvar(name, STAP_VAR_LOCAL, STAP_T_LONG);

	v->index = (int)npending;
	pending[npending++] = v;
	return v;
}

static struct stap_var *global(const char *name)
{
	struct stap_var *v = mkvar(name, STAP_VAR_GLOBAL, STAP_T_LONG);
	struct stap_var **g = stap_alloc(P, (P->nglobals + 1) * sizeof *g);

	if (P->nglobals)
		memcpy(g, P->globals, P->nglobals * sizeof *g);
	v->index = (int)P->nglobals;
	g[P->nglobals++] = v;
	P->globals = g;
	return v;
}

static struct stap_expr *ex(enum stap_expr_kind k, enum stap_op op, enum stap_type t)
{
	struct stap_expr *e = stap_alloc(P, sizeof *e);

	e->kind = k;
	e->op = op;
	e->type = t;
	return e;
}

static struct stap_expr *num(int64_t v)
{
	struct stap_expr *e = ex(E_NUM, OP_NONE, STAP_T_LONG);

	e->num = v;
	return e;
}

static struct stap_expr *str(const char *s)
{
	struct stap_expr *e = ex(E_STR, OP_NONE, STAP_T_STRING);

	e->str = stap_strdup(P, s);
	e->str_len = strlen(s);
	return e;
}

static struct stap_expr *var(struct stap_var *v)
{
	struct stap_expr *e = ex(E_VAR, OP_NONE, v->type);

	e->var = v;
	e->str = v->name;
	return e;
}

static struct stap_expr *bin(enum stap_op op, struct stap_expr *a, struct stap_expr *b)
{
	enum stap_expr_kind k = op >= OP_LT && op <= OP_NE	? E_COMPARE
				: op == OP_LAND || op == OP_LOR ? E_LOGICAL
								: E_BINARY;
	struct stap_expr *e = ex(k, op, STAP_T_LONG);

	e->a = a;
	e->b = b;
	return e;
}

static struct stap_expr *un(enum stap_op op, struct stap_expr *a)
{
	struct stap_expr *e = ex(E_UNARY, op, STAP_T_LONG);

	e->a = a;
	return e;
}

static struct stap_expr *asg(struct stap_var *v, enum stap_op op, struct stap_expr *rhs)
{
	struct stap_expr *e = ex(E_ASSIGN, op, v->type);

	e->a = var(v);
	e->b = rhs;
	return e;
}

static struct stap_expr *incdec(struct stap_var *v, enum stap_op op)
{
	struct stap_expr *e = ex(E_INCDEC, op, STAP_T_LONG);

	e->a = var(v);
	return e;
}

static struct stap_expr *call(enum stap_builtin b, struct stap_expr *arg)
{
	struct stap_expr *e = ex(E_BUILTIN, OP_NONE, stap_builtin_ret(b));

	e->builtin = b;
	e->str = stap_strdup(P, stap_builtin_name(b));
	if (arg) {
		e->args = stap_alloc(P, sizeof *e->args);
		e->args[0] = arg;
		e->nargs = 1;
	}
	return e;
}

static struct stap_stmt *st(enum stap_stmt_kind k)
{
	struct stap_stmt *s = stap_alloc(P, sizeof *s);

	s->kind = k;
	return s;
}

static struct stap_stmt *sx(struct stap_expr *e)
{
	struct stap_stmt *s = st(S_EXPR);

	s->expr = e;
	return s;
}

static struct stap_stmt *blk(int n, ...)
{
	struct stap_stmt *s = st(S_BLOCK);
	va_list ap;

	s->stmts = stap_alloc(P, (size_t)(n + 1) * sizeof *s->stmts);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		s->stmts[i] = va_arg(ap, struct stap_stmt *);
	va_end(ap);
	s->nstmts = (size_t)n;
	return s;
}

static struct stap_stmt *sif(struct stap_expr *c, struct stap_stmt *body, struct stap_stmt *els)
{
	struct stap_stmt *s = st(S_IF);

	s->expr = c;
	s->body = body;
	s->els = els;
	return s;
}

static struct stap_stmt *swhile(struct stap_expr *c, struct stap_stmt *body)
{
	struct stap_stmt *s = st(S_WHILE);

	s->expr = c;
	s->body = body;
	return s;
}

/* probe POINTS { body }: points "begin", "end", or "kprobe:NAME". */
static void probe(const char *points, struct stap_stmt *body)
{
	struct stap_probe *pr = stap_alloc(P, sizeof *pr);
	struct stap_probe **a = stap_alloc(P, (P->nprobes + 1) * sizeof *a);
	char buf[256], *save = NULL;

	pr->points = stap_alloc(P, 8 * sizeof *pr->points);
	snprintf(buf, sizeof buf, "%s", points);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct stap_probe_point *pt = &pr->points[pr->npoints++];
		pt->kind = strcmp(t, "begin") == 0 ? PP_BEGIN
			   : strcmp(t, "end") == 0 ? PP_END
						   : PP_KPROBE;
		pt->pp = stap_strdup(P, t);
	}
	pr->body = body;
	pr->locals = stap_alloc(P, (npending + 1) * sizeof *pr->locals);
	memcpy(pr->locals, pending, npending * sizeof *pending);
	pr->nlocals = npending;
	npending = 0;
	if (P->nprobes)
		memcpy(a, P->probes, P->nprobes * sizeof *a);
	pr->index = (int)P->nprobes;
	a[P->nprobes++] = pr;
	P->probes = a;
}

static void func(const char *name, struct stap_stmt *body)
{
	struct stap_func *f = stap_alloc(P, sizeof *f);
	struct stap_func **a = stap_alloc(P, (P->nfuncs + 1) * sizeof *a);

	f->name = stap_strdup(P, name);
	f->body = body;
	f->ret = STAP_T_VOID;
	if (P->nfuncs)
		memcpy(a, P->funcs, P->nfuncs * sizeof *a);
	a[P->nfuncs++] = f;
	P->funcs = a;
}

/* ---- a structural dump ---- */

static void dump_expr(FILE *f, const struct stap_expr *e)
{
	if (!e) {
		fputs("_", f);
		return;
	}
	switch (e->kind) {
	case E_NUM:
		fprintf(f, "%lld", (long long)e->num);
		return;
	case E_STR:
		fprintf(f, "\"%s\"", e->str);
		return;
	case E_VAR:
		fprintf(f, "%s%s", e->var->scope == STAP_VAR_GLOBAL ? "@" : "", e->var->name);
		return;
	default:
		break;
	}
	fprintf(f, "(k%d o%d%s%s ", (int)e->kind, (int)e->op, e->kind == E_BUILTIN ? " " : "",
		e->kind == E_BUILTIN ? e->str : "");
	dump_expr(f, e->a);
	fputc(' ', f);
	dump_expr(f, e->b);
	fputc(' ', f);
	dump_expr(f, e->c);
	for (size_t i = 0; i < e->nargs; i++) {
		fputc(' ', f);
		dump_expr(f, e->args[i]);
	}
	fputc(')', f);
}

static void dump_stmt(FILE *f, const struct stap_stmt *s)
{
	if (!s) {
		fputs("_", f);
		return;
	}
	fprintf(f, "{s%d ", (int)s->kind);
	dump_expr(f, s->expr);
	for (size_t i = 0; i < s->nstmts; i++) {
		fputc(' ', f);
		dump_stmt(f, s->stmts[i]);
	}
	if (s->body || s->els) {
		fputc(' ', f);
		dump_stmt(f, s->body);
		fputc(' ', f);
		dump_stmt(f, s->els);
	}
	fputc('}', f);
}

/* Normalize the program built so far and return its dump (static buffer). */
static const char *norm(void)
{
	static char out[8][4096];
	static int slot;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (normalize_program(NULL, P) < 0)
		return "normalize failed";
	f = open_memstream(&buf, &len);
	for (size_t i = 0; i < P->nfuncs; i++) {
		fprintf(f, "function %s ", P->funcs[i]->name);
		dump_stmt(f, P->funcs[i]->body);
		fputc('\n', f);
	}
	for (size_t i = 0; i < P->nprobes; i++) {
		const struct stap_probe *pr = P->probes[i];
		fputs("probe", f);
		for (size_t j = 0; j < pr->npoints; j++)
			fprintf(f, " %s", pr->points[j].pp);
		fputs(" locals:", f);
		for (size_t j = 0; j < pr->nlocals; j++)
			fprintf(f, " %s", pr->locals[j]->name);
		fputc(' ', f);
		dump_stmt(f, pr->body);
		fputc('\n', f);
	}
	fclose(f);
	slot = (slot + 1) % 8;
	snprintf(out[slot], sizeof out[slot], "%s", buf);
	free(buf);
	stap_program_free(P);
	P = NULL;
	return out[slot];
}

#define EXIT() sx(call(BI_EXIT, NULL))
#define LOG(s) sx(call(BI_LOG, str(s)))

#define SAME(a, b)                                                                                 \
	do {                                                                                       \
		char a_[4096];                                                                     \
		snprintf(a_, sizeof a_, "%s", a);                                                  \
		const char *b_ = (b);                                                              \
		if (strcmp(a_, b_) != 0) {                                                         \
			printf("#   got:  %s#   want: %s", a_, b_);                                \
			CHECK(!"normal forms should be equal");                                    \
		}                                                                                  \
	} while (0)
#define DIFFERENT(a, b)                                                                            \
	do {                                                                                       \
		char a_[4096];                                                                     \
		snprintf(a_, sizeof a_, "%s", a);                                                  \
		const char *b_ = (b);                                                              \
		if (strcmp(a_, b_) == 0) {                                                         \
			printf("#   both: %s", a_);                                                \
			CHECK(!"normal forms should differ");                                      \
		}                                                                                  \
	} while (0)

/* ---- the groups of the 2006 thread ---- */

static const char *g1_exit(void)
{
	prog();
	probe("begin", blk(1, EXIT()));
	return norm();
}

TEST(group1_empty_statements_and_dead_store)
{
	char base[4096];
	struct stap_var *a;

	snprintf(base, sizeof base, "%s", g1_exit());
	prog();
	probe("begin", blk(2, EXIT(), st(S_NULL)));
	SAME(norm(), base);
	prog();
	a = local("a");
	probe("begin", blk(2, EXIT(), sx(asg(a, OP_ASSIGN, num(1)))));
	SAME(norm(), base);
	CHECK(strstr(base, "locals: {") != NULL); /* the unused local is gone too */
}

TEST(group2_point_order_in_a_probe)
{
	char base[4096];

	prog();
	probe("begin,end", blk(1, EXIT()));
	snprintf(base, sizeof base, "%s", norm());
	prog();
	probe("end,begin", blk(1, EXIT()));
	SAME(norm(), base);
}

static const char *g3(int nest, int global_foo)
{
	struct stap_var *foo;
	struct stap_stmt *body;

	prog();
	body = EXIT();
	foo = global_foo ? global("foo") : local("foo");
	for (int i = 0; i < nest; i++)
		body = blk(1, body);
	probe("begin", blk(1, sif(var(foo), body, NULL)));
	return norm();
}

TEST(group3_braces)
{
	char base[4096], gbase[4096];

	snprintf(base, sizeof base, "%s", g3(0, 0));
	SAME(g3(1, 0), base);
	SAME(g3(2, 0), base);
	snprintf(gbase, sizeof gbase, "%s", g3(0, 1));
	SAME(g3(1, 1), gbase);
	SAME(g3(2, 1), gbase);
	/* A global foo may be set by another probe or at load: it stays. */
	DIFFERENT(gbase, base);
	CHECK(strstr(gbase, "@foo") != NULL);
}

static const char *g4(int which, int global_i)
{
	struct stap_var *i;

	prog();
	switch (which) {
	case 0:
		probe("begin", blk(1, LOG("foo")));
		break;
	case 1:
		probe("begin", blk(1, sif(num(1), LOG("foo"), NULL)));
		break;
	case 2:
		i = global_i ? global("i") : local("i");
		probe("begin",
		      blk(2, sx(asg(i, OP_ASSIGN, num(1))), sif(var(i), LOG("foo"), NULL)));
		break;
	default:
		i = global_i ? global("i") : local("i");
		probe("begin", blk(1, swhile(un(OP_NOT, incdec(i, OP_POSTINC)), LOG("foo"))));
		break;
	}
	return norm();
}

TEST(group4_constants_known_locals_and_the_loop)
{
	char base[4096];

	snprintf(base, sizeof base, "%s", g4(0, 0));
	SAME(g4(1, 0), base);
	SAME(g4(2, 0), base);
	SAME(g4(3, 0), base);
	/* With i global, other probes see (and may set) it. */
	DIFFERENT(g4(2, 1), base);
	DIFFERENT(g4(3, 1), base);
}

TEST(function_and_probe_order)
{
	char base[4096];

	prog();
	func("f", blk(1, LOG("f")));
	func("g", blk(1, LOG("g")));
	probe("begin", blk(1, LOG("a")));
	probe("end", blk(1, LOG("b")));
	snprintf(base, sizeof base, "%s", norm());
	prog();
	func("g", blk(1, LOG("g")));
	func("f", blk(1, LOG("f")));
	probe("end", blk(1, LOG("b")));
	probe("begin", blk(1, LOG("a")));
	SAME(norm(), base);
}

/* ---- near misses: these behave differently and must stay apart ---- */

TEST(same_event_probes_keep_source_order)
{
	char base[4096];

	prog();
	probe("begin", blk(1, LOG("a")));
	probe("begin", blk(1, LOG("b")));
	snprintf(base, sizeof base, "%s", norm());
	prog();
	probe("begin", blk(1, LOG("b")));
	probe("begin", blk(1, LOG("a")));
	DIFFERENT(norm(), base);
	/* Sharing one of several events is enough to keep the order. */
	prog();
	probe("begin,end", blk(1, LOG("a")));
	probe("end", blk(1, LOG("b")));
	snprintf(base, sizeof base, "%s", norm());
	prog();
	probe("end", blk(1, LOG("b")));
	probe("begin,end", blk(1, LOG("a")));
	DIFFERENT(norm(), base);
}

TEST(exit_does_not_end_the_probe)
{
	prog();
	probe("begin", blk(2, EXIT(), LOG("after")));
	DIFFERENT(norm(), g1_exit());
	/* next does: what follows it is unreachable. */
	char base[4096];
	prog();
	probe("begin", blk(1, st(S_NEXT)));
	snprintf(base, sizeof base, "%s", norm());
	prog();
	probe("begin", blk(2, st(S_NEXT), LOG("never")));
	SAME(norm(), base);
}

TEST(division_by_zero_and_calls_stay)
{
	struct stap_var *a;

	prog();
	a = local("a");
	probe("begin", blk(2, EXIT(), sx(asg(a, OP_ASSIGN, bin(OP_DIV, num(1), num(0))))));
	DIFFERENT(norm(), g1_exit());
	prog();
	a = local("a");
	probe("begin", blk(2, EXIT(), sx(asg(a, OP_ASSIGN, call(BI_RANDINT, num(10))))));
	DIFFERENT(norm(), g1_exit());
	prog();
	a = local("a");
	probe("begin", blk(2, EXIT(), sx(asg(a, OP_ASSIGN, bin(OP_MOD, num(5), num(0))))));
	CHECK(strstr(norm(), "(k7 o5 5 0") != NULL); /* kept, to fail at run time */
}

/* Folding must give what the runtime computes (runtime/stp_funcs.c). */
static int64_t folded(struct stap_expr *(*mk)(void))
{
	struct stap_var *g;
	const char *out;
	long long v = 0;

	prog();
	g = global("g");
	probe("begin", blk(1, sx(asg(g, OP_ASSIGN, mk()))));
	out = norm();
	const char *p = strstr(out, "@g ");
	if (!p || sscanf(p + 3, "%lld", &v) != 1)
		return 0x5eed;
	return v;
}

static struct stap_expr *wrap_add(void)
{
	return bin(OP_ADD, num(INT64_MAX), num(1));
}
static struct stap_expr *wrap_mul(void)
{
	return bin(OP_MUL, num(INT64_MAX), num(2));
}
static struct stap_expr *min_div(void)
{
	return bin(OP_DIV, num(INT64_MIN), num(-1));
}
static struct stap_expr *min_mod(void)
{
	return bin(OP_MOD, num(INT64_MIN), num(-1));
}
static struct stap_expr *neg_div(void)
{
	return bin(OP_DIV, num(-7), num(2));
}
static struct stap_expr *neg_mod(void)
{
	return bin(OP_MOD, num(-7), num(2));
}
static struct stap_expr *shl64(void)
{
	return bin(OP_SHL, num(1), num(64));
}
static struct stap_expr *shl63(void)
{
	return bin(OP_SHL, num(1), num(63));
}
static struct stap_expr *shr_neg(void)
{
	return bin(OP_SHR, num(-16), num(2));
}
static struct stap_expr *neg_min(void)
{
	return un(OP_NEG, num(INT64_MIN));
}
static struct stap_expr *logic(void)
{
	return bin(OP_LOR, bin(OP_LAND, num(3), num(0)), un(OP_NOT, num(0)));
}

TEST(folding_follows_the_runtime)
{
	CHECK(folded(wrap_add) == INT64_MIN);
	CHECK(folded(wrap_mul) == -2);
	CHECK(folded(min_div) == INT64_MIN);
	CHECK(folded(min_mod) == 0);
	CHECK(folded(neg_div) == -3);
	CHECK(folded(neg_mod) == -1);
	CHECK(folded(shl64) == 1);
	CHECK(folded(shl63) == INT64_MIN);
	CHECK(folded(shr_neg) == -4);
	CHECK(folded(neg_min) == INT64_MIN);
	CHECK(folded(logic) == 1);
}

TEST(endless_loop_stays_a_loop)
{
	struct stap_var *i;
	const char *out;

	prog();
	probe("begin", blk(1, swhile(num(1), LOG("x"))));
	CHECK(strstr(norm(), "{s4 1") != NULL);
	/* i counts up from 0 to 3: unrolled three times. */
	prog();
	i = local("i");
	probe("begin", blk(1, swhile(bin(OP_LT, incdec(i, OP_POSTINC), num(3)), LOG("x"))));
	out = norm();
	CHECK(strstr(out, "{s4") == NULL);
	char three[4096];
	snprintf(three, sizeof three, "%s", out);
	prog();
	probe("begin", blk(3, LOG("x"), LOG("x"), LOG("x")));
	SAME(norm(), three);
}

TEST(unknown_values_are_not_assumed)
{
	struct stap_var *i, *g;
	char base[4096];

	/* i = pid(): unknown, so "if (i)" stays. */
	prog();
	i = local("i");
	probe("begin",
	      blk(2, sx(asg(i, OP_ASSIGN, call(BI_PID, NULL))), sif(var(i), LOG("foo"), NULL)));
	snprintf(base, sizeof base, "%s", norm());
	CHECK(strstr(base, "{s3") != NULL);
	/* A branch that may or may not run leaves i unknown. */
	prog();
	i = local("i");
	g = global("g");
	probe("begin", blk(2, sif(var(g), sx(asg(i, OP_ASSIGN, num(1))), NULL),
			   sif(var(i), LOG("foo"), NULL)));
	CHECK(strstr(norm(), "{s3 i") != NULL);
}

/* "g = i + i++": which i is read depends on evaluation order; assume none. */
TEST(order_dependent_reads_are_not_assumed)
{
	struct stap_var *i, *g;
	const char *out;

	prog();
	i = local("i");
	g = global("g");
	probe("begin", blk(1, sx(asg(g, OP_ASSIGN, bin(OP_ADD, var(i), incdec(i, OP_POSTINC))))));
	out = norm();
	CHECK(strstr(out, "(k12") != NULL);
	CHECK(strstr(out, "o1 i (k12") != NULL); /* i stays a read of i */
	/* "i = i + 1" is ordered: the right side is read first. */
	prog();
	i = local("i");
	g = global("g");
	probe("begin", blk(2, sx(asg(i, OP_ASSIGN, bin(OP_ADD, var(i), num(1)))),
			   sx(asg(g, OP_ASSIGN, var(i)))));
	CHECK(strstr(norm(), "@g 1") != NULL);
}
