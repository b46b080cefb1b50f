/* -d MODNAME: unload only a module this program loaded for this user (MUST 9).
 * Two witnesses must agree: our own record under /run (root-owned, written
 * only by staprun.auth) and the module itself, whose transport belongs to
 * the _stp_uid it was loaded with. */
#include "staprun-auth/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/number.h"

/* The module's owner: its _stp_uid parameter when sysfs shows it, else the
 * owner of its /proc/<name> directory.  -ENOENT when neither exists. */
int auth_module_owner(const char *sysmod, const char *procdir, const char *name, uid_t *owner)
{
	char path[512], text[32];
	long long v;
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "%s/%s/parameters/_stp_uid", sysmod, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		n = read(fd, text, sizeof text - 1);
		close(fd);
		if (n <= 0)
			return -EIO;
		text[n] = '\0';
		text[strcspn(text, "\n")] = '\0';
		if (number_parse(text, 0, UINT32_MAX, &v) < 0)
			return -EBADMSG;
		*owner = (uid_t)v;
		return 0;
	}
	snprintf(path, sizeof path, "%s/%s", procdir, name);
	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		*owner = st.st_uid;
		return 0;
	}
	return -ENOENT;
}

int auth_unload_check_at(const char *rundir, const char *sysmod, const char *procdir,
			 const char *name, uid_t uid, char *err, size_t errlen)
{
	struct auth_record r;
	uid_t owner;
	int e;

	if (!auth_name_valid(name)) {
		snprintf(err, errlen, "not a module name");
		return -EINVAL;
	}
	/* MUST 9: our record first: a module we never loaded has none. */
	e = auth_record_read(rundir, name, &r);
	if (e < 0) {
		snprintf(err, errlen, "%s was not loaded by staprun.auth", name);
		return -EPERM;
	}
	if (r.uid != uid) {
		snprintf(err, errlen, "%s was loaded by another user", name);
		return -EPERM;
	}
	/* MUST 9: and the module must still say so: a record that outlived its
	 * module must not let anyone unload a namesake loaded since. */
	e = auth_module_owner(sysmod, procdir, name, &owner);
	if (e == -ENOENT) {
		snprintf(err, errlen, "%s is not loaded", name);
		return -ENOENT;
	}
	if (e < 0 || owner != uid) {
		snprintf(err, errlen, "%s is not owned by you", name);
		return -EPERM;
	}
	return 0;
}

int auth_unload_check(const char *rundir, const char *sysmod, const char *name, uid_t uid,
		      char *err, size_t errlen)
{
	return auth_unload_check_at(rundir, sysmod, "/proc", name, uid, err, errlen);
}

/* The name is ours now: the record and the module must still be the
 * user's; unload, and forget the record only once the module is gone. */
static int unload_held(const struct auth_unload_ops *ops, const char *name, uid_t uid, int *by_run,
		       char *err, size_t errlen)
{
	struct auth_record r;
	int e;

	/* Its run ended and cleaned up while we waited: nothing left to do. */
	if (*by_run && auth_record_read(ops->rundir, name, &r) == -ENOENT)
		return 0;
	*by_run = 0;
	e = auth_unload_check_at(ops->rundir, ops->sysmod, ops->procdir, name, uid, err, errlen);
	if (e == 0)
		e = ops->unload(ops->arg, name, err, errlen);
	/* Gone (or a record that outlived its module): forget it.  Busy: the
	 * record stays, visible to -d and status. */
	if (e == 0 || e == -ENOENT)
		auth_record_remove(ops->rundir, name);
	return e;
}

int auth_unload_locked(const struct auth_unload_ops *ops, const char *name, uid_t uid, int *by_run,
		       char *err, size_t errlen)
{
	int e, fd = -1;

	*by_run = 0;
	/* Refuse early, without touching the lock, what can never be ours. */
	e = auth_unload_check_at(ops->rundir, ops->sysmod, ops->procdir, name, uid, err, errlen);
	if (e < 0 && e != -ENOENT)
		return e;
	e = auth_lock_take(ops->rundir, name, 0, &fd);
	if (e == -EBUSY) {
		/* A live run owns the name: only it may unload it. */
		*by_run = 1;
		if (ops->request_exit)
			ops->request_exit(ops->arg, name);
		e = auth_lock_take(ops->rundir, name, ops->wait_ms, &fd);
	}
	if (e == -EBUSY) {
		snprintf(err, errlen,
			 "%s: the run that loaded it did not end within %d s (stopped?)", name,
			 ops->wait_ms / 1000);
		return e;
	}
	if (e < 0) {
		snprintf(err, errlen, "%s: cannot take its lock: %s", name, strerror(-e));
		return e;
	}
	e = unload_held(ops, name, uid, by_run, err, errlen);
	auth_lock_release(ops->rundir, name, fd, e == 0 || e == -ENOENT);
	return e;
}

struct reconcile {
	const struct auth_unload_ops *ops;
	auth_reconcile_log log;
	int n;
};

/* One record: if its name's lock is free, its loader and guard are both
 * gone (they hold the lock until the module is gone); finish their work. */
static void reconcile_one(const struct auth_record *rec, void *arg)
{
	struct reconcile *rc = arg;
	const struct auth_unload_ops *ops = rc->ops;
	struct auth_record r;
	char err[256] = "";
	uid_t owner;
	int fd, e;

	if (auth_lock_take(ops->rundir, rec->module, 0, &fd) < 0)
		return; /* a live run, or not ours to judge now */
	if (auth_record_read(ops->rundir, rec->module, &r) < 0) {
		auth_lock_release(ops->rundir, rec->module, fd, 1);
		return;
	}
	e = auth_module_owner(ops->sysmod, ops->procdir, r.module, &owner);
	if (e == 0 && owner == r.uid)
		e = ops->unload(ops->arg, r.module, err, sizeof err);
	else
		e = 0; /* gone, or the name is someone else's now: the record is stale */
	if (e == 0 || e == -ENOENT)
		auth_record_remove(ops->rundir, r.module);
	rc->log(ops->arg, &r, e == 0 || e == -ENOENT ? NULL : err);
	rc->n++;
	auth_lock_release(ops->rundir, r.module, fd, e == 0 || e == -ENOENT);
}

int auth_reconcile(const struct auth_unload_ops *ops, auth_reconcile_log log)
{
	struct reconcile rc = {ops, log, 0};
	int e = auth_record_list(ops->rundir, reconcile_one, &rc);

	return e < 0 ? e : rc.n;
}
