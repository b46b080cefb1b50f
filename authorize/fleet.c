/*
 * stap-authorize -w NODESET COMMAND ...: the same subcommand on every host
 * of a ClusterShell node set, through clush over the admin's OpenSSH, so
 * clush.conf, groups.conf (@groups), the fan-out window, timeouts, run
 * modes (sudo) and tree mode all apply unchanged.  Each host runs its own
 * stap-authorize, whose edits are atomic there (az_edit, az_write_atomic);
 * this side checks the arguments before anything is started, then gathers
 * what each host said into node sets per outcome and one exit status.
 *
 * A host's result is what it says, not the absence of a complaint: the
 * remote command ends with a marker line carrying its exit status, and a
 * host without one (refused connection, killed session, timeout) has not
 * succeeded.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keys/verify.h"
#include "authorize/authorize.h"
#include "authorize/fleet.h"
#include "lib/number.h"
#include "lib/strbuf.h"

/* Run argv with stdin from in (-1: /dev/null) and stdout into *out; its
 * stderr is ours.  Returns the pid, or -1 after printing why. */
static pid_t fleet_spawn(const struct az *az, char *const argv[], int in, int *out, int *err)
{
	int po[2], pe[2] = {-1, -1};
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) < 0 || (err && pipe2(pe, O_CLOEXEC) < 0))
		return az_err(az, "pipe: %s", strerror(errno)), -1;
	if ((pid = fork()) < 0)
		return az_err(az, "fork: %s", strerror(errno)), -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		signal(SIGPIPE, SIG_DFL); /* ours is ignored (see az_fleet) */
		if (dup2(in >= 0 ? in : null, 0) < 0 || dup2(po[1], 1) < 0 ||
		    (err && dup2(pe[1], 2) < 0))
			_exit(127);
		execvp(argv[0], argv);
		fprintf(stderr, "stap-authorize: cannot run %s: %s (Debian package clustershell)\n",
			argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	*out = po[0];
	if (err) {
		close(pe[1]);
		*err = pe[0];
	}
	return pid;
}

static int fleet_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* argv's whole stdout into *out (one trailing newline dropped); its exit
 * status, or -1. */
static int fleet_capture(const struct az *az, char *const argv[], struct strbuf *out)
{
	char buf[4096];
	ssize_t n;
	int fd;
	pid_t pid = fleet_spawn(az, argv, -1, &fd, NULL);

	if (pid < 0)
		return -1;
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		sb_putn(out, buf, (size_t)n);
	}
	close(fd);
	if (out->n && out->s[out->n - 1] == '\n')
		out->s[--out->n] = '\0';
	return fleet_wait(pid);
}

/* The hosts of a node set, by ClusterShell's own expansion (so @groups
 * resolve through the admin's groups.conf). */
static int fleet_expand(struct fleet *f, const char *nodes, const char *exclude)
{
	char *argv[] = {"nodeset", "-e", "-S", "\\n", (char *)nodes, "-x", (char *)exclude, NULL};
	struct strbuf out = {0};
	int r;

	if (!exclude)
		argv[5] = NULL;
	r = fleet_capture(f->az, argv, &out);
	for (char *s = out.s, *e; r == 0 && s && *s; s = e ? e + 1 : s + strlen(s)) {
		e = strchr(s, '\n');
		if (e)
			*e = '\0';
		if (!*s)
			continue;
		if (fleet_host_add(f, s) < 0) {
			r = -1;
			break;
		}
	}
	free(out.s);
	if (r != 0)
		return az_err(f->az, "cannot expand the node set %s%s%s", nodes,
			      exclude ? " -x " : "", exclude ? exclude : ""),
		       -1;
	if (!f->n)
		return az_err(f->az, "the node set %s has no hosts", nodes), -1;
	return 0;
}

/* The folded node set of the hosts in group g, with its size. */
static void fleet_fold(struct fleet *f, int g, struct strbuf *b)
{
	char **argv = calloc(f->n + 3, sizeof *argv);
	struct strbuf out = {0};
	size_t k = 0, count = 0;

	for (size_t i = 0; i < f->n; i++)
		if (f->h[i].group == g)
			count++;
	if (argv) {
		argv[k++] = "nodeset";
		argv[k++] = "-f";
		for (size_t i = 0; i < f->n; i++)
			if (f->h[i].group == g)
				argv[k++] = f->h[i].name;
	}
	if (argv && fleet_capture(f->az, argv, &out) == 0 && out.n)
		sb_puts(b, out.s);
	else /* folding is cosmetic: the list will do */
		for (size_t i = 0, first = 1; i < f->n; i++)
			if (f->h[i].group == g) {
				sb_printf(b, "%s%s", first ? "" : ",", f->h[i].name);
				first = 0;
			}
	sb_printf(b, " (%zu)", count);
	free(argv);
	free(out.s);
}

/* clush's stdout and stderr until both end; then its exit status. */
static int fleet_collect(struct fleet *f, pid_t pid, int out, int err)
{
	struct pollfd p[2] = {{.fd = out, .events = POLLIN}, {.fd = err, .events = POLLIN}};
	char buf[8192];

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, buf, sizeof buf);
			if (n < 0 && errno == EINTR)
				continue;
			if (n > 0) {
				fleet_feed(f, i, buf, (size_t)n);
				continue;
			}
			if (f->line[i].n)
				fleet_feed(f, i, "\n", 1);
			close(p[i].fd);
			p[i].fd = -1;
		}
	}
	return fleet_wait(pid);
}

/* Mark the hosts of clush's "NODESET: command timeout" messages. */
static void fleet_mark_timeouts(struct fleet *f)
{
	char *argv[] = {"nodeset", "-e", "-S", "\\n", f->timeouts.s, NULL};
	struct strbuf out = {0};

	if (!f->timeouts.n || fleet_capture(f->az, argv, &out) != 0 || !out.s) {
		free(out.s);
		return;
	}
	for (char *s = out.s, *e; *s; s = e ? e + 1 : s + strlen(s)) {
		struct fleet_host *h;
		e = strchr(s, '\n');
		if ((h = fleet_find(f, s, e ? (size_t)(e - s) : strlen(s))))
			h->timed_out = 1;
	}
	free(out.s);
}

static const char *outcome(const struct fleet_host *h, char *buf, size_t len)
{
	if (h->rc == 0)
		return "ok";
	if (h->rc > 0)
		return snprintf(buf, len, "failed with status %d", h->rc), buf;
	return h->timed_out ? "timed out" : "unreachable";
}

/* "stap-authorize: CMD: OUTCOME: NODESET (N): " and the host's own words,
 * one per line (its stderr, else its stdout). */
static void fleet_failure(struct fleet *f, const struct fleet_host *h, const char *set)
{
	const char *t = h->err.n ? h->err.s : h->out.n ? h->out.s : "(no answer)\n";
	char why[64];

	fprintf(stderr, "stap-authorize: %s: %s: %s: ", f->az->cmd, outcome(h, why, sizeof why),
		set);
	for (const char *s = t, *e; *s; s = e + 1) {
		if (!(e = strchr(s, '\n')))
			e = s + strlen(s) - 1;
		fprintf(stderr, "%s%.*s\n", s == t ? "" : "    ", (int)(e - s), s);
	}
}

/* The output of the hosts that succeeded, gathered as clush -b does: one
 * block per distinct text under the node set that printed it; stdout on
 * stdout, stderr (warnings, hints, a login shell's noise) on stderr. */
static void fleet_gather(struct fleet *f, int fd)
{
	FILE *to = fd == 0 ? stdout : stderr;

	fleet_group(f, fd == 0 ? fleet_same_out : fleet_same_err);
	for (size_t g = 0; g < f->n; g++) {
		const struct fleet_host *h = &f->h[g];
		const struct strbuf *t = fd == 0 ? &h->out : &h->err;
		struct strbuf set = {0};
		if (h->group != (int)g || h->rc != 0 || !t->n)
			continue;
		fleet_fold(f, (int)g, &set);
		fflush(stdout);
		fprintf(to, "---------------\n%s%s\n---------------\n%s", set.s,
			fd == 0 ? "" : " (stderr)", t->s);
		free(set.s);
	}
}

/* The gathered output, then one line per outcome (the successes on
 * stdout, the rest on stderr) and the counts. */
static int fleet_report(struct fleet *f)
{
	size_t ok = 0;

	fleet_gather(f, 0);
	fleet_gather(f, 1);
	fleet_group(f, fleet_same_outcome);
	for (size_t g = 0; g < f->n; g++) {
		struct strbuf set = {0};
		ok += f->h[g].rc == 0;
		if (f->h[g].group != (int)g)
			continue;
		fleet_fold(f, (int)g, &set);
		fflush(stdout);
		if (f->h[g].rc == 0)
			printf("stap-authorize: %s: ok: %s\n", f->az->cmd, set.s);
		else
			fleet_failure(f, &f->h[g], set.s);
		free(set.s);
	}
	fflush(stdout);
	fprintf(ok == f->n ? stdout : stderr, "stap-authorize: %s: %zu of %zu hosts succeeded\n",
		f->az->cmd, ok, f->n);
	return ok == f->n ? 0 : 1;
}

/* The command each host runs: its own stap-authorize with the same
 * arguments, pos[0] replaced by what ship says, then the marker. */
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
	sb_puts(cmd, "; echo \"" FLEET_MARK "$?\"");
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

/* Whether any host said anything (else clush's own failure is the news). */
static int fleet_answered(const struct fleet *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->h[i].rc >= 0 || f->h[i].out.n || f->h[i].err.n)
			return 1;
	return f->timeouts.n > 0;
}

static int fleet_run(struct fleet *f, const char *cmd, const char *pem, size_t pemlen)
{
	const struct az *az = f->az;
	const char *argv[24];
	int in[2] = {-1, -1}, out = -1, err = -1, r;
	size_t k = 0;
	pid_t pid = -1;

	argv[k++] = "clush";
	argv[k++] = "--color=never";
	if (!pem)
		argv[k++] = "-n";
	argv[k++] = "-w";
	argv[k++] = az->nodes; /* expanded as nodeset did: same library, same groups */
	if (az->exclude)
		argv[k++] = "-x", argv[k++] = az->exclude;
	if (az->login)
		argv[k++] = "-l", argv[k++] = az->login;
	if (az->fanout)
		argv[k++] = "-f", argv[k++] = az->fanout;
	if (az->timeout)
		argv[k++] = "-u", argv[k++] = az->timeout;
	if (az->mode)
		argv[k++] = "-m", argv[k++] = az->mode;
	argv[k++] = "--";
	argv[k++] = cmd;
	argv[k] = NULL;
	r = 0;
	if (pem && pipe2(in, O_CLOEXEC) < 0)
		r = (az_err(az, "pipe: %s", strerror(errno)), -1);
	if (r == 0 && (pid = fleet_spawn(az, (char *const *)argv, in[0], &out, &err)) < 0)
		r = -1;
	if (in[0] >= 0)
		close(in[0]);
	if (r == 0 && pem) /* one certificate: far below a pipe's buffer */
		if (write(in[1], pem, pemlen) != (ssize_t)pemlen)
			r = (az_err(az, "cannot hand the certificate to clush: %s",
				    strerror(errno)),
			     -1);
	if (in[1] >= 0)
		close(in[1]);
	if (pid > 0) {
		int st = fleet_collect(f, pid, out, err);
		fputs(fleet_text(&f->said), stderr);
		if (r == 0 && st != 0 && !fleet_answered(f))
			r = (az_err(az, "clush exited with status %d before any host answered", st),
			     -1);
	}
	return r;
}

int az_fleet(struct az *az, enum az_fleet_ship ship, int argc, char **argv)
{
	struct fleet f = {.az = az};
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
	if (fleet_arg0(az, ship, arg0, &pem, &pemlen) < 0 ||
	    fleet_command(az, argc, argv, arg0[0] ? arg0 : NULL, &cmd) < 0 ||
	    fleet_expand(&f, az->nodes, az->exclude) < 0)
		goto out;
	fflush(stdout);
	/* a clush that ends early must not end us while we hand it stdin */
	signal(SIGPIPE, SIG_IGN);
	if (fleet_run(&f, cmd.s, pem, pemlen) < 0)
		goto out;
	fleet_mark_timeouts(&f);
	r = fleet_report(&f);
out:
	fleet_free(&f);
	free(cmd.s);
	free(pem);
	return r;
}
