#include "lib/installed.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int installed_self(void)
{
#ifdef STAPAUTH_PREFIX
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	size_t len = strlen(STAPAUTH_PREFIX);

	if (n <= 0)
		return 1;
	exe[n] = '\0';
	return strncmp(exe, STAPAUTH_PREFIX, len) == 0 &&
	       (strncmp(exe + len, "/bin/", 5) == 0 || strncmp(exe + len, "/sbin/", 6) == 0);
#else
	return 1;
#endif
}

int installed_fleet_run(char *out, size_t size)
{
	const char *env = getenv("STAPAUTH_FLEET_RUN");

	if (env && *env)
		snprintf(out, size, "%s", env);
#ifdef STAPAUTH_SRCDIR
	else if (!installed_self() &&
		 snprintf(out, size, "%s/fleet/fleet-run", STAPAUTH_SRCDIR) < (int)size &&
		 access(out, X_OK) == 0)
		return 0;
#endif
	else
		snprintf(out, size, "%s/fleet-run", DATADIR);
	return access(out, X_OK) == 0 ? 0 : -errno;
}
