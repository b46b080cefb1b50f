/* Pass 1, last step: the library files the script needs, transitively
 * (translator/tapset.h says how and where). */
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/array.h"
#include "translator/front.h"
#include "translator/front_int.h"
#include "translator/key.h"
#include "translator/tapset.h"

/* Probe families the translator resolves itself: a script using only these
 * and builtins never reads the library. */
static const char *const core_families[] = {
    "begin", "end", "error", "timer", "kernel", "kprobe", "module", "process", "never", NULL,
};

struct resolver {
	const struct stap_session *s;
	struct stap_program *p;
	FILE *errors;
	struct tapset_index ix;
	int indexed;	      /* 0 not yet, 1 done, -1 failed */
	unsigned char *state; /* per index file: 0 unused, 1 wanted, 2 parsed */
	int failed;
	/* What the walked code needs: probe point specs and function names. */
	const struct stap_pp_spec **specs;
	size_t nspecs, specs_cap;
	const char **names;
	size_t nnames, names_cap;
	/* Aliases and functions of p already walked (by index in p). */
	unsigned char *alias_done, *func_done;
	size_t nalias_done, alias_cap, nfunc_done, func_cap;
	int changed;
};

static int dir_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* PREFIX/bin/stap next to PREFIX/share/stapauth/tapset: an installed tree
 * that was moved still finds its library. */
static int tapset_beside_exe(char *out, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return -1;
	exe[len] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return snprintf(out, n, "%s/../share/stapauth/tapset", exe) < (int)n && dir_exists(out)
		   ? 0
		   : -1;
}

/* runtime/ and tapset/ sit side by side: in the source tree a build-tree
 * stap uses, and under DATADIR once installed. */
static int tapset_beside_runtime(const char *runtime_dir, char *out, size_t n)
{
	const char *slash = runtime_dir ? strrchr(runtime_dir, '/') : NULL;
	if (!slash)
		return -1;
	int len = snprintf(out, n, "%.*s/tapset", (int)(slash - runtime_dir), runtime_dir);
	return len > 0 && (size_t)len < n && dir_exists(out) ? 0 : -1;
}

const char *tapset_default_dir(const char *runtime_dir)
{
	static char dir[PATH_MAX];
	const char *env = getenv("SYSTEMTAP_TAPSET");

	if (env && *env)
		return env;
	if (dir[0])
		return dir;
	if (tapset_beside_runtime(runtime_dir, dir, sizeof(dir)) == 0 ||
	    tapset_beside_exe(dir, sizeof(dir)) == 0)
		return dir;
	snprintf(dir, sizeof(dir), "%s/tapset", DATADIR);
	return dir;
}

static void resolver_error(struct resolver *r, const char *fmt, const char *a, const char *b)
{
	if (r->errors)
		fprintf(r->errors, fmt, a, b);
	r->failed = 1;
}

/* -I folders first, then the library; a missing -I folder is an error, a
 * missing library only when something is looked up in it (never here). */
static int resolver_index(struct resolver *r)
{
	char why[512];
	if (r->indexed)
		return r->indexed;
	r->indexed = -1;
	for (size_t i = 0; i < r->s->ntapset_dirs; i++) {
		const char *d = r->s->tapset_dirs[i];
		if (tapset_index_add_dir(&r->ix, d, d, why, sizeof(why)) < 0) {
			resolver_error(r, "stap: -I %s: %s\n", d, why);
			return -1;
		}
	}
	const char *lib = tapset_default_dir(r->s->runtime_dir);
	if (dir_exists(lib) && tapset_index_add_dir(&r->ix, lib, "tapset", why, sizeof(why)) < 0) {
		resolver_error(r, "stap: tapset library %s: %s\n", lib, why);
		return -1;
	}
	tapset_index_sort(&r->ix);
	r->state = calloc(r->ix.nfiles ? r->ix.nfiles : 1, 1);
	if (!r->state) {
		resolver_error(r, "stap: %s%s: out of memory\n", "tapset", "");
		return -1;
	}
	return r->indexed = 1;
}

int tapset_macro_files(const struct stap_session *s, struct tapset_index *ix, FILE *errors)
{
	char why[512];
	for (size_t i = 0; i < s->ntapset_dirs; i++) {
		const char *d = s->tapset_dirs[i];
		if (tapset_index_add_macro_dir(ix, d, d, why, sizeof(why)) < 0) {
			if (errors)
				fprintf(errors, "stap: -I %s: %s\n", d, why);
			return -1;
		}
	}
	const char *lib = tapset_default_dir(s->runtime_dir);
	if (dir_exists(lib) &&
	    tapset_index_add_macro_dir(ix, lib, "tapset", why, sizeof(why)) < 0) {
		if (errors)
			fprintf(errors, "stap: tapset library %s: %s\n", lib, why);
		return -1;
	}
	return 0;
}

static void want_file(struct resolver *r, size_t file)
{
	if (!r->state[file])
		r->state[file] = 1;
}

static void *grow_or_fail(struct resolver *r, void *arrp, size_t *cap, size_t n, size_t size)
{
	if (array_grow(arrp, cap, n, size, 32) < 0) {
		resolver_error(r, "stap: %s%s: out of memory\n", "tapset", "");
		return NULL;
	}
	return arrp;
}

static void need_func(struct resolver *r, const char *name)
{
	if (name[0] == '@' || stap_builtin_lookup(name) != BI_NONE)
		return;
	for (size_t i = 0; i < r->nnames; i++)
		if (strcmp(r->names[i], name) == 0)
			return;
	if (!grow_or_fail(r, &r->names, &r->names_cap, r->nnames, sizeof(*r->names)))
		return;
	r->names[r->nnames++] = name;
	r->changed = 1;
	for (size_t i = 0; i < r->p->nfuncs; i++)
		if (strcmp(r->p->funcs[i]->name, name) == 0)
			return;
	if (resolver_index(r) < 0)
		return;
	long f = tapset_index_func(&r->ix, name);
	if (f >= 0)
		want_file(r, (size_t)f);
}

static void need_spec(struct resolver *r, const struct stap_pp_spec *sp)
{
	if (!grow_or_fail(r, &r->specs, &r->specs_cap, r->nspecs, sizeof(*r->specs)))
		return;
	r->specs[r->nspecs++] = sp;
	r->changed = 1;
	for (int i = 0; core_families[i]; i++)
		if (strcmp(sp->comps[0].name, core_families[i]) == 0)
			return;
	if (resolver_index(r) < 0)
		return;
	for (size_t i = 0; i < r->ix.naliases; i++)
		if (tapset_alias_matches(r->ix.aliases[i].name, sp))
			want_file(r, r->ix.aliases[i].file);
}

/* Every call in e: the generic fields, so new expression kinds are walked
 * without a change here. */
static void need_expr(struct resolver *r, const struct stap_expr *e)
{
	if (!e)
		return;
	if (e->kind == E_CALL && e->str)
		need_func(r, e->str);
	need_expr(r, e->a);
	need_expr(r, e->b);
	need_expr(r, e->c);
	for (size_t i = 0; i < e->nargs; i++)
		need_expr(r, e->args[i]);
}

static void need_stmt(struct resolver *r, const struct stap_stmt *s)
{
	if (!s)
		return;
	need_expr(r, s->expr);
	need_expr(r, s->init);
	need_expr(r, s->step);
	need_expr(r, s->array);
	need_expr(r, s->limit);
	for (size_t i = 0; i < s->nstmts; i++)
		need_stmt(r, s->stmts[i]);
	need_stmt(r, s->body);
	need_stmt(r, s->els);
}

static void need_specs(struct resolver *r, struct stap_pp_spec **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		need_spec(r, v[i]);
		need_expr(r, v[i]->cond);
	}
}

/* Code of the script itself is walked whole; library code only when it is
 * reached (-u keeps every function, so it walks everything). */
static int in_script(const struct resolver *r, const struct stap_loc *loc)
{
	return r->s->unoptimized || !loc->file || strcmp(loc->file, r->p->file) == 0;
}

int tapset_alias_name_fits(const struct stap_pp_spec *name, const struct stap_pp_spec *sp)
{
	if (name->ncomps != sp->ncomps)
		return 0;
	for (size_t i = 0; i < sp->ncomps; i++)
		if (fnmatch(sp->comps[i].name, name->comps[i].name, 0) != 0 ||
		    name->comps[i].has_arg != sp->comps[i].has_arg)
			return 0;
	return 1;
}

static int alias_needed(const struct resolver *r, const struct stap_alias *a)
{
	if (in_script(r, &a->loc))
		return 1;
	for (size_t k = 0; k < a->nnames; k++)
		for (size_t i = 0; i < r->nspecs; i++)
			if (tapset_alias_name_fits(a->names[k], r->specs[i]))
				return 1;
	return 0;
}

static int func_needed(const struct resolver *r, const struct stap_func *f)
{
	if (in_script(r, &f->loc))
		return 1;
	for (size_t i = 0; i < r->nnames; i++)
		if (strcmp(r->names[i], f->name) == 0)
			return 1;
	return 0;
}

/* Alias suffixes (elab_points.c): a needed point that extends the name of
 * alias a (a.return for "probe a = b.c") needs a's points with the rest
 * appended (b.c.return).  Each such point is needed once. */
static void need_suffixed(struct resolver *r, const struct stap_alias *a)
{
	for (size_t k = 0; k < a->nnames; k++)
		for (size_t i = 0, n = r->nspecs; i < n; i++) {
			const struct stap_pp_spec *sp = r->specs[i];
			struct stap_pp_spec head = *sp;
			if (a->names[k]->ncomps >= sp->ncomps)
				continue;
			head.ncomps = a->names[k]->ncomps;
			if (!tapset_alias_name_fits(a->names[k], &head))
				continue;
			for (size_t j = 0; j < a->nspecs; j++) {
				struct stap_pp_spec *x =
				    spec_with_suffix(r->p, a->specs[j], sp, head.ncomps);
				int seen = 0;
				for (size_t m = 0; m < r->nspecs && !seen; m++)
					seen = strcmp(r->specs[m]->text, x->text) == 0;
				if (!seen)
					need_spec(r, x);
			}
		}
}

/* One round: the probes from *dp on, then every alias and function not
 * walked yet that is needed now. */
static void walk_round(struct resolver *r, size_t *dp)
{
	struct stap_program *p = r->p;
	for (; *dp < p->nprobes; (*dp)++) {
		need_specs(r, p->probes[*dp]->specs, p->probes[*dp]->nspecs);
		need_stmt(r, p->probes[*dp]->body);
	}
	if (!grow_or_fail(r, &r->alias_done, &r->alias_cap, p->naliases, 1) ||
	    !grow_or_fail(r, &r->func_done, &r->func_cap, p->nfuncs, 1))
		return;
	memset(r->alias_done + r->nalias_done, 0, p->naliases - r->nalias_done);
	memset(r->func_done + r->nfunc_done, 0, p->nfuncs - r->nfunc_done);
	r->nalias_done = p->naliases;
	r->nfunc_done = p->nfuncs;
	for (size_t i = 0; i < p->naliases; i++)
		need_suffixed(r, p->aliases[i]);
	for (size_t i = 0; i < p->naliases; i++)
		if (!r->alias_done[i] && alias_needed(r, p->aliases[i])) {
			r->alias_done[i] = 1;
			r->changed = 1;
			need_specs(r, p->aliases[i]->specs, p->aliases[i]->nspecs);
			need_stmt(r, p->aliases[i]->body);
		}
	for (size_t i = 0; i < p->nfuncs; i++)
		if (!r->func_done[i] && func_needed(r, p->funcs[i])) {
			r->func_done[i] = 1;
			r->changed = 1;
			need_stmt(r, p->funcs[i]->body);
		}
}

/* Parse the wanted files; 1 if any was parsed, 0 if none, -1 on errors. */
static int parse_wanted(struct resolver *r)
{
	int any = 0;
	for (size_t i = 0; r->indexed > 0 && i < r->ix.nfiles; i++) {
		if (r->state[i] != 1)
			continue;
		r->state[i] = 2;
		const struct tapset_file *f = &r->ix.files[i];
		if (front_parse_library(r->p, f->display, f->text, f->len, r->s, r->errors) < 0)
			r->failed = 1;
		any = 1;
	}
	return r->failed ? -1 : any;
}

int tapset_resolve(const struct stap_session *s, struct stap_program *p, FILE *errors)
{
	struct resolver r = {.s = s, .p = p, .errors = errors};
	size_t dp = 0;

	/* A mistyped -I is an error even when nothing is looked up. */
	for (size_t i = 0; i < s->ntapset_dirs; i++)
		if (!dir_exists(s->tapset_dirs[i]))
			resolver_error(&r, "stap: -I %s: %s\n", s->tapset_dirs[i],
				       "no such folder");

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!r.failed) {
		r.changed = 0;
		walk_round(&r, &dp);
		if (!r.failed && parse_wanted(&r) > 0)
			r.changed = 1;
		if (!r.changed)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (s->verbose > 1 && errors && r.indexed > 0)
		fprintf(errors,
			"stap: tapset library: %zu files indexed (%zu functions, %zu aliases), "
			"%zu parsed, in %.2f ms\n",
			r.ix.nfiles, r.ix.nfuncs, r.ix.naliases, p->nsources,
			(double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	free(r.state);
	free(r.specs);
	free(r.names);
	free(r.alias_done);
	free(r.func_done);
	tapset_index_free(&r.ix);
	return r.failed ? -1 : (int)p->nsources;
}
