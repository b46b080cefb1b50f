/* -l / -L: the probe points a pattern resolves to, one per line, sorted;
 * -L adds the context variables known for each (kernel BTF parameters). */
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "translator/elab_int.h"
#include "translator/front.h"

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *point_line(struct elab *el, const struct stap_probe_point *pt, int vars)
{
	struct strbuf b = {0};
	sb_puts(&b, pt->pp);
	(void)el;
	if (vars && (pt->kind == PP_KPROBE || pt->kind == PP_UPROBE)) {
		if (pt->params && *pt->params)
			sb_printf(&b, " %s", pt->params);
	} else if (vars && (pt->kind == PP_KRETPROBE || pt->kind == PP_URETPROBE)) {
		sb_puts(&b, " $return:long");
	}
	return b.s;
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
	int rc = elab_points(&el) < 0;
	size_t n = 0, cap = 0;
	char **lines = NULL;
	for (size_t i = 0; !rc && i < p->nprobes; i++)
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
	stap_program_free(p);
	return rc;
}
