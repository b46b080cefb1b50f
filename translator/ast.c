/* The program's arena and the builtin function table. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translator/ast.h"

/* A chain of blocks; nodes never move and are freed all at once. */
struct stap_arena {
	struct stap_arena *next;
	size_t used, size;
	max_align_t data[];
};

#define ARENA_BLOCK (64 * 1024)

static const char *const op_texts[] = {
    [OP_ADD] = "+",
    [OP_SUB] = "-",
    [OP_MUL] = "*",
    [OP_DIV] = "/",
    [OP_MOD] = "%",
    [OP_SHL] = "<<",
    [OP_SHR] = ">>",
    [OP_AND] = "&",
    [OP_OR] = "|",
    [OP_XOR] = "^",
    [OP_CONCAT] = ".",
    [OP_LAND] = "&&",
    [OP_LOR] = "||",
    [OP_LT] = "<",
    [OP_LE] = "<=",
    [OP_GT] = ">",
    [OP_GE] = ">=",
    [OP_EQ] = "==",
    [OP_NE] = "!=",
    [OP_MATCH] = "=~",
    [OP_ADDR] = "&",
    [OP_NMATCH] = "!~",
    [OP_NEG] = "-",
    [OP_PLUS] = "+",
    [OP_NOT] = "!",
    [OP_BITNOT] = "~",
    [OP_ASSIGN] = "=",
    [OP_PREINC] = "++",
    [OP_POSTINC] = "++",
    [OP_PREDEC] = "--",
    [OP_POSTDEC] = "--",
    [OP_COUNT] = "@count",
    [OP_SUM] = "@sum",
    [OP_MIN] = "@min",
    [OP_MAX] = "@max",
    [OP_AVG] = "@avg",
    [OP_VARIANCE] = "@variance",
    [OP_HIST_LINEAR] = "@hist_linear",
    [OP_HIST_LOG] = "@hist_log",
};

int stap_func_cmp(const struct stap_func *a, const struct stap_func *b)
{
	int r = strcmp(a->name, b->name);
	return r ? r : (a->nparams > b->nparams) - (a->nparams < b->nparams);
}

const char *stap_func_cname(const struct stap_func *f, char *buf, size_t n)
{
	if (!f->overloaded)
		return f->name;
	snprintf(buf, n, "%s__%zu", f->name, f->nparams);
	return buf;
}

const char *stap_op_text(enum stap_op op)
{
	if ((size_t)op < sizeof op_texts / sizeof op_texts[0] && op_texts[op])
		return op_texts[op];
	return "?";
}

void *stap_alloc(struct stap_program *p, size_t n)
{
	struct stap_arena *a = p->arena;
	size_t align = sizeof(max_align_t);

	n = (n + align - 1) / align * align;
	if (!a || a->size - a->used < n) {
		size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		a = malloc(sizeof(*a) + size);
		if (!a) {
			fputs("stap: out of memory\n", stderr);
			abort();
		}
		a->used = 0;
		a->size = size;
		a->next = p->arena;
		p->arena = a;
	}
	void *r = (char *)a->data + a->used;
	a->used += n;
	memset(r, 0, n);
	return r;
}

void *stap_grow(struct stap_program *p, void *v, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t nc = *cap ? *cap * 2 : first;

	if (n < *cap)
		return v;
	if (nc <= n || (size && nc > SIZE_MAX / size)) {
		fputs("stap: out of memory\n", stderr);
		abort();
	}
	void *nv = stap_alloc(p, nc * size);
	if (n)
		memcpy(nv, v, n * size);
	*cap = nc;
	return nv;
}

char *stap_strndup(struct stap_program *p, const char *s, size_t n)
{
	char *r = stap_alloc(p, n + 1);
	memcpy(r, s, n);
	r[n] = 0;
	return r;
}

char *stap_strdup(struct stap_program *p, const char *s)
{
	return stap_strndup(p, s, strlen(s));
}

void stap_program_free(struct stap_program *p)
{
	if (!p)
		return;
	struct stap_arena *a = p->arena;
	while (a) {
		struct stap_arena *next = a->next;
		free(a);
		a = next;
	}
	free(p);
}

struct builtin_desc {
	const char *name;
	enum stap_type ret;
	const char *args;
};

static const struct builtin_desc builtins[BI_COUNT_] = {[BI_NONE] = {"", STAP_T_UNKNOWN, ""},
#define STAP_BI_DESC(id, name, ret, args) [BI_##id] = {name, ret, args},
							STAP_BUILTINS(STAP_BI_DESC)
#undef STAP_BI_DESC
};

const char *stap_builtin_name(enum stap_builtin b)
{
	return b > 0 && b < BI_COUNT_ ? builtins[b].name : "?";
}

enum stap_type stap_builtin_ret(enum stap_builtin b)
{
	return b > 0 && b < BI_COUNT_ ? builtins[b].ret : STAP_T_UNKNOWN;
}

const char *stap_builtin_args(enum stap_builtin b)
{
	return b > 0 && b < BI_COUNT_ ? builtins[b].args : "";
}

int stap_builtin_has_effect(enum stap_builtin b)
{
	static const enum stap_builtin impure[] = {
	    BI_PRINTF, BI_PRINTLN, BI_PRINT, BI_PRINTD, BI_PRINTDLN, BI_EXIT,
	    BI_ERROR,  BI_WARN,	   BI_LOG,   BI_ABORT,	BI_NONE,
	};
	for (int i = 0; impure[i] != BI_NONE; i++)
		if (impure[i] == b)
			return 1;
	return 0;
}

enum stap_builtin stap_builtin_lookup(const char *name)
{
	for (int b = 1; b < BI_COUNT_; b++)
		if (strcmp(builtins[b].name, name) == 0)
			return (enum stap_builtin)b;
	return BI_NONE;
}

const char *stap_type_name(enum stap_type t)
{
	switch (t) {
	case STAP_T_LONG:
		return "long";
	case STAP_T_STRING:
		return "string";
	case STAP_T_STATS:
		return "stats";
	case STAP_T_VOID:
		return "void";
	default:
		return "unknown";
	}
}
