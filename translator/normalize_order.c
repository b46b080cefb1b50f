/* Pass-2 normalization, order: points of a probe are sorted; probes are
 * ordered canonically except that probes sharing an event keep their source
 * order (they run in it); functions are sorted by name. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translator/ast.h"
#include "translator/normalize_int.h"

/* The event a point fires on, for ordering: probes sharing one keep their
 * order.  Kernel and user probes are named by what they attach to, not by
 * how the script spelled it (kernel.function("f") and kprobe.function("f")
 * are one event); all timer.profile probes fire on the same tick. */
static const char *point_event(const struct stap_probe_point *pt, char *buf, size_t len)
{
	static const char *const kinds[] = {"begin", "end", "error"};

	switch (pt->kind) {
	case PP_BEGIN:
	case PP_END:
	case PP_ERROR:
		snprintf(buf, len, "%s(%d)", kinds[pt->kind - PP_BEGIN], pt->sequence);
		break;
	case PP_PROFILE:
		snprintf(buf, len, "profile");
		break;
	case PP_KPROBE:
	case PP_KRETPROBE:
		snprintf(buf, len, "%s:%s:%s", pt->kind == PP_KPROBE ? "kprobe" : "kretprobe",
			 pt->module ? pt->module : "kernel", pt->symbol ? pt->symbol : pt->pp);
		break;
	case PP_UPROBE:
	case PP_URETPROBE:
		snprintf(buf, len, "%s:%s:%llx", pt->kind == PP_UPROBE ? "uprobe" : "uretprobe",
			 pt->path ? pt->path : pt->pp, (unsigned long long)pt->offset);
		break;
	default:
		snprintf(buf, len, "%d:%s", (int)pt->kind, pt->pp ? pt->pp : "");
		break;
	}
	return buf;
}

static int cmp_point(const void *a, const void *b)
{
	const struct stap_probe_point *x = a, *y = b;
	char ex[512], ey[512];
	int c = strcmp(point_event(x, ex, sizeof ex), point_event(y, ey, sizeof ey));

	return c ? c : strcmp(x->pp ? x->pp : "", y->pp ? y->pp : "");
}

/* A probe's events, computed once: its points are sorted already. */
struct probe_events {
	char **ev;
	size_t n;
};

static int cmp_events(const struct probe_events *a, const struct probe_events *b)
{
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		int c = strcmp(a->ev[i], b->ev[i]);
		if (c)
			return c;
	}
	return a->n < b->n ? -1 : a->n > b->n;
}

struct event_use {
	const char *ev;
	size_t probe;
};

static int cmp_use(const void *a, const void *b)
{
	const struct event_use *x = a, *y = b;
	int c = strcmp(x->ev, y->ev);

	return c ? c : x->probe < y->probe ? -1 : x->probe > y->probe;
}

/* Edges "j before i" for probes sharing an event, j < i in source order: per
 * event, between consecutive users (the rest follows).  Returns the edge
 * count; from[k] -> to[k]. */
static size_t order_edges(struct stap_program *p, const struct probe_events *pe, size_t n,
			  size_t **from, size_t **to)
{
	size_t nuse = 0, k = 0, ne = 0;
	struct event_use *use;

	for (size_t i = 0; i < n; i++)
		nuse += pe[i].n;
	use = stap_alloc(p, nuse * sizeof *use + 1);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < pe[i].n; j++)
			use[k++] = (struct event_use){pe[i].ev[j], i};
	qsort(use, nuse, sizeof *use, cmp_use);
	*from = stap_alloc(p, nuse * sizeof **from + 1);
	*to = stap_alloc(p, nuse * sizeof **to + 1);
	for (size_t u = 1; u < nuse; u++)
		if (strcmp(use[u - 1].ev, use[u].ev) == 0 && use[u - 1].probe != use[u].probe) {
			(*from)[ne] = use[u - 1].probe;
			(*to)[ne++] = use[u].probe;
		}
	return ne;
}

/* The smallest order (by events) that keeps every pair of probes sharing an
 * event in source order: repeatedly take the least probe whose predecessors
 * are all placed (Kahn's algorithm). */
static void order_probes(struct stap_program *p)
{
	size_t n = p->nprobes, ne, *from, *to;
	struct stap_probe **src = stap_alloc(p, n * sizeof *src + 1);
	struct probe_events *pe = stap_alloc(p, n * sizeof *pe + 1);
	size_t *indeg = stap_alloc(p, n * sizeof *indeg + 1);
	char *done = stap_alloc(p, n + 1);

	memcpy(src, p->probes, n * sizeof *src);
	for (size_t i = 0; i < n; i++) {
		pe[i].n = src[i]->npoints;
		pe[i].ev = stap_alloc(p, pe[i].n * sizeof *pe[i].ev + 1);
		for (size_t j = 0; j < pe[i].n; j++) {
			char buf[512];
			pe[i].ev[j] =
			    stap_strdup(p, point_event(&src[i]->points[j], buf, sizeof buf));
		}
	}
	ne = order_edges(p, pe, n, &from, &to);
	for (size_t e = 0; e < ne; e++)
		indeg[to[e]]++;
	for (size_t k = 0; k < n; k++) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (!done[i] && !indeg[i] &&
			    (best == n || cmp_events(&pe[i], &pe[best]) < 0))
				best = i;
		done[best] = 1;
		for (size_t e = 0; e < ne; e++)
			if (from[e] == best)
				indeg[to[e]]--;
		p->probes[k] = src[best];
		p->probes[k]->index = (int)k;
	}
}

static int cmp_func(const void *a, const void *b)
{
	return stap_func_cmp(*(struct stap_func *const *)a, *(struct stap_func *const *)b);
}

void normalize_order(struct stap_program *p)
{
	for (size_t i = 0; i < p->nprobes; i++) {
		struct stap_probe *pr = p->probes[i];
		if (pr->npoints > 1)
			qsort(pr->points, pr->npoints, sizeof *pr->points, cmp_point);
	}
	order_probes(p);
	if (p->nfuncs > 1)
		qsort(p->funcs, p->nfuncs, sizeof *p->funcs, cmp_func);
}
