/* Pass 2, binding: every name in probes and functions to its global, local,
 * parameter, function or builtin; $target variables and @cast to reads. */
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
	int in_entry; /* binding an @entry(...) argument: function entry */
	int slice_ok; /* a[*, k] may appear: the operand of delete */
};

struct stap_var *elab_find_global(struct stap_program *p, const char *name)
{
	for (size_t i = 0; i < p->nglobals; i++)
		if (strcmp(p->globals[i]->name, name) == 0)
			return p->globals[i];
	return NULL;
}

/* The function name taking nargs arguments; else the first of that name
 * (whose arity the caller then reports). */
static struct stap_func *find_func(struct stap_program *p, const char *name, size_t nargs)
{
	struct stap_func *first = NULL;
	for (size_t i = 0; i < p->nfuncs; i++)
		if (strcmp(p->funcs[i]->name, name) == 0) {
			if (p->funcs[i]->nparams == nargs)
				return p->funcs[i];
			if (!first)
				first = p->funcs[i];
		}
	return first;
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
		v = elab_find_global(sc->el->p, name);
	if (!v)
		v = scope_add(sc, name, loc);
	return v;
}

/* A loop or catch variable: always a local of the probe or function. */
static struct stap_var *scope_bind_local(struct scope *sc, const struct stap_var *pv)
{
	struct stap_var *v = scope_local(sc, pv->name);
	if (!v && elab_find_global(sc->el->p, pv->name))
		elab_error(sc->el, &pv->loc, "loop variable '%s' is a global; it must be a local",
			   pv->name);
	if (!v)
		v = scope_add(sc, pv->name, &pv->loc);
	v->written = 1;
	return v;
}

enum { USE_READ = 1, USE_WRITE = 2 };

static void bind_expr(struct scope *sc, struct stap_expr *e, int use);
static void entry_save(struct scope *sc, struct stap_expr *e, struct stap_expr *x);
static void bind_stmt(struct scope *sc, struct stap_stmt *s);

static void mark(struct stap_var *v, int use)
{
	v->read |= (use & USE_READ) != 0;
	v->written |= (use & USE_WRITE) != 0;
}

static void set_arity(struct elab *el, struct stap_var *v, int n, const struct stap_loc *loc)
{
	if (v->scope != STAP_VAR_GLOBAL) {
		elab_error(el, loc,
			   "array '%s' is not a global; local arrays are not supported (declare it "
			   "global)",
			   v->name);
		return;
	}
	if (n > STAP_MAX_ARITY) {
		elab_error(el, loc, "array '%s' has more than %d keys", v->name, STAP_MAX_ARITY);
		return;
	}
	if (v->init) {
		elab_error(el, loc, "'%s' has an initializer, so it is a scalar, not an array",
			   v->name);
		return;
	}
	if (v->arity <= 0)
		v->arity = n;
	else if (v->arity != n)
		elab_error(el, loc,
			   "inconsistent arity for array '%s': %d key(s) here, %d elsewhere",
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

/* Context variables read at a kernel function's entry: a kprobe, or the
 * argument of @entry in a kretprobe. */
static int kernel_entry(const struct scope *sc)
{
	return probe_all(sc->probe, PP_KPROBE, PP_KPROBE) ||
	       (sc->in_entry && probe_all(sc->probe, PP_KRETPROBE, PP_KRETPROBE));
}

/* Where $param chains resolve through the kernel's BTF: kernel function
 * entries and tracepoints (their arguments are the btf_trace_ prototype's). */
static int btf_entry(const struct scope *sc)
{
	return kernel_entry(sc) || probe_all(sc->probe, PP_TRACE, PP_TRACE);
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
	if (a->reader == BI_NONE)
		return cur;
	cur = builtin1(p, a->reader, cur, loc);
	if (a->mask) { /* an unsigned member: its own bits, not sign-extended */
		struct stap_expr *and = node(p, E_BINARY, loc);
		and->op = OP_AND;
		and->a = cur;
		and->b = node(p, E_NUM, loc);
		and->b->num = a->mask;
		cur = and;
	}
	return cur;
}

/* $param->a->b at kernel function entries: the same access in every point. */
static int open_btf(struct elab *el, const struct stap_expr *e)
{
	char why[256] = "";
	if (el->kbtf)
		return 0;
	if (!el->kbtf_failed && (el->kbtf = kbtf_open(&el->s->kernel, why, sizeof(why))))
		return 0;
	el->kbtf_failed = 1;
	elab_error(el, &e->loc, "cannot resolve %s: %s", e->str,
		   why[0] ? why : "the kernel's BTF is unavailable");
	return -1;
}

/* The BTF access of "$param CHAIN" (the first len bytes of e->str) at the
 * entry of every kernel function of the probe, one layout for all.  acc's
 * addr_only / pretty are the caller's.  0, or -1 reported. */
static int param_access(struct scope *sc, const struct stap_expr *e, size_t len,
			struct btf_access *acc)
{
	struct elab *el = sc->el;
	const struct stap_probe *pr = sc->probe;
	size_t plen = strcspn(e->str + 1, "-[$");
	char param[128], chain[256], why[256] = "";
	struct btf_access first = *acc;

	if (open_btf(el, e) < 0)
		return -1;
	snprintf(param, sizeof(param), "%.*s", (int)plen, e->str + 1);
	snprintf(chain, sizeof(chain), "%.*s", (int)(len - 1 - plen), e->str + 1 + plen);
	for (size_t i = 0; i < pr->npoints; i++) {
		const struct stap_probe_point *pt = &pr->points[i];
		struct btf_access a = first;
		const char *fn = pt->kind == PP_TRACE ? pt->btf_func : pt->symbol;
		if (pt->module || !fn ||
		    kbtf_access(el->kbtf, fn, param, chain, &a, why, sizeof(why)) < 0) {
			elab_error(el, &e->loc, "cannot resolve %s in %s: %s", e->str, pt->pp,
				   pt->module ? "no BTF for module functions"
				   : !fn      ? "the kernel's BTF does not name this "
						"tracepoint's arguments"
					      : why);
			return -1;
		}
		if (i && memcmp(&a, acc, sizeof(a)) != 0) {
			elab_error(el, &e->loc, "%s has different layouts in %s and %s", e->str,
				   pr->points[0].pp, pt->pp);
			return -1;
		}
		*acc = a;
	}
	return 0;
}

/* $param->a->b at kernel function entries: the same access in every point. */
static int bind_member_chain(struct scope *sc, struct stap_expr *e)
{
	const char *arrow = e->str + 1 + strcspn(e->str + 1, "-[$");
	struct btf_access acc = {.addr_only = e->op == OP_ADDR};

	if (*arrow == '$' || !*arrow || !btf_entry(sc) || sc->el->kbtf_failed)
		return 0;
	if (param_access(sc, e, strlen(e->str), &acc) == 0)
		*e = *access_expr(sc->el->p, &acc, NULL, &e->loc);
	return 1;
}

/* The module argument of @cast names the kernel's own types: "kernel",
 * "kernel<linux/uio.h>", "<linux/uio.h>" (a header SystemTap would compile
 * for the type: the kernel's BTF already has every type of vmlinux), or a
 * list starting with the kernel ("kernel:nfs": the kernel is tried first;
 * types only a module defines are then not found). */
static int cast_module_is_kernel(const char *m, size_t n)
{
	if (n >= 2 && m[0] == '<' && m[n - 1] == '>')
		return 1;
	if (n < 6 || memcmp(m, "kernel", 6) != 0)
		return 0;
	return n == 6 || m[6] == ':' || (m[6] == '<' && m[n - 1] == '>');
}

/* The BTF access of @cast(addr, "TYPE")CHAIN (e->a bound here).  0, or -1
 * reported. */
static int cast_access(struct scope *sc, struct stap_expr *e, const char *chain,
		       struct btf_access *acc)
{
	struct elab *el = sc->el;
	char why[256] = "", type[128];

	bind_expr(sc, e->a, USE_READ);
	snprintf(type, sizeof(type), "%.*s", (int)e->b->str_len, e->b->str);
	if (e->c && !cast_module_is_kernel(e->c->str, e->c->str_len)) {
		elab_error(el, &e->loc,
			   "@cast into the types of '%.*s' is not supported (only \"kernel\", "
			   "\"kernel<HEADER>\", \"<HEADER>\")",
			   (int)e->c->str_len, e->c->str);
		return -1;
	}
	if (!*chain && !acc->pretty) {
		elab_error(el, &e->loc, "@cast(..., \"%s\") needs ->member", type);
		return -1;
	}
	if (open_btf(el, e) < 0)
		return -1;
	if (kbtf_cast(el->kbtf, type, chain, acc, why, sizeof(why)) < 0) {
		elab_error(el, &e->loc, "cannot resolve @cast(..., \"%s\")%s: %s", type, chain,
			   why);
		return -1;
	}
	return 0;
}

/* @cast(addr, "struct file")->a->b: kernel memory, any probe. */
static void bind_cast(struct scope *sc, struct stap_expr *e)
{
	struct btf_access acc = {.addr_only = e->op == OP_ADDR};
	if (acc.addr_only && !*e->str) { /* &@cast(p, "T"): the address p itself */
		bind_expr(sc, e->a, USE_READ);
		*e = *e->a;
		return;
	}
	if (cast_access(sc, e, e->str, &acc) == 0)
		*e = *access_expr(sc->el->p, &acc, e->a, &e->loc);
}

/* ---- $var$ and $var$$: a structure as "{.a=1, .b=0xffff..., .c=\"x\"}" ---- */

#define PRETTY_MAX_ARGS 32
#define PRETTY_MAX_FMT 400 /* what MAXSTRINGLEN leaves room to print */

struct pretty {
	struct elab *el;
	struct strbuf fmt;
	struct stap_expr *args[PRETTY_MAX_ARGS + 1]; /* args[0]: the format */
	size_t n;
	const struct stap_loc *loc;
};

/* "$" 1, "$$" 2 at the end of $var$ / @cast(...)->m$$, else 0. */
static int pretty_suffix(const struct stap_expr *e)
{
	size_t n = strlen(e->str);
	if (!n || e->str[n - 1] != '$' || (!e->a && (n < 3 || e->str[1] == '$')))
		return 0;
	return n >= 2 && e->str[n - 2] == '$' && (e->a || n >= 4) ? 2 : 1;
}

static const char *pretty_conv(enum stap_builtin reader)
{
	if (reader == BI_KERNEL_STRING)
		return "\"%s\"";
	if (reader == BI_KERNEL_POINTER || reader == BI_POINTER_ARG)
		return "%#x";
	return "%d";
}

/* The members of the structure of BTF type at address base; nested ones
 * expanded (deep, two levels) or shown as {...}. */
static void pretty_struct(struct pretty *pp, uint32_t type, const struct stap_expr *base, int depth,
			  int deep)
{
	struct stap_program *p = pp->el->p;
	struct btf_field f[64];
	int n = kbtf_fields(pp->el->kbtf, type, f, 64);
	sb_puts(&pp->fmt, "{");
	for (int i = 0; i < n; i++) {
		if (pp->fmt.n > PRETTY_MAX_FMT || pp->n > PRETTY_MAX_ARGS) {
			sb_puts(&pp->fmt, ", ...");
			break;
		}
		sb_printf(&pp->fmt, "%s.%s=", i ? ", " : "", f[i].name);
		struct stap_expr *addr = node(p, E_BINARY, pp->loc);
		addr->op = OP_ADD;
		addr->a = elab_copy_expr(p, base);
		addr->b = node(p, E_NUM, pp->loc);
		addr->b->num = f[i].off;
		if (f[i].type && deep && depth < 2)
			pretty_struct(pp, f[i].type, addr, depth + 1, deep);
		else if (f[i].type || f[i].reader == BI_NONE)
			sb_puts(&pp->fmt, f[i].type ? "{...}" : "[...]");
		else {
			sb_puts(&pp->fmt, pretty_conv(f[i].reader));
			pp->args[++pp->n] = builtin1(p, f[i].reader, addr, pp->loc);
		}
	}
	sb_puts(&pp->fmt, "}");
}

/* e = sprintf(fmt, args...) */
static void make_sprintf(struct pretty *pp, struct stap_expr *e)
{
	struct stap_program *p = pp->el->p;
	pp->args[0] = node(p, E_STR, pp->loc);
	pp->args[0]->str = stap_strdup(p, pp->fmt.s ? pp->fmt.s : "");
	pp->args[0]->str_len = pp->fmt.n;
	free(pp->fmt.s);
	struct stap_loc loc = *pp->loc;
	memset(e, 0, sizeof(*e));
	e->loc = loc;
	make_builtin(p, e, BI_SPRINTF, 0);
	e->nargs = pp->n + 1;
	e->args = stap_alloc(p, e->nargs * sizeof(*e->args));
	memcpy(e->args, pp->args, e->nargs * sizeof(*e->args));
}

static void bind_target(struct scope *sc, struct stap_expr *e, int use);

/* $var$ / $var$$ / @cast(...)->m$: a structure's members, or one value, as a
 * string.  1 when e was one. */
static int bind_pretty_member(struct scope *sc, struct stap_expr *e)
{
	int suffix = pretty_suffix(e);
	if (!suffix)
		return 0;
	struct stap_loc loc = e->loc;
	struct pretty pp = {.el = sc->el, .loc = &loc};
	struct btf_access acc = {.pretty = 1};
	size_t len = strlen(e->str) - (size_t)suffix;
	char *chain = stap_strndup(sc->el->p, e->str, len);
	int rc = 0;
	if (e->a)
		rc = cast_access(sc, e, chain, &acc);
	else if (btf_entry(sc) && !sc->el->kbtf_failed)
		rc = param_access(sc, e, len, &acc);
	if (rc < 0)
		return 1;
	if (acc.type) {
		pretty_struct(&pp, acc.type, access_expr(sc->el->p, &acc, e->a, &loc), 0,
			      suffix == 2);
	} else { /* one value: read as without the suffix, then printed */
		struct stap_expr *v = stap_alloc(sc->el->p, sizeof(*v));
		*v = *e;
		v->str = chain;
		bind_target(sc, v, USE_READ);
		sb_puts(&pp.fmt, pretty_conv(v->kind == E_BUILTIN ? v->builtin : BI_NONE));
		pp.args[++pp.n] = v;
	}
	make_sprintf(&pp, e);
	return 1;
}

static struct stap_expr *num_node(struct stap_program *p, int64_t v, const struct stap_loc *loc)
{
	struct stap_expr *n = node(p, E_NUM, loc);
	n->num = v;
	return n;
}

static struct stap_expr *binary(struct stap_program *p, enum stap_op op, struct stap_expr *a,
				struct stap_expr *b)
{
	struct stap_expr *n = node(p, E_BINARY, &a->loc);
	n->op = op;
	n->a = a;
	n->b = b;
	return n;
}

/* A tracepoint argument read with its BTF size and sign (pt->argkinds):
 * the bits above a narrow argument's width are not defined in its register,
 * so 1- and 2-byte ones are masked, and sign-extended when signed. */
static int bind_trace_arg(struct scope *sc, struct stap_expr *e)
{
	const struct stap_probe *pr = sc->probe;
	struct stap_program *p = sc->el->p;
	const char *name = e->str + 1;
	int idx = 0;
	char kind = 0;
	if (!(probe_all(pr, PP_TRACE, PP_TRACE) ||
	      probe_all(pr, PP_PROC_SYSCALL, PP_PROC_SYSRET)) ||
	    strpbrk(name, "-[$>"))
		return 0;
	for (size_t i = 0; i < pr->npoints; i++) {
		const struct stap_probe_point *pt = &pr->points[i];
		enum stap_builtin unused;
		int k = proto_index(pt->params, name, &unused);
		if (k == 0 || k > pt->nargs || (idx && (k != idx || pt->argkinds[k - 1] != kind)))
			return 0;
		idx = k;
		kind = pt->argkinds[k - 1];
	}
	static const struct {
		char kind;
		enum stap_builtin reader;
		int64_t mask, sign;
	} rows[] = {{'p', BI_POINTER_ARG, 0, 0},   {'l', BI_LONG_ARG, 0, 0},
		    {'L', BI_ULONG_ARG, 0, 0},	   {'i', BI_INT_ARG, 0, 0},
		    {'I', BI_UINT_ARG, 0, 0},	   {'h', BI_UINT_ARG, 0xffff, 0x8000},
		    {'H', BI_UINT_ARG, 0xffff, 0}, {'b', BI_UINT_ARG, 0xff, 0x80},
		    {'B', BI_UINT_ARG, 0xff, 0}};
	size_t r = 0;
	while (r < sizeof(rows) / sizeof(rows[0]) - 1 && rows[r].kind != kind)
		r++;
	struct stap_expr *rd = node(p, E_BUILTIN, &e->loc);
	make_builtin(p, rd, rows[r].reader, idx);
	if (rows[r].mask)
		rd = binary(p, OP_AND, rd, num_node(p, rows[r].mask, &e->loc));
	if (rows[r].sign)
		rd = binary(p, OP_SUB, binary(p, OP_XOR, rd, num_node(p, rows[r].sign, &e->loc)),
			    num_node(p, rows[r].sign, &e->loc));
	*e = *rd;
	return 1;
}

static void bind_target(struct scope *sc, struct stap_expr *e, int use)
{
	struct elab *el = sc->el;
	const struct stap_probe *pr = sc->probe;
	if (use & USE_WRITE) {
		elab_error(el, &e->loc, "write to context variable %s not permitted", e->str);
		return;
	}
	if (bind_pretty_member(sc, e))
		return;
	if (e->a) {
		bind_cast(sc, e);
		return;
	}
	/* As in SystemTap, $param in a .return probe is its value at entry. */
	if (!sc->in_entry && probe_all(pr, PP_KRETPROBE, PP_KRETPROBE) && e->str[0] == '$' &&
	    e->str[1] != '$' && strcmp(e->str, "$return") != 0) {
		struct stap_expr *x = stap_alloc(el->p, sizeof(*x));
		*x = *e;
		entry_save(sc, e, x);
		return;
	}
	if (strncmp(e->str, "$$", 2) == 0 && bind_pretty(sc, e))
		return;
	if (e->op == OP_ADDR && !strpbrk(e->str, "-[")) {
		elab_error(el, &e->loc,
			   "cannot take the address of %s: it is passed in a register (use & on a "
			   "member: &%s->field)",
			   e->str, e->str);
		return;
	}
	if (bind_member_chain(sc, e))
		return;
	if (strcmp(e->str, "$return") == 0 && probe_all(pr, PP_KRETPROBE, PP_URETPROBE)) {
		make_builtin(el->p, e, BI_RETURNVAL, 0);
		return;
	}
	if (strcmp(e->str, "$value") == 0 && probe_all(pr, PP_PROCFS_READ, PP_PROCFS_WRITE)) {
		make_builtin(el->p, e, BI_PROCFS_VALUE, 0);
		return;
	}
	if (bind_trace_arg(sc, e))
		return;
	int idx = 0;
	enum stap_builtin reader = BI_LONG_ARG;
	const char *name = e->str + 1;
	if ((kernel_entry(sc) || probe_all(pr, PP_UPROBE, PP_UPROBE)) &&
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
	elab_error(
	    el, &e->loc,
	    "unable to find context variable %s here (only the parameters of functions known from "
	    "the kernel's BTF or the program's DWARF, at function entry, tracepoint arguments, "
	    "$return in .return probes and $value in procfs probes)",
	    e->str);
}

/* $value = s (or $value .= s) in a procfs probe: _procfs_set_value(s). */
static int bind_value_assign(struct scope *sc, struct stap_expr *e)
{
	struct stap_program *p = sc->el->p;
	if (e->a->kind != E_TARGET || e->a->a || strcmp(e->a->str, "$value") != 0 ||
	    !probe_all(sc->probe, PP_PROCFS_READ, PP_PROCFS_WRITE))
		return 0;
	if (e->op != OP_ASSIGN && e->op != OP_CONCAT) {
		elab_error(sc->el, &e->loc, "$value is a string: only = and .= assign it");
		return 1;
	}
	struct stap_expr *val = e->b;
	if (e->op == OP_CONCAT) {
		val = node(p, E_BINARY, &e->loc);
		val->op = OP_CONCAT;
		val->a = node(p, E_TARGET, &e->loc);
		val->a->str = e->a->str;
		val->b = e->b;
	}
	bind_expr(sc, val, USE_READ);
	*e = *builtin1(p, BI_PROCFS_SET, val, &e->loc);
	return 1;
}

/* Bind e without reporting: 1 when it resolves (a context variable this
 * probe has, or any other expression), 0 when binding it fails. */
static int bind_quietly(struct scope *sc, struct stap_expr *e)
{
	struct diag *d = &sc->el->d;
	FILE *out = d->out;
	int errors = d->nerrors;
	d->out = NULL;
	bind_expr(sc, e, USE_READ);
	d->out = out;
	int ok = d->nerrors == errors;
	d->nerrors = errors;
	return ok;
}

/* What @entry(x) may hold: x runs at function entry, before the probe body
 * and without its locks, so only context, builtins and constants. */
static const struct stap_expr *entry_forbidden(const struct stap_expr *x)
{
	if (!x)
		return NULL;
	switch (x->kind) {
	case E_VAR:
	case E_INDEX:
	case E_IN:
	case E_CALL:
	case E_ASSIGN:
	case E_INCDEC:
	case E_STATS_ADD:
	case E_STAT:
	case E_HIST:
	case E_ENTRY:
		return x;
	case E_BUILTIN:
		if (stap_builtin_ret(x->builtin) == STAP_T_VOID)
			return x; /* printf, exit, error: side effects */
		break;
	default:
		break;
	}
	const struct stap_expr *bad = NULL;
	for (size_t i = 0; i < x->nargs && !bad; i++)
		bad = entry_forbidden(x->args[i]);
	if (!bad)
		bad = entry_forbidden(x->a);
	if (!bad)
		bad = entry_forbidden(x->b);
	return bad ? bad : entry_forbidden(x->c);
}

/* e becomes @entry(x): x, bound as at function entry, is saved by the
 * kretprobe's entry handler (runtime/stp_kprobe.c) and read back by e. */
static void entry_save(struct scope *sc, struct stap_expr *e, struct stap_expr *x)
{
	struct elab *el = sc->el;
	struct stap_probe *pr = sc->probe;
	int errors = el->d.nerrors;
	sc->in_entry = 1;
	bind_expr(sc, x, USE_READ);
	sc->in_entry = 0;
	if (el->d.nerrors != errors)
		return;
	const struct stap_expr *bad = entry_forbidden(x);
	if (bad) {
		elab_error(el, &bad->loc,
			   "@entry(...) is evaluated at function entry, before the probe runs: it "
			   "may use context variables, builtins and constants, not variables, "
			   "functions or statistics");
		return;
	}
	size_t cap = pr->nentry; /* grown to what is used */
	pr->entry = stap_grow(el->p, pr->entry, pr->nentry, &cap, sizeof(*pr->entry), 4);
	pr->entry[pr->nentry] = x;
	e->kind = E_ENTRY;
	e->a = x;
	e->num = (int64_t)pr->nentry++;
	e->args = NULL;
	e->nargs = 0;
}

/* @entry(x) in a kernel .return probe. */
static void bind_entry(struct scope *sc, struct stap_expr *e)
{
	if (!probe_all(sc->probe, PP_KRETPROBE, PP_KRETPROBE)) {
		elab_error(sc->el, &e->loc,
			   "@entry is only available in kernel .return probes (kernel.function(...)"
			   ".return)");
		return;
	}
	entry_save(sc, e, e->args[0]);
}

/* @defined(x) is 1 or 0; @choose_defined(a, b) is a if it resolves, else b. */
static int bind_defined(struct scope *sc, struct stap_expr *e)
{
	if (strcmp(e->str, "@entry") == 0) {
		bind_entry(sc, e);
		return 1;
	}
	if (strcmp(e->str, "@defined") == 0) {
		struct stap_loc loc = e->loc;
		int defined = bind_quietly(sc, e->args[0]);
		memset(e, 0, sizeof(*e));
		e->kind = E_NUM;
		e->num = defined;
		e->loc = loc;
		return 1;
	}
	if (strcmp(e->str, "@choose_defined") == 0) {
		struct stap_expr *a = e->args[0], *b = e->args[1];
		if (bind_quietly(sc, a))
			*e = *a;
		else {
			bind_expr(sc, b, USE_READ);
			*e = *b;
		}
		return 1;
	}
	return 0;
}

static void bind_call(struct scope *sc, struct stap_expr *e)
{
	struct elab *el = sc->el;
	if (bind_defined(sc, e))
		return;
	for (size_t i = 0; i < e->nargs; i++)
		bind_expr(sc, e->args[i], USE_READ);
	struct stap_func *f = find_func(el->p, e->str, e->nargs);
	if (f) {
		e->func = f;
		if (e->nargs != f->nparams)
			elab_error(
			    el, &e->loc,
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
	elab_error(el, &e->loc, "unresolved function '%s'%s%s%s", e->str,
		   best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "");
}

/* A condition known once bound: a number (@defined folds to one), '!' of
 * one, or && / || of them.  1 with *v, else 0. */
static int bound_const(const struct stap_expr *e, int64_t *v)
{
	int64_t a, b;
	if (e->kind == E_NUM) {
		*v = e->num;
		return 1;
	}
	if (e->kind == E_UNARY && e->op == OP_NOT && bound_const(e->a, &a)) {
		*v = !a;
		return 1;
	}
	if (e->kind == E_LOGICAL && bound_const(e->a, &a) && bound_const(e->b, &b)) {
		*v = e->op == OP_LAND ? a && b : a || b;
		return 1;
	}
	return 0;
}

/* As SystemTap elides code that a known condition never runs, so that
 * "@defined($x) ? $x : 0", "if (@defined($x)) ... $x ..." and
 * "@defined($x) && $x" bind only what runs: a, then only the operands it
 * leaves.  1 when e was folded that way. */
static int bind_pruned(struct scope *sc, struct stap_expr *e)
{
	int64_t v;
	if (e->kind != E_TERNARY && e->kind != E_LOGICAL)
		return 0;
	bind_expr(sc, e->a, USE_READ);
	if (!bound_const(e->a, &v)) {
		bind_expr(sc, e->b, USE_READ);
		if (e->c)
			bind_expr(sc, e->c, USE_READ);
		return 1;
	}
	struct stap_loc loc = e->loc;
	if (e->kind == E_TERNARY) {
		struct stap_expr *live = v ? e->b : e->c;
		bind_expr(sc, live, USE_READ);
		*e = *live;
		return 1;
	}
	if ((e->op == OP_LAND && !v) || (e->op == OP_LOR && v)) {
		memset(e, 0, sizeof(*e));
		e->kind = E_NUM;
		e->num = v != 0;
		e->loc = loc;
		return 1;
	}
	bind_expr(sc, e->b, USE_READ);
	return 1;
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
		if (e->kind == E_IN && e->a) { /* k in @hist_*(s) */
			bind_expr(sc, e->args[0], USE_READ);
			bind_expr(sc, e->a, USE_READ);
			break;
		}
		for (size_t i = 0; i < e->nargs; i++) {
			if (e->args[i]->kind == E_WILD && e->kind == E_INDEX && !sc->slice_ok)
				elab_error(
				    el, &e->args[i]->loc,
				    "a '*' key (a slice) is allowed only in delete, [...] in "
				    "and foreach");
			bind_expr(sc, e->args[i], USE_READ);
		}
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
		if (bind_value_assign(sc, e))
			break;
		if (e->a->kind != E_VAR && e->a->kind != E_INDEX && e->a->kind != E_TARGET) {
			elab_error(el, &e->loc,
				   "left side of assignment is not a variable or array element");
			return;
		}
		bind_expr(sc, e->a, USE_WRITE | (e->op == OP_ASSIGN ? 0 : USE_READ));
		bind_expr(sc, e->b, USE_READ);
		break;
	case E_INCDEC:
		if (e->a->kind != E_VAR && e->a->kind != E_INDEX && e->a->kind != E_TARGET) {
			elab_error(el, &e->loc,
				   "operand of ++/-- is not a variable or array element");
			return;
		}
		bind_expr(sc, e->a, USE_READ | USE_WRITE);
		break;
	case E_STATS_ADD:
		if (e->a->kind != E_VAR && e->a->kind != E_INDEX) {
			elab_error(el, &e->loc, "left side of <<< is not a statistics variable");
			return;
		}
		bind_expr(sc, e->a, USE_WRITE);
		bind_expr(sc, e->b, USE_READ);
		break;
	default:
		if (bind_pruned(sc, e))
			break;
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
	if (s->array->kind == E_INDEX) { /* a slice */
		struct stap_var *a = elab_find_global(el->p, s->array->str);
		if (!a) {
			elab_error(el, &s->array->loc,
				   "foreach over '%s', which is not a global array", s->array->str);
			return;
		}
		if (s->array->nargs != s->nkeys)
			elab_error(el, &s->array->loc,
				   "the slice of '%s' has %zu keys, the foreach %zu", a->name,
				   s->array->nargs, s->nkeys);
		sc->slice_ok = 1;
		bind_expr(sc, s->array, USE_READ);
		sc->slice_ok = 0;
	} else if (s->array->kind == E_VAR) {
		struct stap_var *a = elab_find_global(el->p, s->array->str);
		if (!a) {
			elab_error(el, &s->array->loc,
				   "foreach over '%s', which is not a global array", s->array->str);
			return;
		}
		s->array->var = a;
		a->read = 1;
		set_arity(el, a, (int)s->nkeys, &s->array->loc);
	} else {
		bind_expr(sc, s->array, USE_READ);
		if (s->nkeys != 1)
			elab_error(el, &s->loc,
				   "foreach over a histogram takes one key (the bucket)");
	}
	for (size_t k = 0; k < s->nkeys; k++)
		s->keys[k] = scope_bind_local(sc, s->keys[k]);
	if (s->value)
		s->value = scope_bind_local(sc, s->value);
	if (s->sort_column > (int)s->nkeys)
		elab_error(el, &s->loc, "sort on a key that does not exist");
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
	case S_IF: {
		int64_t v;
		bind_expr(sc, s->expr, USE_READ);
		if (!bound_const(s->expr, &v)) {
			bind_stmt(sc, s->body);
			if (s->els)
				bind_stmt(sc, s->els);
		} else if (v || s->els) { /* only the branch that runs */
			struct stap_stmt *live = v ? s->body : s->els;
			bind_stmt(sc, live);
			*s = *live;
		} else {
			s->kind = S_NULL;
		}
		break;
	}
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
			elab_error(el, &s->loc, "%s outside a loop",
				   s->kind == S_BREAK ? "break" : "continue");
		break;
	case S_NEXT:
		break;
	case S_RETURN:
		if (!sc->func)
			elab_error(el, &s->loc,
				   "return outside a function (use 'next' to leave a probe)");
		if (s->expr)
			bind_expr(sc, s->expr, USE_READ);
		break;
	case S_DELETE:
		if (s->expr->kind != E_VAR && s->expr->kind != E_INDEX) {
			elab_error(el, &s->loc,
				   "delete wants a variable, an array or an array element");
			break;
		}
		sc->slice_ok = 1;
		bind_expr(sc, s->expr, USE_WRITE);
		sc->slice_ok = 0;
		break;
	case S_TRY:
		bind_stmt(sc, s->body);
		if (s->catch_var)
			s->catch_var = scope_bind_local(sc, s->catch_var);
		bind_stmt(sc, s->els);
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

void elab_bind_probe(struct elab *el, struct stap_probe *pr)
{
	struct scope sc = {.el = el, .probe = pr};
	if (pr->cond)
		bind_expr(&sc, pr->cond, USE_READ);
	bind_stmt(&sc, pr->body);
	pr->locals = sc.locals;
	pr->nlocals = sc.nlocals;
}

void elab_bind_func(struct elab *el, struct stap_func *f)
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
