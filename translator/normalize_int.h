/* Internals shared by normalize*.c: the body being normalized and the
 * abstract values of its long locals. */
#ifndef TRANSLATOR_NORMALIZE_INT_H
#define TRANSLATOR_NORMALIZE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "translator/ast.h"

struct val {
	int known;
	int64_t v;
};

/* The body being normalized: a probe or a function. */
struct norm {
	struct stap_program *p;
	struct stap_var **locals;
	size_t nlocals;
	int opaque; /* embedded C may touch any local: track nothing */
};

struct env {
	struct val *v; /* by var->index; NULL when nothing is tracked */
	size_t n;
};

struct stmts {
	struct stap_stmt **s;
	size_t n, cap;
};

/* normalize.c */
struct stap_stmt *norm_st_new(struct norm *n, enum stap_stmt_kind kind, struct stap_loc loc);
int norm_tracked(const struct norm *n, const struct env *env, const struct stap_var *v);
void norm_push(struct norm *n, struct stmts *l, struct stap_stmt *s);
/* The expression has no effect and cannot fail. */
int norm_pure(const struct stap_expr *e);
/* The statements of l as one body: nothing, the one statement, or a block. */
struct stap_stmt *norm_as_body(struct norm *n, struct stmts *l, struct stap_loc loc);

/* normalize_eval.c: constant arithmetic as the runtime computes it, and full
 * evaluation of an expression whose every part is known. */
int norm_fold_binary(enum stap_op op, int64_t a, int64_t b, int64_t *out);
int norm_fold_unary(enum stap_op op, int64_t a, int64_t *out);
int norm_long_operands(const struct stap_expr *e);
int norm_eval_full(struct norm *n, const struct stap_expr *e, struct env *env, int64_t *out);

/* normalize_dead.c: remove stores to locals nobody reads, then the locals
 * nothing mentions (the first keep, the parameters, stay). */
struct stap_stmt *norm_dead_stores(struct norm *n, struct stap_stmt *body,
				   struct stap_var ***locals, size_t *nlocals, size_t keep);

/* normalize_order.c: points of each probe sorted, probes in canonical order
 * (source order kept among probes sharing an event), functions by name. */
void normalize_order(struct stap_program *p);

#endif
