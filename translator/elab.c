/* Pass 2 as a whole: bind the probes and every function they reach
 * (elab_bind.c), infer types (elab_types.c), report semantic errors and
 * warnings, keep only what the probes reach. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "translator/elab_int.h"
#include "translator/front.h"

/* Functions reached from probes, in discovery order. */
struct worklist {
	struct stap_func **v;
	size_t n, cap;
};

void elab_error(struct elab *el, const struct stap_loc *loc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(&el->d, loc, "semantic error: %s", msg);
}

static int check_duplicates(struct elab *el)
{
	struct stap_program *p = el->p;
	for (size_t i = 0; i < p->nglobals; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->globals[i]->name, p->globals[j]->name) == 0)
				elab_error(el, &p->globals[i]->loc, "global '%s' declared twice",
					   p->globals[i]->name);
	for (size_t i = 0; i < p->nfuncs; i++) {
		for (size_t j = 0; j < i; j++) {
			if (strcmp(p->funcs[i]->name, p->funcs[j]->name) != 0)
				continue;
			if (p->funcs[i]->nparams == p->funcs[j]->nparams)
				elab_error(el, &p->funcs[i]->loc,
					   "function '%s' defined twice with %zu parameter(s)",
					   p->funcs[i]->name, p->funcs[i]->nparams);
			else /* overloaded by arity, as SystemTap allows */
				p->funcs[i]->overloaded = p->funcs[j]->overloaded = 1;
		}
		if (stap_builtin_lookup(p->funcs[i]->name) != BI_NONE)
			elab_error(el, &p->funcs[i]->loc, "function '%s' has the name of a builtin",
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
		struct stap_var *g = elab_find_global(el->p, name);
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

static void check_var(struct elab *el, struct stap_var *v, const char *owner)
{
	if (v->arity < 0 && (v->read || v->written)) {
		elab_error(el, &v->loc, "unresolved arity for array '%s': it is never indexed",
			   v->name);
		return;
	}
	if (v->type == STAP_T_UNKNOWN && (v->read || v->written || v->scope == STAP_VAR_PARAM)) {
		elab_error(el, &v->loc, "unresolved type for %s '%s'%s%s",
			   v->scope == STAP_VAR_GLOBAL	? "global"
			   : v->scope == STAP_VAR_PARAM ? "parameter"
							: "local",
			   v->name, owner ? " in " : "", owner ? owner : "");
		return;
	}
	for (int k = 0; k < v->arity; k++)
		if (v->key_types[k] == STAP_T_UNKNOWN)
			elab_error(el, &v->loc, "unresolved type for key %d of array '%s'", k + 1,
				   v->name);
	if (v->scope == STAP_VAR_LOCAL && v->written && !v->read)
		diag_warn(&el->d, &v->loc, "variable '%s' is assigned but never read", v->name);
	if (v->scope == STAP_VAR_LOCAL && v->read && !v->written)
		diag_warn(&el->d, &v->loc, "never-assigned local variable '%s' (it is always %s)",
			  v->name, v->type == STAP_T_STRING ? "\"\"" : "0");
}

static int func_cmp(const void *a, const void *b)
{
	return stap_func_cmp(*(struct stap_func *const *)a, *(struct stap_func *const *)b);
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
		elab_bind_probe(el, p->probes[i]);
	/* used: 0 unreached, 1 reached, 2 bound (reset to 1 at the end). */
	for (;;) {
		struct stap_func *next = NULL;
		for (size_t i = 0; i < p->nfuncs && !next; i++)
			if (p->funcs[i]->used == 1 || (el->s->unoptimized && !p->funcs[i]->used))
				next = p->funcs[i];
		if (!next)
			break;
		next->used = 2;
		elab_bind_func(el, next);
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
	el.d.lib = p->sources;
	el.d.nlib = p->nsources;

	check_duplicates(&el);
	apply_cmdline_globals(&el);
	if (el.d.nerrors == 0)
		elab_points(&el);
	if (el.d.nerrors == 0) {
		struct worklist wl = reached_funcs(&el);
		if (el.d.nerrors == 0)
			elab_check(&el, wl.v, wl.n);
		for (size_t i = 0; i < p->nfuncs; i++)
			if (!p->funcs[i]->used)
				diag_warn(&el.d, &p->funcs[i]->loc, "eliding unused function '%s'",
					  p->funcs[i]->name);
		int changed = 1;
		for (int round = 0; round < 32 && changed && el.d.nerrors == 0; round++)
			elab_types_round(&el, wl.v, wl.n, 0, &changed);
		if (el.d.nerrors == 0)
			elab_types_round(&el, wl.v, wl.n, 1, &changed);
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
					elab_error(&el, &wl.v[i]->loc,
						   "unresolved return type of function '%s'",
						   wl.v[i]->name);
		}
		if (el.d.nerrors == 0)
			keep_used(&el, &wl);
	}
	if (p->nprobes == 0 && el.d.nerrors == 0)
		diag_error(&el.d, NULL, "semantic error: no probes found");
	symbols_free(&el.ksyms);
	blocklist_free(&el.block);
	kbtf_close(el.kbtf);
	tp_events_free(&el.tpev);
	return el.d.nerrors ? -1 : 0;
}
