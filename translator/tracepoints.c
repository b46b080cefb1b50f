/* Which trace system and event class each tracepoint belongs to, read from
 * the kernel headers (include/trace/events/ *.h) as SystemTap does: the
 * kernel's BTF names every tracepoint (btf_trace_NAME) but neither its
 * system ("sched" in kernel.trace("sched:sched_switch")) nor the event class
 * whose __bpf_trace_CLASS function carries the argument names. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/array.h"
#include "lib/readfile.h"
#include "translator/tracepoints.h"

#define TP_HEADER_MAX (4u << 20)

/* Macros that define an event: whether the event name is their first
 * argument (the class is then the name itself) or the second (the class
 * first). */
static const struct {
	const char *macro;
	int name_arg;
} tp_macros[] = {
    {"TRACE_EVENT", 1},		  {"TRACE_EVENT_FN", 1},	 {"TRACE_EVENT_FN_COND", 1},
    {"TRACE_EVENT_CONDITION", 1}, {"DEFINE_EVENT", 2},		 {"DEFINE_EVENT_FN", 2},
    {"DEFINE_EVENT_PRINT", 2},	  {"DEFINE_EVENT_CONDITION", 2},
};

static size_t tp_ident(const char *s, const char *end)
{
	size_t n = 0;
	while (s + n < end && (isalnum((unsigned char)s[n]) || s[n] == '_'))
		n++;
	return n;
}

static const char *tp_skip_space(const char *s, const char *end)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	return s;
}

static void tp_add(struct tp_events *ev, const char *sys, size_t syslen, const char *cls,
		   size_t clslen, const char *name, size_t namelen)
{
	if (!syslen || !clslen || !namelen || syslen > 63 || clslen > 127 || namelen > 127)
		return;
	if (array_grow(&ev->v, &ev->cap, ev->n, sizeof(*ev->v), 256) < 0)
		return;
	struct tp_event *e = &ev->v[ev->n++];
	snprintf(e->system, sizeof(e->system), "%.*s", (int)syslen, sys);
	snprintf(e->cls, sizeof(e->cls), "%.*s", (int)clslen, cls);
	snprintf(e->name, sizeof(e->name), "%.*s", (int)namelen, name);
}

/* One event macro at s (just past its name and '('). */
static void tp_macro(struct tp_events *ev, const char *sys, size_t syslen, int name_arg,
		     const char *s, const char *end)
{
	const char *a = tp_skip_space(s, end);
	size_t alen = tp_ident(a, end);
	if (!alen)
		return;
	if (name_arg == 1) {
		tp_add(ev, sys, syslen, a, alen, a, alen);
		return;
	}
	const char *b = tp_skip_space(a + alen, end);
	if (b >= end || *b != ',')
		return;
	b = tp_skip_space(b + 1, end);
	tp_add(ev, sys, syslen, a, alen, b, tp_ident(b, end));
}

void tp_scan_header(const char *text, size_t len, struct tp_events *ev)
{
	const char *s = text, *end = text + len, *sys = NULL;
	size_t syslen = 0;
	static const char define[] = "#define TRACE_SYSTEM";

	while (s < end) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		const char *line = tp_skip_space(s, eol ? eol : end), *lend = eol ? eol : end;
		size_t dl = sizeof(define) - 1;
		if ((size_t)(lend - line) > dl && memcmp(line, define, dl) == 0 &&
		    isspace((unsigned char)line[dl])) {
			sys = tp_skip_space(line + dl, lend);
			syslen = tp_ident(sys, lend);
		} else if (sys) {
			for (size_t i = 0; i < sizeof(tp_macros) / sizeof(tp_macros[0]); i++) {
				size_t ml = strlen(tp_macros[i].macro);
				if ((size_t)(lend - line) > ml &&
				    memcmp(line, tp_macros[i].macro, ml) == 0 && line[ml] == '(') {
					tp_macro(ev, sys, syslen, tp_macros[i].name_arg,
						 line + ml + 1, end);
					break;
				}
			}
		}
		s = eol ? eol + 1 : end;
	}
}

static void tp_scan_dir(const char *dir, struct tp_events *ev)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char path[4096];
		unsigned char *data;
		size_t len;
		if (n < 3 || strcmp(de->d_name + n - 2, ".h") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (readfile_path(path, TP_HEADER_MAX, &data, &len) == 0) {
			tp_scan_header((const char *)data, len, ev);
			free(data);
		}
	}
	closedir(d);
}

static int tp_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tp_event *)a)->name, ((const struct tp_event *)b)->name);
}

/* include/trace/events and the architecture's asm/trace headers of root. */
static void tp_scan_root(const char *root, size_t rootlen, const char *srcarch,
			 struct tp_events *ev)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%.*s/include/trace/events", (int)rootlen, root);
	tp_scan_dir(dir, ev);
	if (srcarch && !strchr(srcarch, '/')) {
		snprintf(dir, sizeof(dir), "%.*s/arch/%s/include/asm/trace", (int)rootlen, root,
			 srcarch);
		tp_scan_dir(dir, ev);
	}
}

/* The headers live in the build tree, or (Debian) in the common tree its
 * Makefile includes. */
void tp_events_load(const char *build_dir, const char *srcarch, struct tp_events *ev)
{
	char path[4096], line[4096];
	memset(ev, 0, sizeof(*ev));
	if (!build_dir)
		return;
	tp_scan_root(build_dir, strlen(build_dir), srcarch, ev);
	snprintf(path, sizeof(path), "%s/Makefile", build_dir);
	FILE *f = ev->n ? NULL : fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");
		line[n] = 0;
		if (strncmp(line, "include /", 9) == 0 && n > 17 &&
		    strcmp(line + n - 9, "/Makefile") == 0) {
			tp_scan_root(line + 8, n - 17, srcarch, ev);
			break;
		}
	}
	if (f)
		fclose(f);
	if (ev->n)
		qsort(ev->v, ev->n, sizeof(*ev->v), tp_cmp);
}

const struct tp_event *tp_events_find(const struct tp_events *ev, const char *name)
{
	struct tp_event key;
	snprintf(key.name, sizeof(key.name), "%s", name);
	return ev->n ? bsearch(&key, ev->v, ev->n, sizeof(*ev->v), tp_cmp) : NULL;
}

void tp_events_free(struct tp_events *ev)
{
	free(ev->v);
	memset(ev, 0, sizeof(*ev));
}
