/* Where runtime/ is: the kernel-side sources every module includes and the
 * cache key digests.  The session resolves it once; the key (driver.c) and
 * the build (kbuild.c) both read s->runtime_dir. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "translator/session.h"

static int dir_exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Is this binary the installed one (PREFIX/bin/stap)? */
static int running_installed(void)
{
#ifdef STAPAUTH_PREFIX
	char exe[PATH_MAX], bin[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	int len = snprintf(bin, sizeof bin, "%s/bin/", STAPAUTH_PREFIX);

	if (n <= 0 || len < 0 || (size_t)len >= sizeof bin)
		return 1;
	exe[n] = '\0';
	return strncmp(exe, bin, strlen(bin)) == 0;
#else
	return 1;
#endif
}

static int runtime_set(struct stap_session *s, const char *a, const char *b)
{
	int n = snprintf(s->runtime_dir, sizeof s->runtime_dir, "%s%s", a, b);

	return n >= 0 && (size_t)n < sizeof s->runtime_dir ? 0 : -1;
}

int session_find_runtime(struct stap_session *s)
{
	const char *env = getenv("SYSTEMTAP_RUNTIME");

	if (env && *env) {
		if (runtime_set(s, env, "") == 0)
			return 0;
		fprintf(stderr, "stap: SYSTEMTAP_RUNTIME: path too long\n");
		return -1;
	}
#ifdef STAPAUTH_SRCDIR
	if (!running_installed() && runtime_set(s, STAPAUTH_SRCDIR, "/runtime") == 0 &&
	    dir_exists(s->runtime_dir))
		return 0;
#endif
	(void)running_installed;
	(void)dir_exists;
	return runtime_set(s, DATADIR, "/runtime");
}
