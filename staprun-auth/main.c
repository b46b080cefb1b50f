/* staprun.auth: run an approved probe module as an ordinary user.
 * The flow, each step refusing on any surprise (MUST 11):
 *   hygiene -> arguments -> who -> decide (perms, read, signature, params,
 *   policy, PAM) -> built for this kernel -> audit -> guard -> capabilities ->
 *   rename -> load, relay,
 *   unload -> audit. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "lib/readfile.h"
#include "staprun-auth/auth.h"
#include "staprun-auth/guard.h"

#ifndef AUTH_SYSMOD_DIR
#define AUTH_SYSMOD_DIR "/sys/module"
#endif
#define AUTH_UNLOAD_WAIT_MS 15000 /* -d: how long a live run may take to end */

struct auth_ctx {
	struct auth_opts opts;
	struct auth_user user;
	struct auth_env env;
	struct auth_paths paths;
	struct auth_decision dec;
	struct auth_guard guard;
	char name[AUTH_NAME_MAX + 1]; /* kernel module name as loaded */
	int loaded;		      /* our init_module succeeded */
	int target_fd;		      /* pidfd of the -x process, or -1 */
	int lock_fd;		      /* the name's lock (lock.c), or -1 */
	int kaudit_fd;		      /* the Linux audit socket (kaudit.c), or -1 */
	char err[1024];
};

static void auth_reconcile_start(struct auth_ctx *c);

static void say(const char *what, const char *msg)
{
	fprintf(stderr, "staprun.auth: %s%s%s\n", what, *msg ? ": " : "", msg);
}

static void audit(const struct auth_ctx *c, const char *event, const char *result,
		  const char *reason)
{
	struct auth_audit a = {
	    .event = event,
	    .result = result,
	    .user = c->user.name,
	    .uid = c->user.uid,
	    .path = c->opts.mode == AUTH_UNLOAD ? NULL : c->opts.module,
	    .name = c->name[0] ? c->name : c->dec.m.name,
	    .digest = c->dec.digest[0] ? c->dec.digest : NULL,
	    .signer = c->dec.signer[0] ? c->dec.signer : NULL,
	    .line = c->dec.line[0] ? c->dec.line : NULL,
	    .params = c->opts.params,
	    .nparams = c->opts.nparams,
	    .cmd = c->opts.cmd,
	    .reason = reason,
	};

	auth_audit_log(&a);
	auth_kaudit_send(c->kaudit_fd, &a);
}

/* The -c child, right after fork: become the user for good (MUST 7). */
static int auth_child_hook(void *arg, struct loader_err *e)
{
	const struct auth_ctx *c = arg;

	/* The guard's pipe must close when the loader dies, not stay open in
	 * a child the user may stop before it execs. */
	if (c->guard.fd >= 0)
		close(c->guard.fd);
	/* Nor may it hold the name's lock (MUST 9). */
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	if (auth_privs_drop_child(c->user.uid, c->user.gid, e->msg, sizeof e->msg) < 0)
		return -EPERM;
	/* MUST 7, across exec too: a setuid, setgid or file-capability
	 * program run as CMD gains nothing, so no probe ever targets a
	 * privileged process through -c. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(e->msg, sizeof e->msg, "cannot set no_new_privs");
		return -EPERM;
	}
	if (auth_env_limits(&c->env) < 0) {
		snprintf(e->msg, sizeof e->msg, "cannot restore resource limits");
		return -EPERM;
	}
	return 0;
}

/* After a successful load: the /run record, written as root. */
static int auth_loaded(void *arg, const struct loader_module *m)
{
	struct auth_ctx *c = arg;

	(void)m;
	c->loaded = 1;
	/* -x: the pid the module was given is still the process we checked. */
	if (c->target_fd >= 0 && !auth_target_alive(c->target_fd)) {
		say("refused", "-x: the process ended before the probes started");
		return -1;
	}
	/* From here on we only relay the user's output, under the user's own
	 * file size limit (EFBIG ends the run, no signal). */
	signal(SIGXFSZ, SIG_IGN);
	return auth_env_limits(&c->env) < 0 ? -1 : 0;
}

/* MUST 13: count the live loads and write this one's record under one lock,
 * before the load: loads in progress count too, and the record is what
 * -d, status and the reconciliation see.  Refused with one line at a cap. */
static int auth_slot_take(struct auth_ctx *c)
{
	struct auth_record r = {0};
	unsigned mine = 0, total = 0;
	int fd, e;

	e = auth_count_lock(AUTH_RUN_DIR, &fd);
	if (e == 0)
		e = auth_loads_count(AUTH_RUN_DIR, c->user.uid, &mine, &total);
	if (e == 0 && (mine >= c->dec.max_loads_user || total >= c->dec.max_loads)) {
		snprintf(c->err, sizeof c->err,
			 "too many loads at once (%s: %u of %u, everyone: %u of %u; limits: in "
			 "authorized_probes)",
			 c->user.name, mine, c->dec.max_loads_user, total, c->dec.max_loads);
		close(fd);
		return -1;
	}
	snprintf(r.module, sizeof r.module, "%s", c->name);
	snprintf(r.digest, sizeof r.digest, "%s", c->dec.digest);
	snprintf(r.user, sizeof r.user, "%s", c->user.name);
	r.uid = c->user.uid;
	r.pid = getpid();
	r.since = (long long)time(NULL);
	if (e == 0)
		e = auth_record_write(AUTH_RUN_DIR, &r);
	if (fd >= 0)
		close(fd);
	if (e < 0)
		snprintf(c->err, sizeof c->err, "cannot write the record of live loads in %s: %s",
			 AUTH_RUN_DIR, strerror(-e));
	return e < 0 ? -1 : 0;
}

static int auth_sig_enforced(void)
{
	return readfile_flag("/sys/module/module/parameters/sig_enforce") == 'Y';
}

/* A unique name for the in-memory copy, except when the kernel enforces
 * signatures and the module carries one: renaming would break it. */
static int auth_name_copy(struct auth_ctx *c)
{
	struct auth_decision *d = &c->dec;
	struct modinfo *mi = &d->m.mi;
	size_t tm = mi->this_module_name_off, mo = mi->modinfo_name_off;
	size_t ml = mi->modinfo_name_len, len = d->len;
	struct loader_err le;

	if (d->is_signed && auth_sig_enforced()) {
		snprintf(c->name, sizeof c->name, "%s", d->m.name);
		return 0;
	}
	if (auth_unique_name(d->m.name, c->user.uid, getpid(), c->name, sizeof c->name) < 0 ||
	    auth_rename(d->buf, d->len, tm, mo, ml, c->name) < 0) {
		snprintf(c->err, sizeof c->err, "cannot rename the module copy");
		return -1;
	}
	/* MUST 4: still the verified buffer (only the name bytes changed); the
	 * kernel would reject the old signature over renamed bytes, so the
	 * verified payload alone is loaded. */
	len = d->payload_len ? d->payload_len : d->len;
	loader_module_free(&d->m);
	if (loader_module_use(d->buf, len, c->opts.module, &d->m, &le) < 0 ||
	    strcmp(d->m.name, c->name) != 0) {
		snprintf(c->err, sizeof c->err, "renamed copy does not parse: %s", le.msg);
		return -1;
	}
	return 0;
}

/* MUST 8: -o FILE is created by the user, 0600 (umask 077), never through
 * a symlink: root cannot be made to write where the user could not. */
static int auth_outfile_open(struct auth_ctx *c)
{
	int fd, e;

	/* MUST 4: in a process that is the user, without capabilities. */
	e = auth_user_open(&c->user, c->opts.outfile, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW,
			   0600, &fd);
	if (e < 0) {
		snprintf(c->err, sizeof c->err, "-o %s: %s", c->opts.outfile, strerror(-e));
		return -1;
	}
	return fd;
}

/* MUST 9: the name is this run's from before init_module until the module
 * is gone; another run of the same name (a signed module keeps its name
 * while the kernel enforces signatures) is refused, never raced. */
static int auth_name_take(struct auth_ctx *c)
{
	int e = auth_lock_take(AUTH_RUN_DIR, c->name, 0, &c->lock_fd);

	if (e == -EBUSY)
		snprintf(c->err, sizeof c->err, "module name %s is in use by another run", c->name);
	else if (e < 0)
		snprintf(c->err, sizeof c->err, "cannot lock the module name %s: %s", c->name,
			 strerror(-e));
	return e < 0 ? -1 : 0;
}

/* Give up the name: the lock file goes only with the module. */
static void auth_name_release(struct auth_ctx *c, int module_gone)
{
	auth_lock_release(AUTH_RUN_DIR, c->name, c->lock_fd, module_gone);
	c->lock_fd = -1;
}

static int auth_run(struct auth_ctx *c)
{
	struct loader_child_opts co = {
	    .cmd = c->opts.cmd,
	    .envp = c->env.vars,
	    .hook = auth_child_hook,
	    .hook_arg = c,
	    .stdin_null = c->opts.tied,
	};
	struct loader_run_opts ro = {
	    .out_fd = -1,
	    .child = c->opts.cmd ? &co : NULL,
	    .target_pid = c->opts.target,
	    /* The module records its user (_stp_uid, for -d and the guard);
	     * MUST 8: its transport files stay root's, relayed by us alone. */
	    .owner_uid = c->user.uid,
	    .owner_gid = c->user.gid,
	    .verbose = c->opts.verbose,
	    .tied = c->opts.tied,
	    .loaded = auth_loaded,
	    .loaded_arg = c,
	};
	struct loader_err le = {{0}};
	int st, gone;

	if (c->opts.outfile) {
		ro.out_fd = auth_outfile_open(c);
		if (ro.out_fd < 0)
			return -1;
	}
	auth_reconcile_start(c);
	if (auth_name_copy(c) < 0 || auth_name_take(c) < 0)
		return -1;
	if (auth_slot_take(c) < 0) {
		auth_name_release(c, 1);
		return -1;
	}
	if (auth_guard_start(&c->guard, AUTH_RUN_DIR, AUTH_SYSMOD_DIR, c->user.uid, c->lock_fd,
			     c->err, sizeof c->err) < 0) {
		auth_record_remove(AUTH_RUN_DIR, c->name);
		auth_name_release(c, 1);
		return -1;
	}
	if (auth_privs_reduce(c->err, sizeof c->err) < 0 ||
	    auth_guard_arm(&c->guard, c->name) < 0) {
		auth_record_remove(AUTH_RUN_DIR, c->name);
		auth_name_release(c, 1);
		auth_guard_finish(&c->guard, 1);
		return -1;
	}
	audit(c, "load", "grant", NULL);
	/* The user's filesystem identity for what the run creates; relay_open
	 * opens the root-owned transport files with our euid. */
	if (auth_as_user_begin(&c->user) < 0) {
		auth_guard_finish(&c->guard, 1);
		snprintf(c->err, sizeof c->err, "cannot take the user's filesystem identity");
		return -1;
	}
	st = loader_run(&c->dec.m, &c->dec.p, &ro, &le);
	auth_as_user_end();
	/* Only what we loaded is ours to forget or unload: when init_module
	 * failed, a module of that name is someone else's (EEXIST).  A module
	 * still loaded (EBUSY) keeps its record, visible to -d and status, and
	 * its lock, which the guard still holds. */
	gone = !c->loaded || loader_is_loaded(c->name) != 1;
	if (gone)
		auth_record_remove(AUTH_RUN_DIR, c->name);
	auth_name_release(c, gone);
	auth_guard_finish(&c->guard, gone);
	if (st < 0) {
		snprintf(c->err, sizeof c->err, "%s", le.msg);
		audit(c, "load", "failed", le.msg);
		say("load failed", le.msg);
		return 1;
	}
	audit(c, "unload", "done", NULL);
	return st;
}

/* -d of a name a live run holds: ask its module to end.  The transport is
 * root's (runtime/transport.c), so open the control file first, then ask
 * whose module holds the name: a descriptor opened on an earlier module of
 * that name gives EIO once that module is gone, so a namesake another user
 * loaded since is never asked to end. */
static void auth_exit_request(void *arg, const char *name)
{
	const struct auth_ctx *c = arg;
	char path[128];
	uid_t owner;
	int f;

	if (loader_proc_path(name, "control", path, sizeof path) < 0)
		return;
	f = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (f < 0)
		return;
	/* A failed write leaves the run going; -d says so after its wait. */
	if (auth_module_owner(AUTH_SYSMOD_DIR, "/proc", name, &owner) == 0 && owner == c->user.uid)
		while (write(f, "exit\n", 5) < 0 && errno == EINTR)
			;
	close(f);
}

static int auth_unload_fn(void *arg, const char *name, char *err, size_t errlen)
{
	struct loader_err le;
	int e;

	(void)arg;
	if (auth_privs_reduce(err, errlen) < 0)
		return -EPERM;
	e = loader_unload(name, &le);
	if (e < 0)
		snprintf(err, errlen, "%s", le.msg);
	return e;
}

static int auth_unload_plain(void *arg, const char *name, char *err, size_t errlen)
{
	struct loader_err le;
	int e = loader_unload(name, &le);

	(void)arg;
	if (e < 0)
		snprintf(err, errlen, "%s", le.msg);
	return e;
}

static void auth_reconcile_logged(void *arg, const struct auth_record *r, const char *err)
{
	struct auth_audit a = {
	    .event = "reconcile",
	    .result = err ? "failed" : "done",
	    .user = r->user,
	    .uid = r->uid,
	    .name = r->module,
	    .digest = r->digest,
	    .reason = err ? err : "loader and guard gone: module unloaded, record removed",
	};

	auth_audit_log(&a);
	auth_kaudit_send(((const struct auth_ctx *)arg)->kaudit_fd, &a);
}

/* MUST 13: finish what dead runs left behind, before anything else. */
static void auth_reconcile_start(struct auth_ctx *c)
{
	struct auth_unload_ops ops = {
	    .rundir = AUTH_RUN_DIR,
	    .sysmod = AUTH_SYSMOD_DIR,
	    .procdir = "/proc",
	    .unload = auth_unload_plain,
	    .arg = c,
	};

	auth_reconcile(&ops, auth_reconcile_logged);
}

static int auth_unload(struct auth_ctx *c)
{
	const char *name = c->opts.module;
	struct auth_unload_ops ops = {
	    .rundir = AUTH_RUN_DIR,
	    .sysmod = AUTH_SYSMOD_DIR,
	    .procdir = "/proc",
	    .wait_ms = AUTH_UNLOAD_WAIT_MS,
	    .request_exit = auth_exit_request,
	    .unload = auth_unload_fn,
	    .arg = c,
	};
	int by_run, e;

	snprintf(c->name, sizeof c->name, "%s", auth_name_valid(name) ? name : "?");
	e = auth_unload_locked(&ops, name, c->user.uid, &by_run, c->err, sizeof c->err);
	/* after, so the name asked about gets its own answer first */
	auth_reconcile_start(c);
	if (e == -EPERM || e == -EINVAL || e == -ENOENT) {
		audit(c, "unload", "refused", c->err);
		say("refused", c->err);
		return 1;
	}
	if (e < 0) {
		audit(c, "unload", "failed", c->err);
		say("unload failed", c->err);
		return 1;
	}
	audit(c, "unload", "done", by_run ? "ended by its run" : NULL);
	return 0;
}

static int auth_load(struct auth_ctx *c)
{
	const char *event = c->opts.mode == AUTH_CHECK ? "check" : "load";
	struct loader_err le;
	int r;

	if (c->opts.target &&
	    (auth_target_open("/proc", c->opts.target, c->user.uid, &c->target_fd, c->err,
			      sizeof c->err) < 0 ||
	     auth_target_traceable(&c->user, c->opts.target, c->err, sizeof c->err) < 0)) {
		audit(c, event, "refused", c->err);
		say("refused", c->err);
		return 1;
	}
	if (auth_decide(&c->paths, &c->opts, &c->user, time(NULL), &c->dec) < 0) {
		audit(c, event, "refused", c->dec.reason);
		say("refused", c->dec.reason);
		return 1;
	}
	if (c->opts.mode == AUTH_CHECK) {
		audit(c, event, "grant", NULL);
		printf("allowed: %s%s%s (%s)\n", c->dec.digest, c->dec.signer[0] ? " signer " : "",
		       c->dec.signer, c->dec.line);
		return 0;
	}
	/* A module built for another kernel (flavour, ABI, symbol CRCs) is
	 * refused here, naming both kernels, rather than by init_module. */
	if (loader_module_check_kernel(&c->dec.m, &le) < 0) {
		audit(c, event, "refused", le.msg);
		say("refused", le.msg);
		return 1;
	}
	if (c->opts.verbose)
		fprintf(stderr, "staprun.auth: allowed: %s (%s)\n", c->dec.digest, c->dec.line);
	r = auth_run(c);
	if (r < 0) {
		audit(c, "load", "failed", c->err);
		say("refused", c->err);
		return 1;
	}
	return r;
}

int main(int argc, char *argv[])
{
	struct auth_ctx c;
	int r;

	memset(&c, 0, sizeof c);
	c.target_fd = -1;
	c.lock_fd = -1;
	c.kaudit_fd = -1;
	/* MUST 2 before anything else can open a file or read a variable. */
	if (auth_hygiene_start(&c.env) < 0) {
		/* fds 0-2 may be what failed: best effort, then out. */
		static const char msg[] = "staprun.auth: refused: cannot start safely "
					  "(descriptors, limits or environment)\n";

		(void)!write(2, msg, sizeof msg - 1);
		_exit(1);
	}
	/* MUST 1: argc 0 refused in auth_args_parse; argv[0] never read. */
	if (auth_args_parse(argc, argv, &c.opts, c.err, sizeof c.err) < 0) {
		say(c.err, "");
		fputs(auth_usage(), stderr);
		return 1;
	}
	if (auth_user_get(&c.user, c.err, sizeof c.err) < 0) {
		say("refused", c.err);
		return 1;
	}
	/* MUST 11: a setuid-root program that is not root can do nothing safely. */
	if (geteuid() != 0 && c.opts.mode != AUTH_CHECK) {
		say("refused", "not running as root (is staprun.auth installed setuid root?)");
		return 1;
	}
	/* A setuid exec keeps the caller's group as the effective one: files
	 * under /run/stapauth must be root:root, never the first caller's. */
	if (geteuid() == 0 && setresgid((gid_t)-1, 0, 0) < 0) {
		say("refused", "cannot take root's group");
		return 1;
	}
	c.paths.policy = AUTH_POLICY_PATH;
	c.paths.keys = AUTH_KEYS_DIR;
	c.paths.owner = 0;
	c.paths.pam_service = AUTH_PAM_SERVICE;
	/* Loads and unloads go to the Linux audit trail too; --check changes
	 * nothing and stays in syslog alone (and off its fast path). */
	if (c.opts.mode != AUTH_CHECK)
		c.kaudit_fd = auth_kaudit_open();
	if (c.opts.mode == AUTH_UNLOAD)
		r = auth_unload(&c);
	else
		r = auth_load(&c);
	auth_kaudit_close(c.kaudit_fd);
	auth_decision_free(&c.dec);
	auth_env_free(&c.env);
	return r;
}
