/* Pass 2: bind names (globals, locals, functions, builtins), infer types,
 * report semantic errors and warnings, keep only what the probes reach. */
#include <stdlib.h>
#include <string.h>

#include "translator/elab_int.h"
#include "translator/front.h"

struct scope {
	struct elab *el;
	struct stap_probe *probe; /* or NULL in a function */
	struct stap_func *func;
	struct stap_var **locals;
	size_t nlocals, cap;
	int loops;
};

/* Functions reached from probes, in discovery order. */
struct worklist {
	struct stap_func **v;
	size_t n, cap;
};

static void serr(struct elab *el, const struct stap_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void serr(struct elab *el, const struct stap_loc *loc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(&el->d, loc, "semantic error: %s", msg);
}

static struct stap_var *find_global(struct stap_program *p, const char *name)
{
	for (size_t i = 0; i < p->nglobals; i++)
		if (strcmp(p->globals[i]->name, name) == 0)
			return p->globals[i];
	return NULL;
}

static struct stap_func *find_func(struct stap_program *p, const char *name)
{
	for (size_t i = 0; i < p->nfuncs; i++)
		if (strcmp(p->funcs[i]->name, name) == 0)
			return p->funcs[i];
	return NULL;
}

static struct stap_var *scope_add(struct scope *sc, const char *name, const struct stap_loc *loc)
{
	sc->locals =
	    stap_grow(sc->el->p, sc->locals, sc->nlocals, &sc->cap, sizeof(*sc->locals), 8);
	struct stap_var *v = stap_alloc(sc->el->p, sizeof(*v));
	v->name = stap_strdup(sc->el->p, name);
	v->loc = *loc;
	v->scope = STAP_VAR_LOCAL;
	v->index = (int)sc->nlocals;
	sc->locals[sc->nlocals++] = v;
	return v;
}

static struct stap_var *scope_local(struct scope *sc, const char *name)
{
	for (size_t i = 0; i < sc->nlocals; i++)
		if (strcmp(sc->locals[i]->name, name) == 0)
			return sc->locals[i];
	return NULL;
}

/* A name in an expression: parameter/local, then global, else a new local. */
static struct stap_var *scope_lookup(struct scope *sc, const char *name, const struct stap_loc *loc)
{
	struct stap_var *v = scope_local(sc, name);
	if (!v)
		v = find_global(sc->el->p, name);
	if (!v)
		v = scope_add(sc, name, loc);
	return v;
}

/* A loop or catch variable: always a local of the probe or function. */
static struct stap_var *scope_bind_local(struct scope *sc, const struct stap_var *pv)
{
	struct stap_var *v = scope_local(sc, pv->name);
	if (!v && find_global(sc->el->p, pv->name))
		serr(sc->el, &pv->loc, "loop variable '%s' is a global; it must be a local",
		     pv->name);
	if (!v)
		v = scope_add(sc, pv->name, &pv->loc);
	v->written = 1;
	return v;
}

/* ---- binding ---- */

enum { USE_READ = 1, USE_WRITE = 2 };

static void bind_expr(struct scope *sc, struct stap_expr *e, int use);
static void bind_stmt(struct scope *sc, struct stap_stmt *s);

static void mark(struct stap_var *v, int use)
{
	v->read |= (use & USE_READ) != 0;
	v->written |= (use & USE_WRITE) != 0;
}

static void set_arity(struct elab *el, struct stap_var *v, int n, const struct stap_loc *loc)
{
	if (v->scope != STAP_VAR_GLOBAL) {
		serr(el, loc,
		     "array '%s' is not a global; local arrays are not supported (declare it "
		     "global)",
		     v->name);
		return;
	}
	if (n > STAP_MAX_ARITY) {
		serr(el, loc, "array '%s' has more than %d keys", v->name, STAP_MAX_ARITY);
		return;
	}
	if (v->init) {
		serr(el, loc, "'%s' has an initializer, so it is a scalar, not an array", v->name);
		return;
	}
	if (v->arity <= 0)
		v->arity = n;
	else if (v->arity != n)
		serr(el, loc, "inconsistent arity for array '%s': %d key(s) here, %d elsewhere",
		     v->name, n, v->arity);
}

/* Which probe kinds the current probe has: for $return and $param. */
static int probe_all(const struct stap_probe *pr, enum stap_pp_kind a, enum stap_pp_kind b)
{
	if (!pr || !pr->npoints)
		return 0;
	for (size_t i = 0; i < pr->npoints; i++)
		if (pr->points[i].kind != a && pr->points[i].kind != b)
			return 0;
	return 1;
}

/* The 1-based position of $name in a "$a:int $b:char*" parameter list, and
 * the builtin that reads it with its C type's width and sign. */
static int proto_index(const char *proto, const char *name, enum stap_builtin *reader)
{
	size_t n = strlen(name);
	int idx = 0;
	/* Entries are "$name:type" separated by " $"; types may hold blanks. */
	for (const char *p = proto ? strchr(proto, '$') : NULL; p; p = strstr(p + 1, " $")) {
		if (*p == ' ')
			p++;
		idx++;
		const char *end = strstr(p, " $");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > n + 1 && memcmp(p + 1, name, n) == 0 && p[n + 1] == ':') {
			char type[128];
			snprintf(type, sizeof(type), "%.*s", (int)(len - n - 2), p + n + 2);
			if (type[0] && type[strlen(type) - 1] == '*')
				*reader = BI_POINTER_ARG;
			else if (strstr(type, "long"))
				*reader = strstr(type, "unsigned") ? BI_ULONG_ARG : BI_LONG_ARG;
			else if (strstr(type, "unsigned"))
				*reader = BI_UINT_ARG;
			else if (strstr(type, "int") || strstr(type, "short") ||
				 strstr(type, "char") || strstr(type, "enum ") ||
				 strcmp(type, "_Bool") == 0 || strcmp(type, "bool") == 0)
				*reader = BI_INT_ARG;
			else
				*reader =
				    BI_LONG_ARG; /* typedefs (size_t, loff_t, u64): full register */
			return idx;
		}
	}
	return 0;
}

static void make_builtin(struct stap_program *p, struct stap_expr *e, enum stap_builtin b,
			 int64_t arg)
{
	e->kind = E_BUILTIN;
	e->builtin = b;
	e->str = (char *)stap_builtin_name(b);
	if (arg) {
		e->args = stap_alloc(p, sizeof(*e->args));
		e->args[0] = stap_alloc(p, sizeof(**e->args));
		e->args[0]->kind = E_NUM;
		e->args[0]->num = arg;
		e->args[0]->loc = e->loc;
		e->nargs = 1;
	}
}

/* $return -> returnval(); $param -> long_arg(N) / pointer_arg(N) when the
 * kernel's BTF gives the parameter's position in every probed function. */
static struct stap_expr *node(struct stap_program *p, enum stap_expr_kind k,
			      const struct stap_loc *loc)
{
	struct stap_expr *n = stap_alloc(p, sizeof(*n));
	n->kind = k;
	n->loc = *loc;
	return n;
}

/* The parameter list every point of the probe shares, or NULL. */
static const char *probe_params(const struct stap_probe *pr)
{
	if (!(probe_all(pr, PP_KPROBE, PP_KPROBE) || probe_all(pr, PP_UPROBE, PP_UPROBE)))
		return NULL;
	for (size_t i = 1; i < pr->npoints; i++)
		if (!pr->points[i].params || !pr->points[0].params ||
		    strcmp(pr->points[i].params, pr->points[0].params) != 0)
			return NULL;
	return pr->points[0].params;
}

/* $$parms / $$vars -> sprintf("a=%#x b=%#x", int_arg(1), pointer_arg(2)),
 * $$return -> sprintf("return=%#x", returnval()); 1 when e was one. */
static int bind_pretty(struct scope *sc, struct stap_expr *e)
{
	struct stap_program *p = sc->el->p;
	size_t len = 2 + strcspn(e->str + 2, "$");
	int ret = len == 8 && strncmp(e->str, "$$return", 8) == 0;
	int parms = (len == 7 && strncmp(e->str, "$$parms", 7) == 0) ||
		    (len == 6 && strncmp(e->str, "$$vars", 6) == 0);
	const char *params = parms ? probe_params(sc->probe) : NULL;
	struct strbuf fmt = {0};
	struct stap_expr *args[8];
	size_t n = 1;

	if (ret && probe_all(sc->probe, PP_KRETPROBE, PP_URETPROBE)) {
		sb_puts(&fmt, "return=%#x");
		args[n] = node(p, E_BUILTIN, &e->loc);
		make_builtin(p, args[n++], BI_RETURNVAL, 0);
	} else if (params) {
		for (const char *q = strchr(params, '$'); q && n <= 6; q = strstr(q + 1, " $")) {
			q += *q == ' ';
			char name[128];
			enum stap_builtin reader = BI_LONG_ARG;
			snprintf(name, sizeof(name), "%.*s", (int)strcspn(q + 1, ":"), q + 1);
			if (proto_index(params, name, &reader) != (int)n)
				break;
			sb_printf(&fmt, "%s%s=%%#x", n > 1 ? " " : "", name);
			args[n] = node(p, E_BUILTIN, &e->loc);
			make_builtin(p, args[n], reader, (int64_t)n);
			n++;
		}
	} else {
		return 0;
	}
	args[0] = node(p, E_STR, &e->loc);
	args[0]->str = stap_strdup(p, fmt.s ? fmt.s : "");
	args[0]->str_len = fmt.n;
	free(fmt.s);
	e->kind = E_BUILTIN;
	e->builtin = BI_SPRINTF;
	e->str = (char *)stap_builtin_name(BI_SPRINTF);
	e->args = stap_alloc(p, n * sizeof(*e->args));
	memcpy(e->args, args, n * sizeof(*e->args));
	e->nargs = n;
	return 1;
}

static struct stap_expr *builtin1(struct stap_program *p, enum stap_builtin b,
				  struct stap_expr *arg, const struct stap_loc *loc)
{
	struct stap_expr *e = node(p, E_BUILTIN, loc);
	make_builtin(p, e, b, 0);
	e->args = stap_alloc(p, sizeof(*e->args));
	e->args[0] = arg;
	e->nargs = 1;
	return e;
}

/* kernel_int(kernel_pointer(pointer_arg(1) + 16) + 8) for $a->b->c. */
static struct stap_expr *access_expr(struct stap_program *p, const struct btf_access *a,
				     struct stap_expr *start, const struct stap_loc *loc)
{
	struct stap_expr *cur = start;
	if (!cur) {
		cur = node(p, E_BUILTIN, loc);
		make_builtin(p, cur, BI_POINTER_ARG, a->param);
	}
	for (int i = 0; i < a->nsteps; i++) {
		if (a->deref[i])
			cur = builtin1(p, BI_KERNEL_POINTER, cur, loc);
		if (a->off[i]) {
			struct stap_expr *add = node(p, E_BINARY, loc);
			add->op = OP_ADD;
			add->a = cur;
			add->b = node(p, E_NUM, loc);
			add->b->num = a->off[i];
			cur = add;
		}
	}
	return builtin1(p, a->reader, cur, loc);
}

/* $param->a->b at kernel function entries: the same access in every point. */
static int bind_member_chain(struct scope *sc, struct stap_expr *e)
{
	struct elab *el = sc->el;
	const struct stap_probe *pr = sc->probe;
	const char *arrow = strstr(e->str, "->");
	char param[128], why[256] = "";
	struct btf_access acc, first;

	if (!arrow || !probe_all(pr, PP_KPROBE, PP_KPROBE) || el->kbtf_failed)
		return 0;
	if (!el->kbtf && !(el->kbtf = kbtf_open(&el->s->kernel, why, sizeof(why)))) {
		el->kbtf_failed = 1;
		serr(el, &e->loc, "cannot resolve %s: %s", e->str, why);
		return 1;
	}
	snprintf(param, sizeof(param), "%.*s", (int)(arrow - e->str - 1), e->str + 1);
	for (size_t i = 0; i < pr->npoints; i++) {
		const struct stap_probe_point *pt = &pr->points[i];
		if (pt->module ||
		    kbtf_access(el->kbtf, pt->symbol, param, arrow, &acc, why, sizeof(why)) < 0) {
			serr(el, &e->loc, "cannot resolve %s in %s: %s", e->str, pt->pp,
			     pt->module ? "no BTF for module functions" : why);
			return 1;
		}
		if (i && memcmp(&acc, &first, sizeof(acc)) != 0) {
			serr(el, &e->loc, "%s has different layouts in %s and %s", e->str,
			     pr->points[0].pp, pt->pp);
			return 1;
		}
		first = acc;
	}
	*e = *access_expr(el->p, &first, NULL, &e->loc);
	return 1;
}

/* @cast(addr, "struct file")->a->b: kernel memory, any probe. */
static void bind_cast(struct scope *sc, struct stap_expr *e)
{
	struct elab *el = sc->el;
	char why[256] = "", type[128];
	struct btf_access acc;

	bind_expr(sc, e->a, USE_READ);
	snprintf(type, sizeof(type), "%.*s", (int)e->b->str_len, e->b->str);
	if (e->c && (e->c->str_len != 6 || memcmp(e->c->str, "kernel", 6) != 0)) {
		serr(el, &e->loc,
		     "@cast into the types of '%.*s' is not supported (only \"kernel\")",
		     (int)e->c->str_len, e->c->str);
		return;
	}
	if (!*e->str) {
		serr(el, &e->loc, "@cast(..., \"%s\") needs ->member", type);
		return;
	}
	if (!el->kbtf && !el->kbtf_failed &&
	    !(el->kbtf = kbtf_open(&el->s->kernel, why, sizeof(why))))
		el->kbtf_failed = 1;
	if (!el->kbtf) {
		serr(el, &e->loc, "cannot resolve @cast(..., \"%s\")%s: %s", type, e->str,
		     why[0] ? why : "the kernel's BTF is unavailable");
		return;
	}
	if (kbtf_cast(el->kbtf, type, e->str, &acc, why, sizeof(why)) < 0) {
		serr(el, &e->loc, "cannot resolve @cast(..., \"%s\")%s: %s", type, e->str, why);
		return;
	}
	*e = *access_expr(el->p, &acc, e->a, &e->loc);
}

static void bind_target(struct scope *sc, struct stap_expr *e, int use)
{
	struct elab *el = sc->el;
	const struct stap_probe *pr = sc->probe;
	if (use & USE_WRITE) {
		serr(el, &e->loc, "write to context variable %s not permitted", e->str);
		return;
	}
	if (e->a) {
		bind_cast(sc, e);
		return;
	}
	if (strncmp(e->str, "$$", 2) == 0 && bind_pretty(sc, e))
		return;
	if (bind_member_chain(sc, e))
		return;
	if (strcmp(e->str, "$return") == 0 && probe_all(pr, PP_KRETPROBE, PP_URETPROBE)) {
		make_builtin(el->p, e, BI_RETURNVAL, 0);
		return;
	}
	int idx = 0;
	enum stap_builtin reader = BI_LONG_ARG;
	const char *name = e->str + 1;
	if ((probe_all(pr, PP_KPROBE, PP_KPROBE) || probe_all(pr, PP_UPROBE, PP_UPROBE)) &&
	    strpbrk(name, "-[$>") == NULL) {
		for (size_t i = 0; i < pr->npoints; i++) {
			enum stap_builtin r = BI_LONG_ARG;
			int k = proto_index(pr->points[i].params, name, &r);
			if (k == 0 || (idx && (k != idx || r != reader))) {
				idx = 0;
				break;
			}
			idx = k;
			reader = r;
		}
	}
	if (idx && idx <= 6) {
		make_builtin(el->p, e, reader, idx);
		return;
	}
	serr(el, &e->loc,
	     "unable to find context variable %s here (only the parameters of functions known from "
	     "the kernel's BTF or the program's DWARF, at function entry, and $return in .return "
	     "probes)",
	     e->str);
}

static void bind_call(struct scope *sc, struct stap_expr *e)
{
	struct elab *el = sc->el;
	if (strcmp(e->str, "@defined") == 0) {
		int defined = e->nargs == 1 && e->args[0]->kind != E_TARGET;
		if (defined)
			bind_expr(sc, e->args[0], USE_READ);
		e->kind = E_NUM;
		e->num = defined;
		e->nargs = 0;
		return;
	}
	for (size_t i = 0; i < e->nargs; i++)
		bind_expr(sc, e->args[i], USE_READ);
	struct stap_func *f = find_func(el->p, e->str);
	if (f) {
		e->func = f;
		if (e->nargs != f->nparams)
			serr(el, &e->loc,
			     "wrong number of arguments to function '%s': expected %zu, got %zu",
			     f->name, f->nparams, e->nargs);
		if (!f->used)
			f->used = 1;
		return;
	}
	enum stap_builtin b = stap_builtin_lookup(e->str);
	if (b != BI_NONE) {
		e->kind = E_BUILTIN;
		e->builtin = b;
		if (b == BI_TARGET)
			el->p->uses_target = 1;
		return;
	}
	const char *best = NULL;
	/* Short names are all close to each other: ask for a closer match. */
	int bestd = strlen(e->str) < 5 ? 2 : 3;
	for (size_t i = 0; i < el->p->nfuncs; i++) {
		int d = front_edit_distance(e->str, el->p->funcs[i]->name, 2);
		if (d < bestd)
			bestd = d, best = el->p->funcs[i]->name;
	}
	for (int i = 1; i < BI_COUNT_; i++) {
		int d = front_edit_distance(e->str, stap_builtin_name((enum stap_builtin)i), 2);
		if (d < bestd)
			bestd = d, best = stap_builtin_name((enum stap_builtin)i);
	}
	serr(el, &e->loc, "unresolved function '%s'%s%s%s", e->str, best ? "; did you mean '" : "",
	     best ? best : "", best ? "'?" : "");
}

static void bind_expr(struct scope *sc, struct stap_expr *e, int use)
{
	struct elab *el = sc->el;
	switch (e->kind) {
	case E_NUM:
	case E_STR:
	case E_ARG:
		break;
	case E_VAR:
		e->var = scope_lookup(sc, e->str, &e->loc);
		mark(e->var, use);
		break;
	case E_INDEX:
	case E_IN:
		for (size_t i = 0; i < e->nargs; i++)
			bind_expr(sc, e->args[i], USE_READ);
		e->var = scope_lookup(sc, e->str, &e->loc);
		mark(e->var, e->kind == E_IN ? USE_READ : use);
		set_arity(el, e->var, (int)e->nargs, &e->loc);
		break;
	case E_CALL:
		bind_call(sc, e);
		break;
	case E_BUILTIN:
		break;
	case E_TARGET:
		bind_target(sc, e, use);
		break;
	case E_ASSIGN:
		if (e->a->kind != E_VAR && e->a->kind != E_INDEX && e->a->kind != E_TARGET) {
			serr(el, &e->loc,
			     "left side of assignment is not a variable or array element");
			return;
		}
		bind_expr(sc, e->a, USE_WRITE | (e->op == OP_ASSIGN ? 0 : USE_READ));
		bind_expr(sc, e->b, USE_READ);
		break;
	case E_INCDEC:
		if (e->a->kind != E_VAR && e->a->kind != E_INDEX && e->a->kind != E_TARGET) {
			serr(el, &e->loc, "operand of ++/-- is not a variable or array element");
			return;
		}
		bind_expr(sc, e->a, USE_READ | USE_WRITE);
		break;
	case E_STATS_ADD:
		if (e->a->kind != E_VAR && e->a->kind != E_INDEX) {
			serr(el, &e->loc, "left side of <<< is not a statistics variable");
			return;
		}
		bind_expr(sc, e->a, USE_WRITE);
		bind_expr(sc, e->b, USE_READ);
		break;
	default:
		if (e->a)
			bind_expr(sc, e->a, USE_READ);
		if (e->b)
			bind_expr(sc, e->b, USE_READ);
		if (e->c)
			bind_expr(sc, e->c, USE_READ);
		for (size_t i = 0; i < e->nargs; i++)
			bind_expr(sc, e->args[i], USE_READ);
		break;
	}
}

static void bind_foreach(struct scope *sc, struct stap_stmt *s)
{
	struct elab *el = sc->el;
	if (s->array->kind == E_VAR) {
		struct stap_var *a = find_global(el->p, s->array->str);
		if (!a) {
			serr(el, &s->array->loc, "foreach over '%s', which is not a global array",
			     s->array->str);
			return;
		}
		s->array->var = a;
		a->read = 1;
		set_arity(el, a, (int)s->nkeys, &s->array->loc);
	} else {
		bind_expr(sc, s->array, USE_READ);
		if (s->nkeys != 1)
			serr(el, &s->loc, "foreach over a histogram takes one key (the bucket)");
	}
	for (size_t k = 0; k < s->nkeys; k++)
		s->keys[k] = scope_bind_local(sc, s->keys[k]);
	if (s->value)
		s->value = scope_bind_local(sc, s->value);
	if (s->sort_column > (int)s->nkeys)
		serr(el, &s->loc, "sort on a key that does not exist");
	if (s->limit)
		bind_expr(sc, s->limit, USE_READ);
	sc->loops++;
	bind_stmt(sc, s->body);
	sc->loops--;
}

static void bind_stmt(struct scope *sc, struct stap_stmt *s)
{
	struct elab *el = sc->el;
	switch (s->kind) {
	case S_NULL:
	case S_EMBEDDED:
		break;
	case S_BLOCK:
		for (size_t i = 0; i < s->nstmts; i++)
			bind_stmt(sc, s->stmts[i]);
		break;
	case S_EXPR:
		bind_expr(sc, s->expr, USE_READ);
		break;
	case S_IF:
		bind_expr(sc, s->expr, USE_READ);
		bind_stmt(sc, s->body);
		if (s->els)
			bind_stmt(sc, s->els);
		break;
	case S_WHILE:
	case S_FOR:
		if (s->init)
			bind_expr(sc, s->init, USE_READ);
		if (s->expr)
			bind_expr(sc, s->expr, USE_READ);
		if (s->step)
			bind_expr(sc, s->step, USE_READ);
		sc->loops++;
		bind_stmt(sc, s->body);
		sc->loops--;
		break;
	case S_FOREACH:
		bind_foreach(sc, s);
		break;
	case S_BREAK:
	case S_CONTINUE:
		if (!sc->loops)
			serr(el, &s->loc, "%s outside a loop",
			     s->kind == S_BREAK ? "break" : "continue");
		break;
	case S_NEXT:
		break;
	case S_RETURN:
		if (!sc->func)
			serr(el, &s->loc,
			     "return outside a function (use 'next' to leave a probe)");
		if (s->expr)
			bind_expr(sc, s->expr, USE_READ);
		break;
	case S_DELETE:
		if (s->expr->kind != E_VAR && s->expr->kind != E_INDEX) {
			serr(el, &s->loc, "delete wants a variable, an array or an array element");
			break;
		}
		bind_expr(sc, s->expr, USE_WRITE);
		break;
	case S_TRY:
		bind_stmt(sc, s->body);
		if (s->catch_var)
			s->catch_var = scope_bind_local(sc, s->catch_var);
		bind_stmt(sc, s->els);
		break;
	}
}

/* ---- types ---- */

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
		serr(c->el, loc, "type mismatch for %s: %s, expected %s", what,
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
	if (c->check && t == STAP_T_VOID)
		serr(c->el, &e->loc, "%s has no value (a function returning nothing)", what);
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
				serr(c->el, &e->args[k]->loc, "an array key cannot be a statistic");
			if (c->check)
				snprintf(what, sizeof(what), "key %zu of '%s'", k + 1, v->name);
			unify_slot(c, &v->key_types[k], kt, &e->args[k]->loc, what);
		}
		if (e->kind == E_IN)
			return STAP_T_LONG;
		if (c->check)
			snprintf(what, sizeof(what), "'%s'", v->name);
	} else if (c->check && v->arity > 0) {
		serr(c->el, &e->loc, "array '%s' used without an index", v->name);
	}
	if (c->check && v->type == STAP_T_STATS && want != STAP_T_STATS)
		serr(c->el, &e->loc,
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
			serr(c->el, &e->loc, "%s wants a statistics variable",
			     e->op == OP_HIST_LOG      ? "@hist_log"
			     : e->op == OP_HIST_LINEAR ? "@hist_linear"
						       : "@count/@sum/@min/@max/@avg");
		return STAP_T_LONG;
	}
	enum stap_type t = ty(c, a, STAP_T_STATS);
	if (c->check && t != STAP_T_STATS)
		serr(c->el, &e->loc, "'%s' is not a statistic (fill it with <<<)", a->var->name);
	static const int bits[] = {
	    [OP_COUNT] = STAP_STAT_COUNT,      [OP_SUM] = STAP_STAT_SUM,
	    [OP_MIN] = STAP_STAT_MIN,	       [OP_MAX] = STAP_STAT_MAX,
	    [OP_AVG] = STAP_STAT_AVG,	       [OP_HIST_LINEAR] = STAP_STAT_HIST_LINEAR,
	    [OP_HIST_LOG] = STAP_STAT_HIST_LOG};
	a->var->stat_ops |= bits[e->op];
	if (e->kind == E_HIST && e->op == OP_HIST_LINEAR) {
		int64_t v[3] = {0};
		for (size_t i = 0; i < 3 && i < e->nargs; i++) {
			if (e->args[i]->kind != E_NUM) {
				if (c->check)
					serr(c->el, &e->args[i]->loc,
					     "@hist_linear bounds must be number literals");
				return STAP_T_STATS;
			}
			v[i] = e->args[i]->num;
		}
		if (c->check && (v[2] <= 0 || v[1] <= v[0] || (v[1] - v[0]) / v[2] > 10000))
			serr(c->el, &e->loc,
			     "@hist_linear wants low < high, step > 0 and at most 10000 buckets");
		struct stap_var *var = a->var;
		if (c->check && var->stat_ops & STAP_STAT_HIST_LINEAR && var->hist_step &&
		    (var->hist_lo != v[0] || var->hist_hi != v[1] || var->hist_step != v[2]))
			serr(c->el, &e->loc,
			     "'%s' is used with two different @hist_linear parameters", var->name);
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
				serr(c->el, &fmt->loc, "format string ends inside a conversion");
			return -1;
		}
		char conv = *s++;
		enum stap_type t = strchr("diouxXcpbB", conv) ? STAP_T_LONG
				   : strchr("sMm", conv)      ? STAP_T_STRING
							      : STAP_T_UNKNOWN;
		if (t == STAP_T_UNKNOWN) {
			if (c->check)
				serr(c->el, &fmt->loc, "unknown conversion '%%%c' in format string",
				     conv);
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
			serr(c->el, &e->loc,
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
			serr(c->el, &e->loc, "%s: format wants %d argument(s), got %zu", name, n,
			     e->nargs - 1);
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
			serr(c->el, &e->loc,
			     "wrong number of arguments to '%s': expected %s%zu, got %zu", name,
			     star ? "at least " : "", min, e->nargs);
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
				serr(c->el, &e->args[i]->loc, "argument of '%s' has no value",
				     name);
			if (c->check && t == STAP_T_STATS &&
			    !(hist_ok && e->args[i]->kind == E_HIST))
				serr(c->el, &e->args[i]->loc,
				     "a statistic or histogram cannot be an argument of '%s'%s",
				     name,
				     hist_ok ? " (only @hist_log/@hist_linear can be printed)"
					     : "");
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
			serr(c->el, &e->args[i]->loc, "%s has no usable value", what);
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
		serr(c->el, &e->loc, "a statistic can only be filled with <<<");
	else if (c->check && rt == STAP_T_VOID)
		serr(c->el, &e->b->loc, "the right side of = has no value");
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
	case E_ASSIGN:
		t = ty_assign(c, e);
		break;
	case E_STATS_ADD:
		ty(c, e->a, STAP_T_STATS);
		if (c->check && e->a->var && e->a->var->type != STAP_T_STATS)
			serr(c->el, &e->loc, "'%s' is used both as a statistic and as a %s",
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
		u = ty(c, e->a, STAP_T_UNKNOWN);
		t = ty(c, e->b, u);
		if (!known(u))
			u = ty(c, e->a, t);
		if (c->check && (u == STAP_T_STATS || t == STAP_T_STATS || u == STAP_T_VOID ||
				 t == STAP_T_VOID))
			serr(c->el, &e->loc,
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
		char what[300] = "";
		for (size_t k = 0; k < s->nkeys && k < STAP_MAX_ARITY; k++) {
			if (c->check)
				snprintf(what, sizeof(what), "key %zu of '%s'", k + 1, a->name);
			unify_slot(c, &s->keys[k]->type, a->key_types[k], &s->keys[k]->loc, what);
			unify_slot(c, &a->key_types[k], s->keys[k]->type, &s->keys[k]->loc, what);
		}
		if (s->value) {
			if (c->check && a->type == STAP_T_STATS)
				serr(
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
				serr(c->el, &s->loc, "return value has no usable type");
			else if (c->func->ret == STAP_T_VOID && c->check)
				serr(c->el, &s->loc,
				     "function '%s' returns nothing but returns a value here",
				     c->func->name);
			else if (c->func->ret != STAP_T_VOID)
				unify_slot(c, &c->func->ret, t, &s->loc, "the return value");
		}
		break;
	case S_DELETE:
		if (s->expr->kind == E_INDEX)
			ty(c, s->expr, STAP_T_UNKNOWN);
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

/* Functions that never return a value are void. */
static int returns_value(const struct stap_stmt *s)
{
	if (!s)
		return 0;
	if (s->kind == S_RETURN)
		return s->expr != NULL;
	for (size_t i = 0; i < s->nstmts; i++)
		if (returns_value(s->stmts[i]))
			return 1;
	return returns_value(s->body) || returns_value(s->els);
}

/* ---- driver ---- */

static int check_duplicates(struct elab *el)
{
	struct stap_program *p = el->p;
	for (size_t i = 0; i < p->nglobals; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->globals[i]->name, p->globals[j]->name) == 0)
				serr(el, &p->globals[i]->loc, "global '%s' declared twice",
				     p->globals[i]->name);
	for (size_t i = 0; i < p->nfuncs; i++) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->funcs[i]->name, p->funcs[j]->name) == 0)
				serr(el, &p->funcs[i]->loc, "function '%s' defined twice",
				     p->funcs[i]->name);
		if (stap_builtin_lookup(p->funcs[i]->name) != BI_NONE)
			serr(el, &p->funcs[i]->loc, "function '%s' has the name of a builtin",
			     p->funcs[i]->name);
	}
	for (size_t i = 0; i < p->nglobals; i++) {
		struct stap_var *g = p->globals[i];
		if (g->init)
			g->type = g->init->kind == E_NUM ? STAP_T_LONG : STAP_T_STRING;
	}
	return 0;
}

static int apply_cmdline_globals(struct elab *el)
{
	for (size_t i = 0; i < el->s->nglobal_sets; i++) {
		const char *set = el->s->global_sets[i], *eq = strchr(set, '=');
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(eq - set), set);
		struct stap_var *g = find_global(el->p, name);
		if (!g) {
			diag_error(&el->d, NULL,
				   "semantic error: -G %s: no global variable '%s' in the script",
				   set, name);
			continue;
		}
		char *end;
		strtoll(eq + 1, &end, 0);
		enum stap_type t = *end || !eq[1] ? STAP_T_STRING : STAP_T_LONG;
		if (g->type != STAP_T_UNKNOWN && g->type != t)
			diag_error(&el->d, NULL, "semantic error: -G %s: '%s' is a %s", set, name,
				   stap_type_name(g->type));
		g->type = t;
		g->from_cmdline = 1;
		g->written = 1;
	}
	return 0;
}

static void bind_probe(struct elab *el, struct stap_probe *pr)
{
	struct scope sc = {.el = el, .probe = pr};
	if (pr->cond)
		bind_expr(&sc, pr->cond, USE_READ);
	bind_stmt(&sc, pr->body);
	pr->locals = sc.locals;
	pr->nlocals = sc.nlocals;
}

static void bind_func(struct elab *el, struct stap_func *f)
{
	struct scope sc = {.el = el, .func = f};
	for (size_t i = 0; i < f->nparams; i++) {
		struct stap_var *v = scope_add(&sc, f->params[i]->name, &f->params[i]->loc);
		v->scope = STAP_VAR_PARAM;
		v->type = f->params[i]->type;
		v->written = 1;
		f->params[i] = v;
	}
	if (f->body)
		bind_stmt(&sc, f->body);
	else if (!f->ret_declared)
		f->ret = STAP_T_VOID;
	if (f->body && !f->ret_declared && !returns_value(f->body))
		f->ret = STAP_T_VOID;
	f->locals = sc.locals;
	f->nlocals = sc.nlocals;
}

static void types_round(struct elab *el, struct worklist *wl, int check, int *changed)
{
	struct tctx c = {.el = el, .check = check};
	for (size_t i = 0; i < el->p->nprobes; i++) {
		struct stap_probe *pr = el->p->probes[i];
		if (pr->cond)
			expect(&c, pr->cond, STAP_T_LONG, "the probe condition");
		ty_stmt(&c, pr->body);
	}
	for (size_t i = 0; i < wl->n; i++) {
		c.func = wl->v[i];
		if (wl->v[i]->body)
			ty_stmt(&c, wl->v[i]->body);
	}
	*changed = c.changed;
}

static void check_var(struct elab *el, struct stap_var *v, const char *owner)
{
	if (v->arity < 0 && (v->read || v->written)) {
		serr(el, &v->loc, "unresolved arity for array '%s': it is never indexed", v->name);
		return;
	}
	if (v->type == STAP_T_UNKNOWN && (v->read || v->written || v->scope == STAP_VAR_PARAM)) {
		serr(el, &v->loc, "unresolved type for %s '%s'%s%s",
		     v->scope == STAP_VAR_GLOBAL  ? "global"
		     : v->scope == STAP_VAR_PARAM ? "parameter"
						  : "local",
		     v->name, owner ? " in " : "", owner ? owner : "");
		return;
	}
	for (int k = 0; k < v->arity; k++)
		if (v->key_types[k] == STAP_T_UNKNOWN)
			serr(el, &v->loc, "unresolved type for key %d of array '%s'", k + 1,
			     v->name);
	if (v->scope == STAP_VAR_LOCAL && v->written && !v->read)
		diag_warn(&el->d, &v->loc, "variable '%s' is assigned but never read", v->name);
	if (v->scope == STAP_VAR_LOCAL && v->read && !v->written)
		diag_warn(&el->d, &v->loc, "never-assigned local variable '%s' (it is always %s)",
			  v->name, v->type == STAP_T_STRING ? "\"\"" : "0");
}

static int func_cmp(const void *a, const void *b)
{
	return strcmp((*(struct stap_func *const *)a)->name, (*(struct stap_func *const *)b)->name);
}

/* Keep used globals (declaration order) and used functions (by name). */
static void keep_used(struct elab *el, struct worklist *wl)
{
	struct stap_program *p = el->p;
	size_t n = 0;
	for (size_t i = 0; i < p->nglobals; i++) {
		struct stap_var *g = p->globals[i];
		if (!g->read && !g->written && !el->s->unoptimized) {
			diag_warn(&el->d, &g->loc, "eliding unused variable '%s'", g->name);
			continue;
		}
		if (g->arity < 0)
			g->arity = 1; /* declared with a size, never indexed: keep its shape */
		g->index = (int)n;
		p->globals[n++] = g;
	}
	p->nglobals = n;
	p->funcs = wl->v;
	p->nfuncs = wl->n;
	if (p->nfuncs > 1)
		qsort(p->funcs, p->nfuncs, sizeof(*p->funcs), func_cmp);
	for (size_t i = 0; i < p->nprobes; i++)
		for (size_t k = 0; k < p->probes[i]->npoints; k++) {
			enum stap_pp_kind kind = p->probes[i]->points[k].kind;
			p->has_kernel_probes |= kind == PP_KPROBE || kind == PP_KRETPROBE;
			p->has_user_probes |= kind == PP_UPROBE || kind == PP_URETPROBE;
			p->has_timers |= kind == PP_TIMER || kind == PP_PROFILE;
		}
}

static void wl_push(struct elab *el, struct worklist *wl, struct stap_func *f)
{
	wl->v = stap_grow(el->p, wl->v, wl->n, &wl->cap, sizeof(*wl->v), 8);
	wl->v[wl->n++] = f;
}

/* Bind probes, then every function they reach (transitively). */
static struct worklist reached_funcs(struct elab *el)
{
	struct worklist wl = {0};
	struct stap_program *p = el->p;
	for (size_t i = 0; i < p->nprobes; i++)
		bind_probe(el, p->probes[i]);
	/* used: 0 unreached, 1 reached, 2 bound (reset to 1 at the end). */
	for (;;) {
		struct stap_func *next = NULL;
		for (size_t i = 0; i < p->nfuncs && !next; i++)
			if (p->funcs[i]->used == 1 || (el->s->unoptimized && !p->funcs[i]->used))
				next = p->funcs[i];
		if (!next)
			break;
		next->used = 2;
		bind_func(el, next);
		wl_push(el, &wl, next);
	}
	for (size_t i = 0; i < wl.n; i++)
		wl.v[i]->used = 1;
	return wl;
}

int front_elaborate(struct stap_session *s, struct stap_program *p)
{
	return front_elaborate_to(s, p, stderr);
}

int front_elaborate_to(struct stap_session *s, struct stap_program *p, FILE *errors)
{
	struct elab el = {.s = s, .p = p};
	el.d.src = s->script_buf;
	el.d.len = s->script_len;
	el.d.out = errors;
	el.d.no_warnings = s->suppress_warnings;

	check_duplicates(&el);
	apply_cmdline_globals(&el);
	if (el.d.nerrors == 0)
		elab_points(&el);
	if (el.d.nerrors == 0) {
		struct worklist wl = reached_funcs(&el);
		for (size_t i = 0; i < p->nfuncs; i++)
			if (!p->funcs[i]->used)
				diag_warn(&el.d, &p->funcs[i]->loc, "eliding unused function '%s'",
					  p->funcs[i]->name);
		int changed = 1;
		for (int round = 0; round < 32 && changed && el.d.nerrors == 0; round++)
			types_round(&el, &wl, 0, &changed);
		if (el.d.nerrors == 0)
			types_round(&el, &wl, 1, &changed);
		if (el.d.nerrors == 0) {
			for (size_t i = 0; i < p->nprobes; i++)
				for (size_t k = 0; k < p->probes[i]->nlocals; k++)
					check_var(&el, p->probes[i]->locals[k], NULL);
			for (size_t i = 0; i < wl.n; i++)
				for (size_t k = 0; k < wl.v[i]->nlocals; k++)
					check_var(&el, wl.v[i]->locals[k], wl.v[i]->name);
			for (size_t i = 0; i < p->nglobals; i++)
				check_var(&el, p->globals[i], NULL);
			for (size_t i = 0; i < wl.n; i++)
				if (wl.v[i]->ret == STAP_T_UNKNOWN)
					serr(&el, &wl.v[i]->loc,
					     "unresolved return type of function '%s'",
					     wl.v[i]->name);
		}
		if (el.d.nerrors == 0)
			keep_used(&el, &wl);
	}
	if (p->nprobes == 0 && el.d.nerrors == 0)
		diag_error(&el.d, NULL, "semantic error: no probes found");
	symbols_free(&el.ksyms);
	kbtf_close(el.kbtf);
	return el.d.nerrors ? -1 : 0;
}
