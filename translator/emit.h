/* Pass 3 internals shared by emit*.c: the state of emitting one module. */
#ifndef TRANSLATOR_EMIT_H
#define TRANSLATOR_EMIT_H

#include <stdio.h>

#include "translator/ast.h"
#include "translator/session.h"

struct emit {
	const struct stap_session *s;
	const struct stap_program *p;
	const char *modname;
	FILE *out;  /* where the current function body goes (a memory stream) */
	int errors; /* pass-3 errors printed */
	int label;  /* counter for unique C labels */
	/* The function or probe being emitted. */
	int ntemps;	       /* string temporaries t0..: max used by any statement */
	int cur_temp;	       /* next free temporary in the current statement */
	const char *err_label; /* where a script error unwinds to */
	int brk, cont;	       /* labels of the innermost loop, 0 outside loops */
	enum stap_type ret;    /* return type of the current function; VOID in probes */
	int in_func;
	const char *func_name; /* the function being emitted; NULL in a probe */
	/* The distinct regexes of =~ / !~ (emit_regex.c). */
	struct emit_regex *regexes;
	size_t nregexes;
	int regex_groups; /* matched()/ngroups() are used: record submatches */
	/* Operands already evaluated, in stap's order, into C locals _oN of the
	 * node being emitted (emit_expr.c); order_ids numbers them. */
	const struct emit_pre *pre;
	int order_ids;
};

struct emit_pre {
	const struct stap_expr *x;
	int id;
	const struct emit_pre *next;
};

struct re_prog;
struct emit_regex {
	const char *str;
	size_t len;
	struct re_prog *prog;
};

/* emit_regex.c */
void emit_regex_collect(struct emit *e);
int emit_regex_index(const struct emit *e, const struct stap_expr *x);
void emit_regex_defines(const struct emit *e, FILE *o);
void emit_regex_tables(const struct emit *e, FILE *o);
void emit_regex_match(struct emit *e, const struct stap_expr *x);
void emit_regex_free(struct emit *e);

/* emit_expr.c */
void emit_expr(struct emit *e, const struct stap_expr *x);
/* A whole expression (temporaries counted from zero again). */
void emit_top_expr(struct emit *e, const struct stap_expr *x);
int emit_new_temp(struct emit *e);
/* Array keys as (const union stp_key[]){...}; the mask of a slice's fixed
 * keys (0: not a slice). */
void emit_keys(struct emit *e, struct stap_expr *const *keys, size_t n);
unsigned emit_slice_mask(struct stap_expr *const *keys, size_t n);
void emit_loc_string(struct emit *e, const struct stap_loc *loc, const char *what);
void emit_c_string(FILE *f, const char *s, size_t n);
void emit_var_ref(struct emit *e, const struct stap_var *v);
/* The struct stp_stat * of a statistic or its element (NULL: no such
 * element), and the struct stp_hist * of its histogram. */
void emit_stat_ptr(struct emit *e, const struct stap_expr *a);
void emit_hist_ptr(struct emit *e, const struct stap_var *v);
/* Where a resource limit (MAXACTION, MAXNESTING) was hit, for the runtime:
 * the function's name, or NULL for "the probe point that fired". */
void emit_where(struct emit *e);

/* emit_fmt.c: the printf family. */
void emit_printf_call(struct emit *e, const struct stap_expr *x);

/* emit_stmt.c */
void emit_stmt(struct emit *e, const struct stap_stmt *st);

/* emit.c */
__attribute__((format(printf, 3, 4))) void emit_error(struct emit *e, const struct stap_loc *loc,
						      const char *fmt, ...);

#endif
