/* Pass 3 on hand-built elaborated programs: the C has the module's shape
 * (parameters, .modinfo, locks, registration tables), pass-3 errors are
 * reported, and, when a Debian kernel's headers are installed, the C builds
 * with kbuild and -Werror (the real runtime and transport included). */
#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "translator/ast.h"
#include "translator/passes.h"
#include "translator/session.h"

static struct stap_program *prog;
static const struct stap_loc L = {"t.stp", 1, 1};

static struct stap_expr *ex(enum stap_expr_kind k, enum stap_type t)
{
	struct stap_expr *x = stap_alloc(prog, sizeof(*x));

	x->kind = k;
	x->type = t;
	x->loc = L;
	return x;
}

static struct stap_expr *num(int64_t n)
{
	struct stap_expr *x = ex(E_NUM, STAP_T_LONG);

	x->num = n;
	return x;
}

static struct stap_expr *str(const char *s)
{
	struct stap_expr *x = ex(E_STR, STAP_T_STRING);

	x->str = stap_strdup(prog, s);
	x->str_len = strlen(s);
	return x;
}

static struct stap_expr *var(struct stap_var *v)
{
	struct stap_expr *x = ex(E_VAR, v->type);

	x->var = v;
	x->str = v->name;
	return x;
}

static struct stap_expr *bin(enum stap_expr_kind k, enum stap_op op, struct stap_expr *a,
			     struct stap_expr *b)
{
	struct stap_expr *x = ex(k, k == E_BINARY && op == OP_CONCAT ? STAP_T_STRING : STAP_T_LONG);

	x->op = op;
	x->a = a;
	x->b = b;
	return x;
}

static struct stap_expr *call(enum stap_builtin b, enum stap_type t, size_t n, ...)
{
	struct stap_expr *x = ex(E_BUILTIN, t);
	va_list ap;
	size_t i;

	x->builtin = b;
	x->str = stap_strdup(prog, stap_builtin_name(b));
	x->args = stap_alloc(prog, (n + 1) * sizeof(*x->args));
	x->nargs = n;
	va_start(ap, n);
	for (i = 0; i < n; i++)
		x->args[i] = va_arg(ap, struct stap_expr *);
	va_end(ap);
	return x;
}

static struct stap_expr *index1(struct stap_var *v, struct stap_expr *k)
{
	struct stap_expr *x = ex(E_INDEX, v->type);

	x->var = v;
	x->str = v->name;
	x->args = stap_alloc(prog, sizeof(*x->args));
	x->args[0] = k;
	x->nargs = 1;
	return x;
}

static struct stap_stmt *st(enum stap_stmt_kind k, struct stap_expr *e)
{
	struct stap_stmt *s = stap_alloc(prog, sizeof(*s));

	s->kind = k;
	s->loc = L;
	s->expr = e;
	return s;
}

static struct stap_stmt *block(size_t n, ...)
{
	struct stap_stmt *b = st(S_BLOCK, NULL);
	va_list ap;
	size_t i;

	b->stmts = stap_alloc(prog, (n + 1) * sizeof(*b->stmts));
	b->nstmts = n;
	va_start(ap, n);
	for (i = 0; i < n; i++)
		b->stmts[i] = va_arg(ap, struct stap_stmt *);
	va_end(ap);
	return b;
}

static struct stap_var *mkvar(const char *name, enum stap_var_scope sc, enum stap_type t, int index)
{
	struct stap_var *v = stap_alloc(prog, sizeof(*v));

	v->name = stap_strdup(prog, name);
	v->scope = sc;
	v->type = t;
	v->index = index;
	v->loc = L;
	return v;
}

static struct stap_probe *mkprobe(int index, enum stap_pp_kind kind, const char *pp,
				  struct stap_stmt *body)
{
	struct stap_probe *p = stap_alloc(prog, sizeof(*p));

	p->loc = L;
	p->index = index;
	p->body = body;
	p->points = stap_alloc(prog, sizeof(*p->points));
	p->npoints = 1;
	p->points[0].kind = kind;
	p->points[0].pp = stap_strdup(prog, pp);
	return p;
}

/* global count = 5, name = "x", hits[], lat (stats, @hist_log);
 * probe begin { printf("%d %s %5x %p %%\n", count, name, 255, 4096);
 *               lat <<< 10 / count;
 *               try { count = 1 / 0 } catch (m) { name = m . "!" } exit() }
 * probe kernel.function("vfs_read") { hits[execname()]++ }
 * probe timer.ms(100) { print(@hist_log(lat)) } */
static void build_program(void)
{
	struct stap_var *count, *name, *hits, *lat, *m;
	struct stap_expr *e;
	struct stap_stmt *t;
	struct stap_probe *pb, *pk, *pt;

	prog = calloc(1, sizeof(*prog));
	prog->file = "t.stp";
	count = mkvar("count", STAP_VAR_GLOBAL, STAP_T_LONG, 0);
	count->init = num(5);
	name = mkvar("name", STAP_VAR_GLOBAL, STAP_T_STRING, 1);
	name->init = str("x");
	hits = mkvar("hits", STAP_VAR_GLOBAL, STAP_T_LONG, 2);
	hits->arity = 1;
	hits->key_types[0] = STAP_T_STRING;
	lat = mkvar("lat", STAP_VAR_GLOBAL, STAP_T_STATS, 3);
	lat->stat_ops = STAP_STAT_HIST_LOG | STAP_STAT_COUNT;
	prog->globals = stap_alloc(prog, 4 * sizeof(*prog->globals));
	prog->globals[0] = count;
	prog->globals[1] = name;
	prog->globals[2] = hits;
	prog->globals[3] = lat;
	prog->nglobals = 4;

	m = mkvar("m", STAP_VAR_LOCAL, STAP_T_STRING, 0);
	e = ex(E_STATS_ADD, STAP_T_LONG);
	e->a = var(lat);
	e->b = bin(E_BINARY, OP_DIV, num(10), var(count));
	t = st(S_TRY, NULL);
	t->body =
	    st(S_EXPR, bin(E_ASSIGN, OP_ASSIGN, var(count), bin(E_BINARY, OP_DIV, num(1), num(0))));
	t->catch_var = m;
	t->els = st(S_EXPR, bin(E_ASSIGN, OP_ASSIGN, var(name),
				bin(E_BINARY, OP_CONCAT, var(m), str("!"))));
	t->els->expr->type = STAP_T_STRING;
	pb = mkprobe(0, PP_BEGIN, "begin",
		     block(4,
			   st(S_EXPR, call(BI_PRINTF, STAP_T_VOID, 5, str("%d %s %5x %p %%\n"),
					   var(count), var(name), num(255), num(4096))),
			   st(S_EXPR, e), t, st(S_EXPR, call(BI_EXIT, STAP_T_VOID, 0))));
	pb->locals = stap_alloc(prog, sizeof(*pb->locals));
	pb->locals[0] = m;
	pb->nlocals = 1;

	e = ex(E_INCDEC, STAP_T_LONG);
	e->op = OP_POSTINC;
	e->a = index1(hits, call(BI_EXECNAME, STAP_T_STRING, 0));
	pk = mkprobe(1, PP_KPROBE, "kernel.function(\"vfs_read\")", st(S_EXPR, e));
	pk->points[0].symbol = stap_strdup(prog, "vfs_read");

	e = ex(E_HIST, STAP_T_LONG);
	e->op = OP_HIST_LOG;
	e->a = var(lat);
	pt = mkprobe(2, PP_TIMER, "timer.ms(100)", st(S_EXPR, call(BI_PRINT, STAP_T_VOID, 1, e)));
	pt->points[0].period_ns = 100000000;

	prog->probes = stap_alloc(prog, 3 * sizeof(*prog->probes));
	prog->probes[0] = pb;
	prog->probes[1] = pk;
	prog->probes[2] = pt;
	prog->nprobes = 3;
}

/* The module's C as a string (caller frees). */
static char *emit_text(struct stap_session *s, int *rc)
{
	char path[512], *text;
	FILE *f;
	long n;

	snprintf(path, sizeof path, "%s/emit.c", unit_tmpdir());
	f = fopen(path, "w+");
	if (!f)
		return NULL;
	*rc = emit_module(s, prog, "stap_unit", f);
	n = ftell(f);
	text = calloc(1, n > 0 ? n + 1 : 1);
	rewind(f);
	if (text && n > 0 && fread(text, 1, n, f) != (size_t)n)
		text[0] = '\0';
	fclose(f);
	return text;
}

TEST(emit_module_shape)
{
	struct stap_session s = {0};
	char *defs[] = {"MAXACTION=77"};
	int rc;
	char *c;

	build_program();
	s.defines = defs;
	s.ndefines = 1;
	c = emit_text(&s, &rc);
	CHECK(rc == 0);
	CHECK(c != NULL);
	CHECK(strstr(c, "#define MAXACTION 77\n") != NULL);
	CHECK(strstr(c, "#include \"transport.c\"") < strstr(c, "#include \"runtime.c\""));
	CHECK(strstr(c, "module_param_named(count, stp_g_count, long, 0);") != NULL);
	CHECK(strstr(c, "module_param_string(name, stp_g_name, MAXSTRINGLEN, 0);") != NULL);
	CHECK(strstr(c, "static long stp_g_count = 5LL;") != NULL);
	CHECK(strstr(c, "MODULE_INFO(stapauth_guru, \"0\");") != NULL);
	CHECK(strstr(c, "MODULE_INFO(stapauth_version, ") != NULL);
	CHECK(strstr(c, "\"%lld %s %5llx %#llx %%\\n\"") != NULL);
	CHECK(strstr(c, "operator '/' at t.stp:1:1") != NULL);
	CHECK(strstr(c, "stp_hist_print(c, &stp_h_lat, stp_s_lat)") != NULL);
	/* the begin probe writes count and name, reads lat: write locks */
	CHECK(strstr(c, "{ &stp_g_count_lock, true },") != NULL);
	CHECK(strstr(c, ".symbol = \"vfs_read\"") != NULL);
	free(c);
	stap_program_free(prog);
}

TEST(emit_guru_and_bad_define)
{
	struct stap_session s = {0};
	char *bad[] = {"1BAD=2"};
	int rc;
	char *c;

	build_program();
	prog->guru = 1;
	c = emit_text(&s, &rc);
	CHECK(rc == 0);
	CHECK(strstr(c, "MODULE_INFO(stapauth_guru, \"1\");") != NULL);
	free(c);
	s.defines = bad;
	s.ndefines = 1;
	c = emit_text(&s, &rc);
	CHECK(rc == -1);
	free(c);
	stap_program_free(prog);
}

TEST(emit_rejects_context_variables)
{
	struct stap_session s = {0};
	struct stap_expr *t;
	int rc;
	char *c;

	build_program();
	t = ex(E_TARGET, STAP_T_LONG);
	t->str = stap_strdup(prog, "$count");
	prog->probes[1]->body->expr = t;
	c = emit_text(&s, &rc);
	CHECK(rc == -1);
	free(c);
	stap_program_free(prog);
}

/* The installed Debian kernel headers (as the translator's default target). */
static int find_headers(char *rel, size_t size)
{
	DIR *d = opendir("/boot");
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		char path[512];
		struct stat sb;

		if (strncmp(de->d_name, "vmlinuz-", 8))
			continue;
		snprintf(path, sizeof path, "/usr/src/linux-headers-%s/Makefile", de->d_name + 8);
		if (stat(path, &sb) == 0) {
			snprintf(rel, size, "%s", de->d_name + 8);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

TEST(emit_builds_with_kbuild)
{
	struct stap_session s = {0};
	char rel[256], kdir[512], cpath[512], ko[512];
	struct stat sb;
	FILE *f;
	int rc;

	if (!find_headers(rel, sizeof rel))
		SKIP("no /boot/vmlinuz-REL with /usr/src/linux-headers-REL");
	if (access("/usr/bin/make", X_OK) != 0)
		SKIP("make is not installed");
	snprintf(kdir, sizeof kdir, "/usr/src/linux-headers-%s", rel);
	s.kernel.release = rel;
	s.kernel.build_dir = kdir;
	CHECK(session_find_runtime(&s) == 0);
	build_program();
	snprintf(cpath, sizeof cpath, "%s/m.c", unit_tmpdir());
	snprintf(ko, sizeof ko, "%s/m.ko", unit_tmpdir());
	f = fopen(cpath, "w");
	CHECK(f != NULL);
	rc = emit_module(&s, prog, "stap_unit", f);
	fclose(f);
	CHECK(rc == 0);
	rc = kbuild_module(&s, cpath, "stap_unit", ko);
	CHECK(rc == 0);
	CHECK(stat(ko, &sb) == 0 && sb.st_size > 10000);
	stap_program_free(prog);
}
