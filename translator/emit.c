/* Pass 3: the C source of one kernel module for an elaborated program.
 *
 * Layout of the generated file:
 *   -D limits, the transport, runtime/runtime.c, .modinfo entries,
 *   globals (scalars are module parameters; arrays are stp_map; statistics
 *   have a struct stp_stat), one rwlock per global,
 *   functions and probe bodies (locals in a per-CPU frame, see
 *   runtime/stp_context.c), probe descriptors with the locks each handler
 *   takes, registration tables, stp_module_start/stop/end. */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "translator/emit.h"
#include "translator/passes.h"

#ifndef STAPAUTH_VERSION
#define STAPAUTH_VERSION "0"
#endif

void emit_error(struct emit *e, const struct stap_loc *loc, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d:%d: error: ", loc && loc->file ? loc->file : "?",
		loc ? loc->line : 0, loc ? loc->col : 0);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	e->errors++;
}

/* ---- which globals each probe touches (for its locks) ---- */

struct uses {
	unsigned char *g;     /* per global: 1 read, 2 written */
	unsigned char *fseen; /* per function index in p->funcs */
	const struct stap_program *p;
};

static void uses_stmt(struct uses *u, const struct stap_stmt *st);

static void uses_mark(struct uses *u, const struct stap_var *v, int w)
{
	if (v && v->scope == STAP_VAR_GLOBAL && v->index >= 0 && (size_t)v->index < u->p->nglobals)
		u->g[v->index] |= w ? 3 : 1;
}

static void uses_func(struct uses *u, const struct stap_func *f)
{
	size_t i;

	for (i = 0; i < u->p->nfuncs; i++) {
		if (u->p->funcs[i] != f)
			continue;
		if (u->fseen[i])
			return;
		u->fseen[i] = 1;
		uses_stmt(u, f->body);
		return;
	}
}

static void uses_expr(struct uses *u, const struct stap_expr *x)
{
	size_t i;

	if (!x)
		return;
	switch (x->kind) {
	case E_VAR:
	case E_INDEX:
	case E_IN:
		uses_mark(u, x->var, 0);
		break;
	case E_ASSIGN:
	case E_INCDEC:
	case E_STATS_ADD:
		if (x->a)
			uses_mark(u, x->a->var, 1);
		break;
	case E_CALL:
		uses_func(u, x->func);
		break;
	default:
		break;
	}
	uses_expr(u, x->a);
	uses_expr(u, x->b);
	uses_expr(u, x->c);
	for (i = 0; i < x->nargs; i++)
		uses_expr(u, x->args[i]);
}

static void uses_stmt(struct uses *u, const struct stap_stmt *st)
{
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->nstmts; i++)
		uses_stmt(u, st->stmts[i]);
	uses_expr(u, st->expr);
	uses_expr(u, st->init);
	uses_expr(u, st->step);
	uses_expr(u, st->array);
	uses_expr(u, st->limit);
	uses_stmt(u, st->body);
	uses_stmt(u, st->els);
	if (st->kind == S_DELETE && st->expr)
		uses_mark(u, st->expr->var, 1);
}

/* ---- globals ---- */

static int is_stats(const struct stap_var *v)
{
	return v->type == STAP_T_STATS;
}

static void emit_hist_init_args(FILE *o, const struct stap_var *v)
{
	if (v->stat_ops & STAP_STAT_HIST_LINEAR)
		fprintf(o, "STP_HIST_LINEAR, %lldLL, %lldLL, %lldLL", (long long)v->hist_lo,
			(long long)v->hist_hi, (long long)v->hist_step);
	else if (v->stat_ops & STAP_STAT_HIST_LOG)
		fputs("STP_HIST_LOG, 0, 0, 0", o);
	else
		fputs("STP_HIST_NONE, 0, 0, 0", o);
}

/* The module parameter of global name (fmt takes the name twice).  The
 * parameter macros expand their name argument, so a global named as a
 * kernel macro (ATTR_MODE, from linux/fs.h) is shielded from it. */
static void emit_param(FILE *o, const char *name, const char *fmt)
{
	fprintf(o, "#pragma push_macro(\"%s\")\n#undef %s\n", name, name);
	fprintf(o, fmt, name, name);
	fprintf(o, "#pragma pop_macro(\"%s\")\n", name);
}

static void emit_global_decl(struct emit *e, FILE *o, const struct stap_var *v)
{
	fprintf(o, "static STP_DEFINE_RWLOCK(stp_g_%s_lock);\n", v->name);
	if (v->arity) {
		fprintf(o, "static struct stp_map stp_m_%s;\n", v->name);
		return;
	}
	if (is_stats(v)) {
		fprintf(o, "static struct stp_hist stp_h_%s;\nstatic struct stp_stat *stp_s_%s;\n",
			v->name, v->name);
		return;
	}
	if (v->type == STAP_T_STRING) {
		fprintf(o, "static char stp_g_%s[MAXSTRINGLEN]", v->name);
		if (v->init && v->init->kind == E_STR) {
			fputs(" = ", o);
			emit_c_string(o, v->init->str, v->init->str_len);
		}
		fputs(";\n", o);
		emit_param(o, v->name, "module_param_string(%s, stp_g_%s, MAXSTRINGLEN, 0);\n");
		return;
	}
	/* long is int64_t on every 64-bit kernel; module_param wants long */
	fprintf(o, "static long stp_g_%s", v->name);
	if (v->init && v->init->kind == E_NUM)
		fprintf(o, " = %lldLL", (long long)v->init->num);
	fputs(";\n", o);
	emit_param(o, v->name, "module_param_named(%s, stp_g_%s, long, 0);\n");
	(void)e;
}

static void emit_globals_init(struct emit *e, FILE *o)
{
	size_t i;

	fputs("static void stp_globals_free(void)\n{\n", o);
	for (i = 0; i < e->p->nglobals; i++) {
		const struct stap_var *v = e->p->globals[i];

		if (v->arity)
			fprintf(o, "\tstp_map_free(&stp_m_%s);\n", v->name);
		else if (is_stats(v))
			fprintf(o, "\tkfree(stp_s_%s);\n\tstp_s_%s = NULL;\n", v->name, v->name);
	}
	fputs("}\n\nstatic int stp_globals_init(void)\n{\n\tint rc = 0;\n\n", o);
	for (i = 0; i < e->p->nglobals; i++) {
		const struct stap_var *v = e->p->globals[i];
		const char *hist = v->arity ? "&stp_m_%s.hist" : "&stp_h_%s";

		if (!v->arity && !is_stats(v))
			continue;
		if (is_stats(v)) {
			fputs("\trc = stp_hist_init(", o);
			fprintf(o, hist, v->name);
			fputs(", ", o);
			emit_hist_init_args(o, v);
			fputs(");\n\tif (rc)\n\t\tgoto fail;\n", o);
			if (v->stat_ops & STAP_STAT_VARIANCE) {
				fputs("\t(", o);
				fprintf(o, hist, v->name);
				fprintf(o, ")->variance_shift = %d;\n", v->variance_shift);
			}
		}
		if (v->arity) {
			char keys[STAP_MAX_ARITY + 1];
			int k;

			for (k = 0; k < v->arity && k < STAP_MAX_ARITY; k++)
				keys[k] = v->key_types[k] == STAP_T_STRING ? 's' : 'l';
			keys[k] = '\0';
			fprintf(o, "\trc = stp_map_init(&stp_m_%s, \"%s\", \"%s\", %s, %ld);\n",
				v->name, v->name, keys,
				is_stats(v)		   ? "STP_V_STAT"
				: v->type == STAP_T_STRING ? "STP_V_STRING"
							   : "STP_V_LONG",
				v->maxsize > 0 ? v->maxsize : 0L);
		} else {
			fprintf(o, "\tstp_s_%s = kzalloc(stp_stat_size(&stp_h_%s), GFP_KERNEL);\n",
				v->name, v->name);
			fprintf(o, "\trc = stp_s_%s ? 0 : -ENOMEM;\n", v->name);
		}
		fputs("\tif (rc)\n\t\tgoto fail;\n", o);
	}
	fputs("\treturn 0;\nfail:\n\tstp_globals_free();\n\treturn rc;\n}\n\n", o);
}

/* ---- functions and probe bodies ---- */

static void emit_locals_struct(FILE *o, const char *name, struct stap_var *const *locals, size_t n,
			       int ntemps)
{
	size_t i;
	int t;

	fprintf(o, "struct %s {\n", name);
	for (i = 0; i < n; i++) {
		const struct stap_var *v = locals[i];

		if (v->type == STAP_T_STRING)
			fprintf(o, "\tchar v%d[MAXSTRINGLEN]; /* %s */\n", v->index, v->name);
		else
			fprintf(o, "\tint64_t v%d; /* %s */\n", v->index, v->name);
	}
	for (t = 0; t < ntemps; t++)
		fprintf(o, "\tchar t%d[MAXSTRINGLEN];\n", t);
	fputs("\tchar stp_unused_; /* never empty */\n};\n", o);
}

static void emit_locals_zero(FILE *o, struct stap_var *const *locals, size_t n, size_t from)
{
	size_t i;

	for (i = from; i < n; i++) {
		if (locals[i]->type == STAP_T_STRING)
			fprintf(o, "\tl->v%d[0] = '\\0';\n", locals[i]->index);
		else
			fprintf(o, "\tl->v%d = 0;\n", locals[i]->index);
	}
}

/* The body into a memory buffer first: its temporaries size the frame. */
static char *emit_body(struct emit *e, const struct stap_stmt *body, const struct stap_expr *cond)
{
	char *text = NULL;
	size_t len = 0;
	FILE *saved = e->out;

	e->out = open_memstream(&text, &len);
	if (!e->out) {
		e->out = saved;
		return NULL;
	}
	e->ntemps = 0;
	e->cur_temp = 0;
	e->err_label = "stp_out";
	e->brk = e->cont = 0;
	if (cond) {
		fputs("\tif (!(", e->out);
		emit_top_expr(e, cond);
		fputs(")) goto stp_out;\n", e->out);
	}
	emit_stmt(e, body);
	fclose(e->out);
	e->out = saved;
	return text;
}

static void emit_func_proto(FILE *o, const struct stap_func *f)
{
	size_t i;
	char cn[STAP_FUNC_CNAME_MAX];
	const char *name = stap_func_cname(f, cn, sizeof(cn));

	if (f->ret == STAP_T_STRING)
		fprintf(o, "static const char *stp_fn_%s(struct stp_context *c, char *stp_ret",
			name);
	else if (f->ret == STAP_T_LONG)
		fprintf(o, "static int64_t stp_fn_%s(struct stp_context *c", name);
	else
		fprintf(o, "static void stp_fn_%s(struct stp_context *c", name);
	for (i = 0; i < f->nparams; i++)
		fprintf(o, ", %s a%zu",
			f->params[i]->type == STAP_T_STRING ? "const char *" : "int64_t", i);
	fputs(")", o);
}

static void emit_func_embedded(struct emit *e, FILE *o, const struct stap_func *f)
{
	size_t i;

	emit_func_proto(o, f);
	fputs("\n{\n", o);
	if (f->ret == STAP_T_LONG)
		fputs("\tint64_t stp_ret = 0;\n", o);
	else if (f->ret == STAP_T_STRING)
		fputs("\tstp_ret[0] = '\\0';\n", o);
	fputs("#define CONTEXT c\n#define STAP_RETVALUE stp_ret\n", o);
	for (i = 0; i < f->nparams; i++)
		fprintf(o, "#define STAP_ARG_%s a%zu\n", f->params[i]->name, i);
	fprintf(o, "\t{\n%s\n\t}\n", f->embedded);
	for (i = 0; i < f->nparams; i++)
		fprintf(o, "#undef STAP_ARG_%s\n", f->params[i]->name);
	fputs("#undef STAP_RETVALUE\n#undef CONTEXT\n", o);
	if (f->ret != STAP_T_VOID && f->ret != STAP_T_UNKNOWN)
		fputs("\treturn stp_ret;\n", o);
	fputs("}\n\n", o);
	(void)e;
}

static void emit_func(struct emit *e, FILE *o, const struct stap_func *f)
{
	char sname[300], *body;
	size_t i;

	if (f->embedded && !f->body) {
		emit_func_embedded(e, o, f);
		return;
	}
	e->in_func = 1;
	e->func_name = f->name;
	e->ret = f->ret;
	body = emit_body(e, f->body, NULL);
	if (!body) {
		emit_error(e, &f->loc, "out of memory");
		return;
	}
	char cn[STAP_FUNC_CNAME_MAX];
	snprintf(sname, sizeof sname, "stp_locals_fn_%s", stap_func_cname(f, cn, sizeof(cn)));
	emit_locals_struct(o, sname, f->locals, f->nlocals, e->ntemps);
	emit_func_proto(o, f);
	fprintf(o,
		"\n{\n\tconst size_t stp_fu = c->frame_used;\n\tstruct %s *l = stp_frame_push(c, "
		"sizeof(*l), ",
		sname);
	{
		FILE *saved = e->out;

		e->out = o;
		emit_where(e);
		e->out = saved;
	}
	fputs(");\n", o);
	if (f->ret == STAP_T_LONG)
		fputs("\tint64_t stp_ret = 0;\n\n\tif (!l)\n\t\treturn 0;\n", o);
	else if (f->ret == STAP_T_STRING)
		fputs("\n\tstp_ret[0] = '\\0';\n\tif (!l)\n\t\treturn stp_ret;\n", o);
	else
		fputs("\n\tif (!l)\n\t\treturn;\n", o);
	for (i = 0; i < f->nparams; i++) {
		const struct stap_var *v = f->params[i];

		if (v->type == STAP_T_STRING)
			fprintf(o, "\tstp_strcpy(l->v%d, a%zu);\n", v->index, i);
		else
			fprintf(o, "\tl->v%d = a%zu;\n", v->index, i);
	}
	/* locals[] has the params first */
	emit_locals_zero(o, f->locals, f->nlocals, f->nparams);
	fputs(body, o);
	free(body);
	fputs("stp_out:\n\tstp_frame_restore(c, stp_fu);\n", o);
	if (f->ret == STAP_T_LONG || f->ret == STAP_T_STRING)
		fputs("\treturn stp_ret;\n", o);
	fputs("}\n\n", o);
	e->in_func = 0;
	e->func_name = NULL;
}

static void emit_probe_body(struct emit *e, FILE *o, const struct stap_probe *pr)
{
	char sname[64], *body;

	e->in_func = 0;
	e->func_name = NULL;
	e->ret = STAP_T_VOID;
	body = emit_body(e, pr->body, pr->cond);
	if (!body) {
		emit_error(e, &pr->loc, "out of memory");
		return;
	}
	snprintf(sname, sizeof sname, "stp_locals_probe_%d", pr->index);
	if (pr->nlocals == 0 && e->ntemps == 0) {
		/* No locals: no frame to push.  A handler starts at nesting 0
		 * with no error, so the push could not fail; its nesting level
		 * still counts for the functions it calls. */
		fprintf(o,
			"static void stp_probe_body_%d(struct stp_context *c)\n{\n"
			"\tconst size_t stp_fu = c->frame_used;\n\n\tc->nesting++;\n",
			pr->index);
		fputs(body, o);
		free(body);
		fputs("stp_out:\n\tstp_frame_restore(c, stp_fu);\n}\n\n", o);
		return;
	}
	emit_locals_struct(o, sname, pr->locals, pr->nlocals, e->ntemps);
	fprintf(o,
		"static void stp_probe_body_%d(struct stp_context *c)\n{\n"
		"\tconst size_t stp_fu = c->frame_used;\n"
		"\tstruct %s *l = stp_frame_push(c, sizeof(*l), ",
		pr->index, sname);
	{
		FILE *saved = e->out;

		e->out = o;
		emit_where(e);
		e->out = saved;
	}
	fputs(");\n\n\tif (!l)\n\t\treturn;\n", o);
	emit_locals_zero(o, pr->locals, pr->nlocals, 0);
	fputs(body, o);
	free(body);
	fputs("stp_out:\n\tstp_frame_restore(c, stp_fu);\n}\n\n", o);
}

/* @entry(x): the kretprobe's entry handler runs this body, which stores
 * each x in its slot of the instance data (stp_entry_slot). */
static void emit_entry_body(struct emit *e, FILE *o, const struct stap_probe *pr)
{
	char sname[64], *body = NULL;
	size_t len = 0, i;
	FILE *saved = e->out;

	if (!pr->nentry)
		return;
	e->out = open_memstream(&body, &len);
	if (!e->out) {
		e->out = saved;
		emit_error(e, &pr->loc, "out of memory");
		return;
	}
	e->ntemps = 0;
	for (i = 0; i < pr->nentry; i++) {
		fprintf(e->out, "\t*stp_entry_slot(c, %zu) = ", i);
		emit_top_expr(e, pr->entry[i]);
		fputs(";\n\tif (c->abort)\n\t\tgoto stp_out;\n", e->out);
	}
	fclose(e->out);
	e->out = saved;
	snprintf(sname, sizeof sname, "stp_locals_entry_%d", pr->index);
	emit_locals_struct(o, sname, NULL, 0, e->ntemps);
	fprintf(o,
		"static void stp_entry_body_%d(struct stp_context *c)\n{\n"
		"\tconst size_t stp_fu = c->frame_used;\n"
		"\tstruct %s *l = stp_frame_push(c, sizeof(*l), NULL);\n\n"
		"\tif (!l)\n\t\treturn;\n%s"
		"stp_out:\n\tstp_frame_restore(c, stp_fu);\n}\n\n",
		pr->index, sname, body);
	free(body);
}

static int emit_probe_locks(struct emit *e, FILE *o, const struct stap_probe *pr)
{
	const struct stap_program *p = e->p;
	struct uses u = {calloc(p->nglobals + 1, 1), calloc(p->nfuncs + 1, 1), p};
	size_t i;
	int n = 0;

	if (!u.g || !u.fseen) {
		free(u.g);
		free(u.fseen);
		return -1;
	}
	uses_stmt(&u, pr->body);
	uses_expr(&u, pr->cond);
	fprintf(o, "static const struct stp_lock stp_locks_%d[] = {\n", pr->index);
	for (i = 0; i < p->nglobals; i++) {
		if (!u.g[i])
			continue;
		fprintf(o, "\t{ &stp_g_%s_lock, %s },\n", p->globals[i]->name,
			u.g[i] & 2 ? "true" : "false");
		n++;
	}
	if (!n)
		fputs("\t{ NULL, false }, /* none */\n", o);
	fputs("};\n", o);
	free(u.g);
	free(u.fseen);
	return n;
}

/* ---- probe points ---- */

struct counts {
	int begin, end, error, kprobe, timer, uprobe, trace, procev, procfs, profile;
};

/* kernel.trace: the probe function with the tracepoint's prototype, each
 * argument widened to unsigned long, the data pointer as argument 1. */
static void emit_trace_point(FILE *o, const struct stap_probe *pr,
			     const struct stap_probe_point *pt, size_t j)
{
	int k;

	fprintf(o, "static void stp_tp_fn_%d_%zu(void *d", pr->index, j);
	for (k = 1; k < pt->nargs; k++)
		fprintf(o, ", unsigned long a%d", k);
	fprintf(o, ")\n{\n	unsigned long args[%d] = { 0", pt->nargs > 0 ? pt->nargs : 1);
	for (k = 1; k < pt->nargs; k++)
		fprintf(o, ", a%d", k);
	fprintf(o, " };\n\n	stp_trace_hit(d, args, ARRAY_SIZE(args));\n}\n");
	fprintf(o,
		"static struct stp_trace stp_trace_%d_%zu = { .probe = &stp_probe_%d_%zu, "
		".name = ",
		pr->index, j, pr->index, j);
	emit_c_string(o, pt->symbol, strlen(pt->symbol));
	fprintf(o, ", .func = (void *)stp_tp_fn_%d_%zu };\n", pr->index, j);
}

static void emit_procev_point(FILE *o, const struct stap_probe *pr,
			      const struct stap_probe_point *pt, size_t j)
{
	fprintf(o,
		"static struct stp_procev stp_procev_%d_%zu = { .probe = &stp_probe_%d_%zu, "
		".kind = %s, .path = ",
		pr->index, j, pr->index, j,
		pt->kind == PP_PROC_END	      ? "STP_PROC_END"
		: pt->kind == PP_PROC_SYSCALL ? "STP_PROC_SYSCALL"
		: pt->kind == PP_PROC_SYSRET  ? "STP_PROC_SYSRET"
					      : "STP_PROC_BEGIN");
	if (pt->path)
		emit_c_string(o, pt->path, strlen(pt->path));
	else
		fputs("NULL", o);
	fputs(" };\n", o);
}

/* The function entry probes the runtime may hook through an ftrace_ops of
 * their own (runtime/stp_kprobe.c): a kernel function no other kprobe or
 * kretprobe of the script shares (kprobes share one ftrace hook per
 * function; two hooks on one function make ftrace walk a list, dearer than
 * the kprobe), and few of them in the script: each ftrace_ops costs RCU-tasks
 * grace periods when it is removed, at unload. */
#define EMIT_FTRACE_MAX 8

static bool emit_same_function(const struct stap_probe_point *a, const struct stap_probe_point *b)
{
	return (b->kind == PP_KPROBE || b->kind == PP_KRETPROBE) && b->symbol &&
	       strcmp(a->symbol, b->symbol) == 0 && (a->module == NULL) == (b->module == NULL) &&
	       (!a->module || strcmp(a->module, b->module) == 0);
}

static bool emit_ftrace_ok(const struct emit *e, const struct stap_probe_point *pt)
{
	size_t i, j, entries = 0;

	if (pt->kind != PP_KPROBE || pt->module || !pt->symbol)
		return false;
	for (i = 0; i < e->p->nprobes; i++)
		for (j = 0; j < e->p->probes[i]->npoints; j++) {
			const struct stap_probe_point *q = &e->p->probes[i]->points[j];

			entries += q->kind == PP_KPROBE;
			if (q != pt && emit_same_function(pt, q))
				return false;
		}
	return entries <= EMIT_FTRACE_MAX;
}

static void emit_point(const struct emit *e, FILE *o, const struct stap_probe *pr,
		       const struct stap_probe_point *pt, size_t j, struct counts *n)
{
	fprintf(o, "static const struct stp_probe stp_probe_%d_%zu = { ", pr->index, j);
	emit_c_string(o, pt->pp ? pt->pp : "?", strlen(pt->pp ? pt->pp : "?"));
	fprintf(o, ", stp_probe_body_%d, stp_locks_%d, %s };\n", pr->index, pr->index,
		"ARRAY_SIZE_LOCKS");
	switch (pt->kind) {
	case PP_BEGIN:
	case PP_END:
	case PP_ERROR:
		n->begin += pt->kind == PP_BEGIN;
		n->end += pt->kind == PP_END;
		n->error += pt->kind == PP_ERROR;
		break;
	case PP_NEVER:
	case PP_PROCFS_READ:
	case PP_PROCFS_WRITE: /* the files: emit_procfs_files */
		break;
	case PP_TRACE:
		emit_trace_point(o, pr, pt, j);
		n->trace++;
		break;
	case PP_PROC_BEGIN:
	case PP_PROC_END:
	case PP_PROC_SYSCALL:
	case PP_PROC_SYSRET:
		emit_procev_point(o, pr, pt, j);
		n->procev++;
		break;
	case PP_PROFILE:
		fprintf(o,
			"static struct stp_profile stp_profile_%d_%zu = { &stp_probe_%d_%zu };\n",
			pr->index, j, pr->index, j);
		n->profile++;
		break;
	case PP_KSTMT_ABS:
		fprintf(
		    o,
		    "static struct stp_kprobe stp_kprobe_%d_%zu = { .probe = &stp_probe_%d_%zu, "
		    ".addr = 0x%llxUL };\n",
		    pr->index, j, pr->index, j, (unsigned long long)pt->address);
		n->kprobe++;
		break;
	case PP_TIMER: {
		long long ns = pt->period_ns;

		fprintf(o, "static struct stp_timer stp_timer_%d_%zu = { &stp_probe_%d_%zu, ",
			pr->index, j, pr->index, j);
		if (ns > 0)
			fprintf(o, "%lldULL", ns);
		else if (pt->hz > 0)
			fprintf(o, "NSEC_PER_SEC / %lldULL", (long long)pt->hz);
		else
			fprintf(o, "%lldULL * (NSEC_PER_SEC / HZ)",
				(long long)(pt->jiffies > 0 ? pt->jiffies : 1));
		fprintf(o, ", %lldULL };\n", (long long)pt->randomize_ns);
		n->timer++;
		break;
	}
	case PP_KPROBE:
	case PP_KRETPROBE:
		fprintf(
		    o,
		    "static struct stp_kprobe stp_kprobe_%d_%zu = { .probe = &stp_probe_%d_%zu, "
		    ".symbol = ",
		    pr->index, j, pr->index, j);
		if (pt->module) {
			char sym[600];

			snprintf(sym, sizeof sym, "%s:%s", pt->module, pt->symbol);
			emit_c_string(o, sym, strlen(sym));
		} else {
			emit_c_string(o, pt->symbol, strlen(pt->symbol));
		}
		fprintf(o, ", .ret = %s, .maxactive = %d",
			pt->kind == PP_KRETPROBE ? "true" : "false", pt->maxactive);
		if (pr->nentry && pt->kind == PP_KRETPROBE)
			fprintf(o, ", .entry = &stp_entry_%d", pr->index);
		if (emit_ftrace_ok(e, pt))
			fputs(", .ftrace = true", o);
		fputs(" };\n", o);
		n->kprobe++;
		break;
	case PP_UPROBE:
	case PP_URETPROBE:
		fprintf(
		    o,
		    "static struct stp_uprobe stp_uprobe_%d_%zu = { .probe = &stp_probe_%d_%zu, "
		    ".path = ",
		    pr->index, j, pr->index, j);
		emit_c_string(o, pt->path, strlen(pt->path));
		fputs(", .symbol = ", o);
		emit_c_string(o, pt->symbol ? pt->symbol : "",
			      strlen(pt->symbol ? pt->symbol : ""));
		fprintf(o, ", .offset = 0x%llxULL, .ret = %s };\n", (unsigned long long)pt->offset,
			pt->kind == PP_URETPROBE ? "true" : "false");
		n->uprobe++;
		break;
	}
}

static void emit_points(struct emit *e, FILE *o, struct counts *n)
{
	size_t i, j;

	for (i = 0; i < e->p->nprobes; i++) {
		const struct stap_probe *pr = e->p->probes[i];
		int nl = emit_probe_locks(e, o, pr);

		fprintf(o, "#define ARRAY_SIZE_LOCKS %d\n", nl < 0 ? 0 : nl);
		if (pr->nentry) {
			const char *pp = pr->npoints && pr->points[0].pp ? pr->points[0].pp : "?";
			fprintf(o, "static const struct stp_probe stp_entry_%d = { ", pr->index);
			emit_c_string(o, pp, strlen(pp));
			fprintf(o, ", stp_entry_body_%d, NULL, 0 };\n", pr->index);
		}
		for (j = 0; j < pr->npoints; j++)
			emit_point(e, o, pr, &pr->points[j], j, n);
		fputs("#undef ARRAY_SIZE_LOCKS\n\n", o);
	}
}

/* A table of pointers to every object of one kind, in script order; begin,
 * end and error probes stably sorted by their sequence number. */
struct table_ent {
	long long seq;
	int probe;
	size_t point, order;
};

static int table_cmp(const void *a, const void *b)
{
	const struct table_ent *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int kind_class(enum stap_pp_kind k)
{
	if (k == PP_KRETPROBE || k == PP_KSTMT_ABS)
		return PP_KPROBE;
	if (k == PP_URETPROBE)
		return PP_UPROBE;
	if (k == PP_PROC_END || k == PP_PROC_SYSCALL || k == PP_PROC_SYSRET)
		return PP_PROC_BEGIN;
	return k;
}

static void emit_table(struct emit *e, FILE *o, const char *type, const char *name,
		       const char *prefix, int want)
{
	struct table_ent *t;
	size_t i, j, n = 0, total = 0;

	for (i = 0; i < e->p->nprobes; i++)
		total += e->p->probes[i]->npoints;
	t = calloc(total + 1, sizeof(*t));
	if (!t) {
		emit_error(e, NULL, "out of memory");
		return;
	}
	for (i = 0; i < e->p->nprobes; i++)
		for (j = 0; j < e->p->probes[i]->npoints; j++) {
			const struct stap_probe_point *pt = &e->p->probes[i]->points[j];

			if (kind_class(pt->kind) != want)
				continue;
			t[n].seq = pt->sequence;
			t[n].probe = e->p->probes[i]->index;
			t[n].point = j;
			t[n].order = n;
			n++;
		}
	qsort(t, n, sizeof(*t), table_cmp);
	fprintf(o, "static %s *const %s[] = {\n", type, name);
	for (i = 0; i < n; i++)
		fprintf(o, "\t&%s_%d_%zu,\n", prefix, t[i].probe, t[i].point);
	fputs("\tNULL\n};\n\n", o);
	free(t);
}

/* The registered probe kinds, in registration order; teardown goes in the
 * reverse one (timers first: they fire without any event).  cls -1: the
 * table is emitted by its own code. */
static const struct probe_kind {
	const char *type, *table, *prefix, *fn;
	int cls;
	size_t count; /* offset in struct counts */
} probe_kinds[] = {
    {"struct stp_kprobe", "stp_kprobes", "stp_kprobe", "kprobe", PP_KPROBE,
     offsetof(struct counts, kprobe)},
    {"struct stp_uprobe", "stp_uprobes", "stp_uprobe", "uprobe", PP_UPROBE,
     offsetof(struct counts, uprobe)},
    {"struct stp_trace", "stp_traces", "stp_trace", "trace", PP_TRACE,
     offsetof(struct counts, trace)},
    {"struct stp_procev", "stp_procevs", "stp_procev", "procev", PP_PROC_BEGIN,
     offsetof(struct counts, procev)},
    {"struct stp_procfs", "stp_procfs_files", "stp_procfs", "procfs", -1,
     offsetof(struct counts, procfs)},
    {"struct stp_timer", "stp_timers", "stp_timer", "timer", PP_TIMER,
     offsetof(struct counts, timer)},
    {"struct stp_profile", "stp_profiles", "stp_profile", "profile", PP_PROFILE,
     offsetof(struct counts, profile)},
};
#define NKINDS (sizeof(probe_kinds) / sizeof(probe_kinds[0]))

static int kind_count(const struct counts *n, size_t k)
{
	return *(const int *)((const char *)n + probe_kinds[k].count);
}

static void emit_tables(struct emit *e, FILE *o, const struct counts *n)
{
	size_t k;

	emit_table(e, o, "const struct stp_probe", "stp_begin_probes", "stp_probe", PP_BEGIN);
	emit_table(e, o, "const struct stp_probe", "stp_end_probes", "stp_probe", PP_END);
	emit_table(e, o, "const struct stp_probe", "stp_error_probes", "stp_probe", PP_ERROR);
	for (k = 0; k < NKINDS; k++)
		if (kind_count(n, k) && probe_kinds[k].cls >= 0)
			emit_table(e, o, probe_kinds[k].type, probe_kinds[k].table,
				   probe_kinds[k].prefix, probe_kinds[k].cls);
}

/* procfs: one file per name, with its read and write probe. */
static void emit_procfs_files(struct emit *e, FILE *o, struct counts *n)
{
	size_t i, j, i2, j2;
	int nf = 0;

	for (i = 0; i < e->p->nprobes; i++)
		for (j = 0; j < e->p->probes[i]->npoints; j++) {
			const struct stap_probe_point *pt = &e->p->probes[i]->points[j];
			const char *probe[2] = {"NULL", "NULL"};
			char ref[2][64];
			int seen = 0;

			if (pt->kind != PP_PROCFS_READ && pt->kind != PP_PROCFS_WRITE)
				continue;
			for (i2 = 0; i2 < e->p->nprobes && !seen; i2++)
				for (j2 = 0; j2 < e->p->probes[i2]->npoints; j2++) {
					const struct stap_probe_point *q =
					    &e->p->probes[i2]->points[j2];
					int w = q->kind == PP_PROCFS_WRITE;

					if ((q->kind != PP_PROCFS_READ && !w) ||
					    strcmp(q->path, pt->path) != 0)
						continue;
					if (q != pt && (i2 < i || (i2 == i && j2 < j))) {
						seen = 1; /* emitted with its first point */
						break;
					}
					if (strcmp(probe[w], "NULL") != 0) {
						emit_error(e, &e->p->probes[i2]->loc,
							   "%s has more than one probe", q->pp);
						continue;
					}
					snprintf(ref[w], sizeof(ref[w]), "&stp_probe_%d_%zu",
						 e->p->probes[i2]->index, j2);
					probe[w] = ref[w];
				}
			if (seen)
				continue;
			fprintf(o, "static struct stp_procfs stp_procfs_%d = { ", nf++);
			emit_c_string(o, pt->path, strlen(pt->path));
			fprintf(o, ", %s, %s };\n", probe[0], probe[1]);
		}
	n->procfs = nf;
	if (!nf)
		return;
	fputs("static struct stp_procfs *const stp_procfs_files[] = {\n", o);
	for (int k = 0; k < nf; k++)
		fprintf(o, "\t&stp_procfs_%d,\n", k);
	fputs("\tNULL\n};\n\n", o);
}

static void count_points(const struct stap_program *p, struct counts *n)
{
	size_t i, j;

	for (i = 0; i < p->nprobes; i++)
		for (j = 0; j < p->probes[i]->npoints; j++) {
			enum stap_pp_kind k = p->probes[i]->points[j].kind;

			n->kprobe += k == PP_KPROBE || k == PP_KRETPROBE || k == PP_KSTMT_ABS;
			n->uprobe += k == PP_UPROBE || k == PP_URETPROBE;
			n->timer += k == PP_TIMER;
			n->trace += k == PP_TRACE;
			n->procev += k == PP_PROC_BEGIN || k == PP_PROC_END ||
				     k == PP_PROC_SYSCALL || k == PP_PROC_SYSRET;
			n->procfs += k == PP_PROCFS_READ || k == PP_PROCFS_WRITE;
			n->profile += k == PP_PROFILE;
		}
}

/* Registration of the probe kinds the module has; teardown unregisters in
 * the reverse order, then waits once for tracepoint handlers in flight,
 * then releases what those handlers use. */
static void emit_registration(FILE *o, const struct counts *n)
{
	size_t i;

	fputs("static void stp_unregister_all(void)\n{\n\tsize_t i = 0;\n\n", o);
	for (i = NKINDS; i-- > 0;)
		if (kind_count(n, i))
			fprintf(o, "\tfor (i = 0; %s[i]; i++)\n\t\tstp_%s_unregister(%s[i]);\n",
				probe_kinds[i].table, probe_kinds[i].fn, probe_kinds[i].table);
	if (n->trace || n->procev)
		fputs("\tstp_trace_sync();\n", o);
	if (n->procev)
		fputs(
		    "\tfor (i = 0; stp_procevs[i]; i++)\n\t\tstp_procev_release(stp_procevs[i]);\n",
		    o);
	fputs("\t(void)i;\n}\n\nstatic int stp_register_all(void)\n{\n\tsize_t i = 0;\n"
	      "\tint rc = 0;\n\n",
	      o);
	for (i = 0; i < NKINDS; i++)
		if (kind_count(n, i))
			fprintf(
			    o,
			    "\tfor (i = 0; %s[i]; i++)\n\t\tif ((rc = stp_%s_register(%s[i])))\n"
			    "\t\t\treturn rc;\n",
			    probe_kinds[i].table, probe_kinds[i].fn, probe_kinds[i].table);
	fputs("\t(void)i;\n\treturn rc;\n}\n\n", o);
}

static const char module_glue[] =
    "static void stp_run_list(const struct stp_probe *const *list)\n"
    "{\n"
    "\tfor (; *list; list++)\n"
    "\t\tstp_probe_run(*list, NULL, STP_RUN_ALWAYS, NULL, NULL);\n"
    "}\n"
    "\n"
    "static bool stp_ready;\n"
    "\n"
    "static int stp_module_start(void)\n"
    "{\n"
    "\tint rc = stp_contexts_alloc();\n"
    "\n"
    "\tif (rc)\n"
    "\t\treturn rc;\n"
    "\trc = stp_globals_init();\n"
    "\tif (rc) {\n"
    "\t\tstp_contexts_free();\n"
    "\t\treturn rc;\n"
    "\t}\n"
    "\tstp_ready = true;\n"
    "\tatomic_set(&stp_rstate, STP_STATE_STARTING);\n"
    "\tstp_run_list(stp_begin_probes);\n"
    "\tif (atomic_read(&stp_exit_called)) {\n"
    "\t\tatomic_set(&stp_rstate, STP_STATE_STOPPING);\n"
    "\t\treturn 0;\n"
    "\t}\n"
    "\t/* running before registering: a timer may fire at once */\n"
    "\tatomic_set(&stp_rstate, STP_STATE_RUNNING);\n"
    "\tstp_target_watch_start();\n"
    "\trc = stp_register_all();\n"
    "\tif (rc) {\n"
    "\t\tatomic_set(&stp_rstate, STP_STATE_STOPPING);\n"
    "\t\tstp_unregister_all();\n"
    "\t\tstp_target_watch_stop();\n"
    "\t\tstp_globals_free();\n"
    "\t\tstp_contexts_free();\n"
    "\t\tstp_ready = false;\n"
    "\t\treturn rc;\n"
    "\t}\n"
    "\treturn 0;\n"
    "}\n"
    "\n"
    "static void stp_module_stop(void)\n"
    "{\n"
    "\tif (atomic_read(&stp_rstate) < STP_STATE_STOPPING)\n"
    "\t\tatomic_set(&stp_rstate, STP_STATE_STOPPING);\n"
    "\tstp_unregister_all();\n"
    "\tstp_target_watch_stop();\n"
    "}\n"
    "\n"
    "static void stp_module_end(void)\n"
    "{\n"
    "\tint errors, skipped;\n"
    "\n"
    "\tif (!stp_ready)\n"
    "\t\treturn;\n"
    "\tstp_module_stop();\n"
    "\tatomic_set(&stp_rstate, STP_STATE_ENDING);\n"
    "\tif (atomic_read(&stp_errors) && stp_error_probes[0])\n"
    "\t\tstp_run_list(stp_error_probes);\n"
    "\telse\n"
    "\t\tstp_run_list(stp_end_probes);\n"
    "\tatomic_set(&stp_rstate, STP_STATE_DONE);\n"
    "\terrors = atomic_read(&stp_errors);\n"
    "\tskipped = atomic_read(&stp_skipped);\n"
    "\tif (errors || skipped)\n"
    "\t\tstp_warnf(\"WARNING: Number of errors: %d, skipped probes: %d\\n\", errors, skipped);\n"
    "\tstp_globals_free();\n"
    "\tstp_contexts_free();\n"
    "\tstp_ready = false;\n"
    "}\n";

static int valid_ident(const char *s, size_t n)
{
	size_t i;

	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

/* -D NAME[=VALUE] as #define lines; 0, or -1 after an error (o NULL: only
 * check them). */
static int emit_defines(struct emit *e, FILE *o)
{
	size_t i;

	for (i = 0; i < e->s->ndefines; i++) {
		const char *d = e->s->defines[i], *eq = strchr(d, '=');
		size_t n = eq ? (size_t)(eq - d) : strlen(d);

		if (!valid_ident(d, n) || strpbrk(d, "\n\r\\")) {
			fprintf(stderr, "stap: -D %s: not NAME or NAME=VALUE\n", d);
			return -1;
		}
		if (o)
			fprintf(o, "#define %.*s %s\n", (int)n, d, eq ? eq + 1 : "1");
	}
	return 0;
}

static void emit_head(struct emit *e, FILE *o, const struct counts *n)
{
	size_t i, nentry = 0;

	fprintf(o, "/* Generated by stap (stapauth %s) from %s; module %s. */\n", STAPAUTH_VERSION,
		e->p->file ? e->p->file : "?", e->modname);
	emit_defines(e, o);
	emit_regex_defines(e, o);
	for (i = 0; i < e->p->nprobes; i++)
		if (e->p->probes[i]->nentry > nentry)
			nentry = e->p->probes[i]->nentry;
	if (nentry)
		fprintf(o, "#define STP_ENTRY_VALS %zu\n", nentry);
	if (n->kprobe)
		fputs("#define STP_NEED_KPROBES 1\n", o);
	if (n->timer || n->profile)
		fputs("#define STP_NEED_TIMERS 1\n", o);
	if (n->trace || n->procev)
		fputs("#define STP_NEED_TRACE 1\n", o);
	if (n->procfs)
		fputs("#define STP_NEED_PROCFS 1\n", o);
	if (n->uprobe)
		fputs("#define STP_NEED_UPROBES 1\n", o);
	fputs("#include \"transport.c\"\n#include \"runtime.c\"\n\n", o);
	emit_regex_tables(e, o);
	fputs("#pragma GCC diagnostic ignored \"-Wunused-label\"\n"
	      "#pragma GCC diagnostic ignored \"-Wunused-variable\"\n"
	      "#pragma GCC diagnostic ignored \"-Wunused-value\"\n\n",
	      o);
	fputs("MODULE_LICENSE(\"GPL\");\n", o);
	fprintf(o, "MODULE_INFO(stapauth_version, \"%s\");\n", STAPAUTH_VERSION);
	fprintf(o, "MODULE_INFO(stapauth_guru, \"%d\");\n\n", e->p->guru || e->s->guru ? 1 : 0);
	for (i = 0; i < e->p->nembedded; i++)
		fprintf(o, "%s\n", e->p->embedded[i]);
}

static int check_names(struct emit *e)
{
	size_t i;

	for (i = 0; i < e->p->nprobes; i++) {
		const struct stap_probe *pr = e->p->probes[i];
		size_t j;

		for (j = 0; j < pr->npoints; j++) {
			const struct stap_probe_point *pt = &pr->points[j];

			if ((pt->kind == PP_KPROBE || pt->kind == PP_KRETPROBE) && !pt->symbol)
				emit_error(e, &pr->loc, "probe point without a symbol");
			if ((pt->kind == PP_UPROBE || pt->kind == PP_URETPROBE) && !pt->path)
				emit_error(e, &pr->loc, "probe point without a path");
		}
	}
	return e->errors ? -1 : 0;
}

int emit_module(const struct stap_session *s, const struct stap_program *p, const char *modname,
		FILE *out)
{
	struct emit e = {.s = s, .p = p, .modname = modname, .out = out};
	struct counts n = {0}, seen = {0};
	size_t i;

	if (check_names(&e) < 0 || emit_defines(&e, NULL) < 0)
		return -1;
	count_points(p, &n);
	emit_regex_collect(&e);
	emit_head(&e, out, &n);
	for (i = 0; i < p->nglobals; i++)
		emit_global_decl(&e, out, p->globals[i]);
	fputs("\n", out);
	emit_globals_init(&e, out);
	for (i = 0; i < p->nfuncs; i++) {
		emit_func_proto(out, p->funcs[i]);
		fputs(";\n", out);
	}
	fputs("\n", out);
	for (i = 0; i < p->nfuncs; i++)
		emit_func(&e, out, p->funcs[i]);
	for (i = 0; i < p->nprobes; i++) {
		emit_entry_body(&e, out, p->probes[i]);
		emit_probe_body(&e, out, p->probes[i]);
	}
	emit_points(&e, out, &seen);
	emit_procfs_files(&e, out, &n);
	emit_tables(&e, out, &n);
	emit_registration(out, &n);
	fputs(module_glue, out);
	emit_regex_free(&e);
	if (e.errors)
		return -1;
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "stap: writing the module source failed\n");
		return -1;
	}
	return 0;
}
