/* Pass 2 internals shared by elab*.c and listing.c. */
#ifndef TRANSLATOR_ELAB_INT_H
#define TRANSLATOR_ELAB_INT_H

#include "translator/blocklist.h"
#include "translator/front_int.h"
#include "translator/tracepoints.h"

struct elab {
	struct stap_session *s;
	struct stap_program *p;
	struct diag d;
	/* Symbol tables, loaded on first use. */
	struct sym_table ksyms;
	int ksyms_loaded; /* 1 ok, -1 failed */
	char ksyms_why[512];
	/* The kernel's BTF for $param->member, loaded on first use. */
	struct kbtf *kbtf;
	int kbtf_failed;
	/* Functions not to probe (blocklist.c): the kernel's list, loaded on
	 * first use when the target is the running kernel. */
	struct blocklist block;
	int block_loaded;
	/* Listing mode (-l/-L): collect pp strings instead of failing. */
	int listing;
	/* Context of the probe point being resolved, for $param -> *_arg(N). */
	/* kernel.trace: trace systems and classes from the headers, loaded once. */
	struct tp_events tpev;
	int tpev_loaded;
};

/* Probe points being resolved (elab_points.c). */
struct ptlist {
	struct stap_probe_point *v;
	size_t n, cap;
};
struct stap_probe_point *elab_point_new(struct elab *el, struct ptlist *l, enum stap_pp_kind k);
/* "semantic error: MSG in probe point SPEC"; -1. */
int elab_spec_fail(struct elab *el, const struct stap_pp_spec *sp, const char *msg);
char *elab_pp_fmt(struct elab *el, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An executable as process("PATH") names it (searched in $PATH), or NULL. */
char *elab_process_path(struct elab *el, const char *arg);
int elab_points_kernel_fn(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out);
/* The event families (elab_events.c): 1 with *rc when sp is one of them. */
int elab_points_event(struct elab *el, const struct stap_pp_spec *sp, struct ptlist *out, int *rc);

/* "semantic error: MSG" at loc (elab.c). */
void elab_error(struct elab *el, const struct stap_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The global called name, or NULL (elab_bind.c). */
struct stap_var *elab_find_global(struct stap_program *p, const char *name);
/* Bind the names of a probe / a function (elab_bind.c). */
void elab_bind_probe(struct elab *el, struct stap_probe *pr);
void elab_bind_func(struct elab *el, struct stap_func *f);
/* One round of type inference over the probes and funcs (elab_types.c);
 * check: report what stays unresolved.  *changed: something was inferred. */
void elab_types_round(struct elab *el, struct stap_func **funcs, size_t nfuncs, int check,
		      int *changed);
/* After binding: foreach must not modify its array, probe conditions must
 * have no side effects (elab_check.c). */
void elab_check(struct elab *el, struct stap_func **funcs, size_t nfuncs);
/* Resolve every probe's specs into points, expanding aliases (may split a
 * probe in several).  0 or -1. */
int elab_points(struct elab *el);
/* Deep copies of bodies, for probes made from the same source. */
struct stap_stmt *elab_copy_stmt(struct stap_program *p, const struct stap_stmt *s);
struct stap_expr *elab_copy_expr(struct stap_program *p, const struct stap_expr *e);
/* The BTF parameter list of a kernel function ("$a:long $b:struct x*"), or NULL. */
const char *elab_kernel_proto(struct elab *el, const char *fn);

#endif
