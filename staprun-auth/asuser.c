/* Work done as the user (README rule 4): a child process fully switched to
 * the user (every uid and gid, the user's groups, no capability in any set,
 * no_new_privs) does it and hands back at most one descriptor over a socket
 * (SCM_RIGHTS).  Changing only fsuid/fsgid is not enough: root's
 * CAP_SYS_PTRACE and CAP_DAC_* would still reach paths such as
 * /proc/PID/root/... of another mount namespace.  The child inherits
 * PR_SET_DUMPABLE 0 (hygiene.c), so the user cannot ptrace it. */
#include "staprun-auth/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int asuser_become(const struct auth_user *u)
{
	char err[128];

	/* Not privileged (tests, --check without setuid): already the user. */
	if (geteuid() != 0)
		return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (setgroups((size_t)u->ngroups, u->groups) < 0)
		return -1;
	if (auth_privs_drop_child(u->uid, u->gid, err, sizeof err) < 0)
		return -1;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static void asuser_send(int sock, int rc, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = &rc, .iov_len = sizeof rc};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

	memset(&u, 0, sizeof u);
	if (rc == 0 && fd >= 0) {
		struct cmsghdr *c;

		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof u.buf;
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	(void)!sendmsg(sock, &msg, MSG_NOSIGNAL);
}

/* The child's answer: rc, and a descriptor when it sent one. */
static int asuser_recv(int sock, int *fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	int rc = -EPROTO;
	struct iovec iov = {.iov_base = &rc, .iov_len = sizeof rc};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	ssize_t n;

	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof u.buf;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != sizeof rc || (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)))
		return -EPROTO;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
	    c->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(fd, CMSG_DATA(c), sizeof *fd);
	if (rc > 0)
		rc = -EPROTO;
	return rc;
}

int auth_as_user_call(const struct auth_user *u, auth_user_fn fn, void *arg, int *fd)
{
	int sp[2], rc, st = 0, got = -1;
	pid_t pid;

	if (fd)
		*fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	pid = auth_fork();
	if (pid < 0) {
		rc = -errno;
		close(sp[0]);
		close(sp[1]);
		return rc;
	}
	if (pid == 0) {
		int cfd = -1;

		close(sp[0]);
		rc = asuser_become(u) < 0 ? -EPERM : fn(arg, &cfd);
		asuser_send(sp[1], rc, cfd);
		_exit(0);
	}
	close(sp[1]);
	rc = asuser_recv(sp[0], &got);
	close(sp[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		rc = -EPROTO;
	if (rc < 0 || !fd) {
		if (got >= 0)
			close(got);
		got = -1;
	}
	if (fd)
		*fd = got;
	return rc;
}

struct asuser_open {
	const char *path;
	int flags;
	mode_t mode;
};

static int asuser_open_fn(void *arg, int *fd)
{
	const struct asuser_open *o = arg;

	*fd = open(o->path, o->flags, o->mode);
	return *fd < 0 ? -errno : 0;
}

int auth_user_open(const struct auth_user *u, const char *path, int flags, mode_t mode, int *fd)
{
	struct asuser_open o = {path, flags | O_CLOEXEC | O_NOCTTY, mode};

	return auth_as_user_call(u, asuser_open_fn, &o, fd);
}
