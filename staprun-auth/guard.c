/* The guard: a small root process that outlives a SIGKILLed staprun.auth and
 * unloads the module it had loaded.  The loader tells it the module name
 * before init_module and "done" after its own unload; end of file without
 * "done" means the loader died.  The guard's real, effective and saved ids
 * are all root, so the user (who may signal the loader: its real uid is
 * theirs) cannot kill it.  It shares the loader's lock on the module name
 * (lock.c: the same open file description), so the name stays owned by
 * this run until the guard, too, is done. */
#include "staprun-auth/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "staprun/loader.h"

#define GUARD_TRIES 100 /* 100 x 100 ms: the module's reader-gone grace fits */

static void guard_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* MUST 10: the guard's unload is an unload like any other: syslog and the
 * Linux audit trail, with what the record of the live load says. */
static void guard_log(const char *rundir, const char *name, uid_t uid)
{
	struct auth_record r;
	int have = auth_record_read(rundir, name, &r) == 0;
	struct auth_audit a = {
	    .event = "unload",
	    .result = "done",
	    .user = have ? r.user : NULL,
	    .uid = have ? r.uid : uid,
	    .name = name,
	    .digest = have ? r.digest : NULL,
	    .reason = "the loader died: its guard unloaded the module",
	};

	auth_audit_log(&a);
	auth_kaudit_send_once(&a);
}

/* Unload name, but only while it is ours: a module of that name whose
 * transport belongs to someone else (a namesake loaded by another user or by
 * root, when our own init_module failed) is never touched. */
static void guard_cleanup(const char *rundir, const char *sysmod, uid_t uid, const char *name,
			  int lock)
{
	struct loader_err le;
	uid_t owner;
	int i, unloaded = 0;

	for (i = 0; i < GUARD_TRIES && loader_is_loaded(name) == 1; i++) {
		int e = auth_module_owner(sysmod, "/proc", name, &owner);

		if (e == 0 && owner != uid)
			return;
		/* -ENOENT: no transport yet (still starting): wait. */
		unloaded |= e == 0;
		if (e == 0 && loader_unload(name, &le) == -ENOENT)
			break;
		guard_sleep_ms(100);
	}
	if (loader_is_loaded(name) != 1) {
		if (unloaded)
			guard_log(rundir, name, uid);
		auth_record_remove(rundir, name);
		auth_lock_release(rundir, name, lock, 1);
	}
}

/* Read "load NAME\n" and "done\n" lines until end of file, or until the
 * loader (lfd, its pidfd) is gone with nothing more to read: a process it
 * forked (a -c child the user stopped before it closed our pipe) may still
 * hold the write end, and must not keep us waiting. */
static void guard_loop(int fd, int lfd, int lock, const char *rundir, const char *sysmod, uid_t uid)
{
	char buf[128], name[AUTH_NAME_MAX + 1] = "";
	size_t have = 0;
	int done = 0;

	for (;;) {
		struct pollfd pf[2] = {{.fd = fd, .events = POLLIN}, {.fd = lfd, .events = POLLIN}};
		ssize_t n;
		char *nl;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!pf[0].revents && pf[1].revents)
			break;
		n = read(fd, buf + have, sizeof buf - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			*nl = '\0';
			if (!strncmp(buf, "load ", 5) && auth_name_valid(buf + 5))
				memcpy(name, buf + 5, strlen(buf + 5) + 1);
			else if (!strcmp(buf, "done"))
				done = 1;
			have -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, have + 1);
		}
		if (have >= sizeof buf - 1)
			break; /* garbage: treat as the loader's death */
	}
	if (name[0] && !done)
		guard_cleanup(rundir, sysmod, uid, name, lock);
}

static int guard_int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every descriptor from 3 on but the three kept (-1: none). */
static void guard_close_others(int a, int b, int c)
{
	int keep[3] = {a, b, c};
	unsigned from = 3;
	int i;

	qsort(keep, 3, sizeof keep[0], guard_int_cmp);
	for (i = 0; i < 3; i++) {
		if (keep[i] < (int)from)
			continue;
		if ((unsigned)keep[i] > from)
			close_range(from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

static void guard_main(int fd, int ready, int lock, pid_t loader, const char *rundir,
		       const char *sysmod, uid_t uid)
{
	static const int ign[] = {SIGINT,  SIGTERM, SIGHUP,  SIGPIPE,
				  SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};
	char err[256];
	size_t i;
	int null, lfd;

	/* Out of the user's session and process group: the terminal's ^C, ^\
	 * and ^Z reach a process group without a permission check, and SIGCONT
	 * may be sent to anything in one's own session. */
	if (setsid() < 0)
		_exit(1);
	for (i = 0; i < sizeof ign / sizeof ign[0]; i++)
		signal(ign[i], SIG_IGN);
	/* Until this, the real uid is the user's and so is the right to kill
	 * us: the loader waits for the byte below before it loads anything. */
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		_exit(1);
	/* Nor through a cgroup the user owns (cgroup.kill). */
	if (auth_cgroup_enter(AUTH_CGROUP_ROOT, err, sizeof err) < 0)
		_exit(1);
	if (auth_privs_reduce(err, sizeof err) < 0)
		_exit(1);
	/* Still our parent after pidfd_open: the pidfd is the loader's. */
	lfd = (int)syscall(SYS_pidfd_open, loader, 0);
	if (lfd < 0 || getppid() != loader)
		_exit(1);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	close(ready);
	/* Not holding the user's terminal or pipe open after the loader ends. */
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	/* Nor the user's -o file or anything else but our pipe. */
	guard_close_others(fd, lfd, lock);
	guard_loop(fd, lfd, lock, rundir, sysmod, uid);
	_exit(0);
}

/* The guard's "r": it is root now.  0, or -1 when it died or failed. */
static int guard_wait_ready(int fd)
{
	char b = 0;
	ssize_t n;

	do
		n = read(fd, &b, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 && b == 'r' ? 0 : -1;
}

int auth_guard_start(struct auth_guard *g, const char *rundir, const char *sysmod, uid_t uid,
		     int lock, char *err, size_t errlen)
{
	pid_t loader = getpid();
	int p[2], r[2];

	g->pid = 0;
	g->fd = -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "guard: pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(r, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "guard: pipe: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	g->pid = auth_fork();
	if (g->pid < 0) {
		snprintf(err, errlen, "guard: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		close(r[0]);
		close(r[1]);
		return -1;
	}
	if (g->pid == 0) {
		close(p[1]);
		close(r[0]);
		guard_main(p[0], r[1], lock, loader, rundir, sysmod, uid);
		_exit(1); /* fail safe */
	}
	close(p[0]);
	close(r[1]);
	g->fd = p[1];
	if (guard_wait_ready(r[0]) < 0) {
		close(r[0]);
		/* nothing armed: no "done" to a guard that is gone (SIGPIPE) */
		auth_guard_finish(g, 0);
		snprintf(err, errlen, "guard: the unload guard did not start");
		return -1;
	}
	close(r[0]);
	return 0;
}

int auth_guard_arm(struct auth_guard *g, const char *name)
{
	char line[AUTH_NAME_MAX + 8];
	int n = snprintf(line, sizeof line, "load %s\n", name);

	return write(g->fd, line, (size_t)n) == n ? 0 : -1;
}

void auth_guard_finish(struct auth_guard *g, int unloaded)
{
	if (g->fd >= 0) {
		/* Without "done" the guard unloads what we could not. */
		if (unloaded && write(g->fd, "done\n", 5) != 5) {
			/* the guard then cleans up: the safe side */
		}
		close(g->fd);
		g->fd = -1;
	}
	if (g->pid > 0) {
		while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
			;
		g->pid = 0;
	}
}
