/* staprun.auth: run an approved probe module as an ordinary user.
 * The flow, each step refusing on any surprise (MUST 11):
 *   hygiene -> arguments -> who -> decide (perms, read, signature, params,
 *   policy, PAM) -> audit -> guard -> capabilities -> rename -> load, relay,
 *   unload -> audit. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "staprun-auth/auth.h"
#include "staprun-auth/guard.h"

#ifndef AUTH_SYSMOD_DIR
#define AUTH_SYSMOD_DIR "/sys/module"
#endif

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
	char err[1024];
};

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
}

/* The -c child, right after fork: become the user for good (MUST 7). */
static int auth_child_hook(void *arg, struct loader_err *e)
{
	const struct auth_ctx *c = arg;

	/* The guard's pipe must close when the loader dies, not stay open in
	 * a child the user may stop before it execs. */
	if (c->guard.fd >= 0)
		close(c->guard.fd);
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
	struct auth_record r = {0};
	int e;

	c->loaded = 1;
	/* -x: the pid the module was given is still the process we checked. */
	if (c->target_fd >= 0 && !auth_target_alive(c->target_fd)) {
		say("refused", "-x: the process ended before the probes started");
		return -1;
	}
	snprintf(r.module, sizeof r.module, "%s", m->name);
	snprintf(r.digest, sizeof r.digest, "%s", c->dec.digest);
	snprintf(r.user, sizeof r.user, "%s", c->user.name);
	r.uid = c->user.uid;
	r.pid = getpid();
	r.since = (long long)time(NULL);
	if (auth_as_user_end() < 0)
		return -1;
	e = auth_record_write(AUTH_RUN_DIR, &r);
	if (auth_as_user_begin(&c->user) < 0)
		return -1;
	if (e < 0)
		say("refused", "cannot write the record of live loads in " AUTH_RUN_DIR);
	return e < 0 ? -1 : 0;
}

static int auth_sig_enforced(void)
{
	char v = 0;
	int fd = open("/sys/module/module/parameters/sig_enforce", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (read(fd, &v, 1) != 1)
		v = 0;
	close(fd);
	return v == 'Y';
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
	int fd, saved;

	if (auth_as_user_begin(&c->user) < 0)
		return -1;
	fd = open(c->opts.outfile, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
		  0600);
	saved = errno;
	if (auth_as_user_end() < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd < 0)
		snprintf(c->err, sizeof c->err, "-o %s: %s", c->opts.outfile, strerror(saved));
	return fd;
}

static int auth_run(struct auth_ctx *c)
{
	struct loader_child_opts co = {
	    .cmd = c->opts.cmd,
	    .envp = c->env.vars,
	    .hook = auth_child_hook,
	    .hook_arg = c,
	};
	struct loader_run_opts ro = {
	    .out_fd = -1,
	    .child = c->opts.cmd ? &co : NULL,
	    .target_pid = c->opts.target,
	    /* MUST 8: the transport files belong to the user alone. */
	    .owner_uid = c->user.uid,
	    .owner_gid = c->user.gid,
	    .verbose = c->opts.verbose,
	    .loaded = auth_loaded,
	    .loaded_arg = c,
	};
	struct loader_err le = {{0}};
	int st;

	if (c->opts.outfile) {
		ro.out_fd = auth_outfile_open(c);
		if (ro.out_fd < 0)
			return -1;
	}
	if (auth_guard_start(&c->guard, AUTH_RUN_DIR, AUTH_SYSMOD_DIR, c->user.uid, c->err,
			     sizeof c->err) < 0)
		return -1;
	if (auth_privs_reduce(c->err, sizeof c->err) < 0 || auth_name_copy(c) < 0 ||
	    auth_guard_arm(&c->guard, c->name) < 0) {
		auth_guard_finish(&c->guard, 1);
		return -1;
	}
	audit(c, "load", "grant", NULL);
	/* MUST 8: the transport files are opened as the user. */
	if (auth_as_user_begin(&c->user) < 0) {
		auth_guard_finish(&c->guard, 1);
		snprintf(c->err, sizeof c->err, "cannot take the user's filesystem identity");
		return -1;
	}
	st = loader_run(&c->dec.m, &c->dec.p, &ro, &le);
	auth_as_user_end();
	/* Only what we loaded is ours to forget or unload: when init_module
	 * failed, a module of that name is someone else's (EEXIST). */
	if (c->loaded)
		auth_record_remove(AUTH_RUN_DIR, c->name);
	auth_guard_finish(&c->guard, !c->loaded || loader_is_loaded(c->name) != 1);
	if (st < 0) {
		snprintf(c->err, sizeof c->err, "%s", le.msg);
		audit(c, "load", "failed", le.msg);
		say("load failed", le.msg);
		return 1;
	}
	audit(c, "unload", "done", NULL);
	return st;
}

static int auth_unload(struct auth_ctx *c)
{
	struct loader_err le;
	const char *name = c->opts.module;

	snprintf(c->name, sizeof c->name, "%s", auth_name_valid(name) ? name : "?");
	if (auth_unload_check(AUTH_RUN_DIR, AUTH_SYSMOD_DIR, name, c->user.uid, c->err,
			      sizeof c->err) < 0) {
		audit(c, "unload", "refused", c->err);
		say("refused", c->err);
		return 1;
	}
	if (auth_privs_reduce(c->err, sizeof c->err) == 0 && loader_unload(name, &le) < 0)
		snprintf(c->err, sizeof c->err, "%s", le.msg);
	if (c->err[0]) {
		audit(c, "unload", "failed", c->err);
		say("unload failed", c->err);
		return 1;
	}
	auth_record_remove(AUTH_RUN_DIR, name);
	audit(c, "unload", "done", NULL);
	return 0;
}

static int auth_load(struct auth_ctx *c)
{
	const char *event = c->opts.mode == AUTH_CHECK ? "check" : "load";
	int r;

	if (c->opts.target && auth_target_open("/proc", c->opts.target, c->user.uid, &c->target_fd,
					       c->err, sizeof c->err) < 0) {
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
	c.paths.policy = AUTH_POLICY_PATH;
	c.paths.keys = AUTH_KEYS_DIR;
	c.paths.owner = 0;
	c.paths.pam_service = AUTH_PAM_SERVICE;
	if (c.opts.mode == AUTH_UNLOAD)
		r = auth_unload(&c);
	else
		r = auth_load(&c);
	auth_decision_free(&c.dec);
	auth_env_free(&c.env);
	return r;
}
