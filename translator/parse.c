/* Pass 1, step 3: the parser (recursive descent over preprocessed tokens).
 * Precedence, lowest first, as in SystemTap: assignment, ?:, ||, &&, |, ^, &,
 * in, comparison, shift, '.', + -, * / %, unary, ++/--, values. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "translator/front_int.h"
#include "translator/regex.h"

#define PARSE_MAX_DEPTH 200 /* nesting: keeps hostile input off the stack limit */

struct parser {
	struct stap_program *p;
	struct diag *d;
	const struct token *t;
	size_t i, n;
	int guru;
	int depth;
	jmp_buf fail;
};

/* Growable arrays of pointers inside the arena. */
struct ptrvec {
	void **v;
	size_t n, cap;
};

static void pv_push(struct stap_program *p, struct ptrvec *pv, void *x)
{
	pv->v = stap_grow(p, pv->v, pv->n, &pv->cap, sizeof(*pv->v), 4);
	pv->v[pv->n++] = x;
}

static const struct token *peek(struct parser *ps)
{
	return &ps->t[ps->i < ps->n ? ps->i : ps->n - 1];
}

static const struct token *peek2(struct parser *ps)
{
	return &ps->t[ps->i + 1 < ps->n ? ps->i + 1 : ps->n - 1];
}

static const struct token *next(struct parser *ps)
{
	const struct token *t = peek(ps);
	if (ps->i < ps->n - 1)
		ps->i++;
	return t;
}

static _Noreturn void parse_fail(struct parser *ps, const struct token *t, const char *what)
{
	char buf[80];
	diag_error(ps->d, &t->loc, "parse error: %s, found %s", what,
		   tok_describe(t, buf, sizeof(buf)));
	longjmp(ps->fail, 1);
}

static _Noreturn void parse_fail_msg(struct parser *ps, const struct stap_loc *loc, const char *msg)
{
	diag_error(ps->d, loc, "parse error: %s", msg);
	longjmp(ps->fail, 1);
}

static int is_op(struct parser *ps, const char *op)
{
	return tok_is(peek(ps), TK_OP, op);
}

static int accept_op(struct parser *ps, const char *op)
{
	if (!is_op(ps, op))
		return 0;
	next(ps);
	return 1;
}

static void expect_op(struct parser *ps, const char *op)
{
	char what[32];
	if (accept_op(ps, op))
		return;
	snprintf(what, sizeof(what), "expected '%s'", op);
	parse_fail(ps, peek(ps), what);
}

static int is_kw(struct parser *ps, const char *kw)
{
	return tok_is(peek(ps), TK_IDENT, kw);
}

static const char *const keywords[] = {
    "probe",  "global",	 "function", "private", "if",	 "else",     "while",
    "for",    "foreach", "in",	     "limit",	"break", "continue", "next",
    "return", "delete",	 "try",	     "catch",	"long",	 "string",   NULL,
};

static int is_keyword(const struct token *t)
{
	for (int k = 0; keywords[k]; k++)
		if (tok_is(t, TK_IDENT, keywords[k]))
			return 1;
	return 0;
}

static char *tok_name(struct parser *ps, const struct token *t)
{
	return stap_strndup(ps->p, t->text, (size_t)t->len);
}

static const struct token *expect_name(struct parser *ps, const char *what)
{
	const struct token *t = peek(ps);
	if (t->kind != TK_IDENT || is_keyword(t))
		parse_fail(ps, t, what);
	return next(ps);
}

static void depth_enter(struct parser *ps)
{
	if (++ps->depth > PARSE_MAX_DEPTH)
		parse_fail_msg(ps, &peek(ps)->loc, "nesting too deep");
}

static struct stap_expr *new_expr(struct parser *ps, enum stap_expr_kind k,
				  const struct stap_loc *loc)
{
	struct stap_expr *e = stap_alloc(ps->p, sizeof(*e));
	e->kind = k;
	e->loc = *loc;
	return e;
}

static struct stap_stmt *new_stmt(struct parser *ps, enum stap_stmt_kind k,
				  const struct stap_loc *loc)
{
	struct stap_stmt *s = stap_alloc(ps->p, sizeof(*s));
	s->kind = k;
	s->loc = *loc;
	return s;
}

static struct stap_var *new_var(struct parser *ps, const struct token *name,
				enum stap_var_scope scope)
{
	struct stap_var *v = stap_alloc(ps->p, sizeof(*v));
	v->name = tok_name(ps, name);
	v->loc = name->loc;
	v->scope = scope;
	return v;
}

/* ---- expressions ---- */

static struct stap_expr *parse_expr(struct parser *ps);
static struct stap_expr *parse_ternary(struct parser *ps);
static struct stap_expr *parse_unary(struct parser *ps);
static struct stap_expr *parse_string_lit(struct parser *ps);

struct opmap {
	const char *text;
	enum stap_op op;
};

static enum stap_op match_op(struct parser *ps, const struct opmap *m)
{
	for (; m->text; m++)
		if (is_op(ps, m->text))
			return m->op;
	return OP_NONE;
}

static struct stap_expr *binary(struct parser *ps, enum stap_expr_kind k, enum stap_op op,
				struct stap_expr *a, struct stap_expr *b,
				const struct stap_loc *loc)
{
	struct stap_expr *e = new_expr(ps, k, loc);
	e->op = op;
	e->a = a;
	e->b = b;
	return e;
}

/* Call arguments or array keys up to the closing token. */
static void parse_list(struct parser *ps, const char *close, struct stap_expr ***v, size_t *n)
{
	struct ptrvec pv = {0};
	if (!accept_op(ps, close)) {
		do
			pv_push(ps->p, &pv, parse_expr(ps));
		while (accept_op(ps, ","));
		expect_op(ps, close);
	}
	*v = (struct stap_expr **)pv.v;
	*n = pv.n;
}

/* The steps after $var or @cast(...): ->field, [N], and a $ or $$ suffix;
 * into e->str after what b holds. */
static void parse_chain(struct parser *ps, struct stap_expr *e, struct strbuf *b)
{
	for (;;) {
		if (is_op(ps, "->") && peek2(ps)->kind == TK_IDENT) {
			next(ps);
			const struct token *f = next(ps);
			sb_puts(b, "->");
			sb_putn(b, f->text, (size_t)f->len);
		} else if (is_op(ps, "[") && peek2(ps)->kind == TK_NUM) {
			next(ps);
			const struct token *n = next(ps);
			if (n->num < 0 || !is_op(ps, "]")) {
				free(b->s); /* parse_fail does not return */
				parse_fail(ps, n->num < 0 ? n : peek(ps),
					   "expected [N] with N >= 0");
			}
			sb_printf(b, "[%lld]", (long long)n->num);
			next(ps);
		} else if (peek(ps)->kind == TK_DOLLAR && peek(ps)->adjacent &&
			   peek(ps)->len <= 2) {
			const struct token *d = next(ps);
			sb_putn(b, d->text, (size_t)d->len);
		} else {
			break;
		}
	}
	e->str = stap_strdup(ps->p, b->s ? b->s : "");
	free(b->s);
}

/* Array keys up to ']': expressions, or '*' for "any" (a slice). */
static void parse_keys(struct parser *ps, struct stap_expr ***v, size_t *n)
{
	struct ptrvec pv = {0};
	do {
		if (is_op(ps, "*") &&
		    (tok_is(peek2(ps), TK_OP, ",") || tok_is(peek2(ps), TK_OP, "]"))) {
			pv_push(ps->p, &pv, new_expr(ps, E_WILD, &next(ps)->loc));
			continue;
		}
		pv_push(ps->p, &pv, parse_expr(ps));
	} while (accept_op(ps, ","));
	expect_op(ps, "]");
	*v = (struct stap_expr **)pv.v;
	*n = pv.n;
}

/* $var, $var->field, $var[N], $$vars, $var$ */
static struct stap_expr *parse_target(struct parser *ps)
{
	const struct token *t = next(ps);
	struct strbuf b = {0};
	struct stap_expr *e = new_expr(ps, E_TARGET, &t->loc);

	sb_putn(&b, t->text, (size_t)t->len);
	parse_chain(ps, e, &b);
	return e;
}

/* @cast(addr, "struct file" [, "kernel"])->a[2]->b: E_TARGET with a = addr,
 * b = the type name, c = the module (or NULL), str = "->a[2]->b". */
static struct stap_expr *parse_cast(struct parser *ps, const struct token *t)
{
	struct stap_expr *e = new_expr(ps, E_TARGET, &t->loc);
	struct strbuf b = {0};

	expect_op(ps, "(");
	e->a = parse_expr(ps);
	expect_op(ps, ",");
	if (peek(ps)->kind != TK_STR)
		parse_fail(ps, peek(ps), "expected the type name as a string");
	e->b = parse_string_lit(ps);
	if (accept_op(ps, ",")) {
		if (peek(ps)->kind != TK_STR)
			parse_fail(ps, peek(ps), "expected the module name as a string");
		e->c = parse_string_lit(ps);
	}
	expect_op(ps, ")");
	parse_chain(ps, e, &b);
	return e;
}

static const struct opmap stat_ops[] = {
    {"@count", OP_COUNT}, {"@sum", OP_SUM},	      {"@min", OP_MIN}, {"@max", OP_MAX},
    {"@avg", OP_AVG},	  {"@variance", OP_VARIANCE}, {NULL, OP_NONE},
};

static struct stap_expr *parse_at(struct parser *ps)
{
	const struct opmap *stats = stat_ops;
	const struct token *t = next(ps);
	struct stap_expr *e;

	for (const struct opmap *m = stats; m->text; m++) {
		if (!tok_is(t, TK_AT, m->text))
			continue;
		e = new_expr(ps, E_STAT, &t->loc);
		e->op = m->op;
		expect_op(ps, "(");
		e->a = parse_expr(ps);
		if (e->op == OP_VARIANCE && accept_op(ps, ",")) { /* the bit shift, 0..62 */
			const struct token *n = next(ps);
			if (n->kind != TK_NUM || n->num > 62)
				parse_fail(ps, n, "expected @variance's bit shift, a number 0..62");
			e->num = (int64_t)n->num;
		}
		expect_op(ps, ")");
		return e;
	}
	if (tok_is(t, TK_AT, "@hist_linear") || tok_is(t, TK_AT, "@hist_log")) {
		e = new_expr(ps, E_HIST, &t->loc);
		e->op = t->len == 12 ? OP_HIST_LINEAR : OP_HIST_LOG;
		expect_op(ps, "(");
		e->a = parse_expr(ps);
		if (e->op == OP_HIST_LINEAR) {
			struct ptrvec pv = {0};
			for (int k = 0; k < 3; k++) {
				expect_op(ps, ",");
				pv_push(ps->p, &pv, parse_expr(ps));
			}
			e->args = (struct stap_expr **)pv.v;
			e->nargs = pv.n;
		}
		expect_op(ps, ")");
		return e;
	}
	if (tok_is(t, TK_AT, "@defined") || tok_is(t, TK_AT, "@choose_defined") ||
	    tok_is(t, TK_AT, "@entry")) {
		size_t want = t->len == 15 ? 2 : 1;
		e = new_expr(ps, E_CALL, &t->loc);
		e->str = tok_name(ps, t);
		expect_op(ps, "(");
		parse_list(ps, ")", &e->args, &e->nargs);
		if (e->nargs != want)
			parse_fail_msg(ps, &t->loc,
				       want == 1 ? "@defined and @entry take one expression"
						 : "@choose_defined takes two expressions");
		return e;
	}
	if (tok_is(t, TK_AT, "@cast"))
		return parse_cast(ps, t);
	if (tok_is(t, TK_AT, "@var")) {
		e = new_expr(ps, E_TARGET, &t->loc);
		expect_op(ps, "(");
		if (peek(ps)->kind != TK_STR)
			parse_fail(ps, peek(ps), "expected a string in @var(\"name\")");
		const struct token *s = next(ps);
		expect_op(ps, ")");
		e->str = stap_alloc(ps->p, s->str_len + 8);
		snprintf(e->str, s->str_len + 8, "@var(%.*s)", (int)s->str_len, s->str);
		return e;
	}
	char msg[96];
	snprintf(msg, sizeof(msg), "unknown operator or undefined macro '%.*s'",
		 t->len > 40 ? 40 : t->len, t->text);
	parse_fail_msg(ps, &t->loc, msg);
}

static struct stap_expr *parse_ident_expr(struct parser *ps)
{
	const struct token *t = peek(ps);
	if (is_keyword(t))
		parse_fail(ps, t, "expected an expression");
	next(ps);
	struct stap_expr *e;
	if (accept_op(ps, "(")) {
		e = new_expr(ps, E_CALL, &t->loc);
		parse_list(ps, ")", &e->args, &e->nargs);
	} else if (accept_op(ps, "[")) {
		e = new_expr(ps, E_INDEX, &t->loc);
		if (is_op(ps, "]"))
			parse_fail_msg(ps, &t->loc, "array index needs at least one key");
		parse_keys(ps, &e->args, &e->nargs);
	} else {
		e = new_expr(ps, E_VAR, &t->loc);
	}
	e->str = tok_name(ps, t);
	return e;
}

static struct stap_expr *parse_string_lit(struct parser *ps)
{
	const struct token *t = next(ps);
	struct stap_expr *e = new_expr(ps, E_STR, &t->loc);
	e->str = t->str;
	e->str_len = t->str_len;
	/* "a" "b" is one literal, as in C. */
	while (peek(ps)->kind == TK_STR) {
		const struct token *u = next(ps);
		char *s = stap_alloc(ps->p, e->str_len + u->str_len + 1);
		memcpy(s, e->str, e->str_len);
		memcpy(s + e->str_len, u->str, u->str_len);
		e->str = s;
		e->str_len += u->str_len;
	}
	return e;
}

static struct stap_expr *parse_value(struct parser *ps)
{
	const struct token *t = peek(ps);
	struct stap_expr *e;

	switch (t->kind) {
	case TK_NUM:
		next(ps);
		e = new_expr(ps, E_NUM, &t->loc);
		e->num = t->num;
		return e;
	case TK_STR:
		return parse_string_lit(ps);
	case TK_IDENT:
		return parse_ident_expr(ps);
	case TK_DOLLAR:
		return parse_target(ps);
	case TK_AT:
		return parse_at(ps);
	case TK_EMBEDDED:
		parse_fail_msg(ps, &t->loc, "embedded C expressions are not supported");
	default:
		break;
	}
	if (accept_op(ps, "(")) {
		e = parse_expr(ps);
		expect_op(ps, ")");
		return e;
	}
	parse_fail(ps, t, "expected an expression");
}

static struct stap_expr *parse_crement(struct parser *ps)
{
	struct stap_expr *e = parse_value(ps);
	/* Only a variable takes a postfix ++/--: in "s = "c" <newline> ++x"
	 * the ++ starts the next statement (semicolons are optional). */
	while ((is_op(ps, "++") || is_op(ps, "--")) &&
	       (e->kind == E_VAR || e->kind == E_INDEX || e->kind == E_TARGET)) {
		const struct token *t = next(ps);
		struct stap_expr *x = new_expr(ps, E_INCDEC, &t->loc);
		x->op = t->text[0] == '+' ? OP_POSTINC : OP_POSTDEC;
		x->a = e;
		e = x;
	}
	return e;
}

static struct stap_expr *parse_unary(struct parser *ps)
{
	static const struct opmap un[] = {
	    {"-", OP_NEG},     {"+", OP_PLUS},	  {"!", OP_NOT},   {"~", OP_BITNOT},
	    {"++", OP_PREINC}, {"--", OP_PREDEC}, {NULL, OP_NONE},
	};
	if (is_op(ps, "&")) {
		/* &$var->field, &@cast(...)->field: the address, not the value */
		const struct token *t = next(ps);
		struct stap_expr *a = parse_crement(ps);
		if (a->kind != E_TARGET)
			parse_fail_msg(ps, &t->loc,
				       "unary '&' takes a context variable member or @cast(...) "
				       "member");
		a->op = OP_ADDR;
		a->loc = t->loc;
		return a;
	}
	enum stap_op op = match_op(ps, un);
	if (op == OP_NONE)
		return parse_crement(ps);
	const struct token *t = next(ps);
	depth_enter(ps);
	struct stap_expr *a = parse_unary(ps);
	ps->depth--;
	if (op == OP_NEG && a->kind == E_NUM && a->loc.line == t->loc.line &&
	    a->loc.col == t->loc.col + 1) {
		a->num = tok_neg(a->num);
		a->loc = t->loc;
		return a;
	}
	struct stap_expr *e =
	    new_expr(ps, op == OP_PREINC || op == OP_PREDEC ? E_INCDEC : E_UNARY, &t->loc);
	e->op = op;
	e->a = a;
	return e;
}

/* One left-associative level: sub (op sub)* */
static struct stap_expr *parse_level(struct parser *ps, const struct opmap *ops,
				     enum stap_expr_kind kind,
				     struct stap_expr *(*sub)(struct parser *))
{
	struct stap_expr *e = sub(ps);
	enum stap_op op;
	while ((op = match_op(ps, ops)) != OP_NONE) {
		const struct token *t = next(ps);
		e = binary(ps, kind, op, e, sub(ps), &t->loc);
	}
	return e;
}

static struct stap_expr *parse_mul(struct parser *ps)
{
	static const struct opmap m[] = {{"*", OP_MUL}, {"/", OP_DIV}, {"%", OP_MOD}, {0, 0}};
	return parse_level(ps, m, E_BINARY, parse_unary);
}

static struct stap_expr *parse_add(struct parser *ps)
{
	static const struct opmap m[] = {{"+", OP_ADD}, {"-", OP_SUB}, {0, 0}};
	return parse_level(ps, m, E_BINARY, parse_mul);
}

static struct stap_expr *parse_concat(struct parser *ps)
{
	static const struct opmap m[] = {{".", OP_CONCAT}, {0, 0}};
	return parse_level(ps, m, E_BINARY, parse_add);
}

static struct stap_expr *parse_shift(struct parser *ps)
{
	static const struct opmap m[] = {{"<<", OP_SHL}, {">>", OP_SHR}, {0, 0}};
	return parse_level(ps, m, E_BINARY, parse_concat);
}

/* The regex of =~ is compiled at translate time (the kernel has none), so it
 * must be a literal, and a bad one is an error here, at its own column. */
static void check_regex(struct parser *ps, const struct stap_expr *re)
{
	struct re_prog *prog = malloc(sizeof(*prog));
	char why[128], msg[200];
	size_t at = 0;
	if (!prog)
		abort();
	if (re->kind != E_STR) {
		free(prog);
		parse_fail_msg(ps, &re->loc,
			       "the right side of =~ / !~ must be a string literal (the regular "
			       "expression is compiled when the script is translated)");
	}
	int rc = re_compile(re->str, re->str_len, prog, why, sizeof(why), &at);
	if (rc == 0)
		re_free(prog);
	free(prog);
	if (rc == 0)
		return;
	struct stap_loc loc = re->loc;
	snprintf(msg, sizeof(msg), "invalid regular expression: %s (at byte %zu of the regex)", why,
		 at + 1);
	parse_fail_msg(ps, &loc, msg);
}

static struct stap_expr *parse_compare(struct parser *ps)
{
	static const struct opmap m[] = {
	    {"<", OP_LT},  {"<=", OP_LE},    {">", OP_GT},	{">=", OP_GE}, {"==", OP_EQ},
	    {"!=", OP_NE}, {"=~", OP_MATCH}, {"!~", OP_NMATCH}, {0, 0},
	};
	struct stap_expr *e = parse_shift(ps);
	enum stap_op op;
	while ((op = match_op(ps, m)) != OP_NONE) {
		const struct token *t = next(ps);
		e = binary(ps, E_COMPARE, op, e, parse_shift(ps), &t->loc);
		if (op == OP_MATCH || op == OP_NMATCH)
			check_regex(ps, e->b);
	}
	return e;
}

/* KEYS in ARRAY, or KEY in @hist_*(STAT): as stap reads it, the count of
 * bucket KEY of that histogram (e->a the histogram, e->str NULL). */
static struct stap_expr *in_expr(struct parser *ps, const struct stap_loc *loc,
				 struct stap_expr **keys, size_t nkeys)
{
	struct stap_expr *e = new_expr(ps, E_IN, loc);

	e->args = keys;
	e->nargs = nkeys;
	if (peek(ps)->kind == TK_AT) {
		e->a = parse_at(ps);
		if (e->a->kind != E_HIST)
			parse_fail_msg(ps, &e->a->loc,
				       "expected an array name or a histogram after 'in'");
		if (nkeys != 1)
			parse_fail_msg(ps, &keys[1]->loc,
				       "a histogram has one index: its bucket number");
		if (keys[0]->kind == E_WILD)
			parse_fail_msg(ps, &keys[0]->loc,
				       "a histogram's bucket number cannot be '*'");
		return e;
	}
	e->str = tok_name(ps, expect_name(ps, "expected an array name after 'in'"));
	return e;
}

static struct stap_expr *parse_in(struct parser *ps)
{
	if (is_op(ps, "[")) {
		const struct token *t = next(ps);
		struct stap_expr **keys;
		size_t n;
		if (is_op(ps, "]"))
			parse_fail(ps, peek(ps), "expected a key");
		parse_keys(ps, &keys, &n);
		if (!is_kw(ps, "in"))
			parse_fail(ps, peek(ps), "expected 'in' after [keys]");
		next(ps);
		return in_expr(ps, &t->loc, keys, n);
	}
	struct stap_expr *e = parse_compare(ps);
	while (is_kw(ps, "in")) {
		const struct token *t = next(ps);
		struct stap_expr **keys = stap_alloc(ps->p, sizeof(*keys));
		keys[0] = e;
		e = in_expr(ps, &t->loc, keys, 1);
	}
	return e;
}

static struct stap_expr *parse_bitand(struct parser *ps)
{
	static const struct opmap m[] = {{"&", OP_AND}, {0, 0}};
	return parse_level(ps, m, E_BINARY, parse_in);
}

static struct stap_expr *parse_bitxor(struct parser *ps)
{
	static const struct opmap m[] = {{"^", OP_XOR}, {0, 0}};
	return parse_level(ps, m, E_BINARY, parse_bitand);
}

static struct stap_expr *parse_bitor(struct parser *ps)
{
	static const struct opmap m[] = {{"|", OP_OR}, {0, 0}};
	return parse_level(ps, m, E_BINARY, parse_bitxor);
}

static struct stap_expr *parse_land(struct parser *ps)
{
	static const struct opmap m[] = {{"&&", OP_LAND}, {0, 0}};
	return parse_level(ps, m, E_LOGICAL, parse_bitor);
}

static struct stap_expr *parse_lor(struct parser *ps)
{
	static const struct opmap m[] = {{"||", OP_LOR}, {0, 0}};
	return parse_level(ps, m, E_LOGICAL, parse_land);
}

static struct stap_expr *parse_ternary(struct parser *ps)
{
	struct stap_expr *c = parse_lor(ps);
	if (!is_op(ps, "?"))
		return c;
	const struct token *t = next(ps);
	struct stap_expr *e = new_expr(ps, E_TERNARY, &t->loc);
	e->a = c;
	e->b = parse_expr(ps);
	expect_op(ps, ":");
	depth_enter(ps);
	e->c = parse_ternary(ps);
	ps->depth--;
	return e;
}

static struct stap_expr *parse_expr(struct parser *ps)
{
	static const struct opmap assign[] = {
	    {"=", OP_ASSIGN}, {"+=", OP_ADD},	 {"-=", OP_SUB},  {"*=", OP_MUL}, {"/=", OP_DIV},
	    {"%=", OP_MOD},   {"<<=", OP_SHL},	 {">>=", OP_SHR}, {"&=", OP_AND}, {"|=", OP_OR},
	    {"^=", OP_XOR},   {".=", OP_CONCAT}, {NULL, OP_NONE},
	};
	depth_enter(ps);
	struct stap_expr *e = parse_ternary(ps);
	enum stap_op op = match_op(ps, assign);
	if (op != OP_NONE || is_op(ps, "<<<")) {
		const struct token *t = next(ps);
		struct stap_expr *x = new_expr(ps, op == OP_NONE ? E_STATS_ADD : E_ASSIGN, &t->loc);
		x->op = op;
		x->a = e;
		x->b = parse_expr(ps);
		e = x;
	}
	ps->depth--;
	return e;
}

/* ---- statements ---- */

static struct stap_stmt *parse_stmt(struct parser *ps);

static struct stap_stmt *parse_block(struct parser *ps)
{
	const struct token *t = peek(ps);
	struct ptrvec pv = {0};
	expect_op(ps, "{");
	struct stap_stmt *s = new_stmt(ps, S_BLOCK, &t->loc);
	while (!is_op(ps, "}")) {
		if (peek(ps)->kind == TK_EOF)
			parse_fail(ps, peek(ps), "expected '}'");
		pv_push(ps->p, &pv, parse_stmt(ps));
	}
	next(ps);
	s->stmts = (struct stap_stmt **)pv.v;
	s->nstmts = pv.n;
	return s;
}

static void parse_sort_mark(struct parser *ps, struct stap_stmt *s, int column)
{
	if (!is_op(ps, "+") && !is_op(ps, "-"))
		return;
	const struct token *t = next(ps);
	if (s->sort_dir)
		parse_fail_msg(ps, &t->loc, "foreach has more than one sort directive");
	s->sort_dir = t->text[0] == '+' ? 1 : -1;
	s->sort_column = column;
}

static struct stap_stmt *parse_foreach(struct parser *ps, const struct token *kw)
{
	struct stap_stmt *s = new_stmt(ps, S_FOREACH, &kw->loc);
	struct ptrvec keys = {0};

	expect_op(ps, "(");
	if (peek(ps)->kind == TK_IDENT &&
	    (tok_is(peek2(ps), TK_OP, "=") ||
	     ((tok_is(peek2(ps), TK_OP, "+") || tok_is(peek2(ps), TK_OP, "-")) &&
	      tok_is(&ps->t[ps->i + 2 < ps->n ? ps->i + 2 : ps->n - 1], TK_OP, "=")))) {
		s->value = new_var(ps, expect_name(ps, "expected a variable name"), STAP_VAR_LOCAL);
		parse_sort_mark(ps, s, -1);
		expect_op(ps, "=");
	}
	int bracket = accept_op(ps, "[");
	do {
		pv_push(ps->p, &keys,
			new_var(ps, expect_name(ps, "expected a loop variable"), STAP_VAR_LOCAL));
		parse_sort_mark(ps, s, (int)keys.n);
	} while (bracket && accept_op(ps, ","));
	if (bracket)
		expect_op(ps, "]");
	if (!is_kw(ps, "in"))
		parse_fail(ps, peek(ps), "expected 'in'");
	next(ps);
	if (peek(ps)->kind == TK_AT) {
		s->array = parse_at(ps);
		if (s->array->kind != E_HIST)
			parse_fail_msg(ps, &s->array->loc, "foreach wants an array or a histogram");
	} else {
		const struct token *a = expect_name(ps, "expected an array name");
		s->array = new_expr(ps, E_VAR, &a->loc);
		s->array->str = tok_name(ps, a);
		if (accept_op(ps, "[")) { /* a slice: foreach ([x, y] in a[*, 5]) */
			s->array->kind = E_INDEX;
			parse_keys(ps, &s->array->args, &s->array->nargs);
		}
	}
	if (peek(ps)->kind == TK_AT) { /* foreach (k in stats @sum-): sort by that */
		const struct token *a = next(ps);
		for (const struct opmap *m = stat_ops; m->text && !s->sort_agg; m++)
			if (m->op != OP_VARIANCE && tok_is(a, TK_AT, m->text))
				s->sort_agg = (int)m->op;
		if (!s->sort_agg)
			parse_fail(ps, a, "expected @count, @sum, @min, @max or @avg");
	}
	parse_sort_mark(ps, s, -1);
	if (s->array->kind == E_HIST && (keys.n != 1 || s->sort_dir))
		parse_fail_msg(ps, &s->array->loc,
			       keys.n != 1 ? "a histogram is walked by one bucket number"
					   : "a histogram is walked in bucket order: no sort mark");
	if (is_kw(ps, "limit")) {
		next(ps);
		s->limit = parse_expr(ps);
	}
	expect_op(ps, ")");
	s->keys = (struct stap_var **)keys.v;
	s->nkeys = keys.n;
	s->body = parse_stmt(ps);
	return s;
}

static struct stap_stmt *parse_keyword_stmt(struct parser *ps, const struct token *kw)
{
	struct stap_stmt *s;
	if (tok_is(kw, TK_IDENT, "if")) {
		s = new_stmt(ps, S_IF, &kw->loc);
		expect_op(ps, "(");
		s->expr = parse_expr(ps);
		expect_op(ps, ")");
		s->body = parse_stmt(ps);
		if (is_kw(ps, "else")) {
			next(ps);
			s->els = parse_stmt(ps);
		}
	} else if (tok_is(kw, TK_IDENT, "while")) {
		s = new_stmt(ps, S_WHILE, &kw->loc);
		expect_op(ps, "(");
		s->expr = parse_expr(ps);
		expect_op(ps, ")");
		s->body = parse_stmt(ps);
	} else if (tok_is(kw, TK_IDENT, "for")) {
		s = new_stmt(ps, S_FOR, &kw->loc);
		expect_op(ps, "(");
		s->init = is_op(ps, ";") ? NULL : parse_expr(ps);
		expect_op(ps, ";");
		s->expr = is_op(ps, ";") ? NULL : parse_expr(ps);
		expect_op(ps, ";");
		s->step = is_op(ps, ")") ? NULL : parse_expr(ps);
		expect_op(ps, ")");
		s->body = parse_stmt(ps);
	} else if (tok_is(kw, TK_IDENT, "foreach")) {
		s = parse_foreach(ps, kw);
	} else if (tok_is(kw, TK_IDENT, "try")) {
		s = new_stmt(ps, S_TRY, &kw->loc);
		s->body = parse_block(ps);
		if (!is_kw(ps, "catch"))
			parse_fail(ps, peek(ps), "expected 'catch'");
		next(ps);
		if (accept_op(ps, "(")) {
			s->catch_var = new_var(ps, expect_name(ps, "expected a variable name"),
					       STAP_VAR_LOCAL);
			expect_op(ps, ")");
		}
		s->els = parse_block(ps);
	} else if (tok_is(kw, TK_IDENT, "return")) {
		s = new_stmt(ps, S_RETURN, &kw->loc);
		if (!is_op(ps, ";") && !is_op(ps, "}"))
			s->expr = parse_expr(ps);
	} else if (tok_is(kw, TK_IDENT, "delete")) {
		s = new_stmt(ps, S_DELETE, &kw->loc);
		s->expr = parse_expr(ps);
	} else {
		enum stap_stmt_kind k = tok_is(kw, TK_IDENT, "break")	   ? S_BREAK
					: tok_is(kw, TK_IDENT, "continue") ? S_CONTINUE
					: tok_is(kw, TK_IDENT, "next")	   ? S_NEXT
									   : S_NULL;
		if (k == S_NULL)
			parse_fail(ps, kw, "expected a statement");
		s = new_stmt(ps, k, &kw->loc);
	}
	return s;
}

static int is_stmt_keyword(const struct token *t)
{
	static const char *const kws[] = {"if",	    "while", "for",	 "foreach", "try", "return",
					  "delete", "break", "continue", "next",    NULL};
	for (int k = 0; kws[k]; k++)
		if (tok_is(t, TK_IDENT, kws[k]))
			return 1;
	return 0;
}

static struct stap_stmt *parse_stmt(struct parser *ps)
{
	const struct token *t = peek(ps);
	struct stap_stmt *s;

	depth_enter(ps);
	if (tok_is(t, TK_OP, ";")) {
		next(ps);
		s = new_stmt(ps, S_NULL, &t->loc);
	} else if (tok_is(t, TK_OP, "{")) {
		s = parse_block(ps);
	} else if (is_stmt_keyword(t)) {
		next(ps);
		s = parse_keyword_stmt(ps, t);
		accept_op(ps, ";");
	} else if (t->kind == TK_EMBEDDED) {
		parse_fail_msg(
		    ps, &t->loc,
		    "embedded C is allowed only as a whole function body or at the top level");
	} else {
		s = new_stmt(ps, S_EXPR, &t->loc);
		s->expr = parse_expr(ps);
		accept_op(ps, ";");
	}
	ps->depth--;
	return s;
}

/* ---- probe points ---- */

/* One component name: words and '*' written without blanks (sys*_read). */
static char *parse_comp_name(struct parser *ps)
{
	struct strbuf b = {0};
	const struct token *t = peek(ps);
	if (t->kind != TK_IDENT && !tok_is(t, TK_OP, "*"))
		parse_fail(ps, t, "expected a probe point component");
	do {
		t = next(ps);
		sb_putn(&b, t->text, (size_t)t->len);
		t = peek(ps);
	} while (t->adjacent &&
		 (t->kind == TK_IDENT || t->kind == TK_NUM || tok_is(t, TK_OP, "*")));
	char *r = stap_strdup(ps->p, b.s ? b.s : "");
	free(b.s);
	return r;
}

/* One component: name, name("arg") or name(N). */
static void parse_comp(struct parser *ps, struct stap_pp_comp *c)
{
	c->name = parse_comp_name(ps);
	if (!accept_op(ps, "("))
		return;
	int neg = accept_op(ps, "-");
	const struct token *a = peek(ps);
	c->has_arg = 1;
	if (a->kind == TK_NUM) {
		next(ps);
		c->arg_is_num = 1;
		c->arg_num = neg ? tok_neg(a->num) : a->num;
	} else if (a->kind == TK_STR && !neg) {
		struct stap_expr *s = parse_string_lit(ps); /* "a" "b" joined */
		c->arg_str = stap_strndup(ps->p, s->str, s->str_len);
	} else {
		parse_fail(ps, a, "expected a string or number argument");
	}
	expect_op(ps, ")");
}

/* A probe point with SystemTap's brace alternatives expanded:
 * syscall.{open,close} or {kernel,module("m")}.function("f"){!,?} stand
 * for the list of every combination, in order, each keeping the '?' / '!'
 * written inside its braces.  The number of points one spec may expand to
 * is bounded so a hostile script cannot blow up pass 1. */
#define PARSE_MAX_EXPANSION 1024

struct pp_alts {
	struct stap_pp_spec *v; /* only comps, ncomps, optional, sufficient used */
	size_t n, cap;
};

static void alts_push(struct parser *ps, struct pp_alts *a, const struct stap_pp_spec *x)
{
	if (a->n >= PARSE_MAX_EXPANSION)
		parse_fail_msg(ps, &peek(ps)->loc,
			       "probe point braces expand to too many probe points");
	a->v = stap_grow(ps->p, a->v, a->n, &a->cap, sizeof(*a->v), 4);
	a->v[a->n++] = *x;
}

static struct stap_pp_comp *comps_join(struct parser *ps, const struct stap_pp_spec *a,
				       const struct stap_pp_spec *b)
{
	struct stap_pp_comp *c =
	    stap_alloc(ps->p, (a->ncomps + b->ncomps + 1) * sizeof(*c)); /* never 0 bytes */
	if (a->ncomps)
		memcpy(c, a->comps, a->ncomps * sizeof(*c));
	if (b->ncomps)
		memcpy(c + a->ncomps, b->comps, b->ncomps * sizeof(*c));
	return c;
}

static void parse_pp_flags(struct parser *ps, struct stap_pp_spec *sp)
{
	for (;;) {
		if (accept_op(ps, "?"))
			sp->optional = 1;
		else if (accept_op(ps, "!"))
			sp->optional = sp->sufficient = 1;
		else
			break;
	}
}

/* seq := elem ('.' elem)*; elem := comp | '{' seq flags (',' seq flags)* '}' */
static void parse_pp_seq(struct parser *ps, struct pp_alts *out)
{
	struct pp_alts cur = {0};
	struct stap_pp_spec empty = {0};

	depth_enter(ps);
	alts_push(ps, &cur, &empty);
	do {
		struct pp_alts alt = {0}, nxt = {0};
		if (accept_op(ps, "{")) {
			do {
				size_t from = alt.n;
				parse_pp_seq(ps, &alt);
				struct stap_pp_spec fl = {0};
				parse_pp_flags(ps, &fl);
				for (size_t k = from; k < alt.n; k++) {
					alt.v[k].optional |= fl.optional;
					alt.v[k].sufficient |= fl.sufficient;
				}
			} while (accept_op(ps, ","));
			expect_op(ps, "}");
		} else {
			struct stap_pp_spec one = {0};
			one.comps = stap_alloc(ps->p, sizeof(*one.comps));
			one.ncomps = 1;
			parse_comp(ps, one.comps);
			alts_push(ps, &alt, &one);
		}
		for (size_t i = 0; i < cur.n; i++)
			for (size_t j = 0; j < alt.n; j++) {
				struct stap_pp_spec x = {0};
				x.comps = comps_join(ps, &cur.v[i], &alt.v[j]);
				x.ncomps = cur.v[i].ncomps + alt.v[j].ncomps;
				x.optional = cur.v[i].optional | alt.v[j].optional;
				x.sufficient = cur.v[i].sufficient | alt.v[j].sufficient;
				alts_push(ps, &nxt, &x);
			}
		cur = nxt;
	} while (accept_op(ps, "."));
	for (size_t i = 0; i < cur.n; i++)
		alts_push(ps, out, &cur.v[i]);
	ps->depth--;
}

/* One probe point as written, pushed as the points its braces expand to. */
static void parse_spec(struct parser *ps, struct ptrvec *pv)
{
	struct stap_loc loc = peek(ps)->loc;
	struct pp_alts alts = {0};
	struct stap_pp_spec fl = {0};
	struct stap_expr *cond = NULL;

	parse_pp_seq(ps, &alts);
	parse_pp_flags(ps, &fl);
	if (is_kw(ps, "if")) {
		next(ps);
		expect_op(ps, "(");
		cond = parse_expr(ps);
		expect_op(ps, ")");
	}
	for (size_t k = 0; k < alts.n; k++) {
		struct stap_pp_spec *sp = stap_alloc(ps->p, sizeof(*sp));
		*sp = alts.v[k];
		sp->loc = loc;
		sp->optional |= fl.optional;
		sp->sufficient |= fl.sufficient;
		sp->cond = cond;
		struct strbuf b = {0};
		print_spec(&b, sp);
		sp->text = stap_strdup(ps->p, b.s ? b.s : "");
		free(b.s);
		pv_push(ps->p, pv, sp);
	}
}

static void parse_spec_list(struct parser *ps, struct stap_pp_spec ***v, size_t *n)
{
	struct ptrvec pv = {0};
	do
		parse_spec(ps, &pv);
	while (accept_op(ps, ","));
	*v = (struct stap_pp_spec **)pv.v;
	*n = pv.n;
}

static void parse_probe(struct parser *ps, const struct token *kw, struct ptrvec *pr,
			struct ptrvec *al)
{
	struct stap_pp_spec **specs;
	size_t nspecs;

	parse_spec_list(ps, &specs, &nspecs);
	if (is_op(ps, "=") || is_op(ps, "+=")) {
		struct stap_alias *a = stap_alloc(ps->p, sizeof(*a));
		a->loc = kw->loc;
		a->epilogue = next(ps)->text[0] == '+';
		for (size_t k = 0; k < nspecs; k++)
			if (specs[k]->cond || specs[k]->optional || strchr(specs[k]->text, '*'))
				parse_fail_msg(
				    ps, &specs[k]->loc,
				    "a probe alias name cannot have wildcards, '?', '!' or 'if'");
		a->names = specs;
		a->nnames = nspecs;
		parse_spec_list(ps, &a->specs, &a->nspecs);
		a->body = parse_block(ps);
		pv_push(ps->p, al, a);
		return;
	}
	struct stap_probe *p = stap_alloc(ps->p, sizeof(*p));
	p->loc = kw->loc;
	p->specs = specs;
	p->nspecs = nspecs;
	p->body = parse_block(ps);
	pv_push(ps->p, pr, p);
}

static enum stap_type parse_type(struct parser *ps)
{
	if (is_kw(ps, "long")) {
		next(ps);
		return STAP_T_LONG;
	}
	if (is_kw(ps, "string")) {
		next(ps);
		return STAP_T_STRING;
	}
	parse_fail(ps, peek(ps), "expected type 'long' or 'string'");
}

static struct stap_expr *parse_literal(struct parser *ps)
{
	const struct token *t = peek(ps);
	int neg = accept_op(ps, "-");
	const struct token *v = peek(ps);
	if (v->kind == TK_NUM) {
		next(ps);
		struct stap_expr *e = new_expr(ps, E_NUM, &t->loc);
		e->num = neg ? tok_neg(v->num) : v->num;
		return e;
	}
	if (v->kind == TK_STR && !neg)
		return parse_string_lit(ps);
	parse_fail(ps, v, "expected a number or string literal");
}

static void parse_global(struct parser *ps, struct ptrvec *gl, int private_)
{
	do {
		struct stap_var *v = new_var(ps, expect_name(ps, "expected a global variable name"),
					     STAP_VAR_GLOBAL);
		v->private_ = private_;
		if (accept_op(ps, "%"))
			v->wrap = 1;
		if (accept_op(ps, "[")) {
			const struct token *n = next(ps);
			if (n->kind != TK_NUM || n->num <= 0)
				parse_fail(ps, n, "expected a positive array size");
			v->maxsize = (long)n->num;
			v->arity = -1; /* an array, arity from its uses */
			expect_op(ps, "]");
			if (accept_op(ps, "%"))
				v->wrap = 1;
		}
		if (v->wrap && !v->maxsize)
			v->arity = -1;
		if (accept_op(ps, "="))
			v->init = parse_literal(ps);
		pv_push(ps->p, gl, v);
	} while (accept_op(ps, ","));
	accept_op(ps, ";");
}

static void parse_function(struct parser *ps, const struct token *kw, struct ptrvec *fl,
			   int private_)
{
	struct stap_func *f = stap_alloc(ps->p, sizeof(*f));
	struct ptrvec params = {0};
	const struct token *name = expect_name(ps, "expected a function name");

	f->name = tok_name(ps, name);
	f->loc = name->loc;
	(void)kw;
	(void)private_;
	if (accept_op(ps, ":")) {
		f->ret = parse_type(ps);
		f->ret_declared = 1;
	}
	expect_op(ps, "(");
	if (!accept_op(ps, ")")) {
		do {
			struct stap_var *v = new_var(
			    ps, expect_name(ps, "expected a parameter name"), STAP_VAR_PARAM);
			for (size_t k = 0; k < params.n; k++)
				if (strcmp(((struct stap_var *)params.v[k])->name, v->name) == 0)
					parse_fail_msg(ps, &v->loc, "duplicate parameter name");
			if (accept_op(ps, ":"))
				v->type = parse_type(ps);
			v->index = (int)params.n;
			pv_push(ps->p, &params, v);
		} while (accept_op(ps, ","));
		expect_op(ps, ")");
	}
	if (accept_op(ps, ":") && !f->ret_declared) {
		f->ret = parse_type(ps);
		f->ret_declared = 1;
	}
	f->params = (struct stap_var **)params.v;
	f->nparams = params.n;
	if (peek(ps)->kind == TK_EMBEDDED) {
		const struct token *e = next(ps);
		if (!ps->guru)
			parse_fail_msg(
			    ps, &e->loc,
			    "embedded code in unprivileged script; need stap -g (guru mode)");
		f->embedded = e->str;
		f->pure = strstr(e->str, "/* pure */") != NULL;
		f->unprivileged = strstr(e->str, "/* unprivileged */") != NULL;
	} else {
		f->body = parse_block(ps);
	}
	pv_push(ps->p, fl, f);
}

static void parse_toplevel(struct parser *ps, struct ptrvec *pr, struct ptrvec *al,
			   struct ptrvec *gl, struct ptrvec *fl, struct ptrvec *em)
{
	const struct token *t = next(ps);
	int private_ = 0;
	if (tok_is(t, TK_IDENT, "private")) {
		private_ = 1;
		t = next(ps);
		if (!tok_is(t, TK_IDENT, "global") && !tok_is(t, TK_IDENT, "function"))
			parse_fail(ps, t, "expected 'global' or 'function' after 'private'");
	}
	if (tok_is(t, TK_IDENT, "probe"))
		parse_probe(ps, t, pr, al);
	else if (tok_is(t, TK_IDENT, "global"))
		parse_global(ps, gl, private_);
	else if (tok_is(t, TK_IDENT, "function"))
		parse_function(ps, t, fl, private_);
	else if (t->kind == TK_EMBEDDED) {
		if (!ps->guru)
			parse_fail_msg(
			    ps, &t->loc,
			    "embedded code in unprivileged script; need stap -g (guru mode)");
		pv_push(ps->p, em, t->str);
	} else if (tok_is(t, TK_OP, ";"))
		return;
	else
		parse_fail(ps, t, "expected 'probe', 'global', 'function', or '%{'");
}

/* After an error: skip to the next top-level keyword. */
static void parse_recover(struct parser *ps)
{
	next(ps);
	while (peek(ps)->kind != TK_EOF) {
		const struct token *t = peek(ps);
		if (tok_is(t, TK_IDENT, "probe") || tok_is(t, TK_IDENT, "global") ||
		    tok_is(t, TK_IDENT, "function"))
			return;
		next(ps);
	}
}

int parse_tokens(struct stap_program *p, struct diag *d, const struct tokvec *tv, int guru)
{
	struct parser ps = {.p = p, .d = d, .t = tv->v, .n = tv->n, .guru = guru};
	/* Appends to what p holds: library files are parsed into the script's
	 * program (tapset.c). */
	struct ptrvec pr = {(void **)p->probes, p->nprobes, p->nprobes};
	struct ptrvec al = {(void **)p->aliases, p->naliases, p->naliases};
	struct ptrvec gl = {(void **)p->globals, p->nglobals, p->nglobals};
	struct ptrvec fl = {(void **)p->funcs, p->nfuncs, p->nfuncs};
	struct ptrvec em = {(void **)p->embedded, p->nembedded, p->nembedded};
	int errors = d->nerrors;

	while (peek(&ps)->kind != TK_EOF) {
		if (setjmp(ps.fail)) {
			ps.depth = 0;
			parse_recover(&ps);
			continue;
		}
		parse_toplevel(&ps, &pr, &al, &gl, &fl, &em);
	}
	p->probes = (struct stap_probe **)pr.v;
	p->nprobes = pr.n;
	p->aliases = (struct stap_alias **)al.v;
	p->naliases = al.n;
	p->globals = (struct stap_var **)gl.v;
	p->nglobals = gl.n;
	p->funcs = (struct stap_func **)fl.v;
	p->nfuncs = fl.n;
	p->embedded = (char **)em.v;
	p->nembedded = em.n;
	p->guru = guru;
	return d->nerrors > errors ? -1 : 0;
}
