/*
 * stap-authorize -w NODESET COMMAND ...: the same subcommand on every host
 * of a ClusterShell node set, through fleet/fleet-run's shell mode (the
 * fan-out stap -T FLEET uses too), which reaches the hosts with
 * ClusterShell's ssh worker and the admin's clush.conf and groups.conf, so
 * @groups, the fan-out window, timeouts, run modes (sudo) and tree mode all
 * apply as they do to clush.  Each host runs its own stap-authorize, whose
 * edits are atomic there (az_edit, az_write_atomic); this side checks the
 * arguments before anything is started and builds the one command every
 * host runs; the driver gathers what each host said into node sets per
 * outcome and one exit status, which is ours.  Nothing the hosts print is
 * read here.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keys/verify.h"
#include "authorize/authorize.h"
#include "lib/installed.h"
#include "lib/number.h"
#include "lib/strbuf.h"

/* The command each host runs: its own stap-authorize with the same
 * arguments, pos[0] replaced by what ship says; its exit status is the
 * host's result (ssh's 255: unreachable). */
static int fleet_command(const struct az *az, int argc, char **argv, const char *arg0,
			 struct strbuf *cmd)
{
	sb_puts(cmd, "stap-authorize");
	if (az->policy_owner || az->keys_owner)
		return az_err(az, "internal: rehearsal owners set before the push"), -1;
	if (az->policy) {
		sb_puts(cmd, " --policy ");
		sb_shquote(cmd, az->policy);
	}
	if (az->keys) {
		sb_puts(cmd, " --keys ");
		sb_shquote(cmd, az->keys);
	}
	sb_puts(cmd, " ");
	sb_shquote(cmd, az->cmd);
	for (int i = 0; i < argc; i++) {
		sb_puts(cmd, " ");
		sb_shquote(cmd, argc && argv[i] == az->pos[0] && arg0 ? arg0 : argv[i]);
	}
	return cmd->oom ? -1 : 0;
}

/* What replaces the first positional argument, checked here first so that
 * a bad argument stops the push before any host is touched. */
static int fleet_arg0(struct az *az, enum az_fleet_ship ship, char *hex, char **pem, size_t *pemlen)
{
	unsigned char md[DIGEST_LEN];
	enum policy_kind kind;
	struct keys_cert c;
	int r;

	if (ship == AZ_FLEET_DIGEST && az->npos) {
		char line[POLICY_MAX_LINE + 64];
		if (az_target(az, az->pos[0], &kind, md) < 0)
			return -1;
		/* the options too: a bad --expires stops the push here */
		if (!strcmp(az->cmd, "bless") &&
		    az_bless_line(az, kind, md, NULL, line, sizeof line) < 0)
			return -1;
		if (strncmp(az->pos[0], "signer:", 7) && strncmp(az->pos[0], "sha256:", 7)) {
			memcpy(hex, "sha256:", 7);
			digest_hex(md, DIGEST_LEN, hex + 7);
		}
	}
	if (ship == AZ_FLEET_CERT) {
		if (az_cert_load(az, az->pos[0], &c) < 0)
			return -1;
		r = az_cert_pem(&c, pem, pemlen);
		keys_cert_free(&c);
		if (r < 0)
			return az_err(az, "cannot encode the certificate"), -1;
		strcpy(hex, "-");
	}
	return 0;
}

/* The driver's argv (room for 24). */
static void fleet_argv(const struct az *az, const char *driver, const char *label, const char *cmd,
		       int pem, const char **argv)
{
	size_t k = 0;

	argv[k++] = driver;
	argv[k++] = "shell";
	argv[k++] = "--label";
	argv[k++] = label;
	argv[k++] = "-w";
	argv[k++] = az->nodes;
	if (pem)
		argv[k++] = "--stdin";
	if (az->exclude)
		argv[k++] = "-x", argv[k++] = az->exclude;
	if (az->login)
		argv[k++] = "-l", argv[k++] = az->login;
	if (az->fanout)
		argv[k++] = "--fanout", argv[k++] = az->fanout;
	if (az->timeout)
		argv[k++] = "--timeout", argv[k++] = az->timeout;
	if (az->mode)
		argv[k++] = "--mode", argv[k++] = az->mode;
	argv[k++] = "--";
	argv[k++] = cmd;
	argv[k] = NULL;
}

/* Ctrl-C reaches the driver too, which reports what it knows; its status
 * is ours: SIGINT and SIGQUIT are ignored here while it runs, as system(3)
 * does.  how: 1 to ignore them (old keeps ours), 0 to restore old. */
static void fleet_signals(int how, struct sigaction old[2])
{
	struct sigaction ign = {.sa_handler = SIG_IGN};

	sigaction(SIGINT, how ? &ign : &old[0], how ? &old[0] : NULL);
	sigaction(SIGQUIT, how ? &ign : &old[1], how ? &old[1] : NULL);
}

/* Start the driver, its stdin the read end of in; -1 after saying why. */
static pid_t fleet_spawn(const struct az *az, const char *const *argv, const int in[2])
{
	pid_t pid = fork();

	if (pid < 0)
		return az_err(az, "fork: %s", strerror(errno)), -1;
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL); /* ours is ignored (see az_fleet) */
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		if (dup2(in[0], 0) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		fprintf(stderr, "stap-authorize: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* The driver's exit status (0, 1 or 2), else 2 after saying why. */
static int fleet_wait(const struct az *az, pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return az_err(az, "waitpid: %s", strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) <= 2)
		return WEXITSTATUS(st);
	return az_err(az, "the fleet driver ended with %s %d", WIFEXITED(st) ? "status" : "signal",
		      WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

/* Run the driver, the certificate (if any) on its stdin; its status. */
static int fleet_run(const struct az *az, const char *cmd, const char *pem, size_t pemlen)
{
	char driver[4096], label[256];
	const char *argv[24];
	struct sigaction old[2];
	int in[2], r = 2;
	pid_t pid;

	if (installed_fleet_run(driver, sizeof driver) < 0)
		return az_err(az, "the fleet driver %s is missing (%s)", driver, strerror(errno));
	snprintf(label, sizeof label, "stap-authorize: %s", az->cmd);
	fleet_argv(az, driver, label, cmd, pem != NULL, argv);
	if (pipe2(in, O_CLOEXEC) < 0)
		return az_err(az, "pipe: %s", strerror(errno));
	fflush(NULL);
	fleet_signals(1, old);
	pid = fleet_spawn(az, argv, in);
	close(in[0]);
	/* one certificate: far below a pipe's buffer; a driver that ended
	 * early has said why */
	if (pid > 0 && pem && write(in[1], pem, pemlen) < 0 && errno != EPIPE)
		az_err(az, "cannot hand the certificate to the fleet driver: %s", strerror(errno));
	close(in[1]);
	if (pid > 0)
		r = fleet_wait(az, pid);
	fleet_signals(0, old);
	return r;
}

int az_fleet(struct az *az, enum az_fleet_ship ship, int argc, char **argv)
{
	struct strbuf cmd = {0};
	char arg0[8 + DIGEST_HEXLEN] = "";
	char *pem = NULL;
	size_t pemlen = 0;
	long long num;
	int r = 2;

	if (ship == AZ_FLEET_NO)
		return az_err(az, "does not run on a node set (-w): it works on files here");
	if (az->script || az->expr)
		return az_err(az, "--script and -e build for one kernel: on a node set, sign the "
				  "module once and approve its signer (stap-authorize(8), FLEET)");
	if (az->nodes[0] == '-' || (az->exclude && az->exclude[0] == '-'))
		return az_err(az, "a node set does not start with '-'");
	if (az->fanout && number_parse(az->fanout, 1, 100000, &num) < 0)
		return az_err(az, "--fanout: a number of connections from 1 to 100000");
	if (az->timeout && number_parse(az->timeout, 1, 86400, &num) < 0)
		return az_err(az, "--timeout: a number of seconds from 1 to 86400");
	if (fleet_arg0(az, ship, arg0, &pem, &pemlen) == 0 &&
	    fleet_command(az, argc, argv, arg0[0] ? arg0 : NULL, &cmd) == 0) {
		/* a driver that ends early must not end us while we hand it stdin */
		signal(SIGPIPE, SIG_IGN);
		r = fleet_run(az, cmd.s, pem, pemlen);
	}
	free(cmd.s);
	free(pem);
	return r;
}
