/* Capabilities and credentials (MUST 7).
 *
 * The process starts with every capability (setuid root).  Before the load it
 * keeps CAP_SYS_MODULE alone, in the bounding set too, so neither it nor
 * anything it could exec gets more back.  CAP_AUDIT_WRITE stays in the
 * permitted set only (not effective, not in the bounding set): the kernel
 * checks it at the moment of each audit record, and the unload record comes
 * after the reduce; kaudit.c raises it for that one send.  It lets a process
 * that already holds CAP_SYS_MODULE do no more than write audit records.  The -c child gives up
 * even that: it takes the real uid/gid, then proves it cannot regain root. */
#include "staprun-auth/auth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <unistd.h>

static int privs_err(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	return -1;
}

static int privs_bound_reduce(void)
{
	cap_value_t c;

	/* Every capability the kernel knows, not only those libcap knows. */
	for (c = 0; c <= CAP_LAST_CAP || CAP_IS_SUPPORTED(c); c++) {
		if (c == CAP_SYS_MODULE)
			continue;
		if (cap_drop_bound(c) < 0 && errno != EINVAL)
			return -1;
	}
	return 0;
}

/* The reduced sets: CAP_SYS_MODULE effective, CAP_AUDIT_WRITE permitted. */
static cap_t privs_reduced(void)
{
	cap_t c = cap_init();
	cap_value_t v = CAP_SYS_MODULE, a = CAP_AUDIT_WRITE;

	if (c && (cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET) < 0 ||
		  cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET) < 0 ||
		  cap_set_flag(c, CAP_PERMITTED, 1, &a, CAP_SET) < 0)) {
		cap_free(c);
		return NULL;
	}
	return c;
}

/* 1 when the process sets are exactly the reduced ones. */
static int privs_only_sys_module(void)
{
	cap_t now = cap_get_proc(), want = privs_reduced();
	int same;

	if (!now || !want) {
		cap_free(now);
		cap_free(want);
		return 0;
	}
	same = cap_compare(now, want) == 0;
	cap_free(now);
	cap_free(want);
	return same;
}

int auth_privs_reduce(char *err, size_t errlen)
{
	cap_t c;
	int r;

	/* MUST 7: bounding set first (needs CAP_SETPCAP, still held), then the
	 * process sets; ambient and inheritable end up empty. */
	if (privs_bound_reduce() < 0)
		return privs_err(err, errlen, "cannot reduce the capability bounding set");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return privs_err(err, errlen, "cannot clear ambient capabilities");
	c = privs_reduced();
	if (!c)
		return privs_err(err, errlen, "cap_init");
	r = cap_set_proc(c);
	cap_free(c);
	if (r < 0)
		return privs_err(err, errlen, "cannot reduce capabilities to CAP_SYS_MODULE");
	if (!privs_only_sys_module()) {
		snprintf(err, errlen, "capabilities are not CAP_SYS_MODULE alone after reducing");
		return -1;
	}
	return 0;
}

/* 1 when the process holds no capability in any set. */
static int privs_none(void)
{
	cap_t now = cap_get_proc(), none = cap_init();
	int same;

	if (!now || !none) {
		cap_free(now);
		cap_free(none);
		return 0;
	}
	same = cap_compare(now, none) == 0;
	cap_free(now);
	cap_free(none);
	return same;
}

/* After the drop, getting root back must fail, every way we can ask. */
static int privs_prove_dropped(uid_t uid, gid_t gid)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	if (getresuid(&r, &e, &s) < 0 || r != uid || e != uid || s != uid)
		return -1;
	if (getresgid(&gr, &ge, &gs) < 0 || gr != gid || ge != gid || gs != gid)
		return -1;
	if (setfsuid((uid_t)-1) != (int)uid || setfsgid((gid_t)-1) != (int)gid)
		return -1;
	if (uid == 0)
		return 0; /* root ran us: nothing to lose */
	if (setresuid(-1, 0, -1) == 0 || setuid(0) == 0 || seteuid(0) == 0)
		return -1;
	if (gid != 0 && (setresgid(-1, 0, -1) == 0 || setegid(0) == 0))
		return -1;
	if (!privs_none())
		return -1;
	return 0;
}

int auth_privs_drop_child(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	/* MUST 7: group first, while we still may; supplementary groups are
	 * the caller's already (a setuid exec does not change them). */
	if (setresgid(gid, gid, gid) < 0)
		return privs_err(err, errlen, "setresgid");
	if (setresuid(uid, uid, uid) < 0)
		return privs_err(err, errlen, "setresuid");
	if (privs_prove_dropped(uid, gid) < 0) {
		snprintf(err, errlen, "privileges could be regained after dropping them");
		return -1;
	}
	return 0;
}

/* MUST 4: the user's files are opened with the user's filesystem identity,
 * so staprun.auth can read and write nothing the user could not. */
int auth_as_user_begin(const struct auth_user *u)
{
	setfsgid(u->gid);
	setfsuid(u->uid);
	if (setfsuid((uid_t)-1) != (int)u->uid || setfsgid((gid_t)-1) != (int)u->gid)
		return -1;
	return 0;
}

int auth_as_user_end(void)
{
	setfsuid(geteuid());
	setfsgid(getegid());
	if (setfsuid((uid_t)-1) != (int)geteuid() || setfsgid((gid_t)-1) != (int)getegid())
		return -1;
	return 0;
}

/* The kernel lets a process with CAP_SYS_RESOURCE or CAP_SYS_ADMIN exceed
 * RLIMIT_NPROC: fork without them in the effective set, so the caller's
 * limit (which a setuid exec keeps, counted for the real uid) holds for
 * every process staprun.auth creates (README rule 13).  Both sides then
 * take them back from the permitted set. */
pid_t auth_fork(void)
{
	cap_value_t v[2] = {CAP_SYS_RESOURCE, CAP_SYS_ADMIN};
	cap_t saved = cap_get_proc(), lower = saved ? cap_dup(saved) : NULL;
	pid_t pid = -1;
	int e;

	if (!lower || cap_set_flag(lower, CAP_EFFECTIVE, 2, v, CAP_CLEAR) < 0 ||
	    cap_set_proc(lower) < 0) {
		e = lower ? errno : ENOMEM;
	} else {
		pid = fork();
		e = errno;
		if (cap_set_proc(saved) < 0 && pid == 0)
			_exit(127); /* fail safe */
	}
	cap_free(lower);
	cap_free(saved);
	errno = e;
	return pid;
}
