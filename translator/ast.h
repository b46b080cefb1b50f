/* The script as parsed (pass 1) and as elaborated (pass 2).
 *
 * One struct stap_program holds both: pass 1 fills probes[] with their
 * probe-point specs, aliases[], globals[], funcs[] and embedded C; pass 2
 * resolves every spec into probes[i].points[], binds every identifier to a
 * struct stap_var / stap_func / builtin id, gives every expression a type,
 * expands aliases into the probes using them and drops unused functions.
 * Every node is allocated from the program's arena and freed by
 * stap_program_free(); nothing is freed on its own.
 *
 * CHANGES: stap_probe_point.params added (front end: "$a:int $b:char*", the
 *          context variables known from BTF/DWARF, for -L and $param).
 *          Others add fields below, grouped and commented.
 */
#ifndef TRANSLATOR_AST_H
#define TRANSLATOR_AST_H

#include <stddef.h>
#include <stdint.h>

struct stap_loc {
	const char *file; /* script name as the user gave it; "<input>" for -e */
	int line;	  /* 1-based */
	int col;	  /* 1-based, in bytes */
};

enum stap_type {
	STAP_T_UNKNOWN = 0, /* not inferred yet (pass 1), or void for functions */
	STAP_T_LONG,	    /* int64_t */
	STAP_T_STRING,	    /* at most MAXSTRINGLEN bytes at run time */
	STAP_T_STATS,	    /* aggregate filled by <<< */
	STAP_T_VOID,	    /* a function or builtin returning nothing */
};

/* ---- expressions ---- */

enum stap_expr_kind {
	E_NUM,	     /* num */
	E_STR,	     /* str (decoded bytes, str_len long; may hold NUL) */
	E_VAR,	     /* scalar local/global/param: name, var */
	E_INDEX,     /* array element: var (global or local array), args[] = keys */
	E_CALL,	     /* user function: name, func, args[] */
	E_BUILTIN,   /* builtin function: name, builtin, args[] */
	E_UNARY,     /* op (-, +, !, ~) a */
	E_BINARY,    /* a op b: arithmetic, bitwise, shifts, '.' (concat) */
	E_COMPARE,   /* a op b: < <= > >= == != (long or string, per a->type) */
	E_LOGICAL,   /* a && b, a || b */
	E_TERNARY,   /* a ? b : c */
	E_ASSIGN,    /* a op= b; a is E_VAR or E_INDEX; op OP_ASSIGN or OP_ADD... */
	E_INCDEC,    /* ++a a++ --a a--: op OP_PREINC..OP_POSTDEC, a lvalue */
	E_IN,	     /* [args...] in var (array membership) */
	E_STATS_ADD, /* a <<< b: a is E_VAR/E_INDEX of stats type, b long */
	E_STAT,	     /* @count(a) ... : stat op, a is E_VAR/E_INDEX of stats */
	E_HIST,	     /* @hist_linear(a, lo, hi, step) / @hist_log(a): only as
		      * print argument or foreach array; args[] = lo, hi, step */
	E_TARGET,    /* $name / $name->f / @var(...): context variable (name) */
	E_ARG,	     /* $N (num) or @N (str): script argument, resolved by pass 2
		      * into E_NUM / E_STR; kept only in -p1 output */
	E_ENTRY,     /* pass 2: @entry(a) in a .return probe, a long saved at
		      * function entry in slot num (probe->entry[num] == a) */
	E_WILD,	     /* '*' as an array key: a slice in delete a[*, k],
		      * [*, k] in a, foreach ([x, y] in a[*, k]) */
};

enum stap_op {
	OP_NONE = 0,
	/* binary */
	OP_ADD,
	OP_SUB,
	OP_MUL,
	OP_DIV,
	OP_MOD,
	OP_SHL,
	OP_SHR,
	OP_AND,
	OP_OR,
	OP_XOR,
	OP_CONCAT,
	/* logical */
	OP_LAND,
	OP_LOR,
	/* comparison */
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_EQ,
	OP_NE,
	/* E_COMPARE, string =~ "regex" / !~: b is the E_STR regex */
	OP_MATCH,
	OP_NMATCH,
	/* unary */
	OP_NEG,
	OP_PLUS,
	OP_NOT,
	OP_BITNOT,
	OP_ADDR, /* E_TARGET: &$var->member, the address */
	/* assignment: OP_ASSIGN for '=', otherwise the binary op of 'op=' */
	OP_ASSIGN,
	/* ++ / -- */
	OP_PREINC,
	OP_PREDEC,
	OP_POSTINC,
	OP_POSTDEC,
	/* E_STAT */
	OP_COUNT,
	OP_SUM,
	OP_MIN,
	OP_MAX,
	OP_AVG,
	OP_VARIANCE, /* e->num: the bit shift */
	/* E_HIST */
	OP_HIST_LINEAR,
	OP_HIST_LOG,
};

/* Builtin functions, declared in C (no tapset library is parsed).
 * X(ID, "name", return type, argument types) where argument types is a string
 * of 'l' long, 's' string, 'a' any (long or string); a trailing '*' means "any
 * number more of the previous kind", '?' marks the start of optional ones.
 * The printf family is checked against its format string by pass 2. */
#define STAP_BUILTINS(X)                                                                           \
	X(PRINTF, "printf", STAP_T_VOID, "sa*")                                                    \
	X(SPRINTF, "sprintf", STAP_T_STRING, "sa*")                                                \
	X(PRINTLN, "println", STAP_T_VOID, "?a*")                                                  \
	X(PRINT, "print", STAP_T_VOID, "?a*")                                                      \
	X(SPRINT, "sprint", STAP_T_STRING, "?a*")                                                  \
	X(SPRINTLN, "sprintln", STAP_T_STRING, "?a*")                                              \
	X(PRINTD, "printd", STAP_T_VOID, "sa*")                                                    \
	X(PRINTDLN, "printdln", STAP_T_VOID, "sa*")                                                \
	X(SPRINTD, "sprintd", STAP_T_STRING, "sa*")                                                \
	X(EXIT, "exit", STAP_T_VOID, "")                                                           \
	X(ERROR, "error", STAP_T_VOID, "s")                                                        \
	X(WARN, "warn", STAP_T_VOID, "s")                                                          \
	X(LOG, "log", STAP_T_VOID, "s")                                                            \
	X(ABORT, "abort", STAP_T_VOID, "")                                                         \
	X(STRLEN, "strlen", STAP_T_LONG, "s")                                                      \
	X(SUBSTR, "substr", STAP_T_STRING, "sll")                                                  \
	X(ISINSTR, "isinstr", STAP_T_LONG, "ss")                                                   \
	X(STRPOS, "strpos", STAP_T_LONG, "ss")                                                     \
	X(STRTOL, "strtol", STAP_T_LONG, "sl")                                                     \
	X(STR_REPLACE, "str_replace", STAP_T_STRING, "sss")                                        \
	X(STRINGAT, "stringat", STAP_T_LONG, "sl")                                                 \
	X(TEXT_STR, "text_str", STAP_T_STRING, "s")                                                \
	X(TEXT_STRN, "text_strn", STAP_T_STRING, "sll")                                            \
	X(TOKENIZE, "tokenize", STAP_T_STRING, "ss")                                               \
	X(STRING, "string", STAP_T_STRING, "l")                                                    \
	X(HEXSTRING, "hexstring", STAP_T_STRING, "l")                                              \
	X(TOUPPER, "str_toupper", STAP_T_STRING, "s")                                              \
	X(TOLOWER, "str_tolower", STAP_T_STRING, "s")                                              \
	X(PID, "pid", STAP_T_LONG, "")                                                             \
	X(TID, "tid", STAP_T_LONG, "")                                                             \
	X(PPID, "ppid", STAP_T_LONG, "")                                                           \
	X(UID, "uid", STAP_T_LONG, "")                                                             \
	X(GID, "gid", STAP_T_LONG, "")                                                             \
	X(EUID, "euid", STAP_T_LONG, "")                                                           \
	X(EGID, "egid", STAP_T_LONG, "")                                                           \
	X(EXECNAME, "execname", STAP_T_STRING, "")                                                 \
	X(PEXECNAME, "pexecname", STAP_T_STRING, "")                                               \
	X(CPU, "cpu", STAP_T_LONG, "")                                                             \
	X(GETTIMEOFDAY_S, "gettimeofday_s", STAP_T_LONG, "")                                       \
	X(GETTIMEOFDAY_MS, "gettimeofday_ms", STAP_T_LONG, "")                                     \
	X(GETTIMEOFDAY_US, "gettimeofday_us", STAP_T_LONG, "")                                     \
	X(GETTIMEOFDAY_NS, "gettimeofday_ns", STAP_T_LONG, "")                                     \
	X(LOCAL_CLOCK_NS, "local_clock_ns", STAP_T_LONG, "")                                       \
	X(JIFFIES, "jiffies", STAP_T_LONG, "")                                                     \
	X(GET_CYCLES, "get_cycles", STAP_T_LONG, "")                                               \
	X(PROBEFUNC, "probefunc", STAP_T_STRING, "")                                               \
	X(PP, "pp", STAP_T_STRING, "")                                                             \
	X(TARGET, "target", STAP_T_LONG, "")                                                       \
	X(IS_RETURN, "is_return", STAP_T_LONG, "")                                                 \
	X(INT_ARG, "int_arg", STAP_T_LONG, "l")                                                    \
	X(UINT_ARG, "uint_arg", STAP_T_LONG, "l")                                                  \
	X(LONG_ARG, "long_arg", STAP_T_LONG, "l")                                                  \
	X(ULONG_ARG, "ulong_arg", STAP_T_LONG, "l")                                                \
	X(POINTER_ARG, "pointer_arg", STAP_T_LONG, "l")                                            \
	X(S32_ARG, "s32_arg", STAP_T_LONG, "l")                                                    \
	X(U32_ARG, "u32_arg", STAP_T_LONG, "l")                                                    \
	X(S64_ARG, "s64_arg", STAP_T_LONG, "l")                                                    \
	X(U64_ARG, "u64_arg", STAP_T_LONG, "l")                                                    \
	X(RETURNVAL, "returnval", STAP_T_LONG, "")                                                 \
	X(REGISTER, "register", STAP_T_LONG, "s")                                                  \
	X(PROCFS_VALUE, "_procfs_value", STAP_T_STRING, "")                                        \
	X(PROCFS_SET, "_procfs_set_value", STAP_T_VOID, "s")                                       \
	X(KERNEL_STRING, "kernel_string", STAP_T_STRING, "l?s")                                    \
	X(KERNEL_STRING_N, "kernel_string_n", STAP_T_STRING, "ll")                                 \
	X(KERNEL_LONG, "kernel_long", STAP_T_LONG, "l")                                            \
	X(KERNEL_INT, "kernel_int", STAP_T_LONG, "l")                                              \
	X(KERNEL_SHORT, "kernel_short", STAP_T_LONG, "l")                                          \
	X(KERNEL_CHAR, "kernel_char", STAP_T_LONG, "l")                                            \
	X(KERNEL_POINTER, "kernel_pointer", STAP_T_LONG, "l")                                      \
	X(USER_STRING, "user_string", STAP_T_STRING, "l?s")                                        \
	X(USER_STRING_N, "user_string_n", STAP_T_STRING, "ll")                                     \
	X(USER_LONG, "user_long", STAP_T_LONG, "l")                                                \
	X(USER_INT, "user_int", STAP_T_LONG, "l")                                                  \
	X(USER_SHORT, "user_short", STAP_T_LONG, "l")                                              \
	X(USER_CHAR, "user_char", STAP_T_LONG, "l")                                                \
	X(USER_POINTER, "user_pointer", STAP_T_LONG, "l")                                          \
	X(MODULE_NAME, "module_name", STAP_T_STRING, "")                                           \
	X(STP_PID, "stp_pid", STAP_T_LONG, "")                                                     \
	X(RANDINT, "randint", STAP_T_LONG, "l")                                                    \
	X(ABS, "abs", STAP_T_LONG, "l")                                                            \
	X(MIN, "min", STAP_T_LONG, "ll")                                                           \
	X(MAX, "max", STAP_T_LONG, "ll")                                                           \
	X(MATCHED, "matched", STAP_T_STRING, "l")                                                  \
	X(MATCHED_STR, "matched_str", STAP_T_STRING, "")                                           \
	X(NGROUPS, "ngroups", STAP_T_LONG, "")

enum stap_builtin {
	BI_NONE = 0,
#define STAP_BI_ENUM(id, name, ret, args) BI_##id,
	STAP_BUILTINS(STAP_BI_ENUM)
#undef STAP_BI_ENUM
	    BI_COUNT_
};

struct stap_var;
struct stap_func;

struct stap_expr {
	enum stap_expr_kind kind;
	enum stap_op op;
	enum stap_type type; /* set by pass 2 */
	struct stap_loc loc;
	int64_t num; /* E_NUM value; E_ARG argument number */
	char *str;   /* E_STR bytes; identifier for E_VAR/E_INDEX/E_CALL/E_BUILTIN/E_TARGET */
	size_t str_len;
	struct stap_expr *a, *b, *c;
	struct stap_expr **args; /* call arguments, array keys, E_HIST lo/hi/step */
	size_t nargs;
	struct stap_var *var;	   /* pass 2: E_VAR, E_INDEX, E_IN */
	struct stap_func *func;	   /* pass 2: E_CALL */
	enum stap_builtin builtin; /* pass 2: E_BUILTIN */
};

/* ---- statements ---- */

enum stap_stmt_kind {
	S_NULL,	   /* ; */
	S_BLOCK,   /* { stmts } */
	S_EXPR,	   /* expr ; */
	S_IF,	   /* if (expr) body else els */
	S_WHILE,   /* while (expr) body */
	S_FOR,	   /* for (init; expr; step) body; any of the three may be NULL */
	S_FOREACH, /* see foreach fields */
	S_BREAK,
	S_CONTINUE,
	S_NEXT,	    /* leave the probe handler */
	S_RETURN,   /* return expr (NULL in a void function) */
	S_DELETE,   /* delete expr: E_VAR (whole array or scalar) or E_INDEX */
	S_TRY,	    /* try body catch (catch_var) els */
	S_EMBEDDED, /* %{ code %} as a statement inside a function (guru) */
};

struct stap_stmt {
	enum stap_stmt_kind kind;
	struct stap_loc loc;
	struct stap_stmt **stmts; /* S_BLOCK */
	size_t nstmts;
	struct stap_expr *expr;	       /* S_EXPR, condition of IF/WHILE/FOR, RETURN, DELETE */
	struct stap_expr *init, *step; /* S_FOR */
	struct stap_stmt *body, *els;  /* IF/WHILE/FOR/FOREACH body; else; catch */
	/* S_FOREACH: foreach (value = [keys...] in array sort limit N) */
	struct stap_var **keys; /* loop variables bound to the keys */
	size_t nkeys;
	struct stap_var *value;	 /* optional "v =" binding, or NULL */
	struct stap_expr *array; /* E_VAR of an array, E_INDEX of a slice, or E_HIST */
	int sort_column;	 /* 0 none; -1 the value (@count of a stats array); k>0 key k */
	int sort_dir;		 /* +1 ascending ('+'), -1 descending ('-') */
	int sort_agg;		 /* value sort of a stats array: OP_COUNT..OP_AVG, or 0 */
	struct stap_expr *limit; /* NULL or long expression */
	/* S_TRY */
	struct stap_var *catch_var; /* NULL when "catch" has no variable */
	/* S_EMBEDDED */
	char *code;
};

/* ---- symbols ---- */

enum stap_var_scope {
	STAP_VAR_GLOBAL,
	STAP_VAR_LOCAL, /* probe or function local, foreach key, catch var */
	STAP_VAR_PARAM, /* function parameter */
};

/* Statistic operations used on a stats variable (bitmask): the runtime only
 * keeps what is used. */
enum {
	STAP_STAT_COUNT = 1 << 0,
	STAP_STAT_SUM = 1 << 1,
	STAP_STAT_MIN = 1 << 2,
	STAP_STAT_MAX = 1 << 3,
	STAP_STAT_AVG = 1 << 4,
	STAP_STAT_HIST_LINEAR = 1 << 5,
	STAP_STAT_HIST_LOG = 1 << 6,
	STAP_STAT_VARIANCE = 1 << 7,
};

#define STAP_MAX_ARITY 9 /* array keys */

struct stap_var {
	char *name;
	struct stap_loc loc; /* declaration or first use */
	enum stap_var_scope scope;
	enum stap_type type; /* scalar type, or the array's value type */
	int arity;	     /* 0 scalar; else number of array keys */
	enum stap_type key_types[STAP_MAX_ARITY];
	long maxsize;		/* global arr[N]: N; 0 = default MAXMAPENTRIES */
	int wrap;		/* global arr[N]% : wrap around when full */
	int index;		/* position in its owner's vars[] (globals[] / locals[]) */
	struct stap_expr *init; /* global initializer (E_NUM / E_STR), or NULL */
	int stat_ops;		/* STAP_STAT_* used on it */
	int64_t hist_lo, hist_hi, hist_step; /* @hist_linear parameters (one set) */
	int variance_shift;		     /* @variance(x, N): N (one value) */
	int read, written;		     /* pass 2 usage, for warnings */
	int private_;			     /* declared "private" */
	int from_cmdline;		     /* set by -G name=value */
};

struct stap_func {
	char *name;
	struct stap_loc loc;
	enum stap_type ret; /* STAP_T_UNKNOWN until inferred; STAP_T_VOID if none */
	int ret_declared;   /* "function f:long" */
	struct stap_var **params;
	size_t nparams;
	struct stap_var **locals; /* params first, then other locals */
	size_t nlocals;
	struct stap_stmt *body; /* NULL when the body is embedded C */
	char *embedded;		/* %{ ... %} body (guru only) */
	int pure, unprivileged; /* the pure / unprivileged markers */
	int used;		/* pass 2: reachable from a probe */
	int overloaded;		/* another function has this name (and another arity) */
};

/* ---- probe points ---- */

/* One component of a probe point as written: name("arg") or name(N) or name. */
struct stap_pp_comp {
	char *name;
	int has_arg;
	int arg_is_num;
	char *arg_str; /* string argument (wildcards allowed) */
	int64_t arg_num;
};

/* A probe point as written: kernel.function("vfs_*").return ? */
struct stap_pp_spec {
	struct stap_loc loc;
	struct stap_pp_comp *comps;
	size_t ncomps;
	int optional;		/* '?': matching nothing is not an error */
	int sufficient;		/* '!': stop at the first of the list that resolves */
	struct stap_expr *cond; /* "if (expr)" condition, or NULL */
	char *text;		/* as written, canonical spacing */
};

enum stap_pp_kind {
	PP_BEGIN,
	PP_END,
	PP_ERROR,
	PP_TIMER,     /* timer.ms(N) etc.: period_ns, randomize_ns, jiffies */
	PP_PROFILE,   /* timer.profile: every tick on every CPU */
	PP_KPROBE,    /* kernel/module function entry: symbol, module */
	PP_KRETPROBE, /* ... .return */
	PP_UPROBE,    /* process("PATH").function("F"): path, symbol, offset */
	PP_URETPROBE,
	PP_TRACE,	 /* kernel.trace("NAME"): symbol (tracepoint), nargs, params, btf_func */
	PP_NEVER,	 /* never: elaborated, never registered */
	PP_PROC_BEGIN,	 /* process[("PATH")].begin: path or NULL (any program) */
	PP_PROC_END,	 /* process[("PATH")].end */
	PP_PROC_SYSCALL, /* process[("PATH")].syscall: nargs, params, argkinds as PP_TRACE */
	PP_PROC_SYSRET,	 /* process[("PATH")].syscall.return */
	PP_PROCFS_READ,	 /* procfs("NAME").read: path = NAME */
	PP_PROCFS_WRITE,
	PP_KSTMT_ABS, /* kernel.statement(ADDR).absolute: address (guru) */
};

/* A resolved probe point: everything passes 3-5 need. */
struct stap_probe_point {
	enum stap_pp_kind kind;
	char *pp;     /* the pp() string, e.g. kernel.function("vfs_read").return */
	int sequence; /* begin(N) / end(N) order; 0 default */
	/* PP_TIMER */
	int64_t period_ns;    /* 0 when jiffies is used */
	int64_t randomize_ns; /* .randomize(N) in the same unit, converted */
	int64_t jiffies;      /* timer.jiffies(N) / timer.hz(N) stay in jiffies/hz */
	int64_t hz;
	/* PP_KPROBE / PP_KRETPROBE */
	char *symbol;	  /* function name as in System.map / the symtab */
	char *module;	  /* NULL for the kernel, else module name ("ext4") */
	uint64_t address; /* System.map / symtab address (informational) */
	/* PP_UPROBE / PP_URETPROBE */
	char *path;	 /* absolute path of the ELF file */
	uint64_t offset; /* file offset of the function's entry (uprobe_register) */
	uint64_t vaddr;	 /* ELF st_value */
	int maxactive;	 /* .maxactive(N) for kretprobes, 0 default */
	/* Front end: the function's parameters as "$a:int $b:char*" when known
	 * (kernel BTF, program DWARF), else NULL. */
	char *params;
	/* PP_TRACE: the probe function's arguments, the data pointer first
	 * (params lists them so, $__data first), and the BTF function whose
	 * parameters have those names and types, for $arg->member. */
	int nargs;
	char *btf_func;
	char *argkinds; /* per argument: 'p' pointer, b/h/i/l 1/2/4/8 bytes, upper case unsigned */
};

struct stap_probe {
	struct stap_loc loc;
	struct stap_pp_spec **specs; /* pass 1: points as written */
	size_t nspecs;
	struct stap_probe_point *points; /* pass 2: resolved (aliases expanded) */
	size_t npoints;
	struct stap_stmt *body; /* pass 2: alias prologues/epilogues spliced in */
	struct stap_var **locals;
	size_t nlocals;
	struct stap_expr *cond; /* pass 2: combined "if" condition, or NULL */
	int index;		/* position in probes[] */
	/* pass 2: the @entry(expr) of a .return probe, evaluated at function
	 * entry in this order into slots 0..nentry-1 */
	struct stap_expr **entry;
	size_t nentry;
};

/* probe name = point, point { prologue }  (or += for an epilogue) */
struct stap_alias {
	struct stap_loc loc;
	struct stap_pp_spec **names; /* the alias names (no wildcards) */
	size_t nnames;
	struct stap_pp_spec **specs; /* what it expands to */
	size_t nspecs;
	struct stap_stmt *body;
	int epilogue; /* += */
};

/* ---- the program ---- */

struct stap_arena;

/* A library file's name as messages show it ("tapset/syscalls.stp") and its
 * text (arena copies). */
struct stap_source {
	const char *file;
	const char *text;
	size_t len;
	size_t first_embedded; /* its top-level %{ %} blocks start here in embedded[] */
};

struct stap_program {
	struct stap_arena *arena; /* owns every node */
	const char *file;	  /* script name for messages */
	struct stap_probe **probes;
	size_t nprobes;
	struct stap_alias **aliases;
	size_t naliases;
	struct stap_var **globals;
	size_t nglobals;
	struct stap_func **funcs; /* pass 2: only the used ones, by name */
	size_t nfuncs;
	char **embedded; /* top-level %{ %} blocks (guru), in order */
	size_t nembedded;
	int guru; /* embedded C was allowed (-g) */
	/* Tapset library files parsed with the script (tapset.c), for the
	 * source lines of messages; their nodes' loc.file is sources[i].file. */
	struct stap_source *sources;
	size_t nsources;
	/* Pass 2 facts the back end needs. */
	int uses_target; /* target() used */
	int has_kernel_probes, has_user_probes, has_timers;
};

void stap_program_free(struct stap_program *p);
/* Allocation from the program's arena (never NULL: aborts on ENOMEM). */
/* An operator as the script writes it ("+", "<<", "@count"); "?" for none. */
const char *stap_op_text(enum stap_op op);
/* Functions in canonical order: by name, then by arity (overloads). */
int stap_func_cmp(const struct stap_func *a, const struct stap_func *b);
/* The C name of f's body: NAME, or NAME__N for an overload taking N
 * (buf of STAP_FUNC_CNAME_MAX bytes). */
#define STAP_FUNC_CNAME_MAX 300
const char *stap_func_cname(const struct stap_func *f, char *buf, size_t n);

void *stap_alloc(struct stap_program *p, size_t n);
/* Room for element n of the arena array v (*cap elements of size bytes):
 * a copy twice as large (first when empty) once n reaches *cap.  Returns the
 * array to use; the old copy stays in the arena until the program is freed. */
void *stap_grow(struct stap_program *p, void *v, size_t n, size_t *cap, size_t size, size_t first);
char *stap_strdup(struct stap_program *p, const char *s);
char *stap_strndup(struct stap_program *p, const char *s, size_t n);

/* Name, return type and argument signature of a builtin. */
const char *stap_builtin_name(enum stap_builtin b);
enum stap_type stap_builtin_ret(enum stap_builtin b);
const char *stap_builtin_args(enum stap_builtin b);
enum stap_builtin stap_builtin_lookup(const char *name);
/* The builtin prints, stops the script or fails on purpose (a probe
 * condition must not call it). */
int stap_builtin_has_effect(enum stap_builtin b);
const char *stap_type_name(enum stap_type t);

#endif
