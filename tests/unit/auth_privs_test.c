/* staprun.auth capabilities and the child's drop (MUST 7).  Needs root (the
 * drop is from root); each check runs in a forked child. */
#include "tests/unit/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "staprun-auth/auth.h"

static int child_reduce(void)
{
	char err[256];
	cap_flag_value_t v;
	cap_t c;

	if (auth_privs_reduce(err, sizeof err) < 0)
		return 1;
	c = cap_get_proc();
	if (cap_get_flag(c, CAP_SYS_MODULE, CAP_EFFECTIVE, &v) < 0 || v != CAP_SET)
		return 2;
	if (cap_get_flag(c, CAP_DAC_OVERRIDE, CAP_PERMITTED, &v) < 0 || v != CAP_CLEAR)
		return 3;
	if (cap_get_flag(c, CAP_SETUID, CAP_PERMITTED, &v) < 0 || v != CAP_CLEAR)
		return 4;
	/* CAP_AUDIT_WRITE: permitted (kaudit.c raises it to send), not effective */
	if (cap_get_flag(c, CAP_AUDIT_WRITE, CAP_PERMITTED, &v) < 0 || v != CAP_SET)
		return 8;
	if (cap_get_flag(c, CAP_AUDIT_WRITE, CAP_EFFECTIVE, &v) < 0 || v != CAP_CLEAR)
		return 9;
	cap_free(c);
	/* bounding set: nothing but CAP_SYS_MODULE can come back through exec */
	if (prctl(PR_CAPBSET_READ, CAP_SYS_MODULE) != 1 ||
	    prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN) != 0 || prctl(PR_CAPBSET_READ, CAP_SETUID) != 0 ||
	    prctl(PR_CAPBSET_READ, CAP_AUDIT_WRITE) != 0)
		return 5;
	/* and CAP_SETUID really is gone: 12345 is none of our current ids */
	if (setresuid(12345, -1, -1) == 0)
		return 7;
	return 0;
}

TEST(privs_reduce_to_sys_module)
{
	if (geteuid() != 0)
		SKIP("needs root");
	CHECK(unit_in_child(child_reduce) == 0);
}

static int child_drop(void)
{
	char err[256];

	/* as a setuid start by user 65534 would leave us: real ids the user's */
	if (setresgid(65534, 0, 0) < 0 || setresuid(65534, 0, 0) < 0)
		return 5;
	/* as after reduce, then as the -c child does */
	if (auth_privs_reduce(err, sizeof err) < 0)
		return 1;
	if (auth_privs_drop_child(65534, 65534, err, sizeof err) < 0)
		return 2;
	if (getuid() != 65534 || geteuid() != 65534 || getegid() != 65534)
		return 3;
	if (setuid(0) == 0 || seteuid(0) == 0 || setresuid(0, 0, 0) == 0 || setegid(0) == 0)
		return 4;
	return 0;
}

TEST(privs_child_drop_cannot_regain)
{
	if (geteuid() != 0)
		SKIP("needs root");
	CHECK(unit_in_child(child_drop) == 0);
}

static int child_drop_full_caps(void)
{
	char err[256];

	/* even without reducing first (every capability held) the drop is total */
	if (auth_privs_drop_child(65534, 65534, err, sizeof err) < 0)
		return 1;
	if (setresuid(0, 0, 0) == 0)
		return 2;
	return 0;
}

TEST(privs_child_drop_from_full_root)
{
	if (geteuid() != 0)
		SKIP("needs root");
	CHECK(unit_in_child(child_drop_full_caps) == 0);
}

static int child_fs_identity(void)
{
	struct auth_user u = {.uid = 65534, .gid = 65534};

	/* as the user: a root-only file cannot be opened */
	if (auth_as_user_begin(&u) < 0)
		return 1;
	{
		int fd = open("/etc/shadow", O_RDONLY);
		if (fd >= 0 || errno != EACCES)
			return 2;
	}
	if (auth_as_user_end() < 0)
		return 3;
	{
		int fd = open("/etc/shadow", O_RDONLY);
		if (fd < 0)
			return 4;
		close(fd);
	}
	return 0;
}

TEST(privs_user_fs_identity)
{
	if (geteuid() != 0)
		SKIP("needs root");
	if (access("/etc/shadow", F_OK) != 0)
		SKIP("no /etc/shadow");
	CHECK(unit_in_child(child_fs_identity) == 0);
}
