/* The -c CMD child: forked early (its pid goes to the module as
 * _stp_target), held on a pipe until the probes are live, then exec'd. */
#include "staprun/err.h"
#include "staprun/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void child_reset_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE};
	sigset_t none;

	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void child_main(const struct loader_child_opts *o, int go_fd)
{
	struct loader_err e = {""};
	char *argv[] = {"sh", "-c", (char *)o->cmd, NULL};
	char b;
	ssize_t n;

	if (o->hook && o->hook(o->hook_arg, &e) != 0) {
		dprintf(2, "%s\n", e.msg[0] ? e.msg : "cannot prepare the command");
		_exit(127);
	}
	do
		n = read(go_fd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(127); /* the load failed: never run the command */
	close(go_fd);
	if (o->stdin_null) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(127);
		if (fd > 0)
			close(fd);
	}
	child_reset_signals();
	execve("/bin/sh", argv, o->envp ? o->envp : environ);
	dprintf(2, "cannot run /bin/sh: %s\n", strerror(errno));
	_exit(127);
}

int loader_child_start(const struct loader_child_opts *o, struct loader_child *c,
		       struct loader_err *e)
{
	int fds[2];

	c->pid = 0;
	c->go_fd = -1;
	if (!o->cmd)
		return loader_fail(e, -EINVAL, "no command given");
	if (pipe2(fds, O_CLOEXEC) != 0)
		return loader_fail(e, -errno, "pipe: %s", strerror(errno));
	c->pid = fork();
	if (c->pid < 0) {
		int err = errno;

		close(fds[0]);
		close(fds[1]);
		c->pid = 0;
		return loader_fail(e, -err, "fork: %s", strerror(err));
	}
	if (c->pid == 0) {
		close(fds[1]);
		child_main(o, fds[0]);
	}
	close(fds[0]);
	c->go_fd = fds[1];
	return 0;
}

int loader_child_release(struct loader_child *c)
{
	ssize_t n;

	if (c->go_fd < 0)
		return -EINVAL;
	do
		n = write(c->go_fd, "g", 1);
	while (n < 0 && errno == EINTR);
	close(c->go_fd);
	c->go_fd = -1;
	return n == 1 ? 0 : -EPIPE;
}

void loader_child_abort(struct loader_child *c)
{
	if (c->go_fd >= 0)
		close(c->go_fd);
	c->go_fd = -1;
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	c->pid = 0;
}
