/* Who called us, from the kernel's view of the real ids, never the
 * environment (LOGNAME, USER are the caller's to choose); and whether the
 * -x process is theirs. */
#include "staprun-auth/auth.h"

#include <errno.h>
#include <linux/kcmp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int auth_user_get(struct auth_user *u, char *err, size_t errlen)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	memset(u, 0, sizeof *u);
	u->uid = getuid();
	u->gid = getgid();
	u->ngroups = getgroups(AUTH_GROUPS_MAX, u->groups);
	if (u->ngroups < 0) {
		snprintf(err, errlen, "too many supplementary groups");
		return -1;
	}
	if (getpwuid_r(u->uid, &pw, buf, sizeof buf, &res) != 0 || !res) {
		snprintf(err, errlen, "uid %u has no passwd entry", (unsigned)u->uid);
		return -1;
	}
	if (snprintf(u->name, sizeof u->name, "%s", pw.pw_name) >= (int)sizeof u->name) {
		snprintf(err, errlen, "user name too long");
		return -1;
	}
	return 0;
}

/* "Uid:\tR\tE\tS\tFS" of /proc/PID/status, all four must be uid: a user may
 * not aim a probe at a setuid program they started.  Nor at a setgid one
 * (its four gids differ) or one holding capabilities (file capabilities,
 * CapPrm not zero): it holds more than the user. */
int auth_target_check(const char *procdir, pid_t pid, uid_t uid, char *err, size_t errlen)
{
	char path[128], line[256];
	unsigned r, e, s, fs, gr, ge, gs, gfs;
	unsigned long long prm = ~0ULL;
	FILE *f;
	int found = 0, gfound = 0;

	snprintf(path, sizeof path, "%s/%d/status", procdir, (int)pid);
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "-x %d: no such process", (int)pid);
		return -ESRCH;
	}
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "Uid: %u %u %u %u", &r, &e, &s, &fs) == 4)
			found = 1;
		else if (sscanf(line, "Gid: %u %u %u %u", &gr, &ge, &gs, &gfs) == 4)
			gfound = 1;
		else if (!strncmp(line, "CapPrm:", 7))
			prm = strtoull(line + 7, NULL, 16);
	}
	fclose(f);
	if (!found || r != uid || e != uid || s != uid || fs != uid) {
		snprintf(err, errlen, "-x %d: not a process of yours", (int)pid);
		return -EPERM;
	}
	if (uid != 0 && (!gfound || ge != gr || gs != gr || gfs != gr || prm != 0)) {
		snprintf(err, errlen, "-x %d: not a process of yours (setgid or privileged)",
			 (int)pid);
		return -EPERM;
	}
	return 0;
}

int auth_target_alive(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	/* A pidfd polls readable once its process has exited. */
	return poll(&p, 1, 0) == 0;
}

/* The pidfd is taken before the check: if the process is still alive after
 * /proc/PID/status was read, that status was its own, and the pid cannot
 * have been reused by someone else's process in between. */
int auth_target_open(const char *procdir, pid_t pid, uid_t uid, int *fd, char *err, size_t errlen)
{
	int e;

	*fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (*fd < 0) {
		snprintf(err, errlen, "-x %d: no such process", (int)pid);
		return -ESRCH;
	}
	e = auth_target_check(procdir, pid, uid, err, errlen);
	if (e == 0 && !auth_target_alive(*fd)) {
		snprintf(err, errlen, "-x %d: no such process", (int)pid);
		e = -ESRCH;
	}
	if (e < 0) {
		close(*fd);
		*fd = -1;
	}
	return e;
}

/* kcmp(2) asks __ptrace_may_access(PTRACE_MODE_READ_REALCREDS) about both
 * processes: with the caller's real ids, the target's uids and gids must all
 * be the user's, it must be dumpable, and its capabilities a subset of the
 * caller's (none).  That is ptrace's own rule for reading a process, which
 * is what a probe does to it: it never attaches, so Yama's attach-only
 * restriction is not the question. */
static int target_kcmp_fn(void *arg, int *fd)
{
	pid_t pid = *(const pid_t *)arg;

	(void)fd;
	if (syscall(SYS_kcmp, getpid(), pid, KCMP_VM, 0UL, 0UL) < 0)
		return -errno;
	return 0;
}

int auth_target_traceable(const struct auth_user *u, pid_t pid, char *err, size_t errlen)
{
	int e;

	if (u->uid == 0)
		return 0; /* root may trace anything */
	/* MUST 12: the question asked in a process that is the user, with
	 * no capabilities: exactly what the user could do. */
	e = auth_as_user_call(u, target_kcmp_fn, &pid, NULL);
	if (e == -ENOSYS)
		snprintf(err, errlen,
			 "-x %d: this kernel cannot tell whether you may trace it (no kcmp)",
			 (int)pid);
	else if (e == -ESRCH)
		snprintf(err, errlen, "-x %d: no such process", (int)pid);
	else if (e < 0)
		snprintf(err, errlen, "-x %d: you may not trace this process (%s)", (int)pid,
			 e == -EPERM ? "not dumpable, or privileged" : strerror(-e));
	return e < 0 ? -EPERM : 0;
}
