/* The guard: a small root process that outlives a SIGKILLed staprun.auth and
 * unloads the module it had loaded.  The loader tells it the module name
 * before init_module and "done" after its own unload; end of file without
 * "done" means the loader died.  The guard's real, effective and saved ids
 * are all root, so the user (who may signal the loader: its real uid is
 * theirs) cannot kill it. */
#include "staprun-auth/guard.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void guard_cleanup(const char *rundir, const char *name)
{
	struct loader_err le;
	int i;

	for (i = 0; i < GUARD_TRIES && loader_is_loaded(name) == 1; i++) {
		if (loader_unload(name, &le) == -ENOENT)
			break;
		guard_sleep_ms(100);
	}
	if (loader_is_loaded(name) != 1)
		auth_record_remove(rundir, name);
}

/* Read "load NAME\n" and "done\n" lines until end of file. */
static void guard_loop(int fd, const char *rundir)
{
	char buf[128], name[AUTH_NAME_MAX + 1] = "";
	size_t have = 0;
	int done = 0;

	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
		char *nl;

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
		guard_cleanup(rundir, name);
}

static void guard_main(int fd, const char *rundir)
{
	char err[256];
	int null = open("/dev/null", O_RDWR);

	/* Not holding the user's terminal or pipe open after the loader ends. */
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	/* Nor the user's -o file or anything else but our pipe. */
	if (fd > 3)
		close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0U, 0);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		_exit(1);
	if (auth_privs_reduce(err, sizeof err) < 0)
		_exit(1);
	guard_loop(fd, rundir);
	_exit(0);
}

int auth_guard_start(struct auth_guard *g, const char *rundir, char *err, size_t errlen)
{
	int p[2];

	g->pid = 0;
	g->fd = -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "guard: pipe: %s", strerror(errno));
		return -1;
	}
	g->pid = fork();
	if (g->pid < 0) {
		snprintf(err, errlen, "guard: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (g->pid == 0) {
		close(p[1]);
		guard_main(p[0], rundir);
		_exit(1); /* fail safe */
	}
	close(p[0]);
	g->fd = p[1];
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
