/* The module loader shared by staprun (root) and staprun.auth (setuid):
 * read a module once into memory, check its parameters against .modinfo,
 * load that buffer with init_module(2), run the -c child, relay the
 * transport's output, ask the module to exit, and unload it.
 *
 * Functions return 0 or -errno and, on error, fill a struct loader_err with
 * one readable line (no program prefix, no newline), e.g.
 *   "stp_test.ko: not built for this kernel (vermagic 6.1.0-9 ..., running 6.1.0-56-amd64)".
 *
 * The kernel side is runtime/transport.c: /proc/<module name>/{data,control},
 * mode 0600, owned by root: the loader alone opens them (with its effective
 * uid) and relays the output to the user the module was loaded for
 * (_stp_uid/_stp_gid), who cannot open them directly. */
#ifndef STAPRUN_LOADER_H
#define STAPRUN_LOADER_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/modinfo.h"

#define LOADER_ERR_MAX 512
#define LOADER_MODULE_MAX (64u << 20)  /* size cap for a module file */
#define LOADER_SYMVERS_MAX (32u << 20) /* size cap for Module.symvers */
#ifndef LOADER_MODULES_DIR
#define LOADER_MODULES_DIR "/lib/modules"
#endif

struct loader_err {
	char msg[LOADER_ERR_MAX];
};

/* A module held in memory, with its parsed .modinfo. */
struct loader_module {
	unsigned char *buf; /* the bytes that are checked and loaded */
	size_t len;
	int owned;			 /* buf is freed by loader_module_free */
	char label[256];		 /* how errors name it (the path given) */
	char name[MODINFO_NAME_MAX + 1]; /* kernel module name, from .modinfo */
	struct modinfo mi;
};

/* Read path (O_NOFOLLOW, regular file, size cap) and parse it. */
int loader_module_read(const char *path, struct loader_module *m, struct loader_err *e);
/* Use a buffer the caller already read and verified (staprun.auth).  buf is
 * borrowed: it must outlive m and is not freed by loader_module_free.  If
 * the caller renames the in-memory copy it must call this (again) after. */
int loader_module_use(unsigned char *buf, size_t len, const char *label, struct loader_module *m,
		      struct loader_err *e);
void loader_module_free(struct loader_module *m);
/* Before init_module: the module was built for the running kernel.  Its
 * vermagic release is uname -r, it is PREEMPT_RT (vermagic "preempt_rt")
 * exactly when the kernel is (/sys/kernel/realtime), and every __versions
 * CRC agrees with LOADER_MODULES_DIR/RELEASE/build/Module.symvers when that
 * file exists.  0, or -ENOEXEC with one line naming both kernels.  The
 * kernel's own vermagic and CRC checks still apply at init_module. */
int loader_module_check_kernel(const struct loader_module *m, struct loader_err *e);

/* Module parameters as init_module(2) takes them. */
struct loader_params {
	char *str;    /* "a=1 b=\"x y\"", never NULL after init */
	char **names; /* every parameter name set, in order */
	size_t n, cap;
};

#define LOADER_PARAM_STRICT 0x1	  /* values only [A-Za-z0-9_.:+-] (staprun.auth) */
#define LOADER_PARAM_INTERNAL 0x2 /* allow names starting "_stp_" */

void loader_params_init(struct loader_params *p);
void loader_params_free(struct loader_params *p);
/* Add one "name=value" argument.  The name must be declared by the module
 * (its .modinfo parm/parmtype) and set at most once; "_stp_*" names need
 * LOADER_PARAM_INTERNAL; values are printable ASCII without '"' or '\',
 * at most 1024 bytes (stricter with LOADER_PARAM_STRICT). */
int loader_params_add(struct loader_params *p, const struct loader_module *m, const char *arg,
		      int flags, struct loader_err *e);
/* Add an internal parameter (_stp_uid, _stp_gid, _stp_target) by value. */
int loader_params_add_internal(struct loader_params *p, const struct loader_module *m,
			       const char *name, long long value, struct loader_err *e);

/* init_module(2) of m's buffer, never with MODULE_INIT_IGNORE_* flags.
 * Kernel errors become lines such as "a module named X is already loaded". */
int loader_load(const struct loader_module *m, const struct loader_params *p, struct loader_err *e);
/* Phrase for an init_module errno (used by loader_load). */
const char *loader_load_strerror(int err);

/* delete_module(name, O_NONBLOCK), retrying briefly while the module is
 * still busy.  -ENOENT when no such module is loaded. */
int loader_unload(const char *name, struct loader_err *e);
/* 1 if a module of that name is in /proc/modules, 0 if not. */
int loader_is_loaded(const char *name);

/* "/proc/<name>[/<file>]" into out.  -ENAMETOOLONG if it does not fit. */
int loader_proc_path(const char *name, const char *file, char *out, size_t outlen);

/* The -c child: created blocked, released once the probes are live. */
struct loader_child {
	pid_t pid;
	int go_fd; /* parent's end of the release pipe, -1 once used */
};

/* Called in the child after fork, before it waits to be released and
 * before exec: staprun.auth drops privileges here.  Return 0 or -errno; on
 * error the child writes msg to stderr and exits 127 without exec. */
typedef int (*loader_child_hook)(void *arg, struct loader_err *e);

struct loader_child_opts {
	const char *cmd;	/* run as /bin/sh -c CMD */
	char *const *envp;	/* environment for exec; NULL: environ */
	loader_child_hook hook; /* may be NULL */
	void *hook_arg;
	int stdin_null; /* the command reads /dev/null, not the loader's stdin */
};

int loader_child_start(const struct loader_child_opts *o, struct loader_child *c,
		       struct loader_err *e);
/* Let the child exec. */
int loader_child_release(struct loader_child *c);
/* Kill (SIGKILL) and reap a child never released.  Safe on a zero pid. */
void loader_child_abort(struct loader_child *c);

/* Relaying output: see relay.h.  The whole staprun session: */
struct loader_run_opts {
	int out_fd; /* probe output (-o FILE opened by the caller), -1: stdout */
	const struct loader_child_opts *child; /* -c CMD, or NULL */
	pid_t target_pid;		       /* -x PID, or 0 */
	uid_t owner_uid;		       /* _stp_uid / _stp_gid: the user it runs for */
	gid_t owner_gid;
	int verbose;
	/* Tied to the controlling connection (--tied): end the run, as SIGINT
	 * would, when stdin reaches end-of-file or fails, or stdout hangs up. */
	int tied;
	/* Called after a successful load, with the module loaded (staprun.auth
	 * records the live load); may be NULL.  Non-zero aborts the run (the
	 * module is unloaded). */
	int (*loaded)(void *arg, const struct loader_module *m);
	void *loaded_arg;
};

/* --tied: is the caller gone?  1 when in is at end-of-file or failing
 * (input that arrives is read and dropped) or out has hung up (its reader
 * closed); 0 otherwise.  Never blocks. */
int loader_tie_broken(int in, int out);

/* Load m with params p (plus _stp_uid/_stp_gid/_stp_target, added here),
 * start and release the child once the probes are live, relay output until
 * the module finishes (SIGINT/SIGTERM/SIGHUP or the child's exit request it),
 * drain, unload.  Returns the exit status for the program: the child's
 * status with -c (128+signal if killed), else 0; or -errno with e set when
 * the load itself failed. */
int loader_run(struct loader_module *m, struct loader_params *p, const struct loader_run_opts *o,
	       struct loader_err *e);

#endif
