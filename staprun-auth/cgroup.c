/* The guard out of the user's cgroup (MUST 13): a user may own a delegated
 * cgroup v2 subtree and end everything in it at once (cgroup.kill), which
 * needs no permission on the processes themselves.  The guard moves itself
 * into a root-owned cgroup of its own first.  The loader stays: its -c child
 * must run in the user's cgroup (accounting, limits), and ending the loader
 * is the user's right anyway; the guard then unloads.
 * Without cgroup v2 there is no cgroup.kill to fear: nothing to do. */
#include "staprun-auth/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

int auth_cgroup_enter(const char *root, char *err, size_t errlen)
{
	char dir[256], procs[300], pid[24];
	struct statfs fs;
	struct stat st;
	int fd, n, ok;

	if (statfs(root, &fs) < 0 || fs.f_type != CGROUP2_SUPER_MAGIC)
		return 0;
	snprintf(dir, sizeof dir, "%s/stapauth", root);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cgroup %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		snprintf(err, errlen, "cgroup %s is not root's", dir);
		return -1;
	}
	snprintf(procs, sizeof procs, "%s/cgroup.procs", dir);
	fd = open(procs, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	ok = fd >= 0 && write(fd, pid, (size_t)n) == n;
	if (!ok)
		snprintf(err, errlen, "cannot enter cgroup %s: %s", dir, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok ? 1 : -1;
}
