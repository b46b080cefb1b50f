/* -l / -L: the probe points a pattern resolves to, one per line, sorted;
 * -L adds the context variables known for each (kernel BTF parameters). */
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "translator/elab_int.h"
#include "translator/front.h"
#include "translator/tapset.h"

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *point_line(struct elab *el, const struct stap_probe_point *pt, int vars)
{
	struct strbuf b = {0};
	sb_puts(&b, pt->pp);
	(void)el;
	if (vars && pt->kind == PP_TRACE) {
		/* the data pointer is the runtime's, not the event's */
		const char *q = pt->params ? strstr(pt->params, " $") : NULL;
		if (q)
			sb_puts(&b, q);
	} else if (vars && (pt->kind == PP_KPROBE || pt->kind == PP_UPROBE ||
			    pt->kind == PP_PROC_SYSCALL || pt->kind == PP_PROC_SYSRET)) {
		if (pt->params && *pt->params)
			sb_printf(&b, " %s", pt->params);
	} else if (vars && (pt->kind == PP_KRETPROBE || pt->kind == PP_URETPROBE)) {
		sb_puts(&b, " $return:long");
	}
	return b.s;
}

/* -l/-L of probe aliases (the library's syscall.* and the like) list the
 * alias names that resolve, as SystemTap does, not what they expand to; -L
 * adds the variables their bodies set, with their types.  0: the pattern
 * names no alias; 1: listed into lines; -1: nothing resolves. */
static int list_aliases(struct stap_session *s, struct stap_program *p, char ***lines, size_t *n,
			size_t *cap)
{
	const struct stap_probe *want = p->probes[0];
	struct stap_probe **v = NULL;
	size_t nv = 0, vcap = 0;

	for (size_t i = 0; i < p->naliases; i++)
		for (size_t k = 0; k < p->aliases[i]->nnames; k++) {
			struct stap_pp_spec *name = p->aliases[i]->names[k];
			int fits = 0, seen = 0;
			for (size_t w = 0; w < want->nspecs; w++)
				fits |= tapset_alias_name_fits(name, want->specs[w]);
			for (size_t j = 0; j < nv; j++)
				seen |= strcmp(v[j]->specs[0]->text, name->text) == 0;
			if (!fits || seen)
				continue;
			struct stap_probe *pr = stap_alloc(p, sizeof(*pr));
			pr->loc = want->loc;
			pr->specs = stap_alloc(p, sizeof(*pr->specs));
			pr->specs[0] = stap_alloc(p, sizeof(**pr->specs));
			*pr->specs[0] = *name;
			pr->specs[0]->optional = 1; /* what does not resolve is left out */
			pr->nspecs = 1;
			pr->body = elab_copy_stmt(p, want->body);
			v = stap_grow(p, v, nv, &vcap, sizeof(*v), 16);
			v[nv++] = pr;
		}
	if (!nv)
		return 0;
	p->probes = v;
	p->nprobes = nv;
	if (front_elaborate_to(s, p, NULL) < 0)
		return -1;
	for (size_t i = 0; i < p->nprobes; i++) {
		const struct stap_probe *pr = p->probes[i];
		struct strbuf b = {0};
		sb_puts(&b, pr->specs[0]->text);
		for (size_t k = 0; s->list_mode == STAP_LIST_PROBES_VARS && k < pr->nlocals; k++)
			if (pr->locals[k]->type != STAP_T_UNKNOWN)
				sb_printf(&b, " %s:%s", pr->locals[k]->name,
					  stap_type_name(pr->locals[k]->type));
		if (array_grow(lines, cap, *n, sizeof(**lines), 64) < 0 || b.oom)
			abort();
		(*lines)[(*n)++] = b.s;
	}
	return 1;
}

int front_list(struct stap_session *s)
{
	char *script;
	if (asprintf(&script, "probe %s {}", s->list_pattern) < 0)
		return 1;
	s->script_buf = script;
	s->script_len = strlen(script);
	s->script_name = "<list>";
	struct stap_program *p = front_parse(s);
	if (!p)
		return 1;
	struct elab el = {.s = s, .p = p, .listing = 1};
	el.d.src = s->script_buf;
	el.d.len = s->script_len;
	el.d.out = stderr;
	el.d.no_warnings = 1;
	el.d.lib = p->sources;
	el.d.nlib = p->nsources;
	size_t n = 0, cap = 0;
	char **lines = NULL;
	int aliases = list_aliases(s, p, &lines, &n, &cap);
	int rc = aliases < 0 || (aliases == 0 && elab_points(&el) < 0);
	if (aliases < 0)
		fprintf(stderr, "stap: no probe point matches '%s'\n", s->list_pattern);
	for (size_t i = 0; !rc && !aliases && i < p->nprobes; i++)
		for (size_t k = 0; k < p->probes[i]->npoints; k++) {
			if (array_grow(&lines, &cap, n, sizeof(*lines), 64) < 0)
				abort();
			lines[n++] = point_line(&el, &p->probes[i]->points[k],
						s->list_mode == STAP_LIST_PROBES_VARS);
		}
	if (n)
		qsort(lines, n, sizeof(*lines), str_cmp);
	for (size_t i = 0; i < n; i++) {
		if (!i || strcmp(lines[i], lines[i - 1]) != 0)
			puts(lines[i] ? lines[i] : "");
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	symbols_free(&el.ksyms);
	blocklist_free(&el.block);
	kbtf_close(el.kbtf);
	tp_events_free(&el.tpev);
	stap_program_free(p);
	return rc;
}
