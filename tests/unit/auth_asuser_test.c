/* Work done as the user (README rules 4 and 12): a child fully switched to
 * the user, without capabilities, opens the user's files and asks the
 * kernel whether the user may trace a -x target. */
#include "tests/unit/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "staprun-auth/auth.h"

#define NOBODY 65534

static struct auth_user nobody(void)
{
	struct auth_user u = {.uid = NOBODY, .gid = NOBODY, .ngroups = 0};

	snprintf(u.name, sizeof u.name, "nobody");
	return u;
}

/* A process that sleeps as uid (root: 0), dumpable or not. */
static pid_t sleeper(uid_t uid, int dumpable)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (uid && (setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0))
			_exit(1);
		prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
		sleep(20);
		_exit(0);
	}
	usleep(100000);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

TEST(user_open_hands_back_a_descriptor)
{
	struct auth_user u = nobody();
	struct stat st;
	int fd = -1;

	if (geteuid() != 0)
		SKIP("needs root (switches to nobody)");
	CHECK(chmod(unit_tmpdir(), 01777) == 0);
	CHECK(auth_user_open(&u, unit_path("made"), O_WRONLY | O_CREAT | O_EXCL, 0600, &fd) == 0);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == NOBODY);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK(write(fd, "x", 1) == 1);
	close(fd);
	CHECK(auth_user_open(&u, "/etc/shadow", O_RDONLY, 0, &fd) == -EACCES && fd == -1);
}

/* The review's attack: with only fsuid switched, root's CAP_SYS_PTRACE
 * still opened /proc/PID/root/... of a process the user may not trace. */
TEST(user_open_holds_no_capability)
{
	struct auth_user u = nobody();
	char path[128];
	int fd = -1, e;
	pid_t root;

	if (geteuid() != 0)
		SKIP("needs root (switches to nobody)");
	root = sleeper(0, 1);
	CHECK(root > 0);
	snprintf(path, sizeof path, "/proc/%d/root/etc/passwd", (int)root);
	e = auth_user_open(&u, path, O_RDONLY, 0, &fd);
	reap(root);
	if (fd >= 0)
		close(fd);
	CHECK(e == -EACCES && fd == -1);
}

TEST(target_traceable_is_the_kernels_answer)
{
	struct auth_user u = nobody();
	char err[256];
	pid_t plain, nodump, rootp;
	int a, b, c;

	if (geteuid() != 0)
		SKIP("needs root (switches to nobody)");
	plain = sleeper(NOBODY, 1);
	nodump = sleeper(NOBODY, 0);
	rootp = sleeper(0, 1);
	a = auth_target_traceable(&u, plain, err, sizeof err);
	b = auth_target_traceable(&u, nodump, err, sizeof err);
	c = auth_target_traceable(&u, rootp, err, sizeof err);
	reap(plain);
	reap(nodump);
	reap(rootp);
	if (a == -EPERM && strstr(err, "no kcmp"))
		SKIP("the kernel has no kcmp(2)");
	CHECK(a == 0);
	CHECK(b == -EPERM && c == -EPERM);
	CHECK(strstr(err, "may not trace"));
}

/* The review's "held up" list, as the user: a hard link (in a directory the
 * user may write) to a root-only file, and a file in a directory the user
 * cannot search. */
TEST(user_open_hardlink_and_unsearchable_dir)
{
	struct auth_user u = nobody();
	int fd = -1;

	if (geteuid() != 0)
		SKIP("needs root (switches to nobody)");
	CHECK(chmod(unit_tmpdir(), 01777) == 0);
	CHECK(mkdir(unit_path("private"), 0700) == 0);
	CHECK(close(open(unit_path("private/secret.ko"), O_WRONLY | O_CREAT, 0600)) == 0);
	CHECK(auth_user_open(&u, unit_path("private/secret.ko"), O_RDONLY, 0, &fd) == -EACCES);
	CHECK(link(unit_path("private/secret.ko"), unit_path("hard.ko")) == 0);
	CHECK(auth_user_open(&u, unit_path("hard.ko"), O_RDONLY, 0, &fd) == -EACCES && fd == -1);
}
