/* Pass 2, probe points that are kernel events rather than functions:
 * kernel.trace("SYS:NAME") tracepoints (the kernel's BTF names them and
 * types their arguments), process[("PATH")].begin/.end, procfs("NAME")
 * .read/.write, never, and kernel.statement. */
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "translator/elab_int.h"

/* Tracepoints whose handlers would run where the runtime cannot: in NMI
 * context (the transport's spinlock may be held by the interrupted code). */
static const char *const trace_blocked[] = {"nmi_handler", NULL};

static int trace_is_blocked(const char *name)
{
	for (size_t i = 0; trace_blocked[i]; i++)
		if (strcmp(trace_blocked[i], name) == 0)
			return 1;
	return 0;
}

static int has_wild(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int trace_open(struct elab *el, const struct stap_pp_spec *sp)
{
	char why[256] = "";
	if (!el->kbtf && !el->kbtf_failed &&
	    !(el->kbtf = kbtf_open(&el->s->kernel, why, sizeof(why))))
		el->kbtf_failed = 1;
	if (!el->kbtf) {
		elab_spec_fail(el, sp, why[0] ? why : "the kernel's BTF is unavailable");
		return -1;
	}
	if (!el->tpev_loaded) {
		tp_events_load(el->s->kernel.build_dir, el->s->kernel.srcarch, &el->tpev);
		el->tpev_loaded = 1;
	}
	return 0;
}

/* Argument names from __bpf_trace_CLASS when its parameters line up with
 * the tracepoint's, else the positional ones (arg1 ...). */
static void trace_names(struct elab *el, struct stap_probe_point *pt, const struct tp_event *ev,
			char *params)
{
	char fn[160];
	snprintf(fn, sizeof(fn), "__bpf_trace_%s", ev ? ev->cls : pt->symbol);
	const char *proto = elab_kernel_proto(el, fn);
	int n = 0;
	for (const char *q = proto; q && (q = strchr(q, '$')); q++)
		n++;
	if (proto && n == pt->nargs) {
		pt->params = stap_strdup(el->p, proto);
		pt->btf_func = stap_strdup(el->p, fn);
	} else {
		pt->params = stap_strdup(el->p, params);
	}
}

static int trace_add(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out,
		     const char *name, int quiet)
{
	char why[256], *params = NULL, kinds[BTF_TP_MAXARGS + 1];
	int nargs = 0;
	if (kbtf_tracepoint(el->kbtf, name, &params, kinds, &nargs, why, sizeof(why)) < 0) {
		free(params);
		return quiet ? 1 : elab_spec_fail(el, sp, why);
	}
	const struct tp_event *ev = tp_events_find(&el->tpev, name);
	struct stap_probe_point *pt = elab_point_new(el, out, PP_TRACE);
	pt->symbol = stap_strdup(el->p, name);
	pt->nargs = nargs;
	pt->argkinds = stap_strdup(el->p, kinds);
	pt->pp = ev ? elab_pp_fmt(el, "kernel.trace(\"%s:%s\")", ev->system, name)
		    : elab_pp_fmt(el, "kernel.trace(\"%s\")", name);
	trace_names(el, pt, ev, params);
	free(params);
	return 0;
}

static int points_trace(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out)
{
	const struct stap_pp_comp *t = &sp->comps[1];
	char syspat[128] = "", namepat[256];
	const char *colon = strchr(t->arg_str, ':');
	if (sp->ncomps != 2 || !t->has_arg || t->arg_is_num)
		return elab_spec_fail(el, sp, "expected kernel.trace(\"NAME\")");
	if (trace_open(el, sp) < 0)
		return -1;
	if (colon)
		snprintf(syspat, sizeof(syspat), "%.*s", (int)(colon - t->arg_str), t->arg_str);
	snprintf(namepat, sizeof(namepat), "%s", colon ? colon + 1 : t->arg_str);
	if (colon && !el->tpev.n)
		return elab_spec_fail(el, sp,
				      "trace systems come from the kernel headers "
				      "(include/trace/events), which are not installed");
	if (!has_wild(t->arg_str)) {
		const struct tp_event *ev = tp_events_find(&el->tpev, namepat);
		if (sp->optional) /* '?' / '!': a missing or unusable one matches nothing */
			return trace_is_blocked(namepat) ||
				       (colon && (!ev || strcmp(ev->system, syspat) != 0))
				   ? 0
				   : (trace_add(el, sp, out, namepat, 1), 0);
		if (colon && (!ev || strcmp(ev->system, syspat) != 0))
			return elab_spec_fail(el, sp, "no such tracepoint in that trace system");
		if (trace_is_blocked(namepat))
			return elab_spec_fail(el, sp,
					      "this tracepoint fires in NMI context, "
					      "where the runtime cannot run");
		return trace_add(el, sp, out, namepat, 0);
	}
	char **names = NULL;
	size_t n = kbtf_tracepoint_names(el->kbtf, &names), before = out->n, skipped = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tp_event *ev = colon ? tp_events_find(&el->tpev, names[i]) : NULL;
		if (fnmatch(namepat, names[i], 0) != 0 ||
		    (colon && (!ev || fnmatch(syspat, ev->system, 0) != 0)))
			continue;
		if (trace_is_blocked(names[i]) || trace_add(el, sp, out, names[i], 1) > 0)
			skipped++;
	}
	free(names);
	if (skipped)
		diag_warn(&el->d, &sp->loc,
			  "%s: skipped %zu tracepoint(s) that cannot be probed (NMI context, or "
			  "an argument passed by value)",
			  sp->text, skipped);
	if (out->n == before && !sp->optional)
		return elab_spec_fail(el, sp, "probe point mismatch: no tracepoint matches");
	return 0;
}

static int points_never(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out)
{
	if (sp->ncomps != 1 || sp->comps[0].has_arg)
		return elab_spec_fail(el, sp, "never takes no argument or component");
	elab_point_new(el, out, PP_NEVER)->pp = stap_strdup(el->p, "never");
	return 0;
}

/* process[("PATH")].syscall[.return]: the arguments as a tracepoint's. */
static void proc_syscall_args(struct elab *el, struct stap_probe_point *pt, int ret)
{
	pt->nargs = ret ? 2 : 7;
	pt->argkinds = stap_strdup(el->p, ret ? "ll" : "lllllll");
	pt->params = stap_strdup(el->p, ret ? "$syscall:long $return:long"
					    : "$syscall:long $arg1:long $arg2:long $arg3:long "
					      "$arg4:long $arg5:long $arg6:long");
}

/* process.begin / process.end / process("PATH").begin / .end, and
 * .syscall / .syscall.return */
static int points_proc_event(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out)
{
	const struct stap_pp_comp *pc = &sp->comps[0], *ev = &sp->comps[1];
	int end = strcmp(ev->name, "end") == 0, sys = strcmp(ev->name, "syscall") == 0;
	int ret = sys && sp->ncomps == 3 && strcmp(sp->comps[2].name, "return") == 0 &&
		  !sp->comps[2].has_arg;
	char *path = NULL;
	if ((sp->ncomps != 2 && !ret) || ev->has_arg)
		return elab_spec_fail(el, sp,
				      "unexpected component after .begin/.end/.syscall[.return]");
	if (sys && el->s->kernel.arch && strcmp(el->s->kernel.arch, "x86_64") != 0)
		return elab_spec_fail(el, sp, "process.syscall reads the x86_64 syscall registers");
	if (pc->has_arg && pc->arg_is_num)
		return elab_spec_fail(el, sp,
				      "process(PID) events are not supported: name the program "
				      "(process(\"PATH\")) or filter on pid() in the probe");
	if (pc->has_arg && !(path = elab_process_path(el, pc->arg_str))) {
		if (sp->optional)
			return 0;
		diag_error(&el->d, &sp->loc, "semantic error: cannot find executable '%s'",
			   pc->arg_str);
		return -1;
	}
	enum stap_pp_kind k =
	    sys ? (ret ? PP_PROC_SYSRET : PP_PROC_SYSCALL) : (end ? PP_PROC_END : PP_PROC_BEGIN);
	struct stap_probe_point *pt = elab_point_new(el, out, k);
	pt->path = path;
	pt->pp = path
		     ? elab_pp_fmt(el, "process(\"%s\").%s%s", path, ev->name, ret ? ".return" : "")
		     : elab_pp_fmt(el, "process.%s%s", ev->name, ret ? ".return" : "");
	if (sys)
		proc_syscall_args(el, pt, ret);
	return 0;
}

/* A file name in the module's /proc folder, beside its transport files. */
static int procfs_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 64 || s[0] == '.' || strcmp(s, "data") == 0 || strcmp(s, "control") == 0)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* procfs("NAME").read / .write; procfs.read means procfs("command").read. */
static int points_procfs(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out)
{
	const struct stap_pp_comp *pc = &sp->comps[0], *op = sp->ncomps > 1 ? &sp->comps[1] : NULL;
	const char *name = pc->has_arg ? pc->arg_str : "command";
	int wr = op && strcmp(op->name, "write") == 0;
	if (!op || sp->ncomps != 2 || op->has_arg || (!wr && strcmp(op->name, "read") != 0))
		return elab_spec_fail(el, sp, "expected procfs(\"NAME\").read or .write");
	if (pc->has_arg && pc->arg_is_num)
		return elab_spec_fail(el, sp, "procfs takes a file name");
	if (!procfs_name_ok(name))
		return elab_spec_fail(el, sp,
				      "a procfs file name is 1-64 of [A-Za-z0-9_.-], not starting "
				      "with '.', and not 'data' or 'control' (the transport's)");
	struct stap_probe_point *pt =
	    elab_point_new(el, out, wr ? PP_PROCFS_WRITE : PP_PROCFS_READ);
	pt->path = stap_strdup(el->p, name);
	pt->pp = elab_pp_fmt(el, "procfs(\"%s\").%s", name, op->name);
	return 0;
}

/* kernel.statement("F") is F's entry; kernel.statement(ADDR).absolute a
 * kprobe at ADDR (guru: the address is not checked against any symbol);
 * "F@FILE:LINE" needs line tables, which BTF does not have. */
static int points_statement(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out)
{
	const struct stap_pp_comp *st = &sp->comps[1];
	int abs =
	    sp->ncomps == 3 && strcmp(sp->comps[2].name, "absolute") == 0 && !sp->comps[2].has_arg;
	if (!st->has_arg || (sp->ncomps != 2 && !abs))
		return elab_spec_fail(el, sp,
				      "expected kernel.statement(\"FUNCTION\") or "
				      "kernel.statement(ADDRESS).absolute");
	if (st->arg_is_num) {
		if (!abs)
			return elab_spec_fail(el, sp,
					      "kernel.statement(ADDRESS) needs .absolute (and -g)");
		if (!el->s->guru)
			return elab_spec_fail(
			    el, sp,
			    "kernel.statement(ADDRESS).absolute needs guru mode "
			    "(-g): the address is not checked against any symbol");
		if (st->arg_num == 0)
			return elab_spec_fail(el, sp, "the address must not be 0");
		struct stap_probe_point *pt = elab_point_new(el, out, PP_KSTMT_ABS);
		pt->address = (uint64_t)st->arg_num;
		pt->pp = elab_pp_fmt(el, "kernel.statement(0x%llx).absolute",
				     (unsigned long long)st->arg_num);
		return 0;
	}
	if (abs)
		return elab_spec_fail(el, sp, ".absolute takes an address, not a name");
	if (strpbrk(st->arg_str, "@:"))
		return elab_spec_fail(el, sp,
				      "a source line (FUNCTION@FILE:LINE) needs the kernel's line "
				      "tables (DWARF debuginfo), which stap does not read; probe "
				      "the function's entry with kernel.statement(\"FUNCTION\")");
	struct stap_pp_comp comps[2] = {sp->comps[0], *st};
	struct stap_pp_spec fn = *sp;
	comps[1].name = "function";
	fn.comps = comps;
	size_t before = out->n;
	if (elab_points_kernel_fn(el, &fn, out) < 0)
		return -1;
	for (size_t i = before; i < out->n; i++)
		out->v[i].pp = elab_pp_fmt(el, "kernel.statement(\"%s\")", out->v[i].symbol);
	return 0;
}

int elab_points_event(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out, int *rc)
{
	const struct stap_pp_comp *c0 = &sp->comps[0];
	const char *c1 = sp->ncomps > 1 ? sp->comps[1].name : "";
	if (strcmp(c0->name, "kernel") == 0 && !c0->has_arg && strcmp(c1, "trace") == 0)
		*rc = points_trace(el, sp, out);
	else if (strcmp(c0->name, "kernel") == 0 && !c0->has_arg && strcmp(c1, "statement") == 0)
		*rc = points_statement(el, sp, out);
	else if (strcmp(c0->name, "never") == 0)
		*rc = points_never(el, sp, out);
	else if (strcmp(c0->name, "procfs") == 0)
		*rc = points_procfs(el, sp, out);
	else if (strcmp(c0->name, "process") == 0 &&
		 (strcmp(c1, "begin") == 0 || strcmp(c1, "end") == 0 || strcmp(c1, "syscall") == 0))
		*rc = points_proc_event(el, sp, out);
	else
		return 0;
	return 1;
}
