/* libFuzzer target: the trace-event header scan of kernel.trace
 * (translator/tracepoints.c).  Invariants: every event found has a
 * non-empty NUL-terminated name, class and system made of identifier
 * characters, and the sorted lookup finds each name it stored. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "translator/tracepoints.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ident_ok(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == 0 || n == cap)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

static int ev_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tp_event *)a)->name, ((const struct tp_event *)b)->name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_events ev = {0};

	tp_scan_header((const char *)data, size, &ev);
	for (size_t i = 0; i < ev.n; i++)
		if (!ident_ok(ev.v[i].name, sizeof(ev.v[i].name)) ||
		    !ident_ok(ev.v[i].cls, sizeof(ev.v[i].cls)) ||
		    !ident_ok(ev.v[i].system, sizeof(ev.v[i].system)))
			__builtin_trap();
	if (ev.n)
		qsort(ev.v, ev.n, sizeof(*ev.v), ev_cmp);
	for (size_t i = 0; i < ev.n; i++)
		if (!tp_events_find(&ev, ev.v[i].name))
			__builtin_trap();
	tp_events_free(&ev);
	return 0;
}
