/* staprun.auth: the setuid-root loader for approved modules.
 *
 * "MUST n" in this folder is rule n of staprun-auth/README (the rules of
 * DESIGN.md section 3), which also says which process holds which
 * privileges at each step and which tests prove each rule:
 *   1 argv                      args.c      (auth_args_parse), main.c
 *   2 fds, umask, core, env     hygiene.c   (auth_hygiene_start)
 *   3 policy/keys ownership     decide.c    (auth_decide: policy_check_perms)
 *   4 opened as the user        asuser.c, decide.c (auth_module_read), main.c
 *   5 authorize + PAM           decide.c, pam.c
 *   6 parameters                decide.c    (decide_params)
 *   7 capabilities, child drop  privs.c
 *   8 output owner              main.c      (_stp_uid/_stp_gid, -o opened as user)
 *   9 one run owns a name       lock.c, unload.c, guard.c
 *  10 audit every decision      audit.c (syslog), kaudit.c (Linux audit)
 *  11 fail closed               everywhere: every unexpected state is a refusal
 *  12 target traceable          user.c      (auth_target_traceable), main.c
 *  13 guard, leaks, limits      guard.c, cgroup.c, unload.c (auth_reconcile), privs.c
 *
 * No global mutable state: everything travels in struct auth_ctx.
 */
#ifndef STAPRUN_AUTH_AUTH_H
#define STAPRUN_AUTH_AUTH_H

#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "lib/digest.h"
#include "staprun/loader.h"

#define AUTH_ARG_MAX 4096	    /* longest single argument accepted */
#define AUTH_PARAMS_MAX 64	    /* most name=value arguments */
#define AUTH_MODULE_MAX (64u << 20) /* largest module read */
#define AUTH_NAME_MAX 55	    /* MODULE_NAME_LEN - 1 */
#define AUTH_GROUPS_MAX 256
#define AUTH_ENV_MAX 1024 /* most saved environment entries */

/* Compiled-in paths (MUST 3: never from the environment). */
#ifndef AUTH_POLICY_PATH
#define AUTH_POLICY_PATH SYSCONFDIR "/systemtap/authorized_probes"
#endif
#ifndef AUTH_KEYS_DIR
#define AUTH_KEYS_DIR SYSCONFDIR "/systemtap/keys"
#endif
#ifndef AUTH_RUN_DIR
#define AUTH_RUN_DIR "/run/stapauth"
#endif
#define AUTH_PAM_SERVICE "staprun-auth"

enum auth_mode { AUTH_LOAD, AUTH_CHECK, AUTH_UNLOAD };

struct auth_opts {
	enum auth_mode mode;
	int verbose;
	int tied;	     /* --tied: stdin EOF or a hung-up stdout ends the run */
	const char *outfile; /* -o FILE, or NULL */
	const char *cmd;     /* -c CMD or -x CMD, or NULL */
	pid_t target;	     /* -x PID, or 0 */
	const char *module;  /* MOD.ko path (load, check) or MODNAME (unload) */
	char *const *params; /* name=value arguments, inside argv */
	int nparams;
};

/* Parse argv strictly (MUST 1).  argv[0] is never looked at.  0, or -1 with
 * a one-line reason in err. */
int auth_args_parse(int argc, char *const argv[], struct auth_opts *o, char *err, size_t errlen);
const char *auth_usage(void);

/* The user's environment, kept for the -c child only. */
struct auth_env {
	char **vars; /* NULL-terminated copies */
	size_t n;
	struct rlimit fsize; /* the caller's RLIMIT_FSIZE, for the child */
};

/* MUST 2: make fds 0-2 valid, mark every other fd close-on-exec, umask 077,
 * no core dumps, default signal handling, then save and clear the environment.
 * Returns 0, or -1 when the process cannot be made safe (the caller exits). */
int auth_hygiene_start(struct auth_env *saved);
void auth_env_free(struct auth_env *e);
/* Put the caller's resource limits back (in the child, before exec). */
int auth_env_limits(const struct auth_env *saved);

/* The invoking user, from the real ids (never from the environment). */
struct auth_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[AUTH_GROUPS_MAX];
	int ngroups;
	char name[64];
};
int auth_user_get(struct auth_user *u, char *err, size_t errlen);

/* decide.c: everything before the load, in the order of MUSTs 3-6. */
struct auth_paths {
	const char *policy;
	const char *keys;
	uid_t owner;		 /* required owner of policy and keys: 0 */
	const char *pam_service; /* NULL only in unit tests */
};

struct auth_decision {
	unsigned char *buf; /* the module, read once, as the user */
	size_t len;
	size_t payload_len; /* without a kernel signature */
	int is_signed;	    /* a signature by a pinned signer was verified */
	struct loader_module m;
	struct loader_params p;
	char digest[DIGEST_STRLEN];
	char signer[DIGEST_STRLEN]; /* "" when not signed */
	char line[320];		    /* deciding policy line "path:N", or "" */
	unsigned max_loads_user;    /* limits: of the policy (MUST 13) */
	unsigned max_loads;
	char reason[512]; /* why refused, one line */
};

/* 0: granted; -1: refused, with d->reason.  Free d in every case. */
int auth_decide(const struct auth_paths *paths, const struct auth_opts *o,
		const struct auth_user *u, time_t now, struct auth_decision *d);
void auth_decision_free(struct auth_decision *d);
/* Read path as the user (MUST 4): O_NOFOLLOW, regular file, size cap, once. */
int auth_module_read(const char *path, const struct auth_user *u, unsigned char **buf, size_t *len,
		     char *err, size_t errlen);

/* privs.c (MUST 7). */
int auth_privs_reduce(char *err, size_t errlen);
int auth_privs_drop_child(uid_t uid, gid_t gid, char *err, size_t errlen);
/* Set and restore only the filesystem ids (the transport files of the
 * user's own module; every user-supplied path goes through asuser.c). */
int auth_as_user_begin(const struct auth_user *u);
int auth_as_user_end(void);
/* fork(2) under the caller's RLIMIT_NPROC (README rule 13). */
pid_t auth_fork(void);

/* asuser.c (README rule 4): fn runs in a child fully switched to the user
 * with no capabilities; it returns 0 or -errno and may set *fd to hand a
 * descriptor back.  Returns fn's result; *fd (when fd is not NULL) is the
 * descriptor, now ours, or -1. */
typedef int (*auth_user_fn)(void *arg, int *fd);
int auth_as_user_call(const struct auth_user *u, auth_user_fn fn, void *arg, int *fd);
/* open(2) as the user, the descriptor handed back: 0 or -errno. */
int auth_user_open(const struct auth_user *u, const char *path, int flags, mode_t mode, int *fd);

/* pam.c (MUST 5): 0 if the service admits user; -1 with the PAM reason. */
int auth_pam_account(const char *service, const char *user, char *err, size_t errlen);

/* audit.c (MUST 10). */
struct auth_audit {
	const char *event;  /* "load", "check", "unload" */
	const char *result; /* "grant", "refused", "done", "failed" */
	const char *user;
	uid_t uid;
	const char *path;   /* module path as given */
	const char *name;   /* kernel module name (after renaming) */
	const char *digest; /* payload digest */
	const char *signer; /* signer fingerprint, or NULL */
	const char *line;   /* deciding policy line "path:N", or NULL */
	char *const *params;
	int nparams;
	const char *cmd;
	const char *reason;
};
/* Encode s for a log line: printable ASCII except '"' and '\\' as is, the rest
 * as \xHH; at most outlen-1 bytes, cut with "..." when longer. */
void auth_audit_encode(const char *s, char *out, size_t outlen);
/* The whole record as one line (for syslog and for tests). */
void auth_audit_format(const struct auth_audit *a, char *out, size_t outlen);
void auth_audit_log(const struct auth_audit *a);

/* kaudit.c (MUST 10, the Linux audit trail): an audit netlink socket, or -1
 * when the kernel has none (then nothing is sent, nothing fails). */
int auth_kaudit_open(void);
void auth_kaudit_close(int fd);
/* The record's text, "op=stapauth-EVENT result=... acct=... module=...
 * digest=... signer=... policy=... path=... reason=...", each value through
 * audit_encode_nv_string (or "?" when absent).  0 or -errno. */
int auth_kaudit_format(const struct auth_audit *a, char *out, size_t outlen);
/* 1 for the results the audit trail calls res=success: grant, done. */
int auth_kaudit_success(const char *result);
/* Send a as one AUDIT_TRUSTED_APP record on fd (-1: nothing); every
 * failure is ignored (the record is in syslog too). */
void auth_kaudit_send(int fd, const struct auth_audit *a);
/* The same on a socket of its own, opened and closed around the send (the
 * guard, which keeps no descriptor it does not need). */
void auth_kaudit_send_once(const struct auth_audit *a);

/* rename.c: give the verified in-memory copy a unique kernel module name. */
int auth_unique_name(const char *orig, uid_t uid, pid_t pid, char *out, size_t outlen);
int auth_rename(unsigned char *buf, size_t len, size_t this_module_name_off,
		size_t modinfo_name_off, size_t modinfo_name_len, const char *newname);
/* A module name as the kernel prints it: [A-Za-z0-9_], 1..55 bytes. */
int auth_name_valid(const char *name);

/* record.c: the record of live loads, one file per module in dir. */
struct auth_record {
	char module[AUTH_NAME_MAX + 1];
	char digest[DIGEST_STRLEN];
	char user[64];
	uid_t uid;
	pid_t pid;
	long long since; /* seconds since the epoch */
};
/* Create or check the run directory: root:root 0755 (the tests' uid in
 * tests), refused when group- or world-writable.  0 or -errno. */
int auth_run_dir(const char *dir);
int auth_record_write(const char *dir, const struct auth_record *r);
int auth_record_read(const char *dir, const char *module, struct auth_record *r);
int auth_record_remove(const char *dir, const char *module);
/* Calls fn for every record in dir, sorted by module name.  0 or -errno. */
int auth_record_list(const char *dir, void (*fn)(const struct auth_record *, void *), void *arg);
/* MUST 13: live loads (records) of uid and of everyone.  0 or -errno. */
int auth_loads_count(const char *dir, uid_t uid, unsigned *mine, unsigned *total);

/* lock.c (README rule 9): one run owns a module name from before
 * init_module until the module is gone.  Take DIR/NAME.lock, waiting up to
 * wait_ms: 0, -EBUSY while another run holds it, other -errno. */
int auth_lock_take(const char *dir, const char *name, int wait_ms, int *fd);
/* The lock under which loads are counted and a new record is written
 * (blocking; held for a moment).  0 or -errno; close fd to release. */
int auth_count_lock(const char *dir, int *fd);
/* Close the lock; module_gone: also remove the file (only its holder may). */
void auth_lock_release(const char *dir, const char *name, int fd, int module_gone);

/* unload.c (MUST 9). sysmod: "/sys/module" (tests pass a fixture tree). */
int auth_unload_check(const char *rundir, const char *sysmod, const char *name, uid_t uid,
		      char *err, size_t errlen);
/* The owner of a loaded module: its _stp_uid in sysfs, else the owner of its
 * /proc/<name> transport directory.  0, -ENOENT when neither exists. */
int auth_module_owner(const char *sysmod, const char *procdir, const char *name, uid_t *owner);
/* The same with the /proc directory given (tests). */
int auth_unload_check_at(const char *rundir, const char *sysmod, const char *procdir,
			 const char *name, uid_t uid, char *err, size_t errlen);

/* -d NAME under the name's lock (README rule 9).  A live run holding it is
 * asked to end (request_exit, as the user) and waited for; then, holding
 * the lock, the record and the module must still be the user's.  Returns 0
 * (unloaded, or ended by its own run: *by_run set) or -errno with err. */
struct auth_unload_ops {
	const char *rundir, *sysmod, *procdir;
	int wait_ms;
	void (*request_exit)(void *arg, const char *name);
	int (*unload)(void *arg, const char *name, char *err, size_t errlen);
	void *arg;
};
int auth_unload_locked(const struct auth_unload_ops *ops, const char *name, uid_t uid, int *by_run,
		       char *err, size_t errlen);

/* MUST 13, at every start: a record whose name's lock is free outlived its
 * loader and its guard (a crash, a reboot of the guard's cgroup...): unload
 * its module when it is still the record's user's, remove the record, and
 * log each with log(arg, record, NULL or why it failed).  Returns how many
 * records were reconciled, or -errno. */
typedef void (*auth_reconcile_log)(void *arg, const struct auth_record *r, const char *err);
int auth_reconcile(const struct auth_unload_ops *ops, auth_reconcile_log log);

/* cgroup.c (MUST 13): move this process into ROOT/stapauth, root-owned.
 * 1 moved, 0 no cgroup v2 at root (nothing to do), -1 with err. */
#ifndef AUTH_CGROUP_ROOT
#define AUTH_CGROUP_ROOT "/sys/fs/cgroup"
#endif
int auth_cgroup_enter(const char *root, char *err, size_t errlen);

/* user.c: -x PID must be a process of the same user, all of its uids. */
int auth_target_check(const char *procdir, pid_t pid, uid_t uid, char *err, size_t errlen);
/* The same, holding the process by a pidfd (close-on-exec) taken before the
 * check; auth_target_alive(fd) after the load proves the pid the module got
 * was still that process (never a reused pid of another user's). */
int auth_target_open(const char *procdir, pid_t pid, uid_t uid, int *fd, char *err, size_t errlen);
/* MUST 12: the kernel's own answer whether the user may trace pid (asked as
 * the user, see user.c).  0, or -EPERM with err. */
int auth_target_traceable(const struct auth_user *u, pid_t pid, char *err, size_t errlen);
/* 1 while the process behind the pidfd has not exited. */
int auth_target_alive(int fd);

#endif
