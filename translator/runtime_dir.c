/* Where runtime/ is: the kernel-side sources every module includes and the
 * cache key digests.  The session resolves it once; the key (driver.c) and
 * the build (kbuild.c) both read s->runtime_dir. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/installed.h"
#include "translator/session.h"

static int dir_exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
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
	if (!installed_self() && runtime_set(s, STAPAUTH_SRCDIR, "/runtime") == 0 &&
	    dir_exists(s->runtime_dir))
		return 0;
#endif
	(void)dir_exists;
	return runtime_set(s, DATADIR, "/runtime");
}
