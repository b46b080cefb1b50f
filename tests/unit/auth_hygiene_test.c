/* staprun.auth start-up hygiene (MUST 2), checked in a child process so the
 * test runner's own fds and environment stay as they are. */
#include "tests/unit/unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "staprun-auth/auth.h"

static int child_fds(void)
{
	struct auth_env env;
	int fd = open("/dev/null", O_RDONLY); /* inherited, no CLOEXEC */
	struct stat st;

	close(0);
	close(2);
	if (fd < 0 || auth_hygiene_start(&env) < 0)
		return 1;
	if (fcntl(0, F_GETFD) < 0 || fcntl(2, F_GETFD) < 0)
		return 2;
	if (fstat(2, &st) < 0 || !S_ISCHR(st.st_mode))
		return 3; /* /dev/null took fd 2's place */
	if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
		return 4;
	auth_env_free(&env);
	return 0;
}

TEST(hygiene_fds_valid_and_cloexec)
{
	CHECK(unit_in_child(child_fds) == 0);
}

static int child_env(void)
{
	struct auth_env env;
	struct rlimit rl;
	size_t i;
	int found = 0;

	setenv("LD_PRELOAD", "/tmp/evil.so", 1);
	setenv("OPENSSL_CONF", "/tmp/evil.cnf", 1);
	setenv("LC_ALL", "xx_EVIL", 1);
	setenv("GCONV_PATH", "/tmp/gconv", 1);
	umask(0);
	if (auth_hygiene_start(&env) < 0)
		return 1;
	if (getenv("LD_PRELOAD") || getenv("OPENSSL_CONF") || getenv("LC_ALL") ||
	    getenv("GCONV_PATH"))
		return 2;
	if (!getenv("PATH") || strcmp(getenv("PATH"), "/usr/sbin:/usr/bin:/sbin:/bin"))
		return 3;
	for (i = 0; i < env.n; i++)
		if (!strcmp(env.vars[i], "OPENSSL_CONF=/tmp/evil.cnf"))
			found = 1;
	if (!found || env.vars[env.n] != NULL)
		return 4; /* kept for the child */
	if (umask(077) != 077)
		return 5;
	if (getrlimit(RLIMIT_CORE, &rl) < 0 || rl.rlim_cur != 0 || rl.rlim_max != 0)
		return 6;
	auth_env_free(&env);
	return 0;
}

TEST(hygiene_env_saved_then_cleared_umask_core)
{
	CHECK(unit_in_child(child_env) == 0);
}

static int child_fsize(void)
{
	struct auth_env env;
	struct rlimit one = {1, 1}, rl;

	if (geteuid() != 0)
		return 0;
	if (setrlimit(RLIMIT_FSIZE, &one) < 0)
		return 1;
	if (auth_hygiene_start(&env) < 0)
		return 2;
	/* Ours raised (records must not be cut), the caller's kept for the child. */
	if (getrlimit(RLIMIT_FSIZE, &rl) < 0 || rl.rlim_cur != RLIM_INFINITY)
		return 3;
	if (env.fsize.rlim_cur != 1 || auth_env_limits(&env) < 0)
		return 4;
	if (getrlimit(RLIMIT_FSIZE, &rl) < 0 || rl.rlim_cur != 1)
		return 5;
	auth_env_free(&env);
	return 0;
}

TEST(hygiene_fsize_limit_raised_and_restored)
{
	cap_t c = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	cap_get_flag(c, CAP_SYS_RESOURCE, CAP_EFFECTIVE, &v);
	cap_free(c);
	if (geteuid() != 0 || v != CAP_SET)
		SKIP("needs CAP_SYS_RESOURCE to raise RLIMIT_FSIZE (the VM bench checks it)");
	CHECK(unit_in_child(child_fsize) == 0);
}
