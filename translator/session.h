/* struct stap_session: every stap option, and the target kernel.
 *
 * Filled by main.c (session_parse_args, then session_find_kernel and
 * session_find_runtime); read by
 * every pass.  Strings point into argv or are owned by the session and freed
 * by session_free().
 *
 * CHANGES: stap_kernel.vmlinuz added (front end: kernel function list from
 *          its .BTF when System.map is Debian's placeholder).
 *          Others add fields below, grouped and commented.
 */
#ifndef TRANSLATOR_SESSION_H
#define TRANSLATOR_SESSION_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

struct known_hosts;
struct kh_record;

/* The kernel the module is built for (not necessarily the running one). */
struct stap_kernel {
	char *release;	   /* "6.1.0-56-amd64" */
	char *build_dir;   /* kbuild tree: /lib/modules/REL/build or /usr/src/linux-headers-REL */
	char *modules_dir; /* /lib/modules/REL (module("M") probes), may not exist */
	char *system_map;  /* /boot/System.map-REL, or BUILD/System.map; NULL if none */
	char *config;	   /* BUILD/.config or /boot/config-REL; NULL if none */
	char *arch;	   /* kernel arch name: "x86_64" ("arch" in %( %)) */
	char *srcarch;	   /* kbuild ARCH: "x86" */
	char *vmlinuz;	   /* /boot/vmlinuz-REL or BUILD/vmlinux, NULL if none */
	char *btf_file;	   /* -T: the target's own raw BTF (target_btf.c), NULL if none */
};

enum stap_list_mode {
	STAP_LIST_NONE = 0,
	STAP_LIST_PROBES,      /* -l */
	STAP_LIST_PROBES_VARS, /* -L */
};

struct stap_session {
	const char *progname; /* "stap" */

	/* What to translate. */
	const char *script_file; /* FILE, "-" for stdin, or NULL with -e */
	const char *script_text; /* -e SCRIPT */
	char *script_buf;	 /* the script text read (owned) */
	size_t script_len;
	const char *script_name; /* for messages: FILE, "<input>" (-e), "<stdin>" */
	char **args;		 /* script arguments $1.. / @1.. */
	int nargs;

	/* Passes. */
	int last_pass;		       /* -p N: 1..5; 5 when absent */
	int verbose;		       /* -v count */
	int suppress_warnings;	       /* -w */
	int guru;		       /* -g: embedded C allowed */
	int unoptimized;	       /* -u: keep unused functions/variables */
	enum stap_list_mode list_mode; /* -l / -L */
	const char *list_pattern;

	/* Module build and run. */
	const char *module_name; /* -m NAME, or NULL (derived from the cache key) */
	char **defines;		 /* -D NAME[=VAL], in order */
	size_t ndefines, defines_cap;
	char **kbuild_opts; /* -B OPT, in order */
	size_t nkbuild_opts, kbuild_opts_cap;
	char **global_sets; /* -G name=value, in order */
	size_t nglobal_sets, global_sets_cap;
	const char *cmd;	 /* -c CMD */
	pid_t target_pid;	 /* -x PID (0 = none) */
	const char *output_file; /* -o FILE */
	int keep_tmp;		 /* -k */
	const char *target_name; /* -T NAME (known_hosts(5); target.c) */
	/* -T with many targets (fleet.c): --fanout, --host-timeout (seconds,
	 * 0 = none), --no-prefix, --gather; --fleet-build marks the child stap
	 * that builds for one kernel of a fleet (pass 4 at most). */
	int fleet_fanout;
	long fleet_timeout;
	int fleet_no_prefix, fleet_gather, fleet_build;

	/* Cache. */
	int disable_cache; /* --disable-cache */
	int poison_cache;  /* --poison-cache */
	int clean_cache;   /* --clean-cache */

	/* Target kernel. */
	const char *release_opt; /* -r RELEASE or -r DIR, as given */
	struct stap_kernel kernel;
	/* runtime/ for the module's build and the cache key: $SYSTEMTAP_RUNTIME,
	 * else the source tree stap was built from (when it still has runtime/
	 * and this stap is not the installed one), else DATADIR/runtime. */
	char runtime_dir[PATH_MAX];
	/* -T NAME: the known_hosts files read, the target's record in them, its
	 * build tree on this machine and its identity for the cache key
	 * (target_select.c). */
	struct known_hosts *targets;
	const struct kh_record *target;
	char *target_build;
	char *target_identity;

	/* Pass timings for -v (ms, filled by main.c). */
	double pass_user_ms[6], pass_sys_ms[6], pass_real_ms[6];

	/* Tapset library (tapset.c). */
	char **tapset_dirs; /* -I DIR, in order, searched before the library */
	size_t ntapset_dirs, tapset_dirs_cap;
};

/* Parse argv into s (zeroed first).  Returns 0, 1 after --help/--version
 * (caller exits 0), or -1 after printing a usage error. */
int session_parse_args(struct stap_session *s, int argc, char **argv);
/* Read the script text (file, -e or stdin) into s->script_buf.  0 or -1. */
int session_read_script(struct stap_session *s);
/* kernel.c: discover the target kernel from s->release_opt or the running system.
 * 0, or -1 after printing why (only needed for pass 2 and later). */
int session_find_kernel(struct stap_session *s);
/* runtime_dir.c: set s->runtime_dir.  0, or -1 after printing why. */
int session_find_runtime(struct stap_session *s);
/* target_select.c: -T NAME: find the record, choose its build tree (sets
 * release_opt to it); after the kernel is found, check that the tree is the
 * target's.  0, or -1 after printing one line. */
int target_select(struct stap_session *s);
int target_check_kernel(struct stap_session *s);
void target_free(struct stap_session *s);
void session_free(struct stap_session *s);

#endif
