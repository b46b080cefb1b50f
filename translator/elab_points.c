/* Pass 2, step 1: probe points.  Every spec as written becomes resolved
 * points: begin/end/error, timers, kernel and module functions (the target
 * kernel's symbols, wildcards expanded), process functions (ELF symbols),
 * and aliases, whose bodies are spliced around the user's body. */
#include <fnmatch.h>
#include <sys/utsname.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "translator/elab_int.h"

#define ALIAS_MAX_DEPTH 16

static struct stap_probe_point *pt_new(struct elab *el, struct ptlist *l, enum stap_pp_kind k)
{
	l->v = stap_grow(el->p, l->v, l->n, &l->cap, sizeof(*l->v), 8);
	struct stap_probe_point *pt = &l->v[l->n++];
	memset(pt, 0, sizeof(*pt));
	pt->kind = k;
	return pt;
}

char *elab_pp_fmt(struct elab *el, const char *fmt, ...)
{
	struct strbuf b = {0};
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	sb_puts(&b, s ? s : "");
	free(s);
	char *r = stap_strdup(el->p, b.s ? b.s : "");
	free(b.s);
	return r;
}

static int has_wild(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static const struct stap_pp_comp *comp(const struct stap_pp_spec *sp, size_t i)
{
	return i < sp->ncomps ? &sp->comps[i] : NULL;
}

static int comp_is(const struct stap_pp_comp *c, const char *name)
{
	return c && strcmp(c->name, name) == 0;
}

static int spec_fail(struct elab *el, const struct stap_pp_spec *sp, const char *msg)
{
	diag_error(&el->d, &sp->loc, "semantic error: %s in probe point %s", msg, sp->text);
	return -1;
}

/* begin, end, error with an optional sequence number. */
static int points_simple(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out,
			 enum stap_pp_kind k)
{
	const struct stap_pp_comp *c = comp(sp, 0);
	if (sp->ncomps != 1)
		return spec_fail(el, sp, "unexpected component after begin/end/error");
	if (c->has_arg && !c->arg_is_num)
		return spec_fail(el, sp, "sequence number must be a number");
	struct stap_probe_point *pt = pt_new(el, out, k);
	pt->sequence = c->has_arg ? (int)c->arg_num : 0;
	pt->pp = c->has_arg ? elab_pp_fmt(el, "%s(%lld)", c->name, (long long)c->arg_num)
			    : stap_strdup(el->p, c->name);
	return 0;
}

static int points_timer(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out)
{
	static const struct {
		const char *name;
		int64_t ns; /* 0: jiffies / hz */
	} units[] = {{"s", 1000000000}, {"sec", 1000000000}, {"ms", 1000000}, {"msec", 1000000},
		     {"us", 1000},	{"usec", 1000},	     {"ns", 1},	      {"nsec", 1},
		     {"jiffies", 0},	{"hz", 0},	     {NULL, 0}};
	const struct stap_pp_comp *c = comp(sp, 1);

	if (!c)
		return spec_fail(el, sp, "timer needs a unit (timer.ms(N), timer.profile, ...)");
	if (comp_is(c, "profile") || comp_is(c, "profile_tick")) {
		if (sp->ncomps != 2 || c->has_arg)
			return spec_fail(el, sp, "timer.profile takes no argument");
		struct stap_probe_point *pt = pt_new(el, out, PP_PROFILE);
		pt->pp = stap_strdup(el->p, "timer.profile");
		return 0;
	}
	int u = 0;
	while (units[u].name && strcmp(units[u].name, c->name) != 0)
		u++;
	if (!units[u].name)
		return spec_fail(el, sp,
				 "unknown timer unit (s, ms, us, ns, hz, jiffies, profile)");
	if (!c->has_arg || !c->arg_is_num || c->arg_num <= 0)
		return spec_fail(el, sp, "timer period must be a positive number");
	int64_t rnd = 0;
	const struct stap_pp_comp *r = comp(sp, 2);
	if (r) {
		if (!comp_is(r, "randomize") || !r->has_arg || !r->arg_is_num || r->arg_num < 0 ||
		    sp->ncomps > 3)
			return spec_fail(el, sp, "expected .randomize(N) after the timer period");
		rnd = r->arg_num;
		if (rnd > c->arg_num) /* SystemTap takes timer.jiffies(100).randomize(100) */
			return spec_fail(el, sp, "randomization must not exceed the period");
	}
	struct stap_probe_point *pt = pt_new(el, out, PP_TIMER);
	if (units[u].ns) {
		if (c->arg_num > INT64_MAX / units[u].ns)
			return spec_fail(el, sp, "timer period too large");
		pt->period_ns = c->arg_num * units[u].ns;
		pt->randomize_ns = rnd * units[u].ns;
		if (pt->period_ns < 100000)
			return spec_fail(el, sp, "timer period must be at least 100000 ns");
	} else if (comp_is(c, "hz")) {
		pt->hz = c->arg_num;
		if (pt->hz > 1000000)
			return spec_fail(el, sp, "timer.hz is at most 1000000");
		pt->period_ns = 1000000000 / pt->hz;
		pt->randomize_ns = rnd;
	} else {
		pt->jiffies = c->arg_num;
		pt->randomize_ns = rnd; /* in jiffies for timer.jiffies */
	}
	pt->pp = r ? elab_pp_fmt(el, "timer.%s(%lld).randomize(%lld)", c->name,
				 (long long)c->arg_num, (long long)rnd)
		   : elab_pp_fmt(el, "timer.%s(%lld)", c->name, (long long)c->arg_num);
	return 0;
}

/* Up to three names closest to want, for "did you mean". */
static void did_you_mean(const struct sym_table *t, const char *want, char *out, size_t n)
{
	const char *best[3] = {0};
	int bestd[3] = {99, 99, 99};
	int cap = (int)strlen(want) / 3 + 1;
	char plain[256];

	snprintf(plain, sizeof(plain), "%.255s", want);
	if (cap > 4)
		cap = 4;
	for (size_t i = 0; i < t->n; i++) {
		int d = front_edit_distance(plain, t->v[i].name, cap);
		if (d > cap)
			continue;
		for (int k = 0; k < 3; k++)
			if (d < bestd[k]) {
				for (int m = 2; m > k; m--)
					best[m] = best[m - 1], bestd[m] = bestd[m - 1];
				best[k] = t->v[i].name;
				bestd[k] = d;
				break;
			}
	}
	out[0] = 0;
	for (int k = 0; k < 3 && best[k]; k++) {
		size_t len = strlen(out);
		snprintf(out + len, n - len, "%s%s", k ? " " : "", best[k]);
	}
}

static int sym_find(const struct sym_table *t, const char *name)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->v[mid].name, name);
		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int load_ksyms(struct elab *el)
{
	if (!el->ksyms_loaded) {
		el->ksyms_loaded = symbols_kernel(&el->s->kernel, &el->ksyms, el->ksyms_why,
						  sizeof(el->ksyms_why)) == 0
				       ? 1
				       : -1;
		if (el->ksyms_loaded > 0 && el->s->verbose > 1)
			fprintf(stderr, "stap: %zu kernel functions from %s\n", el->ksyms.n,
				el->ksyms.source);
	}
	return el->ksyms_loaded > 0 ? 0 : -1;
}

const char *elab_kernel_proto(struct elab *el, const char *fn)
{
	if (load_ksyms(el) < 0)
		return NULL;
	int i = sym_find(&el->ksyms, fn);
	return i >= 0 ? el->ksyms.v[i].proto : NULL;
}

struct fn_target {
	const char *what;   /* "kernel", "module(\"ext4\")", "process(\"/bin/ls\")" */
	const char *module; /* NULL for kernel and process */
	const char *path;   /* process path */
	int user;
};

/* Why fn cannot get a kprobe, or NULL; the kernel's own list is read the
 * first time, when the target kernel is the one running. */
static const char *kernel_fn_blocked(struct elab *el, const char *fn, int ret)
{
	if (!el->block_loaded) {
		struct utsname u;
		el->block_loaded = 1;
		if (uname(&u) == 0 && el->s->kernel.release &&
		    strcmp(u.release, el->s->kernel.release) == 0)
			blocklist_load(&el->block, BLOCKLIST_PATH);
	}
	return blocklist_why(&el->block, fn, ret);
}

/* Match pattern against t, adding a point per function. */
static int points_match(struct elab *el, const struct stap_pp_spec *sp, const struct sym_table *t,
			const struct fn_target *tg, const char *pattern, int ret, int maxactive,
			struct ptlist *out)
{
	char pat[512];
	size_t before = out->n, skipped = 0;
	snprintf(pat, sizeof(pat), "%.*s", (int)strcspn(pattern, "@"), pattern);
	/* SystemTap narrows FN@FILE[:LINE] by the debuginfo's source files;
	 * BTF and symbol tables name no files, so the pattern cannot be
	 * honoured, and probing every FN of that name would be a different
	 * probe than the one asked for. */
	if (strchr(pattern, '@') && !tg->user) {
		diag_error(&el->d, &sp->loc,
			   "semantic error: cannot honour the source location '%s' of '%s' in %s: "
			   "functions are matched by name from %s, which names no source files "
			   "(drop '%s')",
			   strchr(pattern, '@'), pattern, tg->what,
			   t->source ? t->source : "symbols", strchr(pattern, '@'));
		return -1;
	}
	if (strchr(pattern, '@'))
		diag_warn(&el->d, &sp->loc,
			  "source location '%s' ignored: no debuginfo, matching by function name",
			  strchr(pattern, '@'));
	for (size_t i = 0; i < t->n; i++) {
		const struct sym *s = &t->v[i];
		if (has_wild(pat) ? fnmatch(pat, s->name, 0) != 0 : strcmp(pat, s->name) != 0)
			continue;
		const char *why = tg->user ? NULL : kernel_fn_blocked(el, s->name, ret);
		if (why && !has_wild(pat)) {
			diag_error(&el->d, &sp->loc, "semantic error: cannot probe '%s': %s",
				   s->name, why);
			return -1;
		}
		if (why) {
			if (el->s->verbose > 1)
				fprintf(stderr, "stap: skipping %s: %s\n", s->name, why);
			skipped++;
			continue;
		}
		enum stap_pp_kind k =
		    tg->user ? (ret ? PP_URETPROBE : PP_UPROBE) : (ret ? PP_KRETPROBE : PP_KPROBE);
		struct stap_probe_point *pt = pt_new(el, out, k);
		pt->symbol = stap_strdup(el->p, s->name);
		pt->address = s->addr;
		pt->maxactive = maxactive;
		pt->params = s->proto ? stap_strdup(el->p, s->proto) : NULL;
		if (tg->module)
			pt->module = stap_strdup(el->p, tg->module);
		if (tg->user) {
			pt->path = stap_strdup(el->p, tg->path);
			pt->offset = s->offset;
			pt->vaddr = s->addr;
		}
		pt->pp = maxactive ? elab_pp_fmt(el, "%s.function(\"%s\").return.maxactive(%d)",
						 tg->what, s->name, maxactive)
				   : elab_pp_fmt(el, "%s.function(\"%s\")%s", tg->what, s->name,
						 ret ? ".return" : "");
		if (!has_wild(pat))
			break;
	}
	if (skipped)
		diag_warn(&el->d, &sp->loc,
			  "skipped %zu function%s matching '%s' that cannot be probed safely "
			  "(kprobe blacklist, runtime-internal or never-returning; -vv lists them)",
			  skipped, skipped == 1 ? "" : "s", pat);
	if (out->n > before || sp->optional)
		return 0;
	if (skipped) {
		diag_error(&el->d, &sp->loc,
			   "semantic error: probe point mismatch: every function matching '%s' in "
			   "%s is blocked",
			   pat, tg->what);
		return -1;
	}
	char near[256];
	did_you_mean(t, pat, near, sizeof(near));
	diag_error(&el->d, &sp->loc,
		   "semantic error: probe point mismatch: no function matches '%s' in %s (%s)%s%s",
		   pat, tg->what, t->source ? t->source : "symbols",
		   near[0] ? "; did you mean: " : "", near);
	return -1;
}

/* .function("F") [.call] [.return] [.maxactive(N)] after the target part. */
static int fn_suffix(struct elab *el, const struct stap_pp_spec *sp, size_t first,
		     const char **pattern, int *ret, int *maxactive)
{
	const struct stap_pp_comp *f = comp(sp, first);
	if (!comp_is(f, "function") || !f->has_arg || f->arg_is_num)
		return spec_fail(el, sp, "expected .function(\"NAME\")");
	*pattern = f->arg_str;
	*ret = 0;
	*maxactive = 0;
	for (size_t i = first + 1; i < sp->ncomps; i++) {
		const struct stap_pp_comp *c = &sp->comps[i];
		if (comp_is(c, "return") && !c->has_arg && !*ret)
			*ret = 1;
		else if (comp_is(c, "call") && !c->has_arg)
			;
		else if (comp_is(c, "maxactive") && c->has_arg && c->arg_is_num && c->arg_num > 0 &&
			 *ret)
			*maxactive = (int)c->arg_num;
		else
			return spec_fail(el, sp,
					 "unexpected component after .function() (.return, .call, "
					 ".maxactive(N))");
	}
	return 0;
}

static int points_kernel(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out)
{
	const char *pattern;
	int ret, maxactive;
	struct fn_target tg = {"kernel", NULL, NULL, 0};
	if (comp(sp, 0)->has_arg)
		return spec_fail(el, sp, "kernel takes no argument");
	if (fn_suffix(el, sp, 1, &pattern, &ret, &maxactive) < 0)
		return -1;
	if (comp_is(comp(sp, 0), "kprobe"))
		tg.what = "kprobe";
	if (load_ksyms(el) < 0) {
		diag_error(&el->d, &sp->loc,
			   "semantic error: cannot read the symbols of kernel %s: %s",
			   el->s->kernel.release ? el->s->kernel.release : "?", el->ksyms_why);
		return -1;
	}
	return points_match(el, sp, &el->ksyms, &tg, pattern, ret, maxactive, out);
}

/* module("M").function("F"), or kprobe.module("M").function("F") (first = 1). */
static int points_module(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out,
			 size_t first)
{
	const struct stap_pp_comp *m = comp(sp, first);
	const char *pattern;
	int ret, maxactive, rc = 0;
	char why[512] = "";
	struct sym_table mods = {0};

	if (!m->has_arg || m->arg_is_num)
		return spec_fail(el, sp, "expected module(\"NAME\")");
	if (fn_suffix(el, sp, first + 1, &pattern, &ret, &maxactive) < 0)
		return -1;
	if (!has_wild(m->arg_str)) {
		struct sym_table t;
		char what[300];
		if (symbols_module(&el->s->kernel, m->arg_str, &t, why, sizeof(why)) < 0) {
			symbols_free(&t);
			if (sp->optional)
				return 0;
			diag_error(&el->d, &sp->loc, "semantic error: %s", why);
			return -1;
		}
		snprintf(what, sizeof(what), "module(\"%s\")", m->arg_str);
		struct fn_target tg = {what, m->arg_str, NULL, 0};
		rc = points_match(el, sp, &t, &tg, pattern, ret, maxactive, out);
		symbols_free(&t);
		return rc;
	}
	symbols_module_names(&el->s->kernel, &mods);
	size_t before = out->n;
	struct stap_pp_spec quiet = *sp;
	quiet.optional = 1;
	for (size_t i = 0; i < mods.n && rc == 0; i++) {
		struct sym_table t;
		char what[300];
		if (fnmatch(m->arg_str, mods.v[i].name, 0) != 0)
			continue;
		if (symbols_module(&el->s->kernel, mods.v[i].name, &t, why, sizeof(why)) == 0) {
			snprintf(what, sizeof(what), "module(\"%s\")", mods.v[i].name);
			struct fn_target tg = {what, mods.v[i].name, NULL, 0};
			rc = points_match(el, &quiet, &t, &tg, pattern, ret, maxactive, out);
		}
		symbols_free(&t);
	}
	symbols_free(&mods);
	if (rc == 0 && out->n == before && !sp->optional)
		return spec_fail(el, sp, "probe point mismatch: no module function matches");
	return rc;
}

/* PATH as given, or found in $PATH when it has no '/'. */
static char *process_path(struct elab *el, const char *arg)
{
	char buf[PATH_MAX], *r;
	if (!strchr(arg, '/')) {
		const char *path = getenv("PATH");
		char dir[PATH_MAX];
		while (path && *path) {
			size_t n = strcspn(path, ":");
			snprintf(dir, sizeof(dir), "%.*s/%s", (int)n, path, arg);
			if (access(dir, X_OK) == 0 && realpath(dir, buf))
				return stap_strdup(el->p, buf);
			path += n + (path[n] == ':');
		}
		return NULL;
	}
	r = realpath(arg, buf);
	return r ? stap_strdup(el->p, buf) : NULL;
}

static int points_process(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out)
{
	const struct stap_pp_comp *pc = comp(sp, 0);
	const char *pattern;
	int ret, maxactive, rc;
	char why[512] = "", what[PATH_MAX + 16];
	struct sym_table t;

	if (!pc->has_arg || pc->arg_is_num)
		return spec_fail(el, sp, "expected process(\"PATH\")");
	if (fn_suffix(el, sp, 1, &pattern, &ret, &maxactive) < 0)
		return -1;
	char *path = process_path(el, pc->arg_str);
	if (!path) {
		if (sp->optional)
			return 0;
		diag_error(&el->d, &sp->loc, "semantic error: cannot find executable '%s'",
			   pc->arg_str);
		return -1;
	}
	if (symbols_elf(path, &t, why, sizeof(why)) < 0) {
		symbols_free(&t);
		diag_error(&el->d, &sp->loc, "semantic error: %s", why);
		return -1;
	}
	snprintf(what, sizeof(what), "process(\"%s\")", path);
	struct fn_target tg = {what, NULL, path, 1};
	rc = points_match(el, sp, &t, &tg, pattern, ret, maxactive, out);
	symbols_free(&t);
	return rc;
}

static const char *const families[] = {"begin",	 "end",	   "error",   "timer", "kernel",
				       "kprobe", "module", "process", "never", "procfs"};
#define NFAMILIES (sizeof(families) / sizeof(families[0]))

static int points_unknown(struct elab *el, const struct stap_pp_spec *sp)
{
	const char *name = sp->comps[0].name, *best = NULL;
	int bestd = 3;
	for (size_t i = 0; i < el->p->naliases + NFAMILIES; i++) {
		const char *cand = i < NFAMILIES
				       ? families[i]
				       : el->p->aliases[i - NFAMILIES]->names[0]->comps[0].name;
		if (!cand)
			continue;
		int d = front_edit_distance(name, cand, 2);
		if (d < bestd)
			bestd = d, best = cand;
	}
	if (sp->optional)
		return 0;
	diag_error(&el->d, &sp->loc,
		   "semantic error: probe point mismatch: unknown probe point '%s'%s%s%s", sp->text,
		   best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "");
	return -1;
}

static int points_builtin(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out)
{
	const struct stap_pp_comp *c0 = comp(sp, 0);
	int rc;
	if (elab_points_event(el, sp, out, &rc))
		return rc;
	if (comp_is(c0, "begin"))
		return points_simple(el, sp, out, PP_BEGIN);
	if (comp_is(c0, "end"))
		return points_simple(el, sp, out, PP_END);
	if (comp_is(c0, "error"))
		return points_simple(el, sp, out, PP_ERROR);
	if (comp_is(c0, "timer") && !c0->has_arg)
		return points_timer(el, sp, out);
	if (comp_is(c0, "kprobe") && comp_is(comp(sp, 1), "module"))
		return points_module(el, sp, out, 1);
	if (comp_is(c0, "kernel") || comp_is(c0, "kprobe"))
		return points_kernel(el, sp, out);
	if (comp_is(c0, "module"))
		return points_module(el, sp, out, 0);
	if (comp_is(c0, "process"))
		return points_process(el, sp, out);
	return points_unknown(el, sp);
}

/* For elab_events.c. */
struct stap_probe_point *elab_point_new(struct elab *el, struct ptlist *l, enum stap_pp_kind k)
{
	return pt_new(el, l, k);
}

int elab_spec_fail(struct elab *el, const struct stap_pp_spec *sp, const char *msg)
{
	return spec_fail(el, sp, msg);
}

char *elab_process_path(struct elab *el, const char *arg)
{
	return process_path(el, arg);
}

int elab_points_kernel_fn(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out)
{
	return points_kernel(el, sp, out);
}

/* ---- aliases ---- */

static int alias_name_matches(const struct stap_pp_spec *name, const struct stap_pp_spec *sp)
{
	if (name->ncomps != sp->ncomps)
		return 0;
	for (size_t i = 0; i < sp->ncomps; i++) {
		const struct stap_pp_comp *a = &name->comps[i], *b = &sp->comps[i];
		if (fnmatch(b->name, a->name, 0) != 0 || a->has_arg != b->has_arg ||
		    a->arg_is_num != b->arg_is_num)
			return 0;
		if (a->has_arg && (a->arg_is_num ? a->arg_num != b->arg_num
						 : strcmp(a->arg_str, b->arg_str) != 0))
			return 0;
	}
	return 1;
}

/* SystemTap's alias suffixes: "probe a = b.c { }" also makes "a.return"
 * mean "b.c.return": the components after the alias name are appended to
 * each point the alias expands to.  The length of name when it is a proper
 * prefix of sp (an exact match is looked for first), else 0. */
static size_t alias_prefix(const struct stap_pp_spec *name, const struct stap_pp_spec *sp)
{
	if (name->ncomps >= sp->ncomps)
		return 0;
	struct stap_pp_spec head = *sp;
	head.ncomps = name->ncomps;
	return alias_name_matches(name, &head) ? name->ncomps : 0;
}

struct derived {
	struct ptlist pts;
	struct stap_stmt *pre, *post; /* alias bodies around the user's */
	struct stap_expr *cond;
};

static int resolve_spec(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out,
			int depth, struct stap_stmt **pre, struct stap_stmt **post, int *aliased);

static struct stap_stmt *block_of(struct elab *el, struct stap_stmt *a, struct stap_stmt *b,
				  const struct stap_loc *loc)
{
	struct stap_stmt *s = stap_alloc(el->p, sizeof(*s));
	s->kind = S_BLOCK;
	s->loc = *loc;
	s->stmts = stap_alloc(el->p, 2 * sizeof(*s->stmts));
	if (a)
		s->stmts[s->nstmts++] = a;
	if (b)
		s->stmts[s->nstmts++] = b;
	return s;
}

/* Expand alias a (used as sp; from > 0: with sp's components from `from`
 * on as a suffix). */
static int resolve_alias(struct elab *el, const struct stap_alias *a, struct ptlist *out, int depth,
			 struct stap_stmt **pre, struct stap_stmt **post,
			 const struct stap_pp_spec *sp, size_t from)
{
	int found = 0;
	for (size_t k = 0; k < a->nspecs; k++) {
		struct stap_stmt *ipre = NULL, *ipost = NULL;
		int inner = 0;
		size_t before = out->n;
		const struct stap_pp_spec *spec =
		    from ? spec_with_suffix(el->p, a->specs[k], sp, from) : a->specs[k];
		if (resolve_spec(el, spec, out, depth + 1, &ipre, &ipost, &inner) < 0)
			return -1;
		found |= out->n > before;
		if (ipre || ipost) {
			*pre = block_of(el, *pre, ipre, &a->loc);
			*post = block_of(el, ipost, *post, &a->loc);
		}
		if (a->specs[k]->sufficient && out->n > before)
			break;
	}
	struct stap_stmt *body = elab_copy_stmt(el->p, a->body);
	if (a->epilogue)
		*post = *post ? block_of(el, body, *post, &a->loc) : body;
	else
		*pre = *pre ? block_of(el, *pre, body, &a->loc) : body;
	return found;
}

static int resolve_spec(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out,
			int depth, struct stap_stmt **pre, struct stap_stmt **post, int *aliased)
{
	if (depth > ALIAS_MAX_DEPTH)
		return spec_fail(el, sp, "probe alias recursion too deep");
	for (int pass = 0; pass < 2; pass++) /* exact names, then suffixes */
		for (size_t i = 0; i < el->p->naliases; i++) {
			const struct stap_alias *a = el->p->aliases[i];
			for (size_t n = 0; n < a->nnames; n++) {
				size_t from = pass ? alias_prefix(a->names[n], sp) : 0;
				if (pass ? !from : !alias_name_matches(a->names[n], sp))
					continue;
				*aliased = 1;
				int r = resolve_alias(el, a, out, depth, pre, post, sp, from);
				if (r < 0)
					return -1;
				if (r == 0 && !sp->optional)
					return spec_fail(el, sp,
							 "probe alias expands to no probe point");
				return 0;
			}
		}
	return points_builtin(el, sp, out);
}

static void probes_push(struct elab *el, struct stap_probe ***v, size_t *n, size_t *cap,
			struct stap_probe *pr)
{
	*v = stap_grow(el->p, *v, *n, cap, sizeof(**v), 8);
	pr->index = (int)*n;
	(*v)[(*n)++] = pr;
}

static struct stap_probe *derive(struct elab *el, const struct stap_probe *src, struct ptlist *pts,
				 struct stap_stmt *pre, struct stap_stmt *post,
				 struct stap_expr *cond, int copy)
{
	struct stap_probe *pr = stap_alloc(el->p, sizeof(*pr));
	pr->loc = src->loc;
	pr->specs = src->specs;
	pr->nspecs = src->nspecs;
	pr->points = pts->v;
	pr->npoints = pts->n;
	struct stap_stmt *body = copy ? elab_copy_stmt(el->p, src->body) : src->body;
	pr->body =
	    pre || post ? block_of(el, pre, block_of(el, body, post, &src->loc), &src->loc) : body;
	pr->cond = cond ? elab_copy_expr(el->p, cond) : NULL;
	return pr;
}

int elab_points(struct elab *el)
{
	struct stap_program *p = el->p;
	struct stap_probe **v = NULL;
	size_t n = 0, cap = 0;
	int errors = el->d.nerrors;

	for (size_t i = 0; i < p->nprobes; i++) {
		const struct stap_probe *src = p->probes[i];
		struct ptlist direct = {0};
		int uses = 0;
		for (size_t k = 0; k < src->nspecs; k++) {
			const struct stap_pp_spec *sp = src->specs[k];
			size_t found = 0;
			int aliased = 0;
			/* Every alias of that name (probe a = ...; probe a += ...);
			 * failing those, every alias the name extends (a.return). */
			for (int pass = 0; pass < 2 && !aliased; pass++)
				for (size_t ai = 0; ai < p->naliases; ai++) {
					const struct stap_alias *a = p->aliases[ai];
					for (size_t an = 0; an < a->nnames; an++) {
						size_t from =
						    pass ? alias_prefix(a->names[an], sp) : 0;
						if (pass ? !from
							 : !alias_name_matches(a->names[an], sp))
							continue;
						struct ptlist pts = {0};
						struct stap_stmt *pre = NULL, *post = NULL;
						aliased = 1;
						if (resolve_alias(el, a, &pts, 0, &pre, &post, sp,
								  from) > 0) {
							probes_push(el, &v, &n, &cap,
								    derive(el, src, &pts, pre, post,
									   sp->cond, 1));
							uses++;
							found += pts.n;
						}
						break;
					}
				}
			if (aliased) {
				if (!found && !sp->optional && el->d.nerrors == errors)
					spec_fail(el, sp, "probe alias expands to no probe point");
			} else {
				struct ptlist pts = {0};
				if (points_builtin(el, sp, &pts) < 0 || pts.n == 0)
					continue;
				found = pts.n;
				if (sp->cond) {
					probes_push(el, &v, &n, &cap,
						    derive(el, src, &pts, NULL, NULL, sp->cond, 1));
					uses++;
				} else {
					for (size_t j = 0; j < pts.n; j++)
						*pt_new(el, &direct, pts.v[j].kind) = pts.v[j];
				}
			}
			if (sp->sufficient && found)
				break;
		}
		if (direct.n) {
			probes_push(el, &v, &n, &cap,
				    derive(el, src, &direct, NULL, NULL, NULL, uses > 0));
			uses++;
		}
		if (!uses && el->d.nerrors == errors && !el->listing)
			diag_warn(&el->d, &src->loc,
				  "probe %s matches nothing (optional); it is dropped",
				  src->specs[0]->text);
	}
	p->probes = v;
	p->nprobes = n;
	return el->d.nerrors > errors ? -1 : 0;
}
