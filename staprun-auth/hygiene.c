/* A setuid program starts in a state its caller chose: closed standard fds,
 * odd signal dispositions, limits, an environment aimed at the dynamic linker,
 * OpenSSL or the locale machinery.  Undo all of it first (MUST 2). */
#include "staprun-auth/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

/* fd 0-2 closed by the caller would make our next open() become "stdout";
 * a later write of an error would then land in, say, the policy file. */
static int hygiene_stdfds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (n != fd) {
			if (n >= 0)
				close(n);
			return -1;
		}
	}
	return 0;
}

/* Every inherited fd above 2 is the caller's: never let it reach the child. */
static int hygiene_cloexec(void)
{
	struct rlimit rl;
	int fd, max;

#ifdef CLOSE_RANGE_CLOEXEC
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	max = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
	for (fd = 3; fd < max; fd++) {
		int fl = fcntl(fd, F_GETFD);

		if (fl >= 0 && fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
			return -1;
	}
	return 0;
}

static int hygiene_signals(void)
{
	struct sigaction sa;
	sigset_t none;
	int s;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			(void)sigaction(s, &sa, NULL); /* invalid numbers fail, harmless */
	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL);
}

/* No core file of a process holding policy and module bytes.  A 1-byte
 * RLIMIT_FSIZE must not truncate our own records; the caller's limit is kept
 * and put back in the -c child (auth_env_limits). */
static int hygiene_limits(struct auth_env *saved)
{
	struct rlimit zero = {0, 0}, inf = {RLIM_INFINITY, RLIM_INFINITY};

	if (getrlimit(RLIMIT_FSIZE, &saved->fsize) < 0)
		return -1;
	if (setrlimit(RLIMIT_CORE, &zero) < 0)
		return -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -1;
	if (geteuid() == 0 && setrlimit(RLIMIT_FSIZE, &inf) < 0)
		return -1;
	return 0;
}

static int hygiene_env_save(struct auth_env *saved)
{
	size_t n = 0, i;

	saved->vars = NULL;
	saved->n = 0;
	if (environ)
		while (environ[n] && n < AUTH_ENV_MAX)
			n++;
	saved->vars = calloc(n + 1, sizeof *saved->vars);
	if (!saved->vars)
		return -1;
	for (i = 0; i < n; i++) {
		saved->vars[i] = strndup(environ[i], AUTH_ARG_MAX);
		if (!saved->vars[i])
			return -1;
		saved->n = i + 1;
	}
	return 0;
}

void auth_env_free(struct auth_env *e)
{
	size_t i;

	if (!e->vars)
		return;
	for (i = 0; i < e->n; i++)
		free(e->vars[i]);
	free(e->vars);
	e->vars = NULL;
	e->n = 0;
}

int auth_env_limits(const struct auth_env *saved)
{
	return setrlimit(RLIMIT_FSIZE, &saved->fsize);
}

int auth_hygiene_start(struct auth_env *saved)
{
	saved->vars = NULL;
	saved->n = 0;
	if (hygiene_stdfds() < 0)
		return -1;
	if (hygiene_cloexec() < 0)
		return -1;
	umask(077);
	if (hygiene_limits(saved) < 0)
		return -1;
	if (hygiene_signals() < 0)
		return -1;
	/* MUST 2: the user's environment goes to the -c child only; this
	 * process runs with none, so OPENSSL_CONF, LANG, LC_ALL, GCONV_PATH,
	 * TZ and friends never reach a library.  No setlocale() anywhere. */
	if (hygiene_env_save(saved) < 0)
		return -1;
	if (clearenv() != 0)
		return -1;
	if (setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) < 0)
		return -1;
	return 0;
}
