/* policy_check_perms and keys_check_dir: ownership and modes, every parent.
 * The expected owner is our own uid, so this runs without root. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys/verify.h"
#include "policy/policy.h"
#include "unit.h"

static char base[512], file[600], keys[600];
static char msg[512];

/* base: a 0755 directory of ours (unit_tmpdir is 0700 under /tmp, whose
 * sticky root ownership is accepted). */
static int setup(void)
{
	int fd;

	snprintf(base, sizeof base, "%s/etc", unit_tmpdir());
	snprintf(file, sizeof file, "%s/authorized_probes", base);
	snprintf(keys, sizeof keys, "%s/keys", base);
	if (mkdir(base, 0755) < 0 && errno != EEXIST)
		return -1;
	if (chmod(base, 0755) < 0 || chmod(unit_tmpdir(), 0700) < 0)
		return -1;
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	if (chmod(file, 0644) < 0)
		return -1;
	if (mkdir(keys, 0755) < 0 && errno != EEXIST)
		return -1;
	return chmod(keys, 0755);
}

TEST(perms_good)
{
	CHECK(setup() == 0);
	CHECK(policy_check_perms(file, getuid(), msg, sizeof msg) == 0);
	CHECK(keys_check_dir(keys, getuid(), msg, sizeof msg) == 0);
}

TEST(perms_file_group_writable)
{
	CHECK(setup() == 0);
	CHECK(chmod(file, 0664) == 0);
	CHECK(policy_check_perms(file, getuid(), msg, sizeof msg) == -EPERM);
	CHECK(strstr(msg, "authorized_probes: writable by its group (mode 0664)"));
	CHECK(chmod(file, 0646) == 0);
	CHECK(policy_check_perms(file, getuid(), msg, sizeof msg) == -EPERM);
	CHECK(strstr(msg, "writable by others"));
}

TEST(perms_parent_group_writable)
{
	CHECK(setup() == 0);
	CHECK(chmod(base, 0775) == 0);
	CHECK(policy_check_perms(file, getuid(), msg, sizeof msg) == -EPERM);
	CHECK(strstr(msg, "/etc: writable by its group"));
	CHECK(keys_check_dir(keys, getuid(), msg, sizeof msg) == -EPERM);
	CHECK(chmod(base, 0755) == 0);
}

TEST(perms_wrong_owner)
{
	CHECK(setup() == 0);
	/* expected owner some other uid: our file is then foreign */
	CHECK(policy_check_perms(file, getuid() + 4242, msg, sizeof msg) == -EPERM);
	CHECK(strstr(msg, "owned by uid"));
	if (getuid() == 0) {
		CHECK(chown(file, 4242, 0) == 0);
		CHECK(policy_check_perms(file, 0, msg, sizeof msg) == -EPERM);
		CHECK(strstr(msg, "owned by uid 4242, not root"));
	}
}

TEST(perms_symlink_and_dir)
{
	char link[700];

	CHECK(setup() == 0);
	snprintf(link, sizeof link, "%s/ap-link", base);
	unlink(link);
	CHECK(symlink(file, link) == 0);
	CHECK(policy_check_perms(link, getuid(), msg, sizeof msg) == -ELOOP);
	CHECK(policy_check_perms(keys, getuid(), msg, sizeof msg) == -EINVAL);
	CHECK(strstr(msg, "not a regular file"));
}

TEST(perms_missing)
{
	char missing[700];

	CHECK(setup() == 0);
	snprintf(missing, sizeof missing, "%s/nope", base);
	CHECK(policy_check_perms(missing, getuid(), msg, sizeof msg) == -ENOENT);
	CHECK(strstr(msg, "nope"));
}

TEST(perms_key_file)
{
	char key[700];
	int fd;

	CHECK(setup() == 0);
	snprintf(key, sizeof key, "%s/a.pem", keys);
	fd = open(key, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK(chmod(key, 0644) == 0);
	CHECK(keys_check_dir(keys, getuid(), msg, sizeof msg) == 0);
	CHECK(chmod(key, 0666) == 0);
	CHECK(keys_check_dir(keys, getuid(), msg, sizeof msg) == -EPERM);
	CHECK(strstr(msg, "a.pem: writable by"));
	CHECK(chmod(key, 0644) == 0);
	if (getuid() == 0) { /* a key not owned by root */
		CHECK(chown(key, 4242, 4242) == 0);
		CHECK(keys_check_dir(keys, 0, msg, sizeof msg) == -EPERM);
		CHECK(strstr(msg, "a.pem: owned by uid 4242, not root"));
	}
	CHECK(unlink(key) == 0);
}
