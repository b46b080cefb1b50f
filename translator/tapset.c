/* Pass 1, last step: the library files the script needs, transitively
 * (translator/tapset.h says how and where). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

const char *tapset_default_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("SYSTEMTAP_TAPSET");

	if (env && *env)
		return env;
	if (dir[0])
		return dir;
	if (key_data_dir("tapset", dir, sizeof(dir)) == 0 && dir_exists(dir))
		return dir;
	if (tapset_beside_exe(dir, sizeof(dir)) == 0)
		return dir;
	return key_data_dir("tapset", dir, sizeof(dir)) == 0 ? dir : DATADIR "/tapset";
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
	const char *lib = tapset_default_dir();
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
	if (r->s->verbose > 2 && r->errors)
		fprintf(r->errors, "stap: tapset index: %zu files, %zu functions, %zu aliases\n",
			r->ix.nfiles, r->ix.nfuncs, r->ix.naliases);
	return r->indexed = 1;
}

static void want_file(struct resolver *r, size_t file)
{
	if (!r->state[file])
		r->state[file] = 1;
}

static void need_func(struct resolver *r, const char *name)
{
	if (name[0] == '@' || stap_builtin_lookup(name) != BI_NONE)
		return;
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

/* Parse the wanted files; 1 if any was parsed, 0 if none, -1 on errors. */
static int parse_wanted(struct resolver *r)
{
	int any = 0;
	for (size_t i = 0; i < r->ix.nfiles; i++) {
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
	size_t dp = 0, da = 0, df = 0;

	for (;;) {
		size_t np = p->nprobes, na = p->naliases, nf = p->nfuncs;
		for (; dp < np; dp++) {
			need_specs(&r, p->probes[dp]->specs, p->probes[dp]->nspecs);
			need_stmt(&r, p->probes[dp]->body);
		}
		for (; da < na; da++) {
			need_specs(&r, p->aliases[da]->specs, p->aliases[da]->nspecs);
			need_stmt(&r, p->aliases[da]->body);
		}
		for (; df < nf; df++)
			need_stmt(&r, p->funcs[df]->body);
		if (r.failed || !r.indexed || parse_wanted(&r) <= 0)
			break;
	}
	free(r.state);
	tapset_index_free(&r.ix);
	return r.failed ? -1 : (int)p->nsources;
}
