/* The trace system and event class of each tracepoint, from the kernel
 * headers (translator/tracepoints.c). */
#ifndef TRANSLATOR_TRACEPOINTS_H
#define TRANSLATOR_TRACEPOINTS_H

#include <stddef.h>

struct tp_event {
	char name[128];	 /* sched_switch */
	char cls[128];	 /* the event class: __bpf_trace_CLASS has the argument names */
	char system[64]; /* sched */
};

struct tp_events {
	struct tp_event *v; /* sorted by name once loaded */
	size_t n, cap;
};

/* Append the events one header defines (after its #define TRACE_SYSTEM). */
void tp_scan_header(const char *text, size_t len, struct tp_events *ev);
/* Every header of BUILD/include/trace/events and BUILD/arch/SRCARCH/include/
 * asm/trace (or of the tree BUILD/Makefile includes); none found leaves ev
 * empty. */
void tp_events_load(const char *build_dir, const char *srcarch, struct tp_events *ev);
const struct tp_event *tp_events_find(const struct tp_events *ev, const char *name);
void tp_events_free(struct tp_events *ev);

#endif
