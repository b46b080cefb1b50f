/* The OpenSSH side of remote runs (ssh.h).  ssh is the user's own program
 * found on PATH; stap adds only what a non-interactive, shared connection
 * needs: BatchMode (never a prompt), ControlMaster/ControlPath in a folder
 * only this user can enter, ControlPersist so that a master left by a
 * killed stap goes away by itself. */
#include "translator/ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/readfile.h"
#include "lib/rmtree.h"

void sh_quote_arg(struct strbuf *b, const char *s)
{
	sb_puts(b, " ");
	sb_shquote(b, s);
}

static const char *ssh_program(void)
{
	const char *p = getenv("STAPAUTH_SSH"); /* tests: a wrapper that adds -F */
	return p && *p ? p : "ssh";
}

/* Common options; the caller adds the mode options, host and command. */
static size_t ssh_base(const struct ssh_conn *c, const char **argv)
{
	size_t n = 0;

	argv[n++] = ssh_program();
	argv[n++] = "-o";
	argv[n++] = "BatchMode=yes";
	if (!c->shared) {
		argv[n++] = "-S";
		argv[n++] = c->ctl;
	}
	if (c->port[0]) {
		argv[n++] = "-p";
		argv[n++] = c->port;
	}
	if (c->r->user) {
		argv[n++] = "-l";
		argv[n++] = c->r->user;
	}
	return n;
}

void ssh_argv(const struct ssh_conn *c, const char *cmd, const char **argv)
{
	size_t n = ssh_base(c, argv);

	argv[n++] = "-o";
	argv[n++] = "ControlMaster=no";
	argv[n++] = "-T"; /* no tty: stdout and stderr stay apart */
	argv[n++] = "--";
	argv[n++] = c->r->host;
	argv[n++] = cmd;
	argv[n] = NULL;
}

static pid_t ssh_fork_exec(const char **argv, int in, int out, int err, int own_group)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid;
	if (own_group)
		setpgid(0, 0); /* Ctrl-C is stap's to handle, not ssh's */
	if (in >= 0 && dup2(in, 0) < 0)
		_exit(127);
	if (out >= 0 && dup2(out, 1) < 0)
		_exit(127);
	if (err >= 0 && dup2(err, 2) < 0)
		_exit(127);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "stap: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int ssh_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* ssh's stderr, condensed to one line: the host-key banner is many lines. */
static void ssh_report(const struct ssh_conn *c, const char *errfile)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	const char *why = "", *p;
	char line[256] = "";

	if (readfile_path(errfile, 1 << 20, &buf, &len) == 0) {
		why = (const char *)buf;
		if (strstr(why, "REMOTE HOST IDENTIFICATION HAS CHANGED"))
			snprintf(line, sizeof line,
				 "the host key of %s has changed; ssh refused to connect "
				 "(check it, then ssh-keygen -R %s)",
				 c->r->host, c->r->host);
		else if (strstr(why, "Host key verification failed"))
			snprintf(line, sizeof line,
				 "host key verification failed for %s (not in your known_hosts?)",
				 c->r->host);
		else {
			while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
				buf[--len] = 0;
			p = strrchr(why, '\n');
			snprintf(line, sizeof line, "%s", p ? p + 1 : why);
		}
	}
	fprintf(stderr, "stap: target %s: ssh %s%s%s failed: %s\n", c->label,
		c->r->user ? c->r->user : "", c->r->user ? "@" : "", c->r->host,
		line[0] ? line : "no reason given");
	free(buf);
}

/* ssh -O VERB to the master (local only, output dropped); its status. */
static int ssh_control(const struct ssh_conn *c, const char *verb)
{
	const char *argv[32];
	size_t n = ssh_base(c, argv);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC), st = -1;

	argv[n++] = "-O";
	argv[n++] = verb;
	argv[n++] = "--";
	argv[n++] = c->r->host;
	argv[n] = NULL;
	if (devnull >= 0) {
		st = ssh_wait(ssh_fork_exec(argv, devnull, devnull, devnull, 1));
		close(devnull);
	}
	return st;
}

/* Does the user's ssh config name a ControlPath with a master running for
 * this host?  ssh -O check answers without touching the network. */
static int ssh_user_master(struct ssh_conn *c)
{
	c->shared = 1; /* no -S: their ControlPath */
	c->shared = ssh_control(c, "check") == 0;
	return c->shared;
}

int ssh_open(struct ssh_conn *c, const struct kh_record *r, const char *label)
{
	const char *argv[32];
	char errfile[128];
	const char *tmp = getenv("TMPDIR");
	size_t n;
	int fd, in, st = -1;

	memset(c, 0, sizeof *c);
	c->r = r;
	c->label = label;
	if (r->port)
		snprintf(c->port, sizeof c->port, "%d", r->port);
	if (ssh_user_master(c))
		return 0;
	/* A short path: a unix socket name holds at most 107 bytes. */
	snprintf(c->dir, sizeof c->dir, "%s/stapssh.XXXXXX",
		 tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(c->dir)) {
		fprintf(stderr, "stap: target %s: private folder: %s\n", label, strerror(errno));
		return -1;
	}
	snprintf(c->ctl, sizeof c->ctl, "%s/c", c->dir);
	snprintf(errfile, sizeof errfile, "%s/err", c->dir);
	n = ssh_base(c, argv);
	argv[n++] = "-o";
	argv[n++] = "ControlMaster=yes";
	argv[n++] = "-o";
	argv[n++] = "ControlPersist=30";
	argv[n++] = "-o";
	argv[n++] = "ServerAliveInterval=5";
	argv[n++] = "-o";
	argv[n++] = "ServerAliveCountMax=3";
	argv[n++] = "-f";
	argv[n++] = "-N";
	argv[n++] = "--";
	argv[n++] = r->host;
	argv[n] = NULL;
	fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	in = open("/dev/null", O_RDWR | O_CLOEXEC); /* the master outlives this call */
	if (fd >= 0 && in >= 0)
		st = ssh_wait(ssh_fork_exec(argv, in, in, fd, 1));
	if (fd >= 0)
		close(fd);
	if (in >= 0)
		close(in);
	if (st != 0) {
		ssh_report(c, errfile);
		rmtree(c->dir);
		return -1;
	}
	c->open = 1;
	return 0;
}

void ssh_close(struct ssh_conn *c)
{
	if (c->open)
		ssh_control(c, "exit");
	c->open = 0;
	if (c->dir[0])
		rmtree(c->dir);
	c->dir[0] = 0;
}

int ssh_capture(const struct ssh_conn *c, const char *cmd, int stdin_fd, struct strbuf *out,
		size_t max)
{
	const char *argv[32];
	int p[2], devnull = -1, st;
	char buf[4096];
	ssize_t got;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if (stdin_fd < 0)
		stdin_fd = devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ssh_argv(c, cmd, argv);
	pid = ssh_fork_exec(argv, stdin_fd, p[1], -1, 1);
	close(p[1]);
	if (devnull >= 0)
		close(devnull);
	while ((got = read(p[0], buf, sizeof buf)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		if (out->n + (size_t)got <= max)
			sb_putn(out, buf, (size_t)got);
	}
	close(p[0]);
	st = pid < 0 ? -1 : ssh_wait(pid);
	return st;
}

pid_t ssh_spawn(const struct ssh_conn *c, const char *cmd, int stdin_fd)
{
	const char *argv[32];

	ssh_argv(c, cmd, argv);
	return ssh_fork_exec(argv, stdin_fd, -1, -1, 1);
}
