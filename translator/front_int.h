/* Front-end internals shared by the lexer, preprocessor, parser, elaborator
 * and printers (not used outside the front end). */
#ifndef TRANSLATOR_FRONT_INT_H
#define TRANSLATOR_FRONT_INT_H

#include <stdarg.h>
#include <stdio.h>

#include "lib/strbuf.h"
#include "translator/ast.h"
#include "translator/session.h"

/* ---- diagnostics: file:line:col: message, source line, caret ---- */

struct diag {
	const char *src; /* the script text, for the source line */
	size_t len;
	FILE *out; /* NULL: quiet (fuzzing) */
	int nerrors, nwarnings;
	int no_warnings; /* -w */
	/* Library files: their source lines; warnings in them are not shown. */
	const struct stap_source *lib;
	size_t nlib;
};

void diag_error(struct diag *d, const struct stap_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_warn(struct diag *d, const struct stap_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- tokens ---- */

enum tok_kind {
	TK_EOF,
	TK_IDENT,    /* name or keyword */
	TK_NUM,	     /* num */
	TK_STR,	     /* str/str_len: decoded bytes */
	TK_OP,	     /* punctuation, text/len */
	TK_DOLLAR,   /* $name, $1, $#, $$vars */
	TK_AT,	     /* @name, @1, @# */
	TK_EMBEDDED, /* %{ ... %}: str is the code between */
};

struct token {
	enum tok_kind kind;
	const char *text; /* source text of the token (or arena copy) */
	int len;
	struct stap_loc loc;
	int adjacent; /* no blank or comment before it */
	int64_t num;
	char *str;
	size_t str_len;
};

/* -n for a literal, in two's complement: "-9223372036854775808" is INT64_MIN,
 * and negating it must not be signed overflow. */
static inline int64_t tok_neg(int64_t n)
{
	return (int64_t)(0 - (uint64_t)n);
}

struct tokvec {
	struct token *v;
	size_t n, cap;
};

void tokvec_push(struct tokvec *tv, const struct token *t);
void tokvec_free(struct tokvec *tv);
int tok_is(const struct token *t, enum tok_kind k, const char *text);
/* A short description for messages: "identifier 'x'", "'{'", "end of input". */
const char *tok_describe(const struct token *t, char *buf, size_t n);

/* Tokenize src; appends to out, ending with TK_EOF.  0 or -1 (errors in d). */
int lex_tokens(struct stap_program *p, struct diag *d, const char *file, const char *src,
	       size_t len, struct tokvec *out);

/* ---- preprocessor: %( %? %: %), @define, $N @N $# @# ---- */

struct pp_env {
	const char *kernel_v;  /* "6.1.0" */
	const char *kernel_vr; /* "6.1.0-56-amd64" */
	const char *arch;
	const char *config; /* the target .config path, or NULL */
	char **args;
	int nargs;
	int guru;
	const struct stap_session *s; /* for the library's macro files, or NULL */
};

void pp_env_from_session(struct pp_env *e, const struct stap_session *s, char *kv, size_t kvlen);
int preprocess(struct stap_program *p, struct diag *d, const struct pp_env *env,
	       const struct tokvec *in, struct tokvec *out);

/* ---- parser ---- */

int parse_tokens(struct stap_program *p, struct diag *d, const struct tokvec *tv, int guru);

/* ---- printing ---- */

void sb_quote(struct strbuf *b, const char *s, size_t n);

void print_expr(struct strbuf *b, const struct stap_expr *e, int typed);
void print_spec(struct strbuf *b, const struct stap_pp_spec *sp);
/* base with the components of sp from `from` on appended (alias
 * suffixes), its text made anew; in p's arena. */
struct stap_pp_spec *spec_with_suffix(struct stap_program *p, const struct stap_pp_spec *base,
				      const struct stap_pp_spec *sp, size_t from);

/* ---- symbols (System.map or the kernel's BTF, module and ELF symtabs) ---- */

struct sym {
	char *name;	 /* function name */
	uint64_t addr;	 /* address (0 when unknown, as from BTF) */
	uint64_t offset; /* file offset (ELF files only) */
	char *proto;	 /* "$a:long $b:struct file*" for -L, or NULL */
};

struct sym_table {
	struct sym *v; /* sorted by name, unique */
	size_t n, cap;
	const char *source; /* where the names came from, for messages */
	char *blob;	    /* when set, names and protos point into it */
};
/* Every probe-able function of the target kernel.  0, or -1 with why. */
int symbols_kernel(const struct stap_kernel *k, struct sym_table *t, char *why, size_t whylen);
int symbols_module(const struct stap_kernel *k, const char *module, struct sym_table *t, char *why,
		   size_t whylen);
/* Module names of the target kernel (modules.dep), for module("*"). */
int symbols_module_names(const struct stap_kernel *k, struct sym_table *t);
/* Functions defined in an ELF executable or library. */
int symbols_elf(const char *path, struct sym_table *t, char *why, size_t whylen);
void symbols_free(struct sym_table *t);

/* How to read $param->a->b at the entry of a kernel function, from the target
 * kernel's BTF: start from the pointer in argument `param`; before step i,
 * load a pointer at the address so far when deref[i]; add off[i]; finally
 * read the address with `reader` (kernel_long/int/short/char/pointer/string). */
#define BTF_MAX_STEPS 16
struct btf_access {
	int param; /* 1-based */
	int nsteps;
	int deref[BTF_MAX_STEPS];
	uint32_t off[BTF_MAX_STEPS];
	enum stap_builtin reader; /* BI_NONE with addr_only */
	int addr_only;		  /* set by the caller: the address, no read (&) */
	int pretty;		  /* set by the caller ($var$): a structure's address */
	uint32_t type;		  /* with pretty: the structure's BTF type, or 0 */
	int64_t mask;		  /* an unsigned integer narrower than 64 bits: its bits, else 0 */
};
/* One member of a structure, for $var$ / $var$$ (kbtf_fields). */
struct btf_field {
	const char *name;	  /* in the BTF strings, valid while it is open */
	uint32_t off;		  /* bytes */
	enum stap_builtin reader; /* how to read it; BI_NONE when it has no reader */
	uint32_t type;		  /* a nested structure or union (else 0) */
};
struct kbtf; /* the target kernel's BTF, loaded */
struct kbtf *kbtf_open(const struct stap_kernel *k, char *why, size_t whylen);
int kbtf_access(struct kbtf *h, const char *func, const char *param, const char *chain,
		struct btf_access *out, char *why, size_t whylen);
/* @cast(addr, "struct file")->a->b: param stays 0, the walk starts at addr. */
int kbtf_cast(struct kbtf *h, const char *type, const char *chain, struct btf_access *out,
	      char *why, size_t whylen);
/* The named, byte-aligned members of structure type, at most max.  Their
 * count. */
int kbtf_fields(struct kbtf *h, uint32_t type, struct btf_field *out, int max);
void kbtf_close(struct kbtf *h);
/* The tracepoints of vmlinux (btf_trace_NAME typedefs): *names points into
 * h (free only the array).  kbtf_tracepoint gives one's probe-function
 * arguments as "$__data:void* $arg1:TYPE ..." (malloc'd), their count, and
 * in kinds (BTF_TP_MAXARGS + 1 bytes) how each is read: 'p' a pointer, else
 * b/h/i/l for 1/2/4/8 bytes, upper case when unsigned; -1 with why when it
 * has none or passes one by value. */
#define BTF_TP_MAXARGS 16
size_t kbtf_tracepoint_names(struct kbtf *h, char ***names);
int kbtf_tracepoint(struct kbtf *h, const char *name, char **params, char *kinds, int *nargs,
		    char *why, size_t whylen);

/* Edit distance, for "did you mean". */
int front_edit_distance(const char *a, const char *b, int cap);

#endif
